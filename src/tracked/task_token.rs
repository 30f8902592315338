//! The token in a guard of an async lock: like [`HeldToken`], but it
//! remembers the task it was acquired in, since the guard may be dropped in
//! another task (an owned guard sent away) or after its task ended.
//!
//! [`HeldToken`]: super::HeldToken

#[cfg(not(lockorder_tracking))]
use std::marker::PhantomData;
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

impl LockTracker {
    /// Records an async acquisition asked for at `site` and about to wait:
    /// called when its future is first polled, before the task can wait.
    pub(crate) fn acquire_task_at(&self, access: Access, site: &'static Location<'static>) -> TaskToken<'_> {
        #[cfg(lockorder_tracking)]
        return TaskToken {
            tracker: self,
            id: engine::acquire_at(&self.state, self.info, access, site),
            owner: engine::current_owner(),
        };
        #[cfg(not(lockorder_tracking))]
        {
            let _ = (access, site);
            TaskToken { lock: PhantomData }
        }
    }

    /// Records an async acquisition that blocks the thread
    /// (`blocking_lock`).
    #[track_caller]
    pub(crate) fn acquire_task_blocking(&self, access: Access) -> TaskToken<'_> {
        self.acquire_task_at(access, Location::caller())
    }

    /// Records a successful `try_lock` of an async lock.
    #[track_caller]
    pub(crate) fn acquired_task(&self, access: Access) -> TaskToken<'_> {
        #[cfg(lockorder_tracking)]
        return TaskToken {
            tracker: self,
            id: engine::acquired(&self.state, &self.info, access),
            owner: engine::current_owner(),
        };
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
            self.owner = engine::current_owner();
            self.id = engine::acquired(&self.tracker.state, &self.tracker.info, access);
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
