//! Joins and condvar waits as pseudo-locks (`lockorder::thread`,
//! `Condvar`): a lock held while waiting for a thread, or for a
//! notification, that needs the lock is reported, whichever side ran
//! first; ordinary joins and condvar queues stay silent.
#![cfg(debug_assertions)]

mod common;

use std::sync::mpsc as std_mpsc;
use std::sync::Arc;

use common::{
    expect_no_violation, expect_violation, expect_violation_on_thread, is_inversion, report_of, PanicLocation,
};
use lockorder::sync::{Condvar, Mutex, RwLock};
use lockorder::thread;

/// The cycle line of a report, and that it goes through a thread's end.
#[track_caller]
fn assert_through_thread_end(report: &str) {
    assert!(is_inversion(report), "not an inversion:\n{report}");
    let cycle = common::cycle_of(report);
    assert!(
        cycle.iter().any(|lock| lock.starts_with("the end of the thread spawned at")),
        "the cycle does not go through a thread's end:\n{report}"
    );
}

/// rustdesk#622: `join()` under a write guard whose thread read-locks the
/// lock. The thread ran first: reported at the join, before it blocks.
#[test]
fn joining_under_a_write_guard_a_thread_that_read_the_lock() {
    let peers = Arc::new(RwLock::new(Vec::<u32>::new()));
    let (done_tx, done_rx) = std_mpsc::channel();
    let reader = {
        let peers = Arc::clone(&peers);
        thread::spawn(move || {
            let count = peers.read().unwrap().len();
            done_tx.send(()).unwrap();
            count
        })
    };
    done_rx.recv().unwrap();
    let report = expect_violation(|| {
        let mut peers = peers.write().unwrap();
        peers.push(1);
        reader.join()
    });
    assert_through_thread_end(&report);
}

/// The other order: the join is recorded first and blocks; the thread's
/// acquisition of the held lock is then reported on the thread, before it
/// blocks, and the join returns the thread's panic.
#[test]
fn a_thread_taking_the_lock_its_joiner_holds_is_reported_on_the_thread() {
    let state = Arc::new(Mutex::new(0));
    let (go_tx, go_rx) = std_mpsc::channel::<()>();
    let worker = {
        let state = Arc::clone(&state);
        thread::spawn(move || {
            go_rx.recv().unwrap();
            *state.lock().unwrap() += 1;
        })
    };
    // Whichever of the join's check and the worker's lock comes first, one
    // of them reports: the main thread (its panic drops the guard, and the
    // worker goes on) or the worker (its panic ends the join).
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _guard = state.lock().unwrap();
        go_tx.send(()).unwrap();
        worker.join()
    }));
    let report = match outcome {
        Err(payload) => report_of(payload),
        Ok(Err(payload)) => report_of(payload),
        Ok(Ok(())) => panic!("holding the lock while joining its taker was not reported"),
    };
    assert_through_thread_end(&report);
}

/// rust#67457: a condvar's guard kept while joining the thread that must
/// lock the mutex to notify.
#[test]
fn joining_while_holding_the_mutex_the_notifier_needs() {
    let pair = Arc::new((Mutex::new(false), Condvar::new()));
    let (done_tx, done_rx) = std_mpsc::channel();
    let notifier = {
        let pair = Arc::clone(&pair);
        thread::spawn(move || {
            *pair.0.lock().unwrap() = true;
            pair.1.notify_one();
            done_tx.send(()).unwrap();
        })
    };
    done_rx.recv().unwrap();
    let report = expect_violation(|| {
        let ready = pair.1.wait_while(pair.0.lock().unwrap(), |ready| !*ready).unwrap();
        notifier.join().map(|()| *ready)
    });
    assert_through_thread_end(&report);
}

/// rayon#592's shape in a scope: a lock held at the end of a scope whose
/// thread takes it; the scope's implicit join is checked.
#[test]
fn a_scope_ending_under_a_lock_its_thread_took() {
    let jobs = Mutex::new(Vec::<u32>::new());
    let report = expect_violation(|| {
        let (done_tx, done_rx) = std_mpsc::channel();
        let _held = thread::scope(|s| {
            s.spawn(|| {
                jobs.lock().unwrap().push(1);
                done_tx.send(()).unwrap();
            });
            done_rx.recv().unwrap();
            jobs.lock().unwrap()
        });
    });
    assert_through_thread_end(&report);
}

/// A scoped handle's explicit join is checked too.
#[test]
fn a_scoped_join_under_a_lock_its_thread_took() {
    let jobs = Mutex::new(0);
    let report = expect_violation(|| {
        let (done_tx, done_rx) = std_mpsc::channel();
        thread::scope(|s| {
            let worker = s.spawn(|| {
                *jobs.lock().unwrap() += 1;
                done_tx.send(()).unwrap();
            });
            done_rx.recv().unwrap();
            let _held = jobs.lock().unwrap();
            worker.join()
        })
    });
    assert_through_thread_end(&report);
}

/// The cycle may go through other locks: the joined thread takes `A` then
/// `B`; the joiner holds `B`.
#[test]
fn a_cycle_through_another_lock() {
    let a = Arc::new(Mutex::new_named("a", ()));
    let b = Arc::new(Mutex::new_named("b", ()));
    let (done_tx, done_rx) = std_mpsc::channel();
    let worker = {
        let (a, b) = (Arc::clone(&a), Arc::clone(&b));
        thread::spawn(move || {
            {
                let _a = a.lock().unwrap();
                let _b = b.lock().unwrap();
            }
            done_tx.send(()).unwrap();
        })
    };
    done_rx.recv().unwrap();
    let report = expect_violation(|| {
        let _b = b.lock().unwrap();
        worker.join()
    });
    assert_through_thread_end(&report);
    assert!(common::cycle_of(&report).iter().any(|lock| lock == "b"), "{report}");
}

/// The PLDI'20 condvar shape: a waiter holds an outer lock that the
/// notifier must take before it notifies. The notifier ran first; the
/// waiter's check comes before it blocks.
#[test]
fn waiting_on_a_condvar_under_a_lock_the_notifier_takes_first() {
    let outer = Arc::new(Mutex::new_named("outer", ()));
    let pair = Arc::new((Mutex::new(true), Condvar::new()));
    {
        let (outer, pair) = (Arc::clone(&outer), Arc::clone(&pair));
        std::thread::spawn(move || {
            let _outer = outer.lock().unwrap();
            let _ready = pair.0.lock().unwrap();
            pair.1.notify_all();
        })
        .join()
        .unwrap();
    }
    let hook = PanicLocation::install("condvar-waiter");
    let mut closing = 0;
    let report = expect_violation_on_thread("condvar-waiter", || {
        let _outer = outer.lock().unwrap();
        let ((), ready) = (closing = line!(), pair.1.wait_while(pair.0.lock().unwrap(), |ready| !*ready));
        *ready.unwrap()
    });
    assert!(is_inversion(&report), "{report}");
    let cycle = common::cycle_of(&report);
    assert!(cycle.iter().any(|lock| lock.starts_with("a notification of the condvar made at")), "{report}");
    assert!(cycle.iter().any(|lock| lock == "outer"), "{report}");
    // The panic points at the wait.
    assert_eq!(hook.seen(), Some((file!().to_owned(), closing)));
}

/// Controls: joins with nothing held, a lock held while joining a thread
/// that never takes it, scoped threads locking shared state while the
/// parent holds nothing, nested spawns.
#[test]
fn ordinary_joins_stay_silent() {
    expect_no_violation(|| {
        let shared = Arc::new(Mutex::new(0));
        let unrelated = Mutex::new(());
        for round in 0..20 {
            let workers: Vec<_> = (0..4)
                .map(|_| {
                    let shared = Arc::clone(&shared);
                    thread::spawn(move || {
                        let inner = thread::spawn({
                            let shared = Arc::clone(&shared);
                            move || *shared.lock().unwrap() += 1
                        });
                        *shared.lock().unwrap() += 1;
                        inner.join().unwrap();
                    })
                })
                .collect();
            if round % 2 == 0 {
                let _unrelated = unrelated.lock().unwrap();
                for worker in workers {
                    worker.join().unwrap();
                }
            } else {
                for worker in workers {
                    worker.join().unwrap();
                }
            }
        }
        assert_eq!(*shared.lock().unwrap(), 20 * 4 * 2);
        thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| *shared.lock().unwrap() += 1);
            }
        });
        assert_eq!(*shared.lock().unwrap(), 20 * 4 * 2 + 4);
    });
}

/// Control: a condvar work queue with many consumers. Consumers wait on
/// the queue's mutex only; the producer notifies under it; the parent
/// joins them holding nothing.
#[test]
fn a_condvar_work_queue_stays_silent() {
    expect_no_violation(|| {
        struct Queue {
            jobs: Mutex<(Vec<u32>, bool)>,
            ready: Condvar,
            done: Mutex<u64>,
        }
        let queue =
            Arc::new(Queue { jobs: Mutex::new((Vec::new(), false)), ready: Condvar::new(), done: Mutex::new(0) });
        let consumers: Vec<_> = (0..4)
            .map(|_| {
                let queue = Arc::clone(&queue);
                thread::spawn(move || loop {
                    let mut jobs = queue
                        .ready
                        .wait_while(queue.jobs.lock().unwrap(), |(jobs, closed)| jobs.is_empty() && !*closed)
                        .unwrap();
                    match jobs.0.pop() {
                        Some(job) => {
                            drop(jobs);
                            *queue.done.lock().unwrap() += u64::from(job);
                        }
                        None => return,
                    }
                })
            })
            .collect();
        for job in 1..=200 {
            queue.jobs.lock().unwrap().0.push(job);
            queue.ready.notify_one();
        }
        {
            let mut jobs = queue.jobs.lock().unwrap();
            jobs.1 = true;
            queue.ready.notify_all();
        }
        for consumer in consumers {
            consumer.join().unwrap();
        }
        assert_eq!(*queue.done.lock().unwrap(), 200 * 201 / 2);
    });
}

/// std parity: results, names, panics, `is_finished`.
#[test]
fn the_drop_in_behaves_as_std() {
    let named =
        thread::Builder::new().name("named".into()).spawn(|| thread::current().name().map(str::to_owned)).unwrap();
    assert_eq!(named.thread().name(), Some("named"));
    assert_eq!(named.join().unwrap().as_deref(), Some("named"));
    let panicked = thread::spawn(|| panic!("boom"));
    let payload = panicked.join().unwrap_err();
    assert_eq!(common::panic_message(&*payload), Some("boom"));
    let mut data = vec![1];
    let len = thread::scope(|s| {
        let pushed = s.spawn(|| {
            data.push(2);
            data.len()
        });
        pushed.join().unwrap()
    });
    assert_eq!((len, data), (2, vec![1, 2]));
}

/// parking_lot's condvar follows the same rule: the PLDI'20 shape is
/// reported, a queue waiting on its own mutex is not.
#[cfg(feature = "parking_lot")]
#[test]
fn parking_lot_condvar_waits_for_its_notification() {
    use lockorder::parking_lot::{Condvar as PlCondvar, Mutex as PlMutex};

    let outer = Arc::new(PlMutex::new_named("pl-outer", ()));
    let pair = Arc::new((PlMutex::new(true), PlCondvar::new()));
    {
        let (outer, pair) = (Arc::clone(&outer), Arc::clone(&pair));
        std::thread::spawn(move || {
            let _outer = outer.lock();
            let _ready = pair.0.lock();
            pair.1.notify_all();
        })
        .join()
        .unwrap();
    }
    expect_no_violation(|| {
        let mut ready = pair.0.lock();
        pair.1.wait_while(&mut ready, |ready| !*ready);
    });
    let hook = PanicLocation::install("pl-condvar-waiter");
    let mut closing = 0;
    let report = expect_violation_on_thread("pl-condvar-waiter", || {
        let _outer = outer.lock();
        let mut ready = pair.0.lock();
        let ((), _) = (closing = line!(), pair.1.wait_while(&mut ready, |ready| !*ready));
    });
    assert!(is_inversion(&report), "{report}");
    let cycle = common::cycle_of(&report);
    assert!(cycle.iter().any(|lock| lock.starts_with("a notification of the condvar made at")), "{report}");
    assert!(cycle.iter().any(|lock| lock == "pl-outer"), "{report}");
    // The panic points at the wait.
    assert_eq!(hook.seen(), Some((file!().to_owned(), closing)));
}
