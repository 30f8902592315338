//! Tracked drop-ins for [`tokio::sync::Mutex`] and [`tokio::sync::RwLock`],
//! lock tracking per async task, and reports of blocking locks held across
//! an `.await`.
//!
//! Swap `use tokio::sync::{Mutex, RwLock}` for
//! `use lockorder::tokio::{Mutex, RwLock}`: the signatures are tokio's
//! (`lock().await`, `try_lock`, `lock_owned`, `blocking_lock`, the guards'
//! `map` and `downgrade`, ..), except that the owned guards need
//! `T: 'static`.
//!
//! # Orders between async locks
//!
//! `lock`, `read` and `write` are acquisitions like a blocking `lock`:
//! taking one while holding other locks (async or blocking) records their
//! orders before it, and an acquisition that would close a cycle, or take a
//! lock the task holds already, is reported when its future is first
//! polled: before the task waits, with the site of the `lock()` call. A
//! successful `try_lock` makes the lock held without ordering it. An
//! acquisition counts as held from its first poll, also while it waits,
//! until its guard is dropped (or its future is).
//!
//! # Per-task tracking
//!
//! Held locks belong to the *task*. Run the task's future in a [`scope`]
//! (which [`spawn`] and [`spawn_local`] do for you): around every poll the
//! task's held set is installed in place of the thread's, so a task that
//! moves to another worker thread with a guard held takes it along, and
//! two tasks polled on one thread do not see each other's locks.
//!
//! Outside any scope the crate falls back to per-thread tracking, as for
//! blocking locks: the locks a future holds are attributed to whichever
//! thread polls it. That is right for a `block_on` or a current-thread
//! runtime with one task, but on a multi-thread runtime a task that resumes
//! on another thread leaves its entries behind, and tasks interleaved on a
//! thread share one held set. Spawn with [`spawn`] (or wrap in [`scope`])
//! wherever tasks hold async locks across awaits.
//!
//! # Blocking locks held across an `.await`
//!
//! A `std::sync::MutexGuard` (or a parking_lot guard) held across an
//! `.await` parks the task with the lock held; another task polled on the
//! same thread that asks for the lock blocks the thread, and the runtime
//! hangs without a word. Inside a [`scope`], every poll that returns
//! `Pending` while the task holds a lockorder [`sync`](crate::sync) or
//! [`parking_lot`](crate#cargo-features) guard raises a
//! [`ViolationKind::HeldAcrossAwait`](crate::ViolationKind::HeldAcrossAwait)
//! through the same policy and handler as any violation, naming the lock,
//! where it was acquired, and the stack of the await. It is raised once per
//! hold (a lock still held, from the same site, at the task's next
//! suspensions is not reported again), and under
//! [`Policy::Warn`](crate::Policy::Warn) printed once per lock site and
//! await site. This finds the bug in the first run that suspends there,
//! whether or not another task ever contends. Holding the guard of a
//! [`Mutex`] or [`RwLock`] of this module across an await is what they are
//! for, and is not reported.
//!
//! # Guards that move between tasks
//!
//! A guard of an async lock remembers the task it was acquired in. Dropped
//! in another task (an owned guard sent away) or after its task ended, it
//! takes the lock out of that task's set (at that task's next poll), never
//! out of the set it happens to be dropped in. Until it is dropped, the
//! lock counts as held by the task that acquired it: if that task takes
//! the lock again meanwhile, it is reported.
//!
//! # Let clippy know the guard types
//!
//! Clippy's [`await_holding_lock`] knows std's and parking_lot's guards,
//! not lockorder's. Its [`await_holding_invalid_type`] lint takes a list of
//! types in `clippy.toml`; listing the blocking guards of lockorder there
//! makes clippy point at the await at compile time, while the
//! `HeldAcrossAwait` report covers what clippy cannot see (a guard held in
//! a struct, a generic, a macro):
//!
//! ```toml
//! # clippy.toml
//! await-holding-invalid-types = [
//!     { path = "lockorder::sync::MutexGuard", reason = "blocks the thread: use lockorder::tokio::Mutex" },
//!     { path = "lockorder::sync::RwLockReadGuard", reason = "blocks the thread: use lockorder::tokio::RwLock" },
//!     { path = "lockorder::sync::RwLockWriteGuard", reason = "blocks the thread: use lockorder::tokio::RwLock" },
//!     # parking_lot's guards are these types (lockorder::parking_lot only has aliases of them):
//!     "lockorder::lock_api::MutexGuard",
//!     "lockorder::lock_api::MappedMutexGuard",
//!     "lockorder::lock_api::ReentrantMutexGuard",
//!     "lockorder::lock_api::MappedReentrantMutexGuard",
//!     "lockorder::lock_api::RwLockReadGuard",
//!     "lockorder::lock_api::RwLockWriteGuard",
//!     "lockorder::lock_api::RwLockUpgradableReadGuard",
//!     "lockorder::lock_api::MappedRwLockReadGuard",
//!     "lockorder::lock_api::MappedRwLockWriteGuard",
//! ]
//! ```
//!
//! The lint is in clippy's `suspicious` group (on by default); this crate's
//! own `clippy.toml` and `examples/await_holding.rs` show it at work.
//!
//! # Examples
//!
//! ```
//! # if lockorder::enabled() {
//! use lockorder::tokio::Mutex;
//! use std::sync::Arc;
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let a = Arc::new(Mutex::new_named("a", 0));
//! let b = Arc::new(Mutex::new_named("b", 0));
//! // One task takes a, then b.
//! let (a2, b2) = (a.clone(), b.clone());
//! lockorder::tokio::spawn(async move {
//!     let _a = a2.lock().await;
//!     let _b = b2.lock().await;
//! })
//! .await
//! .unwrap();
//! // Another takes b, then a: reported before it waits for a.
//! let err = lockorder::tokio::spawn(async move {
//!     let _b = b.lock().await;
//!     let _a = a.lock().await;
//! })
//! .await
//! .unwrap_err();
//! let report = err.into_panic();
//! assert!(report.downcast_ref::<String>().unwrap().contains("a -> b -> a"));
//! # });
//! # }
//! ```
//!
//! [`await_holding_lock`]: https://rust-lang.github.io/rust-clippy/master/index.html#await_holding_lock
//! [`await_holding_invalid_type`]: https://rust-lang.github.io/rust-clippy/master/index.html#await_holding_invalid_type

mod mutex;
mod mutex_guard;
mod owned;
mod owned_mutex_guard;
mod owned_rwlock_read_guard;
mod owned_rwlock_write_guard;
mod rwlock;
mod rwlock_read_guard;
mod rwlock_write_guard;
mod scope;
mod shared;
mod spawn;

pub use self::mutex::Mutex;
pub use self::mutex_guard::{MappedMutexGuard, MutexGuard};
pub use self::owned_mutex_guard::{OwnedMappedMutexGuard, OwnedMutexGuard};
pub use self::owned_rwlock_read_guard::OwnedRwLockReadGuard;
pub use self::owned_rwlock_write_guard::{OwnedRwLockMappedWriteGuard, OwnedRwLockWriteGuard};
pub use self::rwlock::RwLock;
pub use self::rwlock_read_guard::RwLockReadGuard;
pub use self::rwlock_write_guard::{RwLockMappedWriteGuard, RwLockWriteGuard};
pub use self::scope::{scope, Scoped};
pub use self::spawn::{spawn, spawn_local};
pub use tokio::sync::TryLockError;
