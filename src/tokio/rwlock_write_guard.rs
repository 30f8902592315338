//! The exclusive guards of [`RwLock`](super::RwLock): [`RwLockWriteGuard`]
//! and [`RwLockMappedWriteGuard`].

use super::owned::forward_guard;
use super::RwLockReadGuard;
use crate::tracked::{Access, TaskToken, TrackedGuard};

/// Exclusive access to the value of an [`RwLock`](super::RwLock), until
/// dropped.
///
/// Dropping it ends its tracking first, then unlocks: nothing of the lock
/// is touched after the unlock (see [How it works](crate#how-it-works)).
#[must_use = "if unused the RwLock will immediately unlock"]
#[clippy::has_significant_drop]
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    pub(super) inner: TrackedGuard<tokio::sync::RwLockWriteGuard<'a, T>, TaskToken<'a>>,
}

/// Exclusive access to a part of the value of an [`RwLock`](super::RwLock)
/// ([`RwLockWriteGuard::map`]), until dropped.
///
/// Dropping it ends its tracking first, then unlocks: nothing of the lock
/// is touched after the unlock (see [How it works](crate#how-it-works)).
// No `must_use`: as tokio's.
#[clippy::has_significant_drop]
pub struct RwLockMappedWriteGuard<'a, T: ?Sized> {
    pub(super) inner: TrackedGuard<tokio::sync::RwLockMappedWriteGuard<'a, T>, TaskToken<'a>>,
}

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    /// A guard for a part of the value; the lock stays held for writing.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::tokio::{RwLock, RwLockWriteGuard};
    ///
    /// let lock = RwLock::new((1, 2));
    /// *RwLockWriteGuard::map(lock.try_write().unwrap(), |p| &mut p.1) = 3;
    /// assert_eq!(*lock.try_read().unwrap(), (1, 3));
    /// ```
    #[inline]
    pub fn map<F, U: ?Sized>(this: Self, f: F) -> RwLockMappedWriteGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        RwLockMappedWriteGuard {
            inner: this
                .inner
                .map(|inner, mut on_unwind| tokio::sync::RwLockWriteGuard::map(inner, move |t| on_unwind.run(|| f(t)))),
        }
    }

    /// Downgrades to a read guard for a part of the value. No order is
    /// recorded: the lock stays held, as a read from here on.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::tokio::{RwLock, RwLockWriteGuard};
    ///
    /// let lock = RwLock::new((1, 2));
    /// let second = RwLockWriteGuard::downgrade_map(lock.try_write().unwrap(), |p| &p.1);
    /// assert_eq!(*second, 2);
    /// assert!(lock.try_read().is_ok());
    /// ```
    #[track_caller]
    #[inline]
    pub fn downgrade_map<F, U: ?Sized>(this: Self, f: F) -> RwLockReadGuard<'a, U>
    where
        F: FnOnce(&T) -> &U,
    {
        let mut inner = this.inner;
        inner.token_mut().retag(Access::AsyncRead);
        RwLockReadGuard {
            inner: inner.map(|inner, mut on_unwind| {
                tokio::sync::RwLockWriteGuard::downgrade_map(inner, move |t| on_unwind.run(|| f(t)))
            }),
        }
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
    /// use lockorder::tokio::{RwLock, RwLockWriteGuard};
    ///
    /// let lock = RwLock::new(vec![1]);
    /// assert!(RwLockWriteGuard::try_map(lock.try_write().unwrap(), |v| v.get_mut(3)).is_err());
    /// ```
    #[inline]
    pub fn try_map<F, U: ?Sized>(this: Self, f: F) -> Result<RwLockMappedWriteGuard<'a, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let RwLockWriteGuard { inner } = this;
        let mapped = inner.try_map(|inner, mut on_unwind| {
            tokio::sync::RwLockWriteGuard::try_map(inner, move |t| on_unwind.run(|| f(t)))
        });
        match mapped {
            Ok(inner) => Ok(RwLockMappedWriteGuard { inner }),
            Err(inner) => Err(RwLockWriteGuard { inner }),
        }
    }

    /// [`RwLockWriteGuard::downgrade_map`] when `f` may find no part.
    ///
    /// # Errors
    ///
    /// The original guard, still for writing, if `f` returns `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::tokio::{RwLock, RwLockWriteGuard};
    ///
    /// let lock = RwLock::new(vec![1]);
    /// let first = RwLockWriteGuard::try_downgrade_map(lock.try_write().unwrap(), |v| v.first()).unwrap();
    /// assert_eq!(*first, 1);
    /// ```
    #[track_caller]
    #[inline]
    pub fn try_downgrade_map<F, U: ?Sized>(this: Self, f: F) -> Result<RwLockReadGuard<'a, U>, Self>
    where
        F: FnOnce(&T) -> Option<&U>,
    {
        let mapped = this.inner.try_map(|inner, mut on_unwind| {
            tokio::sync::RwLockWriteGuard::try_downgrade_map(inner, move |t| on_unwind.run(|| f(t)))
        });
        match mapped {
            Ok(mut inner) => {
                inner.token_mut().retag(Access::AsyncRead);
                Ok(RwLockReadGuard { inner })
            }
            Err(inner) => Err(RwLockWriteGuard { inner }),
        }
    }

    /// Turns the guard into a mapped write guard for the whole value.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::tokio::{RwLock, RwLockWriteGuard};
    ///
    /// let lock = RwLock::new(1);
    /// *RwLockWriteGuard::into_mapped(lock.try_write().unwrap()) = 2;
    /// assert_eq!(lock.into_inner(), 2);
    /// ```
    #[inline]
    pub fn into_mapped(this: Self) -> RwLockMappedWriteGuard<'a, T> {
        RwLockMappedWriteGuard { inner: this.inner.map(|inner, _| tokio::sync::RwLockWriteGuard::into_mapped(inner)) }
    }

    /// Turns the write lock into a read lock without letting a writer in.
    /// No order is recorded: the lock stays held, as a read from here on.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = lockorder::tokio::RwLock::new(1);
    /// let mut w = lock.try_write().unwrap();
    /// *w = 2;
    /// let r = w.downgrade();
    /// assert_eq!(*r, 2);
    /// ```
    #[track_caller]
    #[inline]
    pub fn downgrade(self) -> RwLockReadGuard<'a, T> {
        let mut inner = self.inner;
        inner.token_mut().retag(Access::AsyncRead);
        RwLockReadGuard { inner: inner.map(|inner, _| inner.downgrade()) }
    }
}

impl<'a, T: ?Sized> RwLockMappedWriteGuard<'a, T> {
    /// A guard for a part of this part.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::tokio::{RwLock, RwLockMappedWriteGuard, RwLockWriteGuard};
    ///
    /// let lock = RwLock::new(((1, 2), 3));
    /// let pair = RwLockWriteGuard::map(lock.try_write().unwrap(), |v| &mut v.0);
    /// *RwLockMappedWriteGuard::map(pair, |p| &mut p.1) = 20;
    /// assert_eq!(lock.into_inner(), ((1, 20), 3));
    /// ```
    #[inline]
    pub fn map<F, U: ?Sized>(this: Self, f: F) -> RwLockMappedWriteGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        RwLockMappedWriteGuard {
            inner: this.inner.map(|inner, mut on_unwind| {
                tokio::sync::RwLockMappedWriteGuard::map(inner, move |t| on_unwind.run(|| f(t)))
            }),
        }
    }

    /// [`RwLockMappedWriteGuard::map`] when `f` may find no part.
    ///
    /// # Errors
    ///
    /// The original guard, if `f` returns `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::tokio::{RwLock, RwLockMappedWriteGuard, RwLockWriteGuard};
    ///
    /// let lock = RwLock::new(vec![vec![1]]);
    /// let first = RwLockWriteGuard::map(lock.try_write().unwrap(), |v| &mut v[0]);
    /// assert!(RwLockMappedWriteGuard::try_map(first, |v| v.get_mut(3)).is_err());
    /// ```
    #[inline]
    pub fn try_map<F, U: ?Sized>(this: Self, f: F) -> Result<RwLockMappedWriteGuard<'a, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let RwLockMappedWriteGuard { inner } = this;
        let mapped = inner.try_map(|inner, mut on_unwind| {
            tokio::sync::RwLockMappedWriteGuard::try_map(inner, move |t| on_unwind.run(|| f(t)))
        });
        match mapped {
            Ok(inner) => Ok(RwLockMappedWriteGuard { inner }),
            Err(inner) => Err(RwLockMappedWriteGuard { inner }),
        }
    }
}

forward_guard!(impl['a, T: ?Sized] RwLockWriteGuard<'a, T> => T, inner, mut);
forward_guard!(impl['a, T: ?Sized] RwLockMappedWriteGuard<'a, T> => T, inner, mut);
