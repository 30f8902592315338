//! The global side of the engine: the lock-order graph and the in-edges of
//! leaf locks that are not in it yet.
//!
//! A lock that has never been held while another was acquired (a leaf) has
//! no out-edges, so it cannot be on a cycle. Its in-edges wait in a sharded
//! table instead of the graph, and a short-lived leaf is forgotten without
//! touching the graph at all. (The first in-edge of a new lock taken under
//! a single held lock does not even come here: it is parked in the lock,
//! see `parked`, and reaches the table only if the lock is taken again.)
//! The first time a lock is held while another is
//! acquired it is promoted: its node and pending in-edges move into the
//! graph before any out-edge is added, so every cycle is in the graph when
//! it closes.
//!
//! Lock order inside the engine: a shard, then the graph; never the
//! reverse, never two shards. Both recover from poisoning.

use std::collections::hash_map::Entry as MapEntry;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use once_cell::sync::Lazy;
use rustc_hash::{FxHashMap, FxHashSet};

use super::graph::{Evidence, LockGraph, PathEdge};
use super::id::LockId;
use super::state::{LockState, HAS_PENDING, PARKED};
use crate::report::LockInfo;

/// One shard of the table, for the locks whose ids fall in it.
///
/// A leaf usually has one in-edge, so the first is kept by itself, in a
/// value small enough to come back from a removal in registers; later ones
/// wait in `more`. A churned leaf touches only `first`.
#[derive(Default)]
struct Shard {
    first: FxHashMap<LockId, (LockId, Evidence)>,
    /// By target, then by source: a lock taken under many others finds a
    /// repeated in-edge in constant time.
    more: FxHashMap<LockId, More>,
    in_graph: FxHashSet<LockId>,
}

impl Shard {
    /// Records the pending in-edge `from -> to`; whether it is the first.
    fn add_pending(&mut self, from: LockId, to: LockId, record: Evidence) -> bool {
        match self.first.entry(to) {
            MapEntry::Vacant(entry) => {
                entry.insert((from, record));
                true
            }
            MapEntry::Occupied(entry) if entry.get().0 == from => false,
            MapEntry::Occupied(_) => {
                self.more.entry(to).or_default().add(from, record);
                false
            }
        }
    }

    /// Takes the pending in-edges of `id`.
    fn take_pending(&mut self, id: LockId) -> impl Iterator<Item = (LockId, Evidence)> {
        let first = self.first.remove(&id);
        let more = if first.is_some() && !self.more.is_empty() { self.more.remove(&id) } else { None };
        first.into_iter().chain(more.into_iter().flat_map(|more| more.edges))
    }
}

/// A leaf's in-edges after the first, by source.
///
/// Sources are locks in the graph; one that is dropped leaves the graph
/// but not this map. So that a long-lived leaf taken under a stream of
/// short-lived locks does not keep an edge for each of them, edges from
/// sources gone from the graph are dropped whenever the map has doubled
/// since it was last pruned: amortized constant time per edge.
#[derive(Default)]
struct More {
    edges: FxHashMap<LockId, Evidence>,
    prune_at: usize,
}

impl More {
    /// Below this many edges a leaf's map is never pruned.
    const MIN_PRUNE: usize = 64;

    fn add(&mut self, from: LockId, record: Evidence) {
        self.edges.entry(from).or_insert(record);
        if self.edges.len() >= self.prune_at.max(Self::MIN_PRUNE) {
            let graph = graph();
            self.edges.retain(|from, _| graph.lock_info(*from).is_some());
            self.prune_at = 2 * self.edges.len();
        }
    }
}

const SHARDS: usize = 16;
static TABLE: Lazy<[Mutex<Shard>; SHARDS]> = Lazy::new(Default::default);
static GRAPH: Lazy<Mutex<LockGraph>> = Lazy::new(Default::default);

fn shard(id: LockId) -> MutexGuard<'static, Shard> {
    TABLE[id as usize % SHARDS].lock().unwrap_or_else(PoisonError::into_inner)
}

fn graph() -> MutexGuard<'static, LockGraph> {
    GRAPH.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Makes sure the held lock `id` has its node and in-edges in the graph;
/// `parked` is an in-edge this thread parked in it (see `parked`).
pub(super) fn promote(id: LockId, lock: LockInfo, parked: Option<(LockId, Evidence)>) {
    let mut table = shard(id);
    let pending: Vec<(LockId, Evidence)> = if table.in_graph.insert(id) {
        table.take_pending(id).chain(parked).collect()
    } else if let Some(parked) = parked {
        // Promoted by another holder; the edge may not be there yet.
        vec![parked]
    } else {
        return;
    };
    let mut graph = graph();
    graph.add_node(id, lock);
    for (from, record) in pending {
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
    if table.in_graph.contains(&to.0) {
        return graph().add_edge(from, to, record, report).map(drop);
    }
    if table.add_pending(from.0, to.0, record) {
        state.set_flag(HAS_PENDING);
    }
    Ok(())
}

/// Records `from -> to` between two promoted locks (a completion's, see
/// `slow::complete`); as [`add_in_edge`] when it would close a cycle.
pub(super) fn add_edge_between_nodes(
    from: (LockId, LockInfo),
    to: (LockId, LockInfo),
    record: Evidence,
    report: bool,
) -> Result<(), Vec<PathEdge>> {
    graph().add_edge(from, to, record, report).map(drop)
}

/// Moves the edge parked in the lock `id` (flagged `PARKED`) where an edge
/// into it belongs: pending, or in the graph if the lock is there.
pub(super) fn publish_parked(state: &LockState, id: LockId, lock: LockInfo) {
    let mut table = shard(id);
    let Some((from, record)) = state.parked.take(state) else {
        return;
    };
    if table.in_graph.contains(&id) {
        let mut graph = graph();
        if let Some(from_lock) = graph.lock_info(from) {
            let _ = graph.add_edge((from, from_lock), (id, lock), record, false);
        }
    } else if table.add_pending(from, id, record) {
        state.set_flag(HAS_PENDING);
    }
    state.clear_flag(PARKED);
}

/// Counts the cycles that refused an edge and were broken since: a lock
/// on one left the graph. A refusal a thread remembers stands as long as
/// this has not moved (see `slow`). Locks that were never on such a cycle
/// (churn) leave it alone.
static BROKEN_CYCLES: AtomicU64 = AtomicU64::new(0);

/// The current count of broken refusing cycles.
pub(super) fn broken_cycles() -> u64 {
    BROKEN_CYCLES.load(Ordering::Acquire)
}

/// Forgets a dropped lock: its pending in-edges, or its node in the graph.
pub(super) fn forget(id: LockId) {
    let mut table = shard(id);
    if table.take_pending(id).next().is_none() && table.in_graph.remove(&id) {
        drop(table);
        let broke_a_cycle = graph().remove(id);
        if broke_a_cycle {
            BROKEN_CYCLES.fetch_add(1, Ordering::Release);
        }
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
