//! With tracking compiled out (release builds without the `force` feature)
//! every lock has the size of the lock it wraps.

use std::mem::size_of;

macro_rules! same_size {
    ($($ours:ty => $theirs:ty),* $(,)?) => {$(
        assert_eq!(size_of::<$ours>(), size_of::<$theirs>(), "{}", stringify!($ours));
    )*};
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
