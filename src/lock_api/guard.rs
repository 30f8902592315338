//! What every guard of this module shares: `Deref`, `Debug` and `Display`
//! forwarded to the wrapped lock_api guard, and the held set kept in step
//! while a guard's `unlocked` runs a closure with the lock released.

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

pub(super) use forward_guard;
