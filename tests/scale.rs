//! A cycle through a million locks is found without overflowing a small
//! stack: every graph search is iterative. Alone in its binary, because it
//! sets the global policy and handler.
#![cfg(debug_assertions)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use lockorder::sync::Mutex;
use lockorder::{Policy, ViolationKind};

const LOCKS: usize = 1_000_000;

#[test]
fn a_cycle_through_a_million_locks_is_found_on_a_small_stack() {
    let cycle_len = Arc::new(AtomicUsize::new(0));
    let seen = cycle_len.clone();
    lockorder::set_policy(Policy::Ignore);
    // The locks share their creation site, hence their class: nesting them
    // is also a class violation, not the one looked for here.
    lockorder::set_class_policy(Policy::Ignore);
    lockorder::set_handler(move |v| {
        if v.kind() == ViolationKind::LockOrderInversion {
            seen.store(v.edges().len(), Ordering::SeqCst);
        }
    });
    let worker = std::thread::Builder::new().stack_size(256 * 1024).spawn(|| {
        let locks: Vec<Mutex<()>> = (0..LOCKS).map(|_| Mutex::new(())).collect();
        for pair in locks.windows(2) {
            let _a = pair[0].lock().unwrap();
            let _b = pair[1].lock().unwrap();
        }
        let _last = locks[LOCKS - 1].lock().unwrap();
        let _first = locks[0].lock().unwrap();
    });
    worker.unwrap().join().expect("the search overflowed the stack or panicked");
    lockorder::clear_handler();
    lockorder::set_policy(Policy::Panic);
    assert_eq!(cycle_len.load(Ordering::SeqCst), LOCKS, "the whole cycle should be reported");
}
