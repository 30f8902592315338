//! A new lock first taken under exactly one held lock keeps that order in
//! itself instead of the registry (it is "parked"): the order must still
//! close every cycle it is part of, whoever takes the lock next, and
//! whether or not the lock is still held when it becomes a source.
#![cfg(debug_assertions)]

mod common;

use std::sync::Barrier;

use common::{assert_cycle, expect_no_violation, expect_violation, expect_violation_on_thread, Kind, Lock, KINDS};
use lockorder::Policy;

/// Holds `outer` made a source already (its order goes into the graph
/// through a throwaway lock), the state in which a new lock taken under it
/// gets its order parked; runs `f` there.
fn under_warm<R>(outer: &Lock, f: impl FnOnce() -> R) -> R {
    let _outer = outer.acquire();
    drop(Lock::new(outer.kind(), "throwaway").acquire());
    f()
}

#[test]
fn a_parked_order_closes_the_cycle_of_the_next_thread_to_take_the_lock() {
    lockorder::set_class_policy(Policy::Ignore);
    for kind in KINDS {
        let outer = Lock::new(kind, "outer");
        let leaf = Lock::new(kind, "leaf");
        under_warm(&outer, || drop(leaf.acquire()));
        let report = expect_violation_on_thread("inverts", || {
            let _leaf = leaf.acquire();
            let _outer = outer.acquire();
        });
        assert_cycle(&report, &["outer", "leaf"]);
    }
}

#[test]
fn a_parked_order_closes_the_cycle_of_the_parking_thread_taking_the_lock_again() {
    lockorder::set_class_policy(Policy::Ignore);
    for kind in KINDS {
        let outer = Lock::new(kind, "outer");
        let leaf = Lock::new(kind, "leaf");
        under_warm(&outer, || drop(leaf.acquire()));
        // The same order again is known, not a violation.
        expect_no_violation(|| under_warm(&outer, || drop(leaf.acquire())));
        let report = expect_violation(|| {
            let _leaf = leaf.acquire();
            let _outer = outer.acquire();
        });
        assert_cycle(&report, &["outer", "leaf"]);
    }
}

#[test]
fn a_parked_order_enters_the_graph_when_the_held_lock_becomes_a_source() {
    lockorder::set_class_policy(Policy::Ignore);
    for kind in KINDS {
        let outer = Lock::new(kind, "outer");
        let leaf = Lock::new(kind, "leaf");
        let inner = Lock::new(kind, "inner");
        // outer -> leaf is parked in `leaf`; `outer` is released first, and
        // `leaf`, still held, is then the only source of leaf -> inner.
        let leaf_guard = under_warm(&outer, || leaf.acquire());
        drop(inner.acquire());
        drop(leaf_guard);
        let report = expect_violation_on_thread("closes", || {
            let _inner = inner.acquire();
            let _outer = outer.acquire();
        });
        assert_cycle(&report, &["outer", "leaf", "inner"]);
    }
}

#[test]
fn two_threads_taking_a_new_lock_at_once_both_record_their_order() {
    lockorder::set_class_policy(Policy::Ignore);
    let outers = [Lock::new(Kind::Mutex, "first-outer"), Lock::new(Kind::Mutex, "second-outer")];
    // Fewer rounds under Miri, which interleaves the threads at random.
    for _ in 0..if cfg!(miri) { 10 } else { 100 } {
        // Both threads find the lock new: one parks its order in it, the
        // other publishes that order before recording its own.
        let leaf = Lock::new(Kind::Mutex, "leaf");
        let both_ready = Barrier::new(2);
        std::thread::scope(|s| {
            for outer in &outers {
                let (leaf, both_ready) = (&leaf, &both_ready);
                s.spawn(move || {
                    under_warm(outer, || {
                        both_ready.wait();
                        drop(leaf.acquire());
                    })
                });
            }
        });
        for (outer, name) in outers.iter().zip(["first-outer", "second-outer"]) {
            let report = expect_violation(|| {
                let _leaf = leaf.acquire();
                let _outer = outer.acquire();
            });
            assert_cycle(&report, &[name, "leaf"]);
        }
    }
}
