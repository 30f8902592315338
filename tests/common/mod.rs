//! Helpers shared by the integration tests: one lock type that runs a
//! scenario body as any lock of any backend (std's `Mutex`, `RwLock` read
//! or write, parking_lot's, a lock_api mutex, tokio's), and ways to catch a
//! violation without touching global state.

// Each test binary uses a different part of this module.
#![allow(dead_code, unreachable_pub)]

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, LockResult, PoisonError, TryLockError};

use lockorder::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use lockorder::{Policy, Violation};

/// How a scenario takes its locks: the std kinds, then (with their cargo
/// features) parking_lot's, a lock_api mutex over a raw lock of our own,
/// and tokio's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `Mutex::lock`.
    Mutex,
    /// `RwLock::read` (not recursive in std: it counts like an exclusive lock).
    Read,
    /// `RwLock::write`.
    Write,
    /// `parking_lot::Mutex::lock`.
    #[cfg(feature = "parking_lot")]
    PlMutex,
    /// `parking_lot::RwLock::read` (not recursive either).
    #[cfg(feature = "parking_lot")]
    PlRead,
    /// `parking_lot::RwLock::write`.
    #[cfg(feature = "parking_lot")]
    PlWrite,
    /// `parking_lot::RwLock::upgradable_read` (exclusive against itself).
    #[cfg(feature = "parking_lot")]
    PlUpgradable,
    /// `lock_api::Mutex<RawSpin, _>::lock`.
    #[cfg(feature = "lock_api")]
    Spin,
    /// `tokio::sync::Mutex::lock().await`.
    #[cfg(feature = "tokio")]
    TokioMutex,
    /// `tokio::sync::RwLock::read().await`.
    #[cfg(feature = "tokio")]
    TokioRead,
    /// `tokio::sync::RwLock::write().await`.
    #[cfg(feature = "tokio")]
    TokioWrite,
}

/// The std kinds, for tests of std's semantics.
pub const KINDS: [Kind; 3] = [Kind::Mutex, Kind::Read, Kind::Write];

/// The kind of the `i`-th lock of a std scenario in which the kinds are
/// mixed.
pub fn mixed(i: usize) -> Kind {
    KINDS[i % KINDS.len()]
}

/// Every kind of every backend compiled in: the scenario table.
pub fn all_kinds() -> Vec<Kind> {
    #[allow(unused_mut)]
    let mut kinds = KINDS.to_vec();
    #[cfg(feature = "parking_lot")]
    kinds.extend([Kind::PlMutex, Kind::PlRead, Kind::PlWrite, Kind::PlUpgradable]);
    #[cfg(feature = "lock_api")]
    kinds.push(Kind::Spin);
    #[cfg(feature = "tokio")]
    kinds.extend([Kind::TokioMutex, Kind::TokioRead, Kind::TokioWrite]);
    kinds
}

/// The kind of the `i`-th lock of a scenario mixing every backend.
pub fn mixed_all(i: usize) -> Kind {
    let kinds = all_kinds();
    kinds[i % kinds.len()]
}

/// A tracked lock taken as its [`Kind`] says.
#[derive(Debug)]
pub enum Lock {
    Mutex(Mutex<()>),
    Read(RwLock<()>),
    Write(RwLock<()>),
    #[cfg(feature = "parking_lot")]
    PlMutex(lockorder::parking_lot::Mutex<()>),
    #[cfg(feature = "parking_lot")]
    PlRead(lockorder::parking_lot::RwLock<()>),
    #[cfg(feature = "parking_lot")]
    PlWrite(lockorder::parking_lot::RwLock<()>),
    #[cfg(feature = "parking_lot")]
    PlUpgradable(lockorder::parking_lot::RwLock<()>),
    #[cfg(feature = "lock_api")]
    Spin(SpinMutex<()>),
    #[cfg(feature = "tokio")]
    TokioMutex(lockorder::tokio::Mutex<()>),
    #[cfg(feature = "tokio")]
    TokioRead(lockorder::tokio::RwLock<()>),
    #[cfg(feature = "tokio")]
    TokioWrite(lockorder::tokio::RwLock<()>),
}

/// The guard of a [`Lock`].
#[derive(Debug)]
pub enum Guard<'a> {
    Mutex(MutexGuard<'a, ()>),
    Read(RwLockReadGuard<'a, ()>),
    Write(RwLockWriteGuard<'a, ()>),
    #[cfg(feature = "parking_lot")]
    PlMutex(lockorder::parking_lot::MutexGuard<'a, ()>),
    #[cfg(feature = "parking_lot")]
    PlRead(lockorder::parking_lot::RwLockReadGuard<'a, ()>),
    #[cfg(feature = "parking_lot")]
    PlWrite(lockorder::parking_lot::RwLockWriteGuard<'a, ()>),
    #[cfg(feature = "parking_lot")]
    PlUpgradable(lockorder::parking_lot::RwLockUpgradableReadGuard<'a, ()>),
    #[cfg(feature = "lock_api")]
    Spin(lockorder::lock_api::MutexGuard<'a, RawSpin, ()>),
    #[cfg(feature = "tokio")]
    TokioMutex(lockorder::tokio::MutexGuard<'a, ()>),
    #[cfg(feature = "tokio")]
    TokioRead(lockorder::tokio::RwLockReadGuard<'a, ()>),
    #[cfg(feature = "tokio")]
    TokioWrite(lockorder::tokio::RwLockWriteGuard<'a, ()>),
}

/// One lock of each kind, named or not, made by one table.
macro_rules! make_lock {
    ($kind:expr, $($name:expr)?) => {
        match $kind {
            Kind::Mutex => Lock::Mutex(make_lock!(@new Mutex<()>; $($name)?)),
            Kind::Read => Lock::Read(make_lock!(@new RwLock<()>; $($name)?)),
            Kind::Write => Lock::Write(make_lock!(@new RwLock<()>; $($name)?)),
            #[cfg(feature = "parking_lot")]
            Kind::PlMutex => Lock::PlMutex(make_lock!(@new lockorder::parking_lot::Mutex<()>; $($name)?)),
            #[cfg(feature = "parking_lot")]
            Kind::PlRead => Lock::PlRead(make_lock!(@new lockorder::parking_lot::RwLock<()>; $($name)?)),
            #[cfg(feature = "parking_lot")]
            Kind::PlWrite => Lock::PlWrite(make_lock!(@new lockorder::parking_lot::RwLock<()>; $($name)?)),
            #[cfg(feature = "parking_lot")]
            Kind::PlUpgradable => Lock::PlUpgradable(make_lock!(@new lockorder::parking_lot::RwLock<()>; $($name)?)),
            #[cfg(feature = "lock_api")]
            Kind::Spin => Lock::Spin(make_lock!(@new SpinMutex<()>; $($name)?)),
            #[cfg(feature = "tokio")]
            Kind::TokioMutex => Lock::TokioMutex(make_lock!(@new lockorder::tokio::Mutex<()>; $($name)?)),
            #[cfg(feature = "tokio")]
            Kind::TokioRead => Lock::TokioRead(make_lock!(@new lockorder::tokio::RwLock<()>; $($name)?)),
            #[cfg(feature = "tokio")]
            Kind::TokioWrite => Lock::TokioWrite(make_lock!(@new lockorder::tokio::RwLock<()>; $($name)?)),
        }
    };
    (@new $ty:ty; $name:expr) => { <$ty>::new_named($name, ()) };
    (@new $ty:ty;) => { <$ty>::new(()) };
}

impl Lock {
    /// A new lock reported as `name`.
    #[track_caller]
    pub fn new(kind: Kind, name: &'static str) -> Lock {
        make_lock!(kind, name)
    }

    /// A new lock named by its creation site.
    #[track_caller]
    pub fn unnamed(kind: Kind) -> Lock {
        make_lock!(kind,)
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
            #[cfg(feature = "parking_lot")]
            Lock::PlMutex(_) => Kind::PlMutex,
            #[cfg(feature = "parking_lot")]
            Lock::PlRead(_) => Kind::PlRead,
            #[cfg(feature = "parking_lot")]
            Lock::PlWrite(_) => Kind::PlWrite,
            #[cfg(feature = "parking_lot")]
            Lock::PlUpgradable(_) => Kind::PlUpgradable,
            #[cfg(feature = "lock_api")]
            Lock::Spin(_) => Kind::Spin,
            #[cfg(feature = "tokio")]
            Lock::TokioMutex(_) => Kind::TokioMutex,
            #[cfg(feature = "tokio")]
            Lock::TokioRead(_) => Kind::TokioRead,
            #[cfg(feature = "tokio")]
            Lock::TokioWrite(_) => Kind::TokioWrite,
        }
    }

    /// Blocking acquisition (poisoning ignored: a caught violation poisons
    /// the locks its unwinding released). tokio's locks are taken through
    /// their futures (`lock().await`), polled on this thread until ready,
    /// so their checks run where a task's would: at the first poll.
    #[track_caller]
    pub fn acquire(&self) -> Guard<'_> {
        match self {
            Lock::Mutex(m) => Guard::Mutex(m.lock().unwrap_or_else(PoisonError::into_inner)),
            Lock::Read(l) => Guard::Read(l.read().unwrap_or_else(PoisonError::into_inner)),
            Lock::Write(l) => Guard::Write(l.write().unwrap_or_else(PoisonError::into_inner)),
            #[cfg(feature = "parking_lot")]
            Lock::PlMutex(m) => Guard::PlMutex(m.lock()),
            #[cfg(feature = "parking_lot")]
            Lock::PlRead(l) => Guard::PlRead(l.read()),
            #[cfg(feature = "parking_lot")]
            Lock::PlWrite(l) => Guard::PlWrite(l.write()),
            #[cfg(feature = "parking_lot")]
            Lock::PlUpgradable(l) => Guard::PlUpgradable(l.upgradable_read()),
            #[cfg(feature = "lock_api")]
            Lock::Spin(m) => Guard::Spin(m.lock()),
            #[cfg(feature = "tokio")]
            Lock::TokioMutex(m) => Guard::TokioMutex(poll_until_ready(m.lock())),
            #[cfg(feature = "tokio")]
            Lock::TokioRead(l) => Guard::TokioRead(poll_until_ready(l.read())),
            #[cfg(feature = "tokio")]
            Lock::TokioWrite(l) => Guard::TokioWrite(poll_until_ready(l.write())),
        }
    }

    /// [`Lock::acquire`] in a task: tokio's locks are awaited.
    pub async fn acquire_async(&self) -> Guard<'_> {
        match self {
            #[cfg(feature = "tokio")]
            Lock::TokioMutex(m) => Guard::TokioMutex(m.lock().await),
            #[cfg(feature = "tokio")]
            Lock::TokioRead(l) => Guard::TokioRead(l.read().await),
            #[cfg(feature = "tokio")]
            Lock::TokioWrite(l) => Guard::TokioWrite(l.write().await),
            _ => self.acquire(),
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
            #[cfg(feature = "parking_lot")]
            Lock::PlMutex(m) => m.try_lock().map(Guard::PlMutex),
            #[cfg(feature = "parking_lot")]
            Lock::PlRead(l) => l.try_read().map(Guard::PlRead),
            #[cfg(feature = "parking_lot")]
            Lock::PlWrite(l) => l.try_write().map(Guard::PlWrite),
            #[cfg(feature = "parking_lot")]
            Lock::PlUpgradable(l) => l.try_upgradable_read().map(Guard::PlUpgradable),
            #[cfg(feature = "lock_api")]
            Lock::Spin(m) => m.try_lock().map(Guard::Spin),
            #[cfg(feature = "tokio")]
            Lock::TokioMutex(m) => m.try_lock().ok().map(Guard::TokioMutex),
            #[cfg(feature = "tokio")]
            Lock::TokioRead(l) => l.try_read().ok().map(Guard::TokioRead),
            #[cfg(feature = "tokio")]
            Lock::TokioWrite(l) => l.try_write().ok().map(Guard::TokioWrite),
        }
    }

    /// Blocking acquisition that reports poisoning as std does: a poisoned
    /// lock gives its (working) guard back inside the `PoisonError`.
    #[track_caller]
    pub fn acquire_checked(&self) -> Result<Guard<'_>, PoisonError<Guard<'_>>> {
        fn wrap<G, U>(result: LockResult<G>, f: impl FnOnce(G) -> U) -> Result<U, PoisonError<U>> {
            match result {
                Ok(guard) => Ok(f(guard)),
                Err(poisoned) => Err(PoisonError::new(f(poisoned.into_inner()))),
            }
        }
        match self {
            Lock::Mutex(m) => wrap(m.lock(), Guard::Mutex),
            Lock::Read(l) => wrap(l.read(), Guard::Read),
            Lock::Write(l) => wrap(l.write(), Guard::Write),
            // Only std's locks poison.
            #[allow(unreachable_patterns)]
            _ => Ok(self.acquire()),
        }
    }

    /// Poisons the lock: a thread named `poisoner` takes it exclusively (a
    /// write lock for both `RwLock` kinds: a reader does not poison) and
    /// panics while holding it.
    pub fn poison(&self) {
        let joined = on_thread("poisoner", || {
            let _guard = match self {
                Lock::Mutex(m) => Guard::Mutex(m.lock().unwrap_or_else(PoisonError::into_inner)),
                Lock::Read(l) | Lock::Write(l) => Guard::Write(l.write().unwrap_or_else(PoisonError::into_inner)),
                #[allow(unreachable_patterns)]
                other => panic!("{:?} locks do not poison", other.kind()),
            };
            panic!("{POISONER_PANIC}");
        });
        let payload = joined.expect_err("the poisoner panics");
        assert_eq!(panic_message(&*payload), Some(POISONER_PANIC), "the poisoner should panic with its own message");
        assert!(self.is_poisoned(), "a panic while holding the lock poisons it");
    }

    pub fn is_poisoned(&self) -> bool {
        match self {
            Lock::Mutex(m) => m.is_poisoned(),
            Lock::Read(l) | Lock::Write(l) => l.is_poisoned(),
            #[allow(unreachable_patterns)]
            _ => false,
        }
    }

    pub fn clear_poison(&self) {
        match self {
            Lock::Mutex(m) => m.clear_poison(),
            Lock::Read(l) | Lock::Write(l) => l.clear_poison(),
            #[allow(unreachable_patterns)]
            _ => {}
        }
    }

    /// How reports name this lock.
    pub fn name(&self) -> String {
        match self {
            Lock::Mutex(m) => m.lock_info().to_string(),
            Lock::Read(l) | Lock::Write(l) => l.lock_info().to_string(),
            #[cfg(feature = "parking_lot")]
            Lock::PlMutex(m) => m.lock_info().to_string(),
            #[cfg(feature = "parking_lot")]
            Lock::PlRead(l) | Lock::PlWrite(l) | Lock::PlUpgradable(l) => l.lock_info().to_string(),
            #[cfg(feature = "lock_api")]
            Lock::Spin(m) => m.lock_info().to_string(),
            #[cfg(feature = "tokio")]
            Lock::TokioMutex(m) => m.lock_info().to_string(),
            #[cfg(feature = "tokio")]
            Lock::TokioRead(l) | Lock::TokioWrite(l) => l.lock_info().to_string(),
        }
    }
}

/// Polls `future` on this thread until it is ready: a minimal executor for
/// taking tokio's locks in scenarios written for threads.
#[cfg(feature = "tokio")]
pub fn poll_until_ready<F: std::future::Future>(future: F) -> F::Output {
    use std::task::{Context, Poll, Wake, Waker};

    struct Nothing;
    impl Wake for Nothing {
        fn wake(self: std::sync::Arc<Self>) {}
    }
    let waker = Waker::from(std::sync::Arc::new(Nothing));
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(output) => return output,
            Poll::Pending => std::thread::yield_now(),
        }
    }
}

/// A `&'static str` made at run time (test names for many locks). Kept in
/// a static list as well: Miri's leak check then sees it is still reachable.
pub fn leak(s: String) -> &'static str {
    static NAMES: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
    let name = Box::leak(s.into_boxed_str());
    NAMES.lock().unwrap_or_else(PoisonError::into_inner).push(name);
    name
}

/// Takes `first`, then `second` while holding it, then releases both.
#[track_caller]
pub fn nest(first: &Lock, second: &Lock) {
    let _first = first.acquire();
    let _second = second.acquire();
}

/// [`nest`] in a task: tokio's locks are awaited.
pub async fn nest_async(first: &Lock, second: &Lock) {
    let _first = first.acquire_async().await;
    let _second = second.acquire_async().await;
}

/// Runs `f` on a new thread named `name` and joins it at once.
pub fn on_thread<R: Send>(name: &str, f: impl FnOnce() -> R + Send) -> std::thread::Result<R> {
    std::thread::scope(|s| std::thread::Builder::new().name(name.to_owned()).spawn_scoped(s, f).unwrap().join())
}

/// What [`Lock::poison`]'s thread panics with.
pub const POISONER_PANIC: &str = "the poisoner panics while holding the lock";

/// The message of a panic payload made by `panic!` (a `&str` or a
/// `String`), if it is one.
pub fn panic_message(payload: &(dyn Any + Send)) -> Option<&str> {
    payload.downcast_ref::<&str>().copied().or_else(|| payload.downcast_ref::<String>().map(String::as_str))
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

/// The report a spawned tokio task panicked with.
#[track_caller]
pub fn report_of_task<T>(joined: Result<T, ::tokio::task::JoinError>) -> String {
    match joined {
        Ok(_) => panic!("expected the task to panic with a lockorder report, but it completed"),
        Err(e) => report_of(e.into_panic()),
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
    let first = report.lines().next().unwrap_or_default();
    (first.starts_with("lockorder: potential deadlock: thread `")
        || first.starts_with("lockorder: potential deadlock: task "))
        && first.ends_with("which it already holds")
}

/// The lock names of the report's `locks held by thread` section, oldest
/// first.
pub fn held_of(report: &str) -> Vec<String> {
    let mut lines = report
        .lines()
        .skip_while(|l| !l.starts_with("  locks held by thread `") && !l.starts_with("  locks held by task "));
    assert!(lines.next().is_some(), "no held locks section in the report:\n{report}");
    lines
        .take_while(|l| !l.is_empty())
        .map(|l| {
            let l = l.trim_start();
            l[..l.rfind(" (").unwrap_or_else(|| panic!("malformed held lock line {l:?}"))].to_owned()
        })
        .collect()
}

/// Set in the environment of a test binary re-run by [`run_child`]; a
/// child test does its work only when it is set.
pub const CHILD_ENV: &str = "LOCKORDER_TEST_CHILD";

/// Whether this process is a child started by [`run_child`].
pub fn is_child() -> bool {
    std::env::var_os(CHILD_ENV).is_some()
}

/// What a child test run printed, and how it ended.
#[derive(Debug)]
pub struct ChildRun {
    pub status: std::process::ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl ChildRun {
    /// Asserts that the child ran its test and the test passed.
    #[track_caller]
    pub fn assert_passed(&self, test: &str) {
        assert!(
            self.status.success() && self.stdout.contains(&format!("test {test} ... ok")),
            "the child test `{test}` should pass; it ended with {}\n--- stdout\n{}\n--- stderr\n{}",
            self.status,
            self.stdout,
            self.stderr
        );
    }
}

/// Re-runs this test binary in a child process, running only the test
/// `test` (with output not captured), with `CHILD_ENV` and `env` set and
/// `LOCKORDER` unset unless `env` sets it.
pub fn run_child(test: &str, env: &[(&str, &str)]) -> ChildRun {
    run_child_with(test, env, false)
}

/// [`run_child`] with the harness capturing the test's output, as `cargo
/// test` does by default.
#[allow(dead_code)]
pub fn run_child_captured(test: &str, env: &[(&str, &str)]) -> ChildRun {
    run_child_with(test, env, true)
}

fn run_child_with(test: &str, env: &[(&str, &str)], captured: bool) -> ChildRun {
    let exe = std::env::current_exe().expect("the path of the test binary");
    let mut command = std::process::Command::new(exe);
    command.args(["--exact", test, "--test-threads=1"]).env(CHILD_ENV, "1").env_remove("LOCKORDER");
    if !captured {
        command.arg("--nocapture");
    }
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("the test binary runs");
    ChildRun {
        status: output.status,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Exclusive use of lockorder's global state (policy, handler) and of the
/// panic hook for one test; the other tests of the binary that take it
/// wait. On drop, puts back the policy found and removes the handler.
/// Tests that take it must not leave a handler behind on purpose.
#[must_use = "the global state is only reserved while this is held"]
pub struct GlobalState {
    policy: Policy,
    class_policy: Policy,
    _serial: std::sync::MutexGuard<'static, ()>,
}

/// Reserves the global state; see [`GlobalState`].
pub fn global_state() -> GlobalState {
    // A std mutex: a lockorder one would be held around every test body.
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let serial = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
    GlobalState { policy: lockorder::policy(), class_policy: lockorder::class_policy(), _serial: serial }
}

impl Drop for GlobalState {
    fn drop(&mut self) {
        lockorder::clear_handler();
        lockorder::set_policy(self.policy);
        lockorder::set_class_policy(self.class_policy);
    }
}

/// Sets a handler that keeps every violation raised on a thread named
/// `thread`, and returns where they go.
pub fn collect_violations(thread: &'static str) -> Arc<std::sync::Mutex<Vec<Violation>>> {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    lockorder::set_handler(move |violation| {
        if std::thread::current().name() == Some(thread) {
            sink.lock().unwrap_or_else(PoisonError::into_inner).push(violation.clone());
        }
    });
    seen
}

/// Takes the violations collected so far.
pub fn take_violations(seen: &std::sync::Mutex<Vec<Violation>>) -> Vec<Violation> {
    std::mem::take(&mut *seen.lock().unwrap_or_else(PoisonError::into_inner))
}

/// The names of a violation's locks, in cycle order.
pub fn lock_names(violation: &Violation) -> Vec<String> {
    violation.locks().iter().map(ToString::to_string).collect()
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

/// Yields by waking itself at once: the task goes to the back of its
/// worker's queue, where another worker may steal it. (tokio's `yield_now`
/// defers the wake-up until the worker has nothing else to run.)
#[allow(dead_code)]
pub fn yield_to_other_workers() -> impl std::future::Future<Output = ()> {
    let mut yielded = false;
    std::future::poll_fn(move |cx| {
        if yielded {
            std::task::Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
}

/// Where the hook saw the panic of the thread it watches.
pub type Seen = Arc<std::sync::Mutex<Option<(String, u32)>>>;
pub type Hook = Arc<dyn Fn(&std::panic::PanicHookInfo<'_>) + Send + Sync>;

/// Installs a panic hook that records the location of the panics of the
/// thread named `thread` and hands every other panic to the hook it
/// replaces; dropping it puts that hook back.
pub struct PanicLocation {
    seen: Seen,
    previous: Hook,
}

impl PanicLocation {
    pub fn install(thread: &'static str) -> PanicLocation {
        let previous: Hook = Arc::from(std::panic::take_hook());
        let seen: Seen = Arc::default();
        let (sink, forward) = (Arc::clone(&seen), Arc::clone(&previous));
        std::panic::set_hook(Box::new(move |info| match (std::thread::current().name(), info.location()) {
            (Some(name), Some(at)) if name == thread => {
                *sink.lock().unwrap_or_else(PoisonError::into_inner) = Some((at.file().to_owned(), at.line()));
            }
            _ => forward(info),
        }));
        PanicLocation { seen, previous }
    }

    pub fn seen(&self) -> Option<(String, u32)> {
        self.seen.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

impl Drop for PanicLocation {
    fn drop(&mut self) {
        // The hook cannot be changed by a panicking thread; a failed test
        // leaves the forwarding hook in place.
        if !std::thread::panicking() {
            let previous = Arc::clone(&self.previous);
            std::panic::set_hook(Box::new(move |info| previous(info)));
        }
    }
}
