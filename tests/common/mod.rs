//! Helpers shared by the integration tests: one lock type that runs a
//! scenario body as a `Mutex`, an `RwLock` read or an `RwLock` write, and
//! ways to catch a violation without touching global state.

// Each test binary uses a different part of this module.
#![allow(dead_code, unreachable_pub)]

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{PoisonError, TryLockError};

use lockorder::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// How a scenario takes its locks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `Mutex::lock`.
    Mutex,
    /// `RwLock::read` (not recursive in std: it counts like an exclusive lock).
    Read,
    /// `RwLock::write`.
    Write,
}

/// Every kind, for table-driven tests.
pub const KINDS: [Kind; 3] = [Kind::Mutex, Kind::Read, Kind::Write];

/// The kind of the `i`-th lock of a scenario in which the kinds are mixed.
pub fn mixed(i: usize) -> Kind {
    KINDS[i % KINDS.len()]
}

/// A tracked lock taken as its [`Kind`] says.
#[derive(Debug)]
pub enum Lock {
    Mutex(Mutex<()>),
    Read(RwLock<()>),
    Write(RwLock<()>),
}

/// The guard of a [`Lock`].
#[derive(Debug)]
pub enum Guard<'a> {
    Mutex(MutexGuard<'a, ()>),
    Read(RwLockReadGuard<'a, ()>),
    Write(RwLockWriteGuard<'a, ()>),
}

impl Lock {
    /// A new lock reported as `name`.
    #[track_caller]
    pub fn new(kind: Kind, name: &'static str) -> Lock {
        match kind {
            Kind::Mutex => Lock::Mutex(Mutex::new_named(name, ())),
            Kind::Read => Lock::Read(RwLock::new_named(name, ())),
            Kind::Write => Lock::Write(RwLock::new_named(name, ())),
        }
    }

    /// A new lock named by its creation site.
    #[track_caller]
    pub fn unnamed(kind: Kind) -> Lock {
        match kind {
            Kind::Mutex => Lock::Mutex(Mutex::new(())),
            Kind::Read => Lock::Read(RwLock::new(())),
            Kind::Write => Lock::Write(RwLock::new(())),
        }
    }

    /// `n` locks of `kind` named `prefix0`, `prefix1`, ...
    pub fn many(kind: impl Fn(usize) -> Kind, prefix: &str, n: usize) -> Vec<Lock> {
        (0..n).map(|i| Lock::new(kind(i), leak(format!("{prefix}{i}")))).collect()
    }

    pub fn kind(&self) -> Kind {
        match self {
            Lock::Mutex(_) => Kind::Mutex,
            Lock::Read(_) => Kind::Read,
            Lock::Write(_) => Kind::Write,
        }
    }

    /// Blocking acquisition (poisoning ignored: a caught violation poisons
    /// the locks its unwinding released).
    #[track_caller]
    pub fn acquire(&self) -> Guard<'_> {
        match self {
            Lock::Mutex(m) => Guard::Mutex(m.lock().unwrap_or_else(PoisonError::into_inner)),
            Lock::Read(l) => Guard::Read(l.read().unwrap_or_else(PoisonError::into_inner)),
            Lock::Write(l) => Guard::Write(l.write().unwrap_or_else(PoisonError::into_inner)),
        }
    }

    /// Non-blocking acquisition: `None` when it would block.
    #[track_caller]
    pub fn try_acquire(&self) -> Option<Guard<'_>> {
        fn ok<G>(result: Result<G, TryLockError<G>>) -> Option<G> {
            match result {
                Ok(guard) => Some(guard),
                Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
                Err(TryLockError::WouldBlock) => None,
            }
        }
        match self {
            Lock::Mutex(m) => ok(m.try_lock()).map(Guard::Mutex),
            Lock::Read(l) => ok(l.try_read()).map(Guard::Read),
            Lock::Write(l) => ok(l.try_write()).map(Guard::Write),
        }
    }

    /// How reports name this lock.
    pub fn name(&self) -> String {
        match self {
            Lock::Mutex(m) => m.lock_info().to_string(),
            Lock::Read(l) | Lock::Write(l) => l.lock_info().to_string(),
        }
    }
}

/// A `&'static str` made at run time (test names for many locks).
pub fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// Takes `first`, then `second` while holding it, then releases both.
#[track_caller]
pub fn nest(first: &Lock, second: &Lock) {
    let _first = first.acquire();
    let _second = second.acquire();
}

/// Runs `f` on a new thread named `name` and joins it at once.
pub fn on_thread<R: Send>(name: &str, f: impl FnOnce() -> R + Send) -> std::thread::Result<R> {
    std::thread::scope(|s| std::thread::Builder::new().name(name.to_owned()).spawn_scoped(s, f).unwrap().join())
}

/// The text of the lockorder report carried by a panic payload; panics if
/// the payload is anything else.
pub fn report_of(payload: Box<dyn Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(report) if report.starts_with("lockorder: potential deadlock") => *report,
        Ok(other) => panic!("expected a lockorder report, the panic was: {other}"),
        Err(payload) => panic!("expected a lockorder report, the panic was: {:?}", payload.downcast_ref::<&str>()),
    }
}

/// Runs `f`, which must raise a violation (under the default `Panic`
/// policy); returns the report.
#[track_caller]
pub fn expect_violation<R>(f: impl FnOnce() -> R) -> String {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(_) => panic!("expected a lock-order violation, but none was reported"),
        Err(payload) => report_of(payload),
    }
}

/// Runs `f` on a new thread named `name`; it must raise a violation.
pub fn expect_violation_on_thread<R: Send>(name: &str, f: impl FnOnce() -> R + Send) -> String {
    match on_thread(name, f) {
        Ok(_) => panic!("expected a lock-order violation on thread `{name}`, but none was reported"),
        Err(payload) => report_of(payload),
    }
}

/// Runs `f`, which must raise no violation (nor panic otherwise).
#[track_caller]
pub fn expect_no_violation<R>(f: impl FnOnce() -> R) -> R {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(value) => value,
        Err(payload) => match payload.downcast::<String>() {
            Ok(report) => panic!("unexpected violation:\n{report}"),
            Err(payload) => std::panic::resume_unwind(payload),
        },
    }
}

/// The lock names of the report's `cycle:` line, in order, the first one
/// repeated at the end.
pub fn cycle_of(report: &str) -> Vec<String> {
    let line = report
        .lines()
        .find_map(|l| l.strip_prefix("    cycle: "))
        .unwrap_or_else(|| panic!("no cycle line in the report:\n{report}"));
    line.split(" -> ").map(str::to_owned).collect()
}

/// Asserts the cycle line reads `names[0] -> names[1] -> .. -> names[0]`.
#[track_caller]
pub fn assert_cycle(report: &str, names: &[&str]) {
    let mut expected: Vec<&str> = names.to_vec();
    expected.push(names[0]);
    assert_eq!(cycle_of(report), expected, "wrong cycle in the report:\n{report}");
}

/// Whether the report is of a lock-order inversion (else a re-acquisition).
pub fn is_inversion(report: &str) -> bool {
    report.starts_with("lockorder: potential deadlock: lock order inversion between")
}

/// Whether the report is of a re-acquisition of a held lock.
pub fn is_reacquire(report: &str) -> bool {
    report.starts_with("lockorder: potential deadlock: thread `")
        && report.lines().next().unwrap().ends_with("which it already holds")
}

/// A raw spin lock for lock_api, whose guards are `Send`: a lock type that
/// is neither std's nor parking_lot's.
#[cfg(feature = "lock_api")]
#[derive(Debug)]
pub struct RawSpin(std::sync::atomic::AtomicBool);

// SAFETY: `lock` and `try_lock` acquire the flag with a compare-exchange
// (acquire ordering), `unlock` releases it; only one holder at a time.
#[cfg(feature = "lock_api")]
unsafe impl lockorder::lock_api::RawMutex for RawSpin {
    #[allow(clippy::declare_interior_mutable_const)] // lock_api's required initializer.
    const INIT: RawSpin = RawSpin(std::sync::atomic::AtomicBool::new(false));
    type GuardMarker = lockorder::lock_api::GuardSend;

    fn lock(&self) {
        while !self.try_lock() {
            std::thread::yield_now();
        }
    }

    fn try_lock(&self) -> bool {
        use std::sync::atomic::Ordering;
        self.0.compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed).is_ok()
    }

    unsafe fn unlock(&self) {
        self.0.store(false, std::sync::atomic::Ordering::Release);
    }
}

/// A lock_api mutex over [`RawSpin`].
#[cfg(feature = "lock_api")]
pub type SpinMutex<T> = lockorder::lock_api::Mutex<RawSpin, T>;
