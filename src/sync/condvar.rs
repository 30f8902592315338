//! A [`std::sync::Condvar`] that works with tracked mutex guards.

use std::fmt;
use std::sync::{LockResult, PoisonError, WaitTimeoutResult};
use std::time::Duration;

use super::MutexGuard;
use crate::tracked::{Guard, HeldToken, PseudoLock, ReleaseOnUnwind, WaitKind};

/// A condition variable for [`Mutex`](super::Mutex): a drop-in for
/// [`std::sync::Condvar`].
///
/// While a thread waits, its mutex leaves the thread's held set; waking up
/// re-acquires it, which is checked like any acquisition: waiting while
/// holding a lock taken after the mutex is reported if that lock is ever
/// taken before the mutex.
///
/// A wait without a timeout (`wait`, `wait_while`) also waits for the
/// condvar's notification, a pseudo-lock (see [`lockorder::thread`]): the
/// locks held during the wait, the mutex aside, are ordered before it, and
/// `notify_one`/`notify_all` order it before the notifier's locks. A waiter
/// that holds a lock the notifier must take before it notifies (the shape
/// of the condvar deadlocks in the PLDI'20 study of Rust concurrency bugs)
/// is reported, whichever side ran first; waiting on the mutex alone and
/// notifying under it, the ordinary use, is silent.
///
/// [`lockorder::thread`]: crate::thread
///
/// # Examples
///
/// ```
/// use lockorder::sync::{Condvar, Mutex};
/// use std::sync::Arc;
///
/// let pair = Arc::new((Mutex::new(false), Condvar::new()));
/// let pair2 = Arc::clone(&pair);
/// std::thread::spawn(move || {
///     let (ready, cvar) = &*pair2;
///     *ready.lock().unwrap() = true;
///     cvar.notify_one();
/// });
/// let (ready, cvar) = &*pair;
/// let guard = cvar.wait_while(ready.lock().unwrap(), |ready| !*ready).unwrap();
/// assert!(*guard);
/// ```
pub struct Condvar {
    inner: std::sync::Condvar,
    notification: PseudoLock,
}

/// Checks the mutex's re-acquisition while it is still held, runs `wait`
/// on the std guard and rebuilds our guard around what comes back.
///
/// The token is apart from its guard during the wait. Re-locked just now,
/// its held entry has not entered the graph, so releasing it (if the wait
/// unwinds) touches only this thread's held set, nothing of the mutex; a
/// condition that takes other locks, making the mutex a node, runs under
/// the [`ReleaseOnUnwind`] `wait` gets, which releases the token before
/// std unlocks if the condition panics.
#[track_caller]
fn park<'a, T: ?Sized, R>(
    guard: MutexGuard<'a, T>,
    notification: Option<&PseudoLock>,
    wait: impl FnOnce(
        std::sync::MutexGuard<'a, T>,
        ReleaseOnUnwind<'_, HeldToken<'a>>,
    ) -> LockResult<(std::sync::MutexGuard<'a, T>, R)>,
) -> LockResult<(MutexGuard<'a, T>, R)> {
    let mut held = guard.inner;
    // The wait for a notification is checked with the mutex out of the held
    // set: it is the wait's own, released while it lasts.
    let _waiting = match notification {
        Some(notification) => Some(notification.wait_relocking(held.token_mut())),
        None => {
            held.token_mut().relock();
            None
        }
    };
    let (mut token, inner) = held.into_parts();
    match wait(inner, ReleaseOnUnwind::new(&mut token)) {
        Ok((inner, result)) => Ok((MutexGuard { inner: Guard::new(inner, token) }, result)),
        Err(poisoned) => {
            let (inner, result) = poisoned.into_inner();
            Err(PoisonError::new((MutexGuard { inner: Guard::new(inner, token) }, result)))
        }
    }
}

fn without_result<G>(result: LockResult<(G, ())>) -> LockResult<G> {
    match result {
        Ok((guard, ())) => Ok(guard),
        Err(poisoned) => Err(PoisonError::new(poisoned.into_inner().0)),
    }
}

fn with_unit<G>(result: LockResult<G>) -> LockResult<(G, ())> {
    match result {
        Ok(guard) => Ok((guard, ())),
        Err(poisoned) => Err(PoisonError::new((poisoned.into_inner(), ()))),
    }
}

impl Condvar {
    /// Creates a condition variable.
    ///
    /// # Examples
    ///
    /// ```
    /// static READY: lockorder::sync::Condvar = lockorder::sync::Condvar::new();
    /// READY.notify_all();
    /// ```
    #[track_caller]
    #[inline]
    pub const fn new() -> Condvar {
        Condvar { inner: std::sync::Condvar::new(), notification: PseudoLock::new(WaitKind::Notification) }
    }

    /// Blocks until notified, releasing the mutex meanwhile.
    ///
    /// # Errors
    ///
    /// As std: the guard comes back inside a `PoisonError` if the mutex was
    /// poisoned.
    ///
    /// # Panics
    ///
    /// Under the default policy, if re-acquiring the mutex would close a
    /// cycle with the locks still held.
    ///
    /// # Examples
    ///
    /// See [`Condvar`].
    #[track_caller]
    pub fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> LockResult<MutexGuard<'a, T>> {
        without_result(park(guard, Some(&self.notification), |g, _| with_unit(self.inner.wait(g))))
    }

    /// Blocks while `condition` returns `true`.
    ///
    /// # Errors
    ///
    /// As [`Condvar::wait`].
    ///
    /// # Panics
    ///
    /// As [`Condvar::wait`].
    ///
    /// # Examples
    ///
    /// See [`Condvar`].
    #[track_caller]
    pub fn wait_while<'a, T, F>(&self, guard: MutexGuard<'a, T>, mut condition: F) -> LockResult<MutexGuard<'a, T>>
    where
        F: FnMut(&mut T) -> bool,
    {
        without_result(park(guard, Some(&self.notification), |g, mut on_unwind| {
            with_unit(self.inner.wait_while(g, |value| on_unwind.run(|| condition(value))))
        }))
    }

    /// Blocks until notified or until `dur` has passed.
    ///
    /// # Errors
    ///
    /// As [`Condvar::wait`].
    ///
    /// # Panics
    ///
    /// As [`Condvar::wait`].
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::sync::{Condvar, Mutex};
    /// use std::time::Duration;
    ///
    /// let (m, c) = (Mutex::new(()), Condvar::new());
    /// let (_guard, result) = c.wait_timeout(m.lock().unwrap(), Duration::from_millis(1)).unwrap();
    /// assert!(result.timed_out());
    /// ```
    #[track_caller]
    pub fn wait_timeout<'a, T>(
        &self,
        guard: MutexGuard<'a, T>,
        dur: Duration,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)> {
        park(guard, None, |g, _| self.inner.wait_timeout(g, dur))
    }

    /// Blocks while `condition` returns `true`, for at most `dur`.
    ///
    /// # Errors
    ///
    /// As [`Condvar::wait`].
    ///
    /// # Panics
    ///
    /// As [`Condvar::wait`].
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::sync::{Condvar, Mutex};
    /// use std::time::Duration;
    ///
    /// let (m, c) = (Mutex::new(0), Condvar::new());
    /// let guard = m.lock().unwrap();
    /// let (guard, result) = c.wait_timeout_while(guard, Duration::from_millis(1), |n| *n == 0).unwrap();
    /// assert!(result.timed_out());
    /// assert_eq!(*guard, 0);
    /// ```
    #[track_caller]
    pub fn wait_timeout_while<'a, T, F>(
        &self,
        guard: MutexGuard<'a, T>,
        dur: Duration,
        mut condition: F,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)>
    where
        F: FnMut(&mut T) -> bool,
    {
        park(guard, None, |g, mut on_unwind| {
            self.inner.wait_timeout_while(g, dur, |value| on_unwind.run(|| condition(value)))
        })
    }

    /// Wakes one waiting thread.
    ///
    /// # Examples
    ///
    /// ```
    /// lockorder::sync::Condvar::new().notify_one();
    /// ```
    #[track_caller]
    #[inline]
    pub fn notify_one(&self) {
        self.notification.complete();
        self.inner.notify_one();
    }

    /// Wakes every waiting thread.
    ///
    /// # Examples
    ///
    /// ```
    /// lockorder::sync::Condvar::new().notify_all();
    /// ```
    #[track_caller]
    #[inline]
    pub fn notify_all(&self) {
        self.notification.complete();
        self.inner.notify_all();
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
