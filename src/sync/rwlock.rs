//! A tracked [`std::sync::RwLock`].

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::{LockResult, TryLockResult};

use super::poison::{map_result, map_try_result};
use super::poisoning_lock::{forward_guard_fmt, poisoning_lock};
use crate::report::LockInfo;
use crate::tracked::{Access, Guard, LockTracker};

/// A reader-writer lock whose acquisitions are checked for lock-order
/// violations: a drop-in for [`std::sync::RwLock`].
///
/// `read` counts as an acquisition like `write`: std's read lock is not
/// recursive (a queued writer blocks new readers), so reading twice on one
/// thread, or reading in both orders on two threads, can deadlock and is
/// reported.
///
/// # Examples
///
/// ```
/// use lockorder::sync::RwLock;
///
/// let lock = RwLock::new(5);
/// {
///     let r1 = lock.read().unwrap();
///     assert_eq!(*r1, 5);
/// }
/// *lock.write().unwrap() += 1;
/// assert_eq!(*lock.read().unwrap(), 6);
/// ```
pub struct RwLock<T: ?Sized> {
    tracker: LockTracker,
    inner: std::sync::RwLock<T>,
}

/// Shared access to the value of an [`RwLock`], until dropped.
///
/// Dropping it ends its tracking first, then unlocks: nothing of the lock
/// is touched after the unlock (see [How it works](crate#how-it-works)).
#[must_use = "if unused the RwLock will immediately unlock"]
#[clippy::has_significant_drop]
pub struct RwLockReadGuard<'a, T: ?Sized> {
    inner: Guard<'a, std::sync::RwLockReadGuard<'a, T>>,
}

/// Exclusive access to the value of an [`RwLock`], until dropped.
///
/// Dropping it ends its tracking first, then unlocks: nothing of the lock
/// is touched after the unlock (see [How it works](crate#how-it-works)).
#[must_use = "if unused the RwLock will immediately unlock"]
#[clippy::has_significant_drop]
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    inner: Guard<'a, std::sync::RwLockWriteGuard<'a, T>>,
}

poisoning_lock!(RwLock, "lock");

impl<T: ?Sized> RwLock<T> {
    /// Acquires shared access, blocking while a writer holds the lock.
    ///
    /// # Errors
    ///
    /// The guard comes inside a [`PoisonError`](std::sync::PoisonError) if a
    /// writer panicked.
    ///
    /// # Panics
    ///
    /// Under the default policy, with the report, if this thread already
    /// holds the lock or the acquisition would close a cycle.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = lockorder::sync::RwLock::new(1);
    /// assert_eq!(*lock.read().unwrap(), 1);
    /// ```
    #[track_caller]
    #[inline(always)]
    pub fn read(&self) -> LockResult<RwLockReadGuard<'_, T>> {
        let token = self.tracker.acquire(Access::Read);
        map_result(self.inner.read(), |inner| RwLockReadGuard { inner: Guard::new(inner, token) })
    }

    /// [`RwLock::read`] at nesting level `subclass` of the lock's class
    /// (see [`Mutex::lock_nested`](super::Mutex::lock_nested)).
    ///
    /// # Errors
    ///
    /// As [`RwLock::read`].
    ///
    /// # Panics
    ///
    /// As [`RwLock::read`].
    ///
    /// # Examples
    ///
    /// ```
    /// let tables: Vec<lockorder::sync::RwLock<u8>> = (0..2).map(|_| lockorder::sync::RwLock::new(1)).collect();
    /// let a = tables[0].read().unwrap();
    /// let b = tables[1].read_nested(1).unwrap();
    /// assert_eq!(*a + *b, 2);
    /// ```
    #[track_caller]
    #[inline(always)]
    pub fn read_nested(&self, subclass: u8) -> LockResult<RwLockReadGuard<'_, T>> {
        let token = self.tracker.acquire_nested(Access::Read, subclass);
        map_result(self.inner.read(), |inner| RwLockReadGuard { inner: Guard::new(inner, token) })
    }

    /// Acquires exclusive access, blocking while anyone holds the lock.
    ///
    /// # Errors
    ///
    /// The guard comes inside a [`PoisonError`](std::sync::PoisonError) if a
    /// writer panicked.
    ///
    /// # Panics
    ///
    /// Under the default policy, with the report, if this thread already
    /// holds the lock or the acquisition would close a cycle.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = lockorder::sync::RwLock::new(1);
    /// *lock.write().unwrap() = 2;
    /// assert_eq!(*lock.read().unwrap(), 2);
    /// ```
    #[track_caller]
    #[inline(always)]
    pub fn write(&self) -> LockResult<RwLockWriteGuard<'_, T>> {
        let token = self.tracker.acquire(Access::Write);
        map_result(self.inner.write(), |inner| RwLockWriteGuard { inner: Guard::new(inner, token) })
    }

    /// [`RwLock::write`] at nesting level `subclass` of the lock's class
    /// (see [`Mutex::lock_nested`](super::Mutex::lock_nested)).
    ///
    /// # Errors
    ///
    /// As [`RwLock::write`].
    ///
    /// # Panics
    ///
    /// As [`RwLock::write`].
    ///
    /// # Examples
    ///
    /// ```
    /// let tables: Vec<lockorder::sync::RwLock<u8>> = (0..2).map(|_| lockorder::sync::RwLock::new(1)).collect();
    /// let mut a = tables[0].write().unwrap();
    /// let mut b = tables[1].write_nested(1).unwrap();
    /// std::mem::swap(&mut *a, &mut *b);
    /// ```
    #[track_caller]
    #[inline(always)]
    pub fn write_nested(&self, subclass: u8) -> LockResult<RwLockWriteGuard<'_, T>> {
        let token = self.tracker.acquire_nested(Access::Write, subclass);
        map_result(self.inner.write(), |inner| RwLockWriteGuard { inner: Guard::new(inner, token) })
    }

    /// Attempts shared access without blocking (held on success, no order
    /// recorded into it).
    ///
    /// # Errors
    ///
    /// `WouldBlock` if a writer holds the lock, `Poisoned` if poisoned.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = lockorder::sync::RwLock::new(1);
    /// assert_eq!(*lock.try_read().unwrap(), 1);
    /// ```
    #[track_caller]
    #[inline(always)]
    pub fn try_read(&self) -> TryLockResult<RwLockReadGuard<'_, T>> {
        map_try_result(self.inner.try_read(), |inner| RwLockReadGuard {
            inner: Guard::new(inner, self.tracker.acquired(Access::Read)),
        })
    }

    /// Attempts exclusive access without blocking (held on success, no
    /// order recorded into it).
    ///
    /// # Errors
    ///
    /// `WouldBlock` if the lock is held, `Poisoned` if poisoned.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = lockorder::sync::RwLock::new(1);
    /// let r = lock.read().unwrap();
    /// assert!(lock.try_write().is_err());
    /// drop(r);
    /// ```
    #[track_caller]
    #[inline(always)]
    pub fn try_write(&self) -> TryLockResult<RwLockWriteGuard<'_, T>> {
        map_try_result(self.inner.try_write(), |inner| RwLockWriteGuard {
            inner: Guard::new(inner, self.tracker.acquired(Access::Write)),
        })
    }
}

#[cfg(lockorder_downgrade)]
impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    /// Turns the write lock into a read lock without letting go of it, as
    /// std's (Rust 1.92 and later): no writer gets in between. The lock
    /// stays held by this thread, for reading now; no order is recorded.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::sync::{RwLock, RwLockWriteGuard};
    ///
    /// let lock = RwLock::new(1);
    /// let mut write = lock.write().unwrap();
    /// *write = 2;
    /// let read = RwLockWriteGuard::downgrade(write);
    /// assert_eq!(*read, 2);
    /// assert!(lock.try_write().is_err());
    /// ```
    #[track_caller]
    pub fn downgrade(s: Self) -> RwLockReadGuard<'a, T> {
        // std's downgrade runs no code of the caller's: it cannot unwind.
        let mut inner = s.inner.map(|write, _| std::sync::RwLockWriteGuard::downgrade(write));
        inner.token_mut().retag(Access::Read);
        RwLockReadGuard { inner }
    }
}

impl<T: ?Sized> Deref for RwLockReadGuard<'_, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: ?Sized> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: ?Sized> DerefMut for RwLockWriteGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

forward_guard_fmt!(RwLockReadGuard, RwLockWriteGuard);
