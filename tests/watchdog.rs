//! The watchdog: hangs that happen anyway end in a report and an exit
//! status, not a CI timeout. Each case runs in a child process (this test
//! binary, re-run with `LOCKORDER_WATCHDOG` set), since the watchdog ends
//! it.
#![cfg(debug_assertions)]

mod common;

use std::sync::{Arc, Barrier};
use std::thread;

use common::{is_child, run_child};
use lockorder::sync::Mutex;

/// An ABBA between two threads that `LOCKORDER=ignore` lets through: both
/// block for good, and the watchdog reports the actual deadlock, with both
/// waits and both holders, and ends the process with its status.
#[test]
fn an_abba_let_through_ends_in_the_watchdogs_report_and_exit_status() {
    if is_child() {
        let a = Arc::new(Mutex::new_named("watched-a", 0));
        let b = Arc::new(Mutex::new_named("watched-b", 0));
        // Both hold their first lock before either asks for its second.
        let both_hold = Arc::new(Barrier::new(2));
        let threads: Vec<_> = [(a.clone(), b.clone(), "ab"), (b, a, "ba")]
            .into_iter()
            .map(|(first, second, name)| {
                let both_hold = both_hold.clone();
                thread::Builder::new()
                    .name(format!("watched-{name}"))
                    .spawn(move || {
                        let _first = first.lock().unwrap();
                        both_hold.wait();
                        let _second = second.lock().unwrap();
                    })
                    .unwrap()
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        unreachable!("the two threads deadlock");
    }
    let run = run_child(
        "an_abba_let_through_ends_in_the_watchdogs_report_and_exit_status",
        &[("LOCKORDER", "ignore"), ("LOCKORDER_WATCHDOG", "0.3")],
    );
    assert_eq!(run.status.code(), Some(lockorder::watchdog::EXIT_STATUS), "{run:?}");
    let report = &run.stderr;
    assert!(report.contains("*** DEADLOCK: "), "{report}");
    for expected in [
        "thread `watched-ab` has waited",
        "to lock watched-b",
        "thread `watched-ba` has waited",
        "to lock watched-a",
        "watched-a is held by thread `watched-ab`",
        "watched-b is held by thread `watched-ba`",
        "backtrace (of the first wait at this site on this thread):",
        "backtrace (of the first wait at that site on this thread):",
        "an_abba_let_through_ends_in_the_watchdogs_report_and_exit_status",
        &format!("exiting with status {}", lockorder::watchdog::EXIT_STATUS),
    ] {
        assert!(report.contains(expected), "missing {expected:?} in:\n{report}");
    }
}

/// A lock held while joining the thread that waits for it (rustdesk#622's
/// hang), let through: the watchdog follows the join to the thread's wait
/// and back, and reports the actual deadlock.
#[test]
fn a_join_under_a_lock_its_thread_needs_ends_in_the_watchdogs_report() {
    if is_child() {
        let config = Arc::new(Mutex::new_named("watched-config", 0));
        let guard = config.lock().unwrap();
        let worker = lockorder::thread::Builder::new()
            .name("watched-worker".into())
            .spawn({
                let config = Arc::clone(&config);
                move || *config.lock().unwrap() += 1
            })
            .unwrap();
        worker.join().unwrap();
        drop(guard);
        unreachable!("the join and the worker deadlock");
    }
    let run = run_child(
        "a_join_under_a_lock_its_thread_needs_ends_in_the_watchdogs_report",
        &[("LOCKORDER", "ignore"), ("LOCKORDER_WATCHDOG", "0.3")],
    );
    assert_eq!(run.status.code(), Some(lockorder::watchdog::EXIT_STATUS), "{run:?}");
    let report = &run.stderr;
    for expected in [
        "*** DEADLOCK: ",
        "has waited",
        "for the end of the thread spawned at",
        "thread `watched-worker` has waited",
        "to lock watched-config",
        "watched-config is held by thread `a_join_under_a_lock_its_thread_needs_ends_in_the_watchdogs_report`",
        "is held by thread `watched-worker`",
    ] {
        assert!(report.contains(expected), "missing {expected:?} in:\n{report}");
    }
}

/// A tokio task that waits for a tokio mutex it holds itself: the graph
/// does not judge it (another future of the task might hold the lock), the
/// watchdog sees the wait last and that its waiter holds the lock.
#[cfg(feature = "tokio")]
#[test]
fn a_task_waiting_for_a_tokio_lock_it_holds_ends_in_the_watchdogs_report() {
    if is_child() {
        let rt = ::tokio::runtime::Builder::new_current_thread().build().unwrap();
        let m = Arc::new(lockorder::tokio::Mutex::new_named("watched-self", 0));
        rt.block_on(async move {
            ::tokio::spawn(async move {
                let _first = m.lock().await;
                let _second = m.lock().await;
            })
            .await
            .unwrap();
        });
        unreachable!("the task waits for good");
    }
    let run = run_child(
        "a_task_waiting_for_a_tokio_lock_it_holds_ends_in_the_watchdogs_report",
        &[("LOCKORDER_WATCHDOG", "0.3")],
    );
    assert_eq!(run.status.code(), Some(lockorder::watchdog::EXIT_STATUS), "{run:?}");
    let report = &run.stderr;
    assert!(report.contains("to async lock watched-self"), "{report}");
    assert!(report.contains("holding watched-self"), "{report}");
    assert!(report.contains("*** DEADLOCK: task "), "{report}");
}

/// The classic once-cell bug, in async code: an initializer that asks for
/// its own cell. The graph does not judge it (as for a tokio lock, another
/// future of the task might be the initializer); the watchdog sees the
/// wait for the cell last, and that its task runs the cell's initializer.
#[cfg(feature = "tokio")]
#[test]
fn an_initializer_asking_for_its_own_tokio_cell_ends_in_the_watchdogs_report() {
    if is_child() {
        static CELL: lockorder::tokio::OnceCell<u32> = lockorder::tokio::OnceCell::const_new_named("watched-cell");
        let rt = ::tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            ::tokio::spawn(async { CELL.get_or_init(|| async { *CELL.get_or_init(|| async { 1 }).await + 1 }).await })
                .await
                .unwrap();
        });
        unreachable!("the task waits for good");
    }
    let run = run_child(
        "an_initializer_asking_for_its_own_tokio_cell_ends_in_the_watchdogs_report",
        &[("LOCKORDER_WATCHDOG", "0.3")],
    );
    assert_eq!(run.status.code(), Some(lockorder::watchdog::EXIT_STATUS), "{run:?}");
    let report = &run.stderr;
    assert!(report.contains("to async init watched-cell"), "{report}");
    assert!(report.contains("holding watched-cell"), "{report}");
    assert!(report.contains("*** DEADLOCK: task "), "{report}");
}

/// A multi-thread runtime's root (a `#[tokio::main]` body) holds a std
/// guard while it awaits a task that wants the lock: the task blocks its
/// worker for good and the root never wakes. The graph does not see it (the
/// root waits for a task, not for a lock); the watchdog reports the task's
/// wait, where and for which lock, and ends the process.
#[cfg(feature = "tokio")]
#[test]
#[expect(clippy::await_holding_invalid_type, reason = "the bug under test")]
fn a_root_awaiting_a_task_that_wants_its_std_lock_ends_in_the_watchdogs_report() {
    if is_child() {
        let rt = ::tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
        rt.block_on(async {
            let m = Arc::new(Mutex::new_named("watched-root", 0));
            let _guard = m.lock().unwrap();
            let wanted = m.clone();
            ::tokio::spawn(async move { *wanted.lock().unwrap() += 1 }).await.unwrap();
        });
        unreachable!("the root and its task wait for each other");
    }
    let run = run_child(
        "a_root_awaiting_a_task_that_wants_its_std_lock_ends_in_the_watchdogs_report",
        &[("LOCKORDER_WATCHDOG", "0.3")],
    );
    assert_eq!(run.status.code(), Some(lockorder::watchdog::EXIT_STATUS), "{run:?}");
    let report = &run.stderr;
    assert!(report.contains("task ") && report.contains("has waited"), "{report}");
    assert!(report.contains("to lock watched-root"), "{report}");
    assert!(report.contains("watched-root is held by a thread or task that is not waiting"), "{report}");
}

/// Armed with a timeout no short wait reaches, contended and nested locks
/// (four threads, two locks in one order) run to the end without a word.
#[test]
fn contended_locks_under_an_armed_watchdog_raise_nothing() {
    if is_child() {
        let outer = Arc::new(Mutex::new_named("contended-outer", 0u64));
        let inner = Arc::new(Mutex::new_named("contended-inner", 0u64));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (outer, inner) = (outer.clone(), inner.clone());
                thread::spawn(move || {
                    for _ in 0..2_000 {
                        let mut outer = outer.lock().unwrap();
                        *outer += 1;
                        *inner.lock().unwrap() += 1;
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(*outer.lock().unwrap(), 8_000);
        // Armed from the environment: the API arms nothing more.
        assert!(!lockorder::watchdog::start(std::time::Duration::from_secs(1)));
        return;
    }
    let test = "contended_locks_under_an_armed_watchdog_raise_nothing";
    let run = run_child(test, &[("LOCKORDER_WATCHDOG", "120")]);
    run.assert_passed(test);
    assert!(!run.stderr.contains("watchdog"), "{}", run.stderr);
}

/// Armed, every kind of wait leaves the table when it ends: joins, the end
/// of a scope waiting for several threads at once, channel and condvar
/// waits, locks.
#[test]
fn every_wait_leaves_the_watchdogs_table() {
    if is_child() {
        let shared = Mutex::new(0);
        lockorder::thread::scope(|s| {
            for _ in 0..3 {
                s.spawn(|| *shared.lock().unwrap() += 1);
            }
        });
        lockorder::thread::spawn(|| ()).join().unwrap();
        let (tx, rx) = lockorder::sync::mpsc::sync_channel(0);
        let sender = lockorder::thread::spawn(move || tx.send(1).unwrap());
        assert_eq!(rx.recv(), Ok(1));
        sender.join().unwrap();
        let pair = Arc::new((Mutex::new(false), lockorder::sync::Condvar::new()));
        let notifier = {
            let pair = Arc::clone(&pair);
            lockorder::thread::spawn(move || {
                *pair.0.lock().unwrap() = true;
                pair.1.notify_all();
            })
        };
        drop(pair.1.wait_while(pair.0.lock().unwrap(), |ready| !*ready).unwrap());
        notifier.join().unwrap();
        assert_eq!(*shared.lock().unwrap(), 3);
        assert_eq!(lockorder::__watched_waits(), 0);
        return;
    }
    let test = "every_wait_leaves_the_watchdogs_table";
    let run = run_child(test, &[("LOCKORDER_WATCHDOG", "120")]);
    run.assert_passed(test);
}

/// A value that is not a number of seconds arms nothing, and says so once.
#[test]
fn a_malformed_watchdog_setting_is_reported_and_ignored() {
    if is_child() {
        let m = Mutex::new(0);
        *m.lock().unwrap() += 1;
        assert!(lockorder::watchdog::start_reporting(std::time::Duration::from_secs(60)));
        return;
    }
    let test = "a_malformed_watchdog_setting_is_reported_and_ignored";
    let run = run_child(test, &[("LOCKORDER_WATCHDOG", "soon")]);
    run.assert_passed(test);
    assert_eq!(run.stderr.matches("LOCKORDER_WATCHDOG=\"soon\" is not a number of seconds").count(), 1, "{run:?}");
}
