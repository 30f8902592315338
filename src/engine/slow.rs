//! The slow path of an acquisition: new edges, re-acquisitions, reports.
//!
//! Runs when this thread's cache does not know every edge from the held
//! locks into the acquired one. Global state is touched here only, and no
//! internal lock is held when a report is built or raised. Instance orders
//! are checked first; when they are sound, the class orders are.

use std::hash::{Hash, Hasher};
use std::panic::Location;
use std::sync::Arc;

use rustc_hash::FxHasher;

use super::cache::Refusal;
use super::classes::{self, class_info, ClassId};
use super::graph::{Evidence, PathEdge};
use super::held::{acquisition_key, completion_key, held_locks_of, HeldEntry};
use super::id::LockId;
use super::state::{LockState, HAS_PENDING, IN_GRAPH};
use super::thread::{
    class_of, evidence, evidence_of, exiting, knows_class_edge, knows_nesting, learn_class_edge, learn_nesting,
    running_task, thread_name, Suspended, ThreadState, THREAD,
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
    /// The refused instance order. It is not learned as a known edge: once
    /// the cycle that refused it is broken (a lock on it is dropped), the
    /// order is legitimate and new, and must be recorded (an opposite
    /// order taken later is a real inversion).
    Refusal(Refusal),
    /// The refused class order (the instance orders were all recorded).
    /// Classes are never dropped: a class cycle stands for good.
    ClassEdge(ClassId, ClassId),
    /// A class nested within itself in these directions (recorded: only
    /// the first acquisition that completes both ways is reported).
    Nesting(ClassId, u8),
}

/// What is being acquired.
#[derive(Clone, Copy)]
struct Attempt {
    lock: LockInfo,
    access: Access,
    subclass: u8,
    site: &'static Location<'static>,
    /// Where the lock is.
    addr: usize,
}

#[track_caller]
pub(super) fn acquire(
    state: &LockState,
    lock: LockInfo,
    access: Access,
    subclass: u8,
    site: &'static Location<'static>,
) -> LockId {
    install_owner(state, site);
    let attempt = Attempt { lock, access, subclass, site, addr: state.address() };
    let inspected = THREAD.try_with(|t| {
        parked::take_posted(t);
        let chain = t.held.chain();
        let inspected = inspect(t, state, &attempt);
        keep_marks(t);
        (chain, inspected)
    });
    let Ok((chain, Inspected { id, found, learn_chain })) = inspected else {
        return 0;
    };
    if let Some(found) = found {
        if let Some(violation) = found.violation {
            let _untracked = Suspended::new();
            report::raise(violation, exiting());
        }
        // The policy let the thread go on.
        let _ = THREAD.try_with(|t| match found.learn {
            Learn::Nothing => {}
            Learn::Refusal(refusal) => t.refusals.insert(refusal),
            Learn::ClassEdge(from, to) => {
                learn_class_edge(t, from, to);
                if learn_chain {
                    t.known_chains.insert(chain, acquisition_key(id, subclass));
                }
            }
            Learn::Nesting(class, facts) => {
                learn_nesting(t, class, facts);
                if learn_chain {
                    t.known_chains.insert(chain, acquisition_key(id, subclass));
                }
            }
        });
    }
    let addr = attempt.addr;
    let entry = HeldEntry { id, lock, access, acquired_at: site, subclass, in_graph: false, parked: None, addr };
    THREAD.try_with(|t| if t.held.push(entry) { id } else { 0 }).unwrap_or(0)
}

/// Copies the marks just put on held entries (the lock became a node of
/// the graph while held) to where the running tokio task keeps its async
/// locks (see `owner::keep_marks`).
#[cfg_attr(not(feature = "tokio"), allow(unused_variables))]
fn keep_marks(t: &ThreadState) {
    #[cfg(feature = "tokio")]
    super::owner::keep_marks(t);
}

/// Makes the running task's held set the thread's (see `owner`), and lets
/// guards of this task dropped by other tasks leave first.
#[cfg_attr(not(feature = "tokio"), allow(unused_variables))]
fn install_owner(state: &LockState, site: &'static Location<'static>) {
    #[cfg(feature = "tokio")]
    {
        let found = THREAD.try_with(|t| {
            if super::owner::installed(t) && t.owner.get() & super::owner::ROOT_WAITS == 0 {
                return None;
            }
            super::owner::enter(t, state.load().0, site)
        });
        if let Ok(Some(violation)) = found {
            let _untracked = Suspended::new();
            report::raise(violation, exiting());
        }
        super::task::apply_released();
    }
}

/// Records the completion, at `site`, of the pseudo-lock `wait` (see
/// `tracked::pseudo`: a send, a notification) under this thread's held
/// locks: each is ordered after the pseudo-lock, for whoever waits for it
/// may be waiting for them. Waits held (a thread's own end) take no part.
/// The first order that would close a cycle is reported, as an
/// acquisition's is; then this thread does not judge the same completion
/// under the same held set again.
pub(super) fn complete(state: &LockState, wait: LockInfo, site: &'static Location<'static>) {
    install_owner(state, site);
    let found = THREAD.try_with(|t| {
        parked::take_posted(t);
        let id = parked::settle(state, &t.ids, 0, &wait);
        let wanted = report::wanted(ViolationKind::LockOrderInversion);
        let mut promoted = false;
        let mut refused: Option<(HeldEntry, Vec<PathEdge>)> = None;
        for i in 0..t.held.len() {
            let Some(held) = t.held.get(i) else { continue };
            if held.id == 0 || held.id == id || held.lock.is_wait() || t.known_edges.contains(id, held.id) {
                continue;
            }
            if !promoted {
                // A pseudo-lock is dropped with what made it (a channel, a
                // thread's handle): its node leaves the graph then.
                registry::promote(id, wait, None);
                state.set_flag(IN_GRAPH);
                promoted = true;
            }
            if !held.in_graph {
                let parked = t.held.parked_at(i).map(|(from, from_site)| (from, evidence(from_site, held.acquired_at)));
                registry::promote(held.id, held.lock, parked);
                t.held.mark_in_graph(i);
            }
            let record = evidence_of((site, Access::Complete), (held.acquired_at, held.access));
            match registry::add_edge_between_nodes((id, wait), (held.id, held.lock), record, wanted) {
                Ok(()) => t.known_edges.insert(id, held.id),
                Err(path) => {
                    refused.get_or_insert((held, path));
                }
            }
        }
        keep_marks(t);
        t.known_chains.insert(t.held.chain(), completion_key(id));
        let (held, path) = refused?;
        wanted.then(|| {
            let key = cycle_key(vec![id], &path);
            let completer = HeldEntry { id, lock: wait, access: Access::Complete, acquired_at: site, ..held };
            let attempt =
                Attempt { lock: held.lock, access: held.access, subclass: 0, site: held.acquired_at, addr: 0 };
            let this = this_acquisition(wait, &completer, attempt);
            cycle(t, ViolationKind::LockOrderInversion, path, this, key)
        })
    });
    if let Ok(Some(violation)) = found {
        let _untracked = Suspended::new();
        report::raise(violation, exiting());
    }
}

/// What [`inspect`] found of an acquisition.
struct Inspected {
    id: LockId,
    found: Option<Found>,
    /// Whether the fast path may learn the pair (held set, lock): every
    /// order is recorded or refused for good. Not for a granted re-entry,
    /// which stays on the slow path where re-entries are judged (else a
    /// later acquisition of the lock with the same locks held, say a
    /// `write` after a `read_recursive`, would go through unchecked); not
    /// while a refused order is skipped, whose cycle may yet be broken.
    learn_chain: bool,
}

fn inspect(t: &ThreadState, state: &LockState, attempt: &Attempt) -> Inspected {
    let len = t.held.len();
    // A lock first acquired here, under other locks, gets pending in-edges.
    let id = parked::settle(state, &t.ids, if len > 0 { HAS_PENDING } else { 0 }, &attempt.lock);
    let previous = (0..len).rev().find(|&i| t.held.id_at(i) == id).and_then(|i| t.held.get(i));
    if let Some(previous) = previous {
        if !attempt.access.reenters(previous.access) && !sibling_may_hold(attempt.access, previous.access) {
            let violation = report::wanted(ViolationKind::Reacquire).then(|| reacquire(t, &previous, *attempt));
            let found = Some(Found { violation, learn: Learn::Nothing });
            return Inspected { id, found, learn_chain: false };
        }
    }
    let broken_cycles = registry::broken_cycles();
    let (found, skipped) = match record_instance_orders(t, state, id, attempt, broken_cycles) {
        Orders::Refused(found) => return Inspected { id, found: Some(*found), learn_chain: false },
        Orders::Recorded { skipped } => (record_class_orders(t, id, attempt, broken_cycles), skipped),
    };
    let learn_chain = previous.is_none() && !skipped;
    if found.is_none() && learn_chain {
        t.known_chains.insert(t.held.chain(), acquisition_key(id, attempt.subclass));
    }
    Inspected { id, found, learn_chain }
}

/// The record of the edge from the held lock at `i` to the attempt's.
fn edge_evidence(t: &ThreadState, i: usize, attempt: &Attempt) -> Evidence {
    let (site, _) = t.held.site_at(i);
    let access = t.held.get(i).map_or(Access::Lock, |e| e.access);
    evidence_of((site, access), (attempt.site, attempt.access))
}

/// Whether an async re-acquisition may be waiting for another future of
/// the same task (see [`Access::may_wait_for_a_sibling`]): any `.await`,
/// whatever polls it (a tokio runtime, `futures::executor`, a test's
/// hand-made poll), since two futures polled side by side may share the
/// lock. A `blocking_*` call of a tokio lock the thread holds is a
/// self-deadlock: the thread itself waits, and nothing else runs on it.
fn sibling_may_hold(access: Access, held: Access) -> bool {
    #[cfg(feature = "tokio")]
    return access.may_wait_for_a_sibling(held) && !super::running::blocking_wait();
    #[cfg(not(feature = "tokio"))]
    {
        let _ = (access, held);
        false
    }
}

/// What [`record_instance_orders`] did.
enum Orders {
    /// Every order is recorded, but those `skipped`: refused earlier by a
    /// cycle that still stands, and reported then.
    Recorded { skipped: bool },
    /// An order closes a cycle not reported yet (boxed: a report is large,
    /// and rare).
    Refused(Box<Found>),
}

/// Whether this thread remembers `from -> to` refused by a cycle that
/// still stands: no refusing cycle was broken since it last looked.
fn refusal_stands(t: &ThreadState, from: LockId, to: LockId, broken_cycles: u64) -> bool {
    t.refusals.get(from, to).is_some_and(|r| r.broken_cycles == broken_cycles)
}

/// A hash of a violation's key, as a [`Refusal`] keeps it.
fn key_hash(key: &[u64]) -> u64 {
    let mut hasher = FxHasher::default();
    key.hash(&mut hasher);
    hasher.finish()
}

/// Records `held -> id` for every held lock; the first order that would
/// close a cycle not reported yet is refused and reported.
///
/// A refused order is remembered apart (see [`Learn::Refusal`]) with the
/// count of broken refusing cycles: while it has not moved, the order is
/// skipped without touching global state. Once it has, the order is tried
/// again: recorded if its cycle is gone, else refused again, silently if
/// by the same cycle.
fn record_instance_orders(
    t: &ThreadState,
    state: &LockState,
    id: LockId,
    attempt: &Attempt,
    broken_cycles: u64,
) -> Orders {
    let wanted = report::wanted(ViolationKind::LockOrderInversion);
    let mut refused: Option<(usize, Vec<PathEdge>, Vec<u64>)> = None;
    let mut skipped = false;
    for i in 0..t.held.len() {
        // Fields are read one by one: this loop is on the path of every new
        // lock taken under another.
        let source = t.held.id_at(i);
        // A granted re-entry adds no edge from the lock to itself.
        if source == 0 || source == id || t.known_edges.contains(source, id) {
            continue;
        }
        let earlier = t.refusals.get(source, id);
        if earlier.is_some_and(|r| r.broken_cycles == broken_cycles) {
            skipped = true;
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
        let record = edge_evidence(t, i, attempt);
        match registry::add_in_edge((source, source_lock), (id, attempt.lock), state, record, wanted) {
            Ok(()) => {
                t.known_edges.insert(source, id);
                if earlier.is_some() {
                    t.refusals.remove(source, id);
                }
            }
            Err(path) => {
                let key = cycle_key(vec![source], &path);
                let cycle = key_hash(&key);
                if earlier.is_some_and(|r| r.cycle == cycle) {
                    // Another refusing cycle was broken; this one stands.
                    t.refusals.insert(Refusal { from: source, to: id, broken_cycles, cycle });
                    skipped = true;
                } else if refused.is_none() {
                    refused = Some((i, path, key));
                }
            }
        }
    }
    let Some((index, path, key)) = refused else {
        return Orders::Recorded { skipped };
    };
    let Some(source) = t.held.get(index) else {
        return Orders::Recorded { skipped: true };
    };
    let refusal = Refusal { from: source.id, to: id, broken_cycles, cycle: key_hash(&key) };
    let violation = wanted.then(|| {
        let this = this_acquisition(source.lock, &source, *attempt);
        cycle(t, ViolationKind::LockOrderInversion, path, this, key)
    });
    Orders::Refused(Box::new(Found { violation, learn: Learn::Refusal(refusal) }))
}

/// Records the class order of every held lock into the acquired one's
/// class; the first that would close a cycle of classes is reported.
///
/// A held lock of the same class (by creation site, at the same nesting
/// level) is judged by the order of the two instances instead (see
/// `classes::nest`): the acquisition that nests the class both ways by
/// every key is reported, and before any cycle of classes.
///
/// A held lock whose instance order into this one stands refused is passed
/// by: that inversion was reported already, its class order would only
/// report it again. A lock in no class (made by `Default` or `From`, see
/// `LockInfo::is_unclassed`) has no class orders.
fn record_class_orders(t: &ThreadState, id: LockId, attempt: &Attempt, broken_cycles: u64) -> Option<Found> {
    if attempt.lock.is_unclassed() {
        return None;
    }
    let kind = ViolationKind::ClassOrderInversion;
    let wanted = report::wanted(kind);
    let to = class_of(t, &attempt.lock, attempt.subclass);
    let mut refused: Option<(usize, ClassId, Vec<PathEdge>)> = None;
    let mut nested: Option<(usize, u8, Vec<PathEdge>)> = None;
    for i in 0..t.held.len() {
        let source = t.held.id_at(i);
        if source == 0 || source == id || refusal_stands(t, source, id, broken_cycles) {
            continue;
        }
        let (source_lock, subclass) = t.held.lock_at(i);
        if source_lock.is_unclassed() {
            continue;
        }
        let from = class_of(t, &source_lock, subclass);
        if from == to && source_lock.class().is_none() {
            let facts = classes::nesting_facts((source, t.held.addr_at(i)), (id, attempt.addr));
            if knows_nesting(t, to, facts) {
                continue;
            }
            let record = edge_evidence(t, i, attempt);
            let edge =
                PathEdge { from: (source, class_info(&source_lock)), to: (id, class_info(&attempt.lock)), record };
            match classes::nest(to, facts, edge, wanted && nested.is_none()) {
                Ok(()) => learn_nesting(t, to, facts),
                Err(path) => nested = Some((i, facts, path)),
            }
            continue;
        }
        if knows_class_edge(t, from, to) {
            continue;
        }
        let record = edge_evidence(t, i, attempt);
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
    if let Some((index, facts, path)) = nested {
        let source = t.held.get(index)?;
        let class_attempt = Attempt { lock: class_info(&attempt.lock), ..*attempt };
        let this = this_acquisition(class_info(&source.lock), &source, class_attempt);
        let key = vec![u64::MAX, to, to];
        let violation = cycle(t, kind, path, this, key).nesting().advising(attempt.access.nested_method());
        return Some(Found { violation: Some(violation), learn: Learn::Nesting(to, facts) });
    }
    let (index, from, path) = refused?;
    let source = t.held.get(index)?;
    let violation = wanted.then(|| {
        let class_attempt = Attempt { lock: class_info(&attempt.lock), ..*attempt };
        let this = this_acquisition(class_info(&source.lock), &source, class_attempt);
        // Class ids are small and lock ids random: a marker keeps them apart.
        let key = cycle_key(vec![u64::MAX, from], &path);
        cycle(t, kind, path, this, key).advising(attempt.access.nested_method())
    });
    Some(Found { violation, learn: Learn::ClassEdge(from, to) })
}

fn held_locks(t: &ThreadState) -> Vec<HeldLock> {
    held_locks_of(&t.held.to_vec())
}

/// The edge of the acquisition being attempted, from the held `source`
/// (shown as `from`), and how each end is taken.
fn this_acquisition(from: LockInfo, source: &HeldEntry, attempt: Attempt) -> (Edge, (Access, Access)) {
    let edge = Edge {
        from,
        to: attempt.lock,
        from_acquired_at: source.acquired_at,
        to_acquired_at: attempt.site,
        thread: thread_name(),
        task: running_task(),
        trace: Arc::new(Trace::capture()),
    };
    (edge, (source.access, attempt.access))
}

fn reacquire(t: &ThreadState, previous: &HeldEntry, attempt: Attempt) -> Violation {
    let (edge, (held, taken)) = this_acquisition(previous.lock, previous, attempt);
    Violation::new(ViolationKind::Reacquire, vec![edge], held_locks(t), thread_name(), vec![previous.id])
        .with_accesses(vec![(held.verb(), taken.verb())])
}

/// The key that tells the cycle `path` apart from others, `start` (the
/// ids of what closes it) first: the ids of the cycle, sorted.
fn cycle_key(mut start: Vec<u64>, path: &[PathEdge]) -> Vec<u64> {
    start.extend(path.iter().map(|p| p.from.0));
    start.sort_unstable();
    start
}

/// A violation for the cycle `path` closed by `this` (the edge, and how
/// its `from` is held and its `to` acquired), told apart by `key`.
fn cycle(
    t: &ThreadState,
    kind: ViolationKind,
    path: Vec<PathEdge>,
    (this, this_accesses): (Edge, (Access, Access)),
    key: Vec<u64>,
) -> Violation {
    let mut accesses: Vec<(&'static str, &'static str)> =
        path.iter().map(|p| (p.record.accesses.0.verb(), p.record.accesses.1.verb())).collect();
    accesses.push((this_accesses.0.verb(), this_accesses.1.verb()));
    let mut edges: Vec<Edge> = path
        .into_iter()
        .map(|p| Edge {
            from: p.from.1,
            to: p.to.1,
            from_acquired_at: p.record.from_site,
            to_acquired_at: p.record.to_site,
            thread: p.record.thread.clone(),
            task: p.record.task,
            trace: p.record.trace.clone(),
        })
        .collect();
    let thread = this.thread.clone();
    edges.push(this);
    Violation::new(kind, edges, held_locks(t), thread, key).with_accesses(accesses)
}
