//! `Once`, `OnceLock` and `LazyLock`: every access is an acquisition, so an
//! initializer that re-enters its own cell, or takes a lock held elsewhere
//! around the same cell, is reported (instead of hanging); plain use raises
//! nothing.
#![cfg(debug_assertions)]

mod common;

use common::{expect_no_violation, expect_violation, is_inversion, is_reacquire};
use lockorder::sync::{LazyLock, Mutex, Once, OnceLock};
use std::sync::atomic::{AtomicUsize, Ordering};

#[test]
fn once_lock_initializer_touching_its_cell_is_a_reacquisition() {
    let cell: OnceLock<u32> = OnceLock::new();
    let report = expect_violation(|| cell.get_or_init(|| *cell.get_or_init(|| 1) + 1));
    assert!(is_reacquire(&report), "{report}");
    assert!(report.contains("(init, acquired at tests/once.rs:"), "{report}");
    // std: the panic left the cell empty, and it still works.
    assert_eq!(cell.get(), None);
    assert_eq!(*cell.get_or_init(|| 3), 3);
}

#[test]
fn once_lock_set_from_its_own_initializer_is_a_reacquisition() {
    let cell: OnceLock<u32> = OnceLock::new();
    let report = expect_violation(|| {
        cell.get_or_init(|| {
            let _ = cell.set(2);
            1
        })
    });
    assert!(is_reacquire(&report), "{report}");
    assert_eq!(cell.get(), None);
}

#[test]
fn lazy_lock_initializer_touching_itself_is_a_reacquisition() {
    // Only this test sees this static.
    static SELF_REFERENTIAL: LazyLock<u32> = LazyLock::new(|| *SELF_REFERENTIAL + 1);
    let report = expect_violation(|| *SELF_REFERENTIAL);
    assert!(is_reacquire(&report), "{report}");
}

#[test]
fn once_called_from_its_own_closure_is_a_reacquisition() {
    let once = Once::new();
    let report = expect_violation(|| once.call_once(|| once.call_once(|| ())));
    assert!(is_reacquire(&report), "{report}");
    assert!(!once.is_completed());
}

/// `Once::wait` is a wait for the initialization: from inside the
/// initializer it can never return (reported, where std hangs), and under
/// a lock the initializer takes it closes a cycle, reported even when the
/// `Once` is already done. `wait_force` alike; a plain wait is silent.
#[test]
fn waiting_for_a_once_is_ordered_like_running_it() {
    for force in [false, true] {
        let wait = |once: &Once| if force { once.wait_force() } else { once.wait() };
        let once = Once::new();
        let report = expect_violation(|| once.call_once(|| wait(&once)));
        assert!(is_reacquire(&report), "{report}");
        assert!(!once.is_completed());

        let (once, config) = (Once::new(), Mutex::new_named("config", ()));
        once.call_once(|| drop(config.lock().unwrap()));
        let report = expect_violation(|| {
            let _config = config.lock().unwrap();
            wait(&once);
        });
        assert!(is_inversion(&report), "{report}");
        assert!(report.contains("config"), "{report}");

        let done = Once::new();
        std::thread::scope(|s| {
            let waiter = s.spawn(|| expect_no_violation(|| wait(&done)));
            done.call_once(|| ());
            waiter.join().unwrap();
        });
    }
}

/// The cell types, behind one interface: `access(init)` is the tracked
/// access; `init` runs only if the cell is not initialized yet.
trait Cell: Sync {
    fn access(&self, init: &dyn Fn());
}

impl Cell for OnceLock<()> {
    fn access(&self, init: &dyn Fn()) {
        self.get_or_init(init);
    }
}

/// `set` takes no initializer: the first access initializes through
/// `get_or_init`, and every access then goes through `set`, which is
/// tracked even though the cell is full.
struct SetOnly(OnceLock<()>);

impl Cell for SetOnly {
    fn access(&self, init: &dyn Fn()) {
        if self.0.get().is_none() {
            self.0.get_or_init(init);
        }
        assert_eq!(self.0.set(()), Err(()));
    }
}

impl Cell for Once {
    fn access(&self, init: &dyn Fn()) {
        self.call_once(init);
    }
}

struct Lazy<'a>(LazyLock<(), Box<dyn Fn() + Send + Sync + 'a>>);

impl Cell for Lazy<'_> {
    fn access(&self, _init: &dyn Fn()) {
        // The initializer was given at construction.
        *self.0
    }
}

/// The initializer takes `a` (cell -> a); later `a` is held around an
/// access of the already initialized cell (a -> cell): reported, as a
/// thread that found the cell still initializing would block there.
#[test]
fn initializer_taking_a_lock_held_around_the_cell_is_an_inversion() {
    let a = Mutex::new_named("a", ());
    let take_a = || drop(a.lock().unwrap());
    let cells: Vec<(&str, Box<dyn Cell + '_>)> = vec![
        ("OnceLock::get_or_init", Box::new(OnceLock::new())),
        ("OnceLock::set", Box::new(SetOnly(OnceLock::new()))),
        ("Once::call_once", Box::new(Once::new())),
        ("LazyLock::deref", Box::new(Lazy(LazyLock::new(Box::new(take_a))))),
    ];
    for (what, cell) in &cells {
        cell.access(&take_a); // cell -> a
        let report = expect_violation(|| {
            let _a = a.lock().unwrap();
            cell.access(&|| unreachable!("already initialized"));
        });
        assert!(is_inversion(&report), "{what}:\n{report}");
        let cycle = common::cycle_of(&report);
        assert_eq!(cycle.len(), 3, "{what}:\n{report}");
        assert_eq!(cycle[1], "a", "{what}:\n{report}");
        assert!(cycle[0].starts_with("tests/once.rs:"), "{what}: an unnamed cell is named by its site:\n{report}");
        // The lock is poisoned by the caught panic; clear it for the next cell.
        a.clear_poison();
    }
}

/// The other direction: `a` held around an access of the cell first, then
/// an initializer of the (reset) cell takes `a`.
#[test]
fn lock_held_around_the_cell_then_taken_by_its_initializer_is_an_inversion() {
    let a = Mutex::new_named("a", ());
    let mut cell: OnceLock<u32> = OnceLock::new();
    {
        let _a = a.lock().unwrap();
        assert_eq!(*cell.get_or_init(|| 1), 1); // a -> cell
    }
    assert_eq!(cell.take(), Some(1));
    let report = expect_violation(|| {
        *cell.get_or_init(|| {
            let _a = a.lock().unwrap(); // cell -> a
            2
        })
    });
    assert!(is_inversion(&report), "{report}");
    assert_eq!(common::cycle_of(&report)[0], "a");
    assert_eq!(cell.get(), None);
}

#[test]
fn nested_cells_in_one_order_raise_nothing() {
    let inner: OnceLock<u32> = OnceLock::new();
    let outer: OnceLock<u32> = OnceLock::new();
    let lazy = LazyLock::new(|| *outer.get_or_init(|| *inner.get_or_init(|| 20) + 1) + 1);
    expect_no_violation(|| {
        assert_eq!(*lazy, 22);
        assert_eq!(*outer.get_or_init(|| 0), 21);
        assert_eq!(*inner.get_or_init(|| 0), 20);
    });
}

const THREADS: usize = if cfg!(miri) { 4 } else { 8 };
/// Accesses per thread (fewer under Miri, which interleaves threads at
/// random anyway).
const ROUNDS: usize = if cfg!(miri) { 10 } else { 100 };

#[test]
fn many_threads_calling_get_or_init_see_one_value() {
    let cell: OnceLock<usize> = OnceLock::new();
    let runs = AtomicUsize::new(0);
    let values: Vec<usize> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let (cell, runs) = (&cell, &runs);
                s.spawn(move || {
                    let mut seen = 0;
                    for _ in 0..ROUNDS {
                        seen = *cell.get_or_init(|| {
                            runs.fetch_add(1, Ordering::SeqCst);
                            t + 1000
                        });
                    }
                    seen
                })
            })
            .map(|h| h.join().expect("no violation"))
            .collect();
        handles
    });
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    assert!(values.iter().all(|&v| v == values[0]), "{values:?}");
}

#[test]
fn many_threads_using_lazy_lock_and_once() {
    let runs = AtomicUsize::new(0);
    let lazy = LazyLock::new(|| {
        runs.fetch_add(1, Ordering::SeqCst);
        42
    });
    let once = Once::new();
    let once_runs = AtomicUsize::new(0);
    let lock = Mutex::new_named("around", 0);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                s.spawn(|| {
                    for _ in 0..ROUNDS {
                        // Always the same order: the lock, then the cells.
                        let mut guard = lock.lock().unwrap();
                        *guard += *lazy;
                        once.call_once(|| {
                            once_runs.fetch_add(1, Ordering::SeqCst);
                        });
                    }
                })
            })
            .collect();
        for h in handles {
            assert!(h.join().is_ok(), "a thread raised a violation");
        }
    });
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    assert_eq!(once_runs.load(Ordering::SeqCst), 1);
    assert!(once.is_completed());
    assert_eq!(*lock.lock().unwrap(), 42 * ROUNDS * THREADS);
}

#[test]
fn once_lock_set_and_get() {
    let cell = OnceLock::new();
    assert_eq!(cell.set(1), Ok(()));
    assert_eq!(cell.set(2), Err(2));
    assert_eq!(cell.get(), Some(&1));
    assert_eq!(cell.into_inner(), Some(1));
}

/// Counts its drops.
struct Counted<'a>(&'a AtomicUsize);

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn a_lazy_lock_drops_its_value_or_its_unused_initializer_once() {
    let (value_drops, init_drops) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let (values, inits) = (&value_drops, &init_drops);
    let forced = LazyLock::new({
        let init = Counted(inits);
        move || {
            drop(init);
            Counted(values)
        }
    });
    let _ = &*forced;
    assert_eq!(inits.load(Ordering::SeqCst), 1, "the initializer is consumed by the first access");
    drop(forced);
    assert_eq!(values.load(Ordering::SeqCst), 1, "the value is dropped with the cell");

    let unused = LazyLock::new({
        let init = Counted(inits);
        move || {
            drop(init);
            Counted(values)
        }
    });
    drop(unused);
    assert_eq!(inits.load(Ordering::SeqCst), 2, "an initializer never run is dropped with the cell");
    assert_eq!(values.load(Ordering::SeqCst), 1);

    let poisoned: LazyLock<u8, _> = LazyLock::new({
        let init = Counted(inits);
        move || {
            drop(init);
            panic!("the initializer fails");
        }
    });
    assert!(std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| *poisoned)).is_err());
    assert_eq!(inits.load(Ordering::SeqCst), 3);
    drop(poisoned);
    assert_eq!(inits.load(Ordering::SeqCst), 3, "a consumed initializer is not dropped again");
}
