//! Without debug assertions (and without the `force` feature) tracking is
//! compiled out: every type and guard has the size of its std counterpart,
//! and nothing is reported. Run with `cargo test --release --test release`.
#![cfg(not(debug_assertions))]

mod common;

#[test]
fn tracking_is_compiled_in_only_with_the_force_feature() {
    assert_eq!(lockorder::enabled(), cfg!(feature = "force"));
}

/// Tracking compiled out (with `force` it stays on, and the tests of the
/// other files apply).
#[cfg(not(feature = "force"))]
mod compiled_out {
    use std::mem::size_of;

    use crate::common::{expect_no_violation, nest, Lock, KINDS};
    use lockorder::sync::{
        Condvar, LazyLock, Mutex, MutexGuard, Once, OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard,
    };

    #[test]
    fn every_type_and_guard_has_the_size_of_its_std_counterpart() {
        assert!(!lockorder::enabled());
        assert_eq!(size_of::<Mutex<u64>>(), size_of::<std::sync::Mutex<u64>>());
        assert_eq!(size_of::<MutexGuard<'_, u64>>(), size_of::<std::sync::MutexGuard<'_, u64>>());
        assert_eq!(size_of::<RwLock<u64>>(), size_of::<std::sync::RwLock<u64>>());
        assert_eq!(size_of::<RwLockReadGuard<'_, u64>>(), size_of::<std::sync::RwLockReadGuard<'_, u64>>());
        assert_eq!(size_of::<RwLockWriteGuard<'_, u64>>(), size_of::<std::sync::RwLockWriteGuard<'_, u64>>());
        assert_eq!(size_of::<Condvar>(), size_of::<std::sync::Condvar>());
        assert_eq!(size_of::<Once>(), size_of::<std::sync::Once>());
        assert_eq!(size_of::<OnceLock<u64>>(), size_of::<std::sync::OnceLock<u64>>());
        assert_eq!(size_of::<LazyLock<u64>>(), size_of::<std::sync::LazyLock<u64>>());
        // Unsized contents add no tracking either.
        assert_eq!(size_of::<Box<Mutex<[u8]>>>(), size_of::<Box<std::sync::Mutex<[u8]>>>());
    }

    #[test]
    fn an_inversion_raises_nothing_and_the_graph_stays_empty() {
        assert!(!lockorder::enabled());
        for kind in KINDS {
            let a = Lock::new(kind, "a");
            let b = Lock::new(kind, "b");
            nest(&a, &b);
            expect_no_violation(|| nest(&b, &a));
        }
        // Once-cells too: a lock taken in both orders around a cell.
        let m = Mutex::new(());
        let cell: OnceLock<()> = OnceLock::new();
        cell.get_or_init(|| drop(m.lock().unwrap()));
        expect_no_violation(|| {
            let _m = m.lock().unwrap();
            cell.get_or_init(|| unreachable!("initialized"));
        });
        assert_eq!(lockorder::stats(), lockorder::Stats::default());
    }
}
