//! Poisoning: a panic while a guard is held poisons the lock exactly as std
//! does, and the bookkeeping stays right through the unwinding and after
//! the recovery (released guards leave the held set, a recovered guard is
//! the source of new orders like any other). A panicking initializer leaves
//! a `OnceLock` empty and a `Once` poisoned, as std, and both stay tracked.
#![cfg(debug_assertions)]

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::TryLockError;

use common::{
    assert_cycle, expect_no_violation, expect_violation, held_of, is_reacquire, nest, on_thread, panic_message, Kind,
    Lock, KINDS, POISONER_PANIC,
};
use lockorder::sync::{LazyLock, Mutex, Once, OnceLock, RwLock};

/// Runs `f` on a thread named `poisoner`, which must panic with
/// [`POISONER_PANIC`].
fn panics_on_a_thread(f: impl FnOnce() + Send) {
    let payload = on_thread("poisoner", f).expect_err("the thread panics");
    assert_eq!(panic_message(&*payload), Some(POISONER_PANIC));
}

#[test]
fn a_panic_while_holding_a_mutex_poisons_it_as_std_does() {
    let ours = Mutex::new_named("poisoned", vec![1]);
    let std = std::sync::Mutex::new(vec![1]);
    panics_on_a_thread(|| {
        ours.lock().unwrap().push(2);
        std.lock().unwrap().push(2);
        let _ours = ours.lock().unwrap();
        let _std = std.lock().unwrap();
        panic!("{POISONER_PANIC}");
    });
    assert!(ours.is_poisoned());
    assert_eq!(format!("{ours:?}"), format!("{std:?}"));

    // `lock` fails, and the error gives back a working guard.
    let mut guard = ours.lock().expect_err("a poisoned mutex reports it").into_inner();
    assert_eq!(*guard, [1, 2]);
    guard.push(3);
    drop(guard);
    match ours.try_lock() {
        Err(TryLockError::Poisoned(poisoned)) => assert_eq!(*poisoned.into_inner(), [1, 2, 3]),
        Err(TryLockError::WouldBlock) => panic!("the mutex is free, try_lock should not block"),
        Ok(_) => panic!("try_lock of a poisoned mutex should fail"),
    }
    assert!(ours.is_poisoned(), "recovering a guard does not clear the poison");

    ours.clear_poison();
    std.clear_poison();
    assert!(!ours.is_poisoned());
    assert_eq!(format!("{ours:?}"), format!("{std:?}").replace("[1, 2]", "[1, 2, 3]"));
    assert_eq!(*ours.lock().expect("the poison was cleared"), [1, 2, 3]);
    assert_eq!(*ours.try_lock().expect("the poison was cleared"), [1, 2, 3]);
}

#[test]
fn a_poisoned_mutex_reports_it_from_into_inner_and_get_mut() {
    let mut mutex = Mutex::new(5);
    panics_on_a_thread(|| {
        let _guard = mutex.lock().unwrap();
        panic!("{POISONER_PANIC}");
    });
    *mutex.get_mut().expect_err("get_mut of a poisoned mutex reports it").into_inner() += 1;
    assert_eq!(mutex.into_inner().expect_err("into_inner of a poisoned mutex reports it").into_inner(), 6);
}

#[test]
fn a_panic_while_holding_a_write_guard_poisons_the_rwlock_as_std_does() {
    let ours = RwLock::new_named("poisoned", vec![1]);
    let std = std::sync::RwLock::new(vec![1]);
    panics_on_a_thread(|| {
        let mut ours = ours.write().unwrap();
        let mut std = std.write().unwrap();
        ours.push(2);
        std.push(2);
        panic!("{POISONER_PANIC}");
    });
    assert!(ours.is_poisoned());
    assert_eq!(format!("{ours:?}"), format!("{std:?}"));

    // A read after the poisoning write fails too, with a working guard.
    let read = ours.read().expect_err("a read of a poisoned lock reports it").into_inner();
    assert_eq!(*read, [1, 2]);
    drop(read);
    let mut write = ours.write().expect_err("a write of a poisoned lock reports it").into_inner();
    write.push(3);
    drop(write);
    match ours.try_read() {
        Err(TryLockError::Poisoned(poisoned)) => assert_eq!(*poisoned.into_inner(), [1, 2, 3]),
        _ => panic!("try_read of a free poisoned lock should fail with Poisoned"),
    }
    match ours.try_write() {
        Err(TryLockError::Poisoned(poisoned)) => assert_eq!(*poisoned.into_inner(), [1, 2, 3]),
        _ => panic!("try_write of a free poisoned lock should fail with Poisoned"),
    }
    assert!(ours.is_poisoned());

    ours.clear_poison();
    assert!(!ours.is_poisoned());
    assert_eq!(*ours.read().expect("the poison was cleared"), [1, 2, 3]);
    assert_eq!(*ours.write().expect("the poison was cleared"), [1, 2, 3]);
    assert_eq!(*ours.try_read().expect("the poison was cleared"), [1, 2, 3]);
}

#[test]
fn a_poisoned_rwlock_reports_it_from_into_inner_and_get_mut() {
    let mut lock = RwLock::new(5);
    panics_on_a_thread(|| {
        let _guard = lock.write().unwrap();
        panic!("{POISONER_PANIC}");
    });
    *lock.get_mut().expect_err("get_mut of a poisoned lock reports it").into_inner() += 1;
    assert_eq!(lock.into_inner().expect_err("into_inner of a poisoned lock reports it").into_inner(), 6);
}

#[test]
fn a_panic_while_holding_a_read_guard_does_not_poison_as_in_std() {
    let ours = RwLock::new(1);
    let std = std::sync::RwLock::new(1);
    panics_on_a_thread(|| {
        let _ours = ours.read().unwrap();
        let _std = std.read().unwrap();
        panic!("{POISONER_PANIC}");
    });
    assert!(!std.is_poisoned());
    assert!(!ours.is_poisoned());
    assert_eq!(*ours.write().expect("not poisoned"), 1);
}

/// A thread that catches a panic raised while it held locks goes on with
/// an empty held set: the guards left it as they dropped during unwinding.
#[test]
fn guards_dropped_by_unwinding_leave_the_held_set() {
    for kind in KINDS {
        let a = Lock::new(kind, "a");
        let b = Lock::new(kind, "b");
        let caught = catch_unwind(AssertUnwindSafe(|| {
            let _a = a.acquire();
            let _b = b.acquire();
            panic!("{POISONER_PANIC}");
        }));
        assert_eq!(panic_message(&*caught.expect_err("the closure panics")), Some(POISONER_PANIC));
        // As std, readers do not poison.
        let poisons = kind != Kind::Read;
        assert_eq!((a.is_poisoned(), b.is_poisoned()), (poisons, poisons), "{kind:?}");

        // Neither lock is held any more: taking each again is no
        // re-acquisition (a stale entry would be reported here).
        expect_no_violation(|| {
            assert_eq!(a.acquire_checked().is_err(), poisons, "{kind:?}");
            assert_eq!(b.acquire_checked().is_err(), poisons, "{kind:?}");
        });
        // The held set of this thread is empty: a re-acquisition of a fresh
        // lock lists that lock only.
        let probe = Lock::new(kind, "probe");
        let report = expect_violation(|| {
            let _probe = probe.acquire();
            let _again = probe.acquire();
        });
        assert!(is_reacquire(&report), "{kind:?}:\n{report}");
        assert_eq!(held_of(&report), ["probe"], "{kind:?}:\n{report}");

        // Another thread takes them too, and the order a -> b the panicking
        // closure recorded is still the order.
        let joined = on_thread("after-the-panic", || expect_no_violation(|| nest(&a, &b)));
        assert!(joined.is_ok(), "{kind:?}");
        let report = expect_violation(|| nest(&b, &a));
        assert_cycle(&report, &["a", "b"]);
    }
}

/// A guard recovered from a `PoisonError` is held like any other: orders
/// taken under it are recorded, and taking it closes cycles.
#[test]
fn an_inversion_built_with_recovered_guards_is_reported() {
    for kind in KINDS {
        // The recovered guard is the source of the recorded order.
        let a = Lock::new(kind, "a");
        let b = Lock::new(kind, "b");
        a.poison();
        {
            let _a = a.acquire_checked().expect_err("a is poisoned").into_inner();
            let _b = b.acquire_checked().expect("b is not poisoned");
        }
        let report = expect_violation(|| {
            let _b = b.acquire_checked().expect("b is not poisoned");
            let _a = a.acquire_checked();
        });
        assert_cycle(&report, &["a", "b"]);

        // The recovered guard is the source of the closing acquisition.
        let c = Lock::new(kind, "c");
        let d = Lock::new(kind, "d");
        d.poison();
        nest(&c, &d);
        let report = expect_violation(|| {
            let _d = d.acquire_checked().expect_err("d is poisoned").into_inner();
            let _c = c.acquire_checked();
        });
        assert_cycle(&report, &["c", "d"]);

        // The closing acquisition is of a poisoned lock: reported before
        // blocking, like any other.
        let e = Lock::new(kind, "e");
        let f = Lock::new(kind, "f");
        e.poison();
        nest(&e, &f);
        let report = expect_violation(|| {
            let _f = f.acquire_checked().expect("f is not poisoned");
            let _e = e.acquire_checked();
        });
        assert_cycle(&report, &["e", "f"]);
    }
}

#[test]
fn a_consistent_order_after_recovery_raises_nothing() {
    for kind in KINDS {
        let a = Lock::new(kind, "a");
        let b = Lock::new(kind, "b");
        nest(&a, &b);
        a.poison();
        b.poison();
        for thread in ["recovering-1", "recovering-2"] {
            let joined = on_thread(thread, || {
                expect_no_violation(|| {
                    let _a = a.acquire_checked().expect_err("a is poisoned").into_inner();
                    let _b = b.acquire_checked().expect_err("b is poisoned").into_inner();
                })
            });
            assert!(joined.is_ok(), "{kind:?}: {thread}");
        }
        a.clear_poison();
        b.clear_poison();
        expect_no_violation(|| {
            let _a = a.acquire_checked().expect("the poison was cleared");
            let _b = b.acquire_checked().expect("the poison was cleared");
        });
    }
}

#[test]
fn a_once_lock_whose_initializer_panics_stays_empty_and_tracked() {
    let cell: OnceLock<u32> = OnceLock::new();
    let caught = catch_unwind(|| *cell.get_or_init(|| panic!("{POISONER_PANIC}")));
    assert_eq!(panic_message(&*caught.expect_err("the initializer panics")), Some(POISONER_PANIC));
    assert_eq!(cell.get(), None);

    // Still tracked: an initializer that touches its own cell is reported
    // (and the failed access above left nothing held, or this would be
    // reported before the initializer runs).
    let report = expect_violation(|| *cell.get_or_init(|| *cell.get_or_init(|| 1) + 1));
    assert!(is_reacquire(&report), "{report}");
    assert_eq!(held_of(&report).len(), 1, "only the cell itself is held:\n{report}");
    assert_eq!(cell.get(), None);

    assert_eq!(*expect_no_violation(|| cell.get_or_init(|| 7)), 7);
    assert_eq!(cell.get(), Some(&7));
}

#[test]
fn a_once_poisoned_by_a_panicking_call_runs_call_once_force_which_sees_the_poison() {
    let once = Once::new();
    let caught = catch_unwind(|| once.call_once(|| panic!("{POISONER_PANIC}")));
    assert_eq!(panic_message(&*caught.expect_err("the closure panics")), Some(POISONER_PANIC));
    assert!(!once.is_completed());

    // As std: `call_once` on a poisoned `Once` panics (with std's message,
    // not a lockorder report) and does not run its closure.
    let caught = catch_unwind(|| once.call_once(|| unreachable!("a poisoned Once does not run call_once")));
    let payload = caught.expect_err("call_once on a poisoned Once panics");
    let message = panic_message(&*payload).expect("a panic message");
    assert!(message.contains("poisoned") && !message.starts_with("lockorder:"), "{message}");

    // Still tracked: a closure calling its own `Once` is reported.
    let report = expect_violation(|| once.call_once_force(|_| once.call_once_force(|_| ())));
    assert!(is_reacquire(&report), "{report}");
    assert!(!once.is_completed());

    let mut saw_poison = None;
    expect_no_violation(|| once.call_once_force(|state| saw_poison = Some(state.is_poisoned())));
    assert_eq!(saw_poison, Some(true));
    assert!(once.is_completed());
    once.call_once(|| unreachable!("the Once is completed"));
}

#[test]
fn a_lazy_lock_whose_initializer_panicked_panics_on_every_access_as_std() {
    let lazy: LazyLock<u32> = LazyLock::new(|| panic!("{POISONER_PANIC}"));
    let caught = catch_unwind(|| *lazy);
    assert_eq!(panic_message(&*caught.expect_err("the initializer panics")), Some(POISONER_PANIC));
    for _ in 0..2 {
        // std's panic, not a re-acquisition report: the failed access left
        // nothing held.
        let payload = catch_unwind(|| *lazy).expect_err("a poisoned LazyLock panics");
        let message = panic_message(&*payload).expect("a panic message");
        assert!(message.contains("poisoned") && !message.starts_with("lockorder:"), "{message}");
    }
}
