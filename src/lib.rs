//! Drop-in locks that find deadlocks before they happen.
//!
//! Every acquisition of a lockorder lock is recorded in one global
//! lock-order graph. When an acquisition would close a cycle (a lock-order
//! inversion such as the classic `A -> B` on one thread and `B -> A` on
//! another) or re-acquire a lock the thread already holds, lockorder stops
//! *before* the thread blocks and reports the whole cycle, with where each
//! lock was acquired and the backtraces of the acquisitions. The threads do
//! not need to actually deadlock: one run in which each order happens once
//! is enough.
//!
//! ```
//! # if lockorder::enabled() {
//! use lockorder::sync::Mutex;
//!
//! let accounts = Mutex::new_named("accounts", 0);
//! let audit = Mutex::new_named("audit", 0);
//!
//! // One code path locks accounts, then audit.
//! {
//!     let _accounts = accounts.lock().unwrap();
//!     let _audit = audit.lock().unwrap();
//! }
//!
//! // Another locks them the other way around: reported before blocking.
//! let report = std::panic::catch_unwind(|| {
//!     let _audit = audit.lock().unwrap();
//!     let _accounts = accounts.lock().unwrap();
//! })
//! .unwrap_err();
//! let report = report.downcast_ref::<String>().unwrap();
//! assert!(report.contains("accounts -> audit -> accounts"));
//! # }
//! ```
//!
//! Swapping `use std::sync::{Mutex, RwLock, Condvar, ..}` for
//! `use lockorder::sync::{Mutex, RwLock, Condvar, ..}` is the whole change:
//! the signatures, poisoning and `Debug` output are std's. The same goes
//! for parking_lot (`lockorder::parking_lot`), any lock_api raw lock
//! (`lockorder::lock_api`) and tokio (`lockorder::tokio`), with their
//! features on.
//!
//! Waits that are not for a lock are in the same graph: joining a thread
//! ([`lockorder::thread`](crate::thread), a drop-in for `std::thread`),
//! receiving from a channel ([`sync::mpsc`]) and waiting on a
//! [`sync::Condvar`] while holding other locks. A lock held while waiting
//! for a thread, a message or a notification that needs that lock closes a
//! cycle through the wait, reported as a lock-order inversion.
//!
//! # Cargo features
//!
//! - `force`: keep tracking on in builds without debug assertions (release
//!   or bench profiles). Without it, a release build compiles tracking out
//!   and every type has the size and speed of its std counterpart (or of
//!   the parking_lot, lock_api or tokio type it wraps; the owned tokio
//!   guards are a pointer larger than tokio's).
//! - `record`: with `LOCKORDER_RECORD=<dir>` set, every process appends
//!   each new order between lock classes to its own file in `<dir>`;
//!   `lockorder::record` reads and merges such files.
//! - `cli` (implies `record`): the `lockorder` command-line tool, which
//!   merges the record files of many test processes, reports the cycles between
//!   lock classes (`lockorder check <dir>`) and draws them
//!   (`lockorder dot <dir>`). Needs Rust 1.85 (clap).
//! - `lock_api`: `lockorder::lock_api`, tracked `Mutex`, `ReentrantMutex`
//!   and `RwLock` generic over lock_api's raw lock traits.
//! - `parking_lot` (implies `lock_api`): `lockorder::parking_lot`, drop-ins
//!   for parking_lot's `Mutex`, `FairMutex`, `RwLock`, `ReentrantMutex`,
//!   `Condvar` and `Once`.
//! - `tokio`: `lockorder::tokio`, drop-ins for `tokio::sync::{Mutex,
//!   RwLock, OnceCell}`, locks held per task (the task tokio polls, found
//!   by its id: plain `tokio::spawn` works), reports of blocking locks held
//!   across an `.await`, and `scope`, `spawn` and `spawn_local` for reports
//!   at the suspension itself.
//!
//! # Configuration
//!
//! - [`set_policy`] or the environment variable `LOCKORDER=panic|warn|ignore`
//!   choose what a violation does: panic at the acquisition (the default),
//!   print each distinct cycle once and go on, or only call the handler.
//! - [`set_handler`] sees every violation, as a structured [`Violation`],
//!   before the policy acts.
//! - `Mutex::new_named("queue", ..)` (and the same on every lock type)
//!   names a lock in reports; unnamed locks are shown by their creation
//!   site `file:line:col`.
//! - [`set_class_policy`] or `LOCKORDER_CLASSES` choose what a
//!   class-order inversion does (by default: print it once and go on);
//!   [`LockClass`] names a class, and `lock_nested` declares an intended
//!   nesting within one class (nesting within a class is otherwise judged
//!   by the order of its instances: consistent nesting is silent).
//! - [`watchdog::start`] or `LOCKORDER_WATCHDOG=<seconds>` report a wait
//!   for a lock that lasts longer, with the waits it hangs on, and exit the
//!   process with [`watchdog::EXIT_STATUS`].
//!
//! # How it works
//!
//! Each lock gets an id on its first acquisition. Each thread keeps the
//! list of locks it holds, and a hash of that set; acquiring `L` while
//! holding `H1..Hn` records the edges `Hi -> L`. A per-thread cache keyed by
//! (held-set hash, `L`) answers in one probe, whatever the depth, that
//! every one of those edges is known already, so a program's steady state
//! takes no global lock, allocates nothing and captures no backtrace. A
//! new edge is checked with a breadth-first search of the global graph; one
//! that would close a cycle is a [`Violation`]. The same is done, beside
//! it, for the lock *classes* (creation sites or named [`LockClass`]es), so
//! that orders between different instances made at the same places are
//! compared too. Backtraces are captured, unresolved, only for new
//! edges, and resolved only when a report is printed. A lock that has only
//! ever been acquired innermost cannot be on a cycle, so its edges stay out
//! of the graph until it is first held while taking another lock; locks
//! created and dropped by the million cost the graph nothing. A dropped
//! lock leaves the graph, and ids are never reused.
//!
//! What counts as an acquisition: `lock`, `read`, `write` and every
//! `Once`/`OnceLock`/`LazyLock` access (one that finds the value already
//! there records its orders but holds nothing). A successful
//! `try_lock` makes the lock held but adds no edge into it; a failed one
//! records nothing. `Condvar::wait` checks the mutex's re-acquisition, with
//! the locks held then, before it waits. Re-entering a
//! `ReentrantMutex` and `read_recursive` are granted without a report (their
//! orders with other locks are still recorded); timed acquisitions
//! (`try_lock_for`, ..) count as a `try_lock` when they time out and as a
//! `lock` when they succeed.
//!
//! A guard finishes all its tracking (its lock leaves the held set, and
//! any flag is written into the lock's tracking state) *before* it unlocks,
//! and touches nothing of the lock after: as with std, the unlock is a
//! guard's last access to its lock, so a waiter may free the lock as soon as
//! it can take it. The same holds for mapped guards, fair unlocks,
//! `Condvar` waits and once-cells, whose "unlock" is the completion of the
//! initializer.
//!
//! In async code the held set belongs to the task tokio polls, found by its
//! id, with no wrapper: a task's async locks follow it from worker to
//! worker, and tasks taking turns on a thread do not see each other's
//! locks. An async lock's acquisition is checked at its `lock()` call,
//! before the task can wait; and a task suspended with a blocking lock is
//! reported ([`ViolationKind::HeldAcrossAwait`]) when another task takes a
//! lock on its thread (inside a `lockorder::tokio::scope`, at the
//! suspension itself).

#![cfg_attr(not(lockorder_tracking), allow(dead_code))]

mod class;
mod dot;
mod engine;
pub mod graph;
#[cfg(feature = "lock_api")]
pub mod lock_api;
#[cfg(feature = "parking_lot")]
pub mod parking_lot;
#[cfg(feature = "record")]
pub mod record;
mod report;
mod stats;
pub mod sync;
pub mod thread;
#[cfg(feature = "tokio")]
pub mod tokio;
mod tracked;
pub mod watchdog;

pub use crate::class::LockClass;
pub use crate::dot::Picture;
pub use crate::report::{
    class_policy, clear_handler, policy, set_class_policy, set_handler, set_policy, Backtrace, Edge, HeldLock,
    LockInfo, ParsePolicyError, Policy, Violation, ViolationKind,
};
#[doc(hidden)]
pub use crate::stats::{__warned_len, __watched_waits};
pub use crate::stats::{enabled, stats, Stats};
