//! The guards of [`Mutex`]: [`MutexGuard`] and [`MappedMutexGuard`].

use super::owned::forward_guard;
use super::Mutex;
use crate::tracked::TaskToken;

/// The guard of a [`Mutex`]: the lock is held until it is dropped. Holding
/// it across an `.await` is fine.
#[must_use = "if unused the Mutex will immediately unlock"]
#[clippy::has_significant_drop]
pub struct MutexGuard<'a, T: ?Sized> {
    pub(super) inner: tokio::sync::MutexGuard<'a, T>,
    pub(super) token: TaskToken<'a>,
    pub(super) lock: &'a Mutex<T>,
}

/// A guard of a [`Mutex`] for a part of the value ([`MutexGuard::map`]).
#[must_use = "if unused the Mutex will immediately unlock"]
#[clippy::has_significant_drop]
pub struct MappedMutexGuard<'a, T: ?Sized> {
    pub(super) inner: tokio::sync::MappedMutexGuard<'a, T>,
    pub(super) token: TaskToken<'a>,
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
        MappedMutexGuard { inner: tokio::sync::MutexGuard::map(this.inner, f), token: this.token }
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
        let MutexGuard { inner, token, lock } = this;
        match tokio::sync::MutexGuard::try_map(inner, f) {
            Ok(inner) => Ok(MappedMutexGuard { inner, token }),
            Err(inner) => Err(MutexGuard { inner, token, lock }),
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
        this.lock
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
        MappedMutexGuard { inner: tokio::sync::MappedMutexGuard::map(this.inner, f), token: this.token }
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
        let MappedMutexGuard { inner, token } = this;
        match tokio::sync::MappedMutexGuard::try_map(inner, f) {
            Ok(inner) => Ok(MappedMutexGuard { inner, token }),
            Err(inner) => Err(MappedMutexGuard { inner, token }),
        }
    }
}

forward_guard!(impl['a, T: ?Sized] MutexGuard<'a, T> => T, inner, mut);
forward_guard!(impl['a, T: ?Sized] MappedMutexGuard<'a, T> => T, inner, mut);
