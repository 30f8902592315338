//! What the tokio `Mutex` and `RwLock` share, written once: the named and
//! unnamed constructors, `get_mut`, `into_inner`, `lock_info`, the
//! `try_*_owned` acquisitions, and the `From`, `Default` and `Debug` impls,
//! all forwarded to the tokio lock each wrapper keeps in its `inner` field,
//! next to its `tracker`. The macros take each method's docs from the lock's
//! file, where the examples name it.

/// A constructor `$plain` of `$lock` and its `$named` twin, both over
/// tokio's `$plain`, inside the lock's impl; `$arg` names the value, and
/// `[const]` makes them `const`. Each method's docs come before its name.
macro_rules! named_ctors {
    (
        $lock:ident($arg:ident), [$($c:tt)*];
        $(#[$plain_doc:meta])* $plain:ident;
        $(#[$named_doc:meta])* $named:ident;
    ) => {
        $(#[$plain_doc])*
        #[track_caller]
        pub $($c)* fn $plain($arg: T) -> $lock<T>
        where
            T: Sized,
        {
            $lock { tracker: LockTracker::new(None), inner: tokio::sync::$lock::$plain($arg) }
        }

        $(#[$named_doc])*
        #[track_caller]
        pub $($c)* fn $named(name: &'static str, $arg: T) -> $lock<T>
        where
            T: Sized,
        {
            $lock { tracker: LockTracker::new(Some(name)), inner: tokio::sync::$lock::$plain($arg) }
        }
    };
}

/// `get_mut`, `into_inner` and `lock_info`, inside the lock's impl. Each
/// method's docs come before its name.
macro_rules! lock_access {
    (
        $(#[$get_mut:meta])* get_mut;
        $(#[$into_inner:meta])* into_inner;
        $(#[$lock_info:meta])* lock_info;
    ) => {
        $(#[$get_mut])*
        pub fn get_mut(&mut self) -> &mut T {
            self.inner.get_mut()
        }

        $(#[$into_inner])*
        pub fn into_inner(self) -> T
        where
            T: Sized,
        {
            self.inner.into_inner()
        }

        $(#[$lock_info])*
        pub fn lock_info(&self) -> LockInfo {
            self.tracker.info()
        }
    };
}

/// `$name`, the owned form of `$acquire` (`try_lock`, `try_read`, ..) for a
/// lock behind an `Arc`, giving `$owned`; `$doc` are its docs.
macro_rules! try_owned {
    ($(#[$doc:meta])* $name:ident = $acquire:ident -> $owned:ident) => {
        $(#[$doc])*
        #[track_caller]
        pub fn $name(self: Arc<Self>) -> Result<$owned<T>, TryLockError> {
            // SAFETY: as in `blocking_lock_owned`: the guard goes into the
            // owned guard, which drops it before `self`, and an error
            // borrows nothing of the lock.
            let guard = unsafe { super::owned::leak(&self) }.$acquire()?;
            Ok($owned { guard, lock: self })
        }
    };
}

/// `From`, `Default` and `Debug` of `$lock`.
macro_rules! lock_traits {
    ($lock:ident) => {
        impl<T> From<T> for $lock<T> {
            #[track_caller]
            fn from(s: T) -> $lock<T> {
                $lock { tracker: LockTracker::new(None).unclassed(), inner: tokio::sync::$lock::new(s) }
            }
        }

        impl<T: Default> Default for $lock<T> {
            #[track_caller]
            fn default() -> $lock<T> {
                $lock { tracker: LockTracker::new(None).unclassed(), inner: tokio::sync::$lock::new(T::default()) }
            }
        }

        impl<T: ?Sized + std::fmt::Debug> std::fmt::Debug for $lock<T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.inner.fmt(f)
            }
        }
    };
}

pub(super) use {lock_access, lock_traits, named_ctors, try_owned};
