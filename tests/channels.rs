//! `sync::mpsc` and `sync::Barrier`: std's behavior, the waits of a
//! channel in the lock-order graph (a `recv` under a lock its sender sends
//! under, sled#1515's blocking send under a read lock), and the usual
//! channel shapes that must stay silent.
//!
//! The reported cases never hang: the sending side runs first, on a thread
//! that is joined, and the receiving side finds its message already there;
//! the report comes before the call would block. Every test takes the
//! global state and collects every violation with a handler under the
//! `Ignore` policies, so that a control asserts that nothing at all was
//! reported.

mod common;

use std::sync::{Arc, PoisonError};
use std::thread;
use std::time::Duration;

use common::{global_state, is_child, run_child, GlobalState};
use lockorder::sync::mpsc::{
    self, channel, sync_channel, Receiver, RecvError, RecvTimeoutError, SendError, Sender, SyncSender, TryRecvError,
    TrySendError,
};
use lockorder::sync::{Barrier, Mutex, RwLock};
use lockorder::{LockInfo, Policy, Violation, ViolationKind};

/// Long enough never to end a wait that a message ends.
const PATIENCE: Duration = Duration::from_secs(3600);

/// The global state, with both policies `Ignore` and a handler that keeps
/// every violation of every thread.
struct Reports {
    seen: Arc<std::sync::Mutex<Vec<Violation>>>,
    _global: GlobalState,
}

impl Reports {
    fn collect() -> Reports {
        let global = global_state();
        lockorder::set_policy(Policy::Ignore);
        lockorder::set_class_policy(Policy::Ignore);
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        lockorder::set_handler(move |v| sink.lock().unwrap_or_else(PoisonError::into_inner).push(v.clone()));
        Reports { seen, _global: global }
    }

    fn take(&self) -> Vec<Violation> {
        std::mem::take(&mut *self.seen.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Asserts that nothing was reported.
    #[track_caller]
    fn assert_none(&self) {
        let seen = self.take();
        assert!(seen.is_empty(), "unexpected violations:\n{}", texts(&seen));
    }
}

fn texts(violations: &[Violation]) -> String {
    violations.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
}

/// The wait of `violation` that reads `what` followed by ` this file:line`.
fn wait_in(violation: &Violation, what: &str, line: u32) -> Option<LockInfo> {
    violation.locks().into_iter().find(|lock| {
        lock.is_wait()
            && lock.to_string().starts_with(what)
            && lock.created_at().file().ends_with("channels.rs")
            && lock.created_at().line() == line
    })
}

/// Asserts that, when tracking is on, exactly one lock-order inversion was
/// reported, between the lock named `lock` and the wait `what` of the
/// channel made at line `line`; returns it.
#[track_caller]
fn assert_one_cycle(reports: &Reports, lock: &str, what: &str, line: u32) -> Option<Violation> {
    let mut seen = reports.take();
    if !lockorder::enabled() {
        assert!(seen.is_empty(), "reports without tracking:\n{}", texts(&seen));
        return None;
    }
    assert_eq!(seen.len(), 1, "expected one report, got:\n{}", texts(&seen));
    let violation = seen.pop().unwrap();
    assert_eq!(violation.kind(), ViolationKind::LockOrderInversion, "{violation}");
    let locks = violation.locks();
    assert_eq!(locks.len(), 2, "{violation}");
    assert!(locks.iter().any(|l| !l.is_wait() && l.name() == Some(lock)), "{lock} is not in the cycle:\n{violation}");
    assert!(wait_in(&violation, what, line).is_some(), "`{what}` at line {line} is not in the cycle:\n{violation}");
    Some(violation)
}

const MESSAGE: &str = "a message on the channel made at";
const FREE_SLOT: &str = "a free slot in the channel made at";

#[test]
fn a_recv_under_a_lock_its_sender_sends_under_is_reported_before_it_blocks() {
    let reports = Reports::collect();
    let state = Mutex::new_named("state", 0);
    let (tx, rx) = channel();
    let made = line!() - 1;
    thread::scope(|s| {
        s.spawn(|| {
            let mut state = state.lock().unwrap();
            *state += 1;
            tx.send(*state).unwrap();
        });
    });
    reports.assert_none();
    let _state = state.lock().unwrap();
    // The message is there: the recv returns, after the report.
    let recv_line = line!() + 1;
    assert_eq!(rx.recv(), Ok(1));
    if let Some(violation) = assert_one_cycle(&reports, "state", MESSAGE, made) {
        // The last edge is this recv: `state` held, waiting for the message.
        let attempt = violation.attempt();
        assert_eq!(attempt.from().name(), Some("state"), "{violation}");
        assert!(attempt.to().is_wait(), "{violation}");
        assert!(attempt.to().to_string().starts_with(MESSAGE), "{violation}");
        assert_eq!(attempt.to_acquired_at().line(), recv_line, "the wait's site is the recv:\n{violation}");
        assert!(violation.to_string().contains(&format!("{MESSAGE} ")), "{violation}");
    }
}

#[test]
fn sled_1515_a_read_lock_across_a_blocking_send_and_the_receiver_dropped_under_the_write_lock_is_reported() {
    let reports = Reports::collect();
    let tree = RwLock::new_named("tree", ());
    let (tx, rx) = sync_channel::<u32>(1);
    let made = line!() - 1;
    thread::scope(|s| {
        s.spawn(|| {
            // Room for one: this send does not block this time.
            let _read = tree.read().unwrap();
            tx.send(7).unwrap();
        });
    });
    let send_line = line!() - 3;
    reports.assert_none();
    let _write = tree.write().unwrap();
    drop(rx);
    if let Some(violation) = assert_one_cycle(&reports, "tree", FREE_SLOT, made) {
        // Reported at the drop: the free slot before `tree`, held.
        assert!(violation.attempt().from().is_wait(), "{violation}");
        assert_eq!(violation.attempt().to().name(), Some("tree"), "{violation}");
        // The other edge is the send's wait, at the send.
        let send = &violation.edges()[0];
        assert!(send.to().is_wait() && send.from().name() == Some("tree"), "{violation}");
        assert_eq!(send.to_acquired_at().file(), file!(), "{violation}");
        assert_eq!(send.to_acquired_at().line(), send_line, "{violation}");
    }
}

#[test]
fn the_last_sender_dropped_under_a_lock_a_recv_holds_is_reported() {
    let reports = Reports::collect();
    let state = Mutex::new_named("state", ());
    let (tx, rx) = channel::<u32>();
    let made = line!() - 1;
    let tx2 = tx.clone();
    thread::scope(|s| {
        s.spawn(|| {
            let _state = state.lock().unwrap();
            drop(tx2); // not the last: nothing is completed
        });
    });
    reports.assert_none();
    let _state = state.lock().unwrap();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    drop(_state);
    thread::scope(|s| {
        s.spawn(|| {
            let _state = state.lock().unwrap();
            drop(tx); // the last: it wakes the recv as a message would
        });
    });
    reports.assert_none();
    let _state = state.lock().unwrap();
    assert_eq!(rx.recv(), Err(RecvError));
    assert_one_cycle(&reports, "state", MESSAGE, made);
}

#[test]
fn non_blocking_sends_and_receipts_still_complete_their_waits() {
    let reports = Reports::collect();

    // `try_send` sends a message under `sent`; a `recv` under it waits.
    let sent = Mutex::new_named("sent", ());
    let (tx, rx) = sync_channel::<u32>(1);
    let made = line!() - 1;
    thread::scope(|s| {
        s.spawn(|| {
            let _sent = sent.lock().unwrap();
            tx.try_send(1).unwrap();
        });
    });
    reports.assert_none();
    let guard = sent.lock().unwrap();
    assert_eq!(rx.recv(), Ok(1));
    drop(guard);
    assert_one_cycle(&reports, "sent", MESSAGE, made);

    // `try_recv` and `recv_timeout` free a slot under `taken`; a blocking
    // send under it waits for one.
    for timed in [false, true] {
        let taken = Mutex::new_named("taken", ());
        let (tx, rx) = sync_channel::<u32>(1);
        let made = line!() - 1;
        tx.send(1).unwrap();
        // The receiver comes back alive: its drop would free a slot too.
        let _rx = thread::scope(|s| {
            s.spawn(|| {
                let _taken = taken.lock().unwrap();
                if timed {
                    assert_eq!(rx.recv_timeout(PATIENCE), Ok(1));
                } else {
                    assert_eq!(rx.try_recv(), Ok(1));
                }
                rx
            })
            .join()
            .unwrap()
        });
        reports.assert_none();
        let _taken = taken.lock().unwrap();
        tx.send(2).unwrap(); // a free slot: it does not block
        assert_one_cycle(&reports, "taken", FREE_SLOT, made);
    }
}

#[test]
fn every_blocking_iteration_waits_for_a_message() {
    let reports = Reports::collect();
    for how in ["iter", "for in &rx", "into_iter"] {
        let state = Mutex::new_named("state", ());
        let (tx, rx) = channel();
        let made = line!() - 1;
        thread::scope(|s| {
            s.spawn(|| {
                {
                    let _state = state.lock().unwrap();
                    tx.send(1).unwrap();
                    tx.send(2).unwrap();
                }
                drop(tx);
            });
        });
        reports.assert_none();
        let _state = state.lock().unwrap();
        let got: Vec<u32> = match how {
            "iter" => rx.iter().collect(),
            "for in &rx" => {
                let mut got = Vec::new();
                for x in &rx {
                    got.push(x);
                }
                got
            }
            _ => rx.into_iter().collect(),
        };
        assert_eq!(got, [1, 2], "{how}");
        let seen = reports.take();
        if lockorder::enabled() {
            assert!(!seen.is_empty(), "{how}: nothing reported");
            for violation in &seen {
                assert!(wait_in(violation, MESSAGE, made).is_some(), "{how}:\n{violation}");
            }
        } else {
            assert!(seen.is_empty(), "{how}:\n{}", texts(&seen));
        }
    }
}

#[test]
fn a_pipeline_whose_stages_lock_shared_state_between_messages_is_silent() {
    const MESSAGES: u64 = 300;
    let reports = Reports::collect();
    let stats = Mutex::new_named("stats", [0u64; 3]);
    let (source, first) = channel::<u64>();
    let (to_second, second) = sync_channel::<u64>(4);
    let (to_sink, sink) = channel::<u64>();
    let total = thread::scope(|s| {
        let stats = &stats;
        s.spawn(move || {
            for x in first {
                stats.lock().unwrap()[0] += 1;
                to_second.send(x * 2).unwrap();
            }
        });
        s.spawn(move || {
            while let Ok(x) = second.recv() {
                stats.lock().unwrap()[1] += 1;
                to_sink.send(x + 1).unwrap();
            }
        });
        let summer = s.spawn(move || {
            let mut total = 0;
            for x in &sink {
                let mut stats = stats.lock().unwrap();
                stats[2] += 1;
                total += x;
            }
            total
        });
        for i in 0..MESSAGES {
            source.send(i).unwrap();
        }
        drop(source);
        summer.join().unwrap()
    });
    assert_eq!(total, (0..MESSAGES).map(|i| i * 2 + 1).sum::<u64>());
    assert_eq!(*stats.lock().unwrap(), [MESSAGES; 3]);
    reports.assert_none();
}

#[test]
fn a_work_queue_receiver_shared_under_a_mutex_is_silent() {
    type Job = Box<dyn FnOnce() + Send>;
    const JOBS: usize = 200;
    let reports = Reports::collect();
    let done = Arc::new(Mutex::new_named("done", 0usize));
    let (sender, receiver) = channel::<Job>();
    let receiver = Arc::new(Mutex::new_named("queue", receiver));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let receiver = Arc::clone(&receiver);
            thread::spawn(move || loop {
                let job = receiver.lock().unwrap().recv();
                match job {
                    Ok(job) => job(),
                    Err(RecvError) => break,
                }
            })
        })
        .collect();
    for _ in 0..JOBS {
        let done = Arc::clone(&done);
        sender.send(Box::new(move || *done.lock().unwrap() += 1)).unwrap();
    }
    drop(sender);
    for worker in workers {
        worker.join().unwrap();
    }
    assert_eq!(*done.lock().unwrap(), JOBS);
    reports.assert_none();
}

#[test]
fn sending_under_a_lock_to_a_receiver_that_holds_none_is_silent() {
    let reports = Reports::collect();
    let state = Mutex::new_named("state", 0u32);
    let (tx, rx) = channel::<u32>();
    let (bounded_tx, bounded_rx) = sync_channel::<u32>(0);
    thread::scope(|s| {
        s.spawn(|| {
            let state = state.lock().unwrap();
            tx.send(*state).unwrap();
            // Rendezvous: blocks until the receiver below takes it.
            bounded_tx.send(*state + 1).unwrap();
        });
        // No lock held while receiving; the lock is taken after.
        assert_eq!(rx.recv(), Ok(0));
        assert_eq!(bounded_rx.recv(), Ok(1));
        *state.lock().unwrap() += 1;
    });
    assert_eq!(*state.lock().unwrap(), 1);
    reports.assert_none();
}

#[test]
fn receipts_that_cannot_hang_under_a_lock_the_sender_sends_under_are_silent() {
    let reports = Reports::collect();
    for how in ["recv_timeout", "try_recv", "try_iter"] {
        let state = Mutex::new_named("state", ());
        let (tx, rx) = channel::<u32>();
        thread::scope(|s| {
            s.spawn(|| {
                let _state = state.lock().unwrap();
                tx.send(1).unwrap();
            });
        });
        let _state = state.lock().unwrap();
        match how {
            "recv_timeout" => assert_eq!(rx.recv_timeout(PATIENCE), Ok(1)),
            "try_recv" => assert_eq!(rx.try_recv(), Ok(1)),
            _ => assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1]),
        }
        reports.assert_none();
    }
}

#[test]
fn errors_are_std_s() {
    let _reports = Reports::collect();

    let (tx, rx) = channel::<String>();
    drop(rx);
    assert_eq!(tx.send("lost".to_owned()), Err(SendError("lost".to_owned())));

    let (tx, rx) = sync_channel::<u8>(1);
    assert_eq!(tx.try_send(1), Ok(()));
    assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
    assert_eq!(rx.recv(), Ok(1));
    drop(rx);
    assert_eq!(tx.send(3), Err(SendError(3)));
    assert_eq!(tx.try_send(4), Err(TrySendError::Disconnected(4)));

    let (tx, rx) = channel::<u8>();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(rx.recv_timeout(Duration::ZERO), Err(RecvTimeoutError::Timeout));
    tx.send(5).unwrap();
    drop(tx);
    assert_eq!(rx.recv(), Ok(5));
    assert_eq!(rx.recv(), Err(RecvError));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    assert_eq!(rx.recv_timeout(PATIENCE), Err(RecvTimeoutError::Disconnected));

    // A recv blocked when the last of several senders goes.
    let (tx, rx) = sync_channel::<u8>(0);
    let senders: Vec<SyncSender<u8>> = (0..3).map(|_| tx.clone()).collect();
    drop(tx);
    let waiter = thread::spawn(move || rx.recv());
    drop(senders);
    assert_eq!(waiter.join().unwrap(), Err(RecvError));

    // A send blocked on a full channel when the receiver goes.
    let (tx, rx) = sync_channel::<u8>(0);
    let sender = thread::spawn(move || tx.send(6));
    drop(rx);
    assert_eq!(sender.join().unwrap(), Err(SendError(6)));

    // The errors are std's own types.
    let _: std::sync::mpsc::RecvError = RecvError;
    let _: std::sync::mpsc::TryRecvError = TryRecvError::Empty;
}

#[test]
fn iterators_end_when_every_sender_is_dropped() {
    let _reports = Reports::collect();
    let (tx, rx) = channel::<u32>();
    let senders: Vec<Sender<u32>> = (0..4).map(|_| tx.clone()).collect();
    drop(tx);
    thread::scope(|s| {
        for (i, tx) in senders.into_iter().enumerate() {
            s.spawn(move || tx.send(i as u32).unwrap());
        }
    });
    let mut got: Vec<u32> = rx.iter().collect();
    got.sort_unstable();
    assert_eq!(got, [0, 1, 2, 3]);
    assert_eq!(rx.try_iter().next(), None);

    let (tx, rx) = sync_channel::<u32>(2);
    let producer = thread::spawn(move || (0..10).for_each(|i| tx.send(i).unwrap()));
    assert_eq!(rx.into_iter().sum::<u32>(), 45);
    producer.join().unwrap();

    // `try_iter` stops at an empty channel while the sender lives.
    let (tx, rx) = channel::<u32>();
    tx.send(1).unwrap();
    assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1]);
    tx.send(2).unwrap();
    assert_eq!(rx.try_iter().collect::<Vec<_>>(), [2]);
}

#[test]
fn debug_output_and_trait_implementations_are_std_s() {
    let (tx, rx) = channel::<u8>();
    let (stx, srx) = sync_channel::<u8>(1);
    assert_eq!(format!("{tx:?}"), format!("{:?}", std::sync::mpsc::channel::<u8>().0));
    assert_eq!(format!("{tx:?}"), "Sender { .. }");
    assert_eq!(format!("{stx:?}"), "SyncSender { .. }");
    assert_eq!(format!("{rx:?}"), "Receiver { .. }");
    assert_eq!(format!("{:?}", rx.iter()), "Iter { rx: Receiver { .. } }");
    assert_eq!(format!("{:?}", rx.try_iter()), "TryIter { rx: Receiver { .. } }");
    assert_eq!(format!("{:?}", srx.into_iter()), "IntoIter { rx: Receiver { .. } }");
    assert_eq!(format!("{:?}", Barrier::new(2)), format!("{:?}", std::sync::Barrier::new(2)));

    fn send_sync<T: Send + Sync>(_: &T) {}
    fn send<T: Send>(_: &T) {}
    fn unwind_safe<T: std::panic::UnwindSafe + std::panic::RefUnwindSafe>(_: &T) {}
    send_sync(&tx);
    send_sync(&stx);
    send(&rx);
    send_sync(&Barrier::new(1));
    unwind_safe(&tx);
    unwind_safe(&stx);
    unwind_safe(&rx);
    unwind_safe(&Barrier::new(1));
    // `Receiver` is not `Sync`, as std's: checked in `tests/auto_traits.rs`
    // style, an ambiguity if it were.
    trait AmbiguousIfSync<A> {
        fn some_item() {}
    }
    impl<T: ?Sized> AmbiguousIfSync<()> for T {}
    struct Invalid;
    impl<T: ?Sized + Sync> AmbiguousIfSync<Invalid> for T {}
    <Receiver<u8> as AmbiguousIfSync<_>>::some_item();
    // std's signatures.
    let _: fn() -> (Sender<u8>, Receiver<u8>) = channel::<u8>;
    let _: fn(usize) -> (SyncSender<u8>, Receiver<u8>) = sync_channel::<u8>;
    let _: fn(&Sender<u8>, u8) -> Result<(), SendError<u8>> = Sender::send;
    let _: fn(&SyncSender<u8>, u8) -> Result<(), SendError<u8>> = SyncSender::send;
    let _: fn(&SyncSender<u8>, u8) -> Result<(), TrySendError<u8>> = SyncSender::try_send;
    let _: fn(&Receiver<u8>) -> Result<u8, RecvError> = Receiver::recv;
    let _: fn(&Receiver<u8>) -> Result<u8, TryRecvError> = Receiver::try_recv;
    let _: fn(&Receiver<u8>, Duration) -> Result<u8, RecvTimeoutError> = Receiver::recv_timeout;
    let _: for<'a> fn(&'a Receiver<u8>) -> mpsc::Iter<'a, u8> = Receiver::iter;
    let _: for<'a> fn(&'a Receiver<u8>) -> mpsc::TryIter<'a, u8> = Receiver::try_iter;
    let _: fn(Receiver<u8>) -> mpsc::IntoIter<u8> = IntoIterator::into_iter;
    fn by_ref(rx: &Receiver<u8>) -> mpsc::Iter<'_, u8> {
        rx.into_iter()
    }
    let _ = by_ref;
    let _: fn(&Barrier) -> std::sync::BarrierWaitResult = Barrier::wait;
    let _: fn(&Barrier) -> lockorder::sync::BarrierWaitResult = Barrier::wait;
}

#[test]
fn without_tracking_the_ends_have_the_size_of_std_s() {
    if lockorder::enabled() {
        return;
    }
    use std::mem::size_of;
    assert_eq!(size_of::<Sender<u64>>(), size_of::<std::sync::mpsc::Sender<u64>>());
    assert_eq!(size_of::<SyncSender<u64>>(), size_of::<std::sync::mpsc::SyncSender<u64>>());
    assert_eq!(size_of::<Receiver<u64>>(), size_of::<std::sync::mpsc::Receiver<u64>>());
    assert_eq!(size_of::<Barrier>(), size_of::<std::sync::Barrier>());
}

#[test]
fn a_barrier_releases_its_threads_together_with_one_leader_per_round() {
    const THREADS: usize = 4;
    const ROUNDS: usize = 5;
    let _reports = Reports::collect();
    let barrier = Barrier::new(THREADS);
    let arrived = std::sync::atomic::AtomicUsize::new(0);
    let leaders = thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                s.spawn(|| {
                    let mut led = 0;
                    for round in 0..ROUNDS {
                        arrived.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        led += usize::from(barrier.wait().is_leader());
                        // Everyone of this round has arrived.
                        assert!(arrived.load(std::sync::atomic::Ordering::SeqCst) >= (round + 1) * THREADS);
                        // And nobody leaves the next round before all did.
                        barrier.wait();
                    }
                    led
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum::<usize>()
    });
    assert_eq!(leaders, ROUNDS);

    static ALONE: Barrier = Barrier::new(1);
    assert!(ALONE.wait().is_leader());
    assert!(ALONE.wait().is_leader());
}

#[test]
fn threads_waiting_at_a_barrier_each_holding_a_lock_of_its_own_are_silent() {
    const THREADS: usize = 3;
    let reports = Reports::collect();
    let barrier = Barrier::new(THREADS);
    let own: Vec<Mutex<usize>> = (0..THREADS).map(|_| Mutex::new(0)).collect();
    let shared = Mutex::new_named("shared", 0);
    thread::scope(|s| {
        for lock in &own {
            let (barrier, shared) = (&barrier, &shared);
            s.spawn(move || {
                for _ in 0..3 {
                    let mut mine = lock.lock().unwrap();
                    *mine += 1;
                    barrier.wait();
                    // A lock taken after the barrier, under one's own.
                    *shared.lock().unwrap() += *mine;
                    drop(mine);
                    barrier.wait();
                }
            });
        }
    });
    assert_eq!(*shared.lock().unwrap(), THREADS * (1 + 2 + 3));
    reports.assert_none();
}

/// A `recv` under a lock its sender needs, let through by `LOCKORDER=ignore`:
/// a real hang, which the watchdog reports as a wait for the message.
#[test]
#[cfg_attr(miri, ignore = "starts a child process")]
fn a_recv_that_hangs_is_seen_by_the_watchdog() {
    if !lockorder::enabled() {
        return; // no watchdog without tracking: the child would hang
    }
    let test = "a_recv_that_hangs_is_seen_by_the_watchdog";
    if is_child() {
        let state = Arc::new(Mutex::new_named("watched-state", ()));
        let (tx, rx) = channel::<()>();
        let held = state.lock().unwrap();
        let sender = {
            let state = Arc::clone(&state);
            thread::Builder::new()
                .name("watched-sender".into())
                .spawn(move || {
                    let _state = state.lock().unwrap();
                    tx.send(()).unwrap();
                })
                .unwrap()
        };
        let _ = rx.recv();
        drop(held);
        sender.join().unwrap();
        unreachable!("the recv and the sender deadlock");
    }
    let run = run_child(test, &[("LOCKORDER", "ignore"), ("LOCKORDER_WATCHDOG", "0.3")]);
    assert_eq!(run.status.code(), Some(lockorder::watchdog::EXIT_STATUS), "{run:?}");
    // The sender's wait for the lock is the engine's; under load it may
    // start after the watchdog's report, which only this wait must be in.
    for expected in [&format!("for {MESSAGE} {}:", file!()), "holding watched-state (lock, acquired at"] {
        assert!(run.stderr.contains(expected), "missing {expected:?} in:\n{}", run.stderr);
    }
}
