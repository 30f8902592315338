//! What a tracked lock costs, side by side in one run: std, parking_lot,
//! tracing-mutex and lockorder, each scenario over the same generic body.
//!
//! Run with tracking on: `cargo bench --features force --bench overhead`.
//! Ratios to std measured in the same run are what the README reports.

mod support;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion, SamplingMode};
use support::{per_thread, Padded};

/// One mutex implementation under test.
trait Lock: Send + Sync + Sized + 'static {
    const NAME: &'static str;
    /// Whether it keeps a lock-order graph (the chain scenarios need one).
    const TRACKS: bool;
    type Guard<'a>;
    fn create() -> Self;
    fn acquire(&self) -> Self::Guard<'_>;
}

macro_rules! lock_impl {
    ($ty:ty, $name:literal, $tracks:literal, $guard:ty, |$l:ident| $acquire:expr) => {
        impl Lock for $ty {
            const NAME: &'static str = $name;
            const TRACKS: bool = $tracks;
            type Guard<'a> = $guard;
            fn create() -> Self {
                <$ty>::new(())
            }
            // Inlined, as `lock().unwrap()` is in user code: a call here
            // would return the guard through memory when it is larger than
            // two words, and the copy right after would be measured too.
            #[inline(always)]
            fn acquire(&self) -> Self::Guard<'_> {
                let $l = self;
                $acquire
            }
        }
    };
}

lock_impl!(std::sync::Mutex<()>, "std", false, std::sync::MutexGuard<'a, ()>, |l| l.lock().unwrap());
lock_impl!(parking_lot::Mutex<()>, "parking_lot", false, parking_lot::MutexGuard<'a, ()>, |l| l.lock());
lock_impl!(
    tracing_mutex::stdsync::tracing::Mutex<()>,
    "tracing-mutex",
    true,
    tracing_mutex::stdsync::tracing::MutexGuard<'a, ()>,
    |l| l.lock().unwrap()
);
lock_impl!(lockorder::sync::Mutex<()>, "lockorder", true, lockorder::sync::MutexGuard<'a, ()>, |l| l.lock().unwrap());

/// Runs `scenario` for every implementation, in one group.
macro_rules! for_each_lock {
    ($group:expr, $scenario:ident $(, $arg:expr)*) => {
        $scenario::<std::sync::Mutex<()>>($group $(, $arg)*);
        $scenario::<parking_lot::Mutex<()>>($group $(, $arg)*);
        $scenario::<tracing_mutex::stdsync::tracing::Mutex<()>>($group $(, $arg)*);
        $scenario::<lockorder::sync::Mutex<()>>($group $(, $arg)*);
    };
}

type Group<'a> = BenchmarkGroup<'a, criterion::measurement::WallTime>;

fn single<L: Lock>(group: &mut Group<'_>) {
    let lock = L::create();
    group.bench_function(L::NAME, |b| b.iter(|| drop(black_box(lock.acquire()))));
}

/// Takes both locks in order, then releases them, in straight-line code:
/// `let a = A.lock(); let b = B.lock();` in one function, as the RwLock
/// rows do.
#[inline(always)]
fn nest<L: Lock>([a, b]: &[L; 2]) {
    let _a = black_box(a.acquire());
    drop(black_box(b.acquire()));
}

/// [`nest`] four deep.
#[inline(always)]
fn nest4<L: Lock>([a, b, c, d]: &[L; 4]) {
    let _a = black_box(a.acquire());
    let _b = black_box(b.acquire());
    let _c = black_box(c.acquire());
    drop(black_box(d.acquire()));
}

fn nested<L: Lock>(group: &mut Group<'_>) {
    let pair = [L::create(), L::create()];
    nest(&pair);
    group.bench_function(L::NAME, |b| b.iter(|| nest(&pair)));
}

/// Takes and releases `lock` in a function of its own, not inlined.
#[inline(never)]
fn take_in_a_call<L: Lock>(lock: &L) {
    drop(black_box(lock.acquire()));
}

/// The nested pair with the inner lock taken in a called function: the
/// outer guard lives across the call.
fn nested_through_a_call<L: Lock>(group: &mut Group<'_>) {
    let [a, b] = [L::create(), L::create()];
    let pair = || {
        let _a = black_box(a.acquire());
        take_in_a_call(&b);
    };
    pair();
    group.bench_function(L::NAME, |bench| bench.iter(pair));
}

fn nested4<L: Lock>(group: &mut Group<'_>) {
    let locks = [L::create(), L::create(), L::create(), L::create()];
    nest4(&locks);
    group.bench_function(L::NAME, |b| b.iter(|| nest4(&locks)));
}

/// Per-thread time of `threads` threads, each nesting its own pair.
fn threads<L: Lock>(group: &mut Group<'_>) {
    for threads in [1, 2] {
        let pairs: Vec<Padded<[L; 2]>> = (0..threads).map(|_| Padded([L::create(), L::create()])).collect();
        let id = BenchmarkId::new(L::NAME, if threads == 1 { "alone" } else { "each of two" });
        group.bench_function(id, |b| b.iter_custom(|iters| per_thread(&pairs, iters, nest)));
    }
}

/// Create a lock, lock it while holding a long-lived one, drop it.
fn churn<L: Lock>(group: &mut Group<'_>) {
    let outer = L::create();
    let _outer = outer.acquire();
    group.bench_function(L::NAME, |b| {
        b.iter(|| {
            let lock = black_box(L::create());
            drop(black_box(lock.acquire()));
        })
    });
}

/// `n + 1` locks with the orders `0 -> 1 -> .. -> n` recorded.
fn chain<L: Lock>(n: usize) -> Vec<L> {
    let locks: Vec<L> = (0..=n).map(|_| L::create()).collect();
    for pair in locks.windows(2) {
        nest(pair.try_into().unwrap());
    }
    locks
}

/// With an `n`-lock chain recorded, the order `last -> x -> first` through a
/// fresh lock `x` closes a cycle of `n + 2` locks: the time to find it.
fn detect<L: Lock>(group: &mut Group<'_>, n: usize) {
    // tracing-mutex's recursive search overflows the stack on long chains.
    if !L::TRACKS || (L::NAME == "tracing-mutex" && n > 10_000) {
        return;
    }
    let locks = chain::<L>(n);
    let (first, last) = (&locks[0], &locks[n]);
    group.bench_function(BenchmarkId::new(L::NAME, n), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let x = L::create();
                drop((last.acquire(), x.acquire()));
                let _x = x.acquire();
                let start = Instant::now();
                let attempt = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(first.acquire())));
                total += start.elapsed();
                black_box(attempt.is_err());
            }
            total
        })
    });
}

/// Builds a chain of `n` locks and drops it, again and again: the per-edge
/// cost of every build after the first.
fn rebuild<L: Lock>(group: &mut Group<'_>, n: usize) {
    // tracing-mutex takes about 5 s per rebuild of 10k: its first build and
    // rebuilds are compared by `first_build_against_rebuild` instead.
    if L::NAME == "tracing-mutex" {
        return;
    }
    group.bench_function(BenchmarkId::new(L::NAME, n), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                let locks = chain::<L>(n);
                total += start.elapsed();
                drop(locks);
            }
            total / n as u32
        })
    });
}

/// The first build of a chain against the builds after it was dropped.
fn first_build_against_rebuild<L: Lock>(n: usize) {
    let time = || {
        let start = Instant::now();
        drop(black_box(chain::<L>(n)));
        start.elapsed() / n as u32
    };
    let first = time();
    let rebuilds: Vec<Duration> = (0..5).map(|_| time()).collect();
    let worst = rebuilds.iter().max().unwrap();
    println!(
        "rebuild/{}/{n}: first build {first:?} per edge, rebuilds {rebuilds:?} per edge, worst/first {:.2}x",
        L::NAME,
        worst.as_secs_f64() / first.as_secs_f64()
    );
}

fn rwlock_and_once(c: &mut Criterion) {
    let mut group = c.benchmark_group("8 rwlock read, once");
    macro_rules! reads {
        ($name:literal, $new:expr, |$l:ident| $read:expr) => {
            let (a, b) = ($new, $new);
            group.bench_function(BenchmarkId::new("read", $name), |bench| {
                bench.iter(|| {
                    let $l = &a;
                    drop(black_box($read));
                })
            });
            group.bench_function(BenchmarkId::new("read nested", $name), |bench| {
                bench.iter(|| {
                    let $l = &a;
                    let _a = black_box($read);
                    let $l = &b;
                    drop(black_box($read));
                })
            });
        };
    }
    reads!("std", std::sync::RwLock::new(()), |l| l.read().unwrap());
    reads!("parking_lot", parking_lot::RwLock::new(()), |l| l.read());
    reads!("tracing-mutex", tracing_mutex::stdsync::tracing::RwLock::new(()), |l| l.read().unwrap());
    reads!("lockorder", lockorder::sync::RwLock::new(()), |l| l.read().unwrap());

    macro_rules! once {
        ($name:literal, $cell:expr) => {
            let cell = $cell;
            cell.get_or_init(|| 1u64);
            group.bench_function(BenchmarkId::new("OnceLock get", $name), |b| {
                b.iter(|| *black_box(&cell).get().unwrap())
            });
            group.bench_function(BenchmarkId::new("OnceLock get_or_init (set)", $name), |b| {
                b.iter(|| *black_box(&cell).get_or_init(|| 2))
            });
        };
    }
    once!("std", std::sync::OnceLock::new());
    once!("tracing-mutex", tracing_mutex::stdsync::tracing::OnceLock::new());
    once!("lockorder", lockorder::sync::OnceLock::new());
    group.finish();
}

fn overhead(c: &mut Criterion) {
    assert!(lockorder::enabled(), "run the benches with `--features force`");
    // The chain benches close cycles on purpose, and every lock here is
    // made at one place (one class): no reports, only their cost.
    lockorder::set_policy(lockorder::Policy::Ignore);
    lockorder::set_class_policy(lockorder::Policy::Ignore);
    std::panic::set_hook(Box::new(|_| {}));
    // Before anything else has used (and freed) graph slots.
    first_build_against_rebuild::<tracing_mutex::stdsync::tracing::Mutex<()>>(10_000);
    first_build_against_rebuild::<lockorder::sync::Mutex<()>>(10_000);

    let mut group = c.benchmark_group("1 single lock");
    for_each_lock!(&mut group, single);
    group.finish();

    let mut group = c.benchmark_group("2 nested pair");
    for_each_lock!(&mut group, nested);
    group.finish();

    let mut group = c.benchmark_group("2b nested pair, the inner lock taken in a call");
    for_each_lock!(&mut group, nested_through_a_call);
    group.finish();

    let mut group = c.benchmark_group("3 nested depth 4");
    for_each_lock!(&mut group, nested4);
    group.finish();

    let mut group = c.benchmark_group("4 disjoint pairs, per thread");
    for_each_lock!(&mut group, threads);
    group.finish();

    let mut group = c.benchmark_group("5 churn");
    for_each_lock!(&mut group, churn);
    group.finish();

    let mut group = c.benchmark_group("6 detect a cycle");
    group.sampling_mode(SamplingMode::Flat).sample_size(10);
    for n in [1_000, 10_000, 100_000] {
        for_each_lock!(&mut group, detect, n);
    }
    group.finish();

    let mut group = c.benchmark_group("7 rebuild a dropped chain, per edge");
    group.sampling_mode(SamplingMode::Flat).sample_size(10);
    for_each_lock!(&mut group, rebuild, 10_000);
    group.finish();

    rwlock_and_once(c);
}

criterion_group!(benches, overhead);
criterion_main!(benches);
