//! tokio: lock orders between tasks, per-task held sets (tasks that move
//! between worker threads, tasks interleaved on one thread, guards dropped
//! in another task), and blocking locks held across an `.await`, each on
//! the current-thread and on the multi-thread runtime. The lock-order
//! scenarios themselves run over tokio's locks in `scenarios.rs`.
#![cfg(all(debug_assertions, feature = "tokio"))]

mod common;

use std::any::Any;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::thread::{self, ThreadId};
use std::time::Duration;

use ::tokio::runtime::{Builder, Runtime};
use ::tokio::sync::{oneshot, Notify};
use ::tokio::task::{yield_now, LocalSet};
use common::{assert_cycle, is_inversion, is_reacquire, report_of, report_of_task};
use lockorder::tokio::{scope, spawn, spawn_local, Mutex, RwLock};

/// Both runtimes, each made afresh for every use.
const RUNTIMES: [&str; 2] = ["current_thread", "multi_thread"];

fn runtime(flavor: &str) -> Runtime {
    match flavor {
        "current_thread" => Builder::new_current_thread().build().unwrap(),
        _ => Builder::new_multi_thread().worker_threads(2).build().unwrap(),
    }
}

/// Runs `future` in a scope with `block_on`; it must panic with a lockorder
/// report, which is returned.
fn block_on_expecting_report<F: Future>(rt: &Runtime, future: F) -> String {
    match catch_unwind(AssertUnwindSafe(|| rt.block_on(scope(future)))) {
        Ok(_) => panic!("expected a lockorder report, but the future completed"),
        Err(payload) => report_of(payload),
    }
}

#[test]
fn abba_between_two_tasks_is_reported_before_the_task_waits() {
    for flavor in RUNTIMES {
        let rt = runtime(flavor);
        rt.block_on(scope(async {
            let a = Arc::new(Mutex::new_named("a", 0));
            let b = Arc::new(RwLock::new_named("b", 0));
            let (a2, b2) = (a.clone(), b.clone());
            let first_spawn = line!() + 1;
            spawn(async move {
                let _a = a2.lock().await;
                yield_now().await;
                let _b = b2.write().await; // a -> b
            })
            .await
            .unwrap();
            // This task holds `a` while the other asks for it: had the
            // report come after the wait, the other task would hang.
            let _held = a.clone().lock_owned().await;
            let second_spawn = line!() + 1;
            let other = spawn(async move {
                let _b = b.read().await;
                let _a = a.lock().await; // b -> a
            });
            let report = report_of_task(other.await);
            assert!(is_inversion(&report), "{flavor}:\n{report}");
            assert_cycle(&report, &["a", "b"]);
            assert!(report.contains("tests/tokio.rs"), "{flavor}: sites are the lock() calls:\n{report}");
            // Both tasks are named with where they were spawned.
            let first = format!(" (spawned at {}:{first_spawn}:", file!());
            let second = format!(" (spawned at {}:{second_spawn}:", file!());
            assert!(report.contains(&first) && report.contains(&second), "{flavor}:\n{report}");
        }));
    }
}

/// An async re-acquisition by a task of a tokio lock it holds is not
/// judged (another future of the task may hold it: see
/// `tokio_realistic::join_of_two_futures_sharing_a_tokio_mutex`), but on
/// a plain thread, where no other future can let go, `blocking_lock` of a
/// tokio mutex the thread holds is a self-deadlock, reported before it
/// blocks.
#[test]
fn a_thread_blocking_on_a_tokio_lock_it_holds_is_reported() {
    let m = Mutex::new_named("m", ());
    let report = report_of(
        catch_unwind(AssertUnwindSafe(|| {
            let _first = m.blocking_lock();
            let _second = m.blocking_lock();
        }))
        .unwrap_err(),
    );
    assert!(is_reacquire(&report), "{report}");
    assert!(report.contains("m"), "{report}");
    // The panicking thread released the mutex.
    assert!(m.try_lock().is_ok());
}

/// Futures polled side by side by something other than a tokio runtime
/// (`futures::executor`, a hand-made poll, as tokio's own tests do) may
/// share a tokio lock on one thread: one holds it across its suspension,
/// the other waits until it lets go. That is the async lock's everyday
/// use, not a self-deadlock, and it is not reported.
#[test]
fn futures_polled_by_hand_outside_a_runtime_may_share_a_tokio_lock() {
    let mut cx = Context::from_waker(Waker::noop());
    let m = Mutex::new_named("shared-by-futures", 1);
    let (mut first, mut second) = (Box::pin(m.lock()), Box::pin(m.lock()));
    let Poll::Ready(mut guard) = first.as_mut().poll(&mut cx) else { panic!("the mutex is free") };
    assert!(second.as_mut().poll(&mut cx).is_pending());
    *guard += 1;
    drop(guard);
    let Poll::Ready(guard) = second.as_mut().poll(&mut cx) else { panic!("the first future let go") };
    assert_eq!(*guard, 2);
    drop(guard);

    let rw = RwLock::new_named("shared-by-futures-rw", 1);
    let (mut reader, mut writer) = (Box::pin(rw.read()), Box::pin(rw.write()));
    let Poll::Ready(read) = reader.as_mut().poll(&mut cx) else { panic!("the lock is free") };
    assert!(writer.as_mut().poll(&mut cx).is_pending());
    drop(read);
    assert!(writer.as_mut().poll(&mut cx).is_ready());
}

/// What a thread holds through a future's guard, it cannot wait for in a
/// `blocking_*` call: nothing else runs on the thread to let go.
#[test]
fn a_thread_blocking_on_a_tokio_lock_a_future_of_it_holds_is_reported() {
    let mut cx = Context::from_waker(Waker::noop());
    let rw = RwLock::new_named("read-then-blocking-write", ());
    let mut reader = Box::pin(rw.read());
    let Poll::Ready(_read) = reader.as_mut().poll(&mut cx) else { panic!("the lock is free") };
    let report = report_of(catch_unwind(AssertUnwindSafe(|| drop(rw.blocking_write()))).unwrap_err());
    assert!(is_reacquire(&report), "{report}");
    assert!(report.contains("read-then-blocking-write"), "{report}");
}

/// Whether, of two acquisitions of a held `$mutex` that queue for it, one
/// asked when the task's cooperative budget was used up and then one with
/// budget to spend, the first gets the mutex first.
macro_rules! first_out_of_budget_served_first {
    ($mutex:expr) => {{
        let rt = Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let m = $mutex;
            let held = m.lock().await;
            let (mut first, mut second) = (Box::pin(m.lock()), Box::pin(m.lock()));
            let mut asked = false;
            std::future::poll_fn(|cx| {
                if asked {
                    return Poll::Ready(());
                }
                asked = true;
                // Use the budget up.
                #[allow(deprecated)]
                while std::pin::pin!(::tokio::task::consume_budget()).poll(cx).is_ready() {}
                assert!(first.as_mut().poll(cx).is_pending());
                assert!(std::pin::pin!(::tokio::task::unconstrained(second.as_mut())).poll(cx).is_pending());
                // Yield, for a new budget (woken here: a task out of
                // budget is not always woken again by tokio 1.53).
                cx.waker().wake_by_ref();
                Poll::Pending
            })
            .await;
            drop(held);
            let second_waits = std::future::poll_fn(|cx| Poll::Ready(second.as_mut().poll(cx).is_pending())).await;
            drop(first.await);
            if second_waits {
                drop(second.await);
            }
            second_waits
        })
    }};
}

/// An acquisition made when the task's cooperative budget is used up joins
/// the queue of a taken lock as tokio's does: in its turn (tokio 1.54 and
/// later), so the lock goes to it before an acquisition that asked after.
#[test]
fn an_acquisition_out_of_budget_joins_the_queue_as_tokios_does() {
    let tokio_serves_it_first = first_out_of_budget_served_first!(::tokio::sync::Mutex::new(()));
    let served_first = first_out_of_budget_served_first!(Mutex::new_named("queue", ()));
    assert_eq!(served_first, tokio_serves_it_first);
}

/// The owned guards are not `must_use`, as tokio's are not: code that
/// takes one in a statement of its own (to wait until the lock is free)
/// builds under `deny(unused_must_use)` as it does with tokio's.
#[deny(unused_must_use)]
#[test]
fn owned_guards_are_not_must_use_as_tokios_are_not() {
    let rt = Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        let (m, rw) = (Arc::new(Mutex::new(0)), Arc::new(RwLock::new(0)));
        m.clone().lock_owned().await;
        rw.clone().read_owned().await;
        rw.clone().write_owned().await;
        ::lockorder::tokio::OwnedRwLockWriteGuard::map(rw.clone().write_owned().await, |v| v);
        ::lockorder::tokio::RwLockWriteGuard::map(rw.write().await, |v| v);
    });
}

/// A task holds a guard while it moves to another worker thread: its held
/// set moves with it. Its thread is kept busy by a task that blocks it
/// until the move is seen (tokio runs a freshly spawned task next on the
/// spawning worker, and another worker steals the yielding task).
#[test]
fn a_task_moving_between_worker_threads_keeps_its_locks() {
    let rt = runtime("multi_thread");
    rt.block_on(async {
        let a = Arc::new(Mutex::new_named("moving-a", 0));
        let c = Arc::new(RwLock::new_named("moving-c", 0));
        let (a2, c2) = (a.clone(), c.clone());
        let threads = spawn(async move {
            let mut guard = a2.lock().await;
            let first = thread::current().id();
            let mut blockers = Vec::new();
            let mut now = first;
            for _ in 0..1000 {
                let (unblock, blocked) = std::sync::mpsc::channel::<()>();
                blockers.push(unblock);
                spawn(async move {
                    if thread::current().id() == first {
                        // Deliberately blocks this worker until the mover has
                        // moved (the bound only stops a broken test).
                        let _ = blocked.recv_timeout(Duration::from_secs(60));
                    }
                });
                common::yield_to_other_workers().await;
                now = thread::current().id();
                if now != first {
                    break;
                }
            }
            drop(blockers);
            *guard += 1;
            let _c = c2.write().await; // a -> c, on the new thread
            drop(guard);
            (first, now)
        })
        .await
        .unwrap();
        let (first, last): (ThreadId, ThreadId) = threads;
        assert_ne!(first, last, "the task never ran on another worker thread");
        // Nothing was left held on either thread: tasks taking `a`, or `c`
        // then nothing, anywhere, raise nothing.
        for _ in 0..8 {
            let (a, c) = (a.clone(), c.clone());
            spawn(async move {
                let _a = a.lock().await;
                let _c = c.read().await;
            })
            .await
            .unwrap();
        }
        // And the order recorded on the new thread is the task's: c -> a is
        // reported.
        let report = report_of_task(
            spawn(async move {
                let _c = c.read().await;
                let _a = a.lock().await;
            })
            .await,
        );
        assert_cycle(&report, &["moving-a", "moving-c"]);
    });
}

/// Two tasks interleaved on one thread: what one holds while suspended is
/// not held by the other.
#[test]
fn tasks_on_one_thread_do_not_see_each_others_locks() {
    for flavor in RUNTIMES {
        let rt = runtime(flavor);
        rt.block_on(scope(async {
            let a = Arc::new(Mutex::new_named("held-a", ()));
            let c = Arc::new(Mutex::new_named("other-c", ()));
            let ready = Arc::new(Notify::new());
            let (go_tx, go_rx) = oneshot::channel::<()>();
            let holder = {
                let (a, ready) = (a.clone(), ready.clone());
                spawn(async move {
                    let _a = a.lock().await;
                    ready.notify_one();
                    go_rx.await.unwrap(); // suspended with `a` held
                })
            };
            ready.notified().await;
            // Another task takes `c` while `held-a` is held by the holder:
            // no held-a -> other-c.
            {
                let c = c.clone();
                spawn(async move { drop(c.lock().await) }).await.unwrap();
            }
            go_tx.send(()).unwrap();
            holder.await.unwrap();
            // other-c -> held-a is fine.
            let _c = c.lock().await;
            let _a = a.lock().await;
        }));
    }
}

/// An owned guard sent to another task and dropped there leaves the held
/// set of the task that acquired it; one that outlives its task harms no
/// set.
#[test]
fn an_owned_guard_dropped_in_another_task_leaves_its_owners_set() {
    for flavor in RUNTIMES {
        let rt = runtime(flavor);
        let m = Arc::new(Mutex::new_named("owned", 0));
        let r = Arc::new(RwLock::new_named("owned-rw", 0));
        rt.block_on(scope(async {
            for _ in 0..3 {
                let guard = m.clone().lock_owned().await;
                let read = r.clone().read_owned().await;
                let (tx, rx) = oneshot::channel();
                let taker = spawn(async move {
                    let (guard, read) = rx.await.unwrap();
                    yield_now().await;
                    drop((guard, read));
                });
                tx.send((guard, read)).unwrap();
                taker.await.unwrap();
                // Dropped elsewhere: taking them again here is no
                // re-acquisition.
                *m.lock().await += 1;
                drop(r.write().await);
            }
        }));
        // A guard that outlives its task (returned by it) and is dropped on
        // the test thread.
        let guard = rt.block_on({
            let m = m.clone();
            async move { spawn(async move { m.lock_owned().await }).await.unwrap() }
        });
        drop(guard);
        assert_eq!(*m.try_lock().unwrap(), 3);
        rt.block_on(scope(async { drop(m.lock().await) }));
    }
}

/// A guard handed off and dropped elsewhere while its task runs on is no
/// longer a source of the orders that task records, even for a new lock
/// whose order is kept in the lock itself.
#[test]
fn a_new_lock_taken_after_a_handed_off_guard_was_dropped_is_not_ordered_after_it() {
    for flavor in RUNTIMES {
        let rt = runtime(flavor);
        let outer = Arc::new(Mutex::new_named("handed-off", 0));
        // One class: the order of the first is known when the second comes.
        let new_leaf = || lockorder::sync::Mutex::new(0);
        let leaf = new_leaf();
        rt.block_on(scope(async {
            let guard = outer.clone().lock_owned().await;
            // `handed-off` becomes the source of an order while held.
            drop(new_leaf().lock().unwrap());
            // Dropped on another thread while this task does not yield: its
            // release waits in the task's inbox.
            thread::spawn(move || drop(guard)).join().unwrap();
            drop(leaf.lock().unwrap());
        }));
        // new-leaf -> handed-off: no cycle.
        let _leaf = leaf.lock().unwrap();
        drop(outer.blocking_lock());
    }
}

#[test]
#[expect(clippy::await_holding_invalid_type, reason = "the bug under test")]
fn a_std_guard_held_across_an_await_is_reported() {
    for flavor in RUNTIMES {
        let rt = runtime(flavor);
        let state = lockorder::sync::Mutex::new_named("std-state", 0);
        let line = line!() + 2;
        let report = block_on_expecting_report(&rt, async {
            let mut guard = state.lock().unwrap();
            yield_now().await;
            *guard += 1;
        });
        assert!(report.contains("held across await: std-state"), "{flavor}:\n{report}");
        assert!(report.contains(&format!("acquired at tests/tokio.rs:{line}:")), "{flavor}:\n{report}");
        // The backtrace is the await's: this test's async block, at the
        // `.await` line, with yield_now under it (no stacks under Miri).
        if !cfg!(miri) {
            assert!(report.contains(&format!("at tests/tokio.rs:{}", line + 1)), "{flavor}:\n{report}");
            assert!(report.contains("yield_now"), "{flavor}:\n{report}");
        }
        // No other task contended: the report came from the await itself.
        state.clear_poison();
        assert_eq!(*state.lock().unwrap(), 0);
    }
}

#[test]
#[expect(clippy::await_holding_invalid_type, reason = "the bug under test")]
fn guards_held_across_an_await_in_a_local_task_are_reported() {
    let rt = runtime("current_thread");
    let local = LocalSet::new();
    let lock = Arc::new(lockorder::sync::RwLock::new_named("local-rw", 0));
    let task = local.block_on(&rt, {
        let lock = lock.clone();
        async move {
            spawn_local(async move {
                let _r = lock.read().unwrap();
                let notify = Notify::new();
                notify.notify_one();
                notify.notified().await; // ready at once: not suspended
                let other = lockorder::sync::Mutex::new(());
                let _o = other.lock().unwrap();
                yield_now().await; // suspended holding both
            })
            .await
        }
    });
    let report = report_of_task(task);
    assert!(report.contains("held across await: local-rw, "), "{report}");
    assert!(report.contains("blocking locks"), "{report}");
    assert!(report.contains("local-rw (read, acquired at tests/tokio.rs:"), "{report}");
}

#[cfg(feature = "parking_lot")]
#[test]
#[expect(clippy::await_holding_invalid_type, reason = "the bug under test")]
fn a_parking_lot_guard_held_across_an_await_is_reported() {
    for flavor in RUNTIMES {
        let rt = runtime(flavor);
        let lock = lockorder::parking_lot::Mutex::new_named("pl", 0);
        let report = block_on_expecting_report(&rt, async {
            let _g = lock.lock();
            yield_now().await;
        });
        assert!(report.contains("held across await: pl"), "{flavor}:\n{report}");
        assert!(!lock.is_locked());
    }
}

/// On the multi-thread runtime a spawned task must be `Send`: a raw lock
/// whose guards are `Send` (see `common::RawSpin`) makes one.
#[cfg(feature = "lock_api")]
#[test]
#[expect(clippy::await_holding_invalid_type, reason = "the bug under test")]
fn a_send_blocking_guard_held_across_an_await_in_a_spawned_task_is_reported() {
    for flavor in RUNTIMES {
        let rt = runtime(flavor);
        let spin = Arc::new(common::SpinMutex::new_named("spin", 0));
        let (spawn_line, task) = rt.block_on({
            let spin = spin.clone();
            async move {
                let spawn_line = line!() + 1;
                let task = spawn(async move {
                    let mut guard = spin.lock();
                    yield_now().await;
                    *guard += 1;
                });
                (spawn_line, task.await)
            }
        });
        let report = report_of_task(task);
        assert!(report.contains("held across await: spin"), "{flavor}:\n{report}");
        let spawned_at = format!(" (spawned at {}:{spawn_line}:", file!());
        assert!(report.contains(&spawned_at), "{flavor}:\n{report}");
        assert!(!spin.is_locked(), "{flavor}: the panicking task released the lock");
    }
}

#[test]
fn a_tokio_guard_held_across_an_await_is_fine() {
    for flavor in RUNTIMES {
        let rt = runtime(flavor);
        rt.block_on(scope(async {
            let m = Mutex::new_named("async-m", 0);
            let rw = RwLock::new_named("async-rw", 0);
            let mut g = m.lock().await;
            let r = rw.read().await;
            for _ in 0..3 {
                yield_now().await;
            }
            *g += *r;
            drop(r);
            let w = rw.write().await;
            let r = w.downgrade();
            yield_now().await;
            drop((g, r));
        }));
    }
}

/// `select!` polls two branches of one task: one holds a blocking guard
/// and waits, the other locks the same lock. Without lockorder the thread
/// blocks forever; with it the second lock is reported.
#[test]
#[expect(clippy::await_holding_invalid_type, reason = "the bug under test")]
fn select_with_one_branch_holding_what_the_other_locks_is_reported_not_hung() {
    for flavor in RUNTIMES {
        let rt = runtime(flavor);
        let m = lockorder::sync::Mutex::new_named("selected", 0);
        let never = Notify::new();
        let report = block_on_expecting_report(&rt, async {
            ::tokio::select! {
                biased;
                _ = async {
                    let _g = m.lock().unwrap();
                    never.notified().await;
                } => {}
                _ = async {
                    let _g = m.lock().unwrap();
                } => {}
            }
        });
        assert!(is_reacquire(&report), "{flavor}:\n{report}");
        assert!(report.contains("selected"), "{flavor}:\n{report}");
    }
}

#[cfg(feature = "lock_api")]
#[test]
#[expect(clippy::await_holding_invalid_type, reason = "the bug under test")]
fn select_in_a_spawned_task_is_reported_not_hung() {
    let rt = runtime("multi_thread");
    let spin = Arc::new(common::SpinMutex::new_named("spin-selected", 0));
    let task = rt.block_on(async move {
        spawn(async move {
            let never = Notify::new();
            ::tokio::select! {
                biased;
                _ = async {
                    let _g = spin.lock();
                    never.notified().await;
                } => {}
                _ = async {
                    let _g = spin.lock();
                } => {}
            }
        })
        .await
    });
    let report = report_of_task(task);
    assert!(is_reacquire(&report), "{report}");
}

/// A blocking lock taken and released between two awaits is fine, and so
/// is one held at thread level around `block_on` (it is the thread's, not
/// the task's).
#[test]
fn blocking_locks_not_held_across_an_await_are_fine() {
    for flavor in RUNTIMES {
        let rt = runtime(flavor);
        let m = lockorder::sync::Mutex::new_named("brief", 0);
        let outer = lockorder::sync::Mutex::new_named("outer", 0);
        let _outer = outer.lock().unwrap();
        rt.block_on(scope(async {
            for _ in 0..3 {
                *m.lock().unwrap() += 1;
                yield_now().await;
            }
        }));
    }
}

/// An acquisition is checked when `lock()` is called (so that a report
/// points at the call): waited for and cancelled, its order stands, and it
/// leaves nothing held.
#[test]
fn a_cancelled_acquisition_records_its_order_and_leaves_nothing_held() {
    for flavor in RUNTIMES {
        let rt = runtime(flavor);
        let a = Mutex::new_named("a", ());
        let b = Mutex::new_named("b", ());
        // Held by the thread, outside the task: the task's `a.lock()` waits.
        let held = a.try_lock().unwrap();
        rt.block_on(scope(async {
            {
                let _b = b.lock().await;
                ::tokio::select! {
                    biased;
                    _ = a.lock() => unreachable!(),
                    _ = async {} => {}
                }
            }
            // Nothing is left held: taking `a`'s order again is no re-entry.
            drop(b.lock().await);
        }));
        drop(held);
        // b -> a was recorded: a -> b closes the cycle.
        let report = common::expect_violation(|| {
            let _a = a.blocking_lock();
            let _b = b.blocking_lock();
        });
        assert_cycle(&report, &["b", "a"]);
    }
}

#[test]
fn blocking_lock_and_try_lock_outside_a_runtime() {
    let a = Mutex::new_named("a", 0);
    let b = RwLock::new_named("b", 0);
    {
        let _a = a.blocking_lock();
        let _b = b.blocking_write(); // a -> b
    }
    let report = common::expect_violation(|| {
        let _b = b.blocking_read();
        let _a = a.blocking_lock();
    });
    assert_cycle(&report, &["a", "b"]);
    let _a = a.try_lock().unwrap();
    assert!(a.try_lock().is_err());
}

/// A scope dropped before it completes (cancelled by `select!`, or an
/// aborted task) releases its guards from its own held set, not from the
/// set of whatever is polling or dropping it.
#[test]
fn a_cancelled_scope_releases_its_guards_from_its_own_set() {
    for flavor in RUNTIMES {
        let rt = runtime(flavor);
        rt.block_on(scope(async {
            let x = RwLock::new_named("x", ());
            let y = Mutex::new_named("y", ());
            let never = Notify::new();
            let _outer = x.read().await;
            ::tokio::select! {
                biased;
                _ = scope(async {
                    let _inner = x.read().await;
                    never.notified().await;
                }) => unreachable!(),
                _ = async {} => {}
            }
            // The cancelled scope's read of x left with it; this task's own
            // read is still held: x -> y is recorded.
            drop(y.lock().await);
            drop(_outer);
            let report = report_of_task(
                spawn(async move {
                    let _y = y.lock().await;
                    let _x = x.read().await;
                })
                .await,
            );
            assert_cycle(&report, &["x", "y"]);
        }));

        // An aborted task's guards leave its set, wherever it is dropped.
        let m = Arc::new(Mutex::new_named("aborted", ()));
        rt.block_on(scope(async {
            let (held_tx, held_rx) = oneshot::channel();
            let task = spawn({
                let m = m.clone();
                async move {
                    let _g = m.lock().await;
                    held_tx.send(()).unwrap();
                    std::future::pending::<()>().await;
                }
            });
            held_rx.await.unwrap();
            task.abort();
            assert!(task.await.unwrap_err().is_cancelled());
            drop(m.lock().await);
        }));
    }
}

/// An owned acquisition's future keeps the lock's `Arc` next to the
/// acquisition that borrows the lock: dropped while pending, with the last
/// clone of the `Arc` in it, it leaves the lock's wait queue before the
/// lock is freed (a use after free otherwise, which Miri sees).
#[test]
fn a_pending_owned_acquisition_dropped_with_the_last_arc_frees_the_lock_last() {
    struct NoWake;
    impl std::task::Wake for NoWake {
        fn wake(self: Arc<Self>) {}
    }
    let waker = std::task::Waker::from(Arc::new(NoWake));
    let mut cx = std::task::Context::from_waker(&waker);

    // Held by another thread, so that waiting for it is no re-acquisition.
    let held_elsewhere =
        |acquire: Box<dyn FnOnce() -> Box<dyn Any + Send> + Send>| thread::spawn(acquire).join().unwrap();

    let m = Arc::new(Mutex::new_named("owned", ()));
    let held = held_elsewhere(Box::new({
        let m = m.clone();
        move || Box::new(m.try_lock_owned().unwrap())
    }));
    let mut pending = Box::pin(m.lock_owned());
    assert!(pending.as_mut().poll(&mut cx).is_pending());
    // The permit goes to the queued acquisition; the future now holds the
    // last `Arc`.
    drop(held);
    drop(pending);

    let rw = Arc::new(RwLock::new_named("owned-rw", ()));
    let held = held_elsewhere(Box::new({
        let rw = rw.clone();
        move || Box::new(rw.try_read_owned().unwrap())
    }));
    let mut pending = Box::pin(rw.write_owned());
    assert!(pending.as_mut().poll(&mut cx).is_pending());
    drop(held);
    drop(pending);
}

/// The spawn site is in the violation's data, not only in its text: a task
/// spawned through lockorder has it, one spawned by a plain `tokio::spawn`
/// has none (tokio does not tell it).
#[test]
fn a_violation_knows_where_a_task_spawned_through_lockorder_was_spawned() {
    let _global = common::global_state();
    let seen = common::collect_violations("spawn-site");
    let rt = Builder::new_multi_thread().worker_threads(2).thread_name("spawn-site").build().unwrap();
    let mut spawn_lines = Vec::new();
    for through_lockorder in [true, false] {
        let a = Arc::new(Mutex::new_named("site-a", ()));
        let b = Arc::new(Mutex::new_named("site-b", ()));
        rt.block_on(async {
            let (a1, b1) = (a.clone(), b.clone());
            ::tokio::spawn(async move {
                let _a = a1.lock().await;
                let _b = b1.lock().await;
            })
            .await
            .unwrap();
            let inversion = async move {
                let _b = b.lock().await;
                let _a = a.lock().await;
            };
            let line = line!() + 1;
            let joined = if through_lockorder { spawn(inversion).await } else { ::tokio::spawn(inversion).await };
            assert!(joined.is_err(), "the inversion panics its task");
            spawn_lines.push(line);
        });
    }
    let violations = common::take_violations(&seen);
    assert_eq!(violations.len(), 2, "{violations:?}");
    let site = violations[0].task_spawned_at().expect("spawned through lockorder");
    assert_eq!((site.file(), site.line()), (file!(), spawn_lines[0]));
    assert!(violations[0].task().is_some());
    assert_eq!(violations[1].task_spawned_at(), None);
    assert!(violations[1].task().is_some());
}

/// A lock released while a task waits for it goes to that task, not to a
/// newcomer that asks right after the release: the uncontended fast path
/// (a try before the wait) keeps tokio's first-come order.
#[test]
fn a_released_lock_goes_to_the_task_waiting_for_it_not_to_a_newcomer() {
    let rt = Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        let order = Arc::new(Mutex::new(Vec::new()));
        let held = order.lock().await;
        let waiter = ::tokio::spawn({
            let order = order.clone();
            async move { order.lock().await.push("waiter") }
        });
        // The waiter runs and queues for the lock.
        yield_now().await;
        drop(held);
        // The newcomer asks after the release: the lock is the waiter's.
        order.lock().await.push("newcomer");
        waiter.await.unwrap();
        assert_eq!(*order.lock().await, ["waiter", "newcomer"]);
    });
}

/// A task that takes a free lock again and again still spends its
/// cooperative budget, as with tokio's own locks: it yields now and then,
/// and another task on its thread gets to run before the loop ends.
#[test]
fn free_locks_taken_in_a_loop_spend_the_tasks_budget_and_yield() {
    let rt = Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        let other_ran = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let looping = ::tokio::spawn({
            let other_ran = other_ran.clone();
            async move {
                let (m, rw) = (Mutex::new(0), RwLock::new(0));
                for round in 0..10_000 {
                    *m.lock().await += 1;
                    let read = *rw.read().await;
                    *rw.write().await += read;
                    if other_ran.load(std::sync::atomic::Ordering::Relaxed) {
                        return Some(round);
                    }
                }
                None
            }
        });
        ::tokio::spawn(async move { other_ran.store(true, std::sync::atomic::Ordering::Relaxed) });
        let round = looping.await.unwrap();
        assert!(round.is_some(), "the looping task never yielded to the other");
    });
}
