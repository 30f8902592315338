//! Tracked drop-ins for [parking_lot]'s locks, condition variable and
//! `Once`.
//!
//! Swap `use parking_lot::{Mutex, RwLock, ..}` for
//! `use lockorder::parking_lot::{Mutex, RwLock, ..}`: the signatures, the
//! `const fn` constructors and `const_*` functions, and the `Debug` output
//! are parking_lot's. The lock types are [`crate::lock_api`]'s over
//! parking_lot's raw locks, as in parking_lot itself, so the rules of that
//! module apply: `read_recursive` and re-entering a [`ReentrantMutex`] are
//! not reported (a plain `read` twice is), an upgradable read excludes
//! writers and other upgradable reads, `upgrade` is checked like a `write`,
//! and the timed `try_*_for`/`try_*_until` follow the `try_lock` rule when
//! they time out and the `lock` rule when they succeed.
//!
//! The guards are `Send` exactly when parking_lot's are (its `send_guard`
//! feature). A guard dropped on another thread than the one that took it
//! leaves that thread's held set, at that thread's next new order.
//!
//! # Examples
//!
//! ```
//! # if lockorder::enabled() {
//! use lockorder::parking_lot::Mutex;
//!
//! let a = Mutex::new_named("a", 0);
//! let b = Mutex::new_named("b", 0);
//! {
//!     let _a = a.lock();
//!     let _b = b.lock(); // a -> b
//! }
//! let report = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
//!     let _b = b.lock();
//!     let _a = a.lock(); // b -> a: reported before blocking
//! }))
//! .unwrap_err();
//! assert!(report.downcast_ref::<String>().unwrap().contains("a -> b -> a"));
//! # }
//! ```
//!
//! [parking_lot]: https://docs.rs/parking_lot/0.12

mod condvar;
mod fair_mutex;
mod mutex;
mod once;
mod remutex;
mod rwlock;

pub use self::condvar::Condvar;
pub use self::fair_mutex::{const_fair_mutex, FairMutex, FairMutexGuard, MappedFairMutexGuard};
pub use self::mutex::{const_mutex, MappedMutexGuard, Mutex, MutexGuard};
pub use self::once::Once;
pub use self::remutex::{const_reentrant_mutex, MappedReentrantMutexGuard, ReentrantMutex, ReentrantMutexGuard};
pub use self::rwlock::{
    const_rwlock, MappedRwLockReadGuard, MappedRwLockWriteGuard, RwLock, RwLockReadGuard, RwLockUpgradableReadGuard,
    RwLockWriteGuard,
};
pub use ::parking_lot::{OnceState, RawFairMutex, RawMutex, RawRwLock, RawThreadId, WaitTimeoutResult};
