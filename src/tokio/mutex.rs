//! A tracked [`tokio::sync::Mutex`].

use std::future::Future;
use std::sync::Arc;

use super::shared::{lock_access, lock_traits, named_ctors, try_owned};
use super::{MutexGuard, OwnedMutexGuard, TryLockError};
use crate::report::LockInfo;
use crate::tracked::{wrapper, Access, Checked, LockRef, LockTracker, TrackedGuard};

/// An async mutex whose acquisitions are checked for lock-order violations:
/// a drop-in for [`tokio::sync::Mutex`].
///
/// `lock().await` is an acquisition like a blocking `lock`: it is checked
/// against the lock-order graph at the `lock()` call, before the task can
/// wait, and it counts as held by the task once the wait ends. The held
/// locks belong to the task tokio polls, or to the thread outside a task
/// (see [the module docs](super)). Holding its guard across an `.await` is
/// what it is for, and is not reported.
///
/// # Examples
///
/// ```
/// use lockorder::tokio::Mutex;
/// use std::sync::Arc;
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(lockorder::tokio::scope(async {
/// let count = Arc::new(Mutex::new(0));
/// let tasks: Vec<_> = (0..4)
///     .map(|_| {
///         let count = Arc::clone(&count);
///         lockorder::tokio::spawn(async move { *count.lock().await += 1 })
///     })
///     .collect();
/// for task in tasks {
///     task.await.unwrap();
/// }
/// assert_eq!(*count.lock().await, 4);
/// # }));
/// ```
// `#[repr(C)]`, `tracker` then `inner`: without tracking a guard finds the
// mutex from the tokio mutex its tokio guard gives (see `LockRef`).
#[repr(C)]
pub struct Mutex<T: ?Sized> {
    tracker: LockTracker,
    inner: tokio::sync::Mutex<T>,
}

wrapper!(impl[T: ?Sized] Mutex<T> => tokio::sync::Mutex<T>);

impl<T: ?Sized> Mutex<T> {
    named_ctors! {
        Mutex(t), [];
        /// Creates an unlocked mutex, named in reports by where it was created.
        ///
        /// # Examples
        ///
        /// ```
        /// let m = lockorder::tokio::Mutex::new(5);
        /// assert_eq!(m.into_inner(), 5);
        /// ```
        new;

        /// Creates an unlocked mutex that reports name `name`.
        ///
        /// # Examples
        ///
        /// ```
        /// let m = lockorder::tokio::Mutex::new_named("sessions", ());
        /// // Names are kept only when tracking is compiled in.
        /// if lockorder::enabled() { assert_eq!(m.lock_info().name(), Some("sessions")); }
        /// ```
        new_named;
    }

    named_ctors! {
        Mutex(t), [const];
        /// Creates an unlocked mutex in a `const` context.
        ///
        /// # Examples
        ///
        /// ```
        /// static QUEUE: lockorder::tokio::Mutex<Vec<u8>> = lockorder::tokio::Mutex::const_new(Vec::new());
        /// ```
        const_new;

        /// [`Mutex::const_new`] with a name for reports.
        ///
        /// # Examples
        ///
        /// ```
        /// static QUEUE: lockorder::tokio::Mutex<Vec<u8>> = lockorder::tokio::Mutex::const_new_named("queue", Vec::new());
        /// // Names are kept only when tracking is compiled in.
        /// if lockorder::enabled() { assert_eq!(QUEUE.lock_info().name(), Some("queue")); }
        /// ```
        const_new_named;
    }

    /// Creates an unlocked mutex of the named class `class` (see
    /// [`LockClass`](crate::LockClass)), in a `const` context too.
    ///
    /// # Examples
    ///
    /// ```
    /// static SHARD: lockorder::LockClass = lockorder::LockClass::new("shard");
    /// let shards: Vec<lockorder::tokio::Mutex<u32>> =
    ///     (0..4).map(|_| lockorder::tokio::Mutex::with_class(&SHARD, 0)).collect();
    /// if lockorder::enabled() {
    ///     assert_eq!(shards[3].lock_info().class(), Some(&SHARD));
    /// }
    /// ```
    #[track_caller]
    pub const fn with_class(class: &'static crate::LockClass, t: T) -> Mutex<T>
    where
        T: Sized,
    {
        Mutex { tracker: LockTracker::in_class(None, class), inner: tokio::sync::Mutex::const_new(t) }
    }

    /// Locks the mutex, waiting (without blocking the thread) until it is
    /// available.
    ///
    /// The acquisition is checked against the lock-order graph at this
    /// call, before the task can wait (under the default policy a report
    /// panics here), and again when the future is first polled if the locks
    /// held changed in between.
    ///
    /// # Panics
    ///
    /// Under [`Policy::Panic`](crate::Policy::Panic) (the default), the
    /// future panics on its first poll, with the report, if the acquisition
    /// would close a cycle in the lock-order graph or the task (or thread,
    /// outside a scope) holds the mutex already.
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
    /// let m = lockorder::tokio::Mutex::new(1);
    /// *m.lock().await += 1;
    /// assert_eq!(*m.lock().await, 2);
    /// # });
    /// ```
    #[track_caller]
    pub fn lock(&self) -> impl Future<Output = MutexGuard<'_, T>> + '_ {
        self.lock_checked(self.tracker.check_task(Access::AsyncLock))
    }

    /// [`Mutex::lock`] at nesting level `subclass` of the mutex's class: for
    /// two mutexes of one class (made at one place) taken one inside the
    /// other on purpose, in an order the code keeps.
    ///
    /// Plain `lock` is level 0.
    ///
    /// # Panics
    ///
    /// As [`Mutex::lock`].
    ///
    /// # Cancel safety
    ///
    /// As [`Mutex::lock`].
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::tokio::Mutex;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// // Created at one place: one class.
    /// let accounts: Vec<Mutex<i64>> = (0..2).map(|_| Mutex::new(100)).collect();
    /// let mut from = accounts[0].lock().await;
    /// let mut to = accounts[1].lock_nested(1).await;
    /// *from -= 10;
    /// *to += 10;
    /// # });
    /// ```
    #[track_caller]
    pub fn lock_nested(&self, subclass: u8) -> impl Future<Output = MutexGuard<'_, T>> + '_ {
        self.lock_checked(self.tracker.check_task_nested(Access::AsyncLock, subclass))
    }

    /// The acquisition `checked` asked for: its lock is `self`'s.
    ///
    /// An `async` block, not an `async fn`: the block keeps `checked` in
    /// place, where an `async fn` would keep its argument and a copy.
    #[allow(clippy::manual_async_fn)]
    pub(super) fn lock_checked<'a>(&'a self, mut checked: Checked<'a>) -> impl Future<Output = MutexGuard<'a, T>> + 'a {
        async move {
            checked.poll();
            let inner = super::wait::acquire(|| self.inner.try_lock().ok(), || self.inner.lock()).await;
            let token = checked.acquired();
            MutexGuard { inner: TrackedGuard::new(inner, token), lock: LockRef::new(self) }
        }
    }

    /// Locks the mutex from code that is not async, blocking the thread.
    ///
    /// # Panics
    ///
    /// As tokio's, when called from within an async runtime; under the
    /// default policy, as [`Mutex::lock`].
    ///
    /// # Examples
    ///
    /// ```
    /// let m = lockorder::tokio::Mutex::new(1);
    /// *m.blocking_lock() += 1;
    /// assert_eq!(*m.blocking_lock(), 2);
    /// ```
    #[track_caller]
    pub fn blocking_lock(&self) -> MutexGuard<'_, T> {
        let checked = self.tracker.check_blocking(Access::AsyncLock);
        let inner = self.inner.blocking_lock();
        let token = checked.acquired();
        MutexGuard { inner: TrackedGuard::new(inner, token), lock: LockRef::new(self) }
    }

    /// Attempts to lock the mutex without waiting (held on success, no
    /// order recorded into it).
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if the mutex is locked.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = lockorder::tokio::Mutex::new(1);
    /// let guard = m.try_lock().unwrap();
    /// assert!(m.try_lock().is_err());
    /// drop(guard);
    /// ```
    #[track_caller]
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryLockError> {
        let inner = self.inner.try_lock()?;
        Ok(MutexGuard {
            inner: TrackedGuard::new(inner, self.tracker.acquired_task(Access::AsyncLock)),
            lock: LockRef::new(self),
        })
    }

    lock_access! {
        /// A mutable reference to the value; no locking is needed.
        ///
        /// # Examples
        ///
        /// ```
        /// let mut m = lockorder::tokio::Mutex::new(1);
        /// *m.get_mut() = 2;
        /// assert_eq!(m.into_inner(), 2);
        /// ```
        get_mut;

        /// Consumes the mutex and returns the value.
        ///
        /// # Examples
        ///
        /// ```
        /// assert_eq!(lockorder::tokio::Mutex::new(3).into_inner(), 3);
        /// ```
        into_inner;

        /// How reports name this mutex.
        ///
        /// # Examples
        ///
        /// ```
        /// let m = lockorder::tokio::Mutex::new_named("cache", ());
        /// // Names are kept only when tracking is compiled in.
        /// if lockorder::enabled() { assert_eq!(m.lock_info().to_string(), "cache"); }
        /// ```
        lock_info;
    }
}

impl<T: ?Sized + 'static> Mutex<T> {
    /// Locks the mutex behind an `Arc` and returns a guard that keeps the
    /// `Arc`, as [`Mutex::lock`] does otherwise.
    ///
    /// Unlike tokio's, the owned guards need `T: 'static`.
    ///
    /// # Panics
    ///
    /// As [`Mutex::lock`].
    ///
    /// # Cancel safety
    ///
    /// As [`Mutex::lock`].
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::tokio::Mutex;
    /// use std::sync::Arc;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let m = Arc::new(Mutex::new(1));
    /// let mut guard = m.clone().lock_owned().await;
    /// *guard += 1;
    /// drop(guard);
    /// assert_eq!(*m.lock().await, 2);
    /// # });
    /// ```
    #[track_caller]
    pub fn lock_owned(self: Arc<Self>) -> impl Future<Output = OwnedMutexGuard<T>> {
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
            let guard = lock.lock_checked(lock.tracker.owned_task(Access::AsyncLockOwned, site)).await;
            OwnedMutexGuard { guard, lock: this }
        }
    }

    /// [`Mutex::blocking_lock`] for a mutex behind an `Arc`.
    ///
    /// # Panics
    ///
    /// As [`Mutex::blocking_lock`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let m = Arc::new(lockorder::tokio::Mutex::new(1));
    /// *m.clone().blocking_lock_owned() += 1;
    /// assert_eq!(*m.blocking_lock(), 2);
    /// ```
    #[track_caller]
    pub fn blocking_lock_owned(self: Arc<Self>) -> OwnedMutexGuard<T> {
        // SAFETY: `self` lives until the end of this function: the guard
        // goes into the owned guard, which drops it before `self`, and a
        // panicking acquisition (a report) leaves nothing borrowing the
        // lock when `self` is dropped by the unwinding.
        let guard = unsafe { super::owned::leak(&self) }.blocking_lock();
        OwnedMutexGuard { guard, lock: self }
    }

    try_owned! {
        /// [`Mutex::try_lock`] for a mutex behind an `Arc`.
        ///
        /// # Errors
        ///
        /// [`TryLockError`] if the mutex is locked.
        ///
        /// # Examples
        ///
        /// ```
        /// use std::sync::Arc;
        ///
        /// let m = Arc::new(lockorder::tokio::Mutex::new(1));
        /// let guard = m.clone().try_lock_owned().unwrap();
        /// assert!(m.clone().try_lock_owned().is_err());
        /// drop(guard);
        /// ```
        try_lock_owned = try_lock -> OwnedMutexGuard
    }
}

lock_traits!(Mutex);
