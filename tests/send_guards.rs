//! Guards of a lock_api raw lock whose guards are `Send` (see
//! `common::RawSpin`; parking_lot's with its `send_guard` feature), sent
//! to another thread and dropped there. Each test reserves the global
//! state, as one counts the graph's nodes.
#![cfg(all(feature = "lock_api", any(debug_assertions, feature = "force")))]

mod common;

use std::sync::mpsc;

use common::{assert_cycle, expect_no_violation, expect_violation, global_state, is_inversion, SpinMutex};

/// Sends `guard` to a new thread, which drops it.
fn drop_on_another_thread<G: Send>(guard: G) {
    let (tx, rx) = mpsc::channel();
    tx.send(guard).unwrap();
    std::thread::scope(|s| s.spawn(move || drop(rx.recv().unwrap())).join().unwrap());
}

/// A guard taken on one thread and dropped on another leaves the first
/// thread holding nothing: its later orders are its own.
#[test]
fn a_guard_dropped_on_another_thread_leaves_its_acquirer_holding_nothing() {
    let _global = global_state();
    let x = SpinMutex::new_named("moved-x", 0);
    let y = SpinMutex::new_named("moved-y", 0);
    std::thread::scope(|s| {
        s.spawn(|| {
            drop_on_another_thread(x.lock());
            // This thread holds nothing now: y is not ordered after x.
            drop(y.lock());
        });
    });
    // So y then x is no inversion.
    expect_no_violation(|| {
        let _y = y.lock();
        let _x = x.lock();
    });
}

/// The thread that took the guard may take the lock again once the other
/// thread dropped it: no re-acquisition.
#[test]
fn the_acquirer_takes_the_lock_again_after_another_thread_dropped_its_guard() {
    let _global = global_state();
    let x = SpinMutex::new_named("moved-again", 0);
    for _ in 0..3 {
        drop_on_another_thread(x.lock());
        expect_no_violation(|| *x.lock() += 1);
    }
    assert_eq!(*x.lock(), 3);
}

/// Orders taken after a moved guard are still recorded: a real inversion
/// is reported.
#[test]
fn an_inversion_after_a_moved_guard_is_reported() {
    let _global = global_state();
    let x = SpinMutex::new_named("after-x", 0);
    let y = SpinMutex::new_named("after-y", 0);
    drop_on_another_thread(x.lock());
    {
        let _y = y.lock();
        let _x = x.lock();
    }
    let report = expect_violation(|| {
        let _x = x.lock();
        let _y = y.lock();
    });
    assert!(is_inversion(&report), "{report}");
    assert_cycle(&report, &["after-y", "after-x"]);
}

/// A lock that entered the graph while its guard was held leaves it when
/// dropped, though the guard was released on another thread than the one
/// that took it (and that thread has ended).
#[test]
fn a_lock_whose_guard_moved_leaves_the_graph_when_dropped() {
    let _global = global_state();
    let before = lockorder::stats();
    let x = SpinMutex::new_named("moved-node", 0);
    let y = SpinMutex::new_named("taken-under-it", 0);
    let (tx, rx) = mpsc::channel();
    std::thread::scope(|s| {
        s.spawn(|| {
            let x = x.lock();
            // y is taken under x: x becomes a node of the graph.
            drop(y.lock());
            tx.send(x).unwrap();
        });
    });
    drop(rx.recv().unwrap());
    drop((tx, rx));
    assert!(lockorder::stats().nodes > before.nodes);
    drop((x, y));
    assert_eq!(lockorder::stats(), before);
}

/// A task sends its guard to a plain thread, which drops it, and waits
/// for word of the drop: it holds nothing across that await, so the next
/// task polled on its thread finds nothing held.
#[cfg(feature = "tokio")]
#[test]
fn a_task_whose_guard_was_dropped_on_another_thread_holds_nothing_across_its_await() {
    let _global = global_state();
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    static SPIN: std::sync::LazyLock<SpinMutex<i32>> =
        std::sync::LazyLock::new(|| SpinMutex::new_named("sent-away", 0));
    static OTHER: std::sync::LazyLock<SpinMutex<i32>> =
        std::sync::LazyLock::new(|| SpinMutex::new_named("taken-next", 0));
    let (tx, rx) = mpsc::channel();
    let dropper = std::thread::spawn(move || {
        while let Ok((guard, done)) = rx.recv() {
            drop(guard);
            let _ = tokio::sync::oneshot::Sender::send(done, ());
        }
    });
    rt.block_on(async {
        let (go, ready) = tokio::sync::oneshot::channel();
        let sender = tokio::spawn(async move {
            let (done, dropped) = tokio::sync::oneshot::channel();
            tx.send((SPIN.lock(), done)).unwrap();
            dropped.await.unwrap();
            go.send(()).unwrap();
        });
        let next = tokio::spawn(async {
            ready.await.unwrap();
            *OTHER.lock() += 1;
        });
        sender.await.expect("no report in the sending task");
        next.await.expect("no report in the next task");
    });
    dropper.join().unwrap();
    assert!(!SPIN.is_locked());
    assert_eq!(*OTHER.lock(), 1);
}

/// The `block_on` root takes a guard and puts it away for a task to drop
/// on a plain thread; the root's set is stashed when the task runs, before
/// the drop. When the task then takes the lock, it is free: no report of
/// the root holding it.
#[cfg(feature = "tokio")]
#[test]
fn a_stashed_entry_leaves_when_its_guard_is_dropped_on_another_thread() {
    let _global = global_state();
    static SPIN: std::sync::LazyLock<SpinMutex<i32>> =
        std::sync::LazyLock::new(|| SpinMutex::new_named("stashed-away", 0));
    static OTHER: std::sync::LazyLock<SpinMutex<i32>> =
        std::sync::LazyLock::new(|| SpinMutex::new_named("taken-first", 0));
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let (tx, rx) = mpsc::channel::<(lockorder::lock_api::MutexGuard<'static, common::RawSpin, i32>, _)>();
    let dropper = std::thread::spawn(move || {
        let (guard, done): (_, tokio::sync::oneshot::Sender<()>) = rx.recv().unwrap();
        drop(guard);
        done.send(()).unwrap();
    });
    rt.block_on(async {
        let guard = SPIN.lock();
        let task = tokio::spawn(async move {
            // The root is suspended with its guard: its set is stashed.
            *OTHER.lock() += 1;
            let (done, dropped) = tokio::sync::oneshot::channel();
            tx.send((guard, done)).unwrap();
            dropped.await.unwrap();
            *SPIN.lock() += 1;
        });
        task.await.expect("no report: the lock was free");
    });
    dropper.join().unwrap();
    assert_eq!(*SPIN.lock(), 1);
}
