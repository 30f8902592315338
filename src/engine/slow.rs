//! The slow path of an acquisition: new edges, re-acquisitions, reports.
//!
//! Runs when this thread's cache does not know every edge from the held
//! locks into the acquired one. Global state is touched here only, and no
//! internal lock is held when a report is built or raised. Instance orders
//! are checked first; when they are sound, the class orders are.

use std::panic::Location;
use std::sync::Arc;

use super::classes::{self, class_info, ClassId};
use super::graph::PathEdge;
use super::held::{acquisition_key, HeldEntry};
use super::id::{LockId, LockState, HAS_PENDING};
use super::thread::{
    class_of, evidence, knows_class_edge, learn_class_edge, thread_name, Suspended, ThreadState, THREAD,
};
use super::Access;
use super::{parked, registry};
use crate::report::{self, Edge, HeldLock, LockInfo, Trace, Violation, ViolationKind};

/// A violation found (`None` when nobody wants its report), and what this
/// thread learns if the policy lets it go on, so that it does not report
/// the same again and again.
struct Found {
    violation: Option<Violation>,
    learn: Learn,
}

enum Learn {
    Nothing,
    /// The refused instance order.
    Edge(LockId, LockId),
    /// The refused class order (the instance orders were all recorded).
    ClassEdge(ClassId, ClassId),
}

/// What is being acquired.
#[derive(Clone, Copy)]
struct Attempt {
    lock: LockInfo,
    access: Access,
    subclass: u8,
    site: &'static Location<'static>,
}

#[track_caller]
pub(super) fn acquire(
    state: &LockState,
    lock: LockInfo,
    access: Access,
    subclass: u8,
    site: &'static Location<'static>,
) -> LockId {
    // Guards of this task dropped by other tasks leave first.
    #[cfg(feature = "tokio")]
    super::task::apply_released();
    let attempt = Attempt { lock, access, subclass, site };
    let inspected = THREAD.try_with(|t| (t.held.chain(), inspect(t, state, &attempt)));
    let Ok((chain, Inspected { id, found, reentry })) = inspected else {
        return 0;
    };
    if let Some(found) = found {
        if let Some(violation) = found.violation {
            let _untracked = Suspended::new();
            report::raise(violation);
        }
        // The policy let the thread go on. A re-entry is not learned by the
        // fast path: it would let a later acquisition of the lock with the
        // same locks held (a self-deadlock, say a `write` after this
        // `read_recursive`) through unchecked.
        let _ = THREAD.try_with(|t| match found.learn {
            Learn::Nothing => {}
            Learn::Edge(from, to) => {
                t.known_edges.insert(from, to);
                if !reentry {
                    t.known_chains.insert(chain, acquisition_key(to, subclass));
                }
            }
            Learn::ClassEdge(from, to) => {
                learn_class_edge(t, from, to);
                if !reentry {
                    t.known_chains.insert(chain, acquisition_key(id, subclass));
                }
            }
        });
    }
    let entry = HeldEntry { id, lock, access, acquired_at: site, subclass, in_graph: false, parked: None };
    THREAD.try_with(|t| if t.held.push(entry) { id } else { 0 }).unwrap_or(0)
}

/// What [`inspect`] found of an acquisition.
struct Inspected {
    id: LockId,
    found: Option<Found>,
    /// The lock is held already (a granted re-entry): the acquisition
    /// stays on the slow path, where re-entries are judged.
    reentry: bool,
}

fn inspect(t: &ThreadState, state: &LockState, attempt: &Attempt) -> Inspected {
    let len = t.held.len();
    // A lock first acquired here, under other locks, gets pending in-edges.
    let id = parked::settle(state, &t.ids, if len > 0 { HAS_PENDING } else { 0 }, &attempt.lock);
    let previous = (0..len).rev().find(|&i| t.held.id_at(i) == id).and_then(|i| t.held.get(i));
    let reentry = previous.is_some();
    if let Some(previous) = previous {
        if !attempt.access.reenters(previous.access) {
            let violation = report::wanted(ViolationKind::Reacquire).then(|| reacquire(t, &previous, *attempt));
            return Inspected { id, found: Some(Found { violation, learn: Learn::Nothing }), reentry };
        }
    }
    let found = record_instance_orders(t, state, id, attempt).or_else(|| record_class_orders(t, id, attempt));
    if found.is_none() && !reentry {
        t.known_chains.insert(t.held.chain(), acquisition_key(id, attempt.subclass));
    }
    Inspected { id, found, reentry }
}

/// Records `held -> id` for every held lock; the first order that would
/// close a cycle is refused and reported.
fn record_instance_orders(t: &ThreadState, state: &LockState, id: LockId, attempt: &Attempt) -> Option<Found> {
    let wanted = report::wanted(ViolationKind::LockOrderInversion);
    let mut refused: Option<(usize, Vec<PathEdge>)> = None;
    for i in 0..t.held.len() {
        // Fields are read one by one: this loop is on the path of every new
        // lock taken under another.
        let source = t.held.id_at(i);
        // A granted re-entry adds no edge from the lock to itself.
        if source == 0 || source == id || t.known_edges.contains(source, id) {
            continue;
        }
        let (source_lock, _) = t.held.lock_at(i);
        let (source_site, in_graph) = t.held.site_at(i);
        if !in_graph {
            // An edge this thread parked in the source goes into the graph
            // with it.
            let parked = t.held.parked_at(i).map(|(from, from_site)| (from, evidence(from_site, source_site)));
            registry::promote(source, source_lock, parked);
            t.held.mark_in_graph(i);
        }
        let record = evidence(source_site, attempt.site);
        match registry::add_in_edge((source, source_lock), (id, attempt.lock), state, record, wanted) {
            Ok(()) => t.known_edges.insert(source, id),
            Err(path) => {
                refused.get_or_insert((i, path));
            }
        }
    }
    let (index, path) = refused?;
    let source = t.held.get(index)?;
    let violation = wanted.then(|| {
        let this = this_acquisition(source.lock, &source, *attempt);
        cycle(t, ViolationKind::LockOrderInversion, path, this, vec![source.id])
    });
    Some(Found { violation, learn: Learn::Edge(source.id, id) })
}

/// Records the class order of every held lock into the acquired one's
/// class; the first that would close a cycle of classes is reported.
fn record_class_orders(t: &ThreadState, id: LockId, attempt: &Attempt) -> Option<Found> {
    let kind = ViolationKind::ClassOrderInversion;
    let wanted = report::wanted(kind);
    let to = class_of(t, &attempt.lock, attempt.subclass);
    let mut refused: Option<(usize, ClassId, Vec<PathEdge>)> = None;
    for i in 0..t.held.len() {
        let source = t.held.id_at(i);
        if source == 0 || source == id {
            continue;
        }
        let (source_lock, subclass) = t.held.lock_at(i);
        let from = class_of(t, &source_lock, subclass);
        if knows_class_edge(t, from, to) {
            continue;
        }
        let (source_site, _) = t.held.site_at(i);
        let record = evidence(source_site, attempt.site);
        #[cfg(feature = "record")]
        let evidence = record.clone();
        match classes::add_edge((from, class_info(&source_lock)), (to, class_info(&attempt.lock)), record, wanted) {
            Ok(new) => {
                learn_class_edge(t, from, to);
                #[cfg(feature = "record")]
                if new {
                    let _untracked = Suspended::new();
                    super::recorder::class_order(
                        (&source_lock, subclass),
                        (&attempt.lock, attempt.subclass),
                        &evidence,
                    );
                }
                #[cfg(not(feature = "record"))]
                let _ = new;
            }
            Err(path) => {
                refused.get_or_insert((i, from, path));
            }
        }
    }
    let (index, from, path) = refused?;
    let source = t.held.get(index)?;
    let violation = wanted.then(|| {
        let class_attempt = Attempt { lock: class_info(&attempt.lock), ..*attempt };
        let this = this_acquisition(class_info(&source.lock), &source, class_attempt);
        // Class ids are small and lock ids random: a marker keeps them apart.
        cycle(t, kind, path, this, vec![u64::MAX, from])
    });
    Some(Found { violation, learn: Learn::ClassEdge(from, to) })
}

fn held_locks(t: &ThreadState) -> Vec<HeldLock> {
    held_locks_of(&t.held.to_vec())
}

/// How reports show the entries `held`.
pub(super) fn held_locks_of(held: &[HeldEntry]) -> Vec<HeldLock> {
    held.iter().map(|e| HeldLock { lock: e.lock, access: e.access.verb(), acquired_at: e.acquired_at }).collect()
}

/// The edge of the acquisition being attempted, from the held `source`
/// (shown as `from`).
fn this_acquisition(from: LockInfo, source: &HeldEntry, attempt: Attempt) -> Edge {
    Edge {
        from,
        to: attempt.lock,
        from_acquired_at: source.acquired_at,
        to_acquired_at: attempt.site,
        thread: thread_name(),
        trace: Arc::new(Trace::capture()),
    }
}

fn reacquire(t: &ThreadState, previous: &HeldEntry, attempt: Attempt) -> Violation {
    let edge = this_acquisition(previous.lock, previous, attempt);
    Violation::new(ViolationKind::Reacquire, vec![edge], held_locks(t), thread_name(), vec![previous.id])
}

/// A violation for the cycle `path` closed by `this`; `key` starts the key
/// that tells distinct cycles apart.
fn cycle(t: &ThreadState, kind: ViolationKind, path: Vec<PathEdge>, this: Edge, mut key: Vec<u64>) -> Violation {
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
    let thread = this.thread.clone();
    edges.push(this);
    Violation::new(kind, edges, held_locks(t), thread, key)
}
