//! What the benches share.

use std::sync::Barrier;
use std::time::{Duration, Instant};

/// Keeps each thread's locks on cache lines of their own.
#[repr(align(128))]
pub(crate) struct Padded<T>(pub(crate) T);

/// The mean per-thread time of `iters` runs of `body`, on one thread per
/// item of `each`: every thread runs it once, then all start together.
pub(crate) fn per_thread<T: Sync>(each: &[Padded<T>], iters: u64, body: impl Fn(&T) + Sync) -> Duration {
    let barrier = Barrier::new(each.len());
    let total: Duration = std::thread::scope(|s| {
        let handles: Vec<_> = each
            .iter()
            .map(|item| {
                let (barrier, body) = (&barrier, &body);
                s.spawn(move || {
                    body(&item.0);
                    barrier.wait();
                    let start = Instant::now();
                    for _ in 0..iters {
                        body(&item.0);
                    }
                    start.elapsed()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    total / each.len() as u32
}
