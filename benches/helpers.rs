//! What a tracked lock costs in the shape ordinary code takes it: through
//! a helper method, `fn with<R>(&self, f: impl FnOnce(&mut u64) -> R) -> R`,
//! with no inline attribute, so that the compiler is free to inline it or
//! not, as it is in user code. std, parking_lot, tracing-mutex and
//! lockorder side by side in one run (and tokio's own `Mutex` next to
//! lockorder's, with the `tokio` feature).
//!
//! `benches/overhead.rs` measures the same scenarios with every acquisition
//! forced inline; this file is the shape the README's table shows first.
//! `ci/bench-builds.sh` runs it in the four builds users run: dev, dev
//! with lockorder optimized, release with debug assertions, and release
//! with `force`.

mod support;

use std::hint::black_box;
#[cfg(feature = "tokio")]
use std::time::Instant;

use criterion::{criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion};
use support::{per_thread, Padded};

/// A mutex, taken through an ordinary helper.
trait Locked: Send + Sync + Sized + 'static {
    const NAME: &'static str;
    #[track_caller]
    fn create(value: u64) -> Self;
    /// Runs `f` on the value with the lock held.
    fn with<R>(&self, f: impl FnOnce(&mut u64) -> R) -> R;
}

/// An rwlock, read through an ordinary helper.
trait ReadLocked: Send + Sync + Sized + 'static {
    const NAME: &'static str;
    #[track_caller]
    fn create(value: u64) -> Self;
    /// Runs `f` on the value with a read lock held.
    fn read_with<R>(&self, f: impl FnOnce(&u64) -> R) -> R;
}

/// A once-cell, read through an ordinary helper.
trait Cell: Sync + Sized + 'static {
    const NAME: &'static str;
    fn create() -> Self;
    /// The value, set by the first call.
    fn value(&self) -> u64;
}

macro_rules! locked {
    ($($ty:ty, $name:literal, |$l:ident| $guard:expr;)*) => {$(
        impl Locked for $ty {
            const NAME: &'static str = $name;
            #[track_caller]
            fn create(value: u64) -> Self {
                <$ty>::new(value)
            }
            fn with<R>(&self, f: impl FnOnce(&mut u64) -> R) -> R {
                let $l = self;
                let mut guard = $guard;
                f(&mut guard)
            }
        }
    )*};
}

locked! {
    std::sync::Mutex<u64>, "std", |l| l.lock().unwrap();
    parking_lot::Mutex<u64>, "parking_lot", |l| l.lock();
    tracing_mutex::stdsync::tracing::Mutex<u64>, "tracing-mutex", |l| l.lock().unwrap();
    lockorder::sync::Mutex<u64>, "lockorder", |l| l.lock().unwrap();
}

macro_rules! read_locked {
    ($($ty:ty, $name:literal, |$l:ident| $guard:expr;)*) => {$(
        impl ReadLocked for $ty {
            const NAME: &'static str = $name;
            #[track_caller]
            fn create(value: u64) -> Self {
                <$ty>::new(value)
            }
            fn read_with<R>(&self, f: impl FnOnce(&u64) -> R) -> R {
                let $l = self;
                let guard = $guard;
                f(&guard)
            }
        }
    )*};
}

read_locked! {
    std::sync::RwLock<u64>, "std", |l| l.read().unwrap();
    parking_lot::RwLock<u64>, "parking_lot", |l| l.read();
    tracing_mutex::stdsync::tracing::RwLock<u64>, "tracing-mutex", |l| l.read().unwrap();
    lockorder::sync::RwLock<u64>, "lockorder", |l| l.read().unwrap();
}

macro_rules! cell {
    ($($ty:ty, $name:literal;)*) => {$(
        impl Cell for $ty {
            const NAME: &'static str = $name;
            fn create() -> Self {
                <$ty>::new()
            }
            fn value(&self) -> u64 {
                *self.get_or_init(|| 7)
            }
        }
    )*};
}

cell! {
    std::sync::OnceLock<u64>, "std";
    tracing_mutex::stdsync::tracing::OnceLock<u64>, "tracing-mutex";
    lockorder::sync::OnceLock<u64>, "lockorder";
}

/// Runs `scenario` for every mutex, in one group.
macro_rules! for_each_mutex {
    ($group:expr, $scenario:ident) => {
        $scenario::<std::sync::Mutex<u64>>($group);
        $scenario::<parking_lot::Mutex<u64>>($group);
        $scenario::<tracing_mutex::stdsync::tracing::Mutex<u64>>($group);
        $scenario::<lockorder::sync::Mutex<u64>>($group);
    };
}

type Group<'a> = BenchmarkGroup<'a, criterion::measurement::WallTime>;

fn single<L: Locked>(group: &mut Group<'_>) {
    let lock = L::create(0);
    group.bench_function(L::NAME, |b| b.iter(|| black_box(&lock).with(|x| *x += 1)));
}

/// The inner lock taken inside the outer one's closure.
fn pair<L: Locked>([a, b]: &[L; 2]) {
    a.with(|x| b.with(|y| *y += *x));
}

fn nested<L: Locked>(group: &mut Group<'_>) {
    let locks = [L::create(1), L::create(0)];
    pair(&locks);
    group.bench_function(L::NAME, |b| b.iter(|| pair(black_box(&locks))));
}

fn depth4<L: Locked>(group: &mut Group<'_>) {
    let [a, b, c, d] = [L::create(1), L::create(0), L::create(0), L::create(0)];
    let nest = || a.with(|w| b.with(|x| c.with(|y| d.with(|z| *z += *w + *x + *y))));
    nest();
    group.bench_function(L::NAME, |bench| bench.iter(nest));
}

/// Per-thread time of one and of two threads, each nesting its own pair.
fn threads<L: Locked>(group: &mut Group<'_>) {
    for threads in [1, 2] {
        let pairs: Vec<Padded<[L; 2]>> = (0..threads).map(|_| Padded([L::create(1), L::create(0)])).collect();
        let id = BenchmarkId::new(L::NAME, if threads == 1 { "alone" } else { "each of two" });
        group.bench_function(id, |b| b.iter_custom(|iters| per_thread(&pairs, iters, |locks| pair(black_box(locks)))));
    }
}

/// A lock made, taken once under a long-lived one, and dropped.
fn churn<L: Locked>(group: &mut Group<'_>) {
    let outer = L::create(0);
    group.bench_function(L::NAME, |b| {
        outer.with(|_| {
            b.iter(|| {
                let lock = L::create(0);
                black_box(&lock).with(|x| *x += 1);
            })
        })
    });
}

fn reads<L: ReadLocked>(group: &mut Group<'_>) {
    let [a, b] = [L::create(1), L::create(2)];
    group.bench_function(BenchmarkId::new("single", L::NAME), |bench| bench.iter(|| black_box(&a).read_with(|x| *x)));
    group.bench_function(BenchmarkId::new("nested pair", L::NAME), |bench| {
        bench.iter(|| black_box(&a).read_with(|x| black_box(&b).read_with(|y| *x + *y)))
    });
}

fn once<C: Cell>(group: &mut Group<'_>) {
    let cell = C::create();
    cell.value();
    group.bench_function(C::NAME, |b| b.iter(|| black_box(&cell).value()));
}

#[cfg(feature = "tokio")]
fn tokio_lock(c: &mut Criterion) {
    macro_rules! row {
        ($group:expr, $rt:expr, $name:literal, $mutex:ty) => {{
            /// One lock and unlock, in a helper.
            async fn with(m: &$mutex, f: impl FnOnce(&mut u64)) {
                f(&mut *m.lock().await);
            }

            let m = std::sync::Arc::new(<$mutex>::new(0));
            $group.bench_function($name, |b| {
                b.iter_custom(|iters| {
                    let m = m.clone();
                    // Timed inside a spawned task, as tasks take locks.
                    $rt.block_on($rt.spawn(async move {
                        let start = Instant::now();
                        for _ in 0..iters {
                            with(black_box(&m), |x| *x += 1).await;
                        }
                        start.elapsed()
                    }))
                    .unwrap()
                })
            });
        }};
    }
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let mut group = c.benchmark_group("h8 tokio lock().await");
    row!(group, &rt, "tokio", tokio::sync::Mutex<u64>);
    row!(group, &rt, "lockorder", lockorder::tokio::Mutex<u64>);
    group.finish();
}

#[cfg(not(feature = "tokio"))]
fn tokio_lock(_: &mut Criterion) {}

fn helpers(c: &mut Criterion) {
    assert!(lockorder::enabled(), "run in a build with tracking (see ci/bench-builds.sh)");

    let mut group = c.benchmark_group("h1 single");
    for_each_mutex!(&mut group, single);
    group.finish();

    let mut group = c.benchmark_group("h2 nested pair");
    for_each_mutex!(&mut group, nested);
    group.finish();

    let mut group = c.benchmark_group("h3 depth 4");
    for_each_mutex!(&mut group, depth4);
    group.finish();

    let mut group = c.benchmark_group("h4 two threads, per thread");
    for_each_mutex!(&mut group, threads);
    group.finish();

    let mut group = c.benchmark_group("h5 churn");
    for_each_mutex!(&mut group, churn);
    group.finish();

    let mut group = c.benchmark_group("h6 RwLock read");
    reads::<std::sync::RwLock<u64>>(&mut group);
    reads::<parking_lot::RwLock<u64>>(&mut group);
    reads::<tracing_mutex::stdsync::tracing::RwLock<u64>>(&mut group);
    reads::<lockorder::sync::RwLock<u64>>(&mut group);
    group.finish();

    let mut group = c.benchmark_group("h7 OnceLock get_or_init, set");
    once::<std::sync::OnceLock<u64>>(&mut group);
    once::<tracing_mutex::stdsync::tracing::OnceLock<u64>>(&mut group);
    once::<lockorder::sync::OnceLock<u64>>(&mut group);
    group.finish();

    tokio_lock(c);
}

criterion_group!(benches, helpers);
criterion_main!(benches);
