//! A tracked [`parking_lot::Once`](::parking_lot::Once).

use std::fmt;

use super::OnceState;
use crate::tracked::{Access, LockTracker};

/// A one-time initialization whose runs are ordered like lock acquisitions:
/// a drop-in for [`parking_lot::Once`](::parking_lot::Once).
///
/// Every `call_once`, including one that finds the work done, has its
/// orders checked as an acquisition's, so an initializer that calls its own
/// `Once`, or takes a lock that is elsewhere held around the same `Once`,
/// is reported even when the timing was lucky. A call that finds the work
/// done cannot wait: it holds nothing, and an order already known costs one
/// probe of the thread's cache (none with no lock held).
///
/// # Examples
///
/// ```
/// use lockorder::parking_lot::{Once, OnceState};
///
/// static INIT: Once = Once::new();
/// let mut runs = 0;
/// INIT.call_once(|| runs += 1);
/// INIT.call_once(|| runs += 1);
/// assert_eq!(runs, 1);
/// assert_eq!(INIT.state(), OnceState::Done);
/// ```
pub struct Once {
    tracker: LockTracker,
    inner: ::parking_lot::Once,
}

impl Once {
    /// A new `Once`, named in reports by where it was created.
    ///
    /// # Examples
    ///
    /// ```
    /// let once = lockorder::parking_lot::Once::new();
    /// assert!(!once.state().done());
    /// ```
    #[track_caller]
    #[inline]
    pub const fn new() -> Once {
        Once { tracker: LockTracker::new(None), inner: ::parking_lot::Once::new() }
    }

    /// A new `Once` of the named class `class` (see
    /// [`LockClass`](crate::LockClass)), in a `const` context too: for a
    /// `Once` run inside another made at the same place, which would be
    /// reported as taken under another of its own class.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::parking_lot::Once;
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
    /// assert!(config.state().done() && defaults.state().done());
    /// ```
    #[track_caller]
    #[inline]
    pub const fn with_class(class: &'static crate::LockClass) -> Once {
        Once { tracker: LockTracker::in_class(None, class), inner: ::parking_lot::Once::new() }
    }

    /// Where the initialization stands.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::parking_lot::{Once, OnceState};
    ///
    /// let once = Once::new();
    /// assert_eq!(once.state(), OnceState::New);
    /// ```
    #[inline]
    pub fn state(&self) -> OnceState {
        self.inner.state()
    }

    /// Runs `f` if no call has completed yet; otherwise waits for the
    /// running one, or returns at once.
    ///
    /// # Panics
    ///
    /// As parking_lot, if a previous call panicked (the `Once` is
    /// poisoned). Under the default policy, with the report, if `f` calls
    /// this `Once` again or the call would close a cycle.
    ///
    /// # Examples
    ///
    /// See [`Once`].
    #[track_caller]
    #[inline]
    pub fn call_once<F: FnOnce()>(&self, f: F) {
        if self.inner.state().done() {
            self.tracker.touch(Access::Once);
            return;
        }
        self.call_once_slow(f);
    }

    /// [`call_once`](Self::call_once) of a `Once` found not done: out of
    /// line, so that the call on a done one stays a few instructions where
    /// it is inlined.
    #[cold]
    #[inline(never)]
    #[track_caller]
    fn call_once_slow<F: FnOnce()>(&self, f: F) {
        let held = self.tracker.acquire(Access::Once);
        self.inner.call_once(held.released_after(f));
    }

    /// Like [`Once::call_once`], but runs even if a previous call panicked,
    /// and tells `f` the state it found.
    ///
    /// # Panics
    ///
    /// As [`Once::call_once`], except for poisoning.
    ///
    /// # Examples
    ///
    /// ```
    /// let once = lockorder::parking_lot::Once::new();
    /// once.call_once_force(|state| assert!(!state.poisoned()));
    /// assert!(once.state().done());
    /// ```
    #[track_caller]
    pub fn call_once_force<F: FnOnce(OnceState)>(&self, f: F) {
        if self.inner.state().done() {
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
}

impl Default for Once {
    #[track_caller]
    fn default() -> Once {
        Once { tracker: LockTracker::new(None).unclassed(), inner: ::parking_lot::Once::new() }
    }
}

impl fmt::Debug for Once {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}
