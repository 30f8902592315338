//! Regression tests of engine defects, one or two per defect, named after
//! the bug they pin down.
//!
//! Every test takes [`global_state`]: most set the policy or a handler,
//! and the others raise violations that a handler set by another test
//! would see, or read global counters.
#![cfg(debug_assertions)]

mod common;

use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::{
    collect_violations, expect_no_violation, expect_violation, expect_violation_on_thread, global_state, lock_names,
    on_thread, panic_message, take_violations,
};
use lockorder::sync::Mutex;
use lockorder::{Policy, ViolationKind};

/// Takes `first`, then `second` while holding it (poison ignored).
#[track_caller]
fn nest<T>(first: &Mutex<T>, second: &Mutex<T>) {
    let _first = first.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let _second = second.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
}

#[cfg(feature = "parking_lot")]
fn kinds(violations: &[lockorder::Violation]) -> Vec<ViolationKind> {
    violations.iter().map(|v| v.kind()).collect()
}

/// What a thread-local destructor or an unwinding drop takes: `second`
/// while holding `first`.
struct Inverted {
    first: Arc<Mutex<u32>>,
    second: Arc<Mutex<u32>>,
}

impl Drop for Inverted {
    fn drop(&mut self) {
        let _first = self.first.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *self.second.lock().unwrap_or_else(std::sync::PoisonError::into_inner) += 1;
    }
}

thread_local! {
    static ON_EXIT: RefCell<Option<Inverted>> = const { RefCell::new(None) };
}

const HANDLER_PANIC: &str = "the handler panics";

/// A handler that counts its calls and panics.
fn panicking_handler() -> Arc<AtomicUsize> {
    let calls = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&calls);
    lockorder::set_handler(move |_| {
        count.fetch_add(1, Ordering::SeqCst);
        panic!("{HANDLER_PANIC}");
    });
    calls
}

/// Defect: the handler ran outside `catch_unwind` where lockorder itself
/// refrains from panicking; a panicking handler aborted the process when
/// the violation was found in a thread-local destructor. Both orders of
/// registration of the engine's thread-locals and the user's.
#[test]
fn a_panicking_handler_in_a_thread_local_destructor_does_not_abort() {
    let _global = global_state();
    for policy in [Policy::Panic, Policy::Warn] {
        lockorder::set_policy(policy);
        for engine_first in [false, true] {
            let calls = panicking_handler();
            let a = Arc::new(Mutex::new_named("a", 0));
            let b = Arc::new(Mutex::new_named("b", 0));
            let inverted = Inverted { first: Arc::clone(&b), second: Arc::clone(&a) };
            std::thread::spawn(move || {
                if engine_first {
                    nest(&a, &b);
                }
                ON_EXIT.with(|slot| *slot.borrow_mut() = Some(inverted));
                if !engine_first {
                    nest(&a, &b);
                }
            })
            .join()
            .expect("the thread exits normally");
            assert_eq!(calls.load(Ordering::SeqCst), 1, "{policy:?}, engine first: {engine_first}");
        }
    }
}

/// The same defect while the thread unwinds: the handler's panic is
/// contained, and the thread's own panic is the one that reaches `join`.
#[test]
fn a_panicking_handler_while_unwinding_does_not_abort() {
    let _global = global_state();
    let calls = panicking_handler();
    let a = Arc::new(Mutex::new_named("a", 0));
    let b = Arc::new(Mutex::new_named("b", 0));
    nest(&a, &b);
    let inverted = Inverted { first: Arc::clone(&b), second: Arc::clone(&a) };
    let joined = std::thread::spawn(move || {
        let _inverted = inverted;
        panic!("the original panic");
    })
    .join();
    let payload = joined.expect_err("the thread panics");
    assert_eq!(panic_message(&*payload), Some("the original panic"));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // Outside those places the handler's panic still propagates.
    lockorder::set_policy(Policy::Ignore);
    let caught = catch_unwind(AssertUnwindSafe(|| nest(&b, &a))).expect_err("the handler's panic propagates");
    assert_eq!(panic_message(&*caught), Some(HANDLER_PANIC));
}

static INIT_A: Mutex<()> = Mutex::new_named("init-a", ());
static INIT_B: Mutex<()> = Mutex::new_named("init-b", ());

thread_local! {
    /// Initialized by taking `INIT_A` while holding `INIT_B`.
    static INITIALIZED: u32 = {
        let _b = INIT_B.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let _a = INIT_A.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        1
    };
}

/// Defect: a violation in a thread-local's *initializer* was taken for one
/// in a destructor (the frames of both matched), and `Panic` was
/// downgraded to a print.
#[test]
fn a_violation_in_a_thread_local_initializer_panics() {
    let _global = global_state();
    lockorder::set_policy(Policy::Panic);
    nest(&INIT_A, &INIT_B);
    let report = expect_violation_on_thread("initializer", || INITIALIZED.with(|v| *v));
    assert!(report.contains("cycle: init-a -> init-b -> init-a"), "{report}");
}

/// Defect: a guard given to `mem::forget` left its lock in the thread's
/// held set and in the graph after the lock was dropped: the dead lock
/// closed false cycles, its node stayed, and every later acquisition
/// walked the stale entries.
#[test]
fn a_lock_dropped_with_a_forgotten_guard_leaves_the_held_set_and_the_graph() {
    let _global = global_state();
    lockorder::set_policy(Policy::Panic);
    on_thread("forgotten", || {
        let x = Mutex::new_named("x", ());
        let y = Mutex::new_named("y", ());
        // x enters the graph: a lock taken under it parks its order there.
        nest(&x, &Mutex::new(()));
        let before = lockorder::stats();

        // Two locks of one class: once x -> w is recorded, a lock of w's
        // class taken under x parks its order in itself.
        let mut pair: Vec<Mutex<()>> = (0..2).map(|_| Mutex::new_named("l", ())).collect();
        let (l, w) = (pair.pop().unwrap(), pair.pop().unwrap());
        {
            let _x = x.lock().unwrap();
            drop(w.lock().unwrap());
            std::mem::forget(l.lock().unwrap());
        }
        drop(l);
        // l is gone: it is no source of y, and y -> x closes no cycle
        // through it.
        expect_no_violation(|| {
            drop(y.lock().unwrap());
            nest(&y, &x);
        });

        // Forgotten guards of locks taken with nothing held, the lock then
        // the source of an order.
        for _ in 0..100 {
            let l = Mutex::new(());
            std::mem::forget(l.lock().unwrap());
            let r = lockorder::sync::RwLock::new(());
            // Two entries of one lock.
            std::mem::forget(r.read().unwrap());
            std::mem::forget(r.try_read().unwrap());
            drop(y.lock().unwrap());
            drop((l, r));
        }
        let after = lockorder::stats();
        assert_eq!(after.nodes, before.nodes + 1, "only y joined the graph: {before:?} -> {after:?}");
        // Nothing is left held: a lock taken twice is reported as such.
        let report = expect_violation(|| {
            let _x = x.lock().unwrap();
            let _again = x.lock();
        });
        let held = common::held_of(&report);
        assert_eq!(held, ["x"], "{report}");
    })
    .unwrap();
}

/// A lock of the class of this creation site.
fn x_class() -> Mutex<()> {
    Mutex::new(())
}

/// A lock of the class of this other creation site.
fn y_class() -> Mutex<()> {
    Mutex::new(())
}

/// Defect: every class self-order (a lock taken while holding another of
/// its class) fell into one slot of the thread's class-order cache, so two
/// classes nested within themselves in turn evicted each other and
/// re-raised their reports each time. (A class nested within itself is
/// reported once it is nested both ways: here each round nests it one
/// way, then, on another pair, the other.)
#[test]
fn same_class_self_orders_are_each_reported_once() {
    let _global = global_state();
    lockorder::set_class_policy(Policy::Ignore);
    let seen = collect_violations("self-orders");
    on_thread("self-orders", || {
        for _ in 0..100 {
            let (x1, x2, x3) = (x_class(), x_class(), x_class());
            nest(&x1, &x2);
            nest(&x3, &x1);
            let (y1, y2, y3) = (y_class(), y_class(), y_class());
            nest(&y1, &y2);
            nest(&y3, &y1);
        }
    })
    .unwrap();
    let violations = take_violations(&seen);
    assert_eq!(violations.len(), 2, "one report per class, not one per nesting");
    assert!(violations.iter().all(|v| v.kind() == ViolationKind::ClassOrderInversion), "{violations:#?}");
}

/// Defect: under `Warn`/`Ignore` a thread cached a refused order as a
/// known edge. Once a lock of the cycle that refused it was dropped, the
/// order was legitimate and new, but the thread kept skipping it, so a
/// later opposite order on another thread (a real ABBA) went unreported.
#[test]
fn a_refused_order_is_recorded_once_the_cycle_that_refused_it_is_gone() {
    let _global = global_state();
    // With a handler (the report is built) and without one under `Ignore`
    // (it is not).
    for (policy, with_handler) in [(Policy::Warn, true), (Policy::Ignore, true), (Policy::Ignore, false)] {
        lockorder::set_policy(policy);
        let seen = collect_violations("t2");
        if !with_handler {
            lockorder::clear_handler();
        }
        let a = Mutex::new_named("a", ());
        let b = Mutex::new_named("b", ());
        let c = Mutex::new_named("c", ());
        // Another cycle, whose lock `y` is dropped while `c` lives: the
        // refusal of b -> a is checked again, and still stands.
        let x = Mutex::new_named("x", ());
        let y = Mutex::new_named("y", ());
        on_thread("t1", || {
            nest(&a, &c);
            nest(&c, &b);
            nest(&x, &y);
        })
        .unwrap();
        on_thread("t2", || {
            // b -> a closes a -> c -> b -> a: refused and reported once,
            // however often it is taken while the cycle lives.
            for _ in 0..3 {
                nest(&b, &a);
            }
            nest(&y, &x);
            drop(y);
            nest(&b, &a);
            // The cycle is gone: b -> a is a legitimate order now.
            drop(c);
            nest(&b, &a);
        })
        .unwrap();
        let reported = take_violations(&seen);
        if with_handler {
            // (Class orders are never forgotten: b -> a, once recorded, is
            // a class inversion, reported as such.)
            let inversions = reported.iter().filter(|v| v.kind() == ViolationKind::LockOrderInversion);
            let mut cycles: Vec<Vec<String>> = inversions.map(lock_names).collect();
            cycles.iter_mut().for_each(|c| c.sort());
            assert_eq!(cycles, [vec!["a", "b", "c"], vec!["x", "y"]], "{policy:?}: b -> a and y -> x, each once");
        }
        // t3's a -> b closes a real cycle with t2's b -> a.
        lockorder::set_policy(Policy::Panic);
        let report = expect_violation_on_thread("t3", || nest(&a, &b));
        assert!(report.contains("cycle: a -> b -> a") || report.contains("cycle: b -> a -> b"), "{report}");
    }
}

/// Defect: a granted re-entry (`read_recursive` of a lock this thread
/// reads) that raised a class report was learned by the fast path, which
/// then let a non-recursive acquisition of the same lock, with the same
/// locks held, through unchecked.
#[cfg(feature = "parking_lot")]
#[test]
fn a_granted_reentry_that_raised_a_report_keeps_the_reacquisition_check() {
    use lockorder::parking_lot::RwLock;

    let _global = global_state();
    lockorder::set_policy(Policy::Warn);
    lockorder::set_class_policy(Policy::Warn);
    let seen = collect_violations("reentry");
    // One creation site: one class.
    let locks: Vec<RwLock<()>> = (0..3).map(|_| RwLock::new(())).collect();
    on_thread("reentry", || {
        let (a, l) = (&locks[0], &locks[1]);
        // The class nested one way: a lock made and first used later, at a
        // higher address, held while `a` is taken.
        drop(a.read());
        drop((locks[2].read(), a.read()));
        let _a = a.read();
        let _l = l.try_read().expect("no writer");
        // Granted, but `l` nests in `a`'s class the other way: a class
        // report.
        drop(l.read_recursive());
        // A plain read of a lock this thread reads: reported (and, with
        // no writer queued, granted by parking_lot, so the test goes on).
        drop(l.read());
    })
    .unwrap();
    let violations = take_violations(&seen);
    assert_eq!(kinds(&violations), [ViolationKind::ClassOrderInversion, ViolationKind::Reacquire]);
}

/// [`a_granted_reentry_that_raised_a_report_keeps_the_reacquisition_check`]
/// with `write`, a certain self-deadlock: under the default policy it
/// panics before blocking (it used to hang).
#[cfg(feature = "parking_lot")]
#[test]
fn a_granted_reentry_that_raised_a_report_does_not_let_a_self_deadlock_through() {
    use lockorder::parking_lot::RwLock;

    let _global = global_state();
    lockorder::set_policy(Policy::Panic);
    lockorder::set_class_policy(Policy::Ignore);
    let locks: Vec<RwLock<()>> = (0..3).map(|_| RwLock::new(())).collect();
    let (a, l) = (&locks[0], &locks[1]);
    drop(a.read());
    drop((locks[2].read(), a.read()));
    let _a = a.read();
    let _l = l.try_read().expect("no writer");
    drop(l.read_recursive());
    let report = expect_violation(|| l.write());
    assert!(report.contains("which it already holds"), "{report}");
}

/// Defect: `Warn`'s set of cycles already printed kept the keys of cycles
/// of dropped locks: memory grew with every violation on short-lived
/// locks. Keyed by sites, it holds one key per cycle in the code.
#[test]
fn the_warn_once_set_is_as_large_as_the_cycles_of_sites() {
    let _global = global_state();
    lockorder::set_policy(Policy::Warn);
    lockorder::set_class_policy(Policy::Ignore);
    let before = lockorder::__warned_len();
    on_thread("warn-churn", || {
        for _ in 0..100 {
            let a = Mutex::new_named("a", ());
            let b = Mutex::new_named("b", ());
            nest(&a, &b);
            nest(&b, &a);
            #[cfg(feature = "parking_lot")]
            {
                let l = lockorder::parking_lot::RwLock::new(());
                let _first = l.read();
                // Reported, and granted by parking_lot (no writer).
                drop(l.read());
            }
        }
    })
    .unwrap();
    // Two cycles of sites (the inversion, and the re-read), whatever the
    // number of instances.
    let kept = lockorder::__warned_len() - before;
    assert!(kept <= 2, "the set kept {kept} keys for two cycles of sites");
}

/// Locks made by `Default` or `From` were given their caller's location as
/// creation site, so their class: one site for every field of a
/// `#[derive(Default)]` struct, and one inside std for the whole program
/// (`Arc::default()`, `.into()`). Nesting two of them, always in one order,
/// was reported as two locks of one class. They now have no class; their
/// instance orders are still checked.
#[test]
fn locks_made_by_default_or_from_share_no_class() {
    #[derive(Default)]
    struct Account {
        balance: Mutex<u64>,
        history: Mutex<Vec<u64>>,
    }
    #[derive(Default)]
    struct Users(Arc<lockorder::sync::RwLock<Vec<u32>>>);

    let _global = global_state();
    lockorder::set_class_policy(Policy::Panic);
    let seen = collect_violations("made-by-default");
    on_thread("made-by-default", || {
        let account = Account::default();
        nest(&account.balance, &Mutex::new(0));
        let mut balance = account.balance.lock().unwrap();
        account.history.lock().unwrap().push(*balance);
        *balance += 1;
        drop(balance);
        let (users, more_users) = (Users::default(), Users::default());
        let converted: Vec<Mutex<u32>> = (0..2).map(|i| i.into()).collect();
        let _users = users.0.write().unwrap();
        let _more = more_users.0.read().unwrap();
        let _first = converted[0].lock().unwrap();
        let _second = converted[1].lock().unwrap();
        assert!(account.balance.lock_info().class().is_none());
    })
    .unwrap();
    assert!(take_violations(&seen).is_empty());

    // Their instances are checked as any lock's: an inversion of two
    // fields is reported.
    lockorder::clear_handler();
    let account = Account::default();
    drop(account.history.lock().map(|_| account.balance.lock().unwrap()).unwrap());
    let report = expect_violation(|| {
        let _balance = account.balance.lock().unwrap();
        let _history = account.history.lock().unwrap();
    });
    assert!(common::is_inversion(&report), "{report}");
}
