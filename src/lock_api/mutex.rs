//! A tracked [`lock_api::Mutex`](::lock_api::Mutex), generic over its raw
//! mutex.

use ::lock_api::{RawMutex, RawMutexFair, RawMutexTimed};

use super::shared::{force_unlock, lock_access, lock_from_raw, lock_new, lock_state, lock_traits, lock_with_class};
use super::MutexGuard;
use crate::report::LockInfo;
use crate::tracked::{wrapper, Access, Guard, LockRef, LockTracker};

/// A mutual exclusion lock over any raw mutex `R`, whose acquisitions are
/// checked for lock-order violations: a drop-in for
/// [`lock_api::Mutex`](::lock_api::Mutex).
///
/// [`lockorder::parking_lot::Mutex<T>`](crate::parking_lot::Mutex) is this
/// type over parking_lot's raw mutex; any other [`RawMutex`] works the same.
///
/// `lock` is an acquisition: taking it while holding other locks records
/// their orders before it, and taking it again on the same thread is
/// reported. A successful `try_lock` makes the mutex held without ordering
/// it; a failed one records nothing. The timed `try_lock_for` and
/// `try_lock_until` record nothing when they time out, and count as a `lock`
/// when they succeed (checked once the mutex is held, as they could not
/// deadlock before).
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "parking_lot")] {
/// use lockorder::lock_api::Mutex;
///
/// let m: Mutex<parking_lot::RawMutex, Vec<u8>> = Mutex::new(Vec::new());
/// m.lock().push(1);
/// assert_eq!(*m.lock(), [1]);
/// # }
/// ```
// `#[repr(C)]`, `tracker` then `inner`: without tracking a guard finds the
// mutex from the lock_api mutex its lock_api guard gives (see `LockRef`).
#[repr(C)]
pub struct Mutex<R, T: ?Sized> {
    tracker: LockTracker,
    inner: ::lock_api::Mutex<R, T>,
}

wrapper!(impl[R, T: ?Sized] Mutex<R, T> => ::lock_api::Mutex<R, T>);

impl<R: RawMutex, T> Mutex<R, T> {
    lock_new! {
        Mutex<R>;
        /// Creates an unlocked mutex, named in reports by where it was created.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// static QUEUE: lockorder::parking_lot::Mutex<Vec<u32>> = lockorder::parking_lot::Mutex::new(Vec::new());
        /// QUEUE.lock().push(1);
        /// # }
        /// ```
        new;

        /// Creates an unlocked mutex that reports name `name`.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// let m = lockorder::parking_lot::Mutex::new_named("queue", ());
        /// // Names are kept only when tracking is compiled in.
        /// if lockorder::enabled() { assert_eq!(m.lock_info().name(), Some("queue")); }
        /// # }
        /// ```
        new_named;

        /// Consumes the mutex and returns the value.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// assert_eq!(lockorder::parking_lot::Mutex::new(3).into_inner(), 3);
        /// # }
        /// ```
        into_inner;
    }

    lock_with_class!(Mutex<R>, "lockorder::parking_lot::Mutex");
}

impl<R, T> Mutex<R, T> {
    lock_from_raw! {
        Mutex<R>(raw_mutex: R);
        /// Creates an unlocked mutex over the given raw mutex.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// use lock_api::RawMutex as _;
        ///
        /// let m = lockorder::parking_lot::Mutex::from_raw(parking_lot::RawMutex::INIT, 1);
        /// assert_eq!(*m.lock(), 1);
        /// # }
        /// ```
        from_raw;

        /// The same as [`Mutex::from_raw`], under lock_api's older name.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// use lock_api::RawMutex as _;
        ///
        /// let m = lockorder::parking_lot::Mutex::const_new(parking_lot::RawMutex::INIT, 1);
        /// assert_eq!(*m.lock(), 1);
        /// # }
        /// ```
        const_new;
    }
}

impl<R: RawMutex, T: ?Sized> Mutex<R, T> {
    /// Acquires the mutex, blocking the thread until it is available.
    ///
    /// Before blocking, the acquisition is checked against the lock-order
    /// graph.
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
    /// # #[cfg(feature = "parking_lot")] {
    /// let m = lockorder::parking_lot::Mutex::new(1);
    /// *m.lock() += 1;
    /// assert_eq!(*m.lock(), 2);
    /// # }
    /// ```
    #[track_caller]
    #[inline(always)]
    pub fn lock(&self) -> MutexGuard<'_, R, T> {
        let token = self.tracker.acquire(Access::Lock);
        MutexGuard { inner: Guard::new(self.inner.lock(), token), lock: LockRef::new(self) }
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
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use lockorder::parking_lot::Mutex;
    ///
    /// // Created at one place: one class.
    /// let accounts: Vec<Mutex<i64>> = (0..2).map(|_| Mutex::new(100)).collect();
    /// let mut from = accounts[0].lock();
    /// let mut to = accounts[1].lock_nested(1);
    /// *from -= 10;
    /// *to += 10;
    /// # }
    /// ```
    #[track_caller]
    #[inline(always)]
    pub fn lock_nested(&self, subclass: u8) -> MutexGuard<'_, R, T> {
        let token = self.tracker.acquire_nested(Access::Lock, subclass);
        MutexGuard { inner: Guard::new(self.inner.lock(), token), lock: LockRef::new(self) }
    }

    /// Attempts to acquire the mutex without blocking.
    ///
    /// On success the mutex is held (later acquisitions are ordered after
    /// it) but no order into it is recorded; a failure records nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// let m = lockorder::parking_lot::Mutex::new(1);
    /// let guard = m.try_lock().unwrap();
    /// assert!(m.try_lock().is_none());
    /// drop(guard);
    /// # }
    /// ```
    #[track_caller]
    #[inline(always)]
    pub fn try_lock(&self) -> Option<MutexGuard<'_, R, T>> {
        let inner = self.inner.try_lock()?;
        Some(MutexGuard { inner: Guard::new(inner, self.tracker.acquired(Access::Lock)), lock: LockRef::new(self) })
    }

    lock_state! {
        /// A mutable reference to the value; no locking is needed.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// let mut m = lockorder::parking_lot::Mutex::new(1);
        /// *m.get_mut() = 2;
        /// assert_eq!(*m.lock(), 2);
        /// # }
        /// ```
        get_mut;

        /// Whether the mutex is locked (by any thread).
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// let m = lockorder::parking_lot::Mutex::new(());
        /// let guard = m.lock();
        /// assert!(m.is_locked());
        /// drop(guard);
        /// assert!(!m.is_locked());
        /// # }
        /// ```
        is_locked;
    }

    /// Creates a guard without locking, as lock_api's
    /// `make_guard_unchecked`. The guard takes over the held-set entry left
    /// by the forgotten guard (or, if there is none, counts as a `try_lock`).
    ///
    /// # Safety
    ///
    /// The mutex must be locked by this thread, with no guard for that lock
    /// left (for example after [`MutexGuard::leak`] or `mem::forget`).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// let m = lockorder::parking_lot::Mutex::new(1);
    /// std::mem::forget(m.lock());
    /// // SAFETY: locked by this thread, and its guard was forgotten.
    /// let guard = unsafe { m.make_guard_unchecked() };
    /// assert_eq!(*guard, 1);
    /// # }
    /// ```
    #[track_caller]
    #[inline]
    pub unsafe fn make_guard_unchecked(&self) -> MutexGuard<'_, R, T> {
        // SAFETY: the caller guarantees that the mutex is locked and that no
        // other guard owns that lock.
        let inner = unsafe { self.inner.make_guard_unchecked() };
        MutexGuard { inner: Guard::new(inner, self.tracker.adopt(Access::Lock)), lock: LockRef::new(self) }
    }

    force_unlock! {
        /// Unlocks the mutex without a guard, as lock_api's `force_unlock`; the
        /// entry of the forgotten guard leaves this thread's held set.
        ///
        /// # Safety
        ///
        /// The mutex must be locked, by this thread, with its guard forgotten
        /// (see lock_api).
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// let m = lockorder::parking_lot::Mutex::new(());
        /// lockorder::lock_api::MutexGuard::leak(m.try_lock().unwrap());
        /// // SAFETY: locked by this thread, with its guard leaked.
        /// unsafe { m.force_unlock() };
        /// assert!(!m.is_locked());
        /// # }
        /// ```
        force_unlock
    }

    lock_access! {
        /// The raw mutex, as lock_api's `raw`.
        ///
        /// # Safety
        ///
        /// As lock_api: the raw mutex must not be unlocked while a guard is
        /// alive. Locks taken through it are not tracked.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// use lock_api::RawMutex as _;
        ///
        /// let m = lockorder::parking_lot::Mutex::new(());
        /// // SAFETY: only inspected.
        /// assert!(!unsafe { m.raw() }.is_locked());
        /// # }
        /// ```
        raw;

        /// A raw pointer to the value, as lock_api's `data_ptr`.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// let m = lockorder::parking_lot::Mutex::new(5);
        /// let guard = m.lock();
        /// // SAFETY: the lock is held, and the pointer read while it is.
        /// assert_eq!(unsafe { *m.data_ptr() }, 5);
        /// drop(guard);
        /// # }
        /// ```
        data_ptr;

        /// How reports name this mutex.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// let m = lockorder::parking_lot::Mutex::new_named("cache", ());
        /// // Names are kept only when tracking is compiled in.
        /// if lockorder::enabled() { assert_eq!(m.lock_info().to_string(), "cache"); }
        /// # }
        /// ```
        lock_info;
    }
}

impl<R: RawMutexFair, T: ?Sized> Mutex<R, T> {
    force_unlock! {
        /// [`Mutex::force_unlock`] with lock_api's fair unlock protocol.
        ///
        /// # Safety
        ///
        /// As [`Mutex::force_unlock`].
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// let m = lockorder::parking_lot::FairMutex::new(());
        /// lockorder::lock_api::MutexGuard::leak(m.try_lock().unwrap());
        /// // SAFETY: locked by this thread, with its guard leaked.
        /// unsafe { m.force_unlock_fair() };
        /// assert!(!m.is_locked());
        /// # }
        /// ```
        force_unlock_fair
    }
}

impl<R: RawMutexTimed, T: ?Sized> Mutex<R, T> {
    /// Attempts to acquire the mutex, waiting at most `timeout`.
    ///
    /// A timeout records nothing (as a failed `try_lock`); a success counts
    /// as a `lock`, checked against the lock-order graph once the mutex is
    /// held.
    ///
    /// # Panics
    ///
    /// Under the default policy, after a success that closes a cycle in the
    /// lock-order graph (the mutex is released again while unwinding).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use std::time::Duration;
    ///
    /// let m = lockorder::parking_lot::Mutex::new(1);
    /// assert_eq!(*m.try_lock_for(Duration::from_millis(1)).unwrap(), 1);
    /// # }
    /// ```
    #[track_caller]
    #[inline]
    pub fn try_lock_for(&self, timeout: R::Duration) -> Option<MutexGuard<'_, R, T>> {
        let inner = self.inner.try_lock_for(timeout)?;
        Some(MutexGuard { inner: Guard::new(inner, self.tracker.acquire(Access::Lock)), lock: LockRef::new(self) })
    }

    /// Attempts to acquire the mutex, waiting until `timeout` at most; as
    /// [`Mutex::try_lock_for`].
    ///
    /// # Panics
    ///
    /// As [`Mutex::try_lock_for`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use std::time::{Duration, Instant};
    ///
    /// let m = lockorder::parking_lot::Mutex::new(1);
    /// let guard = m.lock();
    /// assert!(m.try_lock_until(Instant::now() + Duration::from_millis(1)).is_none());
    /// drop(guard);
    /// # }
    /// ```
    #[track_caller]
    #[inline]
    pub fn try_lock_until(&self, timeout: R::Instant) -> Option<MutexGuard<'_, R, T>> {
        let inner = self.inner.try_lock_until(timeout)?;
        Some(MutexGuard { inner: Guard::new(inner, self.tracker.acquire(Access::Lock)), lock: LockRef::new(self) })
    }
}

lock_traits!(Mutex<R: RawMutex>);
