//! The tracking engine: ids, held sets, the per-thread caches, the global
//! graphs of lock instances and of lock classes, per-task held sets.
//!
//! It knows nothing of std, parking_lot or tokio types: it sees a
//! [`LockState`] (the lock's id and flags, and a slot for a parked order),
//! a [`LockInfo`], an [`Access`], a nesting level and the caller's
//! `Location`. The fast path ([`acquire`] when this thread's cache knows
//! the pair (held-set hash, lock)) touches only thread-local state; a new
//! lock taken under one held lock parks that order in itself ([`parked`]);
//! the slow path ([`slow`]) records new instance and class orders and
//! reports cycles.
//!
//! The files are layered one way; each uses only those above it:
//! - ids and small tables: `id`, `cache`, `running` (which owner runs);
//! - held sets and graphs: `held`, `graph`, `classes`, `last_record`,
//!   `recorder`;
//! - per-thread state: `thread`, then `moved` (guards dropped on other
//!   threads), then `owner` (tokio tasks' held sets) and
//!   `watchdog`, then `startup` (what the first lock starts);
//! - the per-lock state word and its parked slot: `state`;
//! - the global side: `registry`, `task` (guards dropped by other tasks),
//!   `parked`;
//! - the slow path: `slow`;
//! - the entry points: `hooks`, `transition`.

#[cfg(lockorder_tracking)]
mod cache;
#[cfg(lockorder_tracking)]
mod classes;
#[cfg(lockorder_tracking)]
mod graph;
#[cfg(lockorder_tracking)]
mod held;
#[cfg(lockorder_tracking)]
mod hooks;
#[cfg(lockorder_tracking)]
mod id;
#[cfg(lockorder_tracking)]
mod last_record;
#[cfg(lockorder_tracking)]
mod moved;
#[cfg(all(lockorder_tracking, feature = "tokio"))]
mod owner;
#[cfg(lockorder_tracking)]
mod parked;
#[cfg(all(lockorder_tracking, feature = "record"))]
mod recorder;
#[cfg(lockorder_tracking)]
mod registry;
#[cfg(lockorder_tracking)]
mod running;
#[cfg(lockorder_tracking)]
mod slow;
#[cfg(lockorder_tracking)]
mod startup;
#[cfg(lockorder_tracking)]
mod state;
#[cfg(all(lockorder_tracking, feature = "tokio"))]
mod task;
#[cfg(lockorder_tracking)]
mod thread;
#[cfg(lockorder_tracking)]
mod transition;
#[cfg(lockorder_tracking)]
pub(crate) mod watchdog;

#[cfg(lockorder_tracking)]
pub(crate) use self::classes::picture as class_picture;
#[cfg(lockorder_tracking)]
pub(crate) use self::hooks::{
    acquire, acquire_nested, acquire_nested_at, acquired, acquired_nested_at, complete, dropped, release, touch,
};
#[cfg(all(lockorder_tracking, feature = "tokio"))]
pub(crate) use self::hooks::{acquired_async_at, check, recheck};
#[cfg(all(lockorder_tracking, feature = "tokio"))]
pub(crate) use self::id::LockId;
#[cfg(lockorder_tracking)]
pub(crate) use self::moved::{Hold, WAITING};
#[cfg(lockorder_tracking)]
pub(crate) use self::registry::graph_size;
#[cfg(lockorder_tracking)]
pub(crate) use self::registry::picture;
#[cfg(all(lockorder_tracking, feature = "tokio"))]
pub(crate) use self::running::BlockingWait;
#[cfg(lockorder_tracking)]
pub(crate) use self::state::LockState;
#[cfg(all(lockorder_tracking, feature = "tokio"))]
pub(crate) use self::task::{note_await, release_from, Inbox, Owner, TaskHeld};
#[cfg(lockorder_tracking)]
pub(crate) use self::transition::{acquire_at, adopt, release_forgotten};

/// How a lock is being acquired.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Access {
    /// `lock()`: exclusive.
    Lock,
    /// `read()`: shared, but not recursive (a queued writer blocks it).
    Read,
    /// `write()`: exclusive.
    Write,
    /// Initialization or access of a once-cell.
    Once,
    /// `lock()` of a re-entrant mutex: re-entering it while this thread
    /// holds it is fine.
    #[cfg_attr(not(feature = "lock_api"), allow(dead_code))]
    Reentrant,
    /// `read_recursive()`: shared, and granted while this thread holds any
    /// read lock of the same lock, even with a writer queued.
    #[cfg_attr(not(feature = "lock_api"), allow(dead_code))]
    ReadRecursive,
    /// `upgradable_read()`: shared with plain readers, exclusive against
    /// writers and other upgradable readers.
    #[cfg_attr(not(feature = "lock_api"), allow(dead_code))]
    Upgradable,
    /// An async mutex's `lock()`: exclusive, and it suspends the task
    /// instead of blocking the thread.
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    AsyncLock,
    /// An async lock's `read()`: shared, not recursive.
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    AsyncRead,
    /// An async lock's `write()`: exclusive.
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    AsyncWrite,
    /// [`AsyncLock`](Access::AsyncLock) with an owned guard
    /// (`lock_owned`), which exists to be handed to another task: its
    /// orders in are checked at the call, but it is held by no task (it may
    /// be anywhere), so it is the source of no order and asking for the
    /// lock again is no self-deadlock.
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    AsyncLockOwned,
    /// [`AsyncRead`](Access::AsyncRead) with an owned guard (`read_owned`).
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    AsyncReadOwned,
    /// [`AsyncWrite`](Access::AsyncWrite) with an owned guard
    /// (`write_owned`).
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    AsyncWriteOwned,
    /// The initialization of an async once-cell (`get_or_init`): exclusive
    /// while the initializer runs, and the tasks that ask meanwhile wait
    /// without blocking their threads.
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    AsyncOnce,
    /// A wait for a pseudo-lock (see `tracked::pseudo`): joining a thread,
    /// receiving from a channel, waiting on a condvar. Held only for the
    /// wait itself.
    Wait,
    /// A thread's hold of its own end, from its start to its end: what it
    /// acquires is ordered after it. It blocks nothing while held.
    Run,
    /// The completion of a pseudo-lock (a send, a notification, a thread's
    /// end) under the locks held then: the edge goes from the pseudo-lock
    /// to each of them.
    Complete,
}

impl Access {
    /// Every access, in declaration order: `ALL[a as usize] == a`.
    pub(super) const ALL: [Access; 17] = [
        Access::Lock,
        Access::Read,
        Access::Write,
        Access::Once,
        Access::Reentrant,
        Access::ReadRecursive,
        Access::Upgradable,
        Access::AsyncLock,
        Access::AsyncRead,
        Access::AsyncWrite,
        Access::AsyncLockOwned,
        Access::AsyncReadOwned,
        Access::AsyncWriteOwned,
        Access::AsyncOnce,
        Access::Wait,
        Access::Run,
        Access::Complete,
    ];

    /// Whether a hold this way excludes every other owner (thread, task)
    /// from holding the lock at all at the same time: then an entry of the
    /// lock on top of a thread's held set is the one its guard made,
    /// whichever owner's set is installed (see `hooks::release`).
    #[inline(always)]
    pub(super) const fn excludes_other_owners(self) -> bool {
        matches!(self, Access::Lock | Access::Write | Access::Once | Access::AsyncOnce | Access::Wait | Access::Run)
    }

    /// The verb reports use for this access.
    pub(crate) fn verb(self) -> &'static str {
        match self {
            Access::Lock => "lock",
            Access::Read => "read",
            Access::Write => "write",
            Access::Once => "init",
            Access::AsyncOnce => "async init",
            Access::Reentrant => "reentrant lock",
            Access::ReadRecursive => "recursive read",
            Access::Upgradable => "upgradable read",
            Access::AsyncLock | Access::AsyncLockOwned => "async lock",
            Access::AsyncRead | Access::AsyncReadOwned => "async read",
            Access::AsyncWrite | Access::AsyncWriteOwned => "async write",
            Access::Wait => "wait for",
            Access::Run => "run until",
            Access::Complete => "deliver",
        }
    }

    /// The method that takes a lock this way at a nesting level of its
    /// class, if the lock types have one: what a same-class report advises.
    pub(crate) fn nested_method(self) -> Option<&'static str> {
        match self {
            Access::Lock | Access::AsyncLock | Access::AsyncLockOwned | Access::Reentrant => Some("lock_nested"),
            Access::Read | Access::AsyncRead | Access::AsyncReadOwned => Some("read_nested"),
            Access::Write | Access::AsyncWrite | Access::AsyncWriteOwned => Some("write_nested"),
            Access::Once
            | Access::AsyncOnce
            | Access::ReadRecursive
            | Access::Upgradable
            | Access::Wait
            | Access::Run
            | Access::Complete => None,
        }
    }

    /// Whether acquiring with `self` a lock this thread already holds with
    /// `held` is granted at once (a re-entry, not a self-deadlock).
    pub(crate) fn reenters(self, held: Access) -> bool {
        match self {
            Access::Reentrant => held == Access::Reentrant,
            Access::ReadRecursive => matches!(held, Access::Read | Access::ReadRecursive | Access::Upgradable),
            _ => false,
        }
    }

    /// Whether an acquisition with `self` of an async lock that the running
    /// task (or `block_on` root) holds with `held` may be waiting for
    /// another future of the same task: both are async. Such a re-entry is
    /// not judged (see `slow::inspect`): the holder may be a sibling future
    /// (`join!`, `select!`, `FuturesUnordered`) that goes on and lets go,
    /// and the held set knows the task, not the future. Reporting it would
    /// cry wolf on the async mutex's everyday use, sharing state between
    /// futures.
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    pub(crate) fn may_wait_for_a_sibling(self, held: Access) -> bool {
        !self.blocks_thread() && !held.blocks_thread()
    }

    /// Whether the guard is an owned async one, held by no task.
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    pub(crate) fn owned(self) -> bool {
        matches!(self, Access::AsyncLockOwned | Access::AsyncReadOwned | Access::AsyncWriteOwned)
    }

    /// Whether a holder blocks its thread while waiting: every lock but the
    /// async ones and a thread's hold of its own end (which nobody else
    /// acquires: joining it waits for it instead). Such a lock held across an `.await` can hang the thread
    /// of another task that waits for it.
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    pub(crate) fn blocks_thread(self) -> bool {
        !matches!(
            self,
            Access::AsyncLock
                | Access::AsyncRead
                | Access::AsyncWrite
                | Access::AsyncLockOwned
                | Access::AsyncReadOwned
                | Access::AsyncWriteOwned
                | Access::AsyncOnce
                | Access::Run
        )
    }
}
