//! Nesting within one class, judged by the instances' order: locks made at
//! one place and nested in one consistent order (by index, by address, by
//! creation) are silent; a class nested both ways by every key (the bank
//! transfer from `a` to `b` and from `c` to `d`, the other way) is a
//! `ClassOrderInversion`, reported once, naming both directions;
//! `lock_nested` still overrides.
//!
//! Each scenario makes its own locks at its own place (so its own class)
//! and runs on threads named after it; its locks are first used in the
//! order they are made unless it says otherwise, since that order (the
//! order of first use) is one of the keys.
#![cfg(debug_assertions)]

mod common;

use std::sync::{Arc, PoisonError};

use common::{global_state, on_thread, take_violations};
use lockorder::sync::Mutex;
use lockorder::{Violation, ViolationKind};

/// Keeps every violation raised on a thread whose name starts with
/// `prefix`.
fn collect_from(prefix: &'static str) -> Arc<std::sync::Mutex<Vec<Violation>>> {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    lockorder::set_handler(move |violation| {
        if std::thread::current().name().is_some_and(|name| name.starts_with(prefix)) {
            sink.lock().unwrap_or_else(PoisonError::into_inner).push(violation.clone());
        }
    });
    seen
}

/// Locks `first`, then `second`, as a transfer between two accounts does.
fn transfer(first: &Mutex<i64>, second: &Mutex<i64>) {
    let mut from = first.lock().unwrap();
    let mut to = second.lock().unwrap();
    *from -= 1;
    *to += 1;
}

/// Uses each lock once, in turn: the order of first use.
fn first_use<'a>(locks: impl IntoIterator<Item = &'a Mutex<i64>>) {
    for lock in locks {
        drop(lock.lock().unwrap());
    }
}

/// Runs `body(t)` on `threads` threads named `{name}-{t}`, one after the
/// other (the outcome must not depend on an interleaving), or all at once.
fn on_threads(name: &'static str, threads: usize, at_once: bool, body: impl Fn(usize) + Sync) {
    let body = &body;
    if at_once {
        std::thread::scope(|s| {
            let joins: Vec<_> = (0..threads)
                .map(|t| std::thread::Builder::new().name(format!("{name}-{t}")).spawn_scoped(s, move || body(t)))
                .map(Result::unwrap)
                .collect();
            for join in joins {
                join.join().expect("no panic under the default class policy");
            }
        });
    } else {
        for t in 0..threads {
            on_thread(&format!("{name}-{t}"), || body(t)).expect("no panic under the default class policy");
        }
    }
}

/// Every pair `(i, j)` of `0..n` with `i < j`, starting the round at a
/// different pair for each thread.
fn ascending_pairs(n: usize, t: usize) -> Vec<(usize, usize)> {
    let mut pairs: Vec<(usize, usize)> = (0..n).flat_map(|i| (i + 1..n).map(move |j| (i, j))).collect();
    let len = pairs.len();
    pairs.rotate_left(t * 3 % len);
    pairs
}

/// Eight locks of a `Vec` made in a loop, taken by four threads at once,
/// the lowest index first. Their first use races, but their addresses
/// follow the indices.
fn by_index(name: &'static str) {
    let locks: Vec<Mutex<i64>> = (0..8).map(|_| Mutex::new(0)).collect();
    on_threads(name, 4, true, |t| {
        for _ in 0..3 {
            for (i, j) in ascending_pairs(locks.len(), t) {
                transfer(&locks[i], &locks[j]);
            }
        }
    });
}

/// Boxed locks, first used in an order that disagrees both ways with
/// their addresses, always taken the lower address first.
fn by_address(name: &'static str) {
    let mut locks: Vec<Box<Mutex<i64>>> = (0..6).map(|_| Box::new(Mutex::new(0))).collect();
    locks.sort_by_key(|lock| &**lock as *const Mutex<i64> as usize);
    // By address: 0 1 2 3 4 5; by first use: 1 0 3 2 5 4.
    first_use([1, 0, 3, 2, 5, 4].map(|i| &*locks[i]));
    on_threads(name, 3, true, |t| {
        for (i, j) in ascending_pairs(locks.len(), t) {
            // Sorting a pair by address, as `transfer` functions do.
            let (mut a, mut b) = (&*locks[j], &*locks[i]);
            if (a as *const Mutex<i64>) > (b as *const Mutex<i64>) {
                (a, b) = (b, a);
            }
            transfer(a, b);
        }
    });
}

/// Locks put in the slots of a `Vec` in an order that disagrees both ways
/// with the slots' addresses, used as they are made, and always taken in
/// the order they were made.
fn by_creation(name: &'static str) {
    const MADE: [usize; 6] = [3, 0, 4, 1, 5, 2];
    let mut slots: Vec<Option<Mutex<i64>>> = (0..MADE.len()).map(|_| None).collect();
    for slot in MADE {
        let lock = slots[slot].insert(Mutex::new(0));
        first_use([&*lock]);
    }
    let made: Vec<&Mutex<i64>> = MADE.iter().map(|&slot| slots[slot].as_ref().unwrap()).collect();
    on_threads(name, 3, true, |t| {
        for (i, j) in ascending_pairs(made.len(), t) {
            transfer(made[i], made[j]);
        }
    });
}

/// transfer(a, b) on one thread, transfer(d, c) on another: no two
/// instances are taken both ways, but the class is, by creation order and
/// by address. More transfers both ways follow: the class is reported once.
fn transfers_both_ways(name: &'static str) {
    let accounts: Vec<Mutex<i64>> = (0..4).map(|_| Mutex::new(100)).collect();
    first_use(&accounts);
    on_threads(name, 3, false, |t| match t {
        0 => transfer(&accounts[0], &accounts[1]),
        1 => transfer(&accounts[3], &accounts[2]),
        _ => {
            transfer(&accounts[2], &accounts[0]);
            transfer(&accounts[0], &accounts[1]);
        }
    });
}

/// The nodes of a list, made (and first used) in one order and linked in
/// another, so that a walk down the list goes both ways by creation order
/// and by address.
fn shuffled_list() -> (Vec<Mutex<i64>>, [usize; 8]) {
    let nodes: Vec<Mutex<i64>> = (0..8).map(|_| Mutex::new(0)).collect();
    first_use(&nodes);
    (nodes, [5, 2, 7, 0, 3, 6, 1, 4])
}

/// Hand over hand down the list: each node is taken while holding the
/// one before, which is then let go.
fn hand_over_hand(name: &'static str) {
    let (nodes, list) = shuffled_list();
    on_threads(name, 2, false, |_| {
        let mut held = nodes[list[0]].lock().unwrap();
        for &next in &list[1..] {
            let guard = nodes[next].lock().unwrap();
            held = guard;
        }
        drop(held);
    });
}

/// [`hand_over_hand`] with each node taken at its depth in the list as its
/// nesting level: every step is an order between two levels, never within
/// one.
fn hand_over_hand_nested(name: &'static str) {
    let (nodes, list) = shuffled_list();
    on_threads(name, 2, false, |_| {
        let mut held = nodes[list[0]].lock().unwrap();
        for (depth, &next) in list.iter().enumerate().skip(1) {
            let guard = nodes[next].lock_nested(depth as u8).unwrap();
            held = guard;
        }
        drop(held);
    });
}

/// What a scenario must raise.
#[derive(Clone, Copy, Debug)]
enum Expect {
    Silent,
    /// One same-class inversion, whose earlier direction was taken on
    /// thread `{name}-{first}` and whose completing one on `{name}-{last}`.
    Inversion {
        first: usize,
        last: usize,
    },
}

/// A scenario: it runs on threads named `{name}-{t}`.
type Scenario = fn(&'static str);

const CASES: [(&str, Scenario, Expect); 6] = [
    ("by-index", by_index, Expect::Silent),
    ("by-address", by_address, Expect::Silent),
    ("by-creation", by_creation, Expect::Silent),
    ("transfers", transfers_both_ways, Expect::Inversion { first: 0, last: 1 }),
    ("hand-over-hand", hand_over_hand, Expect::Inversion { first: 0, last: 0 }),
    ("hand-over-hand-nested", hand_over_hand_nested, Expect::Silent),
];

#[test]
fn same_class_nesting_is_judged_by_the_order_of_the_instances() {
    let _global = global_state();
    for (name, scenario, expect) in CASES {
        let seen = collect_from(name);
        scenario(name);
        lockorder::clear_handler();
        // A longer name starting with this one belongs to another case.
        let violations: Vec<Violation> = take_violations(&seen)
            .into_iter()
            .filter(|v| v.thread().rsplit_once('-').is_some_and(|(case, _)| case == name))
            .collect();
        match expect {
            Expect::Silent => assert!(violations.is_empty(), "{name}: {violations:#?}"),
            Expect::Inversion { first, last } => {
                assert_eq!(violations.len(), 1, "{name}: reported once per class: {violations:#?}");
                let violation = &violations[0];
                assert_eq!(violation.kind(), ViolationKind::ClassOrderInversion, "{name}");
                let report = violation.to_string();
                assert!(report.contains("while holding another of the same class"), "{name}: {report}");
                assert!(report.contains("in the opposite order to"), "{name}: {report}");
                assert!(report.contains("acquire it with `lock_nested`"), "{name}: {report}");
                // Both directions, with where and by whom each was taken.
                let edges = violation.edges();
                assert!(edges.len() >= 2, "{name}: {report}");
                assert_eq!(edges[0].thread(), format!("{name}-{first}"), "{name}: {report}");
                assert_eq!(violation.attempt().thread(), format!("{name}-{last}"), "{name}: {report}");
                for edge in edges {
                    let (from, to) = (edge.from_acquired_at(), edge.to_acquired_at());
                    assert!(from.file().ends_with("class_order.rs") && to.file().ends_with("class_order.rs"));
                    assert_eq!(edge.from().created_at(), edge.to().created_at(), "{name}: one class");
                }
                assert!(report.contains("backtrace when this order was first seen"), "{name}: {report}");
            }
        }
    }
}

/// The class policy decides what a same-class inversion does: `Panic`
/// panics at the acquisition that completes it.
#[test]
fn a_same_class_inversion_follows_the_class_policy() {
    let _global = global_state();
    lockorder::set_class_policy(lockorder::Policy::Panic);
    let accounts: Vec<Mutex<i64>> = (0..3).map(|_| Mutex::new(100)).collect();
    first_use(&accounts);
    transfer(&accounts[0], &accounts[1]);
    let report = common::expect_violation(|| transfer(&accounts[2], &accounts[0]));
    assert!(report.contains("in the opposite order to an earlier nesting of the class"), "{report}");
}

/// The opposite direction is noticed even when the thread has seen (and
/// cached) the first one many times, and when the pair it completes is
/// taken again after.
#[test]
fn a_known_nesting_does_not_hide_the_opposite_one() {
    let _global = global_state();
    let seen = collect_from("cached");
    let locks: Vec<Mutex<i64>> = (0..4).map(|_| Mutex::new(0)).collect();
    first_use(&locks);
    on_thread("cached", || {
        for _ in 0..100 {
            transfer(&locks[0], &locks[1]);
            transfer(&locks[1], &locks[2]);
        }
        // 3 after 0 by creation and above it by address: both ways now
        // (and no two instances are taken both ways).
        transfer(&locks[3], &locks[0]);
        transfer(&locks[3], &locks[0]);
    })
    .unwrap();
    let violations = take_violations(&seen);
    assert_eq!(violations.len(), 1, "{violations:#?}");
    assert_eq!(violations[0].kind(), ViolationKind::ClassOrderInversion);
}
