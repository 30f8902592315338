//! Prints the DOT picture of a four-lock cycle, the one in the README:
//! `cargo run --example picture | dot -Tsvg > docs/cycle.svg`.

use lockorder::sync::Mutex;
use lockorder::Policy;

fn nest(first: &Mutex<()>, second: &Mutex<()>) {
    let _first = first.lock().unwrap();
    let _second = second.lock().unwrap();
}

fn main() {
    lockorder::set_policy(Policy::Ignore);
    let sessions = Mutex::new_named("sessions", ());
    let accounts = Mutex::new_named("accounts", ());
    let audit = Mutex::new_named("audit", ());
    let ledger = Mutex::new_named("ledger", ());
    let cache = Mutex::new_named("cache", ());
    let journal = Mutex::new_named("journal", ());
    nest(&sessions, &accounts);
    nest(&accounts, &audit);
    nest(&audit, &ledger);
    nest(&accounts, &cache);
    nest(&cache, &journal);
    nest(&journal, &ledger);
    // Refused: it would close sessions -> accounts -> audit -> ledger -> sessions.
    nest(&ledger, &sessions);
    print!("{}", lockorder::graph::dot());
}
