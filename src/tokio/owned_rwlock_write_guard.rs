//! The owned exclusive guards of [`RwLock`]: [`OwnedRwLockWriteGuard`]
//! and [`OwnedRwLockMappedWriteGuard`].

use std::sync::Arc;

use super::owned::forward_guard;
use super::{OwnedRwLockReadGuard, RwLock, RwLockMappedWriteGuard, RwLockWriteGuard};

/// Exclusive access to the value of an [`RwLock`] behind an `Arc`
/// ([`RwLock::write_owned`]): it keeps the `Arc`, so it can be moved into
/// another task.
///
/// Dropping it ends its tracking first, then unlocks: nothing of the lock
/// is touched after the unlock (see [How it works](crate#how-it-works)).
// No `must_use`: as tokio's.
#[clippy::has_significant_drop]
pub struct OwnedRwLockWriteGuard<T: ?Sized + 'static> {
    // Declared first: dropped before the `Arc` it borrows from.
    pub(super) guard: RwLockWriteGuard<'static, T>,
    pub(super) lock: Arc<RwLock<T>>,
}

/// Exclusive access to a part `U` of the value of an [`RwLock`] behind an
/// `Arc` ([`OwnedRwLockWriteGuard::map`]).
///
/// Dropping it ends its tracking first, then unlocks: nothing of the lock
/// is touched after the unlock (see [How it works](crate#how-it-works)).
// No `must_use`: as tokio's.
#[clippy::has_significant_drop]
pub struct OwnedRwLockMappedWriteGuard<T: ?Sized + 'static, U: ?Sized + 'static = T> {
    // Declared first: dropped before the `Arc` it borrows from.
    guard: RwLockMappedWriteGuard<'static, U>,
    lock: Arc<RwLock<T>>,
}

impl<T: ?Sized + 'static> OwnedRwLockWriteGuard<T> {
    /// A guard for a part of the value; the lock stays held for writing.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::tokio::{OwnedRwLockWriteGuard, RwLock};
    /// use std::sync::Arc;
    ///
    /// let lock = Arc::new(RwLock::new((1, 2)));
    /// *OwnedRwLockWriteGuard::map(lock.clone().try_write_owned().unwrap(), |p| &mut p.1) = 3;
    /// assert_eq!(*lock.try_read().unwrap(), (1, 3));
    /// ```
    #[inline]
    pub fn map<F, U: ?Sized + 'static>(this: Self, f: F) -> OwnedRwLockMappedWriteGuard<T, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        OwnedRwLockMappedWriteGuard { guard: RwLockWriteGuard::map(this.guard, f), lock: this.lock }
    }

    /// Downgrades to a read guard for a part of the value; no order is
    /// recorded.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::tokio::{OwnedRwLockWriteGuard, RwLock};
    /// use std::sync::Arc;
    ///
    /// let lock = Arc::new(RwLock::new((1, 2)));
    /// let second = OwnedRwLockWriteGuard::downgrade_map(lock.clone().try_write_owned().unwrap(), |p| &p.1);
    /// assert_eq!(*second, 2);
    /// assert!(lock.try_read().is_ok());
    /// ```
    #[track_caller]
    #[inline]
    pub fn downgrade_map<F, U: ?Sized + 'static>(this: Self, f: F) -> OwnedRwLockReadGuard<T, U>
    where
        F: FnOnce(&T) -> &U,
    {
        OwnedRwLockReadGuard { guard: RwLockWriteGuard::downgrade_map(this.guard, f), lock: this.lock }
    }

    /// [`OwnedRwLockWriteGuard::map`] when `f` may find no part.
    ///
    /// # Errors
    ///
    /// The original guard, if `f` returns `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::tokio::{OwnedRwLockWriteGuard, RwLock};
    /// use std::sync::Arc;
    ///
    /// let lock = Arc::new(RwLock::new(vec![1]));
    /// assert!(OwnedRwLockWriteGuard::try_map(lock.try_write_owned().unwrap(), |v| v.get_mut(3)).is_err());
    /// ```
    #[inline]
    pub fn try_map<F, U: ?Sized + 'static>(this: Self, f: F) -> Result<OwnedRwLockMappedWriteGuard<T, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let OwnedRwLockWriteGuard { guard, lock } = this;
        match RwLockWriteGuard::try_map(guard, f) {
            Ok(guard) => Ok(OwnedRwLockMappedWriteGuard { guard, lock }),
            Err(guard) => Err(OwnedRwLockWriteGuard { guard, lock }),
        }
    }

    /// [`OwnedRwLockWriteGuard::downgrade_map`] when `f` may find no part.
    ///
    /// # Errors
    ///
    /// The original guard, still for writing, if `f` returns `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::tokio::{OwnedRwLockWriteGuard, RwLock};
    /// use std::sync::Arc;
    ///
    /// let lock = Arc::new(RwLock::new(vec![1]));
    /// let w = lock.try_write_owned().unwrap();
    /// assert_eq!(*OwnedRwLockWriteGuard::try_downgrade_map(w, |v| v.first()).unwrap(), 1);
    /// ```
    #[track_caller]
    #[inline]
    pub fn try_downgrade_map<F, U: ?Sized + 'static>(this: Self, f: F) -> Result<OwnedRwLockReadGuard<T, U>, Self>
    where
        F: FnOnce(&T) -> Option<&U>,
    {
        let OwnedRwLockWriteGuard { guard, lock } = this;
        match RwLockWriteGuard::try_downgrade_map(guard, f) {
            Ok(guard) => Ok(OwnedRwLockReadGuard { guard, lock }),
            Err(guard) => Err(OwnedRwLockWriteGuard { guard, lock }),
        }
    }

    /// Turns the guard into a mapped write guard for the whole value.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::tokio::{OwnedRwLockWriteGuard, RwLock};
    /// use std::sync::Arc;
    ///
    /// let lock = Arc::new(RwLock::new(1));
    /// *OwnedRwLockWriteGuard::into_mapped(lock.clone().try_write_owned().unwrap()) = 2;
    /// assert_eq!(*lock.try_read().unwrap(), 2);
    /// ```
    #[inline]
    pub fn into_mapped(this: Self) -> OwnedRwLockMappedWriteGuard<T> {
        OwnedRwLockMappedWriteGuard { guard: RwLockWriteGuard::into_mapped(this.guard), lock: this.lock }
    }

    /// Turns the write lock into a read lock without letting a writer in;
    /// no order is recorded.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let lock = Arc::new(lockorder::tokio::RwLock::new(1));
    /// let r = lock.clone().try_write_owned().unwrap().downgrade();
    /// assert_eq!(*r, 1);
    /// assert!(lock.try_read().is_ok());
    /// ```
    #[track_caller]
    #[inline]
    pub fn downgrade(self) -> OwnedRwLockReadGuard<T> {
        OwnedRwLockReadGuard { guard: self.guard.downgrade(), lock: self.lock }
    }

    /// The `Arc` of the lock this guard writes.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::tokio::{OwnedRwLockWriteGuard, RwLock};
    /// use std::sync::Arc;
    ///
    /// let lock = Arc::new(RwLock::new(()));
    /// let guard = lock.clone().try_write_owned().unwrap();
    /// assert!(Arc::ptr_eq(OwnedRwLockWriteGuard::rwlock(&guard), &lock));
    /// ```
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }
}

impl<T: ?Sized + 'static, U: ?Sized + 'static> OwnedRwLockMappedWriteGuard<T, U> {
    /// A guard for a part of this part.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::tokio::{OwnedRwLockMappedWriteGuard, OwnedRwLockWriteGuard, RwLock};
    /// use std::sync::Arc;
    ///
    /// let lock = Arc::new(RwLock::new(((1, 2), 3)));
    /// let pair = OwnedRwLockWriteGuard::map(lock.clone().try_write_owned().unwrap(), |v| &mut v.0);
    /// *OwnedRwLockMappedWriteGuard::map(pair, |p| &mut p.1) = 20;
    /// assert_eq!(*lock.try_read().unwrap(), ((1, 20), 3));
    /// ```
    #[inline]
    pub fn map<F, V: ?Sized + 'static>(this: Self, f: F) -> OwnedRwLockMappedWriteGuard<T, V>
    where
        F: FnOnce(&mut U) -> &mut V,
    {
        OwnedRwLockMappedWriteGuard { guard: RwLockMappedWriteGuard::map(this.guard, f), lock: this.lock }
    }

    /// [`OwnedRwLockMappedWriteGuard::map`] when `f` may find no part.
    ///
    /// # Errors
    ///
    /// The original guard, if `f` returns `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::tokio::{OwnedRwLockMappedWriteGuard, OwnedRwLockWriteGuard, RwLock};
    /// use std::sync::Arc;
    ///
    /// let lock = Arc::new(RwLock::new(vec![vec![1]]));
    /// let first = OwnedRwLockWriteGuard::map(lock.try_write_owned().unwrap(), |v| &mut v[0]);
    /// assert!(OwnedRwLockMappedWriteGuard::try_map(first, |v| v.get_mut(3)).is_err());
    /// ```
    #[inline]
    pub fn try_map<F, V: ?Sized + 'static>(this: Self, f: F) -> Result<OwnedRwLockMappedWriteGuard<T, V>, Self>
    where
        F: FnOnce(&mut U) -> Option<&mut V>,
    {
        let OwnedRwLockMappedWriteGuard { guard, lock } = this;
        match RwLockMappedWriteGuard::try_map(guard, f) {
            Ok(guard) => Ok(OwnedRwLockMappedWriteGuard { guard, lock }),
            Err(guard) => Err(OwnedRwLockMappedWriteGuard { guard, lock }),
        }
    }

    /// The `Arc` of the lock this guard writes.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::tokio::{OwnedRwLockMappedWriteGuard, OwnedRwLockWriteGuard, RwLock};
    /// use std::sync::Arc;
    ///
    /// let lock = Arc::new(RwLock::new((1, 2)));
    /// let part = OwnedRwLockWriteGuard::map(lock.clone().try_write_owned().unwrap(), |p| &mut p.0);
    /// assert!(Arc::ptr_eq(OwnedRwLockMappedWriteGuard::rwlock(&part), &lock));
    /// ```
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }
}

forward_guard!(impl[T: ?Sized + 'static] OwnedRwLockWriteGuard<T> => T, guard, mut);
forward_guard!(impl[T: ?Sized + 'static, U: ?Sized + 'static] OwnedRwLockMappedWriteGuard<T, U> => U, guard, mut);
