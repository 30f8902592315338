//! [`LockRef`]: a guard's reference to its lock of ours, which takes no
//! room when tracking is compiled out (the guard then has the wrapped
//! guard's size): the lock is found from the one the wrapped guard locks,
//! our lock's `inner` field, which [`Wrapper`] describes.

#[cfg(not(lockorder_tracking))]
use std::marker::PhantomData;

#[cfg(not(lockorder_tracking))]
use super::LockTracker;

/// A lock of ours: a [`LockTracker`] and then the wrapped lock, `inner`.
///
/// # Safety
///
/// An implementor must be a `#[repr(C)]` struct of exactly two fields, a
/// `LockTracker` and then `inner: Self::Inner`, [`inner`](Self::inner)
/// must return that field, and [`cast`](Self::cast) must only change the
/// pointee type (an `as` cast: same address, same metadata). The
/// [`wrapper!`] macro writes both methods.
pub(crate) unsafe trait Wrapper {
    /// The wrapped lock.
    type Inner: ?Sized;

    /// `inner` as a pointer to `Self`: an `as` cast (it keeps a slice's
    /// length, which both types share as their last field's).
    #[cfg(not(lockorder_tracking))]
    fn cast(inner: *const Self::Inner) -> *const Self;

    /// The `inner` field.
    fn inner(&self) -> &Self::Inner;
}

// Without tracking the tracker is empty: zero-sized, alignment 1. A
// `Wrapper`'s `inner` then sits at offset 0 and the wrapper has `inner`'s
// size and alignment (`#[repr(C)]`), so a `&Wrapper` made from a
// `&Wrapper::Inner` covers exactly the bytes of `inner`.
#[cfg(not(lockorder_tracking))]
const _: () = assert!(size_of::<LockTracker>() == 0 && align_of::<LockTracker>() == 1);

/// A guard's reference to its lock `W`. With tracking it keeps `&'a W`
/// (a tracked guard is larger than the wrapped one anyway); without, it is
/// zero-sized and [`get`](Self::get) turns the wrapped guard's lock, `W`'s
/// `inner` at offset 0, into the `&W` it starts.
pub(crate) struct LockRef<'a, W: ?Sized> {
    #[cfg(lockorder_tracking)]
    lock: &'a W,
    #[cfg(not(lockorder_tracking))]
    lock: PhantomData<&'a W>,
}

impl<'a, W: Wrapper + ?Sized> LockRef<'a, W> {
    /// A reference to `lock`.
    #[inline(always)]
    pub(crate) fn new(lock: &'a W) -> Self {
        #[cfg(lockorder_tracking)]
        return LockRef { lock };
        #[cfg(not(lockorder_tracking))]
        {
            let _ = lock;
            LockRef { lock: PhantomData }
        }
    }

    /// The lock given to [`new`](Self::new).
    ///
    /// # Safety
    ///
    /// `inner` must be the `inner` field of the lock given to `new` (the
    /// lock that the guard kept beside this `LockRef` locks).
    #[inline(always)]
    pub(crate) unsafe fn get(&self, inner: &'a W::Inner) -> &'a W {
        #[cfg(lockorder_tracking)]
        {
            debug_assert!(std::ptr::addr_eq(inner, self.lock.inner()));
            self.lock
        }
        // SAFETY: `inner` is the `inner` field of a `W` borrowed for `'a`
        // (the caller's promise). Without tracking that field is at offset
        // 0 of the `W`, which has its size and alignment (the assertion
        // above, and `Wrapper`'s contract: `#[repr(C)]`, the tracker
        // first), and `cast` keeps the address and a slice's length: the
        // pointer is to that whole `W`, whose bytes are exactly those that
        // `inner` borrows, shared for `'a` as `inner` is.
        #[cfg(not(lockorder_tracking))]
        unsafe {
            &*W::cast(inner)
        }
    }
}

/// Implements [`Wrapper`] for `$wrapper` (generics `$g`), a lock of ours
/// that wraps `$inner`: the struct must be `#[repr(C)]` with the fields
/// `tracker: LockTracker` and `inner: $inner`, in that order.
macro_rules! wrapper {
    (impl[$($g:tt)*] $wrapper:ty => $inner:ty) => {
        // SAFETY: the struct, next to this call, is `#[repr(C)]` with the
        // fields `tracker` and `inner` only, in that order; `inner` returns
        // that field, and `cast` is an `as` cast between pointers to two
        // types that end in the same `T`, which keeps the address and the
        // metadata.
        unsafe impl<$($g)*> $crate::tracked::Wrapper for $wrapper {
            type Inner = $inner;

            #[cfg(not(lockorder_tracking))]
            #[inline(always)]
            fn cast(inner: *const $inner) -> *const Self {
                inner as *const Self
            }

            #[inline(always)]
            fn inner(&self) -> &$inner {
                &self.inner
            }
        }
    };
}

pub(crate) use wrapper;

#[cfg(all(test, feature = "parking_lot"))]
mod tests {
    use std::mem::size_of;

    use super::{LockRef, Wrapper};
    use crate::parking_lot::{Mutex, ReentrantMutex, RwLock};

    /// `get` gives back the lock given to `new`, a slice's length
    /// included: the stored reference with tracking, the lock found from
    /// its `inner` without.
    fn round_trip<W: Wrapper + ?Sized>(lock: &W) {
        let lock_ref = LockRef::new(lock);
        // SAFETY: `lock.inner()` is the `inner` field of `lock`.
        let found = unsafe { lock_ref.get(lock.inner()) };
        assert!(std::ptr::eq(found, lock));
    }

    #[test]
    fn get_gives_the_lock() {
        round_trip(&Mutex::new(1u8));
        round_trip(&Mutex::new(1u128));
        round_trip(&Mutex::new([1u64; 3]));
        round_trip(&RwLock::new(1u16));
        round_trip(&ReentrantMutex::new(1u32));

        let bytes: Box<Mutex<[u8]>> = Box::new(Mutex::new([1, 2, 3]));
        round_trip(&*bytes);
        // SAFETY: `bytes.inner()` is the `inner` field of `bytes`.
        assert_eq!(unsafe { LockRef::new(&*bytes).get(bytes.inner()) }.lock().len(), 3);
        let words: Box<RwLock<[u128]>> = Box::new(RwLock::new([1, 2]));
        round_trip(&*words);
        #[cfg(feature = "tokio")]
        {
            let text: Box<crate::tokio::Mutex<[u16]>> = Box::new(crate::tokio::Mutex::new([7; 5]));
            round_trip(&*text);
        }
    }

    /// With tracking a `LockRef` is the reference; without, it takes no room.
    #[test]
    fn size() {
        let expected = if crate::enabled() { size_of::<&Mutex<[u8]>>() } else { 0 };
        assert_eq!(size_of::<LockRef<'_, Mutex<[u8]>>>(), expected);
        assert_eq!(size_of::<LockRef<'_, Mutex<u8>>>(), expected / 2);
    }
}
