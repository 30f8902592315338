//! What a tracked async lock costs next to tokio's own, taken the way tasks
//! take them: `lock().await` inside a spawned task (so lockorder finds the
//! task by its id), through a helper function that the compiler may or
//! may not inline, single and as a nested pair whose order is known.
//!
//! Run with tracking on: `cargo bench --features force,tokio --bench tokio`.

use std::hint::black_box;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

/// How long `iters` runs of `$body` take inside a task spawned on `$rt`
/// (timed in the task, so that lockorder finds it by its id).
macro_rules! timed_in_task {
    ($rt:expr, $iters:expr, $body:expr) => {
        $rt.block_on($rt.spawn(async move {
            let start = Instant::now();
            for _ in 0..$iters {
                $body;
            }
            start.elapsed()
        }))
        .unwrap()
    };
}

macro_rules! async_rows {
    ($group:expr, $rt:expr, $name:literal, $mutex:ty) => {{
        use std::sync::Arc;

        /// One lock and unlock, in a function of its own.
        #[inline(never)]
        async fn take(m: &$mutex) {
            *m.lock().await += 1;
        }

        /// The inner lock taken under the outer one.
        #[inline(never)]
        async fn take_pair(outer: &$mutex, inner: &$mutex) {
            let mut outer = outer.lock().await;
            *inner.lock().await += 1;
            *outer += 1;
        }

        let m = Arc::new(<$mutex>::new(0));
        $group.bench_function(BenchmarkId::new("single", $name), |b| {
            b.iter_custom(|iters| {
                let m = m.clone();
                timed_in_task!($rt, iters, take(black_box(&m)).await)
            })
        });
        let pair = Arc::new([<$mutex>::new(0), <$mutex>::new(0)]);
        $group.bench_function(BenchmarkId::new("nested pair", $name), |b| {
            b.iter_custom(|iters| {
                let pair = pair.clone();
                timed_in_task!($rt, iters, take_pair(black_box(&pair[0]), black_box(&pair[1])).await)
            })
        });
    }};
}

/// Four tasks take turns on one thread, each taking a std mutex once per
/// poll: every acquisition follows another task's, which is when lockorder
/// switches the thread's held set to the running task's.
macro_rules! switch_rows {
    ($group:expr, $rt:expr, $name:literal, $mutex:ty) => {{
        use std::sync::Arc;

        let m = Arc::new(<$mutex>::new(0u64));
        $group.bench_function(BenchmarkId::new("std lock per poll, 4 tasks taking turns", $name), |b| {
            b.iter_custom(|iters| {
                let m = m.clone();
                let per_task = iters.div_ceil(4);
                $rt.block_on(async move {
                    let start = Instant::now();
                    let tasks: Vec<_> = (0..4)
                        .map(|_| {
                            let m = m.clone();
                            tokio::spawn(async move {
                                for _ in 0..per_task {
                                    *black_box(&m).lock().unwrap() += 1;
                                    tokio::task::yield_now().await;
                                }
                            })
                        })
                        .collect();
                    for task in tasks {
                        task.await.unwrap();
                    }
                    start.elapsed()
                })
            })
        });
    }};
}

/// A set once-cell asked for its value in a task, through a helper: it
/// cannot wait, so lockorder only checks the orders (with nothing held, a
/// look at the held set's length).
macro_rules! once_rows {
    ($group:expr, $rt:expr, $name:literal, $cell:ty) => {{
        use std::sync::Arc;

        #[inline(never)]
        async fn get(cell: &$cell) -> u64 {
            *cell.get_or_init(|| async { 0 }).await
        }

        let cell = Arc::new(<$cell>::new_with(Some(7)));
        $group.bench_function(BenchmarkId::new("set", $name), |b| {
            b.iter_custom(|iters| {
                let cell = cell.clone();
                timed_in_task!($rt, iters, black_box(get(black_box(&cell)).await))
            })
        });
    }};
}

fn tokio_locks(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let mut group = c.benchmark_group("9 tokio Mutex lock().await in a task");
    async_rows!(group, &rt, "tokio", tokio::sync::Mutex<u64>);
    async_rows!(group, &rt, "lockorder", lockorder::tokio::Mutex<u64>);
    group.finish();
    let mut group = c.benchmark_group("10 tasks taking turns on a thread");
    switch_rows!(group, &rt, "std", std::sync::Mutex<u64>);
    switch_rows!(group, &rt, "lockorder", lockorder::sync::Mutex<u64>);
    group.finish();
    let mut group = c.benchmark_group("11 tokio OnceCell get_or_init().await in a task");
    once_rows!(group, &rt, "tokio", tokio::sync::OnceCell<u64>);
    once_rows!(group, &rt, "lockorder", lockorder::tokio::OnceCell<u64>);
    group.finish();
}

criterion_group!(benches, tokio_locks);
criterion_main!(benches);
