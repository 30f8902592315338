//! tokio code as people write it, with only the `use` lines changed: plain
//! `tokio::spawn`, `#[tokio::test]` bodies, `block_on` roots, `join!` and
//! `LocalSet` tasks, no `lockorder::tokio::spawn` or `scope`. Locks belong
//! to the task tokio polls (found by its id); consistent code is silent,
//! real inversions and blocking guards held across an `.await` are
//! reported instead of hanging.
#![cfg(all(debug_assertions, feature = "tokio"))]

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::Arc;

use ::tokio::runtime::{Builder, Runtime};
use ::tokio::task::{yield_now, LocalSet};
use common::{assert_cycle, collect_violations, is_reacquire, report_of, report_of_task, take_violations};
use lockorder::tokio::{Mutex, RwLock};

/// Rounds of the consistent-order stress (fewer under Miri).
const ROUNDS: usize = if cfg!(miri) { 2 } else { 10 };

fn multi_thread(name: &str) -> Runtime {
    Builder::new_multi_thread().worker_threads(4).thread_name(name).build().unwrap()
}

fn current_thread() -> Runtime {
    Builder::new_current_thread().build().unwrap()
}

/// The seed of the async promise, correct code: 50 tasks spawned with
/// `tokio::spawn` on 4 workers take two mutexes, a rwlock and one of 8
/// locks made in a loop, always in one order, across awaits that move
/// them between workers. Nothing is reported.
#[test]
fn consistent_orders_across_awaits_in_plain_spawned_tasks_are_silent() {
    let _global = common::global_state();
    let seen = collect_violations("plain-consistent");
    for rt in [multi_thread("plain-consistent"), current_thread()] {
        rt.block_on(async {
            let a = Arc::new(Mutex::new(0u32));
            let b = Arc::new(Mutex::new(0u32));
            let table = Arc::new(RwLock::new(0u32));
            let shards: Arc<Vec<Mutex<u32>>> = Arc::new((0..8).map(|_| Mutex::new(0)).collect());
            let tasks: Vec<_> = (0..if cfg!(miri) { 4 } else { 50 })
                .map(|i| {
                    let (a, b, table, shards) = (a.clone(), b.clone(), table.clone(), shards.clone());
                    ::tokio::spawn(async move {
                        for round in 0..ROUNDS {
                            let mut a = a.lock().await;
                            common::yield_to_other_workers().await;
                            let mut b = b.lock().await;
                            yield_now().await;
                            if round % 2 == 0 {
                                *table.write().await += 1;
                            } else {
                                let _read = table.read().await;
                            }
                            *shards[(i + round) % 8].lock().await += 1;
                            *a += 1;
                            *b += 1;
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await.expect("no task may panic: the orders are consistent");
            }
            assert_eq!(*a.lock().await as usize, if cfg!(miri) { 4 } else { 50 } * ROUNDS);
        });
    }
    let violations = take_violations(&seen);
    assert!(violations.is_empty(), "false reports:\n{}", violations[0]);
}

/// Tasks interleaved on one thread do not see each other's locks: while
/// one is suspended holding `a`, another takes `b` on the same thread,
/// which is no `a -> b` order; so a task taking `b` then `a` later is fine.
#[test]
fn tasks_interleaved_on_one_thread_do_not_share_locks() {
    let rt = current_thread();
    rt.block_on(async {
        let a = Arc::new(Mutex::new_named("interleaved-a", ()));
        let b = Arc::new(Mutex::new_named("interleaved-b", ()));
        let (a1, b1) = (a.clone(), b.clone());
        let holder = ::tokio::spawn(async move {
            let _a = a1.lock().await;
            yield_now().await;
            yield_now().await;
        });
        let other = ::tokio::spawn(async move {
            let _b = b1.lock().await;
        });
        holder.await.unwrap();
        other.await.unwrap();
        ::tokio::spawn(async move {
            let _b = b.lock().await;
            let _a = a.lock().await;
        })
        .await
        .expect("b -> a is the only order taken");
    });
}

/// A real inversion between two plain spawned tasks, with awaits (and
/// moves between workers) between the two acquisitions, is reported every
/// time, naming the tasks.
#[test]
fn abba_between_plain_spawned_tasks_is_reported_every_time() {
    let rt = multi_thread("plain-abba");
    for round in 0..if cfg!(miri) { 2 } else { 20 } {
        let a = Arc::new(Mutex::new_named("abba-a", ()));
        let b = Arc::new(RwLock::new_named("abba-b", ()));
        let report = rt.block_on(async {
            let (a1, b1) = (a.clone(), b.clone());
            ::tokio::spawn(async move {
                let _a = a1.lock().await;
                common::yield_to_other_workers().await;
                let _b = b1.write().await;
            })
            .await
            .unwrap();
            report_of_task(
                ::tokio::spawn(async move {
                    let _b = b.read().await;
                    common::yield_to_other_workers().await;
                    let _a = a.lock().await;
                })
                .await,
            )
        });
        assert_cycle(&report, &["abba-a", "abba-b"]);
        assert!(report.contains("task ") && report.contains("on thread `plain-abba`"), "round {round}:\n{report}");
        let attempt = format!("is acquiring abba-a at {}:", file!());
        assert!(report.contains(&attempt), "round {round}:\n{report}");
    }
}

/// An async lock acquired in one plain task and released (its owned guard
/// dropped) in another leaves the first task's set: the first task can
/// take it again.
#[test]
fn an_owned_guard_dropped_in_another_plain_task_leaves_its_owner() {
    let rt = multi_thread("plain-owned");
    rt.block_on(async {
        let m = Arc::new(Mutex::new_named("handed", 0));
        let (tx, rx) = ::tokio::sync::oneshot::channel();
        let m1 = m.clone();
        let owner = ::tokio::spawn(async move {
            tx.send(m1.clone().lock_owned().await).unwrap();
            common::yield_to_other_workers().await;
            // Dropped by the other task meanwhile (the receiver awaits it).
            while m1.try_lock().is_err() {
                yield_now().await;
            }
            *m1.lock().await += 1;
        });
        let receiver = ::tokio::spawn(async move { drop(rx.await.unwrap()) });
        receiver.await.unwrap();
        owner.await.expect("the owner re-takes the lock it no longer holds");
        assert_eq!(*m.lock().await, 1);
    });
}

/// The seed's hang in a `#[tokio::test]` body: it holds a std guard across
/// an `.await` on a task that asks for the same lock, on the body's thread.
/// With std this hangs for good; here the task is stopped before it
/// blocks, with a report that names the holder and the task.
#[::tokio::test]
#[expect(clippy::await_holding_invalid_type, reason = "the bug under test")]
async fn a_tokio_test_body_holding_a_std_guard_across_an_await_is_reported_not_hung() {
    let m = Arc::new(lockorder::sync::Mutex::new_named("root-held", 0));
    let guard = m.lock().unwrap();
    let m2 = m.clone();
    let joined = ::tokio::spawn(async move {
        *m2.lock().unwrap() += 1;
    })
    .await;
    drop(guard);
    let report = report_of_task(joined);
    assert!(report.starts_with("lockorder: potential deadlock: thread `"), "{report}");
    assert!(report.contains("while it holds root-held, a blocking lock, and task "), "{report}");
    assert!(report.contains("asks for it"), "{report}");
    assert_eq!(*m.lock().unwrap(), 0);
}

/// A lock held around a `block_on` (a test's serial mutex) is fine while
/// no task on the thread asks for it.
#[test]
fn a_lock_held_around_block_on_is_fine_while_no_task_wants_it() {
    let serial = lockorder::sync::Mutex::new_named("serial", ());
    let other = Arc::new(lockorder::sync::Mutex::new_named("other", 0));
    let _serial = serial.lock().unwrap();
    current_thread().block_on(async {
        let other = other.clone();
        ::tokio::spawn(async move {
            *other.lock().unwrap() += 1;
            yield_now().await;
            *other.lock().unwrap() += 1;
        })
        .await
        .unwrap();
    });
    assert_eq!(*other.lock().unwrap(), 2);
}

/// `join!` of two futures in a `block_on` root, the first holding a std
/// guard across an await while the second asks for it: the root asks for a
/// lock it holds, reported before the thread blocks.
#[test]
#[expect(clippy::await_holding_invalid_type, reason = "the bug under test")]
fn join_of_two_futures_sharing_a_std_mutex_is_reported_not_hung() {
    let rt = current_thread();
    let m = lockorder::sync::Mutex::new_named("joined", 0);
    let report = match catch_unwind(AssertUnwindSafe(|| {
        rt.block_on(async {
            ::tokio::join!(
                async {
                    let _g = m.lock().unwrap();
                    yield_now().await;
                },
                async {
                    *m.lock().unwrap() += 1;
                }
            )
        })
    })) {
        Ok(_) => panic!("expected a report"),
        Err(payload) => report_of(payload),
    };
    assert!(is_reacquire(&report), "{report}");
}

/// A `LocalSet` task suspended with a std guard: the next task polled on
/// the thread is stopped before it takes a lock, whether or not it asks
/// for that one, with a report naming both tasks.
#[test]
#[expect(clippy::await_holding_invalid_type, reason = "the bug under test")]
fn a_local_task_suspended_with_a_std_guard_is_reported_when_another_runs() {
    for contended in [true, false] {
        let rt = current_thread();
        let local = LocalSet::new();
        let m = Rc::new(lockorder::sync::Mutex::new_named("local-held", 0));
        let unrelated = Rc::new(lockorder::sync::Mutex::new_named("unrelated", 0));
        let report = local.block_on(&rt, async {
            let m1 = m.clone();
            let holder = ::tokio::task::spawn_local(async move {
                let _g = m1.lock().unwrap();
                yield_now().await;
            });
            let next = ::tokio::task::spawn_local(async move {
                let lock = if contended { &m } else { &unrelated };
                *lock.lock().unwrap() += 1;
            });
            let report = report_of_task(next.await);
            holder.await.unwrap();
            report
        });
        assert!(report.contains("potential deadlock: task "), "{report}");
        assert!(report.contains("is suspended at an .await while it holds local-held"), "{report}");
        assert!(report.contains("and task "), "{report}");
    }
}

/// A std guard taken by a `block_on` root and dropped in a `LocalSet` task
/// that holds a lock of its own (so that its set is the thread's, and the
/// root's is stashed) leaves the root: the root takes the mutex again, and
/// orders nothing after it.
#[test]
fn a_root_guard_dropped_in_a_local_task_leaves_the_root() {
    let rt = current_thread();
    let local = LocalSet::new();
    // The guard goes into a task: its mutex must outlive it.
    static A: lockorder::sync::Mutex<i32> = lockorder::sync::Mutex::new_named("given-a", 0);
    static B: lockorder::sync::Mutex<i32> = lockorder::sync::Mutex::new_named("task-b", 0);
    let (a, b) = (&A, &B);
    local.block_on(&rt, async {
        let guard = a.lock().unwrap();
        ::tokio::task::spawn_local(async move {
            let _b = b.lock().unwrap();
            drop(guard);
        })
        .await
        .unwrap();
        // Neither a re-acquisition of `a` nor an order `a -> b`.
        let _b = b.lock().unwrap();
        *a.lock().unwrap() += 1;
    });
    assert_eq!(*a.lock().unwrap(), 1);
}

/// A blocking lock taken and released between awaits in a `LocalSet` task
/// is fine, however many other tasks run on the thread.
#[test]
fn a_local_task_releasing_its_std_guard_before_awaiting_is_fine() {
    let rt = current_thread();
    let local = LocalSet::new();
    let m = Rc::new(lockorder::sync::Mutex::new_named("brief", 0));
    local.block_on(&rt, async {
        let tasks: Vec<_> = (0..4)
            .map(|_| {
                let m = m.clone();
                ::tokio::task::spawn_local(async move {
                    for _ in 0..3 {
                        *m.lock().unwrap() += 1;
                        yield_now().await;
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
    });
    assert_eq!(*m.lock().unwrap(), 12);
}

/// An owned guard acquired by a `block_on` root and dropped in a spawned
/// task (on another worker) leaves the root's held set: the root can take
/// the lock again, and orders nothing after it.
#[test]
fn an_owned_guard_of_the_root_dropped_in_a_task_leaves_the_root() {
    let rt = multi_thread("plain-root-owned");
    rt.block_on(async {
        let a = Arc::new(Mutex::new_named("root-owned-a", ()));
        let b = Arc::new(Mutex::new_named("root-owned-b", ()));
        let guard = a.clone().lock_owned().await;
        ::tokio::spawn(async move { drop(guard) }).await.unwrap();
        let _b = b.lock().await;
        let _a = a.lock().await;
    });
}

/// An owned guard handed to another task belongs to no task: the first
/// task asking for the lock again while the other still holds it is no
/// self-deadlock (it waits for the other task's drop), and the locks it
/// takes meanwhile are not ordered after the lock it handed away.
#[test]
fn an_owned_guard_handed_to_another_task_is_held_by_neither_for_orders() {
    let rt = multi_thread("plain-handed");
    rt.block_on(async {
        let a = Arc::new(Mutex::new_named("handed-a", ()));
        let b = Arc::new(Mutex::new_named("handed-b", ()));
        let (give, take) = ::tokio::sync::oneshot::channel();
        let (release, released) = ::tokio::sync::oneshot::channel::<()>();
        let keeper = ::tokio::spawn(async move {
            let guard = take.await.unwrap();
            released.await.unwrap();
            drop(guard);
        });
        give.send(a.clone().lock_owned().await).unwrap();
        // Not after `a`: this task handed it away.
        drop(b.lock().await);
        // Asked for while the keeper holds it: checked now, no re-entry.
        let again = a.lock();
        release.send(()).unwrap();
        drop(again.await);
        keeper.await.unwrap();
        // b -> a is this task's only order.
        let _b = b.lock().await;
        let _a = a.lock().await;
    });
}
