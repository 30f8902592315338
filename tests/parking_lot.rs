//! parking_lot and lock_api: what is an acquisition beyond `lock`, `read`
//! and `write` (recursive reads, re-entrant mutexes, upgradable reads,
//! upgrades and downgrades, timed locks, `unlocked`, `bump`), the `Condvar`
//! and `Once`, and a lock_api mutex over a raw lock of the test's own.
//! The lock-order scenarios themselves run over these locks in
//! `scenarios.rs`.
#![cfg(all(debug_assertions, feature = "parking_lot"))]

mod common;

use std::time::{Duration, Instant};

use common::{assert_cycle, expect_no_violation, expect_violation, is_inversion, is_reacquire, on_thread, SpinMutex};
use lockorder::parking_lot::{
    Condvar, FairMutex, Mutex, MutexGuard, Once, ReentrantMutex, ReentrantMutexGuard, RwLock, RwLockReadGuard,
    RwLockUpgradableReadGuard, RwLockWriteGuard,
};

const SHORT: Duration = Duration::from_millis(1);

#[test]
fn abba_between_two_threads_is_reported() {
    let a = Mutex::new_named("a", 0);
    let b = Mutex::new_named("b", 0);
    on_thread("ab", || {
        let _a = a.lock();
        let _b = b.lock();
    })
    .unwrap();
    let report = common::expect_violation_on_thread("ba", || {
        let _b = b.lock();
        let _a = a.lock();
    });
    assert_cycle(&report, &["a", "b"]);
    assert!(report.contains("thread `ab` held a"), "{report}");
    assert!(report.contains("thread `ba` holds b"), "{report}");
}

#[test]
fn the_report_points_at_the_callers_lock() {
    let a = Mutex::new_named("a", ());
    let _a = a.lock();
    let line = line!() + 1;
    let report = expect_violation(|| a.lock());
    assert!(is_reacquire(&report), "{report}");
    assert!(report.contains(&format!("tests/parking_lot.rs:{line}:")), "{report}");
}

#[test]
fn fair_mutex_inversion_is_reported() {
    let a = FairMutex::new_named("fa", ());
    let b = FairMutex::new_named("fb", ());
    {
        let _a = a.lock();
        let _b = b.lock();
    }
    let report = expect_violation(|| {
        let _b = b.lock();
        let _a = a.lock();
    });
    assert_cycle(&report, &["fa", "fb"]);
}

#[test]
fn read_twice_is_reported_but_read_recursive_is_not() {
    let lock = RwLock::new_named("rw", 0);
    let report = expect_violation(|| {
        let _r = lock.read();
        let _again = lock.read();
    });
    assert!(is_reacquire(&report), "{report}");

    expect_no_violation(|| {
        let _r = lock.read();
        let _again = lock.read_recursive();
        let _third = lock.read_recursive();
        let _try = lock.try_read_recursive().expect("readers only");
    });
    expect_no_violation(|| {
        let _up = lock.upgradable_read();
        let _again = lock.read_recursive();
    });
    // A plain read after a recursive one can still queue behind a writer.
    let report = expect_violation(|| {
        let _r = lock.read_recursive();
        let _again = lock.read();
    });
    assert!(is_reacquire(&report), "{report}");
    // A recursive read does not re-enter a write lock.
    let report = expect_violation(|| {
        let _w = lock.write();
        let _r = lock.read_recursive();
    });
    assert!(is_reacquire(&report), "{report}");
}

#[test]
fn read_recursive_records_orders_from_the_other_held_locks() {
    let a = Mutex::new_named("a", ());
    let rw = RwLock::new_named("rw", ());
    {
        let _r = rw.read();
        let _a = a.lock(); // rw -> a
    }
    let report = expect_violation(|| {
        let _a = a.lock();
        let _r = rw.read_recursive(); // a -> rw
    });
    assert_cycle(&report, &["rw", "a"]);
}

#[test]
fn reentrant_mutex_reentry_is_not_reported_and_releases_cleanly() {
    let m = ReentrantMutex::new_named("re", 0);
    let other = Mutex::new_named("other", ());
    expect_no_violation(|| {
        let g1 = m.lock();
        let g2 = m.lock();
        let g3 = m.try_lock().expect("this thread holds it");
        let _o = other.lock(); // re -> other, once
        drop((g2, g1));
        drop(g3);
    });
    // Nothing stayed held: other -> re is an inversion, not a re-entry.
    let report = expect_violation(|| {
        let _o = other.lock();
        let _m = m.lock();
    });
    assert!(is_inversion(&report), "{report}");
    assert_cycle(&report, &["re", "other"]);
}

#[test]
fn abba_through_a_reentrant_mutex_is_reported() {
    let m = ReentrantMutex::new_named("re", ());
    let other = Mutex::new_named("other", ());
    on_thread("first", || {
        let _outer = m.lock();
        let _inner = m.lock();
        let _o = other.lock();
    })
    .unwrap();
    let report = common::expect_violation_on_thread("second", || {
        let _o = other.lock();
        let _m = m.lock();
    });
    assert_cycle(&report, &["re", "other"]);
}

#[test]
fn reentrant_guard_unlocked_releases_one_level() {
    let m = ReentrantMutex::new_named("re", ());
    let mut g = m.lock();
    expect_no_violation(|| ReentrantMutexGuard::unlocked(&mut g, || drop(m.lock())));
    drop(g);
    assert!(!m.is_locked());
}

#[test]
fn upgradable_read_excludes_itself_and_writers() {
    let lock = RwLock::new_named("up", 0);
    for second in ["upgradable_read", "write", "read"] {
        let report = expect_violation(|| {
            let _up = lock.upgradable_read();
            match second {
                "upgradable_read" => drop(lock.upgradable_read()),
                "write" => drop(lock.write()),
                _ => drop(lock.read()),
            }
        });
        assert!(is_reacquire(&report), "{second}:\n{report}");
    }
    // Other readers are fine.
    expect_no_violation(|| {
        let _up = lock.upgradable_read();
        let r = lock.try_read().expect("upgradable reads admit readers");
        drop(r);
    });
}

#[test]
fn upgrade_is_checked_like_a_write_with_the_locks_held_then() {
    let x = RwLock::new_named("x", 0);
    let y = Mutex::new_named("y", ());
    // x (upgradable) then y: x -> y. Upgrading x while holding y waits for
    // x's readers, one of which may be waiting for y: y -> x.
    let report = expect_violation(|| {
        let up = x.upgradable_read();
        let _y = y.lock();
        let _w = RwLockUpgradableReadGuard::upgrade(up);
    });
    assert_cycle(&report, &["x", "y"]);
    assert!(report.contains("tests/parking_lot.rs"), "{report}");

    // Upgrading while this thread also reads the lock waits for itself.
    let z = RwLock::new_named("z", 0);
    let report = expect_violation(|| {
        let up = z.upgradable_read();
        let _r = z.read_recursive();
        let _w = RwLockUpgradableReadGuard::upgrade(up);
    });
    assert!(is_reacquire(&report), "{report}");
}

#[test]
fn upgrade_and_downgrade_keep_the_lock_held() {
    let x = RwLock::new_named("x", 0);
    let y = Mutex::new_named("y", ());
    expect_no_violation(|| {
        let up = x.upgradable_read();
        let mut w = RwLockUpgradableReadGuard::upgrade(up);
        *w += 1;
        let r = RwLockWriteGuard::downgrade(w);
        // Held as a read now: a recursive read re-enters it.
        let _again = x.read_recursive();
        let _y = y.lock(); // x -> y
        drop(r);
    });
    let report = expect_violation(|| {
        let _y = y.lock();
        let _x = x.read();
    });
    assert_cycle(&report, &["x", "y"]);

    let z = RwLock::new_named("z", 0);
    expect_no_violation(|| {
        let up = RwLockWriteGuard::downgrade_to_upgradable(z.write());
        let w = RwLockUpgradableReadGuard::try_upgrade(up).expect("no readers");
        let up = RwLockWriteGuard::downgrade_to_upgradable(w);
        let r = RwLockUpgradableReadGuard::downgrade(up);
        drop(r);
        let mut up = z.upgradable_read();
        up.with_upgraded(|v| *v += 1);
        assert_eq!(up.try_with_upgraded(|v| *v), Some(1));
        assert_eq!(up.try_with_upgraded_for(SHORT, |v| *v), Some(1));
    });
    // Everything was released: z can be written.
    expect_no_violation(|| drop(z.write()));
}

#[test]
fn a_timed_lock_that_succeeds_counts_as_a_lock() {
    let a = Mutex::new_named("a", ());
    let b = Mutex::new_named("b", ());
    {
        let _a = a.lock();
        let _b = b.try_lock_for(SHORT).expect("b is free"); // a -> b
    }
    let report = expect_violation(|| {
        let _b = b.try_lock_until(Instant::now() + SHORT).expect("b is free");
        let _a = a.lock();
    });
    assert_cycle(&report, &["a", "b"]);

    let lock = RwLock::new_named("rw", ());
    let c = Mutex::new_named("c", ());
    {
        let _c = c.lock();
        let _r = lock.try_read_for(SHORT).expect("free"); // c -> rw
    }
    let report = expect_violation(|| {
        let _w = lock.try_write_for(SHORT).expect("free");
        let _c = c.lock();
    });
    assert_cycle(&report, &["c", "rw"]);
}

#[test]
fn a_timed_lock_that_times_out_records_nothing() {
    let a = Mutex::new_named("a", ());
    let b = Mutex::new_named("b", ());
    let held = b.lock();
    on_thread("timeout", || {
        let _a = a.lock();
        assert!(b.try_lock_for(SHORT).is_none()); // no a -> b
        assert!(b.try_lock_until(Instant::now() + SHORT).is_none());
    })
    .unwrap();
    drop(held);
    expect_no_violation(|| {
        let _b = b.lock();
        let _a = a.lock();
    });
    // A timed re-acquisition of a held lock times out instead of hanging:
    // not reported.
    let rw = RwLock::new_named("rw", ());
    expect_no_violation(|| {
        let _w = rw.write();
        assert!(rw.try_read_for(SHORT).is_none());
        assert!(rw.try_upgradable_read_for(SHORT).is_none());
    });
}

#[test]
fn unlocked_releases_the_lock_for_the_closure_and_checks_the_relock() {
    let m = Mutex::new_named("m", 0);
    let other = Mutex::new_named("other", ());
    let mut guard = m.lock();
    // Inside, m is not held: taking it is no re-acquisition, and taking
    // `other` records no m -> other.
    expect_no_violation(|| {
        MutexGuard::unlocked(&mut guard, || {
            *m.lock() += 1;
            let _o = other.lock();
        })
    });
    drop(guard);
    // So other -> m is not recorded; m -> other is fine.
    expect_no_violation(|| {
        let _m = m.lock();
        let _o = other.lock(); // m -> other
    });
    // Re-locking m at the end of `unlocked` while `other` is held records
    // other -> m, which closes the cycle: checked before the relock blocks.
    let report = expect_violation(|| {
        let mut g = m.lock();
        let o = other.try_lock().expect("free"); // held, no order into it
        MutexGuard::unlocked(&mut g, || ());
        drop(o);
    });
    assert!(is_inversion(&report), "{report}");
    assert_cycle(&report, &["m", "other"]);

    let rw = RwLock::new_named("rw", 0);
    let mut r = rw.read();
    expect_no_violation(|| RwLockReadGuard::unlocked(&mut r, || *rw.write() = 1));
    assert_eq!(*r, 1);
}

#[test]
fn bump_checks_the_relock() {
    let m = Mutex::new_named("m", ());
    let other = Mutex::new_named("other", ());
    {
        let _m = m.lock();
        let _o = other.lock(); // m -> other
    }
    expect_no_violation(|| {
        let mut g = m.lock();
        MutexGuard::bump(&mut g);
    });
    let report = expect_violation(|| {
        let mut g = m.lock();
        let _o = other.try_lock().expect("free");
        MutexGuard::bump(&mut g); // other held while m is taken again
    });
    assert_cycle(&report, &["m", "other"]);
}

#[test]
fn condvar_wait_releases_the_mutex_and_checks_its_relock() {
    let m = Mutex::new_named("m", false);
    let cv = Condvar::new();
    let other = Mutex::new_named("other", ());
    // A real wait and notification: nothing reported.
    std::thread::scope(|s| {
        s.spawn(|| {
            *m.lock() = true;
            cv.notify_all();
        });
        let mut guard = m.lock();
        cv.wait_while(&mut guard, |ready| !*ready);
        assert!(*guard);
    });
    // During a wait the mutex is not held: a notifier that holds `other`
    // and takes m records other -> m only.
    {
        let mut guard = m.lock();
        assert!(cv.wait_for(&mut guard, SHORT).timed_out());
        let _o = other.lock(); // m -> other
    }
    // Waiting while holding `other` (taken after m) re-locks m under
    // `other`: other -> m closes the cycle, reported before waiting.
    let report = expect_violation(|| {
        let mut guard = m.lock();
        let _o = other.try_lock().expect("free");
        cv.wait_until(&mut guard, Instant::now() + Duration::from_secs(3600))
    });
    assert_cycle(&report, &["m", "other"]);
    assert!(m.try_lock().is_some(), "the panic released the mutex");
}

#[test]
fn once_called_from_its_own_closure_is_a_reacquisition() {
    let once = Once::new();
    let report = expect_violation(|| once.call_once(|| once.call_once(|| ())));
    assert!(is_reacquire(&report), "{report}");
    assert!(report.contains("(init, acquired at tests/parking_lot.rs:"), "{report}");
    let mut runs = 0;
    once.call_once_force(|state| {
        assert!(state.poisoned());
        runs += 1;
    });
    once.call_once(|| runs += 1);
    assert_eq!(runs, 1);
}

#[test]
fn once_initializer_taking_a_lock_held_around_it_is_an_inversion() {
    let a = Mutex::new_named("a", ());
    let once = Once::new();
    once.call_once(|| drop(a.lock())); // once -> a
    let report = expect_violation(|| {
        let _a = a.lock();
        once.call_once(|| ()); // a -> once
    });
    assert!(is_inversion(&report), "{report}");
}

#[test]
fn lock_api_mutex_over_a_raw_lock_of_our_own() {
    let a: SpinMutex<u32> = SpinMutex::new_named("spin-a", 0);
    let b: SpinMutex<u32> = SpinMutex::new_named("spin-b", 0);
    {
        let mut a = a.lock();
        *a += 1;
        let _b = b.lock();
    }
    let report = expect_violation(|| {
        let _b = b.lock();
        let _a = a.lock();
    });
    assert_cycle(&report, &["spin-a", "spin-b"]);
    let report = expect_violation(|| {
        let _a = a.lock();
        let _again = a.lock();
    });
    assert!(is_reacquire(&report), "{report}");
    // Its guards are Send: drop one on another thread.
    let guard = b.lock();
    std::thread::scope(|s| {
        s.spawn(move || drop(guard));
    });
    assert!(!b.is_locked());
}

#[test]
fn mapped_and_leaked_guards_keep_the_lock_held() {
    let m = Mutex::new_named("m", (0, 0));
    let report = expect_violation(|| {
        let _part = MutexGuard::map(m.lock(), |p| &mut p.1);
        let _again = m.lock();
    });
    assert!(is_reacquire(&report), "{report}");

    let leaked = Mutex::new_named("leaked", 0);
    on_thread("leaker", || {
        *MutexGuard::leak(leaked.lock()) = 1;
        // Still locked, and still held by this thread: reported.
        let report = expect_violation(|| leaked.lock());
        assert!(is_reacquire(&report), "{report}");
    })
    .unwrap();
}

#[test]
fn parking_lot_debug_output_is_parking_lots() {
    let ours = Mutex::new(3);
    let theirs = parking_lot::Mutex::new(3);
    assert_eq!(format!("{ours:?}"), format!("{theirs:?}"));
    assert_eq!(format!("{:?}", RwLock::new(1)), format!("{:?}", parking_lot::RwLock::new(1)));
    assert_eq!(format!("{:?}", ReentrantMutex::new(1)), format!("{:?}", parking_lot::ReentrantMutex::new(1)));
    assert_eq!(format!("{:?}", Once::new()), format!("{:?}", parking_lot::Once::new()));
    assert_eq!(format!("{:?}", Condvar::new()), format!("{:?}", parking_lot::Condvar::new()));
    let guard = ours.lock();
    assert_eq!(format!("{ours:?}"), "Mutex { data: <locked> }");
    assert_eq!(format!("{guard:?} {guard}"), "3 3");
}

#[test]
fn the_unchecked_methods_take_over_or_release_a_forgotten_guards_entry() {
    let m = Mutex::new_named("m", 0);
    std::mem::forget(m.lock());
    // SAFETY: locked by this thread, with its guard forgotten.
    drop(unsafe { m.make_guard_unchecked() });
    expect_no_violation(|| drop(m.lock()));

    *MutexGuard::leak(m.lock()) = 1;
    // SAFETY: locked by this thread, with its guard leaked.
    unsafe { m.force_unlock() };
    expect_no_violation(|| drop(m.lock()));

    let rw = RwLock::new_named("rw", 0);
    std::mem::forget(rw.write());
    // SAFETY: write-locked by this thread, with its guard forgotten.
    unsafe { rw.force_unlock_write() };
    std::mem::forget(rw.upgradable_read());
    // SAFETY: upgradable-read-locked by this thread, with its guard forgotten.
    let up = unsafe { rw.make_upgradable_guard_unchecked() };
    let w = RwLockUpgradableReadGuard::upgrade(up);
    drop(w);
    expect_no_violation(|| drop(rw.write()));
}

/// A relock whose check panics (here `upgrade` while this thread reads the
/// lock) must not release, while unwinding, an entry that another guard of
/// the same lock still owns.
#[test]
fn a_relock_that_panics_leaves_the_other_guards_entry_held() {
    let x = RwLock::new_named("x", 0);
    let y = Mutex::new_named("y", ());
    let up = x.upgradable_read();
    let r = x.read_recursive();
    let report = expect_violation(move || RwLockUpgradableReadGuard::upgrade(up));
    assert!(is_reacquire(&report), "{report}");
    // `r` still holds x: taking y records x -> y.
    drop(y.lock());
    drop(r);
    let report = expect_violation(|| {
        let _y = y.lock();
        let _x = x.read();
    });
    assert_cycle(&report, &["x", "y"]);
}
