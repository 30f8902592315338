//! [`RwLock`]: [`crate::lock_api::RwLock`] over parking_lot's raw
//! reader-writer lock.

use super::RawRwLock;

/// A reader-writer lock whose acquisitions are checked for lock-order
/// violations: a drop-in for [`parking_lot::RwLock`](::parking_lot::RwLock).
///
/// `read` is not recursive (a waiting writer blocks new readers), so it
/// counts like `write`; `read_recursive` is granted while this thread
/// reads. See [`crate::lock_api::RwLock`] for its methods.
///
/// # Examples
///
/// ```
/// use lockorder::parking_lot::{RwLock, RwLockUpgradableReadGuard};
///
/// let lock = RwLock::new(vec![1]);
/// assert_eq!(lock.read().len(), 1);
/// let up = lock.upgradable_read();
/// RwLockUpgradableReadGuard::upgrade(up).push(2);
/// assert_eq!(*lock.read(), [1, 2]);
/// ```
pub type RwLock<T> = crate::lock_api::RwLock<RawRwLock, T>;

/// Shared access to an [`RwLock`]'s value.
pub type RwLockReadGuard<'a, T> = crate::lock_api::RwLockReadGuard<'a, RawRwLock, T>;

/// Exclusive access to an [`RwLock`]'s value.
pub type RwLockWriteGuard<'a, T> = crate::lock_api::RwLockWriteGuard<'a, RawRwLock, T>;

/// An upgradable read of an [`RwLock`].
pub type RwLockUpgradableReadGuard<'a, T> = crate::lock_api::RwLockUpgradableReadGuard<'a, RawRwLock, T>;

/// Shared access to a part of an [`RwLock`]'s value.
pub type MappedRwLockReadGuard<'a, T> = crate::lock_api::MappedRwLockReadGuard<'a, RawRwLock, T>;

/// Exclusive access to a part of an [`RwLock`]'s value.
pub type MappedRwLockWriteGuard<'a, T> = crate::lock_api::MappedRwLockWriteGuard<'a, RawRwLock, T>;

/// A new [`RwLock`], in a `const` context; the same as [`RwLock::new`].
///
/// # Examples
///
/// ```
/// static CONFIG: lockorder::parking_lot::RwLock<u32> = lockorder::parking_lot::const_rwlock(0);
/// assert_eq!(*CONFIG.read(), 0);
/// ```
#[track_caller]
#[inline]
pub const fn const_rwlock<T>(val: T) -> RwLock<T> {
    RwLock::new(val)
}
