//! Dropped locks leave the graph at once, even when the graph is rebuilt
//! behind the scenes: an order through a dropped lock is gone, a live one
//! survives any number of rebuilds. Alone in its binary: it drops many
//! thousands of locks.
#![cfg(debug_assertions)]

mod common;

use common::expect_violation;
use lockorder::sync::Mutex;
use lockorder::Policy;

/// Orders `first -> middle -> last` through `count` middle locks, then
/// drops the middles: more than the live locks, so the graph is rebuilt.
fn order_through_dropped_locks(first: &Mutex<u8>, last: &Mutex<u8>, count: usize) {
    // `last` is made a source first, so that it is in the graph and the
    // orders into it are edges there, not pending ones.
    {
        let _last = last.lock().unwrap();
        drop(Mutex::new(0u8).lock().unwrap());
    }
    let middles: Vec<Mutex<u8>> = (0..count).map(|_| Mutex::new(0)).collect();
    for middle in &middles {
        {
            let _first = first.lock().unwrap();
            drop(middle.lock().unwrap());
        }
        let _middle = middle.lock().unwrap();
        drop(last.lock().unwrap());
    }
    assert!(lockorder::stats().nodes >= count, "the middle locks entered the graph");
}

#[test]
fn orders_through_dropped_locks_go_and_live_orders_stay_across_rebuilds() {
    // Every middle lock is made at one place: their class orders would
    // close a class cycle below, which is not what this test is about.
    lockorder::set_class_policy(Policy::Ignore);
    let a = Mutex::new(0u8);
    let b = Mutex::new(0u8);

    order_through_dropped_locks(&a, &b, 5_000);
    // a -> middle -> b went with the middles: b then a closes no cycle.
    {
        let _b = b.lock().unwrap();
        drop(a.lock().unwrap());
    }

    // A direct order c -> d, recorded before more rebuilds.
    let c = Mutex::new(0u8);
    let d = Mutex::new(0u8);
    {
        let _c = c.lock().unwrap();
        drop(d.lock().unwrap());
    }
    for _ in 0..3 {
        order_through_dropped_locks(&c, &a, 5_000);
    }
    let report = expect_violation(|| {
        let _d = d.lock().unwrap();
        drop(c.lock().unwrap());
    });
    assert!(report.contains("lock order inversion between 2 locks"), "{report}");
}
