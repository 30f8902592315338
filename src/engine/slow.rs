//! The slow path of an acquisition: new edges, re-acquisitions, reports.
//!
//! Runs when this thread's cache does not know every edge from the held
//! locks into the acquired one. Global state is touched here only, and no
//! internal lock is held when a report is built or raised.

use std::panic::Location;
use std::sync::Arc;

use super::graph::PathEdge;
use super::held::{acquisition_key, HeldEntry};
use super::id::{LockId, LockState, HAS_PENDING};
use super::registry;
use super::thread::{evidence, thread_name, Suspended, ThreadState, THREAD};
use super::Access;
use crate::report::{self, Edge, HeldLock, LockInfo, Trace, Violation, ViolationKind};

/// A violation found, and the edge to cache if the policy lets the thread
/// go on (so that it is not reported again and again by this thread).
struct Found {
    violation: Option<Violation>,
    cache_after: Option<(LockId, LockId)>,
}

#[track_caller]
pub(super) fn acquire(
    state: &LockState,
    lock: LockInfo,
    access: Access,
    subclass: u8,
    site: &'static Location<'static>,
) -> LockId {
    let inspected = THREAD.try_with(|t| (t.held.chain(), inspect(t, state, lock, subclass, site)));
    let Ok((chain, (id, found))) = inspected else {
        return 0;
    };
    if let Some(found) = found {
        if let Some(violation) = found.violation {
            let _untracked = Suspended::new();
            report::raise(violation);
        }
        // The policy let the thread go on: do not report this again here.
        if let Some((from, to)) = found.cache_after {
            let _ = THREAD.try_with(|t| {
                t.known_edges.insert(from, to);
                t.known_chains.insert(chain, acquisition_key(to, subclass));
            });
        }
    }
    let entry = HeldEntry { id, lock, access, acquired_at: site, subclass, in_graph: false };
    THREAD.try_with(|t| if t.held.push(entry) { id } else { 0 }).unwrap_or(0)
}

fn inspect(
    t: &ThreadState,
    state: &LockState,
    lock: LockInfo,
    subclass: u8,
    site: &'static Location<'static>,
) -> (LockId, Option<Found>) {
    let len = t.held.len();
    // A lock first acquired here, under other locks, gets pending in-edges.
    let id = state.id_with(&t.ids, if len > 0 { HAS_PENDING } else { 0 });
    if let Some(previous) = (0..len).rev().filter_map(|i| t.held.get(i)).find(|e| e.id == id) {
        let violation = report::wanted().then(|| reacquire(t, &previous, lock, site));
        return (id, Some(Found { violation, cache_after: None }));
    }

    let wanted = report::wanted();
    let mut refused: Option<(HeldEntry, Vec<PathEdge>)> = None;
    for i in 0..len {
        let Some(source) = t.held.get(i) else { continue };
        if t.known_edges.contains(source.id, id) {
            continue;
        }
        if !source.in_graph {
            registry::promote(source.id, source.lock);
            t.held.mark_in_graph(i);
        }
        let record = evidence(source.acquired_at, site);
        match registry::add_in_edge((source.id, source.lock), (id, lock), state, record, wanted) {
            Ok(()) => t.known_edges.insert(source.id, id),
            Err(path) => {
                refused.get_or_insert((source, path));
            }
        }
    }
    match refused {
        None => {
            t.known_chains.insert(t.held.chain(), acquisition_key(id, subclass));
            (id, None)
        }
        Some((source, path)) => {
            let violation = wanted.then(|| inversion(t, path, &source, lock, site));
            (id, Some(Found { violation, cache_after: Some((source.id, id)) }))
        }
    }
}

fn held_locks(t: &ThreadState) -> Vec<HeldLock> {
    let held = t.held.to_vec();
    held.iter().map(|e| HeldLock { lock: e.lock, access: e.access.verb(), acquired_at: e.acquired_at }).collect()
}

fn this_acquisition(from: &HeldEntry, to: LockInfo, site: &'static Location<'static>, thread: &Arc<str>) -> Edge {
    Edge {
        from: from.lock,
        to,
        from_acquired_at: from.acquired_at,
        to_acquired_at: site,
        thread: thread.clone(),
        trace: Arc::new(Trace::capture()),
    }
}

fn reacquire(t: &ThreadState, previous: &HeldEntry, lock: LockInfo, site: &'static Location<'static>) -> Violation {
    let thread = thread_name();
    let edge = this_acquisition(previous, lock, site, &thread);
    Violation::new(ViolationKind::Reacquire, vec![edge], held_locks(t), thread, vec![previous.id])
}

fn inversion(
    t: &ThreadState,
    path: Vec<PathEdge>,
    source: &HeldEntry,
    lock: LockInfo,
    site: &'static Location<'static>,
) -> Violation {
    let thread = thread_name();
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
                thread: p.record.thread.clone(),
                trace: p.record.trace.clone(),
            }
        })
        .collect();
    edges.push(this_acquisition(source, lock, site, &thread));
    Violation::new(ViolationKind::LockOrderInversion, edges, held_locks(t), thread, key)
}
