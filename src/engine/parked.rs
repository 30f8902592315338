//! A lock's first in-edge, parked in the lock itself.
//!
//! Most locks are short-lived leaves: created, taken once under a
//! long-lived lock, dropped. Such a lock cannot be on a cycle while nothing
//! is acquired under it, and its in-edge matters only once something is.
//! So the first acquisition of a brand-new lock under exactly one held lock
//! parks the edge in the lock (the source's id and the edge's record)
//! instead of the registry: dropping the lock discards it, and nothing
//! global is touched.
//!
//! Invariant: a lock is never held by a thread acquiring another lock while
//! its parked edge is neither in the registry nor known to that thread.
//! - Every acquisition of a lock other than the parking one leaves the
//!   fast path on the `PARKED` flag and publishes the edge to the registry
//!   ([`settle`]) before the lock is held.
//! - The parking thread keeps the edge in its held entry, and publishes it
//!   when the lock, still held, becomes the source of an edge (the lock's
//!   promotion).
//!
//! So every cycle through a parked lock is in the graph when it closes.
//! Publishing twice is harmless: the registry keeps one edge per pair.

use std::panic::Location;

use super::id::{IdBlock, LockId};
use super::state::{LockState, PARKED};
use super::thread::{evidence_of, knows_class_order, ThreadState};
use super::{registry, Access};
use crate::report::LockInfo;

/// The id of a lock this thread is about to hold, allocated with `flags`
/// if it is new; a parked in-edge goes to the registry first.
pub(super) fn settle(state: &LockState, ids: &IdBlock, flags: u64, lock: &LockInfo) -> LockId {
    let id = state.id_with(ids, flags);
    if state.load().1 & PARKED != 0 {
        registry::publish_parked(state, id, *lock);
    }
    id
}

/// Takes this thread's guards dropped on other threads out of its sets
/// (see `moved`): out of the held set, or, with the `tokio` feature, out
/// of a set put away here. For this file and the slow path.
pub(super) fn take_posted(t: &ThreadState) {
    #[cfg(feature = "tokio")]
    super::moved::take_posted(t, super::owner::release_posted);
    #[cfg(not(feature = "tokio"))]
    super::moved::take_posted(t, |_| {});
}

/// Acquires a brand-new lock under exactly one held lock, whose class
/// order this thread knows, by parking the in-edge; `None` when this is
/// not that case (the slow path then does the work).
pub(super) fn park(
    t: &ThreadState,
    state: &LockState,
    lock: &LockInfo,
    access: Access,
    subclass: u8,
    site: &'static Location<'static>,
) -> Option<LockId> {
    if t.held.len() == 0 || !state.is_fresh() {
        return None;
    }
    // The held lock must really be held: guards of this thread dropped on
    // other threads leave first.
    take_posted(t);
    if t.held.len() != 1 {
        return None;
    }
    // Guards of this task dropped by other tasks leave first, as on the
    // slow path: the held lock must really be held.
    #[cfg(feature = "tokio")]
    {
        super::task::apply_released();
        if t.held.len() != 1 {
            return None;
        }
    }
    let from = t.held.id_at(0);
    let (from_site, in_graph) = t.held.site_at(0);
    // The source must already be in the graph, so that the edge has both
    // ends there once published.
    if from == 0 || !in_graph {
        return None;
    }
    if !knows_class_order(t, (0, from), lock, subclass) {
        return None;
    }
    let id = state.allocate_fresh(&t.ids, PARKED)?;
    let from_access = t.held.get(0).map_or(Access::Lock, |e| e.access);
    state.parked.fill(from, evidence_of((from_site, from_access), (site, access)));
    // Nothing goes in the thread's caches: a lock taken again is rare
    // among new ones, and its next acquisition takes the cold path anyway,
    // to publish the parked edge.
    t.held.push_parked((id, state.address()), lock, access, site, subclass, (from, from_site));
    Some(id)
}

#[cfg(test)]
mod tests {
    use std::panic::Location;
    use std::sync::Arc;

    use super::super::graph::EdgeRecord;
    use super::super::id::IdBlock;
    use super::super::state::{LockState, PARKED};
    use super::super::thread::evidence;

    /// A lock parked with `record`'s edge from `from`.
    fn parked_lock(ids: &IdBlock, from: u64, record: &Arc<EdgeRecord>) -> LockState {
        let state = LockState::new();
        state.allocate_fresh(ids, PARKED).unwrap();
        state.parked.fill(from, record.clone());
        state
    }

    #[test]
    fn a_parked_record_is_owned_by_its_lock_until_taken_or_dropped() {
        let site = Location::caller();
        let record = evidence(site, site);
        let count = Arc::strong_count(&record);
        let ids = IdBlock::new();

        // Taking it hands it over once; the lock then owns nothing.
        let state = parked_lock(&ids, 9, &record);
        assert_eq!(Arc::strong_count(&record), count + 1);
        let (from, taken) = state.parked.take(&state).unwrap();
        assert!(from == 9 && Arc::ptr_eq(&taken, &record));
        state.clear_flag(PARKED);
        assert!(state.parked.take(&state).is_none());
        drop((taken, state));
        assert_eq!(Arc::strong_count(&record), count);

        // Dropped on another thread: the reference goes back at once.
        let state = parked_lock(&ids, 7, &record);
        std::thread::spawn(move || drop(state)).join().unwrap();
        assert_eq!(Arc::strong_count(&record), count);

        // Dropped on this thread, whose last record it is: the reference
        // is kept as a spare, and the next request gets it.
        drop(parked_lock(&ids, 7, &record));
        assert_eq!(Arc::strong_count(&record), count + 1);
        let again = evidence(site, site);
        assert!(Arc::ptr_eq(&again, &record));
        assert_eq!(Arc::strong_count(&record), count + 1);
        drop(again);
        assert_eq!(Arc::strong_count(&record), count);
    }

    #[test]
    fn spare_references_go_with_the_thread() {
        let weak = std::thread::spawn(|| {
            let site = Location::caller();
            let record = evidence(site, site);
            for from in 1..4 {
                drop(parked_lock(&IdBlock::new(), from, &record));
            }
            Arc::downgrade(&record)
        })
        .join()
        .unwrap();
        assert!(weak.upgrade().is_none(), "the thread's spares kept its record alive");
    }
}
