//! The tracking engine: ids, held sets, the edge cache, the global graph.
//!
//! It knows nothing of std, parking_lot or tokio types: it sees a
//! [`LockState`] word, a [`LockInfo`], an [`Access`] and the caller's
//! `Location`. The fast path ([`acquire`] when every edge from the held
//! locks is in this thread's cache) touches only thread-local state; the
//! slow path ([`slow`]) records new edges and reports cycles.

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
mod registry;
#[cfg(lockorder_tracking)]
mod slow;
#[cfg(lockorder_tracking)]
mod thread;

#[cfg(lockorder_tracking)]
pub(crate) use self::hooks::{acquire, acquire_nested, acquired, dropped, release};
#[cfg(lockorder_tracking)]
pub(crate) use self::id::{LockId, LockState};
#[cfg(lockorder_tracking)]
pub(crate) use self::registry::graph_size;

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
}

impl Access {
    /// The verb reports use for this access.
    pub(crate) fn verb(self) -> &'static str {
        match self {
            Access::Lock => "lock",
            Access::Read => "read",
            Access::Write => "write",
            Access::Once => "init",
        }
    }
}
