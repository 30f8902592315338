//! A tracked [`std::sync::RwLock`].

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::{LockResult, TryLockResult};

use super::poison::{map_result, map_try_result};
use crate::report::LockInfo;
use crate::tracked::{Access, HeldToken, LockTracker};

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
#[must_use = "if unused the RwLock will immediately unlock"]
#[clippy::has_significant_drop]
pub struct RwLockReadGuard<'a, T: ?Sized> {
    inner: std::sync::RwLockReadGuard<'a, T>,
    _token: HeldToken<'a>,
}

/// Exclusive access to the value of an [`RwLock`], until dropped.
#[must_use = "if unused the RwLock will immediately unlock"]
#[clippy::has_significant_drop]
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    inner: std::sync::RwLockWriteGuard<'a, T>,
    _token: HeldToken<'a>,
}

impl<T> RwLock<T> {
    /// Creates an unlocked lock, named in reports by where it was created.
    ///
    /// # Examples
    ///
    /// ```
    /// static CONFIG: lockorder::sync::RwLock<u32> = lockorder::sync::RwLock::new(0);
    /// assert_eq!(*CONFIG.read().unwrap(), 0);
    /// ```
    #[track_caller]
    #[inline]
    pub const fn new(value: T) -> RwLock<T> {
        RwLock { tracker: LockTracker::new(None), inner: std::sync::RwLock::new(value) }
    }

    /// Creates an unlocked lock that reports name `name`.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = lockorder::sync::RwLock::new_named("routes", ());
    /// // Names are kept only when tracking is compiled in.
    /// if lockorder::enabled() {
    ///     assert_eq!(lock.lock_info().name(), Some("routes"));
    /// }
    /// ```
    #[track_caller]
    #[inline]
    pub const fn new_named(name: &'static str, value: T) -> RwLock<T> {
        RwLock { tracker: LockTracker::new(Some(name)), inner: std::sync::RwLock::new(value) }
    }

    /// Consumes the lock and returns the value.
    ///
    /// # Errors
    ///
    /// The value comes inside a [`PoisonError`](std::sync::PoisonError) if
    /// a writer panicked.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(lockorder::sync::RwLock::new(3).into_inner().unwrap(), 3);
    /// ```
    pub fn into_inner(self) -> LockResult<T> {
        self.inner.into_inner()
    }
}

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
    #[inline]
    pub fn read(&self) -> LockResult<RwLockReadGuard<'_, T>> {
        let token = self.tracker.acquire(Access::Read);
        map_result(self.inner.read(), |inner| RwLockReadGuard { inner, _token: token })
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
    #[inline]
    pub fn write(&self) -> LockResult<RwLockWriteGuard<'_, T>> {
        let token = self.tracker.acquire(Access::Write);
        map_result(self.inner.write(), |inner| RwLockWriteGuard { inner, _token: token })
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
    #[inline]
    pub fn try_read(&self) -> TryLockResult<RwLockReadGuard<'_, T>> {
        map_try_result(self.inner.try_read(), |inner| RwLockReadGuard {
            inner,
            _token: self.tracker.acquired(Access::Read),
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
    #[inline]
    pub fn try_write(&self) -> TryLockResult<RwLockWriteGuard<'_, T>> {
        map_try_result(self.inner.try_write(), |inner| RwLockWriteGuard {
            inner,
            _token: self.tracker.acquired(Access::Write),
        })
    }

    /// Whether a writer panicked while holding this lock.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!lockorder::sync::RwLock::new(()).is_poisoned());
    /// ```
    #[inline]
    pub fn is_poisoned(&self) -> bool {
        self.inner.is_poisoned()
    }

    /// Clears the poisoned state.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = lockorder::sync::RwLock::new(());
    /// lock.clear_poison();
    /// ```
    #[inline]
    pub fn clear_poison(&self) {
        self.inner.clear_poison();
    }

    /// A mutable reference to the value; no locking is needed.
    ///
    /// # Errors
    ///
    /// Inside a [`PoisonError`](std::sync::PoisonError) if poisoned.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut lock = lockorder::sync::RwLock::new(0);
    /// *lock.get_mut().unwrap() = 10;
    /// assert_eq!(*lock.read().unwrap(), 10);
    /// ```
    #[inline]
    pub fn get_mut(&mut self) -> LockResult<&mut T> {
        self.inner.get_mut()
    }

    /// How reports name this lock. With tracking compiled out no name or
    /// creation site is kept, and the site is the one of this call.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = lockorder::sync::RwLock::new_named("table", ());
    /// if lockorder::enabled() {
    ///     assert_eq!(lock.lock_info().to_string(), "table");
    /// }
    /// ```
    #[track_caller]
    pub fn lock_info(&self) -> LockInfo {
        self.tracker.info()
    }
}

impl<T: Default> Default for RwLock<T> {
    #[track_caller]
    fn default() -> RwLock<T> {
        RwLock::new(T::default())
    }
}

impl<T> From<T> for RwLock<T> {
    #[track_caller]
    fn from(value: T) -> RwLock<T> {
        RwLock::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
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

macro_rules! forward_fmt {
    ($($guard:ident),*) => {$(
        impl<T: ?Sized + fmt::Debug> fmt::Debug for $guard<'_, T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&*self.inner, f)
            }
        }

        impl<T: ?Sized + fmt::Display> fmt::Display for $guard<'_, T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&*self.inner, f)
            }
        }
    )*};
}

forward_fmt!(RwLockReadGuard, RwLockWriteGuard);
