//! Which owner of held sets runs on this thread now: the tokio task being
//! polled (by its id), or the thread itself.

#[cfg(feature = "tokio")]
use std::cell::Cell;
#[cfg(feature = "tokio")]
use std::hash::Hasher;
#[cfg(feature = "tokio")]
use std::panic::Location;

use crate::report::TaskName;

/// Set in `ThreadState::owner` while the thread's own stashed set holds a
/// blocking lock: every acquisition of a task here then takes the cold
/// path, which checks the lock against the thread's.
#[cfg(feature = "tokio")]
pub(super) const ROOT_WAITS: u64 = 1 << 63;

/// The owner running now: the id of the task tokio polls, or `0` for the
/// thread itself.
#[cfg(feature = "tokio")]
#[inline]
pub(super) fn running() -> u64 {
    tokio::task::try_id().map_or(0, task_key)
}

#[cfg(feature = "tokio")]
/// The number behind a task id (it displays as this number).
fn task_key(id: tokio::task::Id) -> u64 {
    /// Keeps the `u64` an id hashes as.
    #[derive(Default)]
    struct Number(u64);
    impl Hasher for Number {
        fn finish(&self) -> u64 {
            self.0
        }
        fn write(&mut self, bytes: &[u8]) {
            for &b in bytes {
                self.0 = self.0.rotate_left(8) ^ u64::from(b);
            }
        }
        fn write_u64(&mut self, n: u64) {
            self.0 = n;
        }
    }
    let mut number = Number::default();
    std::hash::Hash::hash(&id, &mut number);
    number.0 & !ROOT_WAITS
}

#[cfg(feature = "tokio")]
thread_local! {
    /// Where the task being polled here was spawned, if it was spawned
    /// through lockorder (`lockorder::tokio::spawn`): set by its scope
    /// around each poll (see `task::TaskHeld::enter`).
    static SPAWNED_AT: Cell<Option<&'static Location<'static>>> = const { Cell::new(None) };
}

/// Names `site` as where the task polled here now was spawned (`None`: not
/// known); what was named before comes back, to be named again when the
/// poll ends.
#[cfg(feature = "tokio")]
pub(super) fn name_spawn_site(site: Option<&'static Location<'static>>) -> Option<&'static Location<'static>> {
    SPAWNED_AT.try_with(|s| s.replace(site)).ok().flatten()
}

/// The running task, if any, as reports name it (slow path only).
pub(super) fn running_task() -> Option<TaskName> {
    #[cfg(feature = "tokio")]
    return Some(running())
        .filter(|&key| key != 0)
        .map(|id| TaskName { id, spawned_at: SPAWNED_AT.try_with(Cell::get).ok().flatten() });
    #[cfg(not(feature = "tokio"))]
    None
}

#[cfg(feature = "tokio")]
thread_local! {
    /// Set while a tokio lock's `blocking_*` method checks its acquisition:
    /// the thread itself is about to block, not one future among others.
    static BLOCKING: Cell<bool> = const { Cell::new(false) };
}

/// Marks the thread as blocking in a tokio lock's `blocking_*` method
/// until dropped: a lock the thread holds through an async guard is then
/// a self-deadlock, where a future's `.await` may be waiting for a sibling
/// future that holds it (see [`Access::may_wait_for_a_sibling`]).
///
/// [`Access::may_wait_for_a_sibling`]: super::Access::may_wait_for_a_sibling
#[cfg(feature = "tokio")]
#[must_use]
pub(crate) struct BlockingWait {
    previous: bool,
}

#[cfg(feature = "tokio")]
impl BlockingWait {
    pub(crate) fn enter() -> BlockingWait {
        BlockingWait { previous: BLOCKING.try_with(|b| b.replace(true)).unwrap_or(false) }
    }
}

#[cfg(feature = "tokio")]
impl Drop for BlockingWait {
    fn drop(&mut self) {
        let _ = BLOCKING.try_with(|b| b.set(self.previous));
    }
}

/// Whether this thread is in a tokio lock's `blocking_*` method (slow
/// path only).
#[cfg(feature = "tokio")]
pub(super) fn blocking_wait() -> bool {
    BLOCKING.try_with(Cell::get).unwrap_or(false)
}
