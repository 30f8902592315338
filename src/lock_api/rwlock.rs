//! A tracked [`lock_api::RwLock`](::lock_api::RwLock), generic over its raw
//! reader-writer lock.

use ::lock_api::{
    RawRwLock, RawRwLockFair, RawRwLockRecursive, RawRwLockRecursiveTimed, RawRwLockTimed, RawRwLockUpgrade,
    RawRwLockUpgradeTimed,
};

use super::shared::{force_unlock, lock_access, lock_from_raw, lock_new, lock_state, lock_traits, lock_with_class};
use super::{RwLockReadGuard, RwLockUpgradableReadGuard, RwLockWriteGuard};
use crate::report::LockInfo;
use crate::tracked::{wrapper, Access, Guard, HeldToken, LockRef, LockTracker};

/// A reader-writer lock over any raw lock `R`, whose acquisitions are
/// checked for lock-order violations: a drop-in for
/// [`lock_api::RwLock`](::lock_api::RwLock).
///
/// `read` is not recursive (parking_lot's readers queue behind a waiting
/// writer), so it is an acquisition like `write`: reading twice on one
/// thread, or reading in both orders on two threads, is reported.
/// `read_recursive` is granted while this thread already reads the lock and
/// is not reported then. An upgradable read excludes writers and other
/// upgradable reads. See [the module docs](super) for `upgrade`,
/// `downgrade` and the timed acquisitions.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "parking_lot")] {
/// use lockorder::parking_lot::RwLock;
///
/// let lock = RwLock::new(5);
/// {
///     let r = lock.read();
///     let again = lock.read_recursive(); // fine: this thread reads already
///     assert_eq!(*r + *again, 10);
/// }
/// *lock.write() += 1;
/// assert_eq!(*lock.read(), 6);
/// # }
/// ```
// `#[repr(C)]`, `tracker` then `inner`: without tracking a guard finds the
// lock from the lock_api lock its lock_api guard gives (see `LockRef`).
#[repr(C)]
pub struct RwLock<R, T: ?Sized> {
    tracker: LockTracker,
    inner: ::lock_api::RwLock<R, T>,
}

wrapper!(impl[R, T: ?Sized] RwLock<R, T> => ::lock_api::RwLock<R, T>);

impl<R: RawRwLock, T> RwLock<R, T> {
    lock_new! {
        RwLock<R>;
        /// Creates an unlocked lock, named in reports by where it was created.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// static CONFIG: lockorder::parking_lot::RwLock<u32> = lockorder::parking_lot::RwLock::new(0);
        /// assert_eq!(*CONFIG.read(), 0);
        /// # }
        /// ```
        new;

        /// Creates an unlocked lock that reports name `name`.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// let lock = lockorder::parking_lot::RwLock::new_named("routes", ());
        /// // Names are kept only when tracking is compiled in.
        /// if lockorder::enabled() { assert_eq!(lock.lock_info().name(), Some("routes")); }
        /// # }
        /// ```
        new_named;

        /// Consumes the lock and returns the value.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// assert_eq!(lockorder::parking_lot::RwLock::new(3).into_inner(), 3);
        /// # }
        /// ```
        into_inner;
    }

    lock_with_class!(RwLock<R>, "lockorder::parking_lot::RwLock");
}

impl<R, T> RwLock<R, T> {
    lock_from_raw! {
        RwLock<R>(raw_rwlock: R);
        /// Creates an unlocked lock over the given raw lock.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// use lock_api::RawRwLock as _;
        ///
        /// let lock = lockorder::parking_lot::RwLock::from_raw(parking_lot::RawRwLock::INIT, 1);
        /// assert_eq!(*lock.read(), 1);
        /// # }
        /// ```
        from_raw;

        /// The same as [`RwLock::from_raw`], under lock_api's older name.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// use lock_api::RawRwLock as _;
        ///
        /// let lock = lockorder::parking_lot::RwLock::const_new(parking_lot::RawRwLock::INIT, 1);
        /// assert_eq!(*lock.read(), 1);
        /// # }
        /// ```
        const_new;
    }
}

impl<R: RawRwLock, T: ?Sized> RwLock<R, T> {
    fn read_guard<'a>(
        &'a self,
        inner: ::lock_api::RwLockReadGuard<'a, R, T>,
        token: HeldToken<'a>,
    ) -> RwLockReadGuard<'a, R, T> {
        RwLockReadGuard { inner: Guard::new(inner, token), lock: LockRef::new(self) }
    }

    fn write_guard<'a>(
        &'a self,
        inner: ::lock_api::RwLockWriteGuard<'a, R, T>,
        token: HeldToken<'a>,
    ) -> RwLockWriteGuard<'a, R, T> {
        RwLockWriteGuard { inner: Guard::new(inner, token), lock: LockRef::new(self) }
    }

    /// Acquires shared access, blocking while a writer holds or waits for
    /// the lock.
    ///
    /// # Panics
    ///
    /// Under the default policy, with the report, if this thread already
    /// holds the lock or the acquisition would close a cycle.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// let lock = lockorder::parking_lot::RwLock::new(1);
    /// assert_eq!(*lock.read(), 1);
    /// # }
    /// ```
    #[track_caller]
    #[inline(always)]
    pub fn read(&self) -> RwLockReadGuard<'_, R, T> {
        let token = self.tracker.acquire(Access::Read);
        self.read_guard(self.inner.read(), token)
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
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use lockorder::parking_lot::RwLock;
    ///
    /// let levels: Vec<RwLock<u32>> = (0..2).map(|_| RwLock::new(0)).collect();
    /// let outer = levels[0].read();
    /// let inner = levels[1].read_nested(1);
    /// assert_eq!(*outer + *inner, 0);
    /// # }
    /// ```
    #[track_caller]
    #[inline(always)]
    pub fn read_nested(&self, subclass: u8) -> RwLockReadGuard<'_, R, T> {
        let token = self.tracker.acquire_nested(Access::Read, subclass);
        self.read_guard(self.inner.read(), token)
    }

    /// Attempts shared access without blocking (held on success, no order
    /// recorded into it).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// let lock = lockorder::parking_lot::RwLock::new(1);
    /// let w = lock.write();
    /// assert!(lock.try_read().is_none());
    /// drop(w);
    /// # }
    /// ```
    #[track_caller]
    #[inline(always)]
    pub fn try_read(&self) -> Option<RwLockReadGuard<'_, R, T>> {
        let inner = self.inner.try_read()?;
        Some(self.read_guard(inner, self.tracker.acquired(Access::Read)))
    }

    /// Acquires exclusive access, blocking while anyone holds the lock.
    ///
    /// # Panics
    ///
    /// Under the default policy, with the report, if this thread already
    /// holds the lock or the acquisition would close a cycle.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// let lock = lockorder::parking_lot::RwLock::new(1);
    /// *lock.write() = 2;
    /// assert_eq!(*lock.read(), 2);
    /// # }
    /// ```
    #[track_caller]
    #[inline(always)]
    pub fn write(&self) -> RwLockWriteGuard<'_, R, T> {
        let token = self.tracker.acquire(Access::Write);
        self.write_guard(self.inner.write(), token)
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
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use lockorder::parking_lot::RwLock;
    ///
    /// let levels: Vec<RwLock<u32>> = (0..2).map(|_| RwLock::new(0)).collect();
    /// let _outer = levels[0].write();
    /// *levels[1].write_nested(1) += 1;
    /// # }
    /// ```
    #[track_caller]
    #[inline(always)]
    pub fn write_nested(&self, subclass: u8) -> RwLockWriteGuard<'_, R, T> {
        let token = self.tracker.acquire_nested(Access::Write, subclass);
        self.write_guard(self.inner.write(), token)
    }

    /// Attempts exclusive access without blocking (held on success, no
    /// order recorded into it).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// let lock = lockorder::parking_lot::RwLock::new(1);
    /// let r = lock.read();
    /// assert!(lock.try_write().is_none());
    /// drop(r);
    /// # }
    /// ```
    #[track_caller]
    #[inline(always)]
    pub fn try_write(&self) -> Option<RwLockWriteGuard<'_, R, T>> {
        let inner = self.inner.try_write()?;
        Some(self.write_guard(inner, self.tracker.acquired(Access::Write)))
    }

    lock_state! {
        /// A mutable reference to the value; no locking is needed.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// let mut lock = lockorder::parking_lot::RwLock::new(0);
        /// *lock.get_mut() = 10;
        /// assert_eq!(*lock.read(), 10);
        /// # }
        /// ```
        get_mut;

        /// Whether the lock is held, shared or exclusive (by any thread).
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// let lock = lockorder::parking_lot::RwLock::new(());
        /// let _r = lock.read();
        /// assert!(lock.is_locked());
        /// # }
        /// ```
        is_locked;
    }

    /// Whether the lock is held exclusively (by any thread).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// let lock = lockorder::parking_lot::RwLock::new(());
    /// let _r = lock.read();
    /// assert!(!lock.is_locked_exclusive());
    /// # }
    /// ```
    #[inline]
    pub fn is_locked_exclusive(&self) -> bool {
        self.inner.is_locked_exclusive()
    }

    /// Creates a read guard without locking. It takes over the held-set
    /// entry of the forgotten guard (or, if there is none, counts as a
    /// `try_read`).
    ///
    /// # Safety
    ///
    /// This thread must hold a shared lock whose guard was forgotten.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// let lock = lockorder::parking_lot::RwLock::new(1);
    /// std::mem::forget(lock.read());
    /// // SAFETY: read-locked by this thread, with its guard forgotten.
    /// assert_eq!(*unsafe { lock.make_read_guard_unchecked() }, 1);
    /// # }
    /// ```
    #[track_caller]
    #[inline]
    pub unsafe fn make_read_guard_unchecked(&self) -> RwLockReadGuard<'_, R, T> {
        // SAFETY: forwarded from this function's contract.
        let inner = unsafe { self.inner.make_read_guard_unchecked() };
        self.read_guard(inner, self.tracker.adopt(Access::Read))
    }

    /// Creates a write guard without locking. It takes over the held-set
    /// entry of the forgotten guard (or, if there is none, counts as a
    /// `try_write`).
    ///
    /// # Safety
    ///
    /// This thread must hold the exclusive lock, with its guard forgotten.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// let lock = lockorder::parking_lot::RwLock::new(1);
    /// std::mem::forget(lock.write());
    /// // SAFETY: write-locked by this thread, with its guard forgotten.
    /// *unsafe { lock.make_write_guard_unchecked() } = 2;
    /// assert_eq!(*lock.read(), 2);
    /// # }
    /// ```
    #[track_caller]
    #[inline]
    pub unsafe fn make_write_guard_unchecked(&self) -> RwLockWriteGuard<'_, R, T> {
        // SAFETY: forwarded from this function's contract.
        let inner = unsafe { self.inner.make_write_guard_unchecked() };
        self.write_guard(inner, self.tracker.adopt(Access::Write))
    }

    force_unlock! {
        /// Releases a shared lock without a guard, as lock_api's
        /// `force_unlock_read`; the entry of the forgotten guard leaves this
        /// thread's held set.
        ///
        /// # Safety
        ///
        /// As lock_api: a shared lock must be held, with its guard forgotten.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// let lock = lockorder::parking_lot::RwLock::new(());
        /// std::mem::forget(lock.try_read().unwrap());
        /// // SAFETY: read-locked, with the guard forgotten.
        /// unsafe { lock.force_unlock_read() };
        /// assert!(!lock.is_locked());
        /// # }
        /// ```
        force_unlock_read
    }

    force_unlock! {
        /// Releases the exclusive lock without a guard, as lock_api's
        /// `force_unlock_write`; the entry of the forgotten guard leaves this
        /// thread's held set.
        ///
        /// # Safety
        ///
        /// As lock_api: the exclusive lock must be held, with its guard
        /// forgotten.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// let lock = lockorder::parking_lot::RwLock::new(());
        /// std::mem::forget(lock.try_write().unwrap());
        /// // SAFETY: write-locked, with the guard forgotten.
        /// unsafe { lock.force_unlock_write() };
        /// assert!(!lock.is_locked());
        /// # }
        /// ```
        force_unlock_write
    }

    lock_access! {
        /// The raw lock, as lock_api's `raw`.
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
        /// use lock_api::RawRwLock as _;
        ///
        /// let lock = lockorder::parking_lot::RwLock::new(());
        /// // SAFETY: only inspected.
        /// assert!(!unsafe { lock.raw() }.is_locked());
        /// # }
        /// ```
        raw;

        /// A raw pointer to the value, as lock_api's `data_ptr`.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// let lock = lockorder::parking_lot::RwLock::new(7);
        /// let _r = lock.read();
        /// // SAFETY: read while a read lock is held.
        /// assert_eq!(unsafe { *lock.data_ptr() }, 7);
        /// # }
        /// ```
        data_ptr;

        /// How reports name this lock.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// let lock = lockorder::parking_lot::RwLock::new_named("table", ());
        /// // Names are kept only when tracking is compiled in.
        /// if lockorder::enabled() { assert_eq!(lock.lock_info().to_string(), "table"); }
        /// # }
        /// ```
        lock_info;
    }
}

impl<R: RawRwLockFair, T: ?Sized> RwLock<R, T> {
    force_unlock! {
        /// [`RwLock::force_unlock_read`] with a fair unlock.
        ///
        /// # Safety
        ///
        /// As [`RwLock::force_unlock_read`].
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// let lock = lockorder::parking_lot::RwLock::new(());
        /// std::mem::forget(lock.read());
        /// // SAFETY: read-locked, with the guard forgotten.
        /// unsafe { lock.force_unlock_read_fair() };
        /// assert!(!lock.is_locked());
        /// # }
        /// ```
        force_unlock_read_fair
    }

    force_unlock! {
        /// [`RwLock::force_unlock_write`] with a fair unlock.
        ///
        /// # Safety
        ///
        /// As [`RwLock::force_unlock_write`].
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// let lock = lockorder::parking_lot::RwLock::new(());
        /// std::mem::forget(lock.write());
        /// // SAFETY: write-locked, with the guard forgotten.
        /// unsafe { lock.force_unlock_write_fair() };
        /// assert!(!lock.is_locked());
        /// # }
        /// ```
        force_unlock_write_fair
    }
}

impl<R: RawRwLockTimed, T: ?Sized> RwLock<R, T> {
    /// Attempts shared access, waiting at most `timeout`: nothing is
    /// recorded on a timeout, a success counts as a `read`.
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
    /// let lock = lockorder::parking_lot::RwLock::new(1);
    /// assert_eq!(*lock.try_read_for(Duration::from_millis(1)).unwrap(), 1);
    /// # }
    /// ```
    #[track_caller]
    #[inline]
    pub fn try_read_for(&self, timeout: R::Duration) -> Option<RwLockReadGuard<'_, R, T>> {
        let inner = self.inner.try_read_for(timeout)?;
        Some(self.read_guard(inner, self.tracker.acquire(Access::Read)))
    }

    /// Attempts shared access, waiting until `timeout` at most; as
    /// [`RwLock::try_read_for`].
    ///
    /// # Panics
    ///
    /// As [`RwLock::try_read_for`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use std::time::{Duration, Instant};
    ///
    /// let lock = lockorder::parking_lot::RwLock::new(1);
    /// assert!(lock.try_read_until(Instant::now() + Duration::from_millis(1)).is_some());
    /// # }
    /// ```
    #[track_caller]
    #[inline]
    pub fn try_read_until(&self, timeout: R::Instant) -> Option<RwLockReadGuard<'_, R, T>> {
        let inner = self.inner.try_read_until(timeout)?;
        Some(self.read_guard(inner, self.tracker.acquire(Access::Read)))
    }

    /// Attempts exclusive access, waiting at most `timeout`: nothing is
    /// recorded on a timeout, a success counts as a `write`.
    ///
    /// # Panics
    ///
    /// As [`RwLock::try_read_for`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use std::time::Duration;
    ///
    /// let lock = lockorder::parking_lot::RwLock::new(1);
    /// let r = lock.read();
    /// assert!(lock.try_write_for(Duration::from_millis(1)).is_none());
    /// drop(r);
    /// # }
    /// ```
    #[track_caller]
    #[inline]
    pub fn try_write_for(&self, timeout: R::Duration) -> Option<RwLockWriteGuard<'_, R, T>> {
        let inner = self.inner.try_write_for(timeout)?;
        Some(self.write_guard(inner, self.tracker.acquire(Access::Write)))
    }

    /// Attempts exclusive access, waiting until `timeout` at most; as
    /// [`RwLock::try_write_for`].
    ///
    /// # Panics
    ///
    /// As [`RwLock::try_read_for`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use std::time::{Duration, Instant};
    ///
    /// let lock = lockorder::parking_lot::RwLock::new(1);
    /// assert!(lock.try_write_until(Instant::now() + Duration::from_millis(1)).is_some());
    /// # }
    /// ```
    #[track_caller]
    #[inline]
    pub fn try_write_until(&self, timeout: R::Instant) -> Option<RwLockWriteGuard<'_, R, T>> {
        let inner = self.inner.try_write_until(timeout)?;
        Some(self.write_guard(inner, self.tracker.acquire(Access::Write)))
    }
}

impl<R: RawRwLockRecursive, T: ?Sized> RwLock<R, T> {
    /// Acquires shared access, granted at once while this thread (or any)
    /// reads the lock, even with a writer waiting.
    ///
    /// Re-entering a lock this thread reads is not reported; the orders
    /// from the other held locks are recorded as for `read`.
    ///
    /// # Panics
    ///
    /// Under the default policy, with the report, if this thread holds the
    /// lock for writing or the acquisition would close a cycle.
    ///
    /// # Examples
    ///
    /// See [`RwLock`].
    #[track_caller]
    #[inline(always)]
    pub fn read_recursive(&self) -> RwLockReadGuard<'_, R, T> {
        let token = self.tracker.acquire(Access::ReadRecursive);
        self.read_guard(self.inner.read_recursive(), token)
    }

    /// Attempts a recursive read without blocking (held on success, no
    /// order recorded into it).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// let lock = lockorder::parking_lot::RwLock::new(1);
    /// let _r = lock.read();
    /// assert!(lock.try_read_recursive().is_some());
    /// # }
    /// ```
    #[track_caller]
    #[inline]
    pub fn try_read_recursive(&self) -> Option<RwLockReadGuard<'_, R, T>> {
        let inner = self.inner.try_read_recursive()?;
        Some(self.read_guard(inner, self.tracker.acquired(Access::ReadRecursive)))
    }
}

impl<R: RawRwLockRecursiveTimed, T: ?Sized> RwLock<R, T> {
    /// A recursive read, waiting at most `timeout`: nothing is recorded on a
    /// timeout, a success counts as a `read_recursive`.
    ///
    /// # Panics
    ///
    /// As [`RwLock::try_read_for`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use std::time::Duration;
    ///
    /// let lock = lockorder::parking_lot::RwLock::new(1);
    /// assert!(lock.try_read_recursive_for(Duration::from_millis(1)).is_some());
    /// # }
    /// ```
    #[track_caller]
    #[inline]
    pub fn try_read_recursive_for(&self, timeout: R::Duration) -> Option<RwLockReadGuard<'_, R, T>> {
        let inner = self.inner.try_read_recursive_for(timeout)?;
        Some(self.read_guard(inner, self.tracker.acquire(Access::ReadRecursive)))
    }

    /// A recursive read, waiting until `timeout` at most; as
    /// [`RwLock::try_read_recursive_for`].
    ///
    /// # Panics
    ///
    /// As [`RwLock::try_read_for`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use std::time::{Duration, Instant};
    ///
    /// let lock = lockorder::parking_lot::RwLock::new(1);
    /// assert!(lock.try_read_recursive_until(Instant::now() + Duration::from_millis(1)).is_some());
    /// # }
    /// ```
    #[track_caller]
    #[inline]
    pub fn try_read_recursive_until(&self, timeout: R::Instant) -> Option<RwLockReadGuard<'_, R, T>> {
        let inner = self.inner.try_read_recursive_until(timeout)?;
        Some(self.read_guard(inner, self.tracker.acquire(Access::ReadRecursive)))
    }
}

impl<R: RawRwLockUpgrade, T: ?Sized> RwLock<R, T> {
    fn upgradable_guard<'a>(
        &'a self,
        inner: ::lock_api::RwLockUpgradableReadGuard<'a, R, T>,
        token: HeldToken<'a>,
    ) -> RwLockUpgradableReadGuard<'a, R, T> {
        RwLockUpgradableReadGuard { inner: Guard::new(inner, token), lock: LockRef::new(self) }
    }

    /// Acquires an upgradable read: shared with plain readers, exclusive
    /// against writers and other upgradable readers.
    ///
    /// # Panics
    ///
    /// Under the default policy, with the report, if this thread already
    /// holds the lock or the acquisition would close a cycle.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use lockorder::parking_lot::{RwLock, RwLockUpgradableReadGuard};
    ///
    /// let lock = RwLock::new(1);
    /// let up = lock.upgradable_read();
    /// assert_eq!(*up, 1);
    /// let mut w = RwLockUpgradableReadGuard::upgrade(up);
    /// *w = 2;
    /// # }
    /// ```
    #[track_caller]
    #[inline(always)]
    pub fn upgradable_read(&self) -> RwLockUpgradableReadGuard<'_, R, T> {
        let token = self.tracker.acquire(Access::Upgradable);
        self.upgradable_guard(self.inner.upgradable_read(), token)
    }

    /// Attempts an upgradable read without blocking (held on success, no
    /// order recorded into it).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// let lock = lockorder::parking_lot::RwLock::new(1);
    /// let up = lock.try_upgradable_read().unwrap();
    /// assert!(lock.try_upgradable_read().is_none());
    /// drop(up);
    /// # }
    /// ```
    #[track_caller]
    #[inline]
    pub fn try_upgradable_read(&self) -> Option<RwLockUpgradableReadGuard<'_, R, T>> {
        let inner = self.inner.try_upgradable_read()?;
        Some(self.upgradable_guard(inner, self.tracker.acquired(Access::Upgradable)))
    }

    /// Creates an upgradable guard without locking. It takes over the
    /// held-set entry of the forgotten guard (or, if there is none, counts
    /// as a `try_upgradable_read`).
    ///
    /// # Safety
    ///
    /// This thread must hold an upgradable read whose guard was forgotten.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// let lock = lockorder::parking_lot::RwLock::new(1);
    /// std::mem::forget(lock.upgradable_read());
    /// // SAFETY: upgradable-read-locked, with the guard forgotten.
    /// assert_eq!(*unsafe { lock.make_upgradable_guard_unchecked() }, 1);
    /// # }
    /// ```
    #[track_caller]
    #[inline]
    pub unsafe fn make_upgradable_guard_unchecked(&self) -> RwLockUpgradableReadGuard<'_, R, T> {
        // SAFETY: forwarded from this function's contract.
        let inner = unsafe { self.inner.make_upgradable_guard_unchecked() };
        self.upgradable_guard(inner, self.tracker.adopt(Access::Upgradable))
    }
}

impl<R: RawRwLockUpgradeTimed, T: ?Sized> RwLock<R, T> {
    /// An upgradable read, waiting at most `timeout`: nothing is recorded
    /// on a timeout, a success counts as an `upgradable_read`.
    ///
    /// # Panics
    ///
    /// As [`RwLock::try_read_for`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use std::time::Duration;
    ///
    /// let lock = lockorder::parking_lot::RwLock::new(1);
    /// assert!(lock.try_upgradable_read_for(Duration::from_millis(1)).is_some());
    /// # }
    /// ```
    #[track_caller]
    #[inline]
    pub fn try_upgradable_read_for(&self, timeout: R::Duration) -> Option<RwLockUpgradableReadGuard<'_, R, T>> {
        let inner = self.inner.try_upgradable_read_for(timeout)?;
        Some(self.upgradable_guard(inner, self.tracker.acquire(Access::Upgradable)))
    }

    /// An upgradable read, waiting until `timeout` at most; as
    /// [`RwLock::try_upgradable_read_for`].
    ///
    /// # Panics
    ///
    /// As [`RwLock::try_read_for`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use std::time::{Duration, Instant};
    ///
    /// let lock = lockorder::parking_lot::RwLock::new(1);
    /// assert!(lock.try_upgradable_read_until(Instant::now() + Duration::from_millis(1)).is_some());
    /// # }
    /// ```
    #[track_caller]
    #[inline]
    pub fn try_upgradable_read_until(&self, timeout: R::Instant) -> Option<RwLockUpgradableReadGuard<'_, R, T>> {
        let inner = self.inner.try_upgradable_read_until(timeout)?;
        Some(self.upgradable_guard(inner, self.tracker.acquire(Access::Upgradable)))
    }
}

lock_traits!(RwLock<R: RawRwLock>);
