//! Tracked drop-ins for [`tokio::sync::Mutex`], [`tokio::sync::RwLock`]
//! and [`tokio::sync::OnceCell`], lock tracking per async task, and reports
//! of blocking locks held across an `.await`.
//!
//! Swap `use tokio::sync::{Mutex, OnceCell, RwLock}` for
//! `use lockorder::tokio::{Mutex, OnceCell, RwLock}`: the signatures are
//! tokio's (`lock().await`, `try_lock`, `lock_owned`, `blocking_lock`, the
//! guards' `map` and `downgrade`, `get_or_init(..).await`, ..), except that
//! the owned guards need `T: 'static`. A [`OnceCell`]'s initialization is
//! an acquisition of the cell, held while the initializer runs: the tasks
//! that ask meanwhile wait for it.
//!
//! # Orders between async locks
//!
//! `lock`, `read` and `write` are acquisitions like a blocking `lock`:
//! taking one while holding other locks (async or blocking) records their
//! orders before it, and an acquisition that would close a cycle is
//! reported when `lock()` is called: before the task waits, and under the
//! default policy by a panic that points at that call. The future checks it
//! again when first polled if the locks held changed in between (a `join!`
//! of two acquisitions, a future spawned as a task of its own). The lock
//! counts as held once the wait ends, until its guard is dropped: a wait
//! given up (a losing `select!` branch, a timeout) leaves no trace. A
//! successful `try_lock` makes the lock held without ordering it.
//!
//! What is not judged: an async acquisition of a lock the task already
//! holds through an async guard (or a `get_or_init` of a cell whose
//! initializer the task runs). The held set knows the task, not the
//! future, and another future of the task (`join!`, `select!`,
//! `FuturesUnordered`) may be the holder, which goes on and lets go: the
//! everyday use of an async mutex. The same holds outside a runtime, for
//! the thread's locks, where an executor (`futures::executor::block_on`)
//! or a test polls futures side by side. The watchdog reports such a wait
//! if it lasts (see [`watchdog`](crate::watchdog)). A `blocking_lock` (or
//! `blocking_read`, `blocking_write`) of a tokio lock the thread holds is
//! reported as a re-acquisition: nothing else runs on the thread. Owned
//! acquisitions (`lock_owned`, ..) are checked when first polled, by the
//! task that polls them, as their futures are often spawned.
//!
//! An acquisition takes the lock as tokio's does, first-come first-served
//! and spending the task's cooperative budget; one that finds the lock
//! taken waits through tokio's own future, boxed (one allocation per wait),
//! which keeps the future of every `lock()` small.
//!
//! # Locks belong to the task tokio polls
//!
//! Nothing but the `use` lines has to change: every acquisition made while
//! tokio polls a task (plain `tokio::spawn`, `spawn_local`, `JoinSet`, ..)
//! belongs to that task, found through `tokio::task::try_id()`. A task that
//! moves to another worker thread with an async guard held takes it along,
//! and tasks polled one after another on one thread never see each other's
//! locks. The root future of a `block_on` (the body of `#[tokio::main]` or
//! `#[tokio::test]`) and plain threads have no task id: their locks are the
//! thread's. Reports name the task ("task 12 on thread
//! `tokio-runtime-worker`").
//!
//! [`spawn`], [`spawn_local`] and [`scope`] remain as the precise mode:
//! they report a blocking lock held across an `.await` at the suspension
//! itself, with the stack of the await, and reports name a task spawned by
//! [`spawn`] or [`spawn_local`] with where it was spawned ("task 12
//! (spawned at src/main.rs:40:5) on thread `tokio-runtime-worker`"), which
//! tokio does not tell for a plain `tokio::spawn`.
//!
//! # Blocking locks held across an `.await`
//!
//! A `std::sync::MutexGuard` (or a parking_lot guard) held across an
//! `.await` parks the task with the lock held; another task polled on the
//! same thread that asks for the lock blocks the thread, and the runtime
//! hangs without a word. lockorder reports it as
//! [`ViolationKind::HeldAcrossAwait`](crate::ViolationKind::HeldAcrossAwait),
//! through the same policy and handler as any violation:
//!
//! - a task suspended with a lockorder [`sync`](crate::sync) or
//!   [`parking_lot`](crate#cargo-features) guard is reported as soon as
//!   another task takes a lock on its thread, whether or not it asks for
//!   that one: before it can block, naming both tasks, the lock and where
//!   it was acquired, once per hold;
//! - the thread's own blocking locks (held by a `block_on` root, or around
//!   the `block_on`) are reported when a task polled on that thread asks
//!   for one: the thread would block on itself. A lock held around a
//!   `block_on` that no task wants (a test's serial mutex) is fine;
//! - two futures of one task or root (`join!`) where one holds the guard
//!   across an await and the other asks for it: the task asks for a lock
//!   it holds, reported as a re-acquisition;
//! - inside a [`scope`], the suspension itself is reported, with the stack
//!   of the await, whether or not anything else runs.
//!
//! Under [`Policy::Warn`](crate::Policy::Warn) each is printed once per
//! lock site and the site that found it. Holding the guard of a [`Mutex`]
//! or [`RwLock`] of this module across an await is what they are for, and
//! is not reported.
//!
//! # Guards that move between tasks
//!
//! An owned guard (`lock_owned`, `read_owned`, `write_owned`) exists to be
//! handed to another task, so it belongs to no task: its acquisition is
//! checked against the locks the task holds, but it is the source of no
//! order, and the task asking for the lock again is no self-deadlock (the
//! guard may be anywhere, to be dropped there). A borrowed guard remembers
//! the task it was acquired in: dropped in another task or after its task
//! ended, it takes the lock out of that task's set, never out of the set it
//! happens to be dropped in.
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
//! // One task takes a, then b (plain `tokio::spawn`: nothing to wrap).
//! let (a2, b2) = (a.clone(), b.clone());
//! tokio::spawn(async move {
//!     let _a = a2.lock().await;
//!     let _b = b2.lock().await;
//! })
//! .await
//! .unwrap();
//! // Another takes b, then a: reported before it waits for a.
//! let err = tokio::spawn(async move {
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
mod once_cell;
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
mod wait;

pub use self::mutex::Mutex;
pub use self::mutex_guard::{MappedMutexGuard, MutexGuard};
pub use self::once_cell::{OnceCell, SetError};
pub use self::owned_mutex_guard::{OwnedMappedMutexGuard, OwnedMutexGuard};
pub use self::owned_rwlock_read_guard::OwnedRwLockReadGuard;
pub use self::owned_rwlock_write_guard::{OwnedRwLockMappedWriteGuard, OwnedRwLockWriteGuard};
pub use self::rwlock::RwLock;
pub use self::rwlock_read_guard::RwLockReadGuard;
pub use self::rwlock_write_guard::{RwLockMappedWriteGuard, RwLockWriteGuard};
pub use self::scope::{scope, Scoped};
pub use self::spawn::{spawn, spawn_local};
pub use tokio::sync::TryLockError;
