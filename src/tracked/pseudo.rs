//! Pseudo-locks: waits that are not for a lock, as nodes of the same graph.
//!
//! A thread that joins another, receives from a channel or waits on a
//! condvar waits for something another thread does: end, send, notify. If
//! that thread needs a lock the waiter holds first, both wait forever, and
//! no lock order shows it. So each such thing is a pseudo-lock:
//!
//! - waiting for it ([`PseudoLock::wait`]) is an acquisition: each held
//!   lock is ordered before it, checked like any order, and the watchdog
//!   sees the wait;
//! - doing it ([`PseudoLock::complete`]) orders it before each lock held
//!   then: whoever waits for it may be waiting for them;
//! - a thread's own end is held by the thread from its start
//!   ([`PseudoLock::run`]), so what it acquires is ordered after it.
//!
//! A cycle through a pseudo-lock is reported like a lock-order inversion,
//! and the report names the wait (`the end of the thread spawned at ..`).
//! Pseudo-locks take part in no class order (see `report::lock_info`).
//!
//! Without tracking a pseudo-lock is zero-sized and every method is empty.

use super::{Access, HeldToken, LockTracker};
use crate::LockClass;

/// What a pseudo-lock waits for (see `wait_kind` in `report::lock_info`).
#[derive(Clone, Copy, Debug)]
pub(crate) enum WaitKind {
    /// A thread's end: joined by its handle or its scope.
    ThreadEnd,
    /// A message on a channel: `recv` waits for it, `send` and dropping
    /// the last sender complete it.
    Message,
    /// A free slot in a bounded channel: a `send` into it waits for it,
    /// `recv` and dropping the receiver complete it.
    FreeSlot,
    /// A condvar's notification.
    Notification,
    /// The other threads' arrival at a barrier.
    Barrier,
}

impl WaitKind {
    const fn class(self) -> &'static LockClass {
        use crate::report::wait_kind::*;
        match self {
            WaitKind::ThreadEnd => &THREAD_END,
            WaitKind::Message => &MESSAGE,
            WaitKind::FreeSlot => &FREE_SLOT,
            WaitKind::Notification => &NOTIFICATION,
            WaitKind::Barrier => &BARRIER,
        }
    }
}

/// A wait that is not for a lock, made at the caller's location.
#[derive(Debug)]
pub(crate) struct PseudoLock {
    tracker: LockTracker,
}

impl PseudoLock {
    /// A pseudo-lock of `kind`, made (spawned, created) at the caller's
    /// location.
    #[track_caller]
    #[inline]
    pub(crate) const fn new(kind: WaitKind) -> Self {
        PseudoLock { tracker: LockTracker::in_class(None, kind.class()) }
    }

    /// Checks and records a wait for this, about to block: each held lock
    /// is ordered before it, a cycle is reported first, and the watchdog
    /// (when armed) sees the wait until the token is dropped, as the wait
    /// returns.
    #[track_caller]
    #[inline]
    pub(crate) fn wait(&self) -> HeldToken<'_> {
        self.tracker.acquire(Access::Wait)
    }

    /// A condition variable's wait for this notification, checked at the
    /// caller (a report points there): `mutex`, the condition variable's
    /// own, leaves the held set for the wait, as it is not held during it,
    /// and is then checked as taken again.
    #[track_caller]
    pub(crate) fn wait_relocking(&self, mutex: &mut HeldToken<'_>) -> HeldToken<'_> {
        mutex.suspend();
        let waiting = self.wait();
        mutex.resume();
        waiting
    }

    /// [`wait`](Self::wait) at `site`: for a wait in a closure (the end of
    /// a thread scope).
    #[inline]
    pub(crate) fn wait_at(&self, site: &'static std::panic::Location<'static>) -> HeldToken<'_> {
        self.tracker.acquire_at(Access::Wait, site)
    }

    /// Records that this thread completes the wait (sends, notifies) now:
    /// each lock it holds is ordered after this.
    #[track_caller]
    #[inline]
    pub(crate) fn complete(&self) {
        #[cfg(lockorder_tracking)]
        crate::engine::complete(&self.tracker.state, &self.tracker.info);
    }

    /// Holds this from now until the token is dropped, ordered before
    /// nothing: a thread's own end, held from its start.
    /// The hold starts where the pseudo-lock was made (the spawn).
    #[inline]
    pub(crate) fn run(&self) -> HeldToken<'_> {
        self.tracker.acquired_at(Access::Run, self.tracker.info().created_at())
    }
}
