//! A tracked [`std::sync::Mutex`].

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::{LockResult, TryLockResult};

use super::poison::{map_result, map_try_result};
use crate::report::LockInfo;
use crate::tracked::{Access, HeldToken, LockTracker};

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
#[must_use = "if unused the Mutex will immediately unlock"]
#[clippy::has_significant_drop]
pub struct MutexGuard<'a, T: ?Sized> {
    pub(super) inner: std::sync::MutexGuard<'a, T>,
    pub(super) token: HeldToken<'a>,
}

impl<T> Mutex<T> {
    /// Creates an unlocked mutex, named in reports by where it was created.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::sync::Mutex;
    ///
    /// static GLOBAL: Mutex<Vec<u8>> = Mutex::new(Vec::new());
    /// GLOBAL.lock().unwrap().push(1);
    /// ```
    #[track_caller]
    #[inline]
    pub const fn new(value: T) -> Mutex<T> {
        Mutex { tracker: LockTracker::new(None), inner: std::sync::Mutex::new(value) }
    }

    /// Creates an unlocked mutex that reports name `name`.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::sync::Mutex;
    ///
    /// static QUEUE: Mutex<Vec<u8>> = Mutex::new_named("queue", Vec::new());
    /// // Names are kept only when tracking is compiled in.
    /// if lockorder::enabled() {
    ///     assert_eq!(QUEUE.lock_info().name(), Some("queue"));
    /// }
    /// ```
    #[track_caller]
    #[inline]
    pub const fn new_named(name: &'static str, value: T) -> Mutex<T> {
        Mutex { tracker: LockTracker::new(Some(name)), inner: std::sync::Mutex::new(value) }
    }

    /// Consumes the mutex and returns the value.
    ///
    /// # Errors
    ///
    /// If another user of this mutex panicked while holding it, the value
    /// comes back inside a [`PoisonError`](std::sync::PoisonError).
    ///
    /// # Examples
    ///
    /// ```
    /// let m = lockorder::sync::Mutex::new(7);
    /// assert_eq!(m.into_inner().unwrap(), 7);
    /// ```
    pub fn into_inner(self) -> LockResult<T> {
        self.inner.into_inner()
    }
}

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
    #[inline]
    pub fn lock(&self) -> LockResult<MutexGuard<'_, T>> {
        let token = self.tracker.acquire(Access::Lock);
        map_result(self.inner.lock(), |inner| MutexGuard { inner, token })
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
    #[inline]
    pub fn try_lock(&self) -> TryLockResult<MutexGuard<'_, T>> {
        map_try_result(self.inner.try_lock(), |inner| MutexGuard { inner, token: self.tracker.acquired(Access::Lock) })
    }

    /// Whether a thread panicked while holding this mutex.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!lockorder::sync::Mutex::new(()).is_poisoned());
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
    /// let m = lockorder::sync::Mutex::new(());
    /// m.clear_poison();
    /// assert!(!m.is_poisoned());
    /// ```
    #[inline]
    pub fn clear_poison(&self) {
        self.inner.clear_poison();
    }

    /// A mutable reference to the value; no locking is needed.
    ///
    /// # Errors
    ///
    /// If the mutex is poisoned, the reference comes inside a
    /// [`PoisonError`](std::sync::PoisonError).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut m = lockorder::sync::Mutex::new(1);
    /// *m.get_mut().unwrap() = 2;
    /// assert_eq!(*m.lock().unwrap(), 2);
    /// ```
    #[inline]
    pub fn get_mut(&mut self) -> LockResult<&mut T> {
        self.inner.get_mut()
    }

    /// How reports name this mutex. With tracking compiled out no name or
    /// creation site is kept, and the site is the one of this call.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = lockorder::sync::Mutex::new_named("cache", ());
    /// if lockorder::enabled() {
    ///     assert_eq!(m.lock_info().to_string(), "cache");
    /// }
    /// ```
    #[track_caller]
    pub fn lock_info(&self) -> LockInfo {
        self.tracker.info()
    }
}

impl<T: Default> Default for Mutex<T> {
    #[track_caller]
    fn default() -> Mutex<T> {
        Mutex::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    #[track_caller]
    fn from(value: T) -> Mutex<T> {
        Mutex::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
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

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.inner, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.inner, f)
    }
}
