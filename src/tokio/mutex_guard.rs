//! The guards of [`Mutex`]: [`MutexGuard`] and [`MappedMutexGuard`].

use super::owned::forward_guard;
use super::Mutex;
use crate::tracked::{LockRef, TaskToken, TrackedGuard};

/// The guard of a [`Mutex`]: the lock is held until it is dropped. Holding
/// it across an `.await` is fine.
///
/// Dropping it ends its tracking first, then unlocks: nothing of the lock
/// is touched after the unlock (see [How it works](crate#how-it-works)).
#[must_use = "if unused the Mutex will immediately unlock"]
#[clippy::has_significant_drop]
pub struct MutexGuard<'a, T: ?Sized> {
    pub(super) inner: TrackedGuard<tokio::sync::MutexGuard<'a, T>, TaskToken<'a>>,
    pub(super) lock: LockRef<'a, Mutex<T>>,
}

/// A guard of a [`Mutex`] for a part of the value ([`MutexGuard::map`]).
///
/// Dropping it ends its tracking first, then unlocks: nothing of the lock
/// is touched after the unlock (see [How it works](crate#how-it-works)).
#[must_use = "if unused the Mutex will immediately unlock"]
#[clippy::has_significant_drop]
pub struct MappedMutexGuard<'a, T: ?Sized> {
    pub(super) inner: TrackedGuard<tokio::sync::MappedMutexGuard<'a, T>, TaskToken<'a>>,
}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// A guard for a part of the locked value; the mutex stays held.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::tokio::{Mutex, MutexGuard};
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let m = Mutex::new((1, 2));
    /// *MutexGuard::map(m.lock().await, |p| &mut p.1) = 3;
    /// assert_eq!(*m.lock().await, (1, 3));
    /// # });
    /// ```
    #[inline]
    pub fn map<U, F>(this: Self, f: F) -> MappedMutexGuard<'a, U>
    where
        U: ?Sized,
        F: FnOnce(&mut T) -> &mut U,
    {
        MappedMutexGuard {
            inner: this
                .inner
                .map(|inner, mut on_unwind| tokio::sync::MutexGuard::map(inner, move |t| on_unwind.run(|| f(t)))),
        }
    }

    /// [`MutexGuard::map`] when `f` may find no part.
    ///
    /// # Errors
    ///
    /// The original guard, if `f` returns `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::tokio::{Mutex, MutexGuard};
    ///
    /// let m = Mutex::new(vec![1]);
    /// assert!(MutexGuard::try_map(m.try_lock().unwrap(), |v| v.get_mut(3)).is_err());
    /// ```
    #[inline]
    pub fn try_map<U, F>(this: Self, f: F) -> Result<MappedMutexGuard<'a, U>, Self>
    where
        U: ?Sized,
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let MutexGuard { inner, lock } = this;
        let mapped = inner
            .try_map(|inner, mut on_unwind| tokio::sync::MutexGuard::try_map(inner, move |t| on_unwind.run(|| f(t))));
        match mapped {
            Ok(inner) => Ok(MappedMutexGuard { inner }),
            Err(inner) => Err(MutexGuard { inner, lock }),
        }
    }

    /// The mutex this guard locks.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::tokio::{Mutex, MutexGuard};
    ///
    /// let m = Mutex::new(());
    /// let guard = m.try_lock().unwrap();
    /// assert!(std::ptr::eq(MutexGuard::mutex(&guard), &m));
    /// ```
    pub fn mutex(this: &Self) -> &'a Mutex<T> {
        // SAFETY: `this.lock` and the tokio guard in `this.inner` were made
        // together, from one lock of ours and its `inner` (by the lock's
        // methods, or moved on together from another guard of the lock), so
        // the lock the tokio guard gives is that lock's `inner`.
        unsafe { this.lock.get(tokio::sync::MutexGuard::mutex(&this.inner)) }
    }
}

impl<'a, T: ?Sized> MappedMutexGuard<'a, T> {
    /// A guard for a part of this part.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::tokio::{MappedMutexGuard, Mutex, MutexGuard};
    ///
    /// let m = Mutex::new(((1, 2), 3));
    /// let pair = MutexGuard::map(m.try_lock().unwrap(), |v| &mut v.0);
    /// *MappedMutexGuard::map(pair, |p| &mut p.1) = 20;
    /// assert_eq!(m.into_inner(), ((1, 20), 3));
    /// ```
    #[inline]
    pub fn map<U, F>(this: Self, f: F) -> MappedMutexGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        MappedMutexGuard {
            inner: this
                .inner
                .map(|inner, mut on_unwind| tokio::sync::MappedMutexGuard::map(inner, move |t| on_unwind.run(|| f(t)))),
        }
    }

    /// [`MappedMutexGuard::map`] when `f` may find no part.
    ///
    /// # Errors
    ///
    /// The original guard, if `f` returns `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::tokio::{MappedMutexGuard, Mutex, MutexGuard};
    ///
    /// let m = Mutex::new(vec![vec![1]]);
    /// let first = MutexGuard::map(m.try_lock().unwrap(), |v| &mut v[0]);
    /// assert!(MappedMutexGuard::try_map(first, |v| v.get_mut(3)).is_err());
    /// ```
    #[inline]
    pub fn try_map<U, F>(this: Self, f: F) -> Result<MappedMutexGuard<'a, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let MappedMutexGuard { inner } = this;
        let mapped = inner.try_map(|inner, mut on_unwind| {
            tokio::sync::MappedMutexGuard::try_map(inner, move |t| on_unwind.run(|| f(t)))
        });
        match mapped {
            Ok(inner) => Ok(MappedMutexGuard { inner }),
            Err(inner) => Err(MappedMutexGuard { inner }),
        }
    }
}

forward_guard!(impl['a, T: ?Sized] MutexGuard<'a, T> => T, inner, mut);
forward_guard!(impl['a, T: ?Sized] MappedMutexGuard<'a, T> => T, inner, mut);
