//! Tracked wrappers generic over [lock_api]'s raw lock traits: one
//! `Mutex`, `ReentrantMutex` and `RwLock` for every raw lock, as lock_api
//! itself is written.
//!
//! Swap `lock_api::Mutex<R, T>` for `lockorder::lock_api::Mutex<R, T>`
//! (and the same for the other types and guards); the raw lock traits are
//! re-exported here so that one `use` line does it. Methods exist where the
//! raw lock has the capability, exactly as in lock_api: `try_lock_for`
//! needs [`RawMutexTimed`], `upgradable_read` needs [`RawRwLockUpgrade`],
//! and so on. [`crate::parking_lot`] is these types over parking_lot's raw
//! locks.
//!
//! What counts as an order, besides `lock`, `read` and `write`:
//!
//! - `read_recursive` is granted while this thread holds a read (of any
//!   kind) of the same lock, so re-entering it is not reported; it still
//!   records orders from the other held locks, and a plain `read` after it
//!   is reported (it can block behind a queued writer).
//! - A [`ReentrantMutex`] may be locked again by the thread that holds it;
//!   orders between it and other locks are recorded and checked as usual,
//!   so an ABBA through a re-entrant mutex is still reported.
//! - An upgradable read is exclusive against writers and other upgradable
//!   reads: taking one while this thread holds the lock is reported.
//!   `upgrade` waits for the readers to leave, so it is checked like a
//!   `write` taken at the `upgrade` call, with the other locks held then;
//!   `downgrade` (and `try_upgrade`) change how the lock is held without
//!   recording an order.
//! - Timed acquisitions (`try_lock_for`, `try_read_until`, ..) record
//!   nothing when they time out, as a failed `try_lock`, and count as the
//!   blocking acquisition when they succeed. The check is made once the
//!   lock is held: a timed wait cannot deadlock, but the order it completed
//!   in is a real one.
//! - `unlocked` and `bump` release the lock from the held set and check its
//!   re-acquisition, as a condition variable's wait does.
//!
//! lock_api's `arc_lock` guards (`lock_arc` and `ArcMutexGuard`) are not
//! wrapped.
//!
//! [lock_api]: https://docs.rs/lock_api/0.4

mod guard;
mod mutex;
mod mutex_guard;
mod remutex;
mod remutex_guard;
mod rwlock;
mod rwlock_read_guard;
mod rwlock_upgradable_guard;
mod rwlock_write_guard;
mod shared;

pub use self::mutex::Mutex;
pub use self::mutex_guard::{MappedMutexGuard, MutexGuard};
pub use self::remutex::ReentrantMutex;
pub use self::remutex_guard::{MappedReentrantMutexGuard, ReentrantMutexGuard};
pub use self::rwlock::RwLock;
pub use self::rwlock_read_guard::{MappedRwLockReadGuard, RwLockReadGuard};
pub use self::rwlock_upgradable_guard::RwLockUpgradableReadGuard;
pub use self::rwlock_write_guard::{MappedRwLockWriteGuard, RwLockWriteGuard};
pub use ::lock_api::{
    GetThreadId, GuardNoSend, GuardSend, RawMutex, RawMutexFair, RawMutexTimed, RawRwLock, RawRwLockDowngrade,
    RawRwLockFair, RawRwLockRecursive, RawRwLockRecursiveTimed, RawRwLockTimed, RawRwLockUpgrade,
    RawRwLockUpgradeDowngrade, RawRwLockUpgradeFair, RawRwLockUpgradeTimed,
};
