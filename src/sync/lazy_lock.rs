//! A tracked [`std::sync::LazyLock`].

use std::fmt;
use std::ops::Deref;

use crate::tracked::{Access, LockTracker};

/// A value initialized on first access, whose accesses are ordered like
/// lock acquisitions: a drop-in for [`std::sync::LazyLock`].
///
/// Every dereference counts as an acquisition, so an initializer that
/// dereferences its own `LazyLock`, or takes a lock held elsewhere around
/// the same `LazyLock`, is reported instead of hanging.
///
/// # Examples
///
/// ```
/// use lockorder::sync::LazyLock;
/// use std::collections::HashMap;
///
/// static TABLE: LazyLock<HashMap<u32, &str>> = LazyLock::new(|| HashMap::from([(1, "one")]));
/// assert_eq!(TABLE.get(&1), Some(&"one"));
/// ```
pub struct LazyLock<T, F = fn() -> T> {
    tracker: LockTracker,
    inner: std::sync::LazyLock<T, F>,
}

impl<T, F: FnOnce() -> T> LazyLock<T, F> {
    /// A lazy value computed by `f` on first access.
    ///
    /// # Examples
    ///
    /// ```
    /// let lazy = lockorder::sync::LazyLock::new(|| 6 * 7);
    /// assert_eq!(*lazy, 42);
    /// ```
    #[track_caller]
    #[inline]
    pub const fn new(f: F) -> LazyLock<T, F> {
        LazyLock { tracker: LockTracker::new(None), inner: std::sync::LazyLock::new(f) }
    }

    /// Forces evaluation and returns the value (the same as `*this`).
    ///
    /// # Panics
    ///
    /// As std, if the initializer panicked (now or before). Under the
    /// default policy, with the report, if the access would close a cycle.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::sync::LazyLock;
    ///
    /// let lazy = LazyLock::new(|| 1);
    /// assert_eq!(*LazyLock::force(&lazy), 1);
    /// ```
    #[track_caller]
    pub fn force(this: &LazyLock<T, F>) -> &T {
        let _held = this.tracker.acquire(Access::Once);
        std::sync::LazyLock::force(&this.inner)
    }
}

impl<T, F: FnOnce() -> T> Deref for LazyLock<T, F> {
    type Target = T;

    #[track_caller]
    #[inline]
    fn deref(&self) -> &T {
        LazyLock::force(self)
    }
}

impl<T: Default> Default for LazyLock<T> {
    #[track_caller]
    fn default() -> LazyLock<T> {
        LazyLock::new(T::default)
    }
}

impl<T: fmt::Debug, F> fmt::Debug for LazyLock<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}
