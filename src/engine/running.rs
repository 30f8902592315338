//! Which owner of held sets runs on this thread now: the tokio task being
//! polled (by its id), or the thread itself.

#[cfg(feature = "tokio")]
use std::hash::Hasher;

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

/// The running task, if any, as reports name it.
pub(super) fn running_task() -> Option<u64> {
    #[cfg(feature = "tokio")]
    return Some(running()).filter(|&key| key != 0);
    #[cfg(not(feature = "tokio"))]
    None
}
