//! Two threads take the same two locks in opposite orders: the classic ABBA.
//!
//! The threads run one after the other, so this run does not hang, but a run
//! in which they overlap would. lockorder reports the inversion the first
//! time the second order is seen, before that thread blocks.
//!
//! Run with `cargo run --example inversion`.

use lockorder::sync::Mutex;
use lockorder::Policy;
use std::sync::Arc;
use std::thread;

struct Bank {
    accounts: Mutex<Vec<i64>>,
    audit_log: Mutex<Vec<String>>,
}

/// Locks the accounts, then the audit log.
fn transfer(bank: &Bank, from: usize, to: usize, amount: i64) {
    let mut accounts = bank.accounts.lock().unwrap();
    accounts[from] -= amount;
    accounts[to] += amount;
    bank.audit_log.lock().unwrap().push(format!("moved {amount} from {from} to {to}"));
}

/// Locks the audit log, then the accounts: the opposite order.
fn audit(bank: &Bank) -> i64 {
    let log = bank.audit_log.lock().unwrap();
    let total: i64 = bank.accounts.lock().unwrap().iter().sum();
    println!("audited {} entries, total {total}", log.len());
    total
}

fn main() {
    // Print the report and go on, instead of panicking (the default).
    lockorder::set_policy(Policy::Warn);

    let bank = Arc::new(Bank {
        accounts: Mutex::new_named("accounts", vec![100, 50]),
        audit_log: Mutex::new_named("audit_log", Vec::new()),
    });

    let teller = Arc::clone(&bank);
    thread::Builder::new().name("teller".into()).spawn(move || transfer(&teller, 0, 1, 25)).unwrap().join().unwrap();

    let auditor = Arc::clone(&bank);
    let total = thread::Builder::new().name("auditor".into()).spawn(move || audit(&auditor)).unwrap().join().unwrap();
    assert_eq!(total, 150);
}
