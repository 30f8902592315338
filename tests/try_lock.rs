//! `try_lock`, `try_read` and `try_write`: a successful one makes the lock
//! held (a source of later orders) but records no order into it and raises
//! nothing; a failed one records nothing.
#![cfg(debug_assertions)]

mod common;

use common::{assert_cycle, expect_no_violation, expect_violation, nest, Lock, KINDS};

#[test]
fn a_successful_try_makes_the_lock_held() {
    for kind in KINDS {
        let a = Lock::new(kind, "a");
        let b = Lock::new(kind, "b");
        {
            let _a = a.try_acquire().expect("a is free");
            let _b = b.acquire(); // records a -> b
        }
        let report = expect_violation(|| nest(&b, &a));
        assert_cycle(&report, &["a", "b"]);
    }
}

#[test]
fn a_try_of_a_held_lock_is_not_a_reacquisition() {
    for kind in KINDS {
        let a = Lock::new(kind, "a");
        let _a = a.acquire();
        // std: a mutex or a write lock would block; a second read succeeds.
        let again = expect_no_violation(|| a.try_acquire());
        assert_eq!(again.is_some(), kind == common::Kind::Read, "{kind:?}");
    }
}

#[test]
fn a_successful_try_adds_no_order_into_the_lock() {
    for kind in KINDS {
        let a = Lock::new(kind, "a");
        let b = Lock::new(kind, "b");
        {
            let _a = a.acquire();
            let _b = b.try_acquire().expect("b is free"); // no a -> b
        }
        expect_no_violation(|| nest(&b, &a));
        // b -> a is now the recorded order: the other one is reported.
        let report = expect_violation(|| nest(&a, &b));
        assert_cycle(&report, &["b", "a"]);
    }
}

#[test]
fn a_try_against_the_recorded_order_raises_nothing() {
    for kind in KINDS {
        let a = Lock::new(kind, "a");
        let b = Lock::new(kind, "b");
        nest(&a, &b);
        expect_no_violation(|| {
            let _b = b.acquire();
            let _a = a.try_acquire().expect("a is free");
        });
        // That try recorded nothing: the recorded order is still only a -> b.
        expect_no_violation(|| nest(&a, &b));
    }
}

/// Which consequence of a failed try a round checks (each on fresh locks,
/// as the checks would combine into cycles of their own).
#[derive(Clone, Copy, Debug)]
enum Check {
    /// No `a -> b` (the failed try was not an acquisition under `a`).
    NoOrderIntoIt,
    /// No `b -> c` (the failed try left nothing in the held set), while
    /// `a -> c` was recorded.
    NotHeldAfterwards,
}

#[test]
fn a_failed_try_records_nothing() {
    for kind in KINDS {
        for check in [Check::NoOrderIntoIt, Check::NotHeldAfterwards] {
            let a = Lock::new(kind, "a");
            let b = Lock::new(kind, "b");
            let c = Lock::new(kind, "c");
            // This thread holds b exclusively, so every try of b fails.
            let blocker = match &b {
                Lock::Mutex(m) => Blocker::Mutex(m.lock().unwrap()),
                Lock::Read(l) | Lock::Write(l) => Blocker::RwLock(l.write().unwrap()),
                #[allow(unreachable_patterns)] // Without the other backends' features.
                other => unreachable!("a std kind: {other:?}"),
            };
            let joined = common::on_thread("failed-try", || {
                let _a = a.acquire();
                assert!(b.try_acquire().is_none(), "{kind:?}: b is held by the other thread");
                // Were b wrongly left in the held set, this would record b -> c.
                let _c = c.acquire();
            });
            assert!(joined.is_ok(), "{kind:?}: the failed try raised something");
            drop(blocker);
            match check {
                Check::NoOrderIntoIt => expect_no_violation(|| nest(&b, &a)),
                Check::NotHeldAfterwards => {
                    expect_no_violation(|| nest(&c, &b));
                    let report = expect_violation(|| nest(&c, &a));
                    assert_cycle(&report, &["a", "c"]);
                }
            }
        }
    }
}

/// Holds a lock exclusively from the test thread.
enum Blocker<'a> {
    Mutex(#[allow(dead_code)] lockorder::sync::MutexGuard<'a, ()>),
    RwLock(#[allow(dead_code)] lockorder::sync::RwLockWriteGuard<'a, ()>),
}

#[test]
fn a_failed_try_on_this_thread_records_nothing() {
    // A mutex this thread holds: try_lock fails (std does not detect the
    // owner), is not a re-acquisition, and leaves the held set as it was.
    let a = lockorder::sync::Mutex::new_named("a", ());
    let b = lockorder::sync::Mutex::new_named("b", ());
    let guard = a.lock().unwrap();
    assert!(matches!(a.try_lock(), Err(std::sync::TryLockError::WouldBlock)));
    drop(guard);
    // a is no longer held: taking b records nothing from a.
    drop(b.lock().unwrap());
    let _b = b.lock().unwrap();
    let _a = a.lock().unwrap();
}

#[test]
fn try_read_and_try_write_of_one_rwlock() {
    let a = lockorder::sync::RwLock::new_named("a", 0);
    let b = lockorder::sync::Mutex::new_named("b", 0);
    {
        let _r = a.try_read().unwrap();
        assert!(a.try_write().is_err());
        let _b = b.lock().unwrap(); // a -> b
    }
    {
        let _w = a.try_write().unwrap();
        assert!(a.try_read().is_err());
        let _b = b.lock().unwrap(); // a -> b again
    }
    let report = expect_violation(|| {
        let _b = b.lock().unwrap();
        let _a = a.read().unwrap();
    });
    assert_cycle(&report, &["a", "b"]);
}
