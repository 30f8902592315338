//! Tracked drop-ins for the locks of [`std::sync`].
//!
//! Swap `use std::sync::{Mutex, RwLock, ..}` for
//! `use lockorder::sync::{Mutex, RwLock, ..}`; the signatures, results,
//! poisoning and `Debug` output are std's. [`Barrier`] and the channels of
//! [`mpsc`] are checked too: their blocking waits take part in the
//! lock-order graph.

mod barrier;
mod condvar;
mod lazy_lock;
pub mod mpsc;
mod mutex;
mod once;
mod once_lock;
mod poison;
mod poisoning_lock;
mod rwlock;

pub use self::barrier::Barrier;
pub use self::condvar::Condvar;
pub use self::lazy_lock::LazyLock;
pub use self::mutex::{Mutex, MutexGuard};
pub use self::once::Once;
pub use self::once_lock::OnceLock;
pub use self::rwlock::{RwLock, RwLockReadGuard, RwLockWriteGuard};
pub use std::sync::{
    BarrierWaitResult, LockResult, OnceState, PoisonError, TryLockError, TryLockResult, WaitTimeoutResult,
};
