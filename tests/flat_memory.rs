//! Creating and dropping locks by the hundred thousand, nested, as
//! leaves, and as sources of orders into a long-lived lock, leaves the
//! process's memory flat. Alone in its binary: it reads the process's
//! resident size.
#![cfg(all(debug_assertions, target_os = "linux"))]

mod rss;

use lockorder::sync::Mutex;
use rss::resident_bytes;

/// One round: a chain of nested locks (they enter the graph), leaves
/// churned under a long-lived lock (they never do), and short-lived locks
/// held while taking the long-lived leaf `shared` (their orders into it
/// wait with it, outside the graph).
fn round(shared: &Mutex<u32>) {
    let chain: Vec<Mutex<u32>> = (0..20_000).map(Mutex::new).collect();
    for pair in chain.windows(2) {
        let _a = pair[0].lock().unwrap();
        let _b = pair[1].lock().unwrap();
    }
    let outer = Mutex::new(0);
    let outer_guard = outer.lock().unwrap();
    for i in 0..100_000 {
        let leaf = Mutex::new(i);
        *leaf.lock().unwrap() += 1;
    }
    drop(outer_guard);
    for i in 0..100_000 {
        let source = Mutex::new(i);
        let _source = source.lock().unwrap();
        *shared.lock().unwrap() += 1;
    }
}

#[test]
fn creating_and_dropping_locks_leaves_memory_flat() {
    let shared = Mutex::new(0);
    let before = lockorder::stats();
    for _ in 0..3 {
        round(&shared);
    }
    let warm = resident_bytes();
    for _ in 0..10 {
        round(&shared);
    }
    let after = resident_bytes();
    assert_eq!(lockorder::stats(), before, "the graph kept dropped locks");
    let growth = after.saturating_sub(warm);
    assert!(growth < 8 << 20, "memory grew by {growth} bytes over 10 rounds ({warm} -> {after})");
}
