//! The nesting methods and `with_class` of every lock type, with and
//! without tracking: `with_class` builds statics in a `const` context, and
//! the `_nested` acquisitions give guards like the plain ones. What they
//! change in reports is in `nested_everywhere.rs`. No cfg gate on tracking.
#![cfg(all(feature = "parking_lot", feature = "tokio"))]

use lockorder::LockClass;

static CLASS: LockClass = LockClass::new("nested api");

static PL_MUTEX: lockorder::parking_lot::Mutex<u8> = lockorder::parking_lot::Mutex::with_class(&CLASS, 1);
static PL_RWLOCK: lockorder::parking_lot::RwLock<u8> = lockorder::parking_lot::RwLock::with_class(&CLASS, 2);
static PL_REENTRANT: lockorder::parking_lot::ReentrantMutex<u8> =
    lockorder::parking_lot::ReentrantMutex::with_class(&CLASS, 3);
static TOKIO_MUTEX: lockorder::tokio::Mutex<u8> = lockorder::tokio::Mutex::with_class(&CLASS, 4);
static TOKIO_RWLOCK: lockorder::tokio::RwLock<u8> = lockorder::tokio::RwLock::with_class(&CLASS, 5);
static ONCE: lockorder::sync::Once = lockorder::sync::Once::with_class(&CLASS);
static ONCE_LOCK: lockorder::sync::OnceLock<u8> = lockorder::sync::OnceLock::with_class(&CLASS);
static LAZY_LOCK: lockorder::sync::LazyLock<u8> = lockorder::sync::LazyLock::with_class(&CLASS, || 6);
static PL_ONCE: lockorder::parking_lot::Once = lockorder::parking_lot::Once::with_class(&CLASS);

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(future)
}

#[test]
fn with_class_builds_a_static_of_every_lock_type() {
    assert_eq!(*PL_MUTEX.lock(), 1);
    assert_eq!(*PL_RWLOCK.read(), 2);
    assert_eq!(*PL_REENTRANT.lock(), 3);
    assert_eq!(*TOKIO_MUTEX.blocking_lock(), 4);
    assert_eq!(*TOKIO_RWLOCK.blocking_read(), 5);
    ONCE.call_once(|| ());
    assert!(ONCE.is_completed());
    assert_eq!(*ONCE_LOCK.get_or_init(|| 7), 7);
    assert_eq!(*LAZY_LOCK, 6);
    PL_ONCE.call_once(|| ());
    assert!(PL_ONCE.state().done());
    let infos = [
        PL_MUTEX.lock_info(),
        PL_RWLOCK.lock_info(),
        PL_REENTRANT.lock_info(),
        TOKIO_MUTEX.lock_info(),
        TOKIO_RWLOCK.lock_info(),
    ];
    for info in infos {
        // Classes are kept only when tracking is compiled in.
        assert_eq!(info.class(), if lockorder::enabled() { Some(&CLASS) } else { None }, "{info}");
    }
}

#[test]
fn nested_acquisitions_give_guards_like_the_plain_ones() {
    use lockorder::parking_lot::{Mutex, ReentrantMutex, RwLock};
    let mutexes: Vec<Mutex<i64>> = (0..2).map(|_| Mutex::new(100)).collect();
    {
        let (mut from, mut to) = (mutexes[0].lock(), mutexes[1].lock_nested(1));
        *from -= 10;
        *to += 10;
    }
    assert_eq!(*mutexes[0].lock(), 90);
    assert_eq!(*mutexes[1].lock(), 110);

    let rwlocks: Vec<RwLock<i64>> = (0..2).map(|_| RwLock::new(1)).collect();
    assert_eq!(*rwlocks[0].read() + *rwlocks[1].read_nested(1), 2);
    {
        let (outer, mut inner) = (rwlocks[0].write(), rwlocks[1].write_nested(1));
        *inner += *outer;
    }
    assert_eq!(*rwlocks[1].read(), 2);

    let reentrant: Vec<ReentrantMutex<i64>> = (0..2).map(|_| ReentrantMutex::new(3)).collect();
    assert_eq!(*reentrant[0].lock() + *reentrant[1].lock_nested(1), 6);

    block_on(async {
        let mutexes: Vec<lockorder::tokio::Mutex<i64>> = (0..2).map(|_| lockorder::tokio::Mutex::new(100)).collect();
        {
            let mut from = mutexes[0].lock().await;
            let mut to = mutexes[1].lock_nested(1).await;
            *from -= 10;
            *to += 10;
        }
        assert_eq!(*mutexes[0].lock().await, 90);
        assert_eq!(*mutexes[1].lock().await, 110);

        let rwlocks: Vec<lockorder::tokio::RwLock<i64>> = (0..2).map(|_| lockorder::tokio::RwLock::new(1)).collect();
        {
            let outer = rwlocks[0].read().await;
            let inner = rwlocks[1].read_nested(1).await;
            assert_eq!(*outer + *inner, 2);
        }
        {
            let outer = rwlocks[0].write().await;
            let mut inner = rwlocks[1].write_nested(1).await;
            *inner += *outer;
        }
        assert_eq!(*rwlocks[1].read().await, 2);
    });
}
