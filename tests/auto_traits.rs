//! The drop-ins have the auto traits of the types they replace, negatives
//! included (a negative is checked at compile time: the assertion is
//! ambiguous, and fails to compile, if the trait is implemented).
#![allow(dead_code)]

#[cfg(feature = "lock_api")]
mod common;

use std::cell::Cell;
use std::rc::Rc;

macro_rules! assert_impl {
    ($ty:ty: $($tr:ident)+) => {
        const _: fn() = || {
            fn check<T: ?Sized $(+ $tr)+>() {}
            check::<$ty>();
        };
    };
}

macro_rules! assert_not_impl {
    ($ty:ty: $tr:ident) => {
        const _: fn() = || {
            trait AmbiguousIfImpl<A> {
                fn some_item() {}
            }
            impl<T: ?Sized> AmbiguousIfImpl<()> for T {}
            struct Invalid;
            impl<T: ?Sized + $tr> AmbiguousIfImpl<Invalid> for T {}
            <$ty as AmbiguousIfImpl<_>>::some_item();
        };
    };
}

mod sync_types {
    use super::*;
    use lockorder::sync as ours;

    assert_impl!(ours::Mutex<Cell<u32>>: Send Sync);
    assert_not_impl!(ours::Mutex<Rc<u32>>: Send);
    assert_impl!(ours::MutexGuard<'static, u32>: Sync);
    assert_not_impl!(ours::MutexGuard<'static, u32>: Send);
    assert_impl!(ours::RwLock<u32>: Send Sync);
    assert_not_impl!(ours::RwLock<Cell<u32>>: Sync);
    assert_not_impl!(ours::RwLockReadGuard<'static, u32>: Send);
    assert_not_impl!(ours::RwLockWriteGuard<'static, u32>: Send);
    assert_impl!(ours::Condvar: Send Sync);
    assert_impl!(ours::Once: Send Sync);
    assert_impl!(ours::OnceLock<u32>: Send Sync);
    assert_not_impl!(ours::OnceLock<Cell<u32>>: Sync);
}

#[cfg(feature = "parking_lot")]
mod parking_lot_types {
    use super::*;
    use lockorder::parking_lot as ours;

    assert_impl!(ours::Mutex<u32>: Send Sync);
    assert_impl!(ours::Mutex<Cell<u32>>: Send Sync);
    assert_not_impl!(ours::Mutex<Rc<u32>>: Send);
    assert_not_impl!(ours::Mutex<Rc<u32>>: Sync);
    assert_impl!(ours::MutexGuard<'static, u32>: Sync);
    assert_not_impl!(ours::MutexGuard<'static, u32>: Send);
    assert_not_impl!(ours::MutexGuard<'static, Cell<u32>>: Sync);
    assert_not_impl!(ours::MappedMutexGuard<'static, u32>: Send);
    assert_impl!(ours::FairMutex<u32>: Send Sync);
    assert_not_impl!(ours::FairMutexGuard<'static, u32>: Send);

    assert_impl!(ours::RwLock<u32>: Send Sync);
    assert_not_impl!(ours::RwLock<Cell<u32>>: Sync);
    assert_impl!(ours::RwLockReadGuard<'static, u32>: Sync);
    assert_not_impl!(ours::RwLockReadGuard<'static, u32>: Send);
    assert_not_impl!(ours::RwLockWriteGuard<'static, u32>: Send);
    assert_not_impl!(ours::RwLockUpgradableReadGuard<'static, u32>: Send);
    assert_not_impl!(ours::MappedRwLockReadGuard<'static, u32>: Send);
    assert_not_impl!(ours::MappedRwLockWriteGuard<'static, u32>: Send);

    assert_impl!(ours::ReentrantMutex<Cell<u32>>: Send Sync);
    assert_not_impl!(ours::ReentrantMutex<Rc<u32>>: Sync);
    assert_not_impl!(ours::ReentrantMutexGuard<'static, u32>: Send);
    assert_not_impl!(ours::MappedReentrantMutexGuard<'static, u32>: Send);

    assert_impl!(ours::Condvar: Send Sync);
    assert_impl!(ours::Once: Send Sync);

    // The same, for parking_lot's own types: the two lists agree.
    assert_impl!(parking_lot::Mutex<Cell<u32>>: Send Sync);
    assert_not_impl!(parking_lot::MutexGuard<'static, u32>: Send);
    assert_not_impl!(parking_lot::RwLock<Cell<u32>>: Sync);
    assert_impl!(parking_lot::ReentrantMutex<Cell<u32>>: Send Sync);
}

#[cfg(feature = "lock_api")]
mod lock_api_types {
    use super::*;
    use crate::common::RawSpin;

    // A raw lock whose guards are `Send` makes `Send` guards.
    assert_impl!(lockorder::lock_api::MutexGuard<'static, RawSpin, u32>: Send Sync);
    assert_impl!(lockorder::lock_api::MappedMutexGuard<'static, RawSpin, u32>: Send Sync);
    assert_not_impl!(lockorder::lock_api::MutexGuard<'static, RawSpin, Rc<u32>>: Send);
    assert_impl!(lockorder::lock_api::Mutex<RawSpin, Cell<u32>>: Send Sync);
}

#[cfg(feature = "tokio")]
mod tokio_types {
    use super::*;
    use lockorder::tokio as ours;
    use std::future::Future;

    assert_impl!(ours::Mutex<Cell<u32>>: Send Sync);
    assert_not_impl!(ours::Mutex<Rc<u32>>: Send);
    assert_not_impl!(ours::Mutex<Rc<u32>>: Sync);
    assert_impl!(ours::MutexGuard<'static, u32>: Send Sync);
    assert_not_impl!(ours::MutexGuard<'static, Cell<u32>>: Sync);
    assert_impl!(ours::MappedMutexGuard<'static, u32>: Send Sync);
    assert_impl!(ours::OwnedMutexGuard<u32>: Send Sync);
    assert_not_impl!(ours::OwnedMutexGuard<Rc<u32>>: Send);
    assert_impl!(ours::OwnedMappedMutexGuard<(u32, u8), u8>: Send Sync);

    assert_impl!(ours::RwLock<u32>: Send Sync);
    assert_not_impl!(ours::RwLock<Cell<u32>>: Sync);
    assert_impl!(ours::RwLockReadGuard<'static, u32>: Send Sync);
    assert_not_impl!(ours::RwLockReadGuard<'static, Cell<u32>>: Send);
    assert_impl!(ours::RwLockWriteGuard<'static, u32>: Send Sync);
    assert_impl!(ours::RwLockMappedWriteGuard<'static, u32>: Send Sync);
    assert_impl!(ours::OwnedRwLockReadGuard<u32>: Send Sync);
    assert_impl!(ours::OwnedRwLockWriteGuard<u32>: Send Sync);
    assert_impl!(ours::OwnedRwLockMappedWriteGuard<u32>: Send Sync);

    assert_impl!(ours::OnceCell<u32>: Send Sync);
    assert_not_impl!(ours::OnceCell<Cell<u32>>: Sync);
    assert_not_impl!(ours::OnceCell<Rc<u32>>: Send);

    // The futures of the acquisitions are `Send`, so tasks holding these
    // guards across awaits can be spawned; and a scope is as `Send` as its
    // future.
    fn lock_future(m: &'static ours::Mutex<u32>) -> impl Future + Send {
        m.lock()
    }
    fn read_future(l: &'static ours::RwLock<u32>) -> impl Future + Send {
        l.read()
    }
    fn owned_future(m: std::sync::Arc<ours::Mutex<u32>>) -> impl Future + Send {
        m.lock_owned()
    }
    fn init_future(cell: &'static ours::OnceCell<u32>) -> impl Future + Send {
        cell.get_or_init(|| async { 1 })
    }
    fn try_init_future(cell: &'static ours::OnceCell<u32>) -> impl Future + Send {
        cell.get_or_try_init(|| async { Ok::<_, ()>(1) })
    }
    assert_impl!(ours::Scoped<std::future::Ready<u32>>: Send Sync Unpin);
    assert_not_impl!(ours::Scoped<std::future::Ready<Rc<u32>>>: Send);

    // tokio's own, for comparison.
    assert_impl!(tokio::sync::MutexGuard<'static, u32>: Send Sync);
    assert_not_impl!(tokio::sync::RwLockReadGuard<'static, Cell<u32>>: Send);
    assert_not_impl!(tokio::sync::OnceCell<Cell<u32>>: Sync);
}
