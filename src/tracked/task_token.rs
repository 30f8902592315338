//! The token in a guard of an async lock: like [`HeldToken`], but it
//! remembers the task it was acquired in, since the guard may be dropped in
//! another task (an owned guard sent away) or after its task ended.
//!
//! [`HeldToken`]: super::HeldToken

#[cfg(not(lockorder_tracking))]
use std::marker::PhantomData;
#[cfg(lockorder_tracking)]
use std::panic::Location;

use super::{Access, LockTracker, Release};
#[cfg(lockorder_tracking)]
use crate::engine::{self, LockId, Owner};

/// Proof, kept in a guard of an async lock, that the lock is in the held
/// set of the task (or thread) that acquired it. Dropping it takes the lock
/// out of that set, wherever the drop happens.
#[must_use]
pub(crate) struct TaskToken<'a> {
    #[cfg(lockorder_tracking)]
    tracker: &'a LockTracker,
    #[cfg(lockorder_tracking)]
    id: LockId,
    #[cfg(lockorder_tracking)]
    owner: Owner,
    #[cfg(not(lockorder_tracking))]
    lock: PhantomData<&'a LockTracker>,
}

/// An async acquisition checked at its call (`lock()`): its orders are
/// recorded and any violation reported there, so that a panic points at
/// the caller, before the task can wait. Its future checks it again when
/// first polled ([`Checked::poll`]), as the held set may have changed in
/// between (`join!` of two acquisitions made before either is polled, a
/// future spawned into another task), and then waits (a wait the watchdog
/// sees when armed, until [`Checked::acquired`] or the drop); the lock
/// counts as held once the wait ends ([`Checked::acquired`]), so a wait
/// given up (`select!`, a timeout) leaves no trace.
///
/// An owned acquisition (`lock_owned()`) is not checked at the call: its
/// future is often spawned, and its orders are those of the task that
/// polls it.
///
/// It lives in the lock's future from the call to the end of the wait, as
/// one value: the first poll updates it in place (a value made from it
/// there would take room of its own in every future).
#[must_use]
pub(crate) struct Checked<'a> {
    tracker: &'a LockTracker,
    access: Access,
    /// The nesting level asked for (`lock_nested`), `0` otherwise.
    subclass: u8,
    #[cfg(lockorder_tracking)]
    site: &'static Location<'static>,
    /// The hash of the held set it was checked against at the call (`0`
    /// for an owned acquisition, which is not checked there).
    #[cfg(lockorder_tracking)]
    chain: u64,
    /// The watchdog's key of the wait, `0` when it is not armed (or the
    /// future was not polled yet).
    #[cfg(lockorder_tracking)]
    wait: u64,
}

impl<'a> Checked<'a> {
    /// The acquisition's first poll, before it waits: checked again if the
    /// held set of the task (or thread) running now is not the one checked
    /// at the call.
    pub(crate) fn poll(&mut self) {
        #[cfg(lockorder_tracking)]
        {
            let (state, info) = (&self.tracker.state, &self.tracker.info);
            let chain = (!self.access.owned()).then_some(self.chain);
            engine::recheck(state, info, (self.access, self.subclass), self.site, chain);
            if engine::watchdog::armed() {
                self.wait = engine::watchdog::begin(state.id(), info, self.access, self.site);
            }
        }
    }

    /// The wait is over: the lock counts as held by the task (or thread)
    /// running now until the token is dropped. An owned guard's is held by
    /// none, as it exists to be handed on.
    #[cfg_attr(not(lockorder_tracking), allow(unused_mut))]
    pub(crate) fn acquired(mut self) -> TaskToken<'a> {
        #[cfg(lockorder_tracking)]
        {
            engine::watchdog::end(std::mem::take(&mut self.wait));
            let tracker = self.tracker;
            if self.access.owned() {
                return TaskToken { tracker, id: 0, owner: engine::Owner::Task(0) };
            }
            let (state, info) = (&tracker.state, &tracker.info);
            let (id, owner) = engine::acquired_async_at(state, info, self.access, self.subclass, self.site);
            TaskToken { tracker, id, owner }
        }
        #[cfg(not(lockorder_tracking))]
        {
            let _ = (self.tracker, self.access, self.subclass);
            TaskToken { lock: PhantomData }
        }
    }
}

#[cfg(lockorder_tracking)]
impl Drop for Checked<'_> {
    fn drop(&mut self) {
        engine::watchdog::end(std::mem::take(&mut self.wait));
    }
}

impl LockTracker {
    /// Checks an async acquisition about to wait, asked for at the
    /// caller's location: called by `lock()` itself, before its future
    /// exists, so that a report (and a panic) points at the caller. Takes
    /// the fast path when the order is known.
    #[track_caller]
    #[inline(always)]
    pub(crate) fn check_task(&self, access: Access) -> Checked<'_> {
        self.check_task_nested(access, 0)
    }

    /// [`check_task`](Self::check_task) at nesting level `subclass` of the
    /// lock's class (`lock_nested`).
    #[track_caller]
    #[cfg_attr(debug_assertions, inline(never))]
    #[cfg_attr(not(debug_assertions), inline)]
    pub(crate) fn check_task_nested(&self, access: Access, subclass: u8) -> Checked<'_> {
        #[cfg(lockorder_tracking)]
        {
            // Not a closure: the check's `#[track_caller]` must see the caller.
            debug_assert!(!access.owned(), "an owned acquisition is not checked at the call: `owned_task`");
            let chain = engine::check(&self.state, &self.info, access, subclass);
            Checked { tracker: self, access, subclass, site: Location::caller(), chain, wait: 0 }
        }
        #[cfg(not(lockorder_tracking))]
        Checked { tracker: self, access, subclass }
    }

    /// Checks an acquisition by a `blocking_*` method, which blocks the
    /// thread: [`check_task`](Self::check_task) and the first poll at once.
    /// A lock the thread holds through an async guard is then judged a
    /// self-deadlock, where an `.await` may be waiting for another future
    /// that holds it (see `engine::BlockingWait`).
    #[track_caller]
    pub(crate) fn check_blocking(&self, access: Access) -> Checked<'_> {
        #[cfg(lockorder_tracking)]
        let _blocking = engine::BlockingWait::enter();
        let mut checked = self.check_task(access);
        checked.poll();
        checked
    }

    /// An owned async acquisition (`lock_owned()`), asked for at `site`:
    /// not checked at the call (see [`Checked`]).
    #[cfg_attr(not(lockorder_tracking), allow(unused_variables))]
    pub(crate) fn owned_task(&self, access: Access, site: &'static std::panic::Location<'static>) -> Checked<'_> {
        debug_assert!(access.owned());
        #[cfg(lockorder_tracking)]
        return Checked { tracker: self, access, subclass: 0, site, chain: 0, wait: 0 };
        #[cfg(not(lockorder_tracking))]
        Checked { tracker: self, access, subclass: 0 }
    }

    /// Records a successful `try_lock` of an async lock.
    #[track_caller]
    pub(crate) fn acquired_task(&self, access: Access) -> TaskToken<'_> {
        #[cfg(lockorder_tracking)]
        {
            let (id, owner) = engine::acquired_async_at(&self.state, &self.info, access, 0, Location::caller());
            TaskToken { tracker: self, id, owner }
        }
        #[cfg(not(lockorder_tracking))]
        {
            let _ = access;
            TaskToken { lock: PhantomData }
        }
    }
}

impl TaskToken<'_> {
    /// Changes how the lock is held without waiting (a downgrade); the
    /// entry moves to the task making the call.
    #[track_caller]
    pub(crate) fn retag(&mut self, access: Access) {
        #[cfg(lockorder_tracking)]
        {
            engine::release_from(&self.tracker.state, self.id, &self.owner);
            self.id = 0;
            let (state, info) = (&self.tracker.state, &self.tracker.info);
            (self.id, self.owner) = engine::acquired_async_at(state, info, access, 0, Location::caller());
        }
        #[cfg(not(lockorder_tracking))]
        let _ = access;
    }
}

impl Release for TaskToken<'_> {
    fn release(&mut self) {
        #[cfg(lockorder_tracking)]
        {
            engine::release_from(&self.tracker.state, self.id, &self.owner);
            self.id = 0;
        }
    }
}

#[cfg(lockorder_tracking)]
impl Drop for TaskToken<'_> {
    fn drop(&mut self) {
        engine::release_from(&self.tracker.state, self.id, &self.owner);
    }
}

impl std::fmt::Debug for TaskToken<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TaskToken")
    }
}
