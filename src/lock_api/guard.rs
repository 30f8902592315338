//! What every guard of this module shares: `Deref`, `Debug` and `Display`
//! forwarded to the wrapped lock_api guard, the held set kept in step
//! while a guard's `unlocked` runs a closure with the lock released, and the
//! `map`, `unlocked` and fair-unlock families, written once. The macros take
//! each method's docs from the guard's file, where the examples name it.

use std::panic::Location;

use crate::tracked::{Access, HeldToken};

/// Wraps `f` for lock_api's `unlocked`: the lock leaves the held set now,
/// and its re-acquisition, at the caller's site, is checked when `f` is done,
/// before lock_api blocks on the lock again. If `f` panics, the lock stays
/// out of the held set (lock_api takes it back while unwinding).
#[track_caller]
pub(super) fn while_unlocked<'t, 'h, U, F: FnOnce() -> U + 't>(
    token: &'t mut HeldToken<'h>,
    access: Access,
    f: F,
) -> impl FnOnce() -> U + use<'t, 'h, U, F> {
    let site = Location::caller();
    token.suspend();
    move || {
        let out = f();
        token.reacquire_at(access, site);
        out
    }
}

/// `Deref` (and `DerefMut` when asked for with `mut`), `Debug` and
/// `Display` for a guard whose lock_api guard is its `inner` field. The
/// generics are the guard's, minus `'a` and the trailing `T`.
macro_rules! forward_guard {
    ($guard:ident<$($p:ident: $bound:path),*>, mut) => {
        forward_guard!($guard<$($p: $bound),*>);

        impl<'a, $($p: $bound + 'a,)* T: ?Sized + 'a> std::ops::DerefMut for $guard<'a, $($p,)* T> {
            #[inline]
            fn deref_mut(&mut self) -> &mut T {
                &mut self.inner
            }
        }
    };
    ($guard:ident<$($p:ident: $bound:path),*>) => {
        impl<'a, $($p: $bound + 'a,)* T: ?Sized + 'a> std::ops::Deref for $guard<'a, $($p,)* T> {
            type Target = T;

            #[inline]
            fn deref(&self) -> &T {
                &self.inner
            }
        }

        impl<'a, $($p: $bound + 'a,)* T: ?Sized + std::fmt::Debug + 'a> std::fmt::Debug for $guard<'a, $($p,)* T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Debug::fmt(&*self.inner, f)
            }
        }

        impl<'a, $($p: $bound + 'a,)* T: ?Sized + std::fmt::Display + 'a> std::fmt::Display for $guard<'a, $($p,)* T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&*self.inner, f)
            }
        }
    };
}

/// `unlocked` or `unlocked_fair` (`$name`) of `$guard`, whose lock is
/// taken again as `$access`; `$doc` are the method's docs.
macro_rules! guard_unlocked {
    ($(#[$doc:meta])* $guard:ident::$name:ident($access:expr)) => {
        $(#[$doc])*
        #[track_caller]
        #[inline]
        pub fn $name<F, U>(s: &mut Self, f: F) -> U
        where
            F: FnOnce() -> U,
        {
            let (guard, token) = s.inner.parts_mut();
            ::lock_api::$guard::$name(guard, $crate::lock_api::guard::while_unlocked(token, $access, f))
        }
    };
}

/// The fair impl of `$guard`: `unlock_fair`, and for a guard that can
/// re-lock (given `$access`), `unlocked_fair` and `bump`. Each method's docs
/// come before its name.
macro_rules! guard_fair {
    (
        $guard:ident<$($p:ident: $bound:path),*>;
        $(#[$unlock_fair:meta])* unlock_fair;
        $(
            $(#[$unlocked_fair:meta])* unlocked_fair($access:expr);
            $(#[$bump:meta])* bump;
        )?
    ) => {
        impl<'a, $($p: $bound + 'a,)* T: ?Sized + 'a> $guard<'a, $($p,)* T> {
            $(#[$unlock_fair])*
            #[inline]
            pub fn unlock_fair(s: Self) {
                s.inner.unlock_with(::lock_api::$guard::unlock_fair);
            }
            $(
                $crate::lock_api::guard::guard_unlocked!($(#[$unlocked_fair])* $guard::unlocked_fair($access));

                $(#[$bump])*
                #[track_caller]
                #[inline]
                pub fn bump(s: &mut Self) {
                    s.inner.token_mut().relock_as($access);
                    ::lock_api::$guard::bump(&mut s.inner);
                }
            )?
        }
    };
}

/// `map`, `try_map` and the `try_map` with an error value (`$or_err`, as
/// lock_api names it on `$guard`) of `$guard`, into `$mapped`, inside the
/// guard's impl. `$rest` are the guard's fields besides `inner`,
/// `[$($m)*]` is `[mut]` when the guard gives mutable access, and `$p` its
/// generics between `'a` and `T`. Each method's docs come before its name.
macro_rules! guard_map {
    (
        $guard:ident { $($rest:ident),* } => $mapped:ident<$($p:ident),*>, [$($m:tt)*];
        $(#[$map:meta])* map;
        $(#[$try_map:meta])* try_map;
        $(#[$or_err_doc:meta])* $or_err:ident;
    ) => {
        $(#[$map])*
        #[inline]
        pub fn map<U: ?Sized, F>(s: Self, f: F) -> $mapped<'a, $($p,)* U>
        where
            F: FnOnce(&$($m)* T) -> &$($m)* U,
        {
            $mapped { inner: s.inner.map(|inner, mut on_unwind| ::lock_api::$guard::map(inner, move |t| on_unwind.run(|| f(t)))) }
        }

        $(#[$try_map])*
        #[inline]
        pub fn try_map<U: ?Sized, F>(s: Self, f: F) -> Result<$mapped<'a, $($p,)* U>, Self>
        where
            F: FnOnce(&$($m)* T) -> Option<&$($m)* U>,
        {
            let $guard { inner, $($rest),* } = s;
            let mapped = inner.try_map(|inner, mut on_unwind| {
                ::lock_api::$guard::try_map(inner, move |t| on_unwind.run(|| f(t)))
            });
            match mapped {
                Ok(inner) => Ok($mapped { inner }),
                Err(inner) => Err($guard { inner, $($rest),* }),
            }
        }

        $(#[$or_err_doc])*
        #[inline]
        pub fn $or_err<U: ?Sized, F, E>(s: Self, f: F) -> Result<$mapped<'a, $($p,)* U>, (Self, E)>
        where
            F: FnOnce(&$($m)* T) -> Result<&$($m)* U, E>,
        {
            let $guard { inner, $($rest),* } = s;
            match inner.try_map_with(|inner, mut on_unwind| ::lock_api::$guard::$or_err(inner, move |t| on_unwind.run(|| f(t)))) {
                Ok(inner) => Ok($mapped { inner }),
                Err((inner, e)) => Err(($guard { inner, $($rest),* }, e)),
            }
        }
    };
}

pub(super) use {forward_guard, guard_fair, guard_map, guard_unlocked};
