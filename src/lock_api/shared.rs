//! What `Mutex`, `ReentrantMutex` and `RwLock` share, written once:
//! construction, `into_inner`, `get_mut`, `is_locked`, the `force_unlock`
//! family, `raw`, `data_ptr`, `lock_info`, and the `Default`, `From` and `Debug` impls, all forwarded to
//! the lock_api lock each wrapper keeps in its `inner` field, next to its
//! `tracker`. The macros take each method's docs from the lock's file, where
//! the examples name it.

/// `new`, `new_named` and `into_inner` of `$lock`, inside its impl; `$p` are
/// its generics before `T`. Each method's docs come before its name.
macro_rules! lock_new {
    (
        $lock:ident<$($p:ident),*>;
        $(#[$new:meta])* new;
        $(#[$new_named:meta])* new_named;
        $(#[$into_inner:meta])* into_inner;
    ) => {
        $(#[$new])*
        #[track_caller]
        #[inline]
        pub const fn new(val: T) -> $lock<$($p,)* T> {
            $lock { tracker: LockTracker::new(None), inner: ::lock_api::$lock::new(val) }
        }

        $(#[$new_named])*
        #[track_caller]
        #[inline]
        pub const fn new_named(name: &'static str, val: T) -> $lock<$($p,)* T> {
            $lock { tracker: LockTracker::new(Some(name)), inner: ::lock_api::$lock::new(val) }
        }

        $(#[$into_inner])*
        #[inline]
        pub fn into_inner(self) -> T {
            self.inner.into_inner()
        }
    };
}

/// `with_class` of `$lock`, inside the impl of `lock_new!`; `$example` is
/// the path of a parking_lot alias of the lock, for the docs' example.
macro_rules! lock_with_class {
    ($lock:ident<$($p:ident),*>, $example:literal) => {
        /// Creates an unlocked lock of the named class `class` (see
        /// [`LockClass`](crate::LockClass)), in a `const` context too.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[cfg(feature = "parking_lot")] {
        /// static SHARD: lockorder::LockClass = lockorder::LockClass::new("shard");
        #[doc = concat!("let lock = ", $example, "::with_class(&SHARD, 0);")]
        /// if lockorder::enabled() {
        ///     assert_eq!(lock.lock_info().class(), Some(&SHARD));
        /// }
        /// # }
        /// ```
        #[track_caller]
        #[inline]
        pub const fn with_class(class: &'static crate::LockClass, val: T) -> $lock<$($p,)* T> {
            $lock { tracker: LockTracker::in_class(None, class), inner: ::lock_api::$lock::new(val) }
        }
    };
}

/// `from_raw` and `const_new` of `$lock`, inside its impl: the lock_api lock
/// is made from the raw parts `$arg` (of types `$ty`). `$p` are the lock's
/// generics before `T`. Each method's docs come before its name.
macro_rules! lock_from_raw {
    (
        $lock:ident<$($p:ident),*>($($arg:ident: $ty:ident),*);
        $(#[$from_raw:meta])* from_raw;
        $(#[$const_new:meta])* const_new;
    ) => {
        $(#[$from_raw])*
        #[track_caller]
        #[inline]
        pub const fn from_raw($($arg: $ty,)* val: T) -> $lock<$($p,)* T> {
            $lock { tracker: LockTracker::new(None), inner: ::lock_api::$lock::from_raw($($arg,)* val) }
        }

        $(#[$const_new])*
        #[track_caller]
        #[inline]
        pub const fn const_new($($arg: $ty,)* val: T) -> $lock<$($p,)* T> {
            $lock::from_raw($($arg,)* val)
        }
    };
}

/// `get_mut` and `is_locked`, inside the lock's impl. Each method's docs
/// come before its name.
macro_rules! lock_state {
    (
        $(#[$get_mut:meta])* get_mut;
        $(#[$is_locked:meta])* is_locked;
    ) => {
        $(#[$get_mut])*
        #[inline]
        pub fn get_mut(&mut self) -> &mut T {
            self.inner.get_mut()
        }

        $(#[$is_locked])*
        #[inline]
        pub fn is_locked(&self) -> bool {
            self.inner.is_locked()
        }
    };
}

/// A `force_unlock` method (`$name`, the same as lock_api's): the entry of
/// the forgotten guard leaves this thread's held set, then lock_api unlocks.
macro_rules! force_unlock {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[inline]
        pub unsafe fn $name(&self) {
            self.tracker.release_forgotten();
            // SAFETY: forwarded from this function's contract.
            unsafe { self.inner.$name() }
        }
    };
}

/// `raw`, `data_ptr` and `lock_info`, inside the lock's impl. Each method's
/// docs come before its name.
macro_rules! lock_access {
    (
        $(#[$raw:meta])* raw;
        $(#[$data_ptr:meta])* data_ptr;
        $(#[$lock_info:meta])* lock_info;
    ) => {
        $(#[$raw])*
        #[inline]
        pub unsafe fn raw(&self) -> &R {
            // SAFETY: forwarded from this function's contract.
            unsafe { self.inner.raw() }
        }

        $(#[$data_ptr])*
        #[inline]
        pub fn data_ptr(&self) -> *mut T {
            self.inner.data_ptr()
        }

        $(#[$lock_info])*
        pub fn lock_info(&self) -> LockInfo {
            self.tracker.info()
        }
    };
}

/// `Default`, `From` and `Debug` of `$lock`, whose generics before `T` are
/// `$p`, bounded by `$bound`.
macro_rules! lock_traits {
    ($lock:ident<$($p:ident: $bound:path),*>) => {
        impl<$($p: $bound,)* T: Default> Default for $lock<$($p,)* T> {
            #[track_caller]
            fn default() -> $lock<$($p,)* T> {
                $lock { tracker: LockTracker::new(None).unclassed(), inner: ::lock_api::$lock::new(T::default()) }
            }
        }

        impl<$($p: $bound,)* T> From<T> for $lock<$($p,)* T> {
            #[track_caller]
            fn from(t: T) -> $lock<$($p,)* T> {
                $lock { tracker: LockTracker::new(None).unclassed(), inner: ::lock_api::$lock::new(t) }
            }
        }

        impl<$($p: $bound,)* T: ?Sized + std::fmt::Debug> std::fmt::Debug for $lock<$($p,)* T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.inner.fmt(f)
            }
        }
    };
}

pub(super) use {force_unlock, lock_access, lock_from_raw, lock_new, lock_state, lock_traits, lock_with_class};
