//! The owned guards of [`Mutex`]: [`OwnedMutexGuard`] and
//! [`OwnedMappedMutexGuard`].

use std::sync::Arc;

use super::owned::forward_guard;
use super::{MappedMutexGuard, Mutex, MutexGuard};

/// The guard of a [`Mutex`] behind an `Arc` ([`Mutex::lock_owned`]): it
/// keeps the `Arc`, so it can be moved into another task.
///
/// The lock stays in the held set of the task that acquired it until the
/// guard is dropped, wherever that happens (see [the module
/// docs](super#guards-that-move-between-tasks)).
///
/// Dropping it ends its tracking first, then unlocks: nothing of the lock
/// is touched after the unlock (see [How it works](crate#how-it-works)).
// No `must_use`: as tokio's.
#[clippy::has_significant_drop]
pub struct OwnedMutexGuard<T: ?Sized + 'static> {
    // Declared first: dropped before the `Arc` it borrows from.
    pub(super) guard: MutexGuard<'static, T>,
    pub(super) lock: Arc<Mutex<T>>,
}

/// An owned guard of a [`Mutex`] for a part of the value
/// ([`OwnedMutexGuard::map`]).
///
/// Dropping it ends its tracking first, then unlocks: nothing of the lock
/// is touched after the unlock (see [How it works](crate#how-it-works)).
#[must_use = "if unused the Mutex will immediately unlock"]
#[clippy::has_significant_drop]
pub struct OwnedMappedMutexGuard<T: ?Sized + 'static, U: ?Sized + 'static = T> {
    // Declared first: dropped before the `Arc` it borrows from.
    guard: MappedMutexGuard<'static, U>,
    lock: Arc<Mutex<T>>,
}

impl<T: ?Sized + 'static> OwnedMutexGuard<T> {
    /// A guard for a part of the locked value; the mutex stays held.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::tokio::{Mutex, OwnedMutexGuard};
    /// use std::sync::Arc;
    ///
    /// let m = Arc::new(Mutex::new((1, 2)));
    /// *OwnedMutexGuard::map(m.clone().try_lock_owned().unwrap(), |p| &mut p.1) = 3;
    /// assert_eq!(*m.try_lock().unwrap(), (1, 3));
    /// ```
    #[inline]
    pub fn map<U, F>(this: Self, f: F) -> OwnedMappedMutexGuard<T, U>
    where
        U: ?Sized + 'static,
        F: FnOnce(&mut T) -> &mut U,
    {
        OwnedMappedMutexGuard { guard: MutexGuard::map(this.guard, f), lock: this.lock }
    }

    /// [`OwnedMutexGuard::map`] when `f` may find no part.
    ///
    /// # Errors
    ///
    /// The original guard, if `f` returns `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::tokio::{Mutex, OwnedMutexGuard};
    /// use std::sync::Arc;
    ///
    /// let m = Arc::new(Mutex::new(vec![1]));
    /// assert!(OwnedMutexGuard::try_map(m.try_lock_owned().unwrap(), |v| v.get_mut(3)).is_err());
    /// ```
    #[inline]
    pub fn try_map<U, F>(this: Self, f: F) -> Result<OwnedMappedMutexGuard<T, U>, Self>
    where
        U: ?Sized + 'static,
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let OwnedMutexGuard { guard, lock } = this;
        match MutexGuard::try_map(guard, f) {
            Ok(guard) => Ok(OwnedMappedMutexGuard { guard, lock }),
            Err(guard) => Err(OwnedMutexGuard { guard, lock }),
        }
    }

    /// The `Arc` of the mutex this guard locks.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::tokio::{Mutex, OwnedMutexGuard};
    /// use std::sync::Arc;
    ///
    /// let m = Arc::new(Mutex::new(()));
    /// let guard = m.clone().try_lock_owned().unwrap();
    /// assert!(Arc::ptr_eq(OwnedMutexGuard::mutex(&guard), &m));
    /// ```
    pub fn mutex(this: &Self) -> &Arc<Mutex<T>> {
        &this.lock
    }
}

impl<T: ?Sized + 'static, U: ?Sized + 'static> OwnedMappedMutexGuard<T, U> {
    /// A guard for a part of this part.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::tokio::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard};
    /// use std::sync::Arc;
    ///
    /// let m = Arc::new(Mutex::new(((1, 2), 3)));
    /// let pair = OwnedMutexGuard::map(m.clone().try_lock_owned().unwrap(), |v| &mut v.0);
    /// *OwnedMappedMutexGuard::map(pair, |p| &mut p.1) = 20;
    /// assert_eq!(*m.try_lock().unwrap(), ((1, 20), 3));
    /// ```
    #[inline]
    pub fn map<S, F>(this: Self, f: F) -> OwnedMappedMutexGuard<T, S>
    where
        S: 'static,
        F: FnOnce(&mut U) -> &mut S,
    {
        OwnedMappedMutexGuard { guard: MappedMutexGuard::map(this.guard, f), lock: this.lock }
    }

    /// [`OwnedMappedMutexGuard::map`] when `f` may find no part.
    ///
    /// # Errors
    ///
    /// The original guard, if `f` returns `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::tokio::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard};
    /// use std::sync::Arc;
    ///
    /// let m = Arc::new(Mutex::new(vec![vec![1]]));
    /// let first = OwnedMutexGuard::map(m.try_lock_owned().unwrap(), |v| &mut v[0]);
    /// assert!(OwnedMappedMutexGuard::try_map(first, |v| v.get_mut(3)).is_err());
    /// ```
    #[inline]
    pub fn try_map<S, F>(this: Self, f: F) -> Result<OwnedMappedMutexGuard<T, S>, Self>
    where
        S: 'static,
        F: FnOnce(&mut U) -> Option<&mut S>,
    {
        let OwnedMappedMutexGuard { guard, lock } = this;
        match MappedMutexGuard::try_map(guard, f) {
            Ok(guard) => Ok(OwnedMappedMutexGuard { guard, lock }),
            Err(guard) => Err(OwnedMappedMutexGuard { guard, lock }),
        }
    }
}

forward_guard!(impl[T: ?Sized + 'static] OwnedMutexGuard<T> => T, guard, mut);
forward_guard!(impl[T: ?Sized + 'static, U: ?Sized + 'static] OwnedMappedMutexGuard<T, U> => U, guard, mut);
