//! The owned shared guard of [`RwLock`]: [`OwnedRwLockReadGuard`].

use std::sync::Arc;

use super::owned::forward_guard;
use super::{RwLock, RwLockReadGuard};

/// Shared access to the value (or a part `U` of it) of an [`RwLock`]
/// behind an `Arc` ([`RwLock::read_owned`]): it keeps the `Arc`, so it can
/// be moved into another task.
///
/// Dropping it ends its tracking first, then unlocks: nothing of the lock
/// is touched after the unlock (see [How it works](crate#how-it-works)).
// No `must_use`: as tokio's.
#[clippy::has_significant_drop]
pub struct OwnedRwLockReadGuard<T: ?Sized + 'static, U: ?Sized + 'static = T> {
    // Declared first: dropped before the `Arc` it borrows from.
    pub(super) guard: RwLockReadGuard<'static, U>,
    pub(super) lock: Arc<RwLock<T>>,
}

impl<T: ?Sized + 'static, U: ?Sized + 'static> OwnedRwLockReadGuard<T, U> {
    /// A guard for a part of the value; the lock stays held.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::tokio::{OwnedRwLockReadGuard, RwLock};
    /// use std::sync::Arc;
    ///
    /// let lock = Arc::new(RwLock::new((1, 2)));
    /// assert_eq!(*OwnedRwLockReadGuard::map(lock.try_read_owned().unwrap(), |p| &p.1), 2);
    /// ```
    #[inline]
    pub fn map<F, V: ?Sized + 'static>(this: Self, f: F) -> OwnedRwLockReadGuard<T, V>
    where
        F: FnOnce(&U) -> &V,
    {
        OwnedRwLockReadGuard { guard: RwLockReadGuard::map(this.guard, f), lock: this.lock }
    }

    /// [`OwnedRwLockReadGuard::map`] when `f` may find no part.
    ///
    /// # Errors
    ///
    /// The original guard, if `f` returns `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::tokio::{OwnedRwLockReadGuard, RwLock};
    /// use std::sync::Arc;
    ///
    /// let lock = Arc::new(RwLock::new(vec![1]));
    /// assert!(OwnedRwLockReadGuard::try_map(lock.try_read_owned().unwrap(), |v| v.get(3)).is_err());
    /// ```
    #[inline]
    pub fn try_map<F, V: ?Sized + 'static>(this: Self, f: F) -> Result<OwnedRwLockReadGuard<T, V>, Self>
    where
        F: FnOnce(&U) -> Option<&V>,
    {
        let OwnedRwLockReadGuard { guard, lock } = this;
        match RwLockReadGuard::try_map(guard, f) {
            Ok(guard) => Ok(OwnedRwLockReadGuard { guard, lock }),
            Err(guard) => Err(OwnedRwLockReadGuard { guard, lock }),
        }
    }

    /// The `Arc` of the lock this guard reads.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::tokio::{OwnedRwLockReadGuard, RwLock};
    /// use std::sync::Arc;
    ///
    /// let lock = Arc::new(RwLock::new(()));
    /// let guard = lock.clone().try_read_owned().unwrap();
    /// assert!(Arc::ptr_eq(OwnedRwLockReadGuard::rwlock(&guard), &lock));
    /// ```
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }
}

forward_guard!(impl[T: ?Sized + 'static, U: ?Sized + 'static] OwnedRwLockReadGuard<T, U> => U, guard);
