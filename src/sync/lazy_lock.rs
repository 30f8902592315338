//! A tracked [`std::sync::LazyLock`].
//!
//! Written over a `Once` and a union of the initializer and the value, as
//! std's is (and of its size), rather than around std's `LazyLock`: the
//! initializer's token must be released inside the `Once`'s closure, before
//! the completion that may let a waiter free the cell, and std's `LazyLock`
//! runs its initializer where no wrapper can reach.

use std::cell::UnsafeCell;
use std::fmt;
use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::Once;

use crate::tracked::{Access, LockTracker};

/// A value initialized on first access, whose accesses are ordered like
/// lock acquisitions: a drop-in for [`std::sync::LazyLock`].
///
/// Every dereference has its orders checked as an acquisition's, so an
/// initializer that dereferences its own `LazyLock`, or takes a lock held
/// elsewhere around the same `LazyLock`, is reported instead of hanging.
/// Once the value is there a dereference cannot wait: it holds nothing,
/// and an order already known costs one probe of the thread's cache (none
/// with no lock held).
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
    once: Once,
    data: UnsafeCell<Data<T, F>>,
}

/// The initializer until `once` completes, the value after; neither once
/// the initializer panicked (`once` is poisoned).
union Data<T, F> {
    value: ManuallyDrop<T>,
    init: ManuallyDrop<F>,
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
        LazyLock {
            tracker: LockTracker::new(None),
            once: Once::new(),
            data: UnsafeCell::new(Data { init: ManuallyDrop::new(f) }),
        }
    }

    /// A lazy value computed by `f` on first access, of the named class
    /// `class` (see [`LockClass`](crate::LockClass)), in a `const` context
    /// too: for a value forced inside another made at the same place, which
    /// would be reported as taken under another of its own class.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::sync::LazyLock;
    /// use lockorder::LockClass;
    ///
    /// static BASE: LockClass = LockClass::new("base");
    /// static DERIVED: LockClass = LockClass::new("derived");
    ///
    /// let base = LazyLock::with_class(&BASE, || 6);
    /// let derived = LazyLock::with_class(&DERIVED, || *base * 7);
    /// assert_eq!(*derived, 42);
    /// ```
    #[track_caller]
    #[inline]
    pub const fn with_class(class: &'static crate::LockClass, f: F) -> LazyLock<T, F> {
        LazyLock {
            tracker: LockTracker::in_class(None, class),
            once: Once::new(),
            data: UnsafeCell::new(Data { init: ManuallyDrop::new(f) }),
        }
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
    #[inline]
    pub fn force(this: &LazyLock<T, F>) -> &T {
        if this.once.is_completed() {
            this.tracker.touch(Access::Once);
            // SAFETY: the `Once` completed, so the value is initialized
            // and never written again.
            return unsafe { &(*this.data.get()).value };
        }
        Self::initialize(this)
    }

    /// [`force`](Self::force) of a `LazyLock` found not initialized: out of
    /// line, so that a dereference of an initialized one stays a few
    /// instructions where it is inlined.
    #[cold]
    #[inline(never)]
    #[track_caller]
    fn initialize(this: &LazyLock<T, F>) -> &T {
        let held = this.tracker.acquire(Access::Once);
        // The token goes with the closure: released as the initializer
        // ends, before the `Once` completes (or, if the cell is already
        // initialized, when the unused closure is dropped).
        this.once.call_once_force(move |state| {
            let _released_after_init = held;
            if state.is_poisoned() {
                panic!("LazyLock instance has previously been poisoned");
            }
            // SAFETY: the `Once` runs this closure at most once to
            // completion and nothing else touches `data` before it
            // completes; not poisoned, so the initializer is still there.
            let data = unsafe { &mut *this.data.get() };
            // SAFETY: as above, the initializer is there, taken once, here.
            let init = unsafe { ManuallyDrop::take(&mut data.init) };
            data.value = ManuallyDrop::new(init());
        });
        // SAFETY: the `Once` completed, so the value is initialized and
        // never written again.
        unsafe { &(*this.data.get()).value }
    }
}

impl<T, F> Drop for LazyLock<T, F> {
    fn drop(&mut self) {
        let data = self.data.get_mut();
        if self.once.is_completed() {
            // SAFETY: completed: the value is there, dropped once, here.
            unsafe { ManuallyDrop::drop(&mut data.value) };
            return;
        }
        // Not completed: the initializer is there unless it ran and
        // panicked (poisoned). Forcing the `Once` here tells which.
        self.once.call_once_force(|state| {
            if !state.is_poisoned() {
                // SAFETY: never run, so the initializer is there; dropped
                // once, here.
                unsafe { ManuallyDrop::drop(&mut data.init) };
            }
        });
    }
}

// SAFETY: as std's: the value is shared between threads once initialized
// (`T: Sync`), created on one and dropped on another (`T: Send`), and the
// initializer runs on whichever thread forces it first (`F: Send`).
unsafe impl<T: Sync + Send, F: Send> Sync for LazyLock<T, F> {}

impl<T: RefUnwindSafe + UnwindSafe, F: UnwindSafe> RefUnwindSafe for LazyLock<T, F> {}

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
        let mut lazy: LazyLock<T> = LazyLock::new(T::default);
        lazy.tracker = LockTracker::new(None).unclassed();
        lazy
    }
}

impl<T: fmt::Debug, F> fmt::Debug for LazyLock<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut tuple = f.debug_tuple("LazyLock");
        if self.once.is_completed() {
            // SAFETY: completed: the value is initialized and never written
            // again.
            tuple.field(unsafe { &*(*self.data.get()).value });
        } else {
            tuple.field(&format_args!("<uninit>"));
        }
        tuple.finish()
    }
}
