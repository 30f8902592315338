//! A tracked [`tokio::sync::RwLock`].

use std::future::Future;
use std::sync::Arc;

use super::shared::{lock_access, lock_traits, named_ctors, try_owned};
use super::{OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLockReadGuard, RwLockWriteGuard, TryLockError};
use crate::report::LockInfo;
use crate::tracked::{Access, Checked, LockTracker, TrackedGuard};

/// An async reader-writer lock whose acquisitions are checked for
/// lock-order violations: a drop-in for [`tokio::sync::RwLock`].
///
/// tokio's lock is fair (a waiting writer blocks new readers), so `read`
/// is not recursive: a task reading twice, or reading two locks in both
/// orders, is reported like `write`. Acquisitions are checked when their
/// future is first polled; see [`Mutex`](super::Mutex) for the rest.
///
/// # Examples
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(lockorder::tokio::scope(async {
/// let lock = lockorder::tokio::RwLock::new(5);
/// assert_eq!(*lock.read().await, 5);
/// *lock.write().await += 1;
/// assert_eq!(*lock.read().await, 6);
/// # }));
/// ```
pub struct RwLock<T: ?Sized> {
    tracker: LockTracker,
    inner: tokio::sync::RwLock<T>,
}

impl<T: ?Sized> RwLock<T> {
    named_ctors! {
        RwLock(value), [];
        /// Creates an unlocked lock, named in reports by where it was created.
        ///
        /// # Examples
        ///
        /// ```
        /// let lock = lockorder::tokio::RwLock::new(5);
        /// assert_eq!(lock.into_inner(), 5);
        /// ```
        new;

        /// Creates an unlocked lock that reports name `name`.
        ///
        /// # Examples
        ///
        /// ```
        /// let lock = lockorder::tokio::RwLock::new_named("routes", ());
        /// // Names are kept only when tracking is compiled in.
        /// if lockorder::enabled() { assert_eq!(lock.lock_info().name(), Some("routes")); }
        /// ```
        new_named;
    }

    /// Creates an unlocked lock that admits at most `max_reads` readers.
    ///
    /// # Panics
    ///
    /// As tokio's, if `max_reads` is 0 or more than tokio's maximum.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = lockorder::tokio::RwLock::with_max_readers(0, 2);
    /// let (_a, _b) = (lock.try_read().unwrap(), lock.try_read().unwrap());
    /// assert!(lock.try_read().is_err());
    /// ```
    #[track_caller]
    pub fn with_max_readers(value: T, max_reads: u32) -> RwLock<T>
    where
        T: Sized,
    {
        RwLock { tracker: LockTracker::new(None), inner: tokio::sync::RwLock::with_max_readers(value, max_reads) }
    }

    named_ctors! {
        RwLock(value), [const];
        /// Creates an unlocked lock in a `const` context.
        ///
        /// # Examples
        ///
        /// ```
        /// static CONFIG: lockorder::tokio::RwLock<u32> = lockorder::tokio::RwLock::const_new(0);
        /// ```
        const_new;

        /// [`RwLock::const_new`] with a name for reports.
        ///
        /// # Examples
        ///
        /// ```
        /// static CONFIG: lockorder::tokio::RwLock<u32> = lockorder::tokio::RwLock::const_new_named("config", 0);
        /// // Names are kept only when tracking is compiled in.
        /// if lockorder::enabled() { assert_eq!(CONFIG.lock_info().name(), Some("config")); }
        /// ```
        const_new_named;
    }

    /// Creates an unlocked lock of the named class `class` (see
    /// [`LockClass`](crate::LockClass)), in a `const` context too.
    ///
    /// # Examples
    ///
    /// ```
    /// static LEVEL: lockorder::LockClass = lockorder::LockClass::new("level");
    /// let lock = lockorder::tokio::RwLock::with_class(&LEVEL, 0);
    /// if lockorder::enabled() {
    ///     assert_eq!(lock.lock_info().class(), Some(&LEVEL));
    /// }
    /// ```
    #[track_caller]
    pub const fn with_class(class: &'static crate::LockClass, value: T) -> RwLock<T>
    where
        T: Sized,
    {
        RwLock { tracker: LockTracker::in_class(None, class), inner: tokio::sync::RwLock::const_new(value) }
    }

    /// [`RwLock::with_max_readers`] in a `const` context.
    ///
    /// # Panics
    ///
    /// As [`RwLock::with_max_readers`] (at compile time in a `const`).
    ///
    /// # Examples
    ///
    /// ```
    /// static POOL: lockorder::tokio::RwLock<u32> = lockorder::tokio::RwLock::const_with_max_readers(0, 4);
    /// ```
    #[track_caller]
    pub const fn const_with_max_readers(value: T, max_reads: u32) -> RwLock<T>
    where
        T: Sized,
    {
        RwLock { tracker: LockTracker::new(None), inner: tokio::sync::RwLock::const_with_max_readers(value, max_reads) }
    }

    /// Acquires shared access, waiting while a writer holds or waits for
    /// the lock.
    ///
    /// # Panics
    ///
    /// Under the default policy, the future panics on its first poll, with
    /// the report, if the task holds the lock already or the acquisition
    /// would close a cycle.
    ///
    /// # Cancel safety
    ///
    /// As tokio's: dropping the future gives up its place in the queue. The
    /// held set is left as it was before the call.
    ///
    /// # Examples
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let lock = lockorder::tokio::RwLock::new(1);
    /// assert_eq!(*lock.read().await, 1);
    /// # });
    /// ```
    #[track_caller]
    pub fn read(&self) -> impl Future<Output = RwLockReadGuard<'_, T>> + '_ {
        self.read_checked(self.tracker.check_task(Access::AsyncRead))
    }

    /// [`RwLock::read`] at nesting level `subclass` of the lock's class: for
    /// two locks of one class (made at one place) taken one inside the
    /// other on purpose, in an order the code keeps.
    ///
    /// Plain `read` is level 0.
    ///
    /// # Panics
    ///
    /// As [`RwLock::read`].
    ///
    /// # Cancel safety
    ///
    /// As [`RwLock::read`].
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::tokio::RwLock;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let levels: Vec<RwLock<u32>> = (0..2).map(|_| RwLock::new(0)).collect();
    /// let outer = levels[0].read().await;
    /// let inner = levels[1].read_nested(1).await;
    /// assert_eq!(*outer + *inner, 0);
    /// # });
    /// ```
    #[track_caller]
    pub fn read_nested(&self, subclass: u8) -> impl Future<Output = RwLockReadGuard<'_, T>> + '_ {
        self.read_checked(self.tracker.check_task_nested(Access::AsyncRead, subclass))
    }

    /// The acquisition `checked` asked for: its lock is `self`'s.
    ///
    /// An `async` block, not an `async fn`: the block keeps `checked` in
    /// place, where an `async fn` would keep its argument and a copy.
    #[allow(clippy::manual_async_fn)]
    pub(super) fn read_checked<'a>(
        &'a self,
        mut checked: Checked<'a>,
    ) -> impl Future<Output = RwLockReadGuard<'a, T>> + 'a {
        async move {
            checked.poll();
            let inner = super::wait::acquire(|| self.inner.try_read().ok(), || self.inner.read()).await;
            let token = checked.acquired();
            RwLockReadGuard { inner: TrackedGuard::new(inner, token) }
        }
    }

    /// Acquires shared access from code that is not async, blocking the
    /// thread.
    ///
    /// # Panics
    ///
    /// As tokio's, when called from within an async runtime; under the
    /// default policy, as [`RwLock::read`].
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = lockorder::tokio::RwLock::new(1);
    /// assert_eq!(*lock.blocking_read(), 1);
    /// ```
    #[track_caller]
    pub fn blocking_read(&self) -> RwLockReadGuard<'_, T> {
        let checked = self.tracker.check_blocking(Access::AsyncRead);
        let inner = self.inner.blocking_read();
        let token = checked.acquired();
        RwLockReadGuard { inner: TrackedGuard::new(inner, token) }
    }

    /// Attempts shared access without waiting (held on success, no order
    /// recorded into it).
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if a writer holds the lock.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = lockorder::tokio::RwLock::new(1);
    /// assert_eq!(*lock.try_read().unwrap(), 1);
    /// ```
    #[track_caller]
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        let inner = self.inner.try_read()?;
        Ok(RwLockReadGuard { inner: TrackedGuard::new(inner, self.tracker.acquired_task(Access::AsyncRead)) })
    }

    /// Acquires exclusive access, waiting while anyone holds the lock.
    ///
    /// # Panics
    ///
    /// As [`RwLock::read`].
    ///
    /// # Cancel safety
    ///
    /// As [`RwLock::read`].
    ///
    /// # Examples
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let lock = lockorder::tokio::RwLock::new(1);
    /// *lock.write().await = 2;
    /// assert_eq!(*lock.read().await, 2);
    /// # });
    /// ```
    #[track_caller]
    pub fn write(&self) -> impl Future<Output = RwLockWriteGuard<'_, T>> + '_ {
        self.write_checked(self.tracker.check_task(Access::AsyncWrite))
    }

    /// [`RwLock::write`] at nesting level `subclass` of the lock's class
    /// (see [`RwLock::read_nested`]).
    ///
    /// Plain `write` is level 0.
    ///
    /// # Panics
    ///
    /// As [`RwLock::write`].
    ///
    /// # Cancel safety
    ///
    /// As [`RwLock::write`].
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::tokio::RwLock;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let levels: Vec<RwLock<u32>> = (0..2).map(|_| RwLock::new(0)).collect();
    /// let _outer = levels[0].write().await;
    /// *levels[1].write_nested(1).await += 1;
    /// # });
    /// ```
    #[track_caller]
    pub fn write_nested(&self, subclass: u8) -> impl Future<Output = RwLockWriteGuard<'_, T>> + '_ {
        self.write_checked(self.tracker.check_task_nested(Access::AsyncWrite, subclass))
    }

    /// The acquisition `checked` asked for: its lock is `self`'s.
    ///
    /// An `async` block, not an `async fn`: the block keeps `checked` in
    /// place, where an `async fn` would keep its argument and a copy.
    #[allow(clippy::manual_async_fn)]
    pub(super) fn write_checked<'a>(
        &'a self,
        mut checked: Checked<'a>,
    ) -> impl Future<Output = RwLockWriteGuard<'a, T>> + 'a {
        async move {
            checked.poll();
            let inner = super::wait::acquire(|| self.inner.try_write().ok(), || self.inner.write()).await;
            let token = checked.acquired();
            RwLockWriteGuard { inner: TrackedGuard::new(inner, token) }
        }
    }

    /// Acquires exclusive access from code that is not async, blocking the
    /// thread.
    ///
    /// # Panics
    ///
    /// As [`RwLock::blocking_read`].
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = lockorder::tokio::RwLock::new(1);
    /// *lock.blocking_write() = 2;
    /// assert_eq!(*lock.blocking_read(), 2);
    /// ```
    #[track_caller]
    pub fn blocking_write(&self) -> RwLockWriteGuard<'_, T> {
        let checked = self.tracker.check_blocking(Access::AsyncWrite);
        let inner = self.inner.blocking_write();
        let token = checked.acquired();
        RwLockWriteGuard { inner: TrackedGuard::new(inner, token) }
    }

    /// Attempts exclusive access without waiting (held on success, no
    /// order recorded into it).
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if the lock is held.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = lockorder::tokio::RwLock::new(1);
    /// let r = lock.try_read().unwrap();
    /// assert!(lock.try_write().is_err());
    /// drop(r);
    /// ```
    #[track_caller]
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        let inner = self.inner.try_write()?;
        Ok(RwLockWriteGuard { inner: TrackedGuard::new(inner, self.tracker.acquired_task(Access::AsyncWrite)) })
    }

    lock_access! {
        /// A mutable reference to the value; no locking is needed.
        ///
        /// # Examples
        ///
        /// ```
        /// let mut lock = lockorder::tokio::RwLock::new(1);
        /// *lock.get_mut() = 2;
        /// assert_eq!(lock.into_inner(), 2);
        /// ```
        get_mut;

        /// Consumes the lock and returns the value.
        ///
        /// # Examples
        ///
        /// ```
        /// assert_eq!(lockorder::tokio::RwLock::new(3).into_inner(), 3);
        /// ```
        into_inner;

        /// How reports name this lock.
        ///
        /// # Examples
        ///
        /// ```
        /// let lock = lockorder::tokio::RwLock::new_named("table", ());
        /// // Names are kept only when tracking is compiled in.
        /// if lockorder::enabled() { assert_eq!(lock.lock_info().to_string(), "table"); }
        /// ```
        lock_info;
    }
}

impl<T: ?Sized + 'static> RwLock<T> {
    /// Shared access to a lock behind an `Arc`, with a guard that keeps the
    /// `Arc`; as [`RwLock::read`] otherwise.
    ///
    /// Unlike tokio's, the owned guards need `T: 'static`.
    ///
    /// # Panics
    ///
    /// As [`RwLock::read`].
    ///
    /// # Cancel safety
    ///
    /// As [`RwLock::read`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let lock = Arc::new(lockorder::tokio::RwLock::new(1));
    /// assert_eq!(*lock.clone().read_owned().await, 1);
    /// # });
    /// ```
    #[track_caller]
    pub fn read_owned(self: Arc<Self>) -> impl Future<Output = OwnedRwLockReadGuard<T>> {
        // Not checked at the call (see `Checked`): only the caller's
        // location is kept.
        let site = std::panic::Location::caller();
        async move {
            // Moved into a local first: a local declared later (the pending
            // acquisition, which borrows the lock) is dropped before it,
            // also when this future is dropped while it waits.
            let this = self;
            // SAFETY: `this` keeps the lock alive while the acquisition
            // future lives (see above), and the guard goes into the owned
            // guard, which drops it before its `Arc`.
            let lock = unsafe { super::owned::leak(&this) };
            let guard = lock.read_checked(lock.tracker.owned_task(Access::AsyncReadOwned, site)).await;
            OwnedRwLockReadGuard { guard, lock: this }
        }
    }

    try_owned! {
        /// [`RwLock::try_read`] for a lock behind an `Arc`.
        ///
        /// # Errors
        ///
        /// [`TryLockError`] if a writer holds the lock.
        ///
        /// # Examples
        ///
        /// ```
        /// use std::sync::Arc;
        ///
        /// let lock = Arc::new(lockorder::tokio::RwLock::new(1));
        /// assert_eq!(*lock.try_read_owned().unwrap(), 1);
        /// ```
        try_read_owned = try_read -> OwnedRwLockReadGuard
    }

    /// Exclusive access to a lock behind an `Arc`, with a guard that keeps
    /// the `Arc`; as [`RwLock::write`] otherwise.
    ///
    /// # Panics
    ///
    /// As [`RwLock::read`].
    ///
    /// # Cancel safety
    ///
    /// As [`RwLock::read`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let lock = Arc::new(lockorder::tokio::RwLock::new(1));
    /// *lock.clone().write_owned().await = 2;
    /// assert_eq!(*lock.read().await, 2);
    /// # });
    /// ```
    #[track_caller]
    pub fn write_owned(self: Arc<Self>) -> impl Future<Output = OwnedRwLockWriteGuard<T>> {
        // As in `read_owned`: only the caller's location is kept.
        let site = std::panic::Location::caller();
        async move {
            // As in `read_owned`: the acquisition is dropped before `this`.
            let this = self;
            // SAFETY: as in `read_owned`.
            let lock = unsafe { super::owned::leak(&this) };
            let guard = lock.write_checked(lock.tracker.owned_task(Access::AsyncWriteOwned, site)).await;
            OwnedRwLockWriteGuard { guard, lock: this }
        }
    }

    try_owned! {
        /// [`RwLock::try_write`] for a lock behind an `Arc`.
        ///
        /// # Errors
        ///
        /// [`TryLockError`] if the lock is held.
        ///
        /// # Examples
        ///
        /// ```
        /// use std::sync::Arc;
        ///
        /// let lock = Arc::new(lockorder::tokio::RwLock::new(1));
        /// *lock.clone().try_write_owned().unwrap() = 2;
        /// assert_eq!(*lock.try_read().unwrap(), 2);
        /// ```
        try_write_owned = try_write -> OwnedRwLockWriteGuard
    }
}

lock_traits!(RwLock);
