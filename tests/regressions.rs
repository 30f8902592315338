//! Regression tests of engine defects, one or two per defect, named after
//! the bug they pin down.
//!
//! Every test takes [`global_state`]: most set the policy or a handler,
//! and the others raise violations that a handler set by another test
//! would see, or read global counters.
#![cfg(debug_assertions)]

mod common;

use common::{collect_violations, global_state, on_thread, take_violations};
use lockorder::sync::Mutex;
use lockorder::{Policy, ViolationKind};

/// Takes `first`, then `second` while holding it (poison ignored).
#[track_caller]
fn nest<T>(first: &Mutex<T>, second: &Mutex<T>) {
    let _first = first.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let _second = second.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
}

/// A lock of the class of this creation site.
fn x_class() -> Mutex<()> {
    Mutex::new(())
}

/// A lock of the class of this other creation site.
fn y_class() -> Mutex<()> {
    Mutex::new(())
}

/// Defect: every class self-order (a lock taken while holding another of
/// its class) fell into one slot of the thread's class-order cache, so two
/// classes nested within themselves in turn evicted each other and
/// re-raised their reports each time.
#[test]
fn same_class_self_orders_are_each_reported_once() {
    let _global = global_state();
    lockorder::set_class_policy(Policy::Ignore);
    let seen = collect_violations("self-orders");
    on_thread("self-orders", || {
        for _ in 0..100 {
            let (x1, x2) = (x_class(), x_class());
            nest(&x1, &x2);
            let (y1, y2) = (y_class(), y_class());
            nest(&y1, &y2);
        }
    })
    .unwrap();
    let violations = take_violations(&seen);
    assert_eq!(violations.len(), 2, "one report per class, not one per nesting");
    assert!(violations.iter().all(|v| v.kind() == ViolationKind::ClassOrderInversion), "{violations:#?}");
}
