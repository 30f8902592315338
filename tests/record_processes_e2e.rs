//! End to end: two test processes record their lock orders with
//! `LOCKORDER_RECORD`; each is clean on its own, and merging their records
//! finds the cycle between them and names both tests.
#![cfg(all(feature = "record", debug_assertions))]

mod common;
mod record_support;

use common::{is_child, run_child};
use lockorder::record::Merged;
use lockorder::sync::Mutex;
use record_support::TempDir;

/// The same two locks in every process: created here, so of the same two
/// classes wherever they are used.
fn accounts_and_audit() -> (Mutex<u32>, Mutex<u32>) {
    (Mutex::new_named("accounts", 0), Mutex::new_named("audit", 0))
}

#[test]
fn child_takes_accounts_then_audit() {
    if !is_child() {
        return;
    }
    let (accounts, audit) = accounts_and_audit();
    let _accounts = accounts.lock().unwrap();
    let _audit = audit.lock().unwrap();
}

#[test]
fn child_takes_audit_then_accounts() {
    if !is_child() {
        return;
    }
    let (accounts, audit) = accounts_and_audit();
    let _audit = audit.lock().unwrap();
    let _accounts = accounts.lock().unwrap();
}

#[test]
fn opposite_orders_in_two_processes_are_found_by_merging_their_records() {
    let dir = TempDir::new("e2e");
    let record = dir.path().to_str().expect("a UTF-8 temporary directory");
    for test in ["child_takes_accounts_then_audit", "child_takes_audit_then_accounts"] {
        run_child(test, &[("LOCKORDER_RECORD", record)]).assert_passed(test);
    }
    assert_eq!(dir.record_files().len(), 2, "one record file per process");

    let merged = Merged::read_dir(dir.path()).expect("the records read back");
    assert!(merged.problems().is_empty(), "{:?}", merged.problems());
    let cycles = merged.cycles();
    assert_eq!(cycles.len(), 1, "{cycles:#?}");
    let report = cycles[0].to_string();
    assert!(
        report.contains("cycle: accounts -> audit -> accounts") || report.contains("cycle: audit -> accounts -> audit"),
        "{report}"
    );
    assert!(report.contains("child_takes_accounts_then_audit"), "{report}");
    assert!(report.contains("child_takes_audit_then_accounts"), "{report}");
    assert!(report.contains("tests/record_processes_e2e.rs"), "the acquisition sites: {report}");
    if cfg!(target_os = "linux") {
        if cfg!(feature = "cli") {
            // The recorded frames, resolved against this binary.
            assert!(report.contains("record_processes_e2e::child_takes_audit_then_accounts ("), "{report}");
        } else {
            // Without the tool's feature they stay offsets, and say why.
            assert!(report.contains("resolving needs lockorder's `cli` feature"), "{report}");
        }
    }
}
