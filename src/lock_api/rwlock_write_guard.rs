//! The exclusive guards of [`RwLock`]: [`RwLockWriteGuard`] and
//! [`MappedRwLockWriteGuard`].

use ::lock_api::{RawRwLock, RawRwLockDowngrade, RawRwLockFair, RawRwLockUpgradeDowngrade};

use super::guard::{forward_guard, guard_fair, guard_map, guard_unlocked};
use super::{RwLock, RwLockReadGuard, RwLockUpgradableReadGuard};
use crate::tracked::{Access, Guard, LockRef};

/// Exclusive access to the value of an [`RwLock`], until dropped.
///
/// Dropping it ends its tracking first, then unlocks: nothing of the lock
/// is touched after the unlock (see [How it works](crate#how-it-works)).
#[must_use = "if unused the RwLock will immediately unlock"]
#[clippy::has_significant_drop]
pub struct RwLockWriteGuard<'a, R: RawRwLock, T: ?Sized> {
    pub(super) inner: Guard<'a, ::lock_api::RwLockWriteGuard<'a, R, T>>,
    pub(super) lock: LockRef<'a, RwLock<R, T>>,
}

/// Exclusive access to a part of the value of an [`RwLock`]
/// ([`RwLockWriteGuard::map`]), until dropped.
///
/// Dropping it ends its tracking first, then unlocks: nothing of the lock
/// is touched after the unlock (see [How it works](crate#how-it-works)).
#[must_use = "if unused the RwLock will immediately unlock"]
#[clippy::has_significant_drop]
pub struct MappedRwLockWriteGuard<'a, R: RawRwLock, T: ?Sized> {
    inner: Guard<'a, ::lock_api::MappedRwLockWriteGuard<'a, R, T>>,
}

impl<'a, R: RawRwLock + 'a, T: ?Sized + 'a> RwLockWriteGuard<'a, R, T> {
    /// The lock this guard writes.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use lockorder::parking_lot::{RwLock, RwLockWriteGuard};
    ///
    /// let lock = RwLock::new(());
    /// let w = lock.write();
    /// assert!(std::ptr::eq(RwLockWriteGuard::rwlock(&w), &lock));
    /// # }
    /// ```
    pub fn rwlock(s: &Self) -> &'a RwLock<R, T> {
        // SAFETY: `s.lock` and the lock_api guard in `s.inner` were made
        // together, from one lock of ours and its `inner` (by the lock's
        // methods, or moved on together from another guard of the lock), so
        // the lock the lock_api guard gives is that lock's `inner`.
        unsafe { s.lock.get(::lock_api::RwLockWriteGuard::rwlock(&s.inner)) }
    }

    guard_map! {
        RwLockWriteGuard { lock } => MappedRwLockWriteGuard<R>, [mut];
        /// A guard for a part of the value; the lock stays held.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// use lockorder::parking_lot::{RwLock, RwLockWriteGuard};
        ///
        /// let lock = RwLock::new((1, 2));
        /// *RwLockWriteGuard::map(lock.write(), |p| &mut p.1) = 3;
        /// assert_eq!(*lock.read(), (1, 3));
        /// # }
        /// ```
        map;

        /// [`RwLockWriteGuard::map`] when `f` may find no part.
        ///
        /// # Errors
        ///
        /// The original guard, if `f` returns `None`.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// use lockorder::parking_lot::{RwLock, RwLockWriteGuard};
        ///
        /// let lock = RwLock::new(vec![1]);
        /// assert!(RwLockWriteGuard::try_map(lock.write(), |v| v.get_mut(3)).is_err());
        /// # }
        /// ```
        try_map;

        /// [`RwLockWriteGuard::try_map`] with an error value.
        ///
        /// # Errors
        ///
        /// The original guard and `f`'s error.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// use lockorder::parking_lot::{RwLock, RwLockWriteGuard};
        ///
        /// let lock = RwLock::new(vec![1]);
        /// let (_w, e) = RwLockWriteGuard::try_map_or_err(lock.write(), |v| v.get_mut(3).ok_or(3)).unwrap_err();
        /// assert_eq!(e, 3);
        /// # }
        /// ```
        try_map_or_err;
    }

    guard_unlocked! {
        /// Runs `f` with the write lock released, then writes again; the
        /// re-acquisition is checked like a `write` at this call.
        ///
        /// # Panics
        ///
        /// Under the default policy, if writing again would close a cycle with
        /// the locks still held.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// use lockorder::parking_lot::{RwLock, RwLockWriteGuard};
        ///
        /// let lock = RwLock::new(0);
        /// let mut w = lock.write();
        /// RwLockWriteGuard::unlocked(&mut w, || assert_eq!(*lock.read(), 0));
        /// *w = 1;
        /// # }
        /// ```
        RwLockWriteGuard::unlocked(Access::Write)
    }
}

impl<'a, R: RawRwLockDowngrade + 'a, T: ?Sized + 'a> RwLockWriteGuard<'a, R, T> {
    /// Turns the write lock into a read lock without letting a writer in.
    ///
    /// No order is recorded: the lock stays held, as a read from here on
    /// (held at this call, in reports).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use lockorder::parking_lot::{RwLock, RwLockWriteGuard};
    ///
    /// let lock = RwLock::new(1);
    /// let mut w = lock.write();
    /// *w = 2;
    /// let r = RwLockWriteGuard::downgrade(w);
    /// assert_eq!(*r, 2);
    /// # }
    /// ```
    #[track_caller]
    #[inline]
    pub fn downgrade(s: Self) -> RwLockReadGuard<'a, R, T> {
        let RwLockWriteGuard { mut inner, lock } = s;
        inner.token_mut().retag(Access::Read);
        RwLockReadGuard { inner: inner.map(|inner, _| ::lock_api::RwLockWriteGuard::downgrade(inner)), lock }
    }
}

impl<'a, R: RawRwLockUpgradeDowngrade + 'a, T: ?Sized + 'a> RwLockWriteGuard<'a, R, T> {
    /// Turns the write lock into an upgradable read without letting a
    /// writer in; no order is recorded.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use lockorder::parking_lot::{RwLock, RwLockWriteGuard};
    ///
    /// let lock = RwLock::new(1);
    /// let up = RwLockWriteGuard::downgrade_to_upgradable(lock.write());
    /// assert_eq!(*up, 1);
    /// # }
    /// ```
    #[track_caller]
    #[inline]
    pub fn downgrade_to_upgradable(s: Self) -> RwLockUpgradableReadGuard<'a, R, T> {
        let RwLockWriteGuard { mut inner, lock } = s;
        inner.token_mut().retag(Access::Upgradable);
        RwLockUpgradableReadGuard {
            inner: inner.map(|inner, _| ::lock_api::RwLockWriteGuard::downgrade_to_upgradable(inner)),
            lock,
        }
    }
}

guard_fair! {
    RwLockWriteGuard<R: RawRwLockFair>;
    /// Releases the write lock with a fair unlock.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use lockorder::parking_lot::{RwLock, RwLockWriteGuard};
    ///
    /// let lock = RwLock::new(());
    /// RwLockWriteGuard::unlock_fair(lock.write());
    /// assert!(!lock.is_locked());
    /// # }
    /// ```
    unlock_fair;

    /// [`RwLockWriteGuard::unlocked`] with a fair unlock.
    ///
    /// # Panics
    ///
    /// As [`RwLockWriteGuard::unlocked`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use lockorder::parking_lot::{RwLock, RwLockWriteGuard};
    ///
    /// let lock = RwLock::new(0);
    /// let mut w = lock.write();
    /// RwLockWriteGuard::unlocked_fair(&mut w, || assert_eq!(*lock.read(), 0));
    /// # }
    /// ```
    unlocked_fair(Access::Write);

    /// Lets a waiting thread in, if there is one, and writes again; checked
    /// like a `write` at this call.
    ///
    /// # Panics
    ///
    /// As [`RwLockWriteGuard::unlocked`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use lockorder::parking_lot::{RwLock, RwLockWriteGuard};
    ///
    /// let lock = RwLock::new(());
    /// let mut w = lock.write();
    /// RwLockWriteGuard::bump(&mut w);
    /// # }
    /// ```
    bump;
}

impl<'a, R: RawRwLock + 'a, T: ?Sized + 'a> MappedRwLockWriteGuard<'a, R, T> {
    guard_map! {
        MappedRwLockWriteGuard {} => MappedRwLockWriteGuard<R>, [mut];
        /// A guard for a part of this part.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// use lockorder::parking_lot::{MappedRwLockWriteGuard, RwLock, RwLockWriteGuard};
        ///
        /// let lock = RwLock::new(((1, 2), 3));
        /// let pair = RwLockWriteGuard::map(lock.write(), |v| &mut v.0);
        /// *MappedRwLockWriteGuard::map(pair, |p| &mut p.1) = 20;
        /// assert_eq!(*lock.read(), ((1, 20), 3));
        /// # }
        /// ```
        map;

        /// [`MappedRwLockWriteGuard::map`] when `f` may find no part.
        ///
        /// # Errors
        ///
        /// The original guard, if `f` returns `None`.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// use lockorder::parking_lot::{MappedRwLockWriteGuard, RwLock, RwLockWriteGuard};
        ///
        /// let lock = RwLock::new(vec![vec![1]]);
        /// let first = RwLockWriteGuard::map(lock.write(), |v| &mut v[0]);
        /// assert!(MappedRwLockWriteGuard::try_map(first, |v| v.get_mut(3)).is_err());
        /// # }
        /// ```
        try_map;

        /// [`MappedRwLockWriteGuard::try_map`] with an error value.
        ///
        /// # Errors
        ///
        /// The original guard and `f`'s error.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// use lockorder::parking_lot::{MappedRwLockWriteGuard, RwLock, RwLockWriteGuard};
        ///
        /// let lock = RwLock::new(vec![vec![1]]);
        /// let first = RwLockWriteGuard::map(lock.write(), |v| &mut v[0]);
        /// assert!(MappedRwLockWriteGuard::try_map_or_err(first, |v| v.get_mut(3).ok_or(())).is_err());
        /// # }
        /// ```
        try_map_or_err;
    }
}

guard_fair! {
    MappedRwLockWriteGuard<R: RawRwLockFair>;
    /// Releases the write lock with a fair unlock.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use lockorder::parking_lot::{MappedRwLockWriteGuard, RwLock, RwLockWriteGuard};
    ///
    /// let lock = RwLock::new((0, 0));
    /// MappedRwLockWriteGuard::unlock_fair(RwLockWriteGuard::map(lock.write(), |v| &mut v.0));
    /// assert!(!lock.is_locked());
    /// # }
    /// ```
    unlock_fair;
}

forward_guard!(RwLockWriteGuard<R: RawRwLock>, mut);
forward_guard!(MappedRwLockWriteGuard<R: RawRwLock>, mut);
