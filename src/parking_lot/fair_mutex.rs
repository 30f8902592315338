//! [`FairMutex`]: [`crate::lock_api::Mutex`] over parking_lot's fair raw
//! mutex.

use super::RawFairMutex;

/// A mutex that always unlocks fairly, whose acquisitions are checked for
/// lock-order violations: a drop-in for
/// [`parking_lot::FairMutex`](::parking_lot::FairMutex).
///
/// See [`crate::lock_api::Mutex`] for its methods.
///
/// # Examples
///
/// ```
/// let m = lockorder::parking_lot::FairMutex::new(1);
/// *m.lock() += 1;
/// assert_eq!(*m.lock(), 2);
/// ```
pub type FairMutex<T> = crate::lock_api::Mutex<RawFairMutex, T>;

/// The guard of a [`FairMutex`].
pub type FairMutexGuard<'a, T> = crate::lock_api::MutexGuard<'a, RawFairMutex, T>;

/// The guard of a part of a [`FairMutex`]'s value.
pub type MappedFairMutexGuard<'a, T> = crate::lock_api::MappedMutexGuard<'a, RawFairMutex, T>;

/// A new [`FairMutex`], in a `const` context; the same as
/// [`FairMutex::new`].
///
/// # Examples
///
/// ```
/// static COUNT: lockorder::parking_lot::FairMutex<u32> = lockorder::parking_lot::const_fair_mutex(0);
/// *COUNT.lock() += 1;
/// ```
#[track_caller]
#[inline]
pub const fn const_fair_mutex<T>(val: T) -> FairMutex<T> {
    FairMutex::new(val)
}
