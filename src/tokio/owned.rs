//! What the owned guards share: each is a borrowing guard of the lock in
//! its `Arc`, kept next to that `Arc`.
//!
//! Invariant: in every owned guard the borrowing guard is the first field,
//! so it is dropped before the `Arc` that keeps its lock alive, and the
//! `'static` reference behind it is never handed out. The borrowing guard
//! is a `TrackedGuard`: its token (which points at the lock's tracker) is
//! released, then tokio's guard unlocks, and only then can the `Arc` free
//! the lock. A pending owned acquisition keeps its `Arc` in a local
//! declared before the acquisition future, which is thus dropped first.

use std::sync::Arc;

/// A `'static` reference to the lock inside `arc`, for a borrowing guard
/// stored next to `arc`.
///
/// # Safety
///
/// The reference, and anything borrowing through it (a guard, an
/// acquisition future, a token), must be dropped before `arc` is, and must
/// not be handed out: the lock is freed when the last clone of the `Arc`
/// goes, and `arc` may be the last one.
pub(super) unsafe fn leak<L: ?Sized + 'static>(arc: &Arc<L>) -> &'static L {
    // SAFETY: `Arc::as_ptr` points at the value, which stays there, never
    // moved and never mutably borrowed (an `Arc` gives out only shared
    // references), until the last clone is dropped; the caller guarantees
    // that every use of the reference ends before `arc` is dropped.
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
