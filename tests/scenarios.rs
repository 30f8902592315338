//! The lock-order patterns of Linux lockdep's self-tests, run from one table
//! over every kind of lock of every backend compiled in (std's `Mutex`,
//! `RwLock` read and write; with their features parking_lot's mutex, read,
//! write and upgradable read, a lock_api mutex over a raw lock of ours, and
//! tokio's mutex, read and write; and a mix of them all), with the nested
//! pairs on one thread, each on its own thread, or each in its own async
//! task, and the matching no-false-positive checks.
//!
//! Naming as in lockdep's `lib/locking-selftest.c`: every two letters are
//! one nested acquisition "hold X, take Y", released before the next pair.
//! The last pair is the one that closes the cycle.
#![cfg(debug_assertions)]

mod common;

use common::{
    all_kinds, assert_cycle, expect_no_violation, expect_violation, expect_violation_on_thread, is_inversion,
    is_reacquire, mixed_all, nest, on_thread, Kind, Lock,
};

/// One lockdep pattern.
struct Scenario {
    name: &'static str,
    /// Lock names, by index.
    locks: Vec<&'static str>,
    /// The nested acquisitions `(held, taken)` in order; the last one fails.
    pairs: Vec<(usize, usize)>,
    /// The cycle the report must show, starting with the lock whose
    /// acquisition fails.
    cycle: Vec<usize>,
}

fn scenario(name: &'static str, pairs: &[(usize, usize)], cycle: &[usize]) -> Scenario {
    let count = pairs.iter().map(|&(a, b)| a.max(b) + 1).max().unwrap();
    let locks = ["A", "B", "C", "D"][..count].to_vec();
    Scenario { name, locks, pairs: pairs.to_vec(), cycle: cycle.to_vec() }
}

const A: usize = 0;
const B: usize = 1;
const C: usize = 2;
const D: usize = 3;

fn lockdep_scenarios() -> Vec<Scenario> {
    vec![
        scenario("AA", &[(A, A)], &[A]),
        scenario("ABBA", &[(A, B), (B, A)], &[A, B]),
        scenario("ABBCCA", &[(A, B), (B, C), (C, A)], &[A, B, C]),
        // AB CA BC: the closing acquisition is B -> C.
        scenario("ABCABC", &[(A, B), (C, A), (B, C)], &[C, A, B]),
        scenario("ABBCCDDA", &[(A, B), (B, C), (C, D), (D, A)], &[A, B, C, D]),
        // AB CD BD DA: C is not on the cycle.
        scenario("ABCDBDDA", &[(A, B), (C, D), (B, D), (D, A)], &[A, B, D]),
        scenario("ABCDBCDA", &[(A, B), (C, D), (B, C), (D, A)], &[A, B, C, D]),
        long_cycle(100),
    ]
}

/// `L0 -> L1 -> .. -> L(n-1)`, then `L(n-1) -> L0`.
fn long_cycle(n: usize) -> Scenario {
    let locks = (0..n).map(|i| common::leak(format!("L{i}"))).collect();
    let mut pairs: Vec<(usize, usize)> = (0..n - 1).map(|i| (i, i + 1)).collect();
    pairs.push((n - 1, 0));
    Scenario { name: "cycle-100", locks, pairs, cycle: (0..n).collect() }
}

/// Which kinds a run uses: one kind for every lock, or a mix.
#[derive(Clone, Copy, Debug)]
enum Flavor {
    All(Kind),
    Mixed,
}

fn flavors() -> Vec<Flavor> {
    let mut flavors: Vec<Flavor> = all_kinds().into_iter().map(Flavor::All).collect();
    flavors.push(Flavor::Mixed);
    flavors
}

impl Flavor {
    fn kind(self, i: usize) -> Kind {
        match self {
            Flavor::All(kind) => kind,
            Flavor::Mixed => mixed_all(i),
        }
    }
}

/// Where the nested pairs run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// All on the test thread.
    OneThread,
    /// Each on a thread of its own, named after the scenario and the pair.
    ThreadPerPair,
    /// Each as an async task of its own (a `lockorder::tokio::scope`, run
    /// with `block_on`; tokio's locks are awaited).
    #[cfg(feature = "tokio")]
    TaskPerPair,
}

const MODES: &[Mode] = &[
    Mode::OneThread,
    Mode::ThreadPerPair,
    #[cfg(feature = "tokio")]
    Mode::TaskPerPair,
];

/// Runs one nested pair as `mode` says; `Err` carries the panic payload of
/// a violation.
fn run_pair(mode: Mode, name: &str, first: &Lock, second: &Lock) -> std::thread::Result<()> {
    match mode {
        Mode::OneThread => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| nest(first, second))),
        Mode::ThreadPerPair => on_thread(name, || nest(first, second)),
        #[cfg(feature = "tokio")]
        Mode::TaskPerPair => {
            let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
            let task = lockorder::tokio::scope(common::nest_async(first, second));
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rt.block_on(task)))
        }
    }
}

fn make_locks(s: &Scenario, flavor: Flavor) -> Vec<Lock> {
    s.locks.iter().enumerate().map(|(i, name)| Lock::new(flavor.kind(i), name)).collect()
}

fn thread_name(s: &Scenario, flavor: Flavor, pair: usize) -> String {
    format!("{}-{:?}-pair{}", s.name, flavor, pair)
}

/// Runs every pair but the last, as `mode` says; none may raise anything.
fn run_prefix(s: &Scenario, locks: &[Lock], flavor: Flavor, mode: Mode) {
    for (p, &(held, taken)) in s.pairs[..s.pairs.len() - 1].iter().enumerate() {
        if mode == Mode::OneThread {
            expect_no_violation(|| nest(&locks[held], &locks[taken]));
        } else {
            let joined = run_pair(mode, &thread_name(s, flavor, p), &locks[held], &locks[taken]);
            if let Err(payload) = joined {
                panic!(
                    "{} ({flavor:?}, {mode:?}): pair {p} raised a violation:\n{}",
                    s.name,
                    common::report_of(payload)
                );
            }
        }
    }
}

/// Runs the whole scenario and returns the report of its last pair.
fn run(s: &Scenario, flavor: Flavor, mode: Mode) -> String {
    let locks = make_locks(s, flavor);
    run_prefix(s, &locks, flavor, mode);
    let last = s.pairs.len() - 1;
    let (held, taken) = s.pairs[last];
    match mode {
        Mode::OneThread => expect_violation(|| nest(&locks[held], &locks[taken])),
        Mode::ThreadPerPair => {
            expect_violation_on_thread(&thread_name(s, flavor, last), || nest(&locks[held], &locks[taken]))
        }
        #[cfg(feature = "tokio")]
        Mode::TaskPerPair => match run_pair(mode, "", &locks[held], &locks[taken]) {
            Ok(()) => panic!("{} ({flavor:?}): expected a violation in the last task", s.name),
            Err(payload) => common::report_of(payload),
        },
    }
}

fn check_report(s: &Scenario, flavor: Flavor, mode: Mode, report: &str) {
    let threads = mode == Mode::ThreadPerPair;
    let context = format!("{} ({flavor:?}, {mode:?})", s.name);
    let names: Vec<&str> = s.cycle.iter().map(|&i| s.locks[i]).collect();
    assert_cycle(report, &names);
    if s.cycle.len() == 1 {
        assert!(is_reacquire(report), "{context}: not reported as a re-acquisition:\n{report}");
    } else {
        assert!(is_inversion(report), "{context}: not reported as an inversion:\n{report}");
        let headline = format!("lock order inversion between {} locks", s.cycle.len());
        assert!(report.contains(&headline), "{context}: headline should say {headline:?}:\n{report}");
    }
    assert!(report.contains("(this acquisition)"), "{context}:\n{report}");
    assert!(report.contains("possible deadlock scenario"), "{context}:\n{report}");
    if threads && s.cycle.len() > 1 {
        // Every recorded edge of the cycle names the thread that made it,
        // and the attempt names the thread that is making it.
        let last = s.pairs.len() - 1;
        for w in 0..s.cycle.len() {
            let (from, to) = (s.cycle[w], s.cycle[(w + 1) % s.cycle.len()]);
            let p = s.pairs.iter().position(|&pair| pair == (from, to)).expect("cycle edge is a pair");
            let verb = if p == last { "holds" } else { "held" };
            let expected = format!("thread `{}` {verb} {}", thread_name(s, flavor, p), s.locks[from]);
            assert!(report.contains(&expected), "{context}: report should contain {expected:?}:\n{report}");
        }
    }
}

fn run_all(mode: Mode) {
    for s in lockdep_scenarios() {
        for flavor in flavors() {
            if !judged(&s, flavor, mode) {
                continue;
            }
            let report = run(&s, flavor, mode);
            check_report(&s, flavor, mode, &report);
        }
    }
}

/// Whether the engine judges the scenario: all but a future that waits for
/// a tokio lock its task or thread holds through an async guard (`AA` of a
/// tokio lock, whose acquisitions are awaited), which another future polled
/// beside it might hold (see the `tokio` module docs); run, it would hang.
/// (A `blocking_*` call of such a lock is judged: `tests/tokio.rs`.)
fn judged(s: &Scenario, flavor: Flavor, mode: Mode) -> bool {
    #[cfg(feature = "tokio")]
    if s.cycle.len() == 1 {
        let kind = flavor.kind(s.cycle[0]);
        return !matches!(kind, Kind::TokioMutex | Kind::TokioRead | Kind::TokioWrite);
    }
    let _ = (s, flavor, mode);
    true
}

#[test]
fn lockdep_scenarios_on_one_thread_are_reported() {
    run_all(Mode::OneThread);
}

#[test]
fn lockdep_scenarios_with_each_pair_on_its_own_thread_are_reported() {
    run_all(Mode::ThreadPerPair);
}

#[cfg(feature = "tokio")]
#[test]
fn lockdep_scenarios_with_each_pair_in_its_own_task_are_reported() {
    run_all(Mode::TaskPerPair);
}

/// The same scenarios without their closing pair are consistent orders.
#[test]
fn lockdep_scenarios_without_the_closing_pair_raise_nothing() {
    for s in lockdep_scenarios() {
        for flavor in flavors() {
            for &mode in MODES {
                let locks = make_locks(&s, flavor);
                run_prefix(&s, &locks, flavor, mode);
                // Repeating the prefix (now on the fast path) raises nothing either.
                run_prefix(&s, &locks, flavor, mode);
            }
        }
    }
}

/// The closing pair keeps being reported: a refused edge is not recorded
/// (nor cached) under the default policy.
#[test]
fn a_refused_order_is_reported_every_time() {
    for flavor in flavors() {
        let locks = [Lock::new(flavor.kind(0), "A"), Lock::new(flavor.kind(1), "B")];
        nest(&locks[0], &locks[1]);
        for _ in 0..3 {
            let report = expect_violation(|| nest(&locks[1], &locks[0]));
            assert_cycle(&report, &["A", "B"]);
        }
        // And the recorded order is still fine.
        expect_no_violation(|| nest(&locks[0], &locks[1]));
    }
}

/// Two read locks in both orders deadlock in std once a writer queues on
/// each; reading is an acquisition like any other.
#[test]
fn read_read_inversion_is_reported() {
    let a = lockorder::sync::RwLock::new_named("ra", 0);
    let b = lockorder::sync::RwLock::new_named("rb", 0);
    {
        let _a = a.read().unwrap();
        let _b = b.read().unwrap();
    }
    let report = expect_violation(|| {
        let _b = b.read().unwrap();
        let _a = a.read().unwrap();
    });
    assert_cycle(&report, &["ra", "rb"]);
    // The scenario says how each lock is taken, and that it takes a queued
    // writer to deadlock.
    let scenario = &report[report.find("possible deadlock scenario").expect("a scenario")..];
    assert!(scenario.contains("read rb") && scenario.contains("read ra"), "{report}");
    assert!(!scenario.contains("lock r"), "{report}");
    assert!(scenario.contains("deadlocks only if a writer queues for"), "{report}");
}

/// A write under a read, inverted: the scenario says `read` and `write`
/// and needs no writer to deadlock.
#[test]
fn a_write_read_inversion_says_read_and_write() {
    let a = lockorder::sync::RwLock::new_named("wa", 0);
    let b = lockorder::sync::RwLock::new_named("wb", 0);
    {
        let _a = a.read().unwrap();
        let _b = b.write().unwrap();
    }
    let report = expect_violation(|| {
        let _b = b.write().unwrap();
        let _a = a.write().unwrap();
    });
    let scenario = &report[report.find("possible deadlock scenario").expect("a scenario")..];
    for expected in ["write wb", "write wa", "read wa"] {
        assert!(scenario.contains(expected), "missing {expected:?}:\n{report}");
    }
    assert!(!scenario.contains("writer queues"), "{report}");
}

const THREADS: usize = 8;
const ITERATIONS: usize = 1_000;

/// A tiny deterministic generator (no timing, no global state).
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Many threads, each taking random subsets of the locks, always in
/// increasing index order and all at the same time: no violation.
#[test]
fn consistent_order_over_many_threads_raises_nothing() {
    for flavor in flavors() {
        let locks = Lock::many(|i| flavor.kind(i), "consistent", 6);
        let results: Vec<std::thread::Result<()>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..THREADS)
                .map(|t| {
                    let locks = &locks;
                    s.spawn(move || {
                        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15 ^ (t as u64 + 1));
                        for _ in 0..ITERATIONS {
                            let subset = rng.next();
                            let mut guards = Vec::new();
                            for (i, lock) in locks.iter().enumerate() {
                                if subset & (1 << i) != 0 {
                                    guards.push(lock.acquire());
                                }
                            }
                            // Release in a random order too.
                            while !guards.is_empty() {
                                let i = rng.next() as usize % guards.len();
                                drop(guards.swap_remove(i));
                            }
                        }
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join()).collect()
        });
        for (t, result) in results.into_iter().enumerate() {
            assert!(result.is_ok(), "{flavor:?}: thread {t} raised a violation");
        }
    }
}

/// Readers and writers of the same locks, in one order, concurrently.
#[test]
fn readers_and_writers_in_one_order_raise_nothing() {
    let locks: Vec<lockorder::sync::RwLock<u64>> =
        (0..4).map(|i| lockorder::sync::RwLock::new_named(common::leak(format!("rw{i}")), 0)).collect();
    let results: Vec<std::thread::Result<()>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let locks = &locks;
                s.spawn(move || {
                    let mut rng = XorShift(0xD1B5_4A32_D192_ED03 ^ (t as u64 + 1));
                    for _ in 0..ITERATIONS {
                        let bits = rng.next();
                        let mut reads = Vec::new();
                        let mut writes = Vec::new();
                        for (i, lock) in locks.iter().enumerate() {
                            match (bits >> (2 * i)) & 3 {
                                0 => {}
                                1 => writes.push(lock.write().unwrap()),
                                _ => reads.push(lock.read().unwrap()),
                            }
                        }
                        for mut w in writes {
                            *w += 1;
                        }
                        drop(reads);
                    }
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join()).collect()
    });
    assert!(results.iter().all(Result::is_ok), "a thread raised a violation");
}

/// Deep, consistent nesting (past the inline held set) on many threads.
#[test]
fn deep_consistent_nesting_on_many_threads_raises_nothing() {
    let locks = Lock::many(mixed_all, "deep", 24);
    let results: Vec<std::thread::Result<()>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let locks = &locks;
                s.spawn(move || {
                    for i in 0..ITERATIONS / 10 {
                        let start = (t + i) % 8;
                        let guards: Vec<_> = locks[start..].iter().map(Lock::acquire).collect();
                        drop(guards);
                    }
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join()).collect()
    });
    assert!(results.iter().all(Result::is_ok), "a thread raised a violation");
}
