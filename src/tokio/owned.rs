//! What the owned guards share: each is a borrowing guard of the lock in
//! its `Arc`, kept next to that `Arc`.
//!
//! Invariant: in every owned guard the borrowing guard is the first field,
//! so it is dropped before the `Arc` that keeps its lock alive, and the
//! `'static` reference behind it is never handed out.

use std::sync::Arc;

/// A `'static` reference to the lock inside `arc`, for a borrowing guard
/// stored next to `arc`.
///
/// # Safety
///
/// The reference, and anything borrowing through it, must be dropped
/// before `arc` (or its last clone) and must not be handed out.
pub(super) unsafe fn leak<L: ?Sized + 'static>(arc: &Arc<L>) -> &'static L {
    // SAFETY: the `Arc`'s value stays at this address while a clone of the
    // `Arc` lives, which the caller guarantees for the reference's uses.
    unsafe { &*Arc::as_ptr(arc) }
}

/// `Deref` (and `DerefMut` with `mut`), `Debug` and `Display` for a guard,
/// through its `$field`. `impl[..]` gives the impl's generics.
macro_rules! forward_guard {
    (impl[$($g:tt)*] $ty:ty => $target:ty, $field:ident, mut) => {
        forward_guard!(impl[$($g)*] $ty => $target, $field);

        impl<$($g)*> std::ops::DerefMut for $ty {
            fn deref_mut(&mut self) -> &mut $target {
                &mut self.$field
            }
        }
    };
    (impl[$($g:tt)*] $ty:ty => $target:ty, $field:ident) => {
        impl<$($g)*> std::ops::Deref for $ty {
            type Target = $target;

            fn deref(&self) -> &$target {
                &self.$field
            }
        }

        impl<$($g)*> std::fmt::Debug for $ty
        where
            $target: std::fmt::Debug,
        {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Debug::fmt(&**self, f)
            }
        }

        impl<$($g)*> std::fmt::Display for $ty
        where
            $target: std::fmt::Display,
        {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&**self, f)
            }
        }
    };
}

pub(super) use forward_guard;
