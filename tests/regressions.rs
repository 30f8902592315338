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

#[cfg(feature = "parking_lot")]
fn kinds(violations: &[lockorder::Violation]) -> Vec<ViolationKind> {
    violations.iter().map(|v| v.kind()).collect()
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

/// Defect: a granted re-entry (`read_recursive` of a lock this thread
/// reads) that raised a class report was learned by the fast path, which
/// then let a non-recursive acquisition of the same lock, with the same
/// locks held, through unchecked.
#[cfg(feature = "parking_lot")]
#[test]
fn a_granted_reentry_that_raised_a_report_keeps_the_reacquisition_check() {
    use lockorder::parking_lot::RwLock;

    let _global = global_state();
    lockorder::set_policy(Policy::Warn);
    lockorder::set_class_policy(Policy::Warn);
    let seen = collect_violations("reentry");
    // One creation site: one class.
    let locks: Vec<RwLock<()>> = (0..2).map(|_| RwLock::new(())).collect();
    on_thread("reentry", || {
        let (a, l) = (&locks[0], &locks[1]);
        let _a = a.read();
        let _l = l.try_read().expect("no writer");
        // Granted, but `l` nests in `a`'s class: a class report.
        drop(l.read_recursive());
        // A plain read of a lock this thread reads: reported (and, with
        // no writer queued, granted by parking_lot, so the test goes on).
        drop(l.read());
    })
    .unwrap();
    let violations = take_violations(&seen);
    assert_eq!(kinds(&violations), [ViolationKind::ClassOrderInversion, ViolationKind::Reacquire]);
}

/// [`a_granted_reentry_that_raised_a_report_keeps_the_reacquisition_check`]
/// with `write`, a certain self-deadlock: under the default policy it
/// panics before blocking (it used to hang).
#[cfg(feature = "parking_lot")]
#[test]
fn a_granted_reentry_that_raised_a_report_does_not_let_a_self_deadlock_through() {
    use lockorder::parking_lot::RwLock;

    let _global = global_state();
    lockorder::set_policy(Policy::Panic);
    lockorder::set_class_policy(Policy::Ignore);
    let locks: Vec<RwLock<()>> = (0..2).map(|_| RwLock::new(())).collect();
    let (a, l) = (&locks[0], &locks[1]);
    let _a = a.read();
    let _l = l.try_read().expect("no writer");
    drop(l.read_recursive());
    let report = common::expect_violation(|| l.write());
    assert!(report.contains("which it already holds"), "{report}");
}
