//! Lock classes: orders between different instances of the same classes,
//! nesting within one class and its escape hatch, named classes.
#![cfg(debug_assertions)]

mod common;

use common::{collect_violations, expect_violation, global_state, on_thread, take_violations};
use lockorder::sync::Mutex;
use lockorder::{LockClass, Policy, ViolationKind};

/// A connection's two locks, created at the same two places for every
/// connection: two classes.
struct Connection {
    store: Mutex<u32>,
    stream: Mutex<u32>,
}

fn connection() -> Connection {
    Connection { store: Mutex::new_named("store", 0), stream: Mutex::new_named("stream", 0) }
}

fn nest(first: &Mutex<u32>, second: &Mutex<u32>) {
    let _first = first.lock().unwrap();
    let _second = second.lock().unwrap();
}

fn class_violations(thread: &'static str, f: impl FnOnce() + Send) -> Vec<lockorder::Violation> {
    let seen = collect_violations(thread);
    on_thread(thread, f).expect("no panic under the default class policy");
    let violations = take_violations(&seen);
    assert!(violations.iter().all(|v| v.kind() == ViolationKind::ClassOrderInversion), "{violations:#?}");
    violations
}

#[test]
fn opposite_orders_between_different_instances_of_two_classes_are_reported() {
    let _global = global_state();
    let (one, two, three, four) = (connection(), connection(), connection(), connection());
    let violations = class_violations("store-stream", || {
        // One code path: one connection's store, then another's stream.
        nest(&one.store, &two.stream);
        // Another: a stream, then another connection's store. No two
        // instances are taken in both orders.
        nest(&three.stream, &four.store);
    });
    assert_eq!(violations.len(), 1, "{violations:#?}");
    let report = violations[0].to_string();
    assert!(report.contains("lock class order inversion between 2 classes"), "{report}");
    assert!(report.contains("cycle: store -> stream -> store"), "{report}");
    // Both code paths' acquisition sites are in it.
    assert!(report.contains("tests/classes.rs:24:"), "{report}");
}

#[test]
fn orders_between_classes_of_locks_created_in_a_loop_are_compared() {
    let _global = global_state();
    let pairs: Vec<(Mutex<u32>, Mutex<u32>)> =
        (0..8).map(|_| (Mutex::new_named("x", 0), Mutex::new_named("y", 0))).collect();
    let violations = class_violations("loop", || {
        for (x, y) in &pairs[..4] {
            nest(x, y);
        }
        // Consistent so far; the reverse order on other instances is not.
        let (x, y) = &pairs[6];
        nest(y, x);
    });
    assert_eq!(violations.len(), 1, "{violations:#?}");
    assert_eq!(violations[0].locks().iter().map(ToString::to_string).collect::<Vec<_>>(), ["x", "y"]);
}

/// Accounts made in a loop, first used in the order they were made.
fn accounts(n: usize) -> Vec<Mutex<u32>> {
    let accounts: Vec<Mutex<u32>> = (0..n).map(|_| Mutex::new_named("account", 0)).collect();
    accounts.iter().for_each(|account| drop(account.lock().unwrap()));
    accounts
}

#[test]
fn nesting_within_one_class_both_ways_is_reported_unless_declared_nested() {
    let _global = global_state();
    // Lowest first, then highest first on other accounts: the class is
    // nested both ways (by creation and by address).
    let undeclared = accounts(3);
    let reported = class_violations("undeclared", || {
        nest(&undeclared[0], &undeclared[1]);
        nest(&undeclared[2], &undeclared[0]);
    });
    assert_eq!(reported.len(), 1, "{reported:#?}");
    let report = reported[0].to_string();
    assert!(report.contains("while holding another of the same class"), "{report}");
    assert!(report.contains("lock_nested"), "{report}");

    let declared = accounts(3);
    let silent = class_violations("declared", || {
        {
            let _from = declared[0].lock().unwrap();
            let _to = declared[1].lock_nested(1).unwrap();
        }
        let _from = declared[2].lock().unwrap();
        let _to = declared[0].lock_nested(1).unwrap();
    });
    assert!(silent.is_empty(), "{silent:#?}");
}

#[test]
fn nesting_within_one_class_in_one_order_is_silent() {
    let _global = global_state();
    let accounts = accounts(4);
    let silent = class_violations("one-order", || {
        for (i, j) in [(0, 1), (1, 2), (0, 3), (2, 3), (0, 2)] {
            nest(&accounts[i], &accounts[j]);
        }
    });
    assert!(silent.is_empty(), "{silent:#?}");
}

static SHARD: LockClass = LockClass::new("shard");

/// A named class keeps the strict rule: any nesting within it is reported,
/// whatever the order of its instances.
#[test]
fn a_named_class_joins_locks_created_in_different_places() {
    let _global = global_state();
    let first = Mutex::with_class(&SHARD, 0);
    let second = Mutex::with_class(&SHARD, 0);
    assert_eq!(first.lock_info().class(), Some(&SHARD));
    let violations = class_violations("shards", || nest(&first, &second));
    assert_eq!(violations.len(), 1, "{violations:#?}");
    assert!(violations[0].to_string().contains("of class shard while holding another"), "{}", violations[0]);
}

#[test]
fn the_class_policy_is_separate_and_can_panic() {
    let _global = global_state();
    assert_eq!(lockorder::class_policy(), Policy::Warn, "the default");
    lockorder::set_class_policy(Policy::Panic);
    let (one, two, three, four) = (connection(), connection(), connection(), connection());
    nest(&one.store, &two.stream);
    let report = expect_violation(|| nest(&three.stream, &four.store));
    assert!(report.contains("lock class order inversion"), "{report}");
    // The instance policy is untouched.
    assert_eq!(lockorder::policy(), Policy::Panic);
}

#[test]
fn an_instance_cycle_is_reported_as_such_only() {
    let _global = global_state();
    let conn = connection();
    let seen = collect_violations("instances");
    let joined = on_thread("instances", || {
        nest(&conn.store, &conn.stream);
        nest(&conn.stream, &conn.store);
    });
    assert!(joined.is_err(), "the default policy panics on the instance cycle");
    let violations = take_violations(&seen);
    let kinds: Vec<_> = violations.iter().map(|v| v.kind()).collect();
    assert_eq!(kinds, [ViolationKind::LockOrderInversion]);
}
