//! What `Mutex` and `RwLock` share, written once: construction, poisoning,
//! `get_mut`, `into_inner`, naming, `Default`, `From` and `Debug`, all
//! forwarded to the std lock each wrapper keeps in its `inner` field, next
//! to its `tracker`.

/// Implements the shared part of `$lock`, a wrapper of `std::sync::$lock`;
/// `$noun` names it in docs.
macro_rules! poisoning_lock {
    ($lock:ident, $noun:literal) => {
        impl<T> $lock<T> {
            #[doc = concat!("Creates an unlocked ", $noun, ", named in reports by where it was created.")]
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("static GLOBAL: lockorder::sync::", stringify!($lock), "<Vec<u8>> = lockorder::sync::", stringify!($lock), "::new(Vec::new());")]
            /// assert!(!GLOBAL.is_poisoned());
            /// ```
            #[track_caller]
            #[inline]
            pub const fn new(value: T) -> $lock<T> {
                $lock { tracker: LockTracker::new(None), inner: std::sync::$lock::new(value) }
            }

            #[doc = concat!("Creates an unlocked ", $noun, " that reports name `name`.")]
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("static QUEUE: lockorder::sync::", stringify!($lock), "<Vec<u8>> = lockorder::sync::", stringify!($lock), "::new_named(\"queue\", Vec::new());")]
            /// // Names are kept only when tracking is compiled in.
            /// if lockorder::enabled() {
            ///     assert_eq!(QUEUE.lock_info().name(), Some("queue"));
            /// }
            /// ```
            #[track_caller]
            #[inline]
            pub const fn new_named(name: &'static str, value: T) -> $lock<T> {
                $lock { tracker: LockTracker::new(Some(name)), inner: std::sync::$lock::new(value) }
            }

            #[doc = concat!("Creates an unlocked ", $noun, " of the named class `class` (see [`LockClass`](crate::LockClass)).")]
            ///
            /// # Examples
            ///
            /// ```
            /// static SHARD: lockorder::LockClass = lockorder::LockClass::new("shard");
            #[doc = concat!("let shards: Vec<lockorder::sync::", stringify!($lock), "<u32>> = (0..4).map(|_| lockorder::sync::", stringify!($lock), "::with_class(&SHARD, 0)).collect();")]
            /// if lockorder::enabled() {
            ///     assert_eq!(shards[3].lock_info().class(), Some(&SHARD));
            /// }
            /// ```
            #[track_caller]
            #[inline]
            pub const fn with_class(class: &'static crate::LockClass, value: T) -> $lock<T> {
                $lock { tracker: LockTracker::in_class(None, class), inner: std::sync::$lock::new(value) }
            }

            #[doc = concat!("Consumes the ", $noun, " and returns the value.")]
            ///
            /// # Errors
            ///
            /// If a thread panicked while holding it exclusively, the value
            /// comes back inside a [`PoisonError`](std::sync::PoisonError).
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let lock = lockorder::sync::", stringify!($lock), "::new(7);")]
            /// assert_eq!(lock.into_inner().unwrap(), 7);
            /// ```
            pub fn into_inner(self) -> LockResult<T> {
                self.inner.into_inner()
            }
        }

        impl<T: ?Sized> $lock<T> {
            #[doc = concat!("Whether a thread panicked while holding this ", $noun, " exclusively.")]
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("assert!(!lockorder::sync::", stringify!($lock), "::new(()).is_poisoned());")]
            /// ```
            #[inline]
            pub fn is_poisoned(&self) -> bool {
                self.inner.is_poisoned()
            }

            /// Clears the poisoned state.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let lock = lockorder::sync::", stringify!($lock), "::new(());")]
            /// lock.clear_poison();
            /// assert!(!lock.is_poisoned());
            /// ```
            #[inline]
            pub fn clear_poison(&self) {
                self.inner.clear_poison();
            }

            /// A mutable reference to the value; no locking is needed.
            ///
            /// # Errors
            ///
            #[doc = concat!("If the ", $noun, " is poisoned, the reference comes inside a")]
            /// [`PoisonError`](std::sync::PoisonError).
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let mut lock = lockorder::sync::", stringify!($lock), "::new(1);")]
            /// *lock.get_mut().unwrap() = 2;
            /// assert_eq!(lock.into_inner().unwrap(), 2);
            /// ```
            #[inline]
            pub fn get_mut(&mut self) -> LockResult<&mut T> {
                self.inner.get_mut()
            }

            #[doc = concat!("How reports name this ", $noun, ". With tracking compiled out no name or")]
            /// creation site is kept, and the site is the one of this call.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let lock = lockorder::sync::", stringify!($lock), "::new_named(\"cache\", ());")]
            /// if lockorder::enabled() {
            ///     assert_eq!(lock.lock_info().to_string(), "cache");
            /// }
            /// ```
            #[track_caller]
            pub fn lock_info(&self) -> LockInfo {
                self.tracker.info()
            }
        }

        impl<T: Default> Default for $lock<T> {
            #[track_caller]
            fn default() -> $lock<T> {
                $lock { tracker: LockTracker::new(None).unclassed(), inner: std::sync::$lock::new(T::default()) }
            }
        }

        impl<T> From<T> for $lock<T> {
            #[track_caller]
            fn from(value: T) -> $lock<T> {
                $lock { tracker: LockTracker::new(None).unclassed(), inner: std::sync::$lock::new(value) }
            }
        }

        impl<T: ?Sized + fmt::Debug> fmt::Debug for $lock<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.inner.fmt(f)
            }
        }
    };
}

/// `Debug` and `Display` of guards, forwarded to the guarded value as std
/// does.
macro_rules! forward_guard_fmt {
    ($($guard:ident),*) => {$(
        impl<T: ?Sized + fmt::Debug> fmt::Debug for $guard<'_, T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&**self, f)
            }
        }

        impl<T: ?Sized + fmt::Display> fmt::Display for $guard<'_, T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&**self, f)
            }
        }
    )*};
}

pub(super) use {forward_guard_fmt, poisoning_lock};
