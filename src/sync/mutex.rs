//! A tracked [`std::sync::Mutex`].

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::{LockResult, TryLockResult};

use super::poison::{map_result, map_try_result};
use super::poisoning_lock::{forward_guard_fmt, poisoning_lock};
use crate::report::LockInfo;
use crate::tracked::{Access, Guard, LockTracker};

/// A mutual exclusion lock whose acquisitions are checked for lock-order
/// violations: a drop-in for [`std::sync::Mutex`].
///
/// Poisoning works exactly as in std.
///
/// # Examples
///
/// ```
/// use lockorder::sync::Mutex;
/// use std::sync::Arc;
///
/// let counter = Arc::new(Mutex::new(0));
/// let handles: Vec<_> = (0..4)
///     .map(|_| {
///         let counter = Arc::clone(&counter);
///         std::thread::spawn(move || *counter.lock().unwrap() += 1)
///     })
///     .collect();
/// for handle in handles {
///     handle.join().unwrap();
/// }
/// assert_eq!(*counter.lock().unwrap(), 4);
/// ```
pub struct Mutex<T: ?Sized> {
    tracker: LockTracker,
    inner: std::sync::Mutex<T>,
}

/// The guard of a [`Mutex`]: the lock is held until it is dropped.
///
/// Dropping it ends its tracking first, then unlocks: nothing of the lock
/// is touched after the unlock (see [How it works](crate#how-it-works)).
#[must_use = "if unused the Mutex will immediately unlock"]
#[clippy::has_significant_drop]
pub struct MutexGuard<'a, T: ?Sized> {
    pub(super) inner: Guard<'a, std::sync::MutexGuard<'a, T>>,
}

poisoning_lock!(Mutex, "mutex");

impl<T: ?Sized> Mutex<T> {
    /// Acquires the mutex, blocking the thread until it is available.
    ///
    /// Before blocking, the acquisition is checked against the lock-order
    /// graph.
    ///
    /// # Errors
    ///
    /// If another user of this mutex panicked while holding it, the guard
    /// comes back inside a [`PoisonError`](std::sync::PoisonError).
    ///
    /// # Panics
    ///
    /// Under [`Policy::Panic`](crate::Policy::Panic) (the default), panics
    /// with the report, at this call, if the acquisition would close a cycle
    /// in the lock-order graph or if this thread already holds the mutex.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = lockorder::sync::Mutex::new(1);
    /// *m.lock().unwrap() += 1;
    /// assert_eq!(*m.lock().unwrap(), 2);
    /// ```
    #[track_caller]
    #[inline(always)]
    pub fn lock(&self) -> LockResult<MutexGuard<'_, T>> {
        let token = self.tracker.acquire(Access::Lock);
        map_result(self.inner.lock(), |inner| MutexGuard { inner: Guard::new(inner, token) })
    }

    /// [`Mutex::lock`], declaring this acquisition to be at nesting level
    /// `subclass` of the mutex's class: holding a mutex of the same class
    /// at another level while taking this one is an intended order, not a
    /// potential deadlock (see [`LockClass`](crate::LockClass)). Plain
    /// `lock` is level 0.
    ///
    /// # Errors
    ///
    /// As [`Mutex::lock`].
    ///
    /// # Panics
    ///
    /// As [`Mutex::lock`].
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::sync::Mutex;
    ///
    /// // Created at one place: one class.
    /// let accounts: Vec<Mutex<i64>> = (0..2).map(|_| Mutex::new(100)).collect();
    /// let mut from = accounts[0].lock().unwrap();
    /// let mut to = accounts[1].lock_nested(1).unwrap();
    /// *from -= 10;
    /// *to += 10;
    /// ```
    #[track_caller]
    #[inline(always)]
    pub fn lock_nested(&self, subclass: u8) -> LockResult<MutexGuard<'_, T>> {
        let token = self.tracker.acquire_nested(Access::Lock, subclass);
        map_result(self.inner.lock(), |inner| MutexGuard { inner: Guard::new(inner, token) })
    }

    /// Attempts to acquire the mutex without blocking.
    ///
    /// A successful `try_lock` makes the mutex held (later acquisitions are
    /// ordered after it) but adds no order into it; a failed one records
    /// nothing.
    ///
    /// # Errors
    ///
    /// [`TryLockError::WouldBlock`](std::sync::TryLockError::WouldBlock) if
    /// the mutex is locked, [`TryLockError::Poisoned`](std::sync::TryLockError::Poisoned)
    /// if it is poisoned.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = lockorder::sync::Mutex::new(1);
    /// let guard = m.try_lock().unwrap();
    /// assert!(m.try_lock().is_err());
    /// drop(guard);
    /// ```
    #[track_caller]
    #[inline(always)]
    pub fn try_lock(&self) -> TryLockResult<MutexGuard<'_, T>> {
        map_try_result(self.inner.try_lock(), |inner| MutexGuard {
            inner: Guard::new(inner, self.tracker.acquired(Access::Lock)),
        })
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

forward_guard_fmt!(MutexGuard);
