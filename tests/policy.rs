//! The policy (`Panic`, `Warn`, `Ignore`), the handler that sees every
//! violation before the policy acts, and the `LOCKORDER` environment
//! variable.
//!
//! Policy and handler are global: every in-process test takes
//! [`global_state`], which serializes them and restores the policy and the
//! handler. `LOCKORDER` is read once per process, and what goes to stderr
//! is only seen from outside: those tests run this binary again as a child
//! process with `LOCKORDER` set, and the `child_*` tests do their work only
//! there.
#![cfg(debug_assertions)]

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::{
    assert_cycle, collect_violations, expect_no_violation, expect_violation, global_state, held_of, is_child,
    lock_names, nest, on_thread, panic_message, run_child, take_violations, Kind, Lock,
};
use lockorder::sync::Mutex;
use lockorder::{policy, set_policy, Policy};

#[test]
fn set_policy_and_policy_round_trip() {
    let _global = global_state();
    for p in [Policy::Warn, Policy::Ignore, Policy::Panic, Policy::Ignore, Policy::Warn] {
        set_policy(p);
        assert_eq!(policy(), p);
    }
}

/// Records `a -> b`, then, on a thread named `thread`, holds `b` and
/// acquires `a` (the closing acquisition of an ABBA), which must complete:
/// the guard it returns is used.
fn abba_goes_on(a: &Mutex<u32>, b: &Mutex<u32>, thread: &str) {
    {
        let _a = a.lock().unwrap();
        let _b = b.lock().unwrap();
    }
    let joined = on_thread(thread, || {
        let _b = b.lock().unwrap();
        let mut a = a.lock().expect("the acquisition completes");
        *a += 1;
    });
    assert!(joined.is_ok(), "the thread goes on");
}

/// Under `Warn` and `Ignore` the thread goes on past each violation, and
/// the handler sees every one of them: three inversions, two of them the
/// same cycle closed on two threads.
#[test]
fn under_warn_and_ignore_the_thread_goes_on_and_the_handler_sees_every_violation() {
    let _global = global_state();
    for p in [Policy::Warn, Policy::Ignore] {
        set_policy(p);
        let seen = collect_violations("goes-on");
        let a = Mutex::new_named("a", 0);
        let b = Mutex::new_named("b", 0);
        let c = Mutex::new_named("c", 0);
        abba_goes_on(&a, &b, "goes-on");
        abba_goes_on(&a, &b, "goes-on");
        abba_goes_on(&c, &a, "goes-on");
        assert_eq!(*a.lock().unwrap(), 2, "{p:?}: both acquisitions of a completed");
        assert_eq!(*c.lock().unwrap(), 1, "{p:?}: the acquisition of c completed");

        let violations = take_violations(&seen);
        let cycles: Vec<Vec<String>> = violations.iter().map(lock_names).collect();
        assert_eq!(cycles, [["a", "b"], ["a", "b"], ["c", "a"]], "{p:?}");

        // Going on did not record the refused orders: b -> a is still
        // reported under the default policy.
        set_policy(Policy::Panic);
        let report = expect_violation(|| {
            let _b = b.lock().unwrap();
            let _a = a.lock();
        });
        assert_cycle(&report, &["a", "b"]);
    }
}

#[test]
fn under_panic_the_acquisition_panics_after_the_handler_saw_the_violation() {
    let _global = global_state();
    set_policy(Policy::Panic);
    let seen = collect_violations("panics");
    let a = Lock::new(Kind::Mutex, "a");
    let b = Lock::new(Kind::Mutex, "b");
    nest(&a, &b);
    let report = common::expect_violation_on_thread("panics", || nest(&b, &a));
    assert_cycle(&report, &["a", "b"]);
    // The handler ran before the panic: it saw the violation whose report
    // is the panic message.
    let violations = take_violations(&seen);
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].to_string(), report);
}

#[test]
fn clear_handler_stops_the_calls() {
    let _global = global_state();
    set_policy(Policy::Ignore);
    let seen = collect_violations("cleared");
    let a = Mutex::new_named("a", 0);
    let b = Mutex::new_named("b", 0);
    abba_goes_on(&a, &b, "cleared");
    assert_eq!(take_violations(&seen).len(), 1);
    lockorder::clear_handler();
    abba_goes_on(&a, &b, "cleared");
    assert_eq!(take_violations(&seen).len(), 0, "a cleared handler is not called");
}

const HANDLER_PANIC: &str = "the handler refuses";

/// A panic in the handler comes out of the acquisition instead of the
/// report, under every policy; the engine is then as before: nothing left
/// held, tracking on, the refused order not recorded.
#[test]
fn a_panicking_handler_propagates_to_the_acquisition_and_the_engine_still_works() {
    let _global = global_state();
    for p in [Policy::Panic, Policy::Warn, Policy::Ignore] {
        set_policy(p);
        lockorder::set_handler(|_| panic!("{HANDLER_PANIC}"));
        let a = Lock::new(Kind::Mutex, "a");
        let b = Lock::new(Kind::Mutex, "b");
        nest(&a, &b);
        let caught = catch_unwind(AssertUnwindSafe(|| nest(&b, &a)));
        let payload = caught.expect_err("the handler's panic comes out of the acquisition");
        assert_eq!(panic_message(&*payload), Some(HANDLER_PANIC), "{p:?}");

        lockorder::clear_handler();
        set_policy(Policy::Panic);
        // Nothing is left held: a and b are not re-acquisitions, and a
        // re-acquisition of a fresh lock lists that lock only.
        expect_no_violation(|| drop((a.acquire(), b.acquire())));
        let probe = Lock::new(Kind::Mutex, "probe");
        let report = expect_violation(|| drop((probe.acquire(), probe.acquire())));
        assert_eq!(held_of(&report), ["probe"], "{p:?}:\n{report}");
        // The refused order is still refused; the recorded one is fine.
        let report = expect_violation(|| nest(&b, &a));
        assert_cycle(&report, &["a", "b"]);
        expect_no_violation(|| nest(&a, &b));
        // A fresh inversion is detected (tracking was not left suspended).
        let c = Lock::new(Kind::Read, "c");
        let d = Lock::new(Kind::Write, "d");
        nest(&c, &d);
        let report = expect_violation(|| nest(&d, &c));
        assert_cycle(&report, &["c", "d"]);
    }
}

/// A handler that takes two tracked locks in both orders raises nothing
/// and is not called again from inside itself; and what it took recorded
/// no order.
#[test]
fn locks_taken_inside_the_handler_are_not_tracked() {
    let _global = global_state();
    set_policy(Policy::Panic);
    let x = Arc::new(Lock::new(Kind::Mutex, "x"));
    let y = Arc::new(Lock::new(Kind::Mutex, "y"));
    let calls = Arc::new(AtomicUsize::new(0));
    {
        let (x, y, calls) = (Arc::clone(&x), Arc::clone(&y), Arc::clone(&calls));
        lockorder::set_handler(move |_| {
            calls.fetch_add(1, Ordering::SeqCst);
            nest(&x, &y);
            nest(&y, &x);
            let _x = x.acquire();
            let _y = y.acquire();
        });
    }
    let a = Lock::new(Kind::Mutex, "a");
    let b = Lock::new(Kind::Mutex, "b");
    nest(&a, &b);
    let report = expect_violation(|| nest(&b, &a));
    assert_cycle(&report, &["a", "b"]);
    assert_eq!(calls.load(Ordering::SeqCst), 1, "the handler ran once, and not from inside itself");
    lockorder::clear_handler();

    // Neither x -> y nor y -> x was recorded, and x, y are tracked as usual
    // outside the handler.
    expect_no_violation(|| nest(&y, &x));
    let report = expect_violation(|| nest(&x, &y));
    assert_cycle(&report, &["y", "x"]);
}

/// Records `a -> b` and closes the ABBA on three threads (each its own
/// cache, so each raises the violation); returns how many violations the
/// handler saw.
fn abba_on_three_threads() -> usize {
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&seen);
    lockorder::set_handler(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    let a = Mutex::new_named("a", 0);
    let b = Mutex::new_named("b", 0);
    for thread in ["first", "second", "third"] {
        abba_goes_on(&a, &b, thread);
    }
    lockorder::clear_handler();
    seen.load(Ordering::SeqCst)
}

const HEADLINE: &str = "lockorder: potential deadlock";

#[test]
fn child_lockorder_warn() {
    if !is_child() {
        return;
    }
    assert_eq!(policy(), Policy::Warn);
    assert_eq!(abba_on_three_threads(), 3, "the handler sees every violation");
}

#[test]
fn lockorder_warn_prints_a_repeated_cycle_once_and_goes_on() {
    let child = run_child("child_lockorder_warn", &[("LOCKORDER", "warn")]);
    child.assert_passed("child_lockorder_warn");
    assert_eq!(child.stderr.matches(HEADLINE).count(), 1, "the report is printed once:\n{}", child.stderr);
    assert!(child.stderr.contains("    cycle: a -> b -> a\n"), "{}", child.stderr);
}

/// Each round makes its own pair of locks at the same places, as each test
/// of a suite does: one cycle of sites.
fn abba_on_new_locks_each_round(rounds: usize) -> usize {
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    lockorder::set_handler(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    for _ in 0..rounds {
        let a = Mutex::new_named("a", 0);
        let b = Mutex::new_named("b", 0);
        abba_goes_on(&a, &b, "rounds");
    }
    lockorder::clear_handler();
    seen.load(Ordering::SeqCst)
}

#[test]
fn child_lockorder_warn_new_locks() {
    if !is_child() {
        return;
    }
    assert_eq!(abba_on_new_locks_each_round(20), 20, "the handler sees every violation");
}

#[test]
fn lockorder_warn_prints_a_cycle_of_sites_once_with_a_count_at_exit() {
    let child = run_child("child_lockorder_warn_new_locks", &[("LOCKORDER", "warn")]);
    child.assert_passed("child_lockorder_warn_new_locks");
    assert_eq!(child.stderr.matches(HEADLINE).count(), 1, "printed once for 20 instances:\n{}", child.stderr);
    let summary = "lockorder: 19 more violation(s) of 1 cycle(s) already printed above were not printed again";
    assert!(child.stderr.contains(summary), "{}", child.stderr);
}

/// `cargo test` captures what a passing test prints with `eprintln!`;
/// reports are written past that capture.
#[test]
fn lockorder_warn_reports_reach_stderr_when_the_harness_captures_output() {
    let child = common::run_child_captured("child_lockorder_warn", &[("LOCKORDER", "warn")]);
    child.assert_passed("child_lockorder_warn");
    assert_eq!(child.stderr.matches(HEADLINE).count(), 1, "{}", child.stderr);
    assert!(!child.stdout.contains(HEADLINE), "not in the captured output:\n{}", child.stdout);
}

#[test]
fn child_lockorder_ignore() {
    if !is_child() {
        return;
    }
    assert_eq!(policy(), Policy::Ignore);
    assert_eq!(abba_on_three_threads(), 3, "the handler sees every violation");
}

#[test]
fn lockorder_ignore_prints_nothing_and_goes_on() {
    let child = run_child("child_lockorder_ignore", &[("LOCKORDER", "ignore")]);
    child.assert_passed("child_lockorder_ignore");
    assert_eq!(child.stderr, "", "nothing is printed");
}

#[test]
fn child_lockorder_is_panic() {
    if !is_child() {
        return;
    }
    assert_eq!(policy(), Policy::Panic);
    assert_eq!(policy(), Policy::Panic);
}

#[test]
fn without_lockorder_the_policy_is_panic() {
    assert_eq!(Policy::default(), Policy::Panic);
    let child = run_child("child_lockorder_is_panic", &[]);
    child.assert_passed("child_lockorder_is_panic");
    assert_eq!(child.stderr, "", "nothing is printed");
}

#[test]
fn an_unknown_lockorder_value_warns_once_and_keeps_panic() {
    let child = run_child("child_lockorder_is_panic", &[("LOCKORDER", "bogus")]);
    child.assert_passed("child_lockorder_is_panic");
    let lines: Vec<&str> = child.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "exactly one line of warning:\n{}", child.stderr);
    assert!(lines[0].contains("bogus") && lines[0].contains("panic, warn, ignore"), "{}", lines[0]);
}

#[test]
fn lockorder_values_are_case_insensitive() {
    let child = run_child("child_lockorder_is_panic", &[("LOCKORDER", "PANIC")]);
    child.assert_passed("child_lockorder_is_panic");
    assert_eq!(child.stderr, "", "`PANIC` is accepted without a warning");

    let child = run_child("child_lockorder_warn", &[("LOCKORDER", "Warn")]);
    child.assert_passed("child_lockorder_warn");
    assert_eq!(child.stderr.matches(HEADLINE).count(), 1, "{}", child.stderr);
}

#[test]
fn child_locks_with_lockorder_record_set() {
    if !is_child() {
        return;
    }
    for _ in 0..3 {
        let a = Mutex::new(0);
        let b = Mutex::new(0);
        let _a = a.lock().unwrap();
        drop(b.lock().unwrap());
    }
}

/// `LOCKORDER_RECORD` in a build that cannot record: one line on stderr,
/// not silence.
#[cfg(not(feature = "record"))]
#[test]
fn lockorder_record_without_the_record_feature_warns_once() {
    let dir = std::env::temp_dir().join("lockorder-record-unavailable");
    let child = run_child("child_locks_with_lockorder_record_set", &[("LOCKORDER_RECORD", dir.to_str().unwrap())]);
    child.assert_passed("child_locks_with_lockorder_record_set");
    let warning = "lockorder: LOCKORDER_RECORD is set, but lockorder was built without its `record` feature";
    assert_eq!(child.stderr.matches(warning).count(), 1, "{}", child.stderr);
    assert!(!dir.exists(), "nothing is written");
}
