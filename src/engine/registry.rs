//! The global side of the engine: the lock-order graph and the in-edges of
//! leaf locks that are not in it yet.
//!
//! A lock that has never been held while another was acquired (a leaf) has
//! no out-edges, so it cannot be on a cycle. Its in-edges wait in a sharded
//! table instead of the graph, and a short-lived leaf is forgotten without
//! touching the graph at all. The first time a lock is held while another is
//! acquired it is promoted: its node and pending in-edges move into the
//! graph before any out-edge is added, so every cycle is in the graph when
//! it closes.
//!
//! Lock order inside the engine: a shard, then the graph; never the
//! reverse, never two shards. Both recover from poisoning.

use std::collections::hash_map::Entry as MapEntry;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use once_cell::sync::Lazy;

use super::graph::{EdgeRecord, LockGraph, PathEdge};
use super::id::{LockId, LockState, HAS_PENDING};
use crate::report::LockInfo;

enum Entry {
    Pending(Vec<(LockId, EdgeRecord)>),
    InGraph,
}

const SHARDS: usize = 16;
static TABLE: Lazy<[Mutex<HashMap<LockId, Entry>>; SHARDS]> = Lazy::new(Default::default);
static GRAPH: Lazy<Mutex<LockGraph>> = Lazy::new(Default::default);

fn shard(id: LockId) -> MutexGuard<'static, HashMap<LockId, Entry>> {
    TABLE[id as usize % SHARDS].lock().unwrap_or_else(PoisonError::into_inner)
}

fn graph() -> MutexGuard<'static, LockGraph> {
    GRAPH.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Makes sure the held lock `id` has its node and in-edges in the graph.
pub(super) fn promote(id: LockId, lock: LockInfo) {
    let mut table = shard(id);
    let pending = match table.insert(id, Entry::InGraph) {
        Some(Entry::InGraph) => return,
        Some(Entry::Pending(pending)) => pending,
        None => Vec::new(),
    };
    let mut graph = graph();
    graph.add_node(id, lock);
    for (from, record) in pending {
        // A source dropped since then left the graph; its edge goes too.
        if let Some(from_lock) = graph.lock_info(from) {
            // A leaf has no out-edges, so its in-edges close no cycle.
            let _ = graph.add_edge((from, from_lock), (id, lock), record);
        }
    }
}

/// A cycle found while adding `edges[index]`.
pub(super) struct Cycle {
    pub(super) index: usize,
    pub(super) path: Vec<PathEdge>,
}

/// Records `from -> to` for every given source, all already promoted.
/// Returns the first edge that would close a cycle, which is not recorded.
pub(super) fn add_in_edges(
    to: (LockId, LockInfo),
    state: &LockState,
    edges: Vec<((LockId, LockInfo), EdgeRecord)>,
) -> Option<Cycle> {
    let mut table = shard(to.0);
    match table.entry(to.0) {
        MapEntry::Occupied(mut entry) => match entry.get_mut() {
            Entry::Pending(pending) => {
                for ((from, _), record) in edges {
                    if !pending.iter().any(|(f, _)| *f == from) {
                        pending.push((from, record));
                    }
                }
                None
            }
            Entry::InGraph => {
                let mut graph = graph();
                let mut first_cycle = None;
                for (index, (from, record)) in edges.into_iter().enumerate() {
                    if let Err(path) = graph.add_edge(from, to, record) {
                        first_cycle.get_or_insert(Cycle { index, path });
                    }
                }
                first_cycle
            }
        },
        MapEntry::Vacant(entry) => {
            entry.insert(Entry::Pending(edges.into_iter().map(|((f, _), r)| (f, r)).collect()));
            state.set_flag(HAS_PENDING);
            None
        }
    }
}

/// Forgets a dropped lock: its pending in-edges, or its node in the graph.
pub(super) fn forget(id: LockId) {
    let removed = shard(id).remove(&id);
    if let Some(Entry::InGraph) = removed {
        graph().remove(id);
    }
}

/// Nodes and edges in the graph (for tests of memory behaviour).
pub(crate) fn graph_size() -> (usize, usize) {
    let graph = graph();
    (graph.node_count(), graph.edge_count())
}
