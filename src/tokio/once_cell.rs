//! A tracked [`tokio::sync::OnceCell`].

use std::future::Future;

use crate::report::LockInfo;
use crate::tracked::{Access, Checked, LockTracker};

pub use tokio::sync::SetError;

/// An async once-cell whose initialization is checked for lock-order
/// violations: a drop-in for [`tokio::sync::OnceCell`].
///
/// `get_or_init(f).await` on an empty cell is an acquisition, as a
/// `lock().await` is: the tasks that ask while `f` runs wait for it, so the
/// locks their task holds are ordered before the cell, and the locks `f`
/// takes are ordered after it. It is checked at the call, before the task
/// can wait, and the cell counts as held by the task that runs `f` until
/// `f` is done. A cell that is set can never make anyone wait again; asking
/// it only checks that the orders would be sound on a run where it is not
/// set yet.
///
/// `set`, `get`, `take` and the rest never wait and are not tracked.
///
/// # Examples
///
/// ```
/// use lockorder::tokio::{Mutex, OnceCell};
///
/// static CONFIG: OnceCell<String> = OnceCell::const_new();
/// static STATE: Mutex<u32> = Mutex::const_new(0);
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// // The initializer takes STATE: STATE is ordered after CONFIG.
/// let config = CONFIG.get_or_init(|| async { format!("state {}", *STATE.lock().await) }).await;
/// assert_eq!(config, "state 0");
/// // Asking a set cell waits for nothing.
/// assert_eq!(CONFIG.get_or_init(|| async { unreachable!() }).await, "state 0");
/// # });
/// ```
///
/// The opposite order, the cell first asked for while `STATE` is held, is
/// the deadlock of two tasks where each waits for the other (one runs the
/// initializer and waits for `STATE`, the other holds `STATE` and waits for
/// the cell): it is reported at the second order's call, whichever way the
/// tasks are timed.
pub struct OnceCell<T> {
    tracker: LockTracker,
    inner: tokio::sync::OnceCell<T>,
}

impl<T> OnceCell<T> {
    /// Creates an empty cell, named in reports by where it was created.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = lockorder::tokio::OnceCell::<u8>::new();
    /// assert!(!cell.initialized());
    /// ```
    #[track_caller]
    pub fn new() -> Self {
        OnceCell { tracker: LockTracker::new(None), inner: tokio::sync::OnceCell::new() }
    }

    /// Creates an empty cell that reports name `name`.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = lockorder::tokio::OnceCell::<u8>::new_named("config");
    /// // Names are kept only when tracking is compiled in.
    /// if lockorder::enabled() { assert_eq!(cell.lock_info().name(), Some("config")); }
    /// ```
    #[track_caller]
    pub fn new_named(name: &'static str) -> Self {
        OnceCell { tracker: LockTracker::new(Some(name)), inner: tokio::sync::OnceCell::new() }
    }

    /// Creates an empty cell in a `const` context.
    ///
    /// # Examples
    ///
    /// ```
    /// static CELL: lockorder::tokio::OnceCell<u8> = lockorder::tokio::OnceCell::const_new();
    /// assert_eq!(CELL.get(), None);
    /// ```
    #[track_caller]
    pub const fn const_new() -> Self {
        OnceCell { tracker: LockTracker::new(None), inner: tokio::sync::OnceCell::const_new() }
    }

    /// [`OnceCell::const_new`] with a name for reports.
    ///
    /// # Examples
    ///
    /// ```
    /// static CELL: lockorder::tokio::OnceCell<u8> = lockorder::tokio::OnceCell::const_new_named("config");
    /// // Names are kept only when tracking is compiled in.
    /// if lockorder::enabled() { assert_eq!(CELL.lock_info().name(), Some("config")); }
    /// ```
    #[track_caller]
    pub const fn const_new_named(name: &'static str) -> Self {
        OnceCell { tracker: LockTracker::new(Some(name)), inner: tokio::sync::OnceCell::const_new() }
    }

    /// Creates an empty cell of the named class `class` (see
    /// [`LockClass`](crate::LockClass)), in a `const` context too.
    ///
    /// # Examples
    ///
    /// ```
    /// static CACHES: lockorder::LockClass = lockorder::LockClass::new("cache");
    /// let cell = lockorder::tokio::OnceCell::<u8>::with_class(&CACHES);
    /// if lockorder::enabled() { assert_eq!(cell.lock_info().class(), Some(&CACHES)); }
    /// ```
    #[track_caller]
    pub const fn with_class(class: &'static crate::LockClass) -> Self {
        OnceCell { tracker: LockTracker::in_class(None, class), inner: tokio::sync::OnceCell::const_new() }
    }

    /// Creates a cell that holds `value` if it is `Some`.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = lockorder::tokio::OnceCell::new_with(Some(3));
    /// assert_eq!(cell.get(), Some(&3));
    /// ```
    #[track_caller]
    pub fn new_with(value: Option<T>) -> Self {
        OnceCell { tracker: LockTracker::new(None), inner: tokio::sync::OnceCell::new_with(value) }
    }

    /// Creates a cell that holds `value`, in a `const` context.
    ///
    /// # Examples
    ///
    /// ```
    /// static ANSWER: lockorder::tokio::OnceCell<u8> = lockorder::tokio::OnceCell::const_new_with(42);
    /// assert_eq!(ANSWER.get(), Some(&42));
    /// ```
    #[track_caller]
    pub const fn const_new_with(value: T) -> Self {
        OnceCell { tracker: LockTracker::new(None), inner: tokio::sync::OnceCell::const_new_with(value) }
    }

    /// Whether the cell is set.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = lockorder::tokio::OnceCell::from(1);
    /// assert!(cell.initialized());
    /// ```
    #[inline]
    pub fn initialized(&self) -> bool {
        self.inner.initialized()
    }

    /// The value, if the cell is set. Never waits.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = lockorder::tokio::OnceCell::from(1);
    /// assert_eq!(cell.get(), Some(&1));
    /// ```
    #[inline]
    pub fn get(&self) -> Option<&T> {
        self.inner.get()
    }

    /// A mutable reference to the value, if the cell is set.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut cell = lockorder::tokio::OnceCell::from(1);
    /// *cell.get_mut().unwrap() = 2;
    /// assert_eq!(cell.get(), Some(&2));
    /// ```
    #[inline]
    pub fn get_mut(&mut self) -> Option<&mut T> {
        self.inner.get_mut()
    }

    /// Sets the value if the cell is empty and no initializer runs. Never
    /// waits, so it records no order.
    ///
    /// # Errors
    ///
    /// As tokio's: the value comes back in
    /// [`SetError::AlreadyInitializedError`] if the cell is set, in
    /// [`SetError::InitializingError`] if an initializer is running.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = lockorder::tokio::OnceCell::new();
    /// assert!(cell.set(1).is_ok());
    /// assert!(cell.set(2).unwrap_err().is_already_init_err());
    /// ```
    #[inline]
    pub fn set(&self, value: T) -> Result<(), SetError<T>> {
        self.inner.set(value)
    }

    /// The value, initializing it with `f` if the cell is empty.
    ///
    /// If another task is running its initializer, this waits for it (and
    /// runs `f` if that one gives up). While `f` runs the cell is held by
    /// the task: the locks `f` takes are ordered after it.
    ///
    /// # Panics
    ///
    /// Under [`Policy::Panic`](crate::Policy::Panic) (the default), the
    /// future panics on its first poll, with the report, if asking for the
    /// cell with the locks held would close a cycle in the lock-order graph.
    /// If `f` panics, the panic propagates and the cell stays empty.
    ///
    /// # Cancel safety
    ///
    /// As tokio's: dropping the future gives up the wait, or the
    /// initialization with it; the cell stays empty and the held set is
    /// left as it was before the call.
    ///
    /// # Allocation
    ///
    /// A call that finds the cell empty when first polled boxes tokio's
    /// future for its wait and initialization (one allocation), so that the
    /// future of every call stays small: on a set cell it costs no more
    /// than tokio's.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = lockorder::tokio::OnceCell::new();
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// assert_eq!(*cell.get_or_init(|| async { 7 }).await, 7);
    /// assert_eq!(*cell.get_or_init(|| async { 8 }).await, 7);
    /// # });
    /// ```
    #[track_caller]
    pub fn get_or_init<'a, F, Fut>(&'a self, f: F) -> impl Future<Output = &'a T> + use<'a, T, F, Fut>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T>,
    {
        let mut checked = self.ask();
        async move {
            if let Some(value) = self.inner.get() {
                return value;
            }
            if let Some(checked) = &mut checked {
                checked.poll();
            }
            // Boxed: the wait and the initializer are the cold path. Kept in
            // place, tokio's future (128 bytes) would come on top of this
            // one's own state in every call's future, set cell or not, and a
            // future past 128 bytes is copied by a call each time it moves:
            // a set cell took 48 ns against tokio's 23. Boxed, the future is
            // 64 bytes and a set cell takes 19.5 ns.
            Box::pin(self.inner.get_or_init(|| Self::held_while(checked, f))).await
        }
    }

    /// [`OnceCell::get_or_init`] with an initializer that may fail: on an
    /// error the cell stays empty, and the next caller (or a task waiting)
    /// runs its own.
    ///
    /// # Errors
    ///
    /// The error of `f`, if it ran and failed.
    ///
    /// # Panics
    ///
    /// As [`OnceCell::get_or_init`].
    ///
    /// # Cancel safety
    ///
    /// As [`OnceCell::get_or_init`].
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = lockorder::tokio::OnceCell::new();
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// assert_eq!(cell.get_or_try_init(|| async { Err("not yet") }).await, Err("not yet"));
    /// assert_eq!(cell.get_or_try_init(|| async { Ok::<_, &str>(1) }).await, Ok(&1));
    /// # });
    /// ```
    #[track_caller]
    pub fn get_or_try_init<'a, E, F, Fut>(
        &'a self,
        f: F,
    ) -> impl Future<Output = Result<&'a T, E>> + use<'a, T, E, F, Fut>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let mut checked = self.ask();
        async move {
            if let Some(value) = self.inner.get() {
                return Ok(value);
            }
            if let Some(checked) = &mut checked {
                checked.poll();
            }
            // Boxed, as in `get_or_init`.
            Box::pin(self.inner.get_or_try_init(|| Self::held_while(checked, f))).await
        }
    }

    /// The check of a call to `get_or_init` at the caller's location: an
    /// empty cell may make the task wait for another's initializer; a set
    /// one cannot, but a run where it is not set yet would (see
    /// `LockTracker::touch`).
    #[track_caller]
    fn ask(&self) -> Option<Checked<'_>> {
        if self.inner.initialized() {
            self.tracker.touch(Access::AsyncOnce);
            None
        } else {
            Some(self.tracker.check_task(Access::AsyncOnce))
        }
    }

    /// The initializer's future `init`, run with the cell held by the
    /// task: tokio calls the initializer (which makes `init`) once this
    /// task's turn has come, the end of its wait. The hold is let go as
    /// `init` completes (or is dropped), before the value goes back to
    /// tokio, which stores it and wakes the waiters: nothing of the cell is
    /// touched after.
    ///
    /// `checked` is `None` only for a cell found set at the call, which
    /// stays set while borrowed: tokio never calls the initializer then.
    fn held_while<'a, I: FnOnce() -> Fut, Fut: Future>(
        checked: Option<Checked<'a>>,
        init: I,
    ) -> impl Future<Output = Fut::Output> + use<'a, T, I, Fut> {
        let held = checked.map(Checked::acquired);
        let init = init();
        async move {
            let value = init.await;
            drop(held);
            value
        }
    }

    /// Takes the value out, leaving the cell empty.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut cell = lockorder::tokio::OnceCell::from(1);
    /// assert_eq!(cell.take(), Some(1));
    /// assert!(!cell.initialized());
    /// ```
    pub fn take(&mut self) -> Option<T> {
        self.inner.take()
    }

    /// Consumes the cell and returns its value, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(lockorder::tokio::OnceCell::from(3).into_inner(), Some(3));
    /// ```
    pub fn into_inner(self) -> Option<T> {
        self.inner.into_inner()
    }

    /// How reports name this cell. With tracking compiled out no name or
    /// creation site is kept, and the site is the one of this call.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = lockorder::tokio::OnceCell::<u8>::new_named("config");
    /// if lockorder::enabled() { assert_eq!(cell.lock_info().name(), Some("config")); }
    /// ```
    pub fn lock_info(&self) -> LockInfo {
        self.tracker.info()
    }
}

impl<T> Default for OnceCell<T> {
    #[track_caller]
    fn default() -> Self {
        OnceCell { tracker: LockTracker::new(None).unclassed(), inner: tokio::sync::OnceCell::new() }
    }
}

impl<T> From<T> for OnceCell<T> {
    #[track_caller]
    fn from(value: T) -> Self {
        OnceCell { tracker: LockTracker::new(None).unclassed(), inner: tokio::sync::OnceCell::from(value) }
    }
}

/// A new cell with a clone of the value, if set: a new lock of its own,
/// named by where the clone was made.
impl<T: Clone> Clone for OnceCell<T> {
    #[track_caller]
    fn clone(&self) -> Self {
        OnceCell { tracker: LockTracker::new(None), inner: self.inner.clone() }
    }
}

impl<T: PartialEq> PartialEq for OnceCell<T> {
    fn eq(&self, other: &Self) -> bool {
        self.inner == other.inner
    }
}

impl<T: Eq> Eq for OnceCell<T> {}

impl<T: std::fmt::Debug> std::fmt::Debug for OnceCell<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}
