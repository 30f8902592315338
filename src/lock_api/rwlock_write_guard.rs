//! The exclusive guards of [`RwLock`]: [`RwLockWriteGuard`] and
//! [`MappedRwLockWriteGuard`].

use ::lock_api::{RawRwLock, RawRwLockDowngrade, RawRwLockFair, RawRwLockUpgradeDowngrade};

use super::guard::{forward_guard, while_unlocked};
use super::{RwLock, RwLockReadGuard, RwLockUpgradableReadGuard};
use crate::tracked::{Access, HeldToken};

/// Exclusive access to the value of an [`RwLock`], until dropped.
#[must_use = "if unused the RwLock will immediately unlock"]
#[clippy::has_significant_drop]
pub struct RwLockWriteGuard<'a, R: RawRwLock, T: ?Sized> {
    pub(super) inner: ::lock_api::RwLockWriteGuard<'a, R, T>,
    pub(super) token: HeldToken<'a>,
    pub(super) lock: &'a RwLock<R, T>,
}

/// Exclusive access to a part of the value of an [`RwLock`]
/// ([`RwLockWriteGuard::map`]), until dropped.
#[must_use = "if unused the RwLock will immediately unlock"]
#[clippy::has_significant_drop]
pub struct MappedRwLockWriteGuard<'a, R: RawRwLock, T: ?Sized> {
    inner: ::lock_api::MappedRwLockWriteGuard<'a, R, T>,
    token: HeldToken<'a>,
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
        s.lock
    }

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
    #[inline]
    pub fn map<U: ?Sized, F>(s: Self, f: F) -> MappedRwLockWriteGuard<'a, R, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let RwLockWriteGuard { inner, token, .. } = s;
        MappedRwLockWriteGuard { inner: ::lock_api::RwLockWriteGuard::map(inner, f), token }
    }

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
    #[inline]
    pub fn try_map<U: ?Sized, F>(s: Self, f: F) -> Result<MappedRwLockWriteGuard<'a, R, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let RwLockWriteGuard { inner, token, lock } = s;
        match ::lock_api::RwLockWriteGuard::try_map(inner, f) {
            Ok(inner) => Ok(MappedRwLockWriteGuard { inner, token }),
            Err(inner) => Err(RwLockWriteGuard { inner, token, lock }),
        }
    }

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
    #[inline]
    pub fn try_map_or_err<U: ?Sized, F, E>(s: Self, f: F) -> Result<MappedRwLockWriteGuard<'a, R, U>, (Self, E)>
    where
        F: FnOnce(&mut T) -> Result<&mut U, E>,
    {
        let RwLockWriteGuard { inner, token, lock } = s;
        match ::lock_api::RwLockWriteGuard::try_map_or_err(inner, f) {
            Ok(inner) => Ok(MappedRwLockWriteGuard { inner, token }),
            Err((inner, e)) => Err((RwLockWriteGuard { inner, token, lock }, e)),
        }
    }

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
    #[track_caller]
    #[inline]
    pub fn unlocked<F, U>(s: &mut Self, f: F) -> U
    where
        F: FnOnce() -> U,
    {
        ::lock_api::RwLockWriteGuard::unlocked(&mut s.inner, while_unlocked(&mut s.token, Access::Write, f))
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
        let RwLockWriteGuard { inner, mut token, lock } = s;
        token.retag(Access::Read);
        RwLockReadGuard { inner: ::lock_api::RwLockWriteGuard::downgrade(inner), token, lock }
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
        let RwLockWriteGuard { inner, mut token, lock } = s;
        token.retag(Access::Upgradable);
        RwLockUpgradableReadGuard { inner: ::lock_api::RwLockWriteGuard::downgrade_to_upgradable(inner), token, lock }
    }
}

impl<'a, R: RawRwLockFair + 'a, T: ?Sized + 'a> RwLockWriteGuard<'a, R, T> {
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
    #[inline]
    pub fn unlock_fair(s: Self) {
        let RwLockWriteGuard { inner, token, .. } = s;
        ::lock_api::RwLockWriteGuard::unlock_fair(inner);
        drop(token);
    }

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
    #[track_caller]
    #[inline]
    pub fn unlocked_fair<F, U>(s: &mut Self, f: F) -> U
    where
        F: FnOnce() -> U,
    {
        ::lock_api::RwLockWriteGuard::unlocked_fair(&mut s.inner, while_unlocked(&mut s.token, Access::Write, f))
    }

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
    #[track_caller]
    #[inline]
    pub fn bump(s: &mut Self) {
        s.token.relock_as(Access::Write);
        ::lock_api::RwLockWriteGuard::bump(&mut s.inner);
    }
}

impl<'a, R: RawRwLock + 'a, T: ?Sized + 'a> MappedRwLockWriteGuard<'a, R, T> {
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
    #[inline]
    pub fn map<U: ?Sized, F>(s: Self, f: F) -> MappedRwLockWriteGuard<'a, R, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        MappedRwLockWriteGuard { inner: ::lock_api::MappedRwLockWriteGuard::map(s.inner, f), token: s.token }
    }

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
    #[inline]
    pub fn try_map<U: ?Sized, F>(s: Self, f: F) -> Result<MappedRwLockWriteGuard<'a, R, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let MappedRwLockWriteGuard { inner, token } = s;
        match ::lock_api::MappedRwLockWriteGuard::try_map(inner, f) {
            Ok(inner) => Ok(MappedRwLockWriteGuard { inner, token }),
            Err(inner) => Err(MappedRwLockWriteGuard { inner, token }),
        }
    }

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
    #[inline]
    pub fn try_map_or_err<U: ?Sized, F, E>(s: Self, f: F) -> Result<MappedRwLockWriteGuard<'a, R, U>, (Self, E)>
    where
        F: FnOnce(&mut T) -> Result<&mut U, E>,
    {
        let MappedRwLockWriteGuard { inner, token } = s;
        match ::lock_api::MappedRwLockWriteGuard::try_map_or_err(inner, f) {
            Ok(inner) => Ok(MappedRwLockWriteGuard { inner, token }),
            Err((inner, e)) => Err((MappedRwLockWriteGuard { inner, token }, e)),
        }
    }
}

impl<'a, R: RawRwLockFair + 'a, T: ?Sized + 'a> MappedRwLockWriteGuard<'a, R, T> {
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
    #[inline]
    pub fn unlock_fair(s: Self) {
        let MappedRwLockWriteGuard { inner, token } = s;
        ::lock_api::MappedRwLockWriteGuard::unlock_fair(inner);
        drop(token);
    }
}

forward_guard!(RwLockWriteGuard<R: RawRwLock>, mut);
forward_guard!(MappedRwLockWriteGuard<R: RawRwLock>, mut);
