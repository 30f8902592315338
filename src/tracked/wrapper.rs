//! [`Wrapper`]: from a wrapped lock back to the lock of ours that holds
//! it, so that a guard finds its lock through the guard it wraps and keeps
//! no pointer of its own (it then has the wrapped guard's size when
//! tracking is compiled out).

use std::mem::{align_of_val, size_of};
use std::ptr;

use super::LockTracker;

/// A lock of ours: a [`LockTracker`] and then the wrapped lock, `inner`.
///
/// # Safety
///
/// An implementor must be a `#[repr(C)]` struct of exactly two fields, a
/// `LockTracker` and then `inner: Self::Inner`, and [`cast`](Self::cast)
/// must only change the pointee type (an `as` cast: same address, same
/// metadata). The [`wrapper!`] macro writes `cast`.
pub(crate) unsafe trait Wrapper {
    /// The wrapped lock.
    type Inner: ?Sized;

    /// `inner` as a pointer to `Self`: an `as` cast (it keeps a slice's
    /// length, which both types share as their last field's).
    fn cast(inner: *const Self::Inner) -> *const Self;

    /// The `inner` field.
    #[cfg(test)]
    fn inner(&self) -> &Self::Inner;

    /// The lock of ours whose `inner` field `inner` is (a container-of).
    ///
    /// # Safety
    ///
    /// `inner` must be the `inner` field of a `Self`. That holds for the
    /// lock of every wrapped guard kept in a guard of ours: our guards are
    /// only made from the guards of our locks' `inner`.
    #[inline(always)]
    unsafe fn from_inner(inner: &Self::Inner) -> &Self {
        // `#[repr(C)]`: `inner` follows the tracker (at 0), at the tracker's
        // size rounded up to `inner`'s alignment, which `align_of_val`
        // gives even when `inner` ends in a slice. Without tracking the
        // tracker is zero-sized and the offset 0.
        let offset = size_of::<LockTracker>().next_multiple_of(align_of_val(inner));
        // SAFETY: `inner` is the `inner` field of a `Self` (the caller's
        // promise), which by the layout above starts `offset` bytes before
        // it, in the same allocation, and lives at least as long as the
        // borrow of `inner`; `cast` keeps the address and the metadata, so
        // the pointer is to that whole `Self`, borrowed as `inner` is (all
        // of a lock's methods take `&self`).
        unsafe { &*Self::cast(ptr::from_ref(inner).byte_sub(offset)) }
    }
}

/// Implements [`Wrapper`] for `$wrapper` (generics `$g`), a lock of ours
/// that wraps `$inner`: the struct must be `#[repr(C)]` with the fields
/// `tracker: LockTracker` and `inner: $inner`, in that order.
macro_rules! wrapper {
    (impl[$($g:tt)*] $wrapper:ty => $inner:ty) => {
        // SAFETY: the struct, next to this call, is `#[repr(C)]` with the
        // fields `tracker` and `inner` only, in that order; `cast` is an
        // `as` cast between pointers to two types that end in the same
        // `T`, which keeps the address and the metadata.
        unsafe impl<$($g)*> $crate::tracked::Wrapper for $wrapper {
            type Inner = $inner;

            #[inline(always)]
            fn cast(inner: *const $inner) -> *const Self {
                inner as *const Self
            }

            #[cfg(test)]
            fn inner(&self) -> &$inner {
                &self.inner
            }
        }
    };
}

pub(crate) use wrapper;

#[cfg(all(test, feature = "parking_lot"))]
mod tests {
    use std::mem::{align_of_val, size_of};

    use super::{LockTracker, Wrapper};
    use crate::parking_lot::{Mutex, ReentrantMutex, RwLock};

    /// `from_inner` finds the lock of its `inner`: the offset it takes is
    /// the field's, and the round trip keeps the address and a slice's
    /// length.
    fn round_trip<W: Wrapper + ?Sized>(lock: &W) {
        let inner = lock.inner();
        let offset = (inner as *const W::Inner).cast::<u8>() as usize - (lock as *const W).cast::<u8>() as usize;
        assert_eq!(offset, size_of::<LockTracker>().next_multiple_of(align_of_val(inner)));
        // SAFETY: `inner` is `lock`'s `inner` field.
        let found = unsafe { W::from_inner(inner) };
        assert!(std::ptr::eq(found, lock));
    }

    #[test]
    fn from_inner_finds_the_lock() {
        round_trip(&Mutex::new(1u8));
        round_trip(&Mutex::new(1u128));
        round_trip(&Mutex::new([1u64; 3]));
        round_trip(&RwLock::new(1u16));
        round_trip(&ReentrantMutex::new(1u32));

        let bytes: Box<Mutex<[u8]>> = Box::new(Mutex::new([1, 2, 3]));
        round_trip(&*bytes);
        // SAFETY: `bytes.inner()` is `bytes`' `inner` field.
        assert_eq!(unsafe { <Mutex<[u8]>>::from_inner(bytes.inner()) }.lock().len(), 3);
        let words: Box<RwLock<[u128]>> = Box::new(RwLock::new([1, 2]));
        round_trip(&*words);
        #[cfg(feature = "tokio")]
        {
            let text: Box<crate::tokio::Mutex<[u16]>> = Box::new(crate::tokio::Mutex::new([7; 5]));
            round_trip(&*text);
        }
    }
}
