//! The upgradable guard of [`RwLock`]: [`RwLockUpgradableReadGuard`].

use ::lock_api::{RawRwLockUpgrade, RawRwLockUpgradeDowngrade, RawRwLockUpgradeFair, RawRwLockUpgradeTimed};

use super::guard::{forward_guard, guard_fair, guard_unlocked};
use super::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use crate::tracked::{Access, Guard, LockRef};

/// An upgradable read of an [`RwLock`], until dropped: shared with plain
/// readers, exclusive against writers and other upgradable readers.
///
/// [`upgrade`](Self::upgrade) waits for the plain readers to leave, so it
/// is checked like a `write` taken at the `upgrade` call with the locks held
/// then: an upgrade that waits for a reader that waits for a lock this
/// thread holds is reported. Downgrading, and a successful
/// [`try_upgrade`](Self::try_upgrade), record no order.
///
/// Dropping it ends its tracking first, then unlocks: nothing of the lock
/// is touched after the unlock (see [How it works](crate#how-it-works)).
#[must_use = "if unused the RwLock will immediately unlock"]
#[clippy::has_significant_drop]
pub struct RwLockUpgradableReadGuard<'a, R: RawRwLockUpgrade, T: ?Sized> {
    pub(super) inner: Guard<'a, ::lock_api::RwLockUpgradableReadGuard<'a, R, T>>,
    pub(super) lock: LockRef<'a, RwLock<R, T>>,
}

impl<'a, R: RawRwLockUpgrade + 'a, T: ?Sized + 'a> RwLockUpgradableReadGuard<'a, R, T> {
    /// The lock this guard reads.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use lockorder::parking_lot::{RwLock, RwLockUpgradableReadGuard};
    ///
    /// let lock = RwLock::new(());
    /// let up = lock.upgradable_read();
    /// assert!(std::ptr::eq(RwLockUpgradableReadGuard::rwlock(&up), &lock));
    /// # }
    /// ```
    pub fn rwlock(s: &Self) -> &'a RwLock<R, T> {
        // SAFETY: `s.lock` and the lock_api guard in `s.inner` were made
        // together, from one lock of ours and its `inner` (by the lock's
        // methods, or moved on together from another guard of the lock), so
        // the lock the lock_api guard gives is that lock's `inner`.
        unsafe { s.lock.get(::lock_api::RwLockUpgradableReadGuard::rwlock(&s.inner)) }
    }

    guard_unlocked! {
        /// Runs `f` with the upgradable read released, then takes it again;
        /// the re-acquisition is checked at this call.
        ///
        /// # Panics
        ///
        /// Under the default policy, if taking it again would close a cycle
        /// with the locks still held.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// use lockorder::parking_lot::{RwLock, RwLockUpgradableReadGuard};
        ///
        /// let lock = RwLock::new(0);
        /// let mut up = lock.upgradable_read();
        /// RwLockUpgradableReadGuard::unlocked(&mut up, || *lock.write() = 1);
        /// assert_eq!(*up, 1);
        /// # }
        /// ```
        RwLockUpgradableReadGuard::unlocked(Access::Upgradable)
    }

    /// Waits for the plain readers to leave and turns this guard into a
    /// write guard; checked like a `write` at this call, before waiting.
    ///
    /// # Panics
    ///
    /// Under the default policy, if the upgrade would close a cycle with
    /// the other locks held, or if this thread also reads the lock (it
    /// would wait for itself).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use lockorder::parking_lot::{RwLock, RwLockUpgradableReadGuard};
    ///
    /// let lock = RwLock::new(1);
    /// let mut w = RwLockUpgradableReadGuard::upgrade(lock.upgradable_read());
    /// *w = 2;
    /// # }
    /// ```
    #[track_caller]
    #[inline]
    pub fn upgrade(s: Self) -> RwLockWriteGuard<'a, R, T> {
        let RwLockUpgradableReadGuard { mut inner, lock } = s;
        inner.token_mut().relock_as(Access::Write);
        RwLockWriteGuard { inner: inner.map(|inner, _| ::lock_api::RwLockUpgradableReadGuard::upgrade(inner)), lock }
    }

    /// Upgrades without waiting, if no plain reader holds the lock; no
    /// order is recorded.
    ///
    /// # Errors
    ///
    /// The original guard, if readers hold the lock.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use lockorder::parking_lot::{RwLock, RwLockUpgradableReadGuard};
    ///
    /// let lock = RwLock::new(1);
    /// let up = lock.upgradable_read();
    /// let reader = lock.try_read().unwrap();
    /// let up = RwLockUpgradableReadGuard::try_upgrade(up).unwrap_err();
    /// drop(reader);
    /// assert!(RwLockUpgradableReadGuard::try_upgrade(up).is_ok());
    /// # }
    /// ```
    #[track_caller]
    #[inline]
    pub fn try_upgrade(s: Self) -> Result<RwLockWriteGuard<'a, R, T>, Self> {
        let RwLockUpgradableReadGuard { inner, lock } = s;
        match inner.try_map(|inner, _| ::lock_api::RwLockUpgradableReadGuard::try_upgrade(inner)) {
            Ok(mut inner) => {
                inner.token_mut().retag(Access::Write);
                Ok(RwLockWriteGuard { inner, lock })
            }
            Err(inner) => Err(RwLockUpgradableReadGuard { inner, lock }),
        }
    }
}

guard_fair! {
    RwLockUpgradableReadGuard<R: RawRwLockUpgradeFair>;
    /// Releases the upgradable read with a fair unlock.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use lockorder::parking_lot::{RwLock, RwLockUpgradableReadGuard};
    ///
    /// let lock = RwLock::new(());
    /// RwLockUpgradableReadGuard::unlock_fair(lock.upgradable_read());
    /// assert!(!lock.is_locked());
    /// # }
    /// ```
    unlock_fair;

    /// [`RwLockUpgradableReadGuard::unlocked`] with a fair unlock.
    ///
    /// # Panics
    ///
    /// As [`RwLockUpgradableReadGuard::unlocked`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use lockorder::parking_lot::{RwLock, RwLockUpgradableReadGuard};
    ///
    /// let lock = RwLock::new(0);
    /// let mut up = lock.upgradable_read();
    /// RwLockUpgradableReadGuard::unlocked_fair(&mut up, || *lock.write() = 1);
    /// assert_eq!(*up, 1);
    /// # }
    /// ```
    unlocked_fair(Access::Upgradable);

    /// Lets a waiting thread in, if there is one, and takes the upgradable
    /// read again; checked at this call.
    ///
    /// # Panics
    ///
    /// As [`RwLockUpgradableReadGuard::unlocked`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use lockorder::parking_lot::{RwLock, RwLockUpgradableReadGuard};
    ///
    /// let lock = RwLock::new(());
    /// let mut up = lock.upgradable_read();
    /// RwLockUpgradableReadGuard::bump(&mut up);
    /// # }
    /// ```
    bump;
}

impl<'a, R: RawRwLockUpgradeDowngrade + 'a, T: ?Sized + 'a> RwLockUpgradableReadGuard<'a, R, T> {
    /// Turns the upgradable read into a plain read; no order is recorded.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use lockorder::parking_lot::{RwLock, RwLockUpgradableReadGuard};
    ///
    /// let lock = RwLock::new(1);
    /// let r = RwLockUpgradableReadGuard::downgrade(lock.upgradable_read());
    /// assert!(lock.try_upgradable_read().is_some());
    /// drop(r);
    /// # }
    /// ```
    #[track_caller]
    #[inline]
    pub fn downgrade(s: Self) -> RwLockReadGuard<'a, R, T> {
        let RwLockUpgradableReadGuard { mut inner, lock } = s;
        inner.token_mut().retag(Access::Read);
        RwLockReadGuard { inner: inner.map(|inner, _| ::lock_api::RwLockUpgradableReadGuard::downgrade(inner)), lock }
    }

    /// Upgrades, runs `f` with write access, and downgrades back; the
    /// upgrade is checked like [`upgrade`](Self::upgrade).
    ///
    /// # Panics
    ///
    /// As [`RwLockUpgradableReadGuard::upgrade`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// let lock = lockorder::parking_lot::RwLock::new(1);
    /// let mut up = lock.upgradable_read();
    /// up.with_upgraded(|v| *v = 2);
    /// assert_eq!(*up, 2);
    /// # }
    /// ```
    #[track_caller]
    #[inline]
    pub fn with_upgraded<Ret, F: FnOnce(&mut T) -> Ret>(&mut self, f: F) -> Ret {
        self.inner.token_mut().relock_as(Access::Write);
        let out = self.inner.with_upgraded(f);
        self.inner.token_mut().retag(Access::Upgradable);
        out
    }

    /// [`with_upgraded`](Self::with_upgraded) if the upgrade needs no wait;
    /// no order is recorded.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// let lock = lockorder::parking_lot::RwLock::new(1);
    /// let mut up = lock.upgradable_read();
    /// assert_eq!(up.try_with_upgraded(|v| std::mem::replace(v, 2)), Some(1));
    /// # }
    /// ```
    #[inline]
    pub fn try_with_upgraded<Ret, F: FnOnce(&mut T) -> Ret>(&mut self, f: F) -> Option<Ret> {
        self.inner.try_with_upgraded(f)
    }
}

impl<'a, R: RawRwLockUpgradeTimed + 'a, T: ?Sized + 'a> RwLockUpgradableReadGuard<'a, R, T> {
    /// Upgrades, waiting at most `timeout` for the readers to leave: nothing
    /// is recorded on a timeout, a success counts as an
    /// [`upgrade`](Self::upgrade).
    ///
    /// # Errors
    ///
    /// The original guard, on a timeout.
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
    /// use lockorder::parking_lot::{RwLock, RwLockUpgradableReadGuard};
    /// use std::time::Duration;
    ///
    /// let lock = RwLock::new(1);
    /// let up = lock.upgradable_read();
    /// assert!(RwLockUpgradableReadGuard::try_upgrade_for(up, Duration::from_millis(1)).is_ok());
    /// # }
    /// ```
    #[track_caller]
    #[inline]
    pub fn try_upgrade_for(s: Self, timeout: R::Duration) -> Result<RwLockWriteGuard<'a, R, T>, Self> {
        let RwLockUpgradableReadGuard { inner, lock } = s;
        match inner.try_map(|inner, _| ::lock_api::RwLockUpgradableReadGuard::try_upgrade_for(inner, timeout)) {
            Ok(mut inner) => {
                inner.token_mut().relock_as(Access::Write);
                Ok(RwLockWriteGuard { inner, lock })
            }
            Err(inner) => Err(RwLockUpgradableReadGuard { inner, lock }),
        }
    }

    /// Upgrades, waiting until `timeout` at most; as
    /// [`try_upgrade_for`](Self::try_upgrade_for).
    ///
    /// # Errors
    ///
    /// The original guard, on a timeout.
    ///
    /// # Panics
    ///
    /// As [`try_upgrade_for`](Self::try_upgrade_for).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use lockorder::parking_lot::{RwLock, RwLockUpgradableReadGuard};
    /// use std::time::{Duration, Instant};
    ///
    /// let lock = RwLock::new(1);
    /// let up = lock.upgradable_read();
    /// let _reader = lock.try_read().unwrap();
    /// let deadline = Instant::now() + Duration::from_millis(1);
    /// assert!(RwLockUpgradableReadGuard::try_upgrade_until(up, deadline).is_err());
    /// # }
    /// ```
    #[track_caller]
    #[inline]
    pub fn try_upgrade_until(s: Self, timeout: R::Instant) -> Result<RwLockWriteGuard<'a, R, T>, Self> {
        let RwLockUpgradableReadGuard { inner, lock } = s;
        match inner.try_map(|inner, _| ::lock_api::RwLockUpgradableReadGuard::try_upgrade_until(inner, timeout)) {
            Ok(mut inner) => {
                inner.token_mut().relock_as(Access::Write);
                Ok(RwLockWriteGuard { inner, lock })
            }
            Err(inner) => Err(RwLockUpgradableReadGuard { inner, lock }),
        }
    }
}

impl<'a, R: RawRwLockUpgradeTimed + RawRwLockUpgradeDowngrade + 'a, T: ?Sized + 'a>
    RwLockUpgradableReadGuard<'a, R, T>
{
    /// [`with_upgraded`](Self::with_upgraded), waiting at most `timeout`
    /// for the upgrade: nothing is recorded on a timeout, a success counts
    /// as an upgrade.
    ///
    /// # Panics
    ///
    /// As [`try_upgrade_for`](Self::try_upgrade_for).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use std::time::Duration;
    ///
    /// let lock = lockorder::parking_lot::RwLock::new(1);
    /// let mut up = lock.upgradable_read();
    /// assert_eq!(up.try_with_upgraded_for(Duration::from_millis(1), |v| *v + 1), Some(2));
    /// # }
    /// ```
    #[track_caller]
    #[inline]
    pub fn try_with_upgraded_for<Ret, F: FnOnce(&mut T) -> Ret>(&mut self, timeout: R::Duration, f: F) -> Option<Ret> {
        let out = self.inner.try_with_upgraded_for(timeout, f)?;
        self.record_timed_upgrade();
        Some(out)
    }

    /// [`with_upgraded`](Self::with_upgraded), waiting until `timeout` at
    /// most; as [`try_with_upgraded_for`](Self::try_with_upgraded_for).
    ///
    /// # Panics
    ///
    /// As [`try_upgrade_for`](Self::try_upgrade_for).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use std::time::{Duration, Instant};
    ///
    /// let lock = lockorder::parking_lot::RwLock::new(1);
    /// let mut up = lock.upgradable_read();
    /// let deadline = Instant::now() + Duration::from_millis(1);
    /// assert_eq!(up.try_with_upgraded_until(deadline, |v| *v + 1), Some(2));
    /// # }
    /// ```
    #[track_caller]
    #[inline]
    pub fn try_with_upgraded_until<Ret, F: FnOnce(&mut T) -> Ret>(&mut self, timeout: R::Instant, f: F) -> Option<Ret> {
        let out = self.inner.try_with_upgraded_until(timeout, f)?;
        self.record_timed_upgrade();
        Some(out)
    }

    /// The order of an upgrade that succeeded within its timeout, checked
    /// once it is over; the guard is upgradable again.
    #[track_caller]
    fn record_timed_upgrade(&mut self) {
        self.inner.token_mut().relock_as(Access::Write);
        self.inner.token_mut().retag(Access::Upgradable);
    }
}

forward_guard!(RwLockUpgradableReadGuard<R: RawRwLockUpgrade>);
