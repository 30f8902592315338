//! Acquisitions recorded away from the call that asked for them.
//!
//! An async lock is asked for at `lock()` but checked when its future is
//! first polled, and a guard's `unlocked` re-acquires its lock inside a
//! closure: neither can forward `#[track_caller]`, so the site is captured
//! at the call and passed here. These go straight to the slow path, which
//! takes an explicit site; they are rare next to plain `lock()` calls.

use std::panic::Location;

use super::moved::{self, Hold};
use super::state::LockState;
use super::thread::THREAD;
use super::{slow, Access};
use crate::report::LockInfo;

/// [`acquire`](super::acquire) with the acquisition site given.
pub(crate) fn acquire_at(state: &LockState, lock: LockInfo, access: Access, site: &'static Location<'static>) -> Hold {
    match THREAD.try_with(|t| t.suspended.get()) {
        Ok(false) => moved::hold(slow::acquire(state, lock, access, 0, site)),
        _ => 0,
    }
}

/// A guard made for a lock this thread already holds through a forgotten
/// guard (lock_api's `make_guard_unchecked`): it takes over the newest held
/// entry of the lock, or is recorded as a successful `try` if there is none.
#[track_caller]
pub(crate) fn adopt(state: &LockState, lock: LockInfo, access: Access) -> Hold {
    let (id, _) = state.load();
    let held = id != 0
        && THREAD.try_with(|t| (0..t.held.len()).any(|i| t.held.get(i).is_some_and(|e| e.id == id))).unwrap_or(false);
    if held {
        moved::hold(id)
    } else {
        super::acquired(state, &lock, access)
    }
}

/// A lock unlocked without its guard (lock_api's `force_unlock`, whose
/// contract is that this thread forgot the guard): its newest held entry
/// goes.
pub(crate) fn release_forgotten(state: &LockState) {
    let (id, _) = state.load();
    super::release(state, moved::hold(id));
}
