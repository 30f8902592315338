//! The guards of [`ReentrantMutex`]: [`ReentrantMutexGuard`] and
//! [`MappedReentrantMutexGuard`].

use ::lock_api::{GetThreadId, RawMutex, RawMutexFair};

use super::guard::{forward_guard, guard_fair, guard_map, guard_unlocked};
use super::ReentrantMutex;
use crate::tracked::{Access, Guard, LockRef};

/// The guard of a [`ReentrantMutex`]: one lock level, held until it is
/// dropped. It gives shared access only, as lock_api's.
///
/// Dropping it ends its tracking first, then unlocks: nothing of the lock
/// is touched after the unlock (see [How it works](crate#how-it-works)).
#[must_use = "if unused the ReentrantMutex will immediately unlock"]
#[clippy::has_significant_drop]
pub struct ReentrantMutexGuard<'a, R: RawMutex, G: GetThreadId, T: ?Sized> {
    pub(super) inner: Guard<'a, ::lock_api::ReentrantMutexGuard<'a, R, G, T>>,
    pub(super) lock: LockRef<'a, ReentrantMutex<R, G, T>>,
}

/// A guard of a [`ReentrantMutex`] for a part of the value
/// ([`ReentrantMutexGuard::map`]).
///
/// Dropping it ends its tracking first, then unlocks: nothing of the lock
/// is touched after the unlock (see [How it works](crate#how-it-works)).
#[must_use = "if unused the ReentrantMutex will immediately unlock"]
#[clippy::has_significant_drop]
pub struct MappedReentrantMutexGuard<'a, R: RawMutex, G: GetThreadId, T: ?Sized> {
    inner: Guard<'a, ::lock_api::MappedReentrantMutexGuard<'a, R, G, T>>,
}

impl<'a, R: RawMutex + 'a, G: GetThreadId + 'a, T: ?Sized + 'a> ReentrantMutexGuard<'a, R, G, T> {
    /// The mutex this guard locks.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use lockorder::parking_lot::{ReentrantMutex, ReentrantMutexGuard};
    ///
    /// let m = ReentrantMutex::new(());
    /// let guard = m.lock();
    /// assert!(std::ptr::eq(ReentrantMutexGuard::remutex(&guard), &m));
    /// # }
    /// ```
    pub fn remutex(s: &Self) -> &'a ReentrantMutex<R, G, T> {
        // SAFETY: `s.lock` and the lock_api guard in `s.inner` were made
        // together, from one lock of ours and its `inner` (by the lock's
        // methods, or moved on together from another guard of the lock), so
        // the lock the lock_api guard gives is that lock's `inner`.
        unsafe { s.lock.get(::lock_api::ReentrantMutexGuard::remutex(&s.inner)) }
    }

    guard_map! {
        ReentrantMutexGuard { lock } => MappedReentrantMutexGuard<R, G>, [];
        /// A guard for a part of the locked value.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// use lockorder::parking_lot::{ReentrantMutex, ReentrantMutexGuard};
        ///
        /// let m = ReentrantMutex::new((1, 2));
        /// assert_eq!(*ReentrantMutexGuard::map(m.lock(), |p| &p.1), 2);
        /// # }
        /// ```
        map;

        /// [`ReentrantMutexGuard::map`] when `f` may find no part.
        ///
        /// # Errors
        ///
        /// The original guard, if `f` returns `None`.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// use lockorder::parking_lot::{ReentrantMutex, ReentrantMutexGuard};
        ///
        /// let m = ReentrantMutex::new(vec![1]);
        /// assert!(ReentrantMutexGuard::try_map(m.lock(), |v| v.get(3)).is_err());
        /// # }
        /// ```
        try_map;

        /// [`ReentrantMutexGuard::try_map`] with an error value.
        ///
        /// # Errors
        ///
        /// The original guard and `f`'s error.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// use lockorder::parking_lot::{ReentrantMutex, ReentrantMutexGuard};
        ///
        /// let m = ReentrantMutex::new(vec![1]);
        /// let (_g, e) = ReentrantMutexGuard::try_map_or_err(m.lock(), |v| v.get(3).ok_or(3)).unwrap_err();
        /// assert_eq!(e, 3);
        /// # }
        /// ```
        try_map_or_err;
    }

    guard_unlocked! {
        /// Runs `f` with this lock level released, then takes it again; the
        /// re-acquisition is checked like a `lock` at this call.
        ///
        /// # Panics
        ///
        /// Under the default policy, if taking the level again would close a
        /// cycle with the locks still held.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// use lockorder::parking_lot::{ReentrantMutex, ReentrantMutexGuard};
        ///
        /// let m = ReentrantMutex::new(());
        /// let mut guard = m.lock();
        /// ReentrantMutexGuard::unlocked(&mut guard, || assert!(!m.is_locked()));
        /// # }
        /// ```
        ReentrantMutexGuard::unlocked(Access::Reentrant)
    }
}

guard_fair! {
    ReentrantMutexGuard<R: RawMutexFair, G: GetThreadId>;
    /// Releases this lock level with a fair unlock.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use lockorder::parking_lot::{ReentrantMutex, ReentrantMutexGuard};
    ///
    /// let m = ReentrantMutex::new(());
    /// ReentrantMutexGuard::unlock_fair(m.lock());
    /// assert!(!m.is_locked());
    /// # }
    /// ```
    unlock_fair;

    /// [`ReentrantMutexGuard::unlocked`] with a fair unlock.
    ///
    /// # Panics
    ///
    /// As [`ReentrantMutexGuard::unlocked`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use lockorder::parking_lot::{ReentrantMutex, ReentrantMutexGuard};
    ///
    /// let m = ReentrantMutex::new(());
    /// let mut guard = m.lock();
    /// ReentrantMutexGuard::unlocked_fair(&mut guard, || assert!(!m.is_locked()));
    /// # }
    /// ```
    unlocked_fair(Access::Reentrant);

    /// Lets a waiting thread take the mutex, if there is one, and takes
    /// this level again; checked like a `lock` at this call.
    ///
    /// # Panics
    ///
    /// As [`ReentrantMutexGuard::unlocked`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use lockorder::parking_lot::{ReentrantMutex, ReentrantMutexGuard};
    ///
    /// let m = ReentrantMutex::new(());
    /// let mut guard = m.lock();
    /// ReentrantMutexGuard::bump(&mut guard);
    /// # }
    /// ```
    bump;
}

impl<'a, R: RawMutex + 'a, G: GetThreadId + 'a, T: ?Sized + 'a> MappedReentrantMutexGuard<'a, R, G, T> {
    guard_map! {
        MappedReentrantMutexGuard {} => MappedReentrantMutexGuard<R, G>, [];
        /// A guard for a part of this part.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// use lockorder::parking_lot::{MappedReentrantMutexGuard, ReentrantMutex, ReentrantMutexGuard};
        ///
        /// let m = ReentrantMutex::new(((1, 2), 3));
        /// let pair = ReentrantMutexGuard::map(m.lock(), |v| &v.0);
        /// assert_eq!(*MappedReentrantMutexGuard::map(pair, |p| &p.1), 2);
        /// # }
        /// ```
        map;

        /// [`MappedReentrantMutexGuard::map`] when `f` may find no part.
        ///
        /// # Errors
        ///
        /// The original guard, if `f` returns `None`.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// use lockorder::parking_lot::{MappedReentrantMutexGuard, ReentrantMutex, ReentrantMutexGuard};
        ///
        /// let m = ReentrantMutex::new(vec![vec![1]]);
        /// let first = ReentrantMutexGuard::map(m.lock(), |v| &v[0]);
        /// assert!(MappedReentrantMutexGuard::try_map(first, |v| v.get(3)).is_err());
        /// # }
        /// ```
        try_map;

        /// [`MappedReentrantMutexGuard::try_map`] with an error value.
        ///
        /// # Errors
        ///
        /// The original guard and `f`'s error.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// use lockorder::parking_lot::{MappedReentrantMutexGuard, ReentrantMutex, ReentrantMutexGuard};
        ///
        /// let m = ReentrantMutex::new(vec![vec![1]]);
        /// let first = ReentrantMutexGuard::map(m.lock(), |v| &v[0]);
        /// assert!(MappedReentrantMutexGuard::try_map_or_err(first, |v| v.get(3).ok_or(())).is_err());
        /// # }
        /// ```
        try_map_or_err;
    }
}

guard_fair! {
    MappedReentrantMutexGuard<R: RawMutexFair, G: GetThreadId>;
    /// Releases this lock level with a fair unlock.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "parking_lot")] {
    /// use lockorder::parking_lot::{MappedReentrantMutexGuard, ReentrantMutex, ReentrantMutexGuard};
    ///
    /// let m = ReentrantMutex::new((0, 0));
    /// MappedReentrantMutexGuard::unlock_fair(ReentrantMutexGuard::map(m.lock(), |v| &v.0));
    /// assert!(!m.is_locked());
    /// # }
    /// ```
    unlock_fair;
}

forward_guard!(ReentrantMutexGuard<R: RawMutex, G: GetThreadId>);
forward_guard!(MappedReentrantMutexGuard<R: RawMutex, G: GetThreadId>);
