//! With tracking compiled out (release builds without the `force` feature)
//! every lock, and every guard, has the size of the one it wraps.

use std::mem::size_of;

/// Checks every pair, and fails once with all the pairs whose sizes differ.
macro_rules! same_size {
    ($($ours:ty => $theirs:ty),* $(,)?) => {{
        let mut differ = Vec::<String>::new();
        $(
            let (ours, theirs) = (size_of::<$ours>(), size_of::<$theirs>());
            if ours != theirs {
                differ.push(format!("{}: {} bytes, {} wraps {}", stringify!($ours), ours, stringify!($theirs), theirs));
            }
        )*
        assert!(differ.is_empty(), "sizes differ:\n{}", differ.join("\n"));
    }};
}

#[test]
fn wrappers_have_the_size_of_the_wrapped_lock_without_tracking() {
    if lockorder::enabled() {
        return;
    }
    same_size!(
        lockorder::sync::Mutex<u64> => std::sync::Mutex<u64>,
        lockorder::sync::RwLock<String> => std::sync::RwLock<String>,
        lockorder::sync::Once => std::sync::Once,
        lockorder::sync::OnceLock<u8> => std::sync::OnceLock<u8>,
        lockorder::sync::Condvar => std::sync::Condvar,
        lockorder::sync::Barrier => std::sync::Barrier,
        lockorder::sync::mpsc::Sender<u8> => std::sync::mpsc::Sender<u8>,
        lockorder::sync::mpsc::SyncSender<u8> => std::sync::mpsc::SyncSender<u8>,
        lockorder::sync::mpsc::Receiver<u8> => std::sync::mpsc::Receiver<u8>,
        lockorder::thread::JoinHandle<u64> => std::thread::JoinHandle<u64>,
        lockorder::thread::Builder => std::thread::Builder,
        lockorder::thread::Scope<'static, 'static> => std::thread::Scope<'static, 'static>,
        lockorder::thread::ScopedJoinHandle<'static, u64> => std::thread::ScopedJoinHandle<'static, u64>,
    );
    #[cfg(feature = "tokio")]
    same_size!(
        lockorder::tokio::Mutex<u64> => tokio::sync::Mutex<u64>,
        lockorder::tokio::RwLock<String> => tokio::sync::RwLock<String>,
        lockorder::tokio::OnceCell<String> => tokio::sync::OnceCell<String>,
        lockorder::tokio::Scoped<std::future::Ready<[u8; 40]>> => std::future::Ready<[u8; 40]>,
    );
    #[cfg(feature = "parking_lot")]
    same_size!(
        lockorder::parking_lot::Mutex<u64> => parking_lot::Mutex<u64>,
        lockorder::parking_lot::FairMutex<[u8; 3]> => parking_lot::FairMutex<[u8; 3]>,
        lockorder::parking_lot::RwLock<String> => parking_lot::RwLock<String>,
        lockorder::parking_lot::ReentrantMutex<u8> => parking_lot::ReentrantMutex<u8>,
        lockorder::parking_lot::Condvar => parking_lot::Condvar,
        lockorder::parking_lot::Once => parking_lot::Once,
    );
}

#[test]
fn guards_have_the_size_of_the_wrapped_guard_without_tracking() {
    if lockorder::enabled() {
        return;
    }
    same_size!(
        lockorder::sync::MutexGuard<'static, u64> => std::sync::MutexGuard<'static, u64>,
        lockorder::sync::RwLockReadGuard<'static, String> => std::sync::RwLockReadGuard<'static, String>,
        lockorder::sync::RwLockWriteGuard<'static, String> => std::sync::RwLockWriteGuard<'static, String>,
    );
    #[cfg(feature = "parking_lot")]
    same_size!(
        lockorder::parking_lot::MutexGuard<'static, u64> => parking_lot::MutexGuard<'static, u64>,
        lockorder::parking_lot::MutexGuard<'static, [u8]> => parking_lot::MutexGuard<'static, [u8]>,
        lockorder::parking_lot::MappedMutexGuard<'static, u64> => parking_lot::MappedMutexGuard<'static, u64>,
        lockorder::parking_lot::FairMutexGuard<'static, u64> => parking_lot::FairMutexGuard<'static, u64>,
        lockorder::parking_lot::MappedFairMutexGuard<'static, u64> => parking_lot::MappedFairMutexGuard<'static, u64>,
        lockorder::parking_lot::ReentrantMutexGuard<'static, u64> => parking_lot::ReentrantMutexGuard<'static, u64>,
        lockorder::parking_lot::MappedReentrantMutexGuard<'static, u64> => parking_lot::MappedReentrantMutexGuard<'static, u64>,
        lockorder::parking_lot::RwLockReadGuard<'static, u64> => parking_lot::RwLockReadGuard<'static, u64>,
        lockorder::parking_lot::RwLockReadGuard<'static, str> => parking_lot::RwLockReadGuard<'static, str>,
        lockorder::parking_lot::RwLockWriteGuard<'static, u64> => parking_lot::RwLockWriteGuard<'static, u64>,
        lockorder::parking_lot::RwLockUpgradableReadGuard<'static, u64> => parking_lot::RwLockUpgradableReadGuard<'static, u64>,
        lockorder::parking_lot::MappedRwLockReadGuard<'static, u64> => parking_lot::MappedRwLockReadGuard<'static, u64>,
        lockorder::parking_lot::MappedRwLockWriteGuard<'static, u64> => parking_lot::MappedRwLockWriteGuard<'static, u64>,
    );
    // lock_api's generic guards, over raw locks other than the aliases' above.
    #[cfg(feature = "parking_lot")]
    {
        use parking_lot::lock_api;
        use parking_lot::{RawFairMutex, RawRwLock, RawThreadId};
        same_size!(
            lockorder::lock_api::MutexGuard<'static, RawFairMutex, [u8]> => lock_api::MutexGuard<'static, RawFairMutex, [u8]>,
            lockorder::lock_api::MappedMutexGuard<'static, RawFairMutex, [u8]> => lock_api::MappedMutexGuard<'static, RawFairMutex, [u8]>,
            lockorder::lock_api::ReentrantMutexGuard<'static, RawFairMutex, RawThreadId, u64> => lock_api::ReentrantMutexGuard<'static, RawFairMutex, RawThreadId, u64>,
            lockorder::lock_api::MappedReentrantMutexGuard<'static, RawFairMutex, RawThreadId, u64> => lock_api::MappedReentrantMutexGuard<'static, RawFairMutex, RawThreadId, u64>,
            lockorder::lock_api::RwLockReadGuard<'static, RawRwLock, [u64]> => lock_api::RwLockReadGuard<'static, RawRwLock, [u64]>,
            lockorder::lock_api::RwLockWriteGuard<'static, RawRwLock, [u64]> => lock_api::RwLockWriteGuard<'static, RawRwLock, [u64]>,
            lockorder::lock_api::RwLockUpgradableReadGuard<'static, RawRwLock, [u64]> => lock_api::RwLockUpgradableReadGuard<'static, RawRwLock, [u64]>,
            lockorder::lock_api::MappedRwLockReadGuard<'static, RawRwLock, [u64]> => lock_api::MappedRwLockReadGuard<'static, RawRwLock, [u64]>,
            lockorder::lock_api::MappedRwLockWriteGuard<'static, RawRwLock, [u64]> => lock_api::MappedRwLockWriteGuard<'static, RawRwLock, [u64]>,
        );
    }
    // The owned guards are left out: tokio's keep the `Arc` alone, ours keep
    // it beside a borrowed guard of it (a word more).
    #[cfg(feature = "tokio")]
    same_size!(
        lockorder::tokio::MutexGuard<'static, u64> => tokio::sync::MutexGuard<'static, u64>,
        lockorder::tokio::MutexGuard<'static, [u8]> => tokio::sync::MutexGuard<'static, [u8]>,
        lockorder::tokio::MappedMutexGuard<'static, u64> => tokio::sync::MappedMutexGuard<'static, u64>,
        lockorder::tokio::RwLockReadGuard<'static, String> => tokio::sync::RwLockReadGuard<'static, String>,
        lockorder::tokio::RwLockWriteGuard<'static, String> => tokio::sync::RwLockWriteGuard<'static, String>,
        lockorder::tokio::RwLockMappedWriteGuard<'static, String> => tokio::sync::RwLockMappedWriteGuard<'static, String>,
    );
}

/// The guards above keep no reference to their lock without tracking, yet
/// `mutex()`, `remutex()` and `rwlock()` still give it, through every way
/// a guard is made: runs in both builds.
#[test]
fn guards_give_their_lock() {
    #[cfg(feature = "parking_lot")]
    {
        use lockorder::parking_lot::{
            Mutex, MutexGuard, ReentrantMutex, ReentrantMutexGuard, RwLock, RwLockReadGuard, RwLockUpgradableReadGuard,
            RwLockWriteGuard,
        };

        let m = Mutex::new((1u64, 2u8));
        assert!(std::ptr::eq(MutexGuard::mutex(&m.lock()), &m));
        let g = MutexGuard::try_map(m.try_lock().unwrap(), |_| None::<&mut u8>).unwrap_err();
        assert!(std::ptr::eq(MutexGuard::mutex(&g), &m));
        drop(g);
        let bytes: Box<Mutex<[u8]>> = Box::new(Mutex::new([1, 2, 3]));
        assert_eq!(MutexGuard::mutex(&bytes.lock()).data_ptr().len(), 3);
        assert!(std::ptr::eq(MutexGuard::mutex(&bytes.lock()), &*bytes));

        let r = ReentrantMutex::new(5u32);
        let outer = r.lock();
        assert!(std::ptr::eq(ReentrantMutexGuard::remutex(&outer), &r));
        assert!(std::ptr::eq(ReentrantMutexGuard::remutex(&r.lock()), &r));
        drop(outer);

        let l = RwLock::new(7u16);
        assert!(std::ptr::eq(RwLockReadGuard::rwlock(&l.read()), &l));
        let w = l.write();
        assert!(std::ptr::eq(RwLockWriteGuard::rwlock(&w), &l));
        let u = RwLockWriteGuard::downgrade_to_upgradable(w);
        assert!(std::ptr::eq(RwLockUpgradableReadGuard::rwlock(&u), &l));
        let w = RwLockUpgradableReadGuard::upgrade(u);
        assert!(std::ptr::eq(RwLockWriteGuard::rwlock(&w), &l));
        let r = RwLockWriteGuard::downgrade(w);
        assert!(std::ptr::eq(RwLockReadGuard::rwlock(&r), &l));
        drop(r);
        let u = l.upgradable_read();
        let w = RwLockUpgradableReadGuard::try_upgrade(u).unwrap();
        let r = RwLockUpgradableReadGuard::downgrade(RwLockWriteGuard::downgrade_to_upgradable(w));
        assert!(std::ptr::eq(RwLockReadGuard::rwlock(&r), &l));
        drop(r);
        let words: Box<RwLock<[u64]>> = Box::new(RwLock::new([1, 2]));
        assert!(std::ptr::eq(RwLockWriteGuard::rwlock(&words.write()), &*words));
    }
    #[cfg(feature = "tokio")]
    {
        use lockorder::tokio::{Mutex, MutexGuard};

        let m = Mutex::new(3u64);
        assert!(std::ptr::eq(MutexGuard::mutex(&m.try_lock().unwrap()), &m));
        let g = MutexGuard::try_map(m.blocking_lock(), |_| None::<&mut u64>).unwrap_err();
        assert!(std::ptr::eq(MutexGuard::mutex(&g), &m));
        drop(g);
        let text: Box<Mutex<[u16]>> = Box::new(Mutex::new([7; 5]));
        assert!(std::ptr::eq(MutexGuard::mutex(&text.try_lock().unwrap()), &*text));
    }
}
