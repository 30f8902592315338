//! The shared guard of [`RwLock`](super::RwLock): [`RwLockReadGuard`].

use super::owned::forward_guard;
use crate::tracked::{TaskToken, TrackedGuard};

/// Shared access to the value of an [`RwLock`](super::RwLock), until
/// dropped.
///
/// Dropping it ends its tracking first, then unlocks: nothing of the lock
/// is touched after the unlock (see [How it works](crate#how-it-works)).
#[must_use = "if unused the RwLock will immediately unlock"]
#[clippy::has_significant_drop]
pub struct RwLockReadGuard<'a, T: ?Sized> {
    pub(super) inner: TrackedGuard<tokio::sync::RwLockReadGuard<'a, T>, TaskToken<'a>>,
}

impl<'a, T: ?Sized> RwLockReadGuard<'a, T> {
    /// A guard for a part of the value; the lock stays held.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::tokio::{RwLock, RwLockReadGuard};
    ///
    /// let lock = RwLock::new((1, 2));
    /// assert_eq!(*RwLockReadGuard::map(lock.try_read().unwrap(), |p| &p.1), 2);
    /// ```
    #[inline]
    pub fn map<F, U: ?Sized>(this: Self, f: F) -> RwLockReadGuard<'a, U>
    where
        F: FnOnce(&T) -> &U,
    {
        RwLockReadGuard {
            inner: this
                .inner
                .map(|inner, mut on_unwind| tokio::sync::RwLockReadGuard::map(inner, move |t| on_unwind.run(|| f(t)))),
        }
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
    /// use lockorder::tokio::{RwLock, RwLockReadGuard};
    ///
    /// let lock = RwLock::new(vec![1]);
    /// assert!(RwLockReadGuard::try_map(lock.try_read().unwrap(), |v| v.get(3)).is_err());
    /// ```
    #[inline]
    pub fn try_map<F, U: ?Sized>(this: Self, f: F) -> Result<RwLockReadGuard<'a, U>, Self>
    where
        F: FnOnce(&T) -> Option<&U>,
    {
        let RwLockReadGuard { inner } = this;
        let mapped = inner.try_map(|inner, mut on_unwind| {
            tokio::sync::RwLockReadGuard::try_map(inner, move |t| on_unwind.run(|| f(t)))
        });
        match mapped {
            Ok(inner) => Ok(RwLockReadGuard { inner }),
            Err(inner) => Err(RwLockReadGuard { inner }),
        }
    }
}

forward_guard!(impl['a, T: ?Sized] RwLockReadGuard<'a, T> => T, inner);
