//! [`Mutex`]: [`crate::lock_api::Mutex`] over parking_lot's raw mutex.

use super::RawMutex;

/// A mutual exclusion lock whose acquisitions are checked for lock-order
/// violations: a drop-in for [`parking_lot::Mutex`](::parking_lot::Mutex).
///
/// See [`crate::lock_api::Mutex`] for its methods.
///
/// # Examples
///
/// ```
/// use lockorder::parking_lot::Mutex;
/// use std::sync::Arc;
///
/// let counter = Arc::new(Mutex::new(0));
/// let handles: Vec<_> = (0..4)
///     .map(|_| {
///         let counter = Arc::clone(&counter);
///         std::thread::spawn(move || *counter.lock() += 1)
///     })
///     .collect();
/// for handle in handles {
///     handle.join().unwrap();
/// }
/// assert_eq!(*counter.lock(), 4);
/// ```
pub type Mutex<T> = crate::lock_api::Mutex<RawMutex, T>;

/// The guard of a [`Mutex`].
pub type MutexGuard<'a, T> = crate::lock_api::MutexGuard<'a, RawMutex, T>;

/// The guard of a part of a [`Mutex`]'s value.
pub type MappedMutexGuard<'a, T> = crate::lock_api::MappedMutexGuard<'a, RawMutex, T>;

/// A new [`Mutex`], in a `const` context; the same as [`Mutex::new`].
///
/// # Examples
///
/// ```
/// static COUNT: lockorder::parking_lot::Mutex<u32> = lockorder::parking_lot::const_mutex(0);
/// *COUNT.lock() += 1;
/// ```
#[track_caller]
#[inline]
pub const fn const_mutex<T>(val: T) -> Mutex<T> {
    Mutex::new(val)
}
