use std::mem::size_of;
fn main() {
    println!("enabled {}", lockorder::enabled());
    println!("sync MutexGuard {} vs {}", size_of::<lockorder::sync::MutexGuard<u64>>(), size_of::<std::sync::MutexGuard<u64>>());
    println!("sync RwLockReadGuard {} vs {}", size_of::<lockorder::sync::RwLockReadGuard<u64>>(), size_of::<std::sync::RwLockReadGuard<u64>>());
    println!("pl MutexGuard {} vs {}", size_of::<lockorder::parking_lot::MutexGuard<u64>>(), size_of::<parking_lot::MutexGuard<u64>>());
    println!("pl RwLockReadGuard {} vs {}", size_of::<lockorder::parking_lot::RwLockReadGuard<u64>>(), size_of::<parking_lot::RwLockReadGuard<u64>>());
    println!("pl RwLockUpgradableReadGuard {} vs {}", size_of::<lockorder::parking_lot::RwLockUpgradableReadGuard<u64>>(), size_of::<parking_lot::RwLockUpgradableReadGuard<u64>>());
    println!("pl ReentrantMutexGuard {} vs {}", size_of::<lockorder::parking_lot::ReentrantMutexGuard<u64>>(), size_of::<parking_lot::ReentrantMutexGuard<u64>>());
    println!("pl MappedMutexGuard {} vs {}", size_of::<lockorder::parking_lot::MappedMutexGuard<u64>>(), size_of::<parking_lot::MappedMutexGuard<u64>>());
    println!("tokio MutexGuard {} vs {}", size_of::<lockorder::tokio::MutexGuard<u64>>(), size_of::<tokio::sync::MutexGuard<u64>>());
    println!("tokio RwLockReadGuard {} vs {}", size_of::<lockorder::tokio::RwLockReadGuard<u64>>(), size_of::<tokio::sync::RwLockReadGuard<u64>>());
    println!("tokio RwLockWriteGuard {} vs {}", size_of::<lockorder::tokio::RwLockWriteGuard<u64>>(), size_of::<tokio::sync::RwLockWriteGuard<u64>>());
    println!("tokio OwnedMutexGuard {} vs {}", size_of::<lockorder::tokio::OwnedMutexGuard<u64>>(), size_of::<tokio::sync::OwnedMutexGuard<u64>>());
    println!("tokio MappedMutexGuard {} vs {}", size_of::<lockorder::tokio::MappedMutexGuard<u64>>(), size_of::<tokio::sync::MappedMutexGuard<u64>>());
}
