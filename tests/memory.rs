//! The global lock-order graph returns to its size once the locks that
//! were nested are dropped. One test only: `lockorder::stats()` is global
//! to the process and the harness runs a file's tests in parallel.
#![cfg(debug_assertions)]

mod common;

use common::{expect_violation, mixed, Lock};
use lockorder::sync::{Condvar, Mutex, OnceLock};
use std::time::Duration;

#[test]
fn graph_returns_to_its_size_after_locks_are_dropped() {
    let before = lockorder::stats();
    for round in 0..20 {
        let locks = Lock::many(mixed, "mem", 24);
        // A chain past the inline held set, released out of order.
        {
            let mut guards: Vec<Option<common::Guard<'_>>> = locks.iter().map(|l| Some(l.acquire())).collect();
            for i in (0..guards.len()).rev().step_by(2).chain(0..guards.len()) {
                guards[i] = None;
            }
        }
        // All but the innermost lock (a leaf, whose orders wait outside the
        // graph) are nodes, with an edge between every two of them.
        let during = lockorder::stats();
        assert!(
            during.nodes >= before.nodes + 23 && during.edges >= before.edges + 23 * 22 / 2,
            "round {round}: the nested locks should be in the graph: before {before:?}, during {during:?}"
        );
        // A refused order leaves nothing behind either.
        let _ = expect_violation(|| common::nest(&locks[20], &locks[2]));
        // try_lock, on other threads, and a once-cell and a condvar wait.
        std::thread::scope(|s| {
            s.spawn(|| {
                let _a = locks[1].try_acquire();
                let _b = locks[5].acquire();
            });
        });
        let cell = OnceLock::new();
        let m = Mutex::new(0);
        let cv = Condvar::new();
        {
            let guard = m.lock().unwrap();
            let _ = cell.get_or_init(|| 7);
            let _ = cv.wait_timeout(guard, Duration::from_millis(1)).unwrap();
        }
        drop(locks);
    }
    assert_eq!(lockorder::stats(), before, "the graph kept nodes or edges of dropped locks");

    // Locks that only ever nest as leaves never enter the graph at all.
    let outer = Mutex::new(0);
    let _outer = outer.lock().unwrap();
    for _ in 0..10_000 {
        let leaf = Mutex::new(0);
        *leaf.lock().unwrap() += 1;
    }
    let with_outer = lockorder::stats();
    assert!(with_outer.edges <= before.edges + 1, "short-lived leaves stayed in the graph: {with_outer:?}");
    drop(_outer);
    drop(outer);
    assert_eq!(lockorder::stats(), before);
}
