//! A [`parking_lot::Condvar`](::parking_lot::Condvar) that works with
//! tracked mutex guards.

use std::fmt;
use std::time::{Duration, Instant};

use super::{MutexGuard, WaitTimeoutResult};
use crate::tracked::{PseudoLock, WaitKind};

/// A condition variable for [`Mutex`](super::Mutex): a drop-in for
/// [`parking_lot::Condvar`](::parking_lot::Condvar).
///
/// While a thread waits, its mutex leaves the thread's held set; the
/// re-acquisition on waking is checked like a `lock`, at the `wait*` call,
/// before the thread waits. A `wait_while*` checks it once, whether or not
/// it ends up waiting. As [`sync::Condvar`](crate::sync::Condvar), a wait
/// without a timeout waits for the condvar's notification with the other
/// locks held, and `notify_*` delivers it under the notifier's.
///
/// # Examples
///
/// ```
/// use lockorder::parking_lot::{Condvar, Mutex};
/// use std::sync::Arc;
///
/// let pair = Arc::new((Mutex::new(false), Condvar::new()));
/// let pair2 = Arc::clone(&pair);
/// std::thread::spawn(move || {
///     let (ready, cvar) = &*pair2;
///     *ready.lock() = true;
///     cvar.notify_one();
/// });
/// let (ready, cvar) = &*pair;
/// let mut ready = ready.lock();
/// cvar.wait_while(&mut ready, |ready| !*ready);
/// assert!(*ready);
/// ```
pub struct Condvar {
    inner: ::parking_lot::Condvar,
    notification: PseudoLock,
}

impl Condvar {
    /// Creates a condition variable.
    ///
    /// # Examples
    ///
    /// ```
    /// static READY: lockorder::parking_lot::Condvar = lockorder::parking_lot::Condvar::new();
    /// assert!(!READY.notify_one());
    /// ```
    #[track_caller]
    #[inline]
    pub const fn new() -> Condvar {
        Condvar { inner: ::parking_lot::Condvar::new(), notification: PseudoLock::new(WaitKind::Notification) }
    }

    /// Wakes one waiting thread; whether there was one.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!lockorder::parking_lot::Condvar::new().notify_one());
    /// ```
    #[track_caller]
    #[inline]
    pub fn notify_one(&self) -> bool {
        self.notification.complete();
        self.inner.notify_one()
    }

    /// Wakes every waiting thread; how many there were.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(lockorder::parking_lot::Condvar::new().notify_all(), 0);
    /// ```
    #[track_caller]
    #[inline]
    pub fn notify_all(&self) -> usize {
        self.notification.complete();
        self.inner.notify_all()
    }

    /// Blocks until notified, releasing the mutex meanwhile.
    ///
    /// # Panics
    ///
    /// As parking_lot, if this condition variable is used with two mutexes.
    /// Under the default policy, if re-acquiring the mutex would close a
    /// cycle with the locks still held.
    ///
    /// # Examples
    ///
    /// See [`Condvar`].
    #[track_caller]
    pub fn wait<T: ?Sized>(&self, mutex_guard: &mut MutexGuard<'_, T>) {
        let _waiting = self.notification.wait_relocking(mutex_guard.inner.token_mut());
        self.inner.wait(&mut mutex_guard.inner);
    }

    /// Blocks until notified or until `timeout`.
    ///
    /// # Panics
    ///
    /// As [`Condvar::wait`].
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::parking_lot::{Condvar, Mutex};
    /// use std::time::{Duration, Instant};
    ///
    /// let (m, c) = (Mutex::new(()), Condvar::new());
    /// let mut guard = m.lock();
    /// assert!(c.wait_until(&mut guard, Instant::now() + Duration::from_millis(1)).timed_out());
    /// ```
    #[track_caller]
    pub fn wait_until<T: ?Sized>(&self, mutex_guard: &mut MutexGuard<'_, T>, timeout: Instant) -> WaitTimeoutResult {
        mutex_guard.inner.token_mut().relock();
        self.inner.wait_until(&mut mutex_guard.inner, timeout)
    }

    /// Blocks until notified or until `timeout` has passed.
    ///
    /// # Panics
    ///
    /// As [`Condvar::wait`].
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::parking_lot::{Condvar, Mutex};
    /// use std::time::Duration;
    ///
    /// let (m, c) = (Mutex::new(()), Condvar::new());
    /// let mut guard = m.lock();
    /// assert!(c.wait_for(&mut guard, Duration::from_millis(1)).timed_out());
    /// ```
    #[track_caller]
    pub fn wait_for<T: ?Sized>(&self, mutex_guard: &mut MutexGuard<'_, T>, timeout: Duration) -> WaitTimeoutResult {
        mutex_guard.inner.token_mut().relock();
        self.inner.wait_for(&mut mutex_guard.inner, timeout)
    }

    /// Blocks while `condition` returns `true`.
    ///
    /// # Panics
    ///
    /// As [`Condvar::wait`].
    ///
    /// # Examples
    ///
    /// See [`Condvar`].
    #[track_caller]
    pub fn wait_while<T, F>(&self, mutex_guard: &mut MutexGuard<'_, T>, condition: F)
    where
        T: ?Sized,
        F: FnMut(&mut T) -> bool,
    {
        let _waiting = self.notification.wait_relocking(mutex_guard.inner.token_mut());
        self.inner.wait_while(&mut mutex_guard.inner, condition);
    }

    /// Blocks while `condition` returns `true`, until `timeout` at most.
    ///
    /// # Panics
    ///
    /// As [`Condvar::wait`].
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::parking_lot::{Condvar, Mutex};
    /// use std::time::{Duration, Instant};
    ///
    /// let (m, c) = (Mutex::new(0), Condvar::new());
    /// let mut guard = m.lock();
    /// let deadline = Instant::now() + Duration::from_millis(1);
    /// assert!(c.wait_while_until(&mut guard, |n| *n == 0, deadline).timed_out());
    /// ```
    #[track_caller]
    pub fn wait_while_until<T, F>(
        &self,
        mutex_guard: &mut MutexGuard<'_, T>,
        condition: F,
        timeout: Instant,
    ) -> WaitTimeoutResult
    where
        T: ?Sized,
        F: FnMut(&mut T) -> bool,
    {
        mutex_guard.inner.token_mut().relock();
        self.inner.wait_while_until(&mut mutex_guard.inner, condition, timeout)
    }

    /// Blocks while `condition` returns `true`, for at most `timeout`.
    ///
    /// # Panics
    ///
    /// As [`Condvar::wait`].
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::parking_lot::{Condvar, Mutex};
    /// use std::time::Duration;
    ///
    /// let (m, c) = (Mutex::new(0), Condvar::new());
    /// let mut guard = m.lock();
    /// assert!(c.wait_while_for(&mut guard, |n| *n == 0, Duration::from_millis(1)).timed_out());
    /// ```
    #[track_caller]
    pub fn wait_while_for<T: ?Sized, F>(
        &self,
        mutex_guard: &mut MutexGuard<'_, T>,
        condition: F,
        timeout: Duration,
    ) -> WaitTimeoutResult
    where
        F: FnMut(&mut T) -> bool,
    {
        mutex_guard.inner.token_mut().relock();
        self.inner.wait_while_for(&mut mutex_guard.inner, condition, timeout)
    }
}

impl Default for Condvar {
    /// A condition variable made at the caller's location.
    #[track_caller]
    fn default() -> Condvar {
        Condvar::new()
    }
}

impl fmt::Debug for Condvar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}
