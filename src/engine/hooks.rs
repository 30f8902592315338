//! The entry points the tracked lock core calls: the fast path and its
//! hand-off to the slow path.
//!
//! The fast path of an acquisition reads the lock's id, and, when locks
//! are held, looks the pair (held-set hash, id) up in this thread's cache:
//! one probe whatever the depth. A hit means every edge is already known;
//! then the lock is pushed on the held stack. Nothing global is touched,
//! nothing is allocated, no stack is captured.

use std::panic::Location;

use super::held::{acquisition_key, HeldEntry, INLINE};
use super::id::{LockId, LockState, HAS_PENDING, IN_GRAPH};
use super::thread::THREAD;
use super::{registry, slow, Access};
use crate::report::LockInfo;

/// Records an acquisition about to block: reports a cycle or a
/// re-acquisition first, then marks the lock held. Returns the id to give
/// back to [`release`], or `0` when the acquisition is not tracked.
#[track_caller]
#[inline]
pub(crate) fn acquire(state: &LockState, lock: &LockInfo, access: Access) -> LockId {
    acquire_nested(state, lock, access, 0)
}

/// [`acquire`] at nesting level `subclass` of the lock's class.
#[track_caller]
#[inline]
pub(crate) fn acquire_nested(state: &LockState, lock: &LockInfo, access: Access, subclass: u8) -> LockId {
    let site = Location::caller();
    let known = THREAD.try_with(|t| {
        if t.suspended.get() {
            return Some(0);
        }
        let id = state.id(&t.ids);
        let len = t.held.len();
        if len != 0 && (len > INLINE || !t.known_chains.contains(t.held.chain(), acquisition_key(id, subclass))) {
            return None;
        }
        let entry = HeldEntry { id, lock: *lock, access, acquired_at: site, subclass, in_graph: false };
        Some(if t.held.push(entry) { id } else { 0 })
    });
    match known {
        Ok(Some(id)) => id,
        Ok(None) => slow::acquire(state, *lock, access, subclass, site),
        Err(_) => 0,
    }
}

/// Marks a lock held after a successful `try_*`: a source of later edges,
/// but no edge into it and no report.
#[track_caller]
#[inline]
pub(crate) fn acquired(state: &LockState, lock: &LockInfo, access: Access) -> LockId {
    let site = Location::caller();
    THREAD
        .try_with(|t| {
            if t.suspended.get() {
                return 0;
            }
            let id = state.id(&t.ids);
            let entry = HeldEntry { id, lock: *lock, access, acquired_at: site, subclass: 0, in_graph: false };
            if t.held.push(entry) {
                id
            } else {
                0
            }
        })
        .unwrap_or(0)
}

/// Marks the lock `id` released by this thread.
#[inline]
pub(crate) fn release(state: &LockState, id: LockId) {
    if id == 0 {
        return;
    }
    let in_graph = THREAD.try_with(|t| t.held.remove(id)).ok().flatten();
    if in_graph == Some(true) {
        state.set_flag(IN_GRAPH);
    }
}

/// Forgets a lock that is being dropped.
#[inline]
pub(crate) fn dropped(state: &LockState) {
    let (id, flags) = state.load();
    if flags & (HAS_PENDING | IN_GRAPH) != 0 {
        registry::forget(id);
    }
}
