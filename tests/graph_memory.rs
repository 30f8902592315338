//! What a live lock costs in graph state: at most about 200 bytes once it
//! has one recorded order, whether it waits as a leaf or sits in the graph.
//! Alone in its binary: it reads the process's resident size.
#![cfg(all(debug_assertions, target_os = "linux"))]

mod rss;

use lockorder::sync::Mutex;
use rss::resident_bytes;

const LOCKS: usize = 50_000;
const BUDGET: usize = 200;

#[test]
fn a_live_lock_with_one_order_costs_at_most_200_bytes_of_graph_state() {
    let outer = Mutex::new(0u8);
    let inner = Mutex::new(0u8);
    // The locks themselves are allocated first: only what the engine keeps
    // for them is measured.
    let leaves: Vec<Mutex<u8>> = (0..LOCKS).map(|_| Mutex::new(0)).collect();
    let sources: Vec<Mutex<u8>> = (0..LOCKS).map(|_| Mutex::new(0)).collect();
    let before = lockorder::stats();

    let start = resident_bytes();
    {
        let _outer = outer.lock().unwrap();
        for leaf in &leaves {
            drop(leaf.lock().unwrap());
        }
    }
    let with_leaves = resident_bytes();
    for source in &sources {
        let _source = source.lock().unwrap();
        drop(inner.lock().unwrap());
    }
    // `inner` becomes a source too: its pending in-edges move into the graph.
    {
        let _inner = inner.lock().unwrap();
        drop(outer.lock().unwrap());
    }
    let with_sources = resident_bytes();

    let per_leaf = with_leaves.saturating_sub(start) / LOCKS;
    let per_source = with_sources.saturating_sub(with_leaves) / LOCKS;
    assert!(per_leaf <= BUDGET, "a leaf with one pending in-edge costs {per_leaf} bytes");
    assert!(per_source <= BUDGET, "a lock in the graph with one out-edge costs {per_source} bytes");
    // The orders are really kept: every source is a node of the graph with
    // its edge, while the leaves wait outside it.
    let after = lockorder::stats();
    assert!(after.nodes >= before.nodes + LOCKS, "{before:?} -> {after:?}");
    assert!(after.edges > before.edges + LOCKS, "{before:?} -> {after:?}");
    assert!(after.nodes < before.nodes + 2 * LOCKS, "the leaves entered the graph: {before:?} -> {after:?}");
    eprintln!("graph state: {per_leaf} bytes per leaf, {per_source} bytes per lock in the graph");
    drop((leaves, sources));
}
