//! Tracked locks taken where a panic would abort the process: in a
//! `thread_local!` value's destructor during thread exit, and in a `Drop`
//! that runs while the thread unwinds. Nothing may abort or hang there;
//! a violation found while the thread already panics is printed and handed
//! to the handler, never raised as a second panic.
//!
//! The engine's thread-locals may be destroyed before or after the user's,
//! depending on which was first used on the thread (destructors run in
//! reverse order of registration): each scenario runs both ways.
//!
//! Every test here takes [`global_state`]: one of them sets the handler,
//! and one runs this binary again as a child process.
#![cfg(debug_assertions)]

mod common;

use std::cell::RefCell;
use std::sync::Arc;

use common::{
    assert_cycle, collect_violations, expect_no_violation, expect_violation, global_state, is_child, lock_names,
    panic_message, run_child, take_violations,
};
use lockorder::sync::{Mutex, MutexGuard};
use lockorder::ViolationKind;

/// Counters whose destructor-time updates the test checks after the join.
#[derive(Debug)]
struct Locks {
    a: Mutex<u32>,
    b: Mutex<u32>,
    chain: Vec<Mutex<u32>>,
}

/// Deeper than the inline held set, so the destructor's nesting spills.
const DEEP: usize = 12;

impl Locks {
    fn new() -> Arc<Locks> {
        let chain = (0..DEEP).map(|i| Mutex::new_named(common::leak(format!("chain{i}")), 0)).collect();
        Arc::new(Locks { a: Mutex::new_named("a", 0), b: Mutex::new_named("b", 0), chain })
    }

    fn count(lock: &Mutex<u32>) -> u32 {
        *lock.lock().unwrap()
    }
}

/// What a thread-local's destructor does with the locks.
#[derive(Clone, Copy, Debug)]
enum AtExit {
    /// `a` then `b`, nested: the order the test thread uses.
    Nested,
    /// The whole chain nested in order, released out of order.
    Deep,
    /// `a`, `b`, `b`, `a`, one at a time: neither nesting nor
    /// re-acquisition.
    OneAtATime,
    /// `b` then `a`, nested: the reverse of the recorded order.
    Conflicting,
}

struct OnExit {
    locks: Arc<Locks>,
    what: AtExit,
}

impl Drop for OnExit {
    fn drop(&mut self) {
        let l = &*self.locks;
        match self.what {
            AtExit::Nested => {
                let mut a = l.a.lock().unwrap();
                let mut b = l.b.lock().unwrap();
                *a += 1;
                *b += 1;
            }
            AtExit::Deep => {
                let mut guards: Vec<Option<MutexGuard<'_, u32>>> =
                    l.chain.iter().map(|m| Some(m.lock().unwrap())).collect();
                for i in (0..DEEP).step_by(2).chain((0..DEEP).rev()) {
                    if let Some(mut guard) = guards[i].take() {
                        *guard += 1;
                    }
                }
            }
            AtExit::OneAtATime => {
                *l.a.lock().unwrap() += 1;
                *l.b.lock().unwrap() += 1;
                let b = l.b.lock().unwrap();
                drop(b);
                *l.a.lock().unwrap() += 1;
            }
            AtExit::Conflicting => {
                let mut b = l.b.lock().unwrap();
                let mut a = l.a.lock().unwrap();
                *a += 1;
                *b += 1;
            }
        }
    }
}

thread_local! {
    static ON_EXIT: RefCell<Option<OnExit>> = const { RefCell::new(None) };
}

/// Tracked work on fresh locks that reaches every per-thread structure of
/// the engine (new orders, a stack captured, nesting past the inline held
/// set), so that the engine's thread-locals are registered by the time it
/// returns.
fn wake_the_engine() {
    let fresh: Vec<Mutex<()>> = (0..DEEP).map(|_| Mutex::new(())).collect();
    let _guards: Vec<_> = fresh.iter().map(|m| m.lock().unwrap()).collect();
}

/// Runs a thread whose thread-local destructor does `what`, with the
/// thread-local registered before or after the engine's; returns the
/// join result.
fn exit_thread(locks: &Arc<Locks>, what: AtExit, engine_first: bool) -> std::thread::Result<()> {
    let locks = Arc::clone(locks);
    let name = format!("exiting-{what:?}-engine-first-{engine_first}");
    std::thread::Builder::new()
        .name(name)
        .spawn(move || {
            if engine_first {
                wake_the_engine();
            }
            ON_EXIT.with(|slot| *slot.borrow_mut() = Some(OnExit { locks, what }));
            if !engine_first {
                wake_the_engine();
            }
        })
        .expect("spawn")
        .join()
}

#[test]
fn nested_locking_in_a_consistent_order_in_a_thread_local_destructor_joins_ok() {
    let _global = global_state();
    for engine_first in [false, true] {
        let locks = Locks::new();
        nest_mutexes(&locks.a, &locks.b);
        assert!(exit_thread(&locks, AtExit::Nested, engine_first).is_ok(), "engine first: {engine_first}");
        assert_eq!((Locks::count(&locks.a), Locks::count(&locks.b)), (1, 1), "the destructor took both locks");
        // The engine is intact: the order still holds, its reverse is still
        // reported.
        expect_no_violation(|| nest_mutexes(&locks.a, &locks.b));
        let report = expect_violation(|| nest_mutexes(&locks.b, &locks.a));
        assert_cycle(&report, &["a", "b"]);
    }
}

#[test]
fn nesting_past_the_inline_held_set_in_a_thread_local_destructor_joins_ok() {
    let _global = global_state();
    for engine_first in [false, true] {
        let locks = Locks::new();
        assert!(exit_thread(&locks, AtExit::Deep, engine_first).is_ok(), "engine first: {engine_first}");
        assert!(locks.chain.iter().all(|m| Locks::count(m) == 1), "the destructor took the whole chain");
        // Nothing of the exited thread is left held here, and a consistent
        // order raises nothing.
        expect_no_violation(|| {
            let _guards: Vec<_> = locks.chain.iter().map(|m| m.lock().unwrap()).collect();
        });
    }
}

#[test]
fn locking_one_lock_at_a_time_in_a_thread_local_destructor_joins_ok() {
    let _global = global_state();
    for engine_first in [false, true] {
        let locks = Locks::new();
        nest_mutexes(&locks.a, &locks.b);
        assert!(exit_thread(&locks, AtExit::OneAtATime, engine_first).is_ok(), "engine first: {engine_first}");
        assert_eq!((Locks::count(&locks.a), Locks::count(&locks.b)), (2, 1));
        // Taking b alone then a alone recorded no b -> a.
        expect_no_violation(|| nest_mutexes(&locks.a, &locks.b));
    }
}

const CONFLICT_CHILD: &str = "child_thread_local_destructor_locking_in_the_reverse_order";

/// Runs in a child process only: a panic escaping a thread-local
/// destructor aborts the whole process, which would take every other test
/// of this binary with it.
#[test]
fn child_thread_local_destructor_locking_in_the_reverse_order() {
    if !is_child() {
        return;
    }
    for engine_first in [false, true] {
        let locks = Locks::new();
        nest_mutexes(&locks.a, &locks.b);
        // Whether tracking still sees the reverse order there is not
        // specified (it may have degraded to a no-op): only that the thread
        // exits and is joined.
        assert!(exit_thread(&locks, AtExit::Conflicting, engine_first).is_ok(), "engine first: {engine_first}");
        assert_eq!((Locks::count(&locks.a), Locks::count(&locks.b)), (1, 1), "the destructor took both locks");
    }
}

/// A thread-local destructor that takes two locks in the reverse of their
/// recorded order: the thread exits and is joined, nothing aborts or
/// hangs. The scenario runs in a child process (see the child test).
#[test]
fn locking_in_a_conflicting_order_in_a_thread_local_destructor_does_not_abort() {
    let _global = global_state();
    let child = run_child(CONFLICT_CHILD, &[]);
    child.assert_passed(CONFLICT_CHILD);
}

/// Takes `lock` when dropped: dropped while the thread unwinds with another
/// lock held, the closing acquisition of an ABBA.
struct LockOnDrop<'a> {
    lock: &'a Mutex<u32>,
}

impl Drop for LockOnDrop<'_> {
    fn drop(&mut self) {
        *self.lock.lock().unwrap_or_else(std::sync::PoisonError::into_inner) += 1;
    }
}

const ORIGINAL_PANIC: &str = "the original panic of the unwinding thread";

#[test]
fn a_violation_while_unwinding_goes_to_the_handler_and_the_original_panic_is_kept() {
    let _global = global_state();
    let seen = collect_violations("unwinding");
    let locks = Locks::new();
    nest_mutexes(&locks.a, &locks.b);

    let joined = std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("unwinding".to_owned())
            .spawn_scoped(s, || {
                let _b = locks.b.lock().unwrap();
                // Dropped first, while b is still held: b -> a.
                let _closer = LockOnDrop { lock: &locks.a };
                panic!("{ORIGINAL_PANIC}");
            })
            .expect("spawn")
            .join()
    });

    // The process did not abort (we are here), and the thread's panic is
    // its own, not the report.
    let payload = joined.expect_err("the thread panics");
    assert_eq!(panic_message(&*payload), Some(ORIGINAL_PANIC));
    // The acquisition went on: the destructor took a.
    assert_eq!(*locks.a.lock().unwrap_or_else(std::sync::PoisonError::into_inner), 1);

    let violations = take_violations(&seen);
    assert_eq!(violations.len(), 1, "the handler sees the violation once: {violations:#?}");
    let violation = &violations[0];
    assert_eq!(violation.kind(), ViolationKind::LockOrderInversion);
    assert_eq!(lock_names(violation), ["a", "b"]);
    assert_eq!(violation.thread(), "unwinding");
    assert_eq!(violation.attempt().to().to_string(), "a");
    assert!(violation.to_string().contains("cycle: a -> b -> a"), "{violation}");

    // The order was not recorded: it is still reported on a healthy thread.
    locks.b.clear_poison();
    let report = expect_violation(|| nest_mutexes(&locks.b, &locks.a));
    assert_cycle(&report, &["a", "b"]);
    expect_no_violation(|| nest_mutexes(&locks.a, &locks.b));
}

/// Takes `first`, then `second` while holding it (poison ignored).
#[track_caller]
fn nest_mutexes(first: &Mutex<u32>, second: &Mutex<u32>) {
    let _first = first.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let _second = second.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
}
