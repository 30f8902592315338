//! The guards of [`Mutex`]: [`MutexGuard`] and [`MappedMutexGuard`].

use ::lock_api::{RawMutex, RawMutexFair};

use super::guard::{forward_guard, guard_fair, guard_map, guard_unlocked};
use super::Mutex;
use crate::tracked::{Access, Guard, LockRef};

/// The guard of a [`Mutex`]: the lock is held until it is dropped.
///
/// As lock_api's, its methods are associated functions
/// (`MutexGuard::map(guard, ..)`), so that they do not hide methods of the
/// locked value.
///
/// Dropping it ends its tracking first, then unlocks: nothing of the lock
/// is touched after the unlock (see [How it works](crate#how-it-works)).
#[must_use = "if unused the Mutex will immediately unlock"]
#[clippy::has_significant_drop]
pub struct MutexGuard<'a, R: RawMutex, T: ?Sized> {
    pub(crate) inner: Guard<'a, ::lock_api::MutexGuard<'a, R, T>>,
    pub(super) lock: LockRef<'a, Mutex<R, T>>,
}

/// A guard of a [`Mutex`] that gives access to a part of the value
/// ([`MutexGuard::map`]); the mutex is held until it is dropped.
///
/// Dropping it ends its tracking first, then unlocks: nothing of the lock
/// is touched after the unlock (see [How it works](crate#how-it-works)).
#[must_use = "if unused the Mutex will immediately unlock"]
#[clippy::has_significant_drop]
pub struct MappedMutexGuard<'a, R: RawMutex, T: ?Sized> {
    inner: Guard<'a, ::lock_api::MappedMutexGuard<'a, R, T>>,
}

impl<'a, R: RawMutex + 'a, T: ?Sized + 'a> MutexGuard<'a, R, T> {
    /// The mutex this guard locks.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use lockorder::parking_lot::{Mutex, MutexGuard};
    ///
    /// let m = Mutex::new(0);
    /// let guard = m.lock();
    /// assert!(std::ptr::eq(MutexGuard::mutex(&guard), &m));
    /// # }
    /// ```
    pub fn mutex(s: &Self) -> &'a Mutex<R, T> {
        // SAFETY: `s.lock` and the lock_api guard in `s.inner` were made
        // together, from one lock of ours and its `inner` (by the lock's
        // methods, or moved on together from another guard of the lock), so
        // the lock the lock_api guard gives is that lock's `inner`.
        unsafe { s.lock.get(::lock_api::MutexGuard::mutex(&s.inner)) }
    }

    guard_map! {
        MutexGuard { lock } => MappedMutexGuard<R>, [mut];
        /// A guard for a part of the locked value; the mutex stays held.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// use lockorder::parking_lot::{Mutex, MutexGuard};
        ///
        /// let m = Mutex::new((1, 2));
        /// let mut second = MutexGuard::map(m.lock(), |pair| &mut pair.1);
        /// *second += 1;
        /// drop(second);
        /// assert_eq!(*m.lock(), (1, 3));
        /// # }
        /// ```
        map;

        /// [`MutexGuard::map`] when `f` may find no part: the guard comes back
        /// unchanged on `None`.
        ///
        /// # Errors
        ///
        /// The original guard, if `f` returns `None`.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// use lockorder::parking_lot::{Mutex, MutexGuard};
        ///
        /// let m = Mutex::new(vec![1]);
        /// let guard = MutexGuard::try_map(m.lock(), |v| v.get_mut(5)).unwrap_err();
        /// assert_eq!(*guard, [1]);
        /// # }
        /// ```
        try_map;

        /// [`MutexGuard::try_map`] with an error value.
        ///
        /// # Errors
        ///
        /// The original guard and `f`'s error.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// use lockorder::parking_lot::{Mutex, MutexGuard};
        ///
        /// let m = Mutex::new(vec![1]);
        /// let (_guard, e) = MutexGuard::try_map_or_err(m.lock(), |v| v.get_mut(5).ok_or("none")).unwrap_err();
        /// assert_eq!(e, "none");
        /// # }
        /// ```
        try_map_or_err;
    }

    guard_unlocked! {
        /// Runs `f` with the mutex unlocked, then locks it again.
        ///
        /// The mutex leaves this thread's held set while `f` runs, and the
        /// re-acquisition is checked like a `lock` at this call, before it
        /// blocks.
        ///
        /// # Panics
        ///
        /// Under the default policy, if re-locking the mutex would close a
        /// cycle with the locks still held.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// use lockorder::parking_lot::{Mutex, MutexGuard};
        ///
        /// let m = Mutex::new(0);
        /// let mut guard = m.lock();
        /// MutexGuard::unlocked(&mut guard, || *m.lock() = 1);
        /// assert_eq!(*guard, 1);
        /// # }
        /// ```
        MutexGuard::unlocked(Access::Lock)
    }

    /// Leaks the guard: the mutex stays locked, and stays in this thread's
    /// held set (locking it again is reported).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use lockorder::parking_lot::{Mutex, MutexGuard};
    ///
    /// let m = Mutex::new(0);
    /// *MutexGuard::leak(m.lock()) = 1;
    /// assert!(m.is_locked());
    /// # }
    /// ```
    #[inline]
    pub fn leak(s: Self) -> &'a mut T {
        let (token, inner) = s.inner.into_parts();
        let _kept_held = std::mem::ManuallyDrop::new(token);
        ::lock_api::MutexGuard::leak(inner)
    }
}

guard_fair! {
    MutexGuard<R: RawMutexFair>;
    /// Unlocks with lock_api's fair unlock protocol.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use lockorder::parking_lot::{Mutex, MutexGuard};
    ///
    /// let m = Mutex::new(0);
    /// MutexGuard::unlock_fair(m.lock());
    /// assert!(!m.is_locked());
    /// # }
    /// ```
    unlock_fair;

    /// [`MutexGuard::unlocked`] with a fair unlock.
    ///
    /// # Panics
    ///
    /// As [`MutexGuard::unlocked`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use lockorder::parking_lot::{Mutex, MutexGuard};
    ///
    /// let m = Mutex::new(0);
    /// let mut guard = m.lock();
    /// MutexGuard::unlocked_fair(&mut guard, || *m.lock() = 1);
    /// assert_eq!(*guard, 1);
    /// # }
    /// ```
    unlocked_fair(Access::Lock);

    /// Lets a waiting thread take the mutex, if there is one, and locks it
    /// again; the re-acquisition is checked like a `lock` at this call.
    ///
    /// # Panics
    ///
    /// As [`MutexGuard::unlocked`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use lockorder::parking_lot::{Mutex, MutexGuard};
    ///
    /// let m = Mutex::new(0);
    /// let mut guard = m.lock();
    /// MutexGuard::bump(&mut guard);
    /// *guard += 1;
    /// # }
    /// ```
    bump;
}

impl<'a, R: RawMutex + 'a, T: ?Sized + 'a> MappedMutexGuard<'a, R, T> {
    guard_map! {
        MappedMutexGuard {} => MappedMutexGuard<R>, [mut];
        /// A guard for a part of this part; the mutex stays held.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// use lockorder::parking_lot::{MappedMutexGuard, Mutex, MutexGuard};
        ///
        /// let m = Mutex::new(((1, 2), 3));
        /// let inner = MutexGuard::map(m.lock(), |v| &mut v.0);
        /// let mut two = MappedMutexGuard::map(inner, |v| &mut v.1);
        /// *two = 20;
        /// drop(two);
        /// assert_eq!(*m.lock(), ((1, 20), 3));
        /// # }
        /// ```
        map;

        /// [`MappedMutexGuard::map`] when `f` may find no part.
        ///
        /// # Errors
        ///
        /// The original guard, if `f` returns `None`.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// use lockorder::parking_lot::{MappedMutexGuard, Mutex, MutexGuard};
        ///
        /// let m = Mutex::new(vec![vec![1]]);
        /// let first = MutexGuard::map(m.lock(), |v| &mut v[0]);
        /// assert!(MappedMutexGuard::try_map(first, |v| v.get_mut(3)).is_err());
        /// # }
        /// ```
        try_map;

        /// [`MappedMutexGuard::try_map`] with an error value.
        ///
        /// # Errors
        ///
        /// The original guard and `f`'s error.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// use lockorder::parking_lot::{MappedMutexGuard, Mutex, MutexGuard};
        ///
        /// let m = Mutex::new(vec![vec![1]]);
        /// let first = MutexGuard::map(m.lock(), |v| &mut v[0]);
        /// let (_first, e) = MappedMutexGuard::try_map_or_err(first, |v| v.get_mut(3).ok_or(3)).unwrap_err();
        /// assert_eq!(e, 3);
        /// # }
        /// ```
        try_map_or_err;
    }
}

guard_fair! {
    MappedMutexGuard<R: RawMutexFair>;
    /// Unlocks with lock_api's fair unlock protocol.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use lockorder::parking_lot::{MappedMutexGuard, Mutex, MutexGuard};
    ///
    /// let m = Mutex::new((0, 0));
    /// MappedMutexGuard::unlock_fair(MutexGuard::map(m.lock(), |v| &mut v.0));
    /// assert!(!m.is_locked());
    /// # }
    /// ```
    unlock_fair;
}

forward_guard!(MutexGuard<R: RawMutex>, mut);
forward_guard!(MappedMutexGuard<R: RawMutex>, mut);
