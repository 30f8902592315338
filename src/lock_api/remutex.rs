//! A tracked [`lock_api::ReentrantMutex`](::lock_api::ReentrantMutex).

use ::lock_api::{GetThreadId, RawMutex, RawMutexFair, RawMutexTimed};

use super::shared::{force_unlock, lock_access, lock_from_raw, lock_new, lock_state, lock_traits, lock_with_class};
use super::ReentrantMutexGuard;
use crate::report::LockInfo;
use crate::tracked::{wrapper, Access, Guard, LockRef, LockTracker};

/// A mutex that the thread holding it may lock again, whose acquisitions
/// are checked for lock-order violations: a drop-in for
/// [`lock_api::ReentrantMutex`](::lock_api::ReentrantMutex).
///
/// Locking it again on the thread that holds it is not reported. Every
/// `lock` still records the orders from the other locks the thread holds,
/// so an inversion between a re-entrant mutex and another lock is reported
/// like any other.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "parking_lot")] {
/// use lockorder::parking_lot::ReentrantMutex;
/// use std::cell::Cell;
///
/// let m = ReentrantMutex::new(Cell::new(0));
/// let outer = m.lock();
/// let inner = m.lock(); // the same thread: granted, not reported
/// inner.set(1);
/// drop(inner);
/// assert_eq!(outer.get(), 1);
/// # }
/// ```
// `#[repr(C)]`, `tracker` then `inner`: without tracking a guard finds the
// mutex from the lock_api mutex its lock_api guard gives (see `LockRef`).
#[repr(C)]
pub struct ReentrantMutex<R, G, T: ?Sized> {
    tracker: LockTracker,
    inner: ::lock_api::ReentrantMutex<R, G, T>,
}

wrapper!(impl[R, G, T: ?Sized] ReentrantMutex<R, G, T> => ::lock_api::ReentrantMutex<R, G, T>);

impl<R: RawMutex, G: GetThreadId, T> ReentrantMutex<R, G, T> {
    lock_new! {
        ReentrantMutex<R, G>;
        /// Creates an unlocked mutex, named in reports by where it was created.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// static LOG: lockorder::parking_lot::ReentrantMutex<()> = lockorder::parking_lot::ReentrantMutex::new(());
        /// let _guard = LOG.lock();
        /// # }
        /// ```
        new;

        /// Creates an unlocked mutex that reports name `name`.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// let m = lockorder::parking_lot::ReentrantMutex::new_named("log", ());
        /// // Names are kept only when tracking is compiled in.
        /// if lockorder::enabled() { assert_eq!(m.lock_info().name(), Some("log")); }
        /// # }
        /// ```
        new_named;

        /// Consumes the mutex and returns the value.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// assert_eq!(lockorder::parking_lot::ReentrantMutex::new(2).into_inner(), 2);
        /// # }
        /// ```
        into_inner;
    }

    lock_with_class!(ReentrantMutex<R, G>, "lockorder::parking_lot::ReentrantMutex");
}

impl<R, G, T> ReentrantMutex<R, G, T> {
    lock_from_raw! {
        ReentrantMutex<R, G>(raw_mutex: R, get_thread_id: G);
        /// Creates an unlocked mutex over the given raw mutex and thread-id
        /// source.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// use lock_api::{GetThreadId as _, RawMutex as _};
        /// use lockorder::parking_lot::ReentrantMutex;
        ///
        /// let m = ReentrantMutex::from_raw(parking_lot::RawMutex::INIT, parking_lot::RawThreadId::INIT, 1);
        /// assert_eq!(*m.lock(), 1);
        /// # }
        /// ```
        from_raw;

        /// The same as [`ReentrantMutex::from_raw`], under lock_api's older
        /// name.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// use lock_api::{GetThreadId as _, RawMutex as _};
        /// use lockorder::parking_lot::ReentrantMutex;
        ///
        /// let m = ReentrantMutex::const_new(parking_lot::RawMutex::INIT, parking_lot::RawThreadId::INIT, 1);
        /// assert_eq!(*m.lock(), 1);
        /// # }
        /// ```
        const_new;
    }
}

impl<R: RawMutex, G: GetThreadId, T: ?Sized> ReentrantMutex<R, G, T> {
    /// Acquires the mutex, blocking the thread until it is available; at
    /// once if this thread holds it already.
    ///
    /// # Panics
    ///
    /// Under the default policy, with the report, if the acquisition would
    /// close a cycle in the lock-order graph.
    ///
    /// # Examples
    ///
    /// See [`ReentrantMutex`].
    #[track_caller]
    #[inline(always)]
    pub fn lock(&self) -> ReentrantMutexGuard<'_, R, G, T> {
        let token = self.tracker.acquire(Access::Reentrant);
        ReentrantMutexGuard { inner: Guard::new(self.inner.lock(), token), lock: LockRef::new(self) }
    }

    /// [`ReentrantMutex::lock`] at nesting level `subclass` of the mutex's
    /// class: for two mutexes of one class taken one inside the other on
    /// purpose, in an order the code keeps.
    ///
    /// Plain `lock` is level 0.
    ///
    /// # Panics
    ///
    /// As [`ReentrantMutex::lock`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use lockorder::parking_lot::ReentrantMutex;
    ///
    /// let pair: Vec<ReentrantMutex<u8>> = (0..2).map(|_| ReentrantMutex::new(0)).collect();
    /// let _outer = pair[0].lock();
    /// let _inner = pair[1].lock_nested(1);
    /// # }
    /// ```
    #[track_caller]
    #[inline(always)]
    pub fn lock_nested(&self, subclass: u8) -> ReentrantMutexGuard<'_, R, G, T> {
        let token = self.tracker.acquire_nested(Access::Reentrant, subclass);
        ReentrantMutexGuard { inner: Guard::new(self.inner.lock(), token), lock: LockRef::new(self) }
    }

    /// Attempts to acquire the mutex without blocking (held on success, no
    /// order recorded into it).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// let m = lockorder::parking_lot::ReentrantMutex::new(());
    /// let _outer = m.lock();
    /// assert!(m.try_lock().is_some()); // this thread holds it
    /// # }
    /// ```
    #[track_caller]
    #[inline(always)]
    pub fn try_lock(&self) -> Option<ReentrantMutexGuard<'_, R, G, T>> {
        let inner = self.inner.try_lock()?;
        Some(ReentrantMutexGuard {
            inner: Guard::new(inner, self.tracker.acquired(Access::Reentrant)),
            lock: LockRef::new(self),
        })
    }

    lock_state! {
        /// A mutable reference to the value; no locking is needed.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// let mut m = lockorder::parking_lot::ReentrantMutex::new(1);
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
        /// let m = lockorder::parking_lot::ReentrantMutex::new(());
        /// assert!(!m.is_locked());
        /// # }
        /// ```
        is_locked;
    }

    /// Whether this thread holds the mutex.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// let m = lockorder::parking_lot::ReentrantMutex::new(());
    /// let _guard = m.lock();
    /// assert!(m.is_owned_by_current_thread());
    /// # }
    /// ```
    #[inline]
    pub fn is_owned_by_current_thread(&self) -> bool {
        self.inner.is_owned_by_current_thread()
    }

    /// Creates a guard without locking, as lock_api's
    /// `make_guard_unchecked`. The guard takes over the held-set entry left
    /// by the forgotten guard (or, if there is none, counts as a `try_lock`).
    ///
    /// # Safety
    ///
    /// The mutex must be locked by this thread, for a lock level whose guard
    /// was forgotten.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// let m = lockorder::parking_lot::ReentrantMutex::new(1);
    /// std::mem::forget(m.lock());
    /// // SAFETY: locked by this thread, and its guard was forgotten.
    /// let guard = unsafe { m.make_guard_unchecked() };
    /// assert_eq!(*guard, 1);
    /// # }
    /// ```
    #[track_caller]
    #[inline]
    pub unsafe fn make_guard_unchecked(&self) -> ReentrantMutexGuard<'_, R, G, T> {
        // SAFETY: forwarded from this function's contract.
        let inner = unsafe { self.inner.make_guard_unchecked() };
        ReentrantMutexGuard {
            inner: Guard::new(inner, self.tracker.adopt(Access::Reentrant)),
            lock: LockRef::new(self),
        }
    }

    force_unlock! {
        /// Releases one lock level without a guard, as lock_api's
        /// `force_unlock`; the entry of the forgotten guard leaves this thread's
        /// held set.
        ///
        /// # Safety
        ///
        /// As lock_api: the mutex must be locked by this thread, for a level
        /// whose guard was forgotten.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// let m = lockorder::parking_lot::ReentrantMutex::new(());
        /// std::mem::forget(m.try_lock().unwrap());
        /// // SAFETY: locked by this thread, with its guard forgotten.
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
        /// As lock_api: it must not be unlocked while a guard is alive. Locks
        /// taken through it are not tracked.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// use lock_api::RawMutex as _;
        ///
        /// let m = lockorder::parking_lot::ReentrantMutex::new(());
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
        /// let m = lockorder::parking_lot::ReentrantMutex::new(4);
        /// let _guard = m.lock();
        /// // SAFETY: the lock is held while the pointer is read.
        /// assert_eq!(unsafe { *m.data_ptr() }, 4);
        /// # }
        /// ```
        data_ptr;

        /// How reports name this mutex.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// let m = lockorder::parking_lot::ReentrantMutex::new_named("log", ());
        /// // Names are kept only when tracking is compiled in.
        /// if lockorder::enabled() { assert_eq!(m.lock_info().to_string(), "log"); }
        /// # }
        /// ```
        lock_info;
    }
}

impl<R: RawMutexFair, G: GetThreadId, T: ?Sized> ReentrantMutex<R, G, T> {
    force_unlock! {
        /// [`ReentrantMutex::force_unlock`] with a fair unlock.
        ///
        /// # Safety
        ///
        /// As [`ReentrantMutex::force_unlock`].
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// let m = lockorder::parking_lot::ReentrantMutex::new(());
        /// std::mem::forget(m.lock());
        /// // SAFETY: locked by this thread, with its guard forgotten.
        /// unsafe { m.force_unlock_fair() };
        /// assert!(!m.is_locked());
        /// # }
        /// ```
        force_unlock_fair
    }
}

impl<R: RawMutexTimed, G: GetThreadId, T: ?Sized> ReentrantMutex<R, G, T> {
    /// Attempts to acquire the mutex, waiting at most `timeout`: nothing is
    /// recorded on a timeout, a success counts as a `lock`.
    ///
    /// # Panics
    ///
    /// Under the default policy, after a success that closes a cycle in the
    /// lock-order graph.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use std::time::Duration;
    ///
    /// let m = lockorder::parking_lot::ReentrantMutex::new(());
    /// assert!(m.try_lock_for(Duration::from_millis(1)).is_some());
    /// # }
    /// ```
    #[track_caller]
    #[inline]
    pub fn try_lock_for(&self, timeout: R::Duration) -> Option<ReentrantMutexGuard<'_, R, G, T>> {
        let inner = self.inner.try_lock_for(timeout)?;
        Some(ReentrantMutexGuard {
            inner: Guard::new(inner, self.tracker.acquire(Access::Reentrant)),
            lock: LockRef::new(self),
        })
    }

    /// Attempts to acquire the mutex, waiting until `timeout` at most; as
    /// [`ReentrantMutex::try_lock_for`].
    ///
    /// # Panics
    ///
    /// As [`ReentrantMutex::try_lock_for`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use std::time::{Duration, Instant};
    ///
    /// let m = lockorder::parking_lot::ReentrantMutex::new(());
    /// assert!(m.try_lock_until(Instant::now() + Duration::from_millis(1)).is_some());
    /// # }
    /// ```
    #[track_caller]
    #[inline]
    pub fn try_lock_until(&self, timeout: R::Instant) -> Option<ReentrantMutexGuard<'_, R, G, T>> {
        let inner = self.inner.try_lock_until(timeout)?;
        Some(ReentrantMutexGuard {
            inner: Guard::new(inner, self.tracker.acquire(Access::Reentrant)),
            lock: LockRef::new(self),
        })
    }
}

lock_traits!(ReentrantMutex<R: RawMutex, G: GetThreadId>);
