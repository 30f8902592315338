//! The watchdog: waits for locks that last, and who they wait for.
//!
//! The lock-order graph predicts deadlocks; the watchdog sees those that
//! happen anyway (under `Warn` or `Ignore`, or where prediction cannot
//! judge, as a task waiting for a tokio lock it holds itself). Off, the
//! default, an acquisition that may wait pays one relaxed load of
//! [`ARMED`]. Armed (`LOCKORDER_WATCHDOG=<seconds>`, or
//! `lockorder::watchdog::start`), each such acquisition registers a
//! [`Wait`] before it waits (the waiter, the lock, the locks it holds) and
//! takes it out when the wait ends: a thread's blocking wait in its own
//! [`Slot`], a task's async wait in one global table. A background thread
//! looks at them a few times per timeout; a wait older than
//! the timeout is reported with the chain of waits it hangs on: the lock's
//! holder, found among the waiters by the locks they hold, what that holder
//! waits for, and so on. A chain that comes back to a waiter is an actual
//! deadlock. Then, by its action, the watchdog exits the process with
//! [`EXIT_STATUS`] so that a CI job fails with a report instead of its
//! timeout.
//!
//! Armed, a blocking acquisition locks its thread's slot twice (no other
//! thread queues there but the watchdog's look) and copies its held locks
//! into the slot's reused vector; an async one takes the global table's
//! lock twice. The watchdog is a debugging mode: only the disarmed path is
//! hot.

use std::cell::{Cell, RefCell};
use std::fmt::Write as _;
use std::panic::Location;
use std::ptr;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::thread;
use std::time::{Duration, Instant};

use once_cell::sync::Lazy;
use rustc_hash::{FxHashMap, FxHashSet};

use super::id::LockId;
use super::thread::{running_task, thread_name, THREAD};
use super::Access;
use crate::report::{LockInfo, Trace};

/// The process's exit status when the watchdog ends it.
pub(crate) const EXIT_STATUS: i32 = 86;

/// Whether waits are registered.
static ARMED: AtomicBool = AtomicBool::new(false);

/// What the watchdog does once it has reported a wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    /// Exits the process with [`EXIT_STATUS`].
    Exit,
    /// Goes on watching (each wait is reported once).
    Report,
}

/// One waiter and what it waits for.
#[derive(Clone)]
struct Wait {
    /// The waiter's thread, and its task if a task waits.
    thread: Arc<str>,
    task: Option<crate::report::TaskName>,
    id: LockId,
    lock: LockInfo,
    access: Access,
    site: &'static Location<'static>,
    since: Instant,
    /// The stack of the first wait at `site` on the waiter's thread.
    trace: Option<Arc<Trace>>,
    /// The locks the waiter holds.
    held: Vec<Held>,
}

/// A lock a waiter holds.
#[derive(Clone)]
struct Held {
    id: LockId,
    lock: LockInfo,
    access: Access,
    site: &'static Location<'static>,
    /// The stack of the first wait at `site` on the thread, if one was seen.
    trace: Option<Arc<Trace>>,
}

impl Held {
    fn new(e: &super::held::HeldEntry) -> Held {
        Held { id: e.id, lock: e.lock, access: e.access, site: e.acquired_at, trace: seen_trace(e.acquired_at) }
    }
}

impl Wait {
    /// A wait of this thread for `lock`, from now, holding nothing yet
    /// (see [`fill`]).
    fn new(id: LockId, lock: &LockInfo, access: Access, site: &'static Location<'static>) -> Wait {
        let since = Instant::now();
        Wait { thread: thread_name(), task: None, id, lock: *lock, access, site, since, trace: None, held: Vec::new() }
    }

    /// `thread `x`` or `task 3 on thread `x``.
    fn waiter(&self) -> String {
        match self.task {
            Some(task) => format!("{task} on thread `{}`", self.thread),
            None => format!("thread `{}`", self.thread),
        }
    }
}

/// The waits of tasks (an async wait lasts across polls, and a thread polls
/// many), and, in the watchdog's copy, every wait.
#[derive(Default)]
struct Table {
    waits: FxHashMap<u64, Wait>,
    next: u64,
    reported: FxHashSet<u64>,
}

/// A thread's blocking wait: a thread blocks on one thing at a time, so
/// its wait lives in a slot of its own, which only the thread and the
/// watchdog's look lock. An acquisition does not queue on a global lock,
/// and the slot's vector of held locks is reused.
#[derive(Default)]
struct Slot {
    wait: Mutex<Option<(u64, Wait)>>,
}

/// Every thread's slot (a thread's goes when the thread ends).
static SLOTS: Lazy<Mutex<Vec<Weak<Slot>>>> = Lazy::new(Default::default);

/// Keys of blocking waits, apart from the table's (which count up from 1).
static NEXT_SLOT: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// This thread's slot, and the high bits of its waits' keys.
    static SLOT: (Arc<Slot>, u64) = {
        let slot = Arc::new(Slot::default());
        lock(&SLOTS).push(Arc::downgrade(&slot));
        (slot, NEXT_SLOT.fetch_add(1, Ordering::Relaxed) << 40)
    };
    /// How many blocking waits this thread has registered.
    static BLOCKING: Cell<u64> = const { Cell::new(0) };
    /// The stack of the first wait at each site on this thread. Capturing
    /// at every wait would cost an unwind per acquisition; the first at a
    /// site shows how the code gets there, and a lock held by a waiter was
    /// most often acquired through a wait registered here too.
    static TRACES: RefCell<FxHashMap<usize, Arc<Trace>>> = RefCell::default();
}

/// The stack of the first wait at `site` on this thread (captured now if
/// this is it).
fn trace_at(site: &'static Location<'static>) -> Option<Arc<Trace>> {
    let key = site as *const Location<'static> as usize;
    TRACES.try_with(|traces| traces.borrow_mut().entry(key).or_insert_with(|| Arc::new(Trace::capture())).clone()).ok()
}

/// The stack of the first wait at `site` on this thread, if there was one.
fn seen_trace(site: &'static Location<'static>) -> Option<Arc<Trace>> {
    let key = site as *const Location<'static> as usize;
    TRACES.try_with(|traces| traces.borrow().get(&key).cloned()).ok().flatten()
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

static TABLE: Lazy<Mutex<Table>> = Lazy::new(Default::default);

fn table() -> MutexGuard<'static, Table> {
    lock(&TABLE)
}

/// Whether waits are being registered: one relaxed load.
#[inline(always)]
pub(crate) fn armed() -> bool {
    ARMED.load(Ordering::Relaxed)
}

/// Arms the watchdog (once per process; later calls change nothing).
/// Returns whether this call armed it.
pub(crate) fn start(timeout: Duration, action: Action) -> bool {
    static STARTED: AtomicBool = AtomicBool::new(false);
    if STARTED.swap(true, Ordering::SeqCst) {
        return false;
    }
    let period = (timeout / 4).clamp(Duration::from_millis(10), Duration::from_secs(1));
    let spawned = thread::Builder::new().name("lockorder-watchdog".into()).spawn(move || loop {
        thread::sleep(period);
        watch(timeout, action);
    });
    if spawned.is_ok() {
        ARMED.store(true, Ordering::SeqCst);
    }
    spawned.is_ok()
}

/// Arms the watchdog if `LOCKORDER_WATCHDOG` says so: seconds (a decimal
/// number), then optionally `,report` to go on after a report (`,exit`,
/// the default, ends the process).
pub(crate) fn start_from_env() {
    let Some(value) = std::env::var_os("LOCKORDER_WATCHDOG") else { return };
    let value = value.to_string_lossy();
    let (seconds, action) = match value.split_once(',') {
        Some((seconds, "report")) => (seconds, Action::Report),
        Some((seconds, "exit")) => (seconds, Action::Exit),
        Some(_) => ("", Action::Exit),
        None => (&*value, Action::Exit),
    };
    match seconds.trim().parse::<f64>().ok().and_then(|s| Duration::try_from_secs_f64(s).ok()) {
        Some(timeout) if timeout > Duration::ZERO => {
            start(timeout, action);
        }
        _ => crate::report::to_stderr(&format!(
            "lockorder: LOCKORDER_WATCHDOG={value:?} is not a number of seconds (as `30`, or `30,report`): \
             no watchdog"
        )),
    }
}

/// Registers the wait of this thread for the lock `id`, about to block;
/// [`end_blocking`] takes it out. One blocking wait per thread: a wait for
/// several things at once (the end of a scope waits for each of its
/// threads) is watched as the last.
#[cold]
#[inline(never)]
pub(crate) fn begin_blocking(id: LockId, lock: &LockInfo, access: Access, site: &'static Location<'static>) {
    let _ = SLOT.try_with(|(slot, high)| {
        let count = BLOCKING.try_with(|b| b.replace(b.get() + 1) + 1).unwrap_or(0);
        let mut current = self::lock(&slot.wait);
        let mut wait = match current.take() {
            Some((_, wait)) => wait,
            None => Wait::new(id, lock, access, site),
        };
        // The held set has the lock already: a blocking acquisition is
        // pushed before it waits.
        fill(&mut wait, (id, lock, access, site), true);
        *current = Some((high | count, wait));
    });
}

/// Ends this thread's blocking wait, if it has one. Out of line: it runs
/// only while the watchdog is armed, and inlined it would make every
/// guard's construction and drop save registers for it.
#[cold]
#[inline(never)]
pub(crate) fn end_blocking() {
    let _ = SLOT.try_with(|(slot, _)| {
        let mut current = lock(&slot.wait);
        // The wait's vectors stay for the next one, marked ended by key 0.
        if let Some((key, _)) = current.as_mut() {
            *key = 0;
        }
    });
}

/// Registers a wait of the running task (or thread) for the lock `id`;
/// returns its key for [`end`].
#[cold]
#[inline(never)]
#[cfg_attr(not(feature = "tokio"), allow(dead_code))]
pub(crate) fn begin(id: LockId, lock: &LockInfo, access: Access, site: &'static Location<'static>) -> u64 {
    let mut wait = Wait::new(id, lock, access, site);
    fill(&mut wait, (id, lock, access, site), false);
    let mut table = table();
    table.next += 1;
    let key = table.next;
    table.waits.insert(key, wait);
    key
}

/// Makes `wait` the running owner's wait for `id` from now; `pushed` when
/// the newest held entry is this wait's.
fn fill(
    wait: &mut Wait,
    (id, lock, access, site): (LockId, &LockInfo, Access, &'static Location<'static>),
    pushed: bool,
) {
    // A thread's slot keeps its last wait: in the common loop over the same
    // locks, the held entries and the stacks are those of the last wait,
    // and nothing is looked up again.
    let _ = THREAD.try_with(|t| {
        let mut len = t.held.len();
        if pushed && len > 0 && t.held.id_at(len - 1) == id {
            len -= 1;
        }
        wait.held.truncate(len);
        for i in 0..len {
            let Some(e) = t.held.get(i) else { continue };
            match wait.held.get_mut(i) {
                Some(held) if held.id == e.id && ptr::eq(held.site, e.acquired_at) => held.access = e.access,
                Some(held) => *held = Held::new(&e),
                None => wait.held.push(Held::new(&e)),
            }
        }
    });
    if wait.trace.is_none() || !ptr::eq(wait.site, site) {
        wait.trace = trace_at(site);
    }
    wait.task = running_task();
    (wait.id, wait.lock, wait.access, wait.site, wait.since) = (id, *lock, access, site, Instant::now());
}

/// The waits of every thread and task now, by key.
fn every_wait() -> FxHashMap<u64, Wait> {
    let mut waits = table().waits.clone();
    lock(&SLOTS).retain(|slot| match slot.upgrade() {
        Some(slot) => {
            if let Some((key, wait)) = &*lock(&slot.wait) {
                if *key != 0 {
                    waits.insert(*key, wait.clone());
                }
            }
            true
        }
        None => false,
    });
    waits
}

/// How many waits there are.
pub(crate) fn waits_len() -> usize {
    every_wait().len()
}

/// Takes the wait `key` out (`0`: none).
#[inline]
#[cfg_attr(not(feature = "tokio"), allow(dead_code))]
pub(crate) fn end(key: u64) {
    if key != 0 {
        end_cold(key);
    }
}

#[cold]
#[inline(never)]
#[cfg_attr(not(feature = "tokio"), allow(dead_code))]
fn end_cold(key: u64) {
    let mut table = table();
    table.waits.remove(&key);
}

/// One look at the table: reports the waits older than `timeout` not
/// reported yet.
fn watch(timeout: Duration, action: Action) {
    let report = {
        let waits = every_wait();
        let mut reported = std::mem::take(&mut table().reported);
        // A wait that ended is forgotten, and its key with it.
        reported.retain(|key| waits.contains_key(key));
        let stuck: Vec<u64> = waits
            .iter()
            .filter(|(key, wait)| wait.since.elapsed() >= timeout && !reported.contains(key))
            .map(|(&key, _)| key)
            .collect();
        let snapshot = Table { waits, next: 0, reported: FxHashSet::default() };
        let mut text = String::new();
        let mut described: Vec<u64> = Vec::new();
        for &key in &stuck {
            // A wait on a chain described already (the other waiters of a
            // deadlock) is not described again.
            if !described.contains(&key) {
                described.extend(describe(&snapshot, key, &mut text));
            }
        }
        reported.extend(stuck.iter().copied());
        table().reported.extend(reported);
        if stuck.is_empty() {
            return;
        }
        text
    };
    let mut text = format!("lockorder watchdog: a wait has lasted {timeout:?} or more\n{report}");
    if action == Action::Exit {
        let _ = writeln!(text, "lockorder watchdog: exiting with status {EXIT_STATUS}");
    }
    crate::report::to_stderr(&text);
    if action == Action::Exit {
        std::process::exit(EXIT_STATUS);
    }
}

/// The holder of lock `id` among the waits: the key of a wait whose waiter
/// holds it, and where it acquired it.
fn holder_of(table: &Table, id: LockId) -> Option<(u64, &'static Location<'static>)> {
    let mut holders: Vec<_> = table
        .waits
        .iter()
        .filter_map(|(&key, wait)| wait.held.iter().find(|h| h.id == id).map(|h| (key, h.site)))
        .collect();
    holders.sort_by_key(|&(key, _)| key);
    holders.into_iter().next()
}

/// Writes the chain of waits from the wait `first`; returns its waits.
fn describe(table: &Table, first: u64, text: &mut String) -> Vec<u64> {
    let mut seen = vec![first];
    let mut key = first;
    let _ = writeln!(text);
    loop {
        let wait = &table.waits[&key];
        // "has waited 2s to lock A", "has waited 2s for the end of ..".
        let to = if wait.access == Access::Wait { "for".to_owned() } else { format!("to {}", wait.access.verb()) };
        let _ = writeln!(
            text,
            "  {} has waited {:.1?} {to} {} (at {})",
            wait.waiter(),
            wait.since.elapsed(),
            wait.lock,
            wait.site
        );
        write_trace(text, "of the first wait at this site on this thread", &wait.trace);
        for held in &wait.held {
            let (lock, site) = (held.lock, held.site);
            let _ = writeln!(text, "      holding {lock} ({}, acquired at {site})", held.access.verb());
            write_trace(text, "of the first wait at that site on this thread", &held.trace);
        }
        match holder_of(table, wait.id) {
            Some((holder, site)) if seen.contains(&holder) => {
                let who = if holder == key { "the waiter itself".to_owned() } else { table.waits[&holder].waiter() };
                let _ = writeln!(text, "      {} is held by {who} (acquired at {site})", wait.lock);
                let _ = writeln!(text, "\n  *** DEADLOCK: {} ***", cycle_line(table, &seen, holder));
                return seen;
            }
            Some((holder, site)) => {
                let who = table.waits[&holder].waiter();
                let _ = writeln!(text, "      {} is held by {who} (acquired at {site}), which waits too:", wait.lock);
                seen.push(holder);
                key = holder;
            }
            // A message, a notification or a barrier's other threads are
            // held by nobody: they come from another thread's send, notify
            // or arrival.
            None if wait.lock.is_wait() && holder_of(table, wait.id).is_none() && !wait.lock.is_thread_end() => {
                let _ = writeln!(
                    text,
                    "      nobody holds {}: it comes from another thread, which is not waiting for anything \
                     tracked (it may be blocked on something else, or slow)",
                    wait.lock
                );
                return seen;
            }
            None => {
                let _ = writeln!(
                    text,
                    "      {} is held by a thread or task that is not waiting for a tracked lock \
                     (it may be blocked on something else, or slow)",
                    wait.lock
                );
                return seen;
            }
        }
    }
}

/// Writes `trace`, indented under the line it belongs to.
fn write_trace(text: &mut String, what: &str, trace: &Option<Arc<Trace>>) {
    if let Some(trace) = trace {
        let _ = writeln!(text, "        backtrace ({what}):");
        for line in trace.resolved().to_string().lines() {
            let _ = writeln!(text, "    {line}");
        }
    }
}

/// `waiter -> lock -> waiter -> ..` along the cycle that starts at `start`.
fn cycle_line(table: &Table, chain: &[u64], start: u64) -> String {
    let from = chain.iter().position(|&k| k == start).unwrap_or(0);
    let mut line = String::new();
    for &key in &chain[from..] {
        let wait = &table.waits[&key];
        let _ = write!(line, "{} waits for {} -> ", wait.waiter(), wait.lock);
    }
    let _ = write!(line, "held by {}", table.waits[&start].waiter());
    line
}
