//! What a report says: both acquisitions of an inversion with their
//! threads, sites and backtraces, the cycle and a deadlock scenario; the
//! same as a structured [`Violation`] given to the handler; the panic
//! raised at the user's `lock()` call; re-acquisitions; unnamed locks.
//!
//! The tests that set the handler or the panic hook take [`global_state`].
#![cfg(debug_assertions)]

mod common;

use std::sync::atomic::{AtomicU32, Ordering};

use common::{
    assert_cycle, collect_violations, cycle_of, expect_violation, expect_violation_on_thread, global_state, held_of,
    is_inversion, is_reacquire, lock_names, on_thread, take_violations, PanicLocation,
};
use lockorder::sync::{Mutex, OnceLock, RwLock};
use lockorder::{Edge, ViolationKind};

const FILE: &str = file!();

/// The two locks of the classic inversion.
struct Bank {
    accounts: Mutex<i64>,
    audit: Mutex<Vec<String>>,
}

impl Bank {
    fn new() -> Bank {
        Bank { accounts: Mutex::new_named("accounts", 100), audit: Mutex::new_named("audit", Vec::new()) }
    }
}

/// The lines of the four `lock()` calls, noted on the line of each call
/// (the tuple's first element is evaluated first, so a line is noted even
/// when its acquisition panics).
static TRANSFER_ACCOUNTS: AtomicU32 = AtomicU32::new(0);
static TRANSFER_AUDIT: AtomicU32 = AtomicU32::new(0);
static AUDIT_AUDIT: AtomicU32 = AtomicU32::new(0);
static AUDIT_ACCOUNTS: AtomicU32 = AtomicU32::new(0);

fn note(slot: &AtomicU32, line: u32) {
    slot.store(line, Ordering::Relaxed);
}

fn line(slot: &AtomicU32) -> u32 {
    slot.load(Ordering::Relaxed)
}

/// Locks accounts, then audit: the order recorded first.
#[inline(never)]
fn transfer_takes_accounts_then_audit(bank: &Bank) {
    let ((), mut accounts) = (note(&TRANSFER_ACCOUNTS, line!()), bank.accounts.lock().unwrap());
    let ((), mut audit) = (note(&TRANSFER_AUDIT, line!()), bank.audit.lock().unwrap());
    *accounts -= 10;
    audit.push("moved 10".to_owned());
}

/// Locks audit, then accounts: the acquisition that closes the cycle.
#[inline(never)]
fn audit_takes_audit_then_accounts(bank: &Bank) -> usize {
    let ((), audit) = (note(&AUDIT_AUDIT, line!()), bank.audit.lock().unwrap());
    let ((), accounts) = (note(&AUDIT_ACCOUNTS, line!()), bank.accounts.lock().unwrap());
    audit.len() + *accounts as usize
}

/// Runs the transfer on a thread named `teller`, then the audit on one
/// named `auditor`, which raises the violation; returns its report.
fn abba(teller: &str, auditor: &str) -> String {
    let bank = Bank::new();
    on_thread(teller, || transfer_takes_accounts_then_audit(&bank)).expect("the first order raises nothing");
    expect_violation_on_thread(auditor, || audit_takes_audit_then_accounts(&bank))
}

/// The text of `report` from `from` to the next `to` (or the end).
fn section<'r>(report: &'r str, from: &str, to: &str) -> &'r str {
    let start = report.find(from).unwrap_or_else(|| panic!("no {from:?} in the report:\n{report}"));
    let rest = &report[start..];
    let end = rest[from.len()..].find(to).map_or(rest.len(), |i| i + from.len());
    &rest[..end]
}

/// `file:line:` of the call noted in `slot` (the column follows).
fn site(slot: &AtomicU32) -> String {
    format!("{FILE}:{}:", line(slot))
}

#[test]
fn an_inversion_report_shows_both_acquisitions_with_thread_site_and_backtrace() {
    let report = abba("teller", "auditor");
    assert!(is_inversion(&report), "{report}");
    assert!(report.starts_with("lockorder: potential deadlock: lock order inversion between 2 locks\n"), "{report}");
    assert_cycle(&report, &["accounts", "audit"]);

    // The recorded edge: the teller's acquisitions, with the stack captured
    // when the order was first seen.
    let recorded = section(&report, "  [1] accounts -> audit\n", "  [2] ");
    let expected = format!("thread `teller` held accounts (acquired at {}", site(&TRANSFER_ACCOUNTS));
    assert!(recorded.contains(&expected), "expected {expected:?} in:\n{recorded}");
    let expected = format!("and then acquired audit at {}", site(&TRANSFER_AUDIT));
    assert!(recorded.contains(&expected), "expected {expected:?} in:\n{recorded}");
    assert!(recorded.contains("backtrace when this order was first seen:"), "{recorded}");
    assert!(recorded.contains("transfer_takes_accounts_then_audit"), "{recorded}");
    assert!(recorded.contains(&format!("at {FILE}:{}\n", line(&TRANSFER_AUDIT))), "{recorded}");
    assert!(!recorded.contains("audit_takes_audit_then_accounts"), "{recorded}");

    // This acquisition: the auditor's, with the current stack.
    let attempt = section(&report, "  [2] audit -> accounts  (this acquisition)\n", "  locks held by thread");
    let expected = format!("thread `auditor` holds audit (acquired at {}", site(&AUDIT_AUDIT));
    assert!(attempt.contains(&expected), "expected {expected:?} in:\n{attempt}");
    let expected = format!("and is acquiring accounts at {}", site(&AUDIT_ACCOUNTS));
    assert!(attempt.contains(&expected), "expected {expected:?} in:\n{attempt}");
    assert!(attempt.contains("backtrace of this acquisition:"), "{attempt}");
    assert!(attempt.contains("audit_takes_audit_then_accounts"), "{attempt}");
    assert!(attempt.contains(&format!("at {FILE}:{}\n", line(&AUDIT_ACCOUNTS))), "{attempt}");
    assert!(!attempt.contains("transfer_takes_accounts_then_audit"), "{attempt}");
    // The trimmed backtrace shows the user's frames, not lockorder's.
    assert!(!attempt.contains("lockorder::"), "{attempt}");

    assert!(report.contains("  locks held by thread `auditor`:\n"), "{report}");
    assert_eq!(held_of(&report), ["audit"]);

    let scenario = &report[report.find("  possible deadlock scenario:").expect("a scenario")..];
    assert!(scenario.contains("thread `auditor`") && scenario.contains("thread `teller`"), "{scenario}");
    assert!(scenario.contains("lock audit") && scenario.contains("lock accounts"), "{scenario}");
    assert!(scenario.contains("*** DEADLOCK ***"), "{scenario}");
}

#[test]
fn the_violation_given_to_the_handler_has_the_same_structure() {
    let _global = global_state();
    let seen = collect_violations("auditor-handled");
    let report = abba("teller-handled", "auditor-handled");
    let violations = take_violations(&seen);
    assert_eq!(violations.len(), 1, "{violations:#?}");
    let v = &violations[0];

    assert_eq!(v.kind(), ViolationKind::LockOrderInversion);
    assert_eq!(lock_names(v), ["accounts", "audit"]);
    assert_eq!(v.thread(), "auditor-handled");
    assert_eq!(v.to_string(), report, "the panic message is the violation's Display");

    let edges = v.edges();
    assert_eq!(edges.len(), 2);
    let check =
        |edge: &Edge, (from, to): (&str, &str), (from_at, to_at): (&AtomicU32, &AtomicU32), thread, function| {
            assert_eq!((edge.from().to_string(), edge.to().to_string()), (from.to_owned(), to.to_owned()));
            assert_eq!(edge.from().name(), Some(from));
            for (at, slot) in [(edge.from_acquired_at(), from_at), (edge.to_acquired_at(), to_at)] {
                assert_eq!((at.file(), at.line()), (FILE, line(slot)), "{from} -> {to}");
            }
            assert_eq!(edge.thread(), thread);
            let functions: Vec<&str> = edge.backtrace().functions().collect();
            assert!(functions.iter().any(|f| f.ends_with(function)), "{from} -> {to}: {functions:?}");
            assert!(functions.iter().all(|f| !f.starts_with("lockorder::")), "{functions:?}");
        };
    check(
        &edges[0],
        ("accounts", "audit"),
        (&TRANSFER_ACCOUNTS, &TRANSFER_AUDIT),
        "teller-handled",
        "transfer_takes_accounts_then_audit",
    );
    check(
        &edges[1],
        ("audit", "accounts"),
        (&AUDIT_AUDIT, &AUDIT_ACCOUNTS),
        "auditor-handled",
        "audit_takes_audit_then_accounts",
    );
    assert_eq!(v.attempt().to_acquired_at(), edges[1].to_acquired_at(), "the attempt is the last edge");
    assert_eq!(v.attempt().thread(), "auditor-handled");

    let held = v.held();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].lock().to_string(), "audit");
    assert_eq!(held[0].access(), "lock");
    assert_eq!((held[0].acquired_at().file(), held[0].acquired_at().line()), (FILE, line(&AUDIT_AUDIT)));
}

#[test]
fn the_panic_is_located_at_the_users_lock_call() {
    let _global = global_state();
    let hook = PanicLocation::install("auditor-hooked");
    let report = abba("teller-hooked", "auditor-hooked");
    assert!(is_inversion(&report), "{report}");
    assert_eq!(hook.seen(), Some((FILE.to_owned(), line(&AUDIT_ACCOUNTS))));
    drop(hook);

    // The same for a re-acquisition, and for a lock taken by `read`.
    let hook = PanicLocation::install("relocker-hooked");
    let lock = RwLock::new_named("table", ());
    let mut closing = 0;
    let report = expect_violation_on_thread("relocker-hooked", || {
        let _first = lock.read().unwrap();
        let ((), _second) = (closing = line!(), lock.read());
    });
    assert!(is_reacquire(&report), "{report}");
    assert_eq!(hook.seen(), Some((FILE.to_owned(), closing)));
}

#[test]
fn a_reacquisition_report_names_the_lock_and_both_sites() {
    let ledger = Mutex::new_named("ledger", ());
    let (mut first, mut second) = (0, 0);
    let report = expect_violation_on_thread("relocker", || {
        let ((), _first) = (first = line!(), ledger.lock());
        let ((), _second) = (second = line!(), ledger.lock());
    });
    assert!(is_reacquire(&report), "{report}");
    assert!(
        report
            .starts_with("lockorder: potential deadlock: thread `relocker` acquires ledger, which it already holds\n"),
        "{report}"
    );
    assert_cycle(&report, &["ledger"]);
    let expected = format!("thread `relocker` holds ledger (acquired at {FILE}:{first}:");
    assert!(report.contains(&expected), "expected {expected:?} in:\n{report}");
    let expected = format!("and is acquiring ledger at {FILE}:{second}:");
    assert!(report.contains(&expected), "expected {expected:?} in:\n{report}");
    assert!(report.contains("a_reacquisition_report_names_the_lock_and_both_sites"), "the backtrace:\n{report}");
    assert_eq!(held_of(&report), ["ledger"]);
    assert!(report.contains("possible deadlock scenario"), "{report}");
}

#[test]
fn unnamed_locks_are_shown_by_their_creation_site() {
    let (first, first_line) = (Mutex::new(()), line!());
    let (second, second_line) = (RwLock::new(()), line!());
    {
        let _first = first.lock().unwrap();
        let _second = second.write().unwrap();
    }
    let report = expect_violation(|| {
        let _second = second.write().unwrap();
        let _first = first.lock().unwrap();
    });
    let cycle = cycle_of(&report);
    assert_eq!(cycle.len(), 3, "{report}");
    for (name, line) in [(&cycle[0], first_line), (&cycle[1], second_line)] {
        let column = name
            .strip_prefix(&format!("{FILE}:{line}:"))
            .unwrap_or_else(|| panic!("{name:?} should be the creation site {FILE}:{line}:<column>"));
        assert!(column.parse::<u32>().is_ok(), "{name:?}");
    }
    assert_eq!(cycle[0], first.lock_info().to_string());
    assert_eq!(cycle[1], second.lock_info().to_string());
    assert_eq!(cycle[2], cycle[0]);
    assert_eq!(first.lock_info().name(), None);
}

#[test]
fn held_locks_are_listed_with_how_they_are_held() {
    let reader = RwLock::new_named("reader", ());
    let writer = RwLock::new_named("writer", ());
    let mutex = Mutex::new_named("mutex", ());
    let cell: OnceLock<()> = OnceLock::new();
    let report = expect_violation(|| {
        let _read = reader.read().unwrap();
        let _write = writer.write().unwrap();
        cell.get_or_init(|| {
            let _mutex = mutex.lock().unwrap();
            let _again = mutex.lock();
        })
    });
    assert!(is_reacquire(&report), "{report}");
    let held = section(&report, "  locks held by thread", "  possible deadlock scenario");
    for (name, access) in [("reader", "read"), ("writer", "write"), ("mutex", "lock")] {
        let expected = format!("      {name} ({access}, acquired at {FILE}:");
        assert!(held.contains(&expected), "expected {expected:?} in:\n{held}");
    }
    assert!(held.contains(" (init, acquired at "), "{held}");
    assert_eq!(held_of(&report).len(), 4, "{held}");
}
