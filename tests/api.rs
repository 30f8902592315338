//! The public types mirror std's, so that swapping the `use` line is the
//! whole change: auto traits, `Debug` output, `Default`, `From`, unsized
//! contents and `const` construction. Each check is made on the std type
//! too, so that it states std's behaviour and not a guess of it. These hold
//! with and without tracking: no cfg gate.

use std::cell::Cell;
use std::fmt::Debug;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::rc::Rc;
use std::sync::Arc;

use lockorder::sync::{
    Condvar, LazyLock, Mutex, MutexGuard, Once, OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard,
};
use static_assertions::{assert_impl_all, assert_not_impl_any};

/// Both types implement every trait.
macro_rules! both {
    ($ours:ty, $std:ty: $($tr:path),+) => {
        assert_impl_all!($ours: $($tr),+);
        assert_impl_all!($std: $($tr),+);
    };
}

/// Neither type implements any of the traits.
macro_rules! neither {
    ($ours:ty, $std:ty: $($tr:path),+) => {
        assert_not_impl_any!($ours: $($tr),+);
        assert_not_impl_any!($std: $($tr),+);
    };
}

/// A type that is `Sync` but not `Send`.
type SyncNotSend = std::sync::MutexGuard<'static, u8>;

// Mutex: Send and Sync when T: Send; unwind safe whatever T.
both!(Mutex<u8>, std::sync::Mutex<u8>: Send, Sync, UnwindSafe, RefUnwindSafe);
both!(Mutex<Cell<u8>>, std::sync::Mutex<Cell<u8>>: Send, Sync);
neither!(Mutex<Rc<u8>>, std::sync::Mutex<Rc<u8>>: Send, Sync);
neither!(Mutex<SyncNotSend>, std::sync::Mutex<SyncNotSend>: Send, Sync);
both!(Mutex<&'static mut u8>, std::sync::Mutex<&'static mut u8>: UnwindSafe, RefUnwindSafe);
both!(Mutex<[u8]>, std::sync::Mutex<[u8]>: Send, Sync);

// RwLock: Send when T: Send, Sync when T: Send + Sync.
both!(RwLock<u8>, std::sync::RwLock<u8>: Send, Sync, UnwindSafe, RefUnwindSafe);
both!(RwLock<Cell<u8>>, std::sync::RwLock<Cell<u8>>: Send);
neither!(RwLock<Cell<u8>>, std::sync::RwLock<Cell<u8>>: Sync);
neither!(RwLock<Rc<u8>>, std::sync::RwLock<Rc<u8>>: Send, Sync);
neither!(RwLock<SyncNotSend>, std::sync::RwLock<SyncNotSend>: Send, Sync);
both!(RwLock<&'static mut u8>, std::sync::RwLock<&'static mut u8>: UnwindSafe, RefUnwindSafe);

// Guards: never Send, Sync when T: Sync.
both!(MutexGuard<'static, u8>, std::sync::MutexGuard<'static, u8>: Sync, UnwindSafe, RefUnwindSafe);
neither!(MutexGuard<'static, u8>, std::sync::MutexGuard<'static, u8>: Send);
neither!(MutexGuard<'static, Cell<u8>>, std::sync::MutexGuard<'static, Cell<u8>>: Send, Sync);
both!(RwLockReadGuard<'static, u8>, std::sync::RwLockReadGuard<'static, u8>: Sync, UnwindSafe, RefUnwindSafe);
neither!(RwLockReadGuard<'static, u8>, std::sync::RwLockReadGuard<'static, u8>: Send);
neither!(RwLockReadGuard<'static, Cell<u8>>, std::sync::RwLockReadGuard<'static, Cell<u8>>: Send, Sync);
both!(RwLockWriteGuard<'static, u8>, std::sync::RwLockWriteGuard<'static, u8>: Sync, UnwindSafe, RefUnwindSafe);
neither!(RwLockWriteGuard<'static, u8>, std::sync::RwLockWriteGuard<'static, u8>: Send);
neither!(RwLockWriteGuard<'static, Cell<u8>>, std::sync::RwLockWriteGuard<'static, Cell<u8>>: Send, Sync);

// Condvar and Once.
both!(Condvar, std::sync::Condvar: Send, Sync, UnwindSafe, RefUnwindSafe, Default);
both!(Once, std::sync::Once: Send, Sync, UnwindSafe, RefUnwindSafe);
neither!(Once, std::sync::Once: Default, Clone);

// OnceLock: Send when T: Send, Sync when T: Send + Sync, unwind safe when
// T is.
both!(OnceLock<u8>, std::sync::OnceLock<u8>: Send, Sync, UnwindSafe, RefUnwindSafe, Default, Clone, PartialEq, Eq);
both!(OnceLock<Cell<u8>>, std::sync::OnceLock<Cell<u8>>: Send);
neither!(OnceLock<Cell<u8>>, std::sync::OnceLock<Cell<u8>>: Sync, RefUnwindSafe);
neither!(OnceLock<Rc<u8>>, std::sync::OnceLock<Rc<u8>>: Send, Sync);
neither!(OnceLock<SyncNotSend>, std::sync::OnceLock<SyncNotSend>: Send, Sync);
neither!(OnceLock<&'static mut u8>, std::sync::OnceLock<&'static mut u8>: UnwindSafe);

// LazyLock: as OnceLock, and the initializer must be Send.
both!(LazyLock<u8>, std::sync::LazyLock<u8>: Send, Sync, UnwindSafe, RefUnwindSafe);
both!(LazyLock<Cell<u8>>, std::sync::LazyLock<Cell<u8>>: Send);
neither!(LazyLock<Cell<u8>>, std::sync::LazyLock<Cell<u8>>: Sync, RefUnwindSafe);
neither!(LazyLock<Rc<u8>>, std::sync::LazyLock<Rc<u8>>: Send, Sync);
type LocalInit = Box<dyn FnOnce() -> u8>;
neither!(LazyLock<u8, LocalInit>, std::sync::LazyLock<u8, LocalInit>: Send, Sync);

/// `{:?}` and `{:#?}` of both values are the same.
#[track_caller]
fn same_debug(ours: &impl Debug, std: &impl Debug) {
    assert_eq!(format!("{ours:?}"), format!("{std:?}"));
    assert_eq!(format!("{ours:#?}"), format!("{std:#?}"));
}

#[test]
fn mutex_and_guard_debug_is_stds_when_unlocked_locked_and_poisoned() {
    let ours = Mutex::new(vec![1, 2]);
    let std = std::sync::Mutex::new(vec![1, 2]);
    same_debug(&ours, &std);
    {
        let (ours_guard, std_guard) = (ours.lock().unwrap(), std.lock().unwrap());
        same_debug(&ours, &std);
        assert!(format!("{ours:?}").contains("<locked>"), "{ours:?}");
        same_debug(&ours_guard, &std_guard);
    }
    let (ours_text, std_text) = (Mutex::new("text"), std::sync::Mutex::new("text"));
    assert_eq!(ours_text.lock().unwrap().to_string(), std_text.lock().unwrap().to_string());

    std::thread::scope(|s| {
        let panicked = s.spawn(|| {
            let _ours = ours.lock().unwrap();
            let _std = std.lock().unwrap();
            panic!("poisoning both");
        });
        assert!(panicked.join().is_err());
    });
    same_debug(&ours, &std);
    assert!(format!("{ours:?}").contains("poisoned: true"), "{ours:?}");
}

#[test]
fn rwlock_and_guard_debug_is_stds_when_unlocked_read_and_written() {
    let ours = RwLock::new(Some(3));
    let std = std::sync::RwLock::new(Some(3));
    same_debug(&ours, &std);
    {
        let (ours_read, std_read) = (ours.read().unwrap(), std.read().unwrap());
        same_debug(&ours, &std);
        same_debug(&ours_read, &std_read);
    }
    {
        let (ours_write, std_write) = (ours.write().unwrap(), std.write().unwrap());
        same_debug(&ours, &std);
        assert!(format!("{ours:?}").contains("<locked>"), "{ours:?}");
        same_debug(&ours_write, &std_write);
    }
    let (ours_text, std_text) = (RwLock::new(1.5), std::sync::RwLock::new(1.5));
    assert_eq!(ours_text.read().unwrap().to_string(), std_text.read().unwrap().to_string());
    assert_eq!(ours_text.write().unwrap().to_string(), std_text.write().unwrap().to_string());
}

#[test]
fn condvar_and_once_debug_is_stds() {
    same_debug(&Condvar::new(), &std::sync::Condvar::new());
    let (ours, std) = (Once::new(), std::sync::Once::new());
    same_debug(&ours, &std);
    ours.call_once(|| ());
    std.call_once(|| ());
    same_debug(&ours, &std);
}

#[test]
fn once_lock_debug_is_stds_when_empty_and_set() {
    let (ours, std) = (OnceLock::new(), std::sync::OnceLock::new());
    same_debug(&ours, &std);
    assert_eq!(ours.set("value"), std.set("value"));
    same_debug(&ours, &std);
}

#[test]
fn lazy_lock_debug_is_stds_before_and_after_initialization() {
    let ours = LazyLock::new(|| vec!["lazy"]);
    let std = std::sync::LazyLock::new(|| vec!["lazy"]);
    same_debug(&ours, &std);
    assert_eq!(*ours, *std);
    same_debug(&ours, &std);
    assert!(format!("{ours:?}").contains("lazy"), "{ours:?}");
}

#[test]
fn default_and_from_build_the_value() {
    assert_eq!(*Mutex::<u32>::default().lock().unwrap(), 0);
    assert_eq!(*RwLock::<String>::default().read().unwrap(), "");
    assert_eq!(OnceLock::<u8>::default().get(), None);
    assert!(LazyLock::<Vec<u8>>::default().is_empty());
    Condvar::default().notify_all();

    assert_eq!(Mutex::from(3).into_inner().unwrap(), 3);
    assert_eq!(RwLock::from("x").into_inner().unwrap(), "x");
    assert_eq!(OnceLock::from(4).into_inner(), Some(4));
    let mutex: Mutex<u8> = 5.into();
    assert_eq!(*mutex.lock().unwrap(), 5);
}

#[test]
fn locks_hold_unsized_values() {
    let sized: Arc<Mutex<[u8; 3]>> = Arc::new(Mutex::new([1, 2, 3]));
    let slice: Arc<Mutex<[u8]>> = sized;
    slice.lock().unwrap()[1] = 5;
    assert_eq!(*slice.lock().unwrap(), [1, 5, 3]);
    let std_slice: Arc<std::sync::Mutex<[u8]>> = Arc::new(std::sync::Mutex::new([1, 5, 3]));
    same_debug(&slice, &std_slice);

    let rwlock: Box<RwLock<[u8]>> = Box::new(RwLock::new([7, 8]));
    rwlock.write().unwrap()[0] = 9;
    assert_eq!(*rwlock.read().unwrap(), [9, 8]);
    assert_eq!(rwlock.try_read().unwrap().len(), 2);

    let function: Box<Mutex<dyn FnMut() -> u32 + Send>> = Box::new(Mutex::new({
        let mut calls = 0;
        move || {
            calls += 1;
            calls
        }
    }));
    assert_eq!((function.lock().unwrap())(), 1);
    assert_eq!((function.lock().unwrap())(), 2);
}

static MUTEX: Mutex<Vec<u8>> = Mutex::new(Vec::new());
static NAMED_MUTEX: Mutex<u8> = Mutex::new_named("named mutex", 0);
static RWLOCK: RwLock<Vec<u8>> = RwLock::new(Vec::new());
static NAMED_RWLOCK: RwLock<u8> = RwLock::new_named("named rwlock", 0);
static CONDVAR: Condvar = Condvar::new();
static ONCE: Once = Once::new();
static ONCE_LOCK: OnceLock<u8> = OnceLock::new();
static LAZY_LOCK: LazyLock<Vec<u8>> = LazyLock::new(|| vec![1]);

/// `new_named` is a `const fn` (not only usable in a static initializer).
const fn named_mutex(name: &'static str) -> Mutex<u8> {
    Mutex::new_named(name, 1)
}

const fn named_rwlock(name: &'static str) -> RwLock<u8> {
    RwLock::new_named(name, 2)
}

static FROM_CONST_FN_MUTEX: Mutex<u8> = named_mutex("from a const fn");
static FROM_CONST_FN_RWLOCK: RwLock<u8> = named_rwlock("from a const fn");

#[test]
fn every_type_can_be_a_static_built_in_const_context() {
    MUTEX.lock().unwrap().push(1);
    *NAMED_MUTEX.lock().unwrap() += 1;
    RWLOCK.write().unwrap().push(2);
    *NAMED_RWLOCK.write().unwrap() += 1;
    CONDVAR.notify_one();
    ONCE.call_once(|| ());
    assert_eq!(*ONCE_LOCK.get_or_init(|| 3), 3);
    assert_eq!(*LAZY_LOCK, [1]);
    assert_eq!(*MUTEX.lock().unwrap(), [1]);
    assert_eq!(*NAMED_MUTEX.lock().unwrap(), 1);
    assert_eq!(*RWLOCK.read().unwrap(), [2]);
    assert_eq!(*NAMED_RWLOCK.read().unwrap(), 1);
    assert!(ONCE.is_completed());
    assert_eq!(*FROM_CONST_FN_MUTEX.lock().unwrap(), 1);
    assert_eq!(*FROM_CONST_FN_RWLOCK.read().unwrap(), 2);

    // Names are kept only where reports exist.
    if lockorder::enabled() {
        assert_eq!(NAMED_MUTEX.lock_info().name(), Some("named mutex"));
        assert_eq!(NAMED_RWLOCK.lock_info().name(), Some("named rwlock"));
        assert_eq!(FROM_CONST_FN_MUTEX.lock_info().name(), Some("from a const fn"));
        assert_eq!(FROM_CONST_FN_RWLOCK.lock_info().to_string(), "from a const fn");
    }
}
