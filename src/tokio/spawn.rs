//! [`spawn`] and [`spawn_local`]: tokio's, with the task in a [`scope`](super::scope()).

use std::future::Future;
use std::panic::Location;

use tokio::task::JoinHandle;

use super::scope::scope_spawned_at;

/// [`tokio::spawn`] with the task's locks tracked per task: the future runs
/// in a [`scope`](super::scope()). Reports name the task with where it was spawned
/// ("task 12 (spawned at src/main.rs:40:5)"), which a plain `tokio::spawn`
/// does not tell.
///
/// # Panics
///
/// As [`tokio::spawn`], outside a runtime. A violation raised in the task
/// under the default policy panics the task, and its `JoinHandle` returns
/// the panic.
///
/// # Examples
///
/// ```
/// # tokio::runtime::Builder::new_multi_thread().build().unwrap().block_on(async {
/// let lock = std::sync::Arc::new(lockorder::tokio::Mutex::new(0));
/// let task = lockorder::tokio::spawn({
///     let lock = lock.clone();
///     async move { *lock.lock().await += 1 }
/// });
/// task.await.unwrap();
/// assert_eq!(*lock.lock().await, 1);
/// # });
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    tokio::spawn(scope_spawned_at(future, Location::caller()))
}

/// [`tokio::task::spawn_local`] with the task's locks tracked per task: the
/// future runs in a [`scope`](super::scope()), and reports name where it
/// was spawned. A future holding a `std` or `parking_lot` guard across an
/// `.await` is not `Send`, so this (or `block_on`) is where that bug lives.
///
/// # Panics
///
/// As [`tokio::task::spawn_local`], outside a `LocalSet`. A violation raised
/// in the task under the default policy panics the task, and its
/// `JoinHandle` returns the panic.
///
/// # Examples
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let local = tokio::task::LocalSet::new();
/// let out = local.run_until(async { lockorder::tokio::spawn_local(async { 7 }).await.unwrap() }).await;
/// assert_eq!(out, 7);
/// # });
/// ```
#[track_caller]
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    tokio::task::spawn_local(scope_spawned_at(future, Location::caller()))
}
