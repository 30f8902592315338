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
use std::sync::{Mutex, MutexGuard, PoisonError};

use once_cell::sync::Lazy;
use rustc_hash::FxHashMap;

use super::graph::{Evidence, LockGraph, PathEdge};
use super::id::{LockId, LockState, HAS_PENDING};
use crate::report::LockInfo;

/// The in-edges of a leaf: usually one, so the first is kept inline and
/// the entry stays small (the table holds one per lock in the graph too).
struct Pending {
    first: (LockId, Evidence),
    // Boxed: a thin pointer keeps the table's entries at 24 bytes.
    #[allow(clippy::box_collection)]
    more: Option<Box<Vec<(LockId, Evidence)>>>,
}

impl Pending {
    fn add(&mut self, from: LockId, record: Evidence) {
        if self.first.0 == from {
            return;
        }
        let more = self.more.get_or_insert_with(Default::default);
        if !more.iter().any(|(f, _)| *f == from) {
            more.push((from, record));
        }
    }

    fn into_iter(self) -> impl Iterator<Item = (LockId, Evidence)> {
        std::iter::once(self.first).chain(self.more.into_iter().flat_map(|more| *more))
    }
}

enum Entry {
    Pending(Pending),
    InGraph,
}

const SHARDS: usize = 16;
type Shard = FxHashMap<LockId, Entry>;
static TABLE: Lazy<[Mutex<Shard>; SHARDS]> = Lazy::new(Default::default);
static GRAPH: Lazy<Mutex<LockGraph>> = Lazy::new(Default::default);

fn shard(id: LockId) -> MutexGuard<'static, Shard> {
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
        Some(Entry::Pending(pending)) => Some(pending),
        None => None,
    };
    let mut graph = graph();
    graph.add_node(id, lock);
    for (from, record) in pending.into_iter().flat_map(Pending::into_iter) {
        // A source dropped since then left the graph; its edge goes too.
        if let Some(from_lock) = graph.lock_info(from) {
            // A leaf has no out-edges, so its in-edges close no cycle.
            let _ = graph.add_edge((from, from_lock), (id, lock), record, false);
        }
    }
}

/// Records `from -> to`, `from` already promoted. When the edge would
/// close a cycle it is not recorded and the path `to -> .. -> from` comes
/// back (empty unless `report`).
pub(super) fn add_in_edge(
    from: (LockId, LockInfo),
    to: (LockId, LockInfo),
    state: &LockState,
    record: Evidence,
    report: bool,
) -> Result<(), Vec<PathEdge>> {
    let mut table = shard(to.0);
    match table.entry(to.0) {
        MapEntry::Occupied(mut entry) => match entry.get_mut() {
            Entry::Pending(pending) => {
                pending.add(from.0, record);
                Ok(())
            }
            Entry::InGraph => graph().add_edge(from, to, record, report).map(drop),
        },
        MapEntry::Vacant(entry) => {
            entry.insert(Entry::Pending(Pending { first: (from.0, record), more: None }));
            state.set_flag(HAS_PENDING);
            Ok(())
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

/// A picture of the lock-order graph.
pub(crate) fn picture() -> crate::Picture {
    graph().picture()
}

/// Nodes and edges in the graph (for tests of memory behaviour).
pub(crate) fn graph_size() -> (usize, usize) {
    let graph = graph();
    (graph.node_count(), graph.edge_count())
}
