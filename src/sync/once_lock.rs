//! A tracked [`std::sync::OnceLock`].

use std::fmt;

use crate::tracked::{Access, LockTracker};

/// A cell written once, whose initializations are ordered like lock
/// acquisitions: a drop-in for [`std::sync::OnceLock`].
///
/// `get_or_init` and `set` count as acquisitions (they would wait for a
/// running initializer), so an initializer that touches its own cell, or
/// takes a lock that is elsewhere held around the same cell, is reported.
/// Once the value is there they cannot wait: their orders are still
/// checked, as the run where the cell is not set yet would deadlock, but
/// nothing is held, and an order already known costs one probe of the
/// thread's cache (none with no lock held). `get` never waits and is not
/// tracked.
///
/// # Examples
///
/// ```
/// use lockorder::sync::OnceLock;
///
/// static CELL: OnceLock<String> = OnceLock::new();
/// assert!(CELL.get().is_none());
/// assert_eq!(CELL.get_or_init(|| "hello".to_owned()), "hello");
/// assert_eq!(CELL.get().map(String::as_str), Some("hello"));
/// ```
pub struct OnceLock<T> {
    tracker: LockTracker,
    inner: std::sync::OnceLock<T>,
}

impl<T> OnceLock<T> {
    /// An empty cell, named in reports by where it was created.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = lockorder::sync::OnceLock::<u8>::new();
    /// assert_eq!(cell.get(), None);
    /// ```
    #[track_caller]
    #[inline]
    pub const fn new() -> OnceLock<T> {
        OnceLock { tracker: LockTracker::new(None), inner: std::sync::OnceLock::new() }
    }

    /// An empty cell of the named class `class` (see
    /// [`LockClass`](crate::LockClass)), in a `const` context too: for a
    /// cell initialized inside another made at the same place, which would
    /// be reported as taken under another of its own class.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::sync::OnceLock;
    /// use lockorder::LockClass;
    ///
    /// static CONFIG: LockClass = LockClass::new("config");
    /// static DEFAULTS: LockClass = LockClass::new("defaults");
    ///
    /// // Made at one place, in two classes: initializing one inside the
    /// // other is an order between the classes, not within one.
    /// let make = |class| OnceLock::with_class(class);
    /// let (config, defaults) = (make(&CONFIG), make(&DEFAULTS));
    /// assert_eq!(*config.get_or_init(|| defaults.get_or_init(|| 1) + 1), 2);
    /// ```
    #[track_caller]
    #[inline]
    pub const fn with_class(class: &'static crate::LockClass) -> OnceLock<T> {
        OnceLock { tracker: LockTracker::in_class(None, class), inner: std::sync::OnceLock::new() }
    }

    /// The value, if initialized; never waits.
    ///
    /// # Examples
    ///
    /// See [`OnceLock`].
    #[inline]
    pub fn get(&self) -> Option<&T> {
        self.inner.get()
    }

    /// A mutable reference to the value, if initialized.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut cell = lockorder::sync::OnceLock::from(1);
    /// *cell.get_mut().unwrap() = 2;
    /// assert_eq!(cell.get(), Some(&2));
    /// ```
    #[inline]
    pub fn get_mut(&mut self) -> Option<&mut T> {
        self.inner.get_mut()
    }

    /// Sets the value if the cell is empty.
    ///
    /// # Errors
    ///
    /// Gives `value` back if the cell was already initialized.
    ///
    /// # Panics
    ///
    /// Under the default policy, with the report, if the call would close a
    /// cycle (for example, from within this cell's own initializer).
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = lockorder::sync::OnceLock::new();
    /// assert_eq!(cell.set(1), Ok(()));
    /// assert_eq!(cell.set(2), Err(2));
    /// ```
    #[track_caller]
    pub fn set(&self, value: T) -> Result<(), T> {
        if self.inner.get().is_some() {
            self.tracker.touch(Access::Once);
            return Err(value);
        }
        let held = self.tracker.acquire(Access::Once);
        // As std's `set`, through `get_or_init`, so that the token is
        // released before the cell completes.
        let mut value = Some(value);
        self.inner.get_or_init(held.released_after(|| value.take().expect("the initializer runs once")));
        match value {
            None => Ok(()),
            Some(value) => Err(value),
        }
    }

    /// The value, initializing it with `f` if the cell is empty.
    ///
    /// # Panics
    ///
    /// If `f` panics, the panic propagates and the cell stays empty. Under
    /// the default policy, with the report, if `f` touches this cell or the
    /// call would close a cycle.
    ///
    /// # Examples
    ///
    /// See [`OnceLock`].
    #[track_caller]
    #[inline]
    pub fn get_or_init<F: FnOnce() -> T>(&self, f: F) -> &T {
        // Set: it cannot wait (see `LockTracker::touch`).
        if let Some(value) = self.inner.get() {
            self.tracker.touch(Access::Once);
            return value;
        }
        self.initialize(f)
    }

    /// [`get_or_init`](Self::get_or_init) of a cell found not set: out of
    /// line, so that the call on a set cell stays a few instructions where
    /// it is inlined.
    #[cold]
    #[inline(never)]
    #[track_caller]
    fn initialize<F: FnOnce() -> T>(&self, f: F) -> &T {
        let held = self.tracker.acquire(Access::Once);
        self.inner.get_or_init(held.released_after(f))
    }

    /// Consumes the cell and returns its value, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(lockorder::sync::OnceLock::from(3).into_inner(), Some(3));
    /// ```
    #[inline]
    pub fn into_inner(self) -> Option<T> {
        self.inner.into_inner()
    }

    /// Takes the value out, leaving the cell empty.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut cell = lockorder::sync::OnceLock::from(3);
    /// assert_eq!(cell.take(), Some(3));
    /// assert_eq!(cell.get(), None);
    /// ```
    #[inline]
    pub fn take(&mut self) -> Option<T> {
        self.inner.take()
    }
}

impl<T> Default for OnceLock<T> {
    #[track_caller]
    fn default() -> OnceLock<T> {
        OnceLock { tracker: LockTracker::new(None).unclassed(), inner: std::sync::OnceLock::new() }
    }
}

impl<T> From<T> for OnceLock<T> {
    #[track_caller]
    fn from(value: T) -> OnceLock<T> {
        OnceLock { tracker: LockTracker::new(None).unclassed(), inner: std::sync::OnceLock::from(value) }
    }
}

impl<T: Clone> Clone for OnceLock<T> {
    #[track_caller]
    fn clone(&self) -> OnceLock<T> {
        OnceLock { tracker: LockTracker::new(None), inner: self.inner.clone() }
    }
}

impl<T: PartialEq> PartialEq for OnceLock<T> {
    fn eq(&self, other: &OnceLock<T>) -> bool {
        self.inner == other.inner
    }
}

impl<T: Eq> Eq for OnceLock<T> {}

impl<T: fmt::Debug> fmt::Debug for OnceLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}
