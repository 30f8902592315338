//! The shared guards of [`RwLock`]: [`RwLockReadGuard`] and
//! [`MappedRwLockReadGuard`].

use ::lock_api::{RawRwLock, RawRwLockFair};

use super::guard::{forward_guard, guard_fair, guard_map, guard_unlocked};
use super::RwLock;
use crate::tracked::{Access, Guard, LockRef};

/// Shared access to the value of an [`RwLock`], until dropped.
///
/// Dropping it ends its tracking first, then unlocks: nothing of the lock
/// is touched after the unlock (see [How it works](crate#how-it-works)).
#[must_use = "if unused the RwLock will immediately unlock"]
#[clippy::has_significant_drop]
pub struct RwLockReadGuard<'a, R: RawRwLock, T: ?Sized> {
    pub(super) inner: Guard<'a, ::lock_api::RwLockReadGuard<'a, R, T>>,
    pub(super) lock: LockRef<'a, RwLock<R, T>>,
}

/// Shared access to a part of the value of an [`RwLock`]
/// ([`RwLockReadGuard::map`]), until dropped.
///
/// Dropping it ends its tracking first, then unlocks: nothing of the lock
/// is touched after the unlock (see [How it works](crate#how-it-works)).
#[must_use = "if unused the RwLock will immediately unlock"]
#[clippy::has_significant_drop]
pub struct MappedRwLockReadGuard<'a, R: RawRwLock, T: ?Sized> {
    inner: Guard<'a, ::lock_api::MappedRwLockReadGuard<'a, R, T>>,
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
        // SAFETY: `s.lock` and the lock_api guard in `s.inner` were made
        // together, from one lock of ours and its `inner` (by the lock's
        // methods, or moved on together from another guard of the lock), so
        // the lock the lock_api guard gives is that lock's `inner`.
        unsafe { s.lock.get(::lock_api::RwLockReadGuard::rwlock(&s.inner)) }
    }

    guard_map! {
        RwLockReadGuard { lock } => MappedRwLockReadGuard<R>, [];
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
        map;

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
        try_map;

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
        try_map_or_err;
    }

    guard_unlocked! {
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
        RwLockReadGuard::unlocked(Access::Read)
    }
}

guard_fair! {
    RwLockReadGuard<R: RawRwLockFair>;
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
    unlock_fair;

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
    unlocked_fair(Access::Read);

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
    bump;
}

impl<'a, R: RawRwLock + 'a, T: ?Sized + 'a> MappedRwLockReadGuard<'a, R, T> {
    guard_map! {
        MappedRwLockReadGuard {} => MappedRwLockReadGuard<R>, [];
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
        map;

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
        try_map;

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
        try_map_or_else;
    }
}

guard_fair! {
    MappedRwLockReadGuard<R: RawRwLockFair>;
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
    unlock_fair;
}

forward_guard!(RwLockReadGuard<R: RawRwLock>);
forward_guard!(MappedRwLockReadGuard<R: RawRwLock>);
