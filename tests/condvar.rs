//! `Condvar`: every wait works with a real notification, the mutex's place
//! in the held set is right after a wait, and a wait whose re-acquisition of
//! the mutex closes a cycle is reported.
#![cfg(debug_assertions)]

mod common;

use common::{assert_cycle, expect_no_violation, expect_violation, is_inversion};
use lockorder::sync::{Condvar, Mutex};
use std::time::Duration;

/// Which `wait*` a test uses.
#[derive(Clone, Copy, Debug)]
enum Method {
    Wait,
    WaitWhile,
    WaitTimeout,
    WaitTimeoutWhile,
}

const WAITS: [Method; 4] = [Method::Wait, Method::WaitWhile, Method::WaitTimeout, Method::WaitTimeoutWhile];

/// Long enough never to matter; the loops below do not depend on it.
const PATIENCE: Duration = Duration::from_secs(3600);

/// Waits on `cv` until `*guard` is true, with the given form of wait.
fn wait_until_set<'a>(
    wait: Method,
    cv: &Condvar,
    mut guard: lockorder::sync::MutexGuard<'a, bool>,
) -> lockorder::sync::MutexGuard<'a, bool> {
    match wait {
        Method::Wait => {
            while !*guard {
                guard = cv.wait(guard).unwrap();
            }
        }
        Method::WaitWhile => guard = cv.wait_while(guard, |set| !*set).unwrap(),
        Method::WaitTimeout => {
            while !*guard {
                guard = cv.wait_timeout(guard, PATIENCE).unwrap().0;
            }
        }
        Method::WaitTimeoutWhile => {
            while !*guard {
                guard = cv.wait_timeout_while(guard, PATIENCE, |set| !*set).unwrap().0;
            }
        }
    }
    guard
}

#[test]
fn every_wait_wakes_on_a_notification_from_another_thread() {
    for wait in WAITS {
        for notify_all in [false, true] {
            let flag = Mutex::new_named("flag", false);
            let cv = Condvar::new();
            let other = Mutex::new_named("other", 0);
            std::thread::scope(|s| {
                let waiter = s.spawn(|| {
                    let guard = wait_until_set(wait, &cv, flag.lock().unwrap());
                    assert!(*guard);
                });
                s.spawn(|| {
                    // The notifier orders `other -> flag`; the waiter holds
                    // nothing else, so nothing is reported on either side.
                    let _other = other.lock().unwrap();
                    *flag.lock().unwrap() = true;
                    if notify_all {
                        cv.notify_all();
                    } else {
                        cv.notify_one();
                    }
                });
                assert!(waiter.join().is_ok(), "{wait:?}: the waiter failed");
            });
        }
    }
}

/// After a wait the mutex is held exactly once: dropping the guard leaves
/// nothing held, and the mutex can be taken again after another lock.
#[test]
fn the_mutex_is_held_once_after_a_wait() {
    for wait in WAITS {
        let flag = Mutex::new_named("flag", false);
        let cv = Condvar::new();
        let later = Mutex::new_named("later", ());
        std::thread::scope(|s| {
            s.spawn(|| {
                *flag.lock().unwrap() = true;
                cv.notify_one();
            });
            let guard = wait_until_set(wait, &cv, flag.lock().unwrap());
            // Still held after the wait: an order from it is recorded.
            let _later = later.lock().unwrap();
            drop(guard);
        });
        // Not held any more: no re-acquisition, and flag can be re-taken.
        expect_no_violation(|| drop(flag.lock().unwrap()));
        // flag -> later was recorded while the guard came back from the wait.
        let report = expect_violation(|| {
            let _later = later.lock().unwrap();
            let _flag = flag.lock().unwrap();
        });
        assert_cycle(&report, &["flag", "later"]);
    }
}

/// Holding `b`, taken after `m`, across a wait on `m`: the wait gives `m`
/// back while `b` is held, which is `b -> m` against the recorded `m -> b`.
#[test]
fn reacquiring_the_mutex_under_a_later_lock_is_reported() {
    for wait in [Method::WaitTimeout, Method::WaitTimeoutWhile] {
        let m = Mutex::new_named("m", 0);
        let b = Mutex::new_named("b", ());
        let cv = Condvar::new();
        let report = expect_violation(|| {
            let guard = m.lock().unwrap();
            let _b = b.lock().unwrap(); // m -> b
                                        // Not synchronization: the wait only has to return, with or without a notification.
            match wait {
                Method::WaitTimeoutWhile => drop(cv.wait_timeout_while(guard, Duration::from_millis(1), |_| true)),
                _ => drop(cv.wait_timeout(guard, Duration::from_millis(1))),
            }
        });
        assert!(is_inversion(&report), "{wait:?}:\n{report}");
        assert_cycle(&report, &["m", "b"]);
        assert!(
            report.contains("is acquiring m at tests/condvar.rs:"),
            "{wait:?}: the site should be the wait:\n{report}"
        );
    }
}

#[test]
fn reacquiring_the_mutex_under_an_earlier_lock_is_not_reported() {
    for wait in WAITS {
        let outer = Mutex::new_named("outer", ());
        let flag = Mutex::new_named("flag", false);
        let cv = Condvar::new();
        std::thread::scope(|s| {
            let waiter = s.spawn(|| {
                let _outer = outer.lock().unwrap(); // outer -> flag, before and after the wait
                let guard = wait_until_set(wait, &cv, flag.lock().unwrap());
                assert!(*guard);
            });
            s.spawn(|| {
                *flag.lock().unwrap() = true;
                cv.notify_all();
            });
            assert!(waiter.join().is_ok(), "{wait:?}: the waiter raised a violation");
        });
    }
}

/// The predicate of `wait_while` runs with the mutex really held: a lock it
/// takes is ordered after the mutex.
#[test]
fn a_lock_taken_in_the_predicate_is_ordered_after_the_mutex() {
    let m = Mutex::new_named("m", 1);
    let inner = Mutex::new_named("inner", ());
    let cv = Condvar::new();
    {
        let guard = m.lock().unwrap();
        let guard = cv
            .wait_while(guard, |n| {
                let _inner = inner.lock().unwrap();
                *n == 0
            })
            .unwrap();
        assert_eq!(*guard, 1);
    }
    let report = expect_violation(|| {
        let _inner = inner.lock().unwrap();
        let _m = m.lock().unwrap();
    });
    assert_cycle(&report, &["m", "inner"]);
}

#[test]
fn a_timed_out_wait_hands_the_guard_back() {
    let m = Mutex::new(5);
    let cv = Condvar::new();
    let (guard, result) = cv.wait_timeout_while(m.lock().unwrap(), Duration::from_millis(1), |_| true).unwrap();
    assert!(result.timed_out());
    assert_eq!(*guard, 5);
    drop(guard);
    expect_no_violation(|| drop(m.lock().unwrap()));
}
