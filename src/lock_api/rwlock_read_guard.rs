//! The shared guards of [`RwLock`]: [`RwLockReadGuard`] and
//! [`MappedRwLockReadGuard`].

use ::lock_api::{RawRwLock, RawRwLockFair};

use super::guard::{forward_guard, while_unlocked};
use super::RwLock;
use crate::tracked::{Access, HeldToken};

/// Shared access to the value of an [`RwLock`], until dropped.
#[must_use = "if unused the RwLock will immediately unlock"]
#[clippy::has_significant_drop]
pub struct RwLockReadGuard<'a, R: RawRwLock, T: ?Sized> {
    pub(super) inner: ::lock_api::RwLockReadGuard<'a, R, T>,
    pub(super) token: HeldToken<'a>,
    pub(super) lock: &'a RwLock<R, T>,
}

/// Shared access to a part of the value of an [`RwLock`]
/// ([`RwLockReadGuard::map`]), until dropped.
#[must_use = "if unused the RwLock will immediately unlock"]
#[clippy::has_significant_drop]
pub struct MappedRwLockReadGuard<'a, R: RawRwLock, T: ?Sized> {
    inner: ::lock_api::MappedRwLockReadGuard<'a, R, T>,
    token: HeldToken<'a>,
}

impl<'a, R: RawRwLock + 'a, T: ?Sized + 'a> RwLockReadGuard<'a, R, T> {
    /// The lock this guard reads.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use lockorder::parking_lot::{RwLock, RwLockReadGuard};
    ///
    /// let lock = RwLock::new(());
    /// let r = lock.read();
    /// assert!(std::ptr::eq(RwLockReadGuard::rwlock(&r), &lock));
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
    /// use lockorder::parking_lot::{RwLock, RwLockReadGuard};
    ///
    /// let lock = RwLock::new((1, 2));
    /// assert_eq!(*RwLockReadGuard::map(lock.read(), |p| &p.1), 2);
    /// # }
    /// ```
    #[inline]
    pub fn map<U: ?Sized, F>(s: Self, f: F) -> MappedRwLockReadGuard<'a, R, U>
    where
        F: FnOnce(&T) -> &U,
    {
        let RwLockReadGuard { inner, token, .. } = s;
        MappedRwLockReadGuard { inner: ::lock_api::RwLockReadGuard::map(inner, f), token }
    }

    /// [`RwLockReadGuard::map`] when `f` may find no part.
    ///
    /// # Errors
    ///
    /// The original guard, if `f` returns `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use lockorder::parking_lot::{RwLock, RwLockReadGuard};
    ///
    /// let lock = RwLock::new(vec![1]);
    /// assert!(RwLockReadGuard::try_map(lock.read(), |v| v.get(3)).is_err());
    /// # }
    /// ```
    #[inline]
    pub fn try_map<U: ?Sized, F>(s: Self, f: F) -> Result<MappedRwLockReadGuard<'a, R, U>, Self>
    where
        F: FnOnce(&T) -> Option<&U>,
    {
        let RwLockReadGuard { inner, token, lock } = s;
        match ::lock_api::RwLockReadGuard::try_map(inner, f) {
            Ok(inner) => Ok(MappedRwLockReadGuard { inner, token }),
            Err(inner) => Err(RwLockReadGuard { inner, token, lock }),
        }
    }

    /// [`RwLockReadGuard::try_map`] with an error value.
    ///
    /// # Errors
    ///
    /// The original guard and `f`'s error.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use lockorder::parking_lot::{RwLock, RwLockReadGuard};
    ///
    /// let lock = RwLock::new(vec![1]);
    /// let (_r, e) = RwLockReadGuard::try_map_or_err(lock.read(), |v| v.get(3).ok_or(3)).unwrap_err();
    /// assert_eq!(e, 3);
    /// # }
    /// ```
    #[inline]
    pub fn try_map_or_err<U: ?Sized, F, E>(s: Self, f: F) -> Result<MappedRwLockReadGuard<'a, R, U>, (Self, E)>
    where
        F: FnOnce(&T) -> Result<&U, E>,
    {
        let RwLockReadGuard { inner, token, lock } = s;
        match ::lock_api::RwLockReadGuard::try_map_or_err(inner, f) {
            Ok(inner) => Ok(MappedRwLockReadGuard { inner, token }),
            Err((inner, e)) => Err((RwLockReadGuard { inner, token, lock }, e)),
        }
    }

    /// Runs `f` with the read lock released, then reads again; the
    /// re-acquisition is checked like a `read` at this call.
    ///
    /// # Panics
    ///
    /// Under the default policy, if reading again would close a cycle with
    /// the locks still held.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use lockorder::parking_lot::{RwLock, RwLockReadGuard};
    ///
    /// let lock = RwLock::new(0);
    /// let mut r = lock.read();
    /// RwLockReadGuard::unlocked(&mut r, || *lock.write() = 1);
    /// assert_eq!(*r, 1);
    /// # }
    /// ```
    #[track_caller]
    #[inline]
    pub fn unlocked<F, U>(s: &mut Self, f: F) -> U
    where
        F: FnOnce() -> U,
    {
        ::lock_api::RwLockReadGuard::unlocked(&mut s.inner, while_unlocked(&mut s.token, Access::Read, f))
    }
}

impl<'a, R: RawRwLockFair + 'a, T: ?Sized + 'a> RwLockReadGuard<'a, R, T> {
    /// Releases the read lock with a fair unlock.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use lockorder::parking_lot::{RwLock, RwLockReadGuard};
    ///
    /// let lock = RwLock::new(());
    /// RwLockReadGuard::unlock_fair(lock.read());
    /// assert!(!lock.is_locked());
    /// # }
    /// ```
    #[inline]
    pub fn unlock_fair(s: Self) {
        let RwLockReadGuard { inner, token, .. } = s;
        ::lock_api::RwLockReadGuard::unlock_fair(inner);
        drop(token);
    }

    /// [`RwLockReadGuard::unlocked`] with a fair unlock.
    ///
    /// # Panics
    ///
    /// As [`RwLockReadGuard::unlocked`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use lockorder::parking_lot::{RwLock, RwLockReadGuard};
    ///
    /// let lock = RwLock::new(0);
    /// let mut r = lock.read();
    /// RwLockReadGuard::unlocked_fair(&mut r, || *lock.write() = 1);
    /// assert_eq!(*r, 1);
    /// # }
    /// ```
    #[track_caller]
    #[inline]
    pub fn unlocked_fair<F, U>(s: &mut Self, f: F) -> U
    where
        F: FnOnce() -> U,
    {
        ::lock_api::RwLockReadGuard::unlocked_fair(&mut s.inner, while_unlocked(&mut s.token, Access::Read, f))
    }

    /// Lets a waiting writer in, if there is one, and reads again; checked
    /// like a `read` at this call.
    ///
    /// # Panics
    ///
    /// As [`RwLockReadGuard::unlocked`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use lockorder::parking_lot::{RwLock, RwLockReadGuard};
    ///
    /// let lock = RwLock::new(());
    /// let mut r = lock.read();
    /// RwLockReadGuard::bump(&mut r);
    /// # }
    /// ```
    #[track_caller]
    #[inline]
    pub fn bump(s: &mut Self) {
        s.token.relock_as(Access::Read);
        ::lock_api::RwLockReadGuard::bump(&mut s.inner);
    }
}

impl<'a, R: RawRwLock + 'a, T: ?Sized + 'a> MappedRwLockReadGuard<'a, R, T> {
    /// A guard for a part of this part.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use lockorder::parking_lot::{MappedRwLockReadGuard, RwLock, RwLockReadGuard};
    ///
    /// let lock = RwLock::new(((1, 2), 3));
    /// let pair = RwLockReadGuard::map(lock.read(), |v| &v.0);
    /// assert_eq!(*MappedRwLockReadGuard::map(pair, |p| &p.1), 2);
    /// # }
    /// ```
    #[inline]
    pub fn map<U: ?Sized, F>(s: Self, f: F) -> MappedRwLockReadGuard<'a, R, U>
    where
        F: FnOnce(&T) -> &U,
    {
        MappedRwLockReadGuard { inner: ::lock_api::MappedRwLockReadGuard::map(s.inner, f), token: s.token }
    }

    /// [`MappedRwLockReadGuard::map`] when `f` may find no part.
    ///
    /// # Errors
    ///
    /// The original guard, if `f` returns `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use lockorder::parking_lot::{MappedRwLockReadGuard, RwLock, RwLockReadGuard};
    ///
    /// let lock = RwLock::new(vec![vec![1]]);
    /// let first = RwLockReadGuard::map(lock.read(), |v| &v[0]);
    /// assert!(MappedRwLockReadGuard::try_map(first, |v| v.get(3)).is_err());
    /// # }
    /// ```
    #[inline]
    pub fn try_map<U: ?Sized, F>(s: Self, f: F) -> Result<MappedRwLockReadGuard<'a, R, U>, Self>
    where
        F: FnOnce(&T) -> Option<&U>,
    {
        let MappedRwLockReadGuard { inner, token } = s;
        match ::lock_api::MappedRwLockReadGuard::try_map(inner, f) {
            Ok(inner) => Ok(MappedRwLockReadGuard { inner, token }),
            Err(inner) => Err(MappedRwLockReadGuard { inner, token }),
        }
    }

    /// [`MappedRwLockReadGuard::try_map`] with an error value (lock_api's
    /// name for it on this guard).
    ///
    /// # Errors
    ///
    /// The original guard and `f`'s error.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use lockorder::parking_lot::{MappedRwLockReadGuard, RwLock, RwLockReadGuard};
    ///
    /// let lock = RwLock::new(vec![vec![1]]);
    /// let first = RwLockReadGuard::map(lock.read(), |v| &v[0]);
    /// assert!(MappedRwLockReadGuard::try_map_or_else(first, |v| v.get(3).ok_or(())).is_err());
    /// # }
    /// ```
    #[inline]
    pub fn try_map_or_else<U: ?Sized, F, E>(s: Self, f: F) -> Result<MappedRwLockReadGuard<'a, R, U>, (Self, E)>
    where
        F: FnOnce(&T) -> Result<&U, E>,
    {
        let MappedRwLockReadGuard { inner, token } = s;
        match ::lock_api::MappedRwLockReadGuard::try_map_or_else(inner, f) {
            Ok(inner) => Ok(MappedRwLockReadGuard { inner, token }),
            Err((inner, e)) => Err((MappedRwLockReadGuard { inner, token }, e)),
        }
    }
}

impl<'a, R: RawRwLockFair + 'a, T: ?Sized + 'a> MappedRwLockReadGuard<'a, R, T> {
    /// Releases the read lock with a fair unlock.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use lockorder::parking_lot::{MappedRwLockReadGuard, RwLock, RwLockReadGuard};
    ///
    /// let lock = RwLock::new((0, 0));
    /// MappedRwLockReadGuard::unlock_fair(RwLockReadGuard::map(lock.read(), |v| &v.0));
    /// assert!(!lock.is_locked());
    /// # }
    /// ```
    #[inline]
    pub fn unlock_fair(s: Self) {
        let MappedRwLockReadGuard { inner, token } = s;
        ::lock_api::MappedRwLockReadGuard::unlock_fair(inner);
        drop(token);
    }
}

forward_guard!(RwLockReadGuard<R: RawRwLock>);
forward_guard!(MappedRwLockReadGuard<R: RawRwLock>);
