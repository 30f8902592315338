//! The slow path of an acquisition: new edges, re-acquisitions, reports.
//!
//! Runs when an edge from a held lock into the acquired one is not in this
//! thread's cache. Global state is touched here only, and no internal lock
//! is held when a report is built or raised.

use std::panic::Location;
use std::sync::Arc;

use super::graph::{EdgeRecord, PathEdge};
use super::held::HeldEntry;
use super::id::{LockId, LockState};
use super::registry;
use super::thread::{thread_name, trace_for, Suspended, ThreadState, THREAD};
use super::Access;
use crate::report::{self, Backtrace, Edge, HeldLock, LockInfo, Violation, ViolationKind};

/// A violation found, and the edge to cache if the policy lets the thread
/// go on (so that it is not reported again and again by this thread).
struct Found {
    violation: Violation,
    cache_after: Option<(LockId, LockId)>,
}

#[track_caller]
pub(super) fn acquire(state: &LockState, lock: LockInfo, access: Access, site: &'static Location<'static>) -> LockId {
    // Guards of this task dropped by other tasks leave first.
    #[cfg(feature = "tokio")]
    super::task::apply_released();
    let Ok((id, found)) = THREAD.try_with(|t| inspect(t, state, lock, access, site)) else {
        return 0;
    };
    if let Some(found) = found {
        {
            let _untracked = Suspended::new();
            report::raise(found.violation);
        }
        if let Some((from, to)) = found.cache_after {
            let _ = THREAD.try_with(|t| t.cache.insert(from, to));
        }
    }
    let entry = HeldEntry { id, lock, access, acquired_at: site, in_graph: false };
    THREAD.try_with(|t| if t.held.push(entry) { id } else { 0 }).unwrap_or(0)
}

fn inspect(
    t: &ThreadState,
    state: &LockState,
    lock: LockInfo,
    access: Access,
    site: &'static Location<'static>,
) -> (LockId, Option<Found>) {
    let id = state.id(&t.ids);
    let held = t.held.to_vec();
    if let Some(previous) = held.iter().rev().find(|e| e.id == id) {
        if !access.reenters(previous.access) {
            let violation = reacquire(previous, lock, site, &held);
            return (id, Some(Found { violation, cache_after: None }));
        }
    }

    let mut sources: Vec<HeldEntry> = Vec::new();
    for (i, entry) in held.iter().enumerate() {
        // A granted re-entry adds no edge from the lock to itself.
        if entry.id == id || t.cache.contains(entry.id, id) || sources.iter().any(|s| s.id == entry.id) {
            continue;
        }
        if !entry.in_graph {
            registry::promote(entry.id, entry.lock);
            t.held.mark_in_graph(i);
        }
        sources.push(*entry);
    }
    if sources.is_empty() {
        return (id, None);
    }

    let thread = thread_name();
    let mut fresh = None;
    let edges = sources
        .iter()
        .map(|s| {
            let record = EdgeRecord {
                from_site: s.acquired_at,
                to_site: site,
                thread: thread.clone(),
                trace: trace_for((s.acquired_at, site), &mut fresh),
            };
            ((s.id, s.lock), record)
        })
        .collect();
    let cycle = registry::add_in_edges((id, lock), state, edges);
    for (i, source) in sources.iter().enumerate() {
        if cycle.as_ref().is_none_or(|c| c.index != i) {
            t.cache.insert(source.id, id);
        }
    }
    let cycle = cycle.map(|cycle| {
        let source = sources[cycle.index];
        let violation = inversion(cycle.path, &source, lock, site, &thread, &held);
        Found { violation, cache_after: Some((source.id, id)) }
    });
    (id, cycle)
}

pub(super) fn held_locks(held: &[HeldEntry]) -> Vec<HeldLock> {
    held.iter().map(|e| HeldLock { lock: e.lock, access: e.access.verb(), acquired_at: e.acquired_at }).collect()
}

fn this_acquisition(from: &HeldEntry, to: LockInfo, site: &'static Location<'static>, thread: &str) -> Edge {
    Edge {
        from: from.lock,
        to,
        from_acquired_at: from.acquired_at,
        to_acquired_at: site,
        thread: thread.to_owned(),
        backtrace: Backtrace::resolve(&backtrace::Backtrace::new_unresolved()),
    }
}

fn reacquire(previous: &HeldEntry, lock: LockInfo, site: &'static Location<'static>, held: &[HeldEntry]) -> Violation {
    let thread = thread_name();
    let edge = this_acquisition(previous, lock, site, &thread);
    Violation::new(ViolationKind::Reacquire, vec![edge], held_locks(held), thread.to_string(), vec![previous.id])
}

fn inversion(
    path: Vec<PathEdge>,
    source: &HeldEntry,
    lock: LockInfo,
    site: &'static Location<'static>,
    thread: &Arc<str>,
    held: &[HeldEntry],
) -> Violation {
    let mut key = vec![source.id];
    let mut edges: Vec<Edge> = path
        .into_iter()
        .map(|p| {
            key.push(p.from.0);
            Edge {
                from: p.from.1,
                to: p.to.1,
                from_acquired_at: p.record.from_site,
                to_acquired_at: p.record.to_site,
                thread: p.record.thread.to_string(),
                backtrace: Backtrace::resolve(&p.record.trace),
            }
        })
        .collect();
    edges.push(this_acquisition(source, lock, site, thread));
    Violation::new(ViolationKind::LockOrderInversion, edges, held_locks(held), thread.to_string(), key)
}
