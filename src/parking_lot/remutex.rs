//! [`ReentrantMutex`]: [`crate::lock_api::ReentrantMutex`] over
//! parking_lot's raw mutex and thread ids.

use super::{RawMutex, RawThreadId};

/// A mutex that the thread holding it may lock again, whose acquisitions
/// are checked for lock-order violations: a drop-in for
/// [`parking_lot::ReentrantMutex`](::parking_lot::ReentrantMutex).
///
/// Re-entering it is not reported; orders between it and other locks are.
/// See [`crate::lock_api::ReentrantMutex`] for its methods.
///
/// # Examples
///
/// ```
/// use lockorder::parking_lot::ReentrantMutex;
///
/// let m = ReentrantMutex::new(1);
/// let outer = m.lock();
/// let inner = m.lock();
/// assert_eq!(*outer + *inner, 2);
/// ```
pub type ReentrantMutex<T> = crate::lock_api::ReentrantMutex<RawMutex, RawThreadId, T>;

/// The guard of a [`ReentrantMutex`].
pub type ReentrantMutexGuard<'a, T> = crate::lock_api::ReentrantMutexGuard<'a, RawMutex, RawThreadId, T>;

/// The guard of a part of a [`ReentrantMutex`]'s value.
pub type MappedReentrantMutexGuard<'a, T> = crate::lock_api::MappedReentrantMutexGuard<'a, RawMutex, RawThreadId, T>;

/// A new [`ReentrantMutex`], in a `const` context; the same as
/// [`ReentrantMutex::new`].
///
/// # Examples
///
/// ```
/// static LOG: lockorder::parking_lot::ReentrantMutex<()> = lockorder::parking_lot::const_reentrant_mutex(());
/// let _outer = LOG.lock();
/// let _inner = LOG.lock();
/// ```
#[track_caller]
#[inline]
pub const fn const_reentrant_mutex<T>(val: T) -> ReentrantMutex<T> {
    ReentrantMutex::new(val)
}
