//! A tracked [`std::sync::Once`].

use std::fmt;
use std::sync::OnceState;

use crate::tracked::{Access, LockTracker};

/// A one-time initialization whose runs are ordered like lock acquisitions:
/// a drop-in for [`std::sync::Once`].
///
/// Every `call_once`, including one that finds the work done, has its
/// orders checked as an acquisition's, so an initializer that takes a lock
/// which is elsewhere held around the same `Once` is reported even when the
/// timing was lucky. A call that finds the work done cannot wait: it holds
/// nothing, and an order already known costs one probe of the thread's
/// cache (none with no lock held).
///
/// # Examples
///
/// ```
/// use lockorder::sync::Once;
///
/// static INIT: Once = Once::new();
/// let mut runs = 0;
/// INIT.call_once(|| runs += 1);
/// INIT.call_once(|| runs += 1);
/// assert_eq!(runs, 1);
/// assert!(INIT.is_completed());
/// ```
pub struct Once {
    tracker: LockTracker,
    inner: std::sync::Once,
}

impl Once {
    /// A new `Once`, named in reports by where it was created.
    ///
    /// # Examples
    ///
    /// ```
    /// let once = lockorder::sync::Once::new();
    /// assert!(!once.is_completed());
    /// ```
    #[track_caller]
    #[inline]
    #[allow(clippy::new_without_default)] // std's `Once` has no `Default` either.
    pub const fn new() -> Once {
        Once { tracker: LockTracker::new(None), inner: std::sync::Once::new() }
    }

    /// A new `Once` of the named class `class` (see
    /// [`LockClass`](crate::LockClass)), in a `const` context too: for a
    /// `Once` run inside another made at the same place, which would be
    /// reported as taken under another of its own class.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::sync::Once;
    /// use lockorder::LockClass;
    ///
    /// static CONFIG: LockClass = LockClass::new("config");
    /// static DEFAULTS: LockClass = LockClass::new("defaults");
    ///
    /// // Made at one place, in two classes: running one inside the other is
    /// // an order between the classes, not within one.
    /// let make = |class| Once::with_class(class);
    /// let (config, defaults) = (make(&CONFIG), make(&DEFAULTS));
    /// config.call_once(|| defaults.call_once(|| ()));
    /// assert!(config.is_completed() && defaults.is_completed());
    /// ```
    #[track_caller]
    #[inline]
    pub const fn with_class(class: &'static crate::LockClass) -> Once {
        Once { tracker: LockTracker::in_class(None, class), inner: std::sync::Once::new() }
    }

    /// Runs `f` if no call has completed yet; otherwise waits for the
    /// running one, or returns at once.
    ///
    /// # Panics
    ///
    /// As std, if a previous call panicked (the `Once` is poisoned). Under
    /// the default policy, with the report, if `f` calls this `Once` again
    /// or the call would close a cycle.
    ///
    /// # Examples
    ///
    /// See [`Once`].
    #[track_caller]
    #[inline]
    pub fn call_once<F: FnOnce()>(&self, f: F) {
        if self.inner.is_completed() {
            self.tracker.touch(Access::Once);
            return;
        }
        self.call_once_slow(f);
    }

    /// [`call_once`](Self::call_once) of a `Once` found not completed: out
    /// of line, so that the call on a completed one stays a few
    /// instructions where it is inlined.
    #[cold]
    #[inline(never)]
    #[track_caller]
    fn call_once_slow<F: FnOnce()>(&self, f: F) {
        let held = self.tracker.acquire(Access::Once);
        self.inner.call_once(held.released_after(f));
    }

    /// Like [`Once::call_once`], but runs even if a previous call panicked.
    ///
    /// # Panics
    ///
    /// As [`Once::call_once`], except for poisoning.
    ///
    /// # Examples
    ///
    /// ```
    /// let once = lockorder::sync::Once::new();
    /// once.call_once_force(|state| assert!(!state.is_poisoned()));
    /// ```
    #[track_caller]
    pub fn call_once_force<F: FnOnce(&OnceState)>(&self, f: F) {
        if self.inner.is_completed() {
            self.tracker.touch(Access::Once);
            return;
        }
        let held = self.tracker.acquire(Access::Once);
        // Released as `f` ends, before the `Once` completes (see
        // `HeldToken::released_after`, which takes no argument).
        self.inner.call_once_force(move |state| {
            let _released_after_f = held;
            f(state)
        });
    }

    /// Blocks until a call has completed, as std's: a wait for the
    /// initialization, ordered like an acquisition of the `Once` (waiting
    /// while holding a lock its initializer takes, or from inside the
    /// initializer, is reported before it blocks).
    ///
    /// # Panics
    ///
    /// As std, if the `Once` is poisoned. Under the default policy, with
    /// the report, if the wait would close a cycle.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::sync::Once;
    /// use std::sync::Arc;
    ///
    /// let once = Arc::new(Once::new());
    /// let waiter = std::thread::spawn({
    ///     let once = Arc::clone(&once);
    ///     move || once.wait()
    /// });
    /// once.call_once(|| ());
    /// waiter.join().unwrap();
    /// ```
    #[track_caller]
    pub fn wait(&self) {
        self.wait_until_done(std::sync::Once::wait);
    }

    /// [`Once::wait`] that does not panic on a poisoned `Once` (a call
    /// panicked): it waits on, for a call that completes, as std's.
    ///
    /// # Panics
    ///
    /// As [`Once::wait`], except for poisoning.
    ///
    /// # Examples
    ///
    /// ```
    /// let once = lockorder::sync::Once::new();
    /// let _ = std::panic::catch_unwind(|| once.call_once(|| panic!()));
    /// once.call_once_force(|state| assert!(state.is_poisoned()));
    /// once.wait_force();
    /// ```
    #[track_caller]
    pub fn wait_force(&self) {
        self.wait_until_done(std::sync::Once::wait_force);
    }

    /// A wait for a call to complete, `wait` (std's `wait` or `wait_force`)
    /// of the wrapped `Once`, ordered like running it: checked against the
    /// locks held, and held while it blocks (the watchdog sees it).
    #[track_caller]
    fn wait_until_done(&self, wait: fn(&std::sync::Once)) {
        if self.inner.is_completed() {
            self.tracker.touch(Access::Once);
            return;
        }
        let _waiting = self.tracker.acquire(Access::Once);
        wait(&self.inner);
    }

    /// Whether a call has completed.
    ///
    /// # Examples
    ///
    /// See [`Once`].
    #[inline]
    pub fn is_completed(&self) -> bool {
        self.inner.is_completed()
    }
}

impl fmt::Debug for Once {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}
