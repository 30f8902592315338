//! The watchdog: waits for locks that last, and who they wait for.
//!
//! The lock-order graph predicts deadlocks; the watchdog sees those that
//! happen anyway (under `Warn` or `Ignore`, or where prediction cannot
//! judge, as a task waiting for a tokio lock it holds itself). Off, the
//! default, an acquisition that may wait pays one relaxed load of
//! [`ARMED`]. Armed (`LOCKORDER_WATCHDOG=<seconds>`, or
//! `lockorder::watchdog::start`), each such acquisition registers a
//! [`Wait`] in one global table before it waits (the waiter, the lock, the
//! locks it holds) and takes it out when the wait ends. A background
//! thread looks at the table a few times per timeout; a wait older than
//! the timeout is reported with the chain of waits it hangs on: the lock's
//! holder, found among the waiters by the locks they hold, what that holder
//! waits for, and so on. A chain that comes back to a waiter is an actual
//! deadlock. Then, by its action, the watchdog exits the process with
//! [`EXIT_STATUS`] so that a CI job fails with a report instead of its
//! timeout.
//!
//! The table costs a global lock twice per acquisition while armed: the
//! watchdog is a debugging mode, and only the disarmed path is hot.

use std::fmt::Write as _;
use std::panic::Location;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};
use std::{cell::Cell, thread};

use once_cell::sync::Lazy;
use rustc_hash::{FxHashMap, FxHashSet};

use super::id::LockId;
use super::thread::{running_task, thread_name, THREAD};
use super::Access;
use crate::report::LockInfo;

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
struct Wait {
    /// `thread `x`` or `task 3 on thread `x``.
    waiter: String,
    id: LockId,
    lock: LockInfo,
    access: Access,
    site: &'static Location<'static>,
    since: Instant,
    /// The locks the waiter holds: (id, lock, access, acquired at).
    held: Vec<(LockId, LockInfo, Access, &'static Location<'static>)>,
}

#[derive(Default)]
struct Table {
    waits: FxHashMap<u64, Wait>,
    next: u64,
    reported: FxHashSet<u64>,
}

static TABLE: Lazy<Mutex<Table>> = Lazy::new(Default::default);

fn table() -> MutexGuard<'static, Table> {
    TABLE.lock().unwrap_or_else(PoisonError::into_inner)
}

thread_local! {
    /// The key of this thread's blocking wait, `0` when it waits for none.
    static BLOCKING: Cell<u64> = const { Cell::new(0) };
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
/// [`end_blocking`] takes it out.
#[cold]
#[inline(never)]
pub(crate) fn begin_blocking(id: LockId, lock: &LockInfo, access: Access, site: &'static Location<'static>) {
    // The held set has the lock already: a blocking acquisition is pushed
    // before it waits.
    let key = register(id, lock, access, site, true);
    // One blocking wait per thread: a wait for several things at once (the
    // end of a scope waits for each of its threads) is watched as the last.
    if let Ok(previous) = BLOCKING.try_with(|b| b.replace(key)) {
        end(previous);
    }
}

/// Ends this thread's blocking wait, if it has one.
#[inline]
pub(crate) fn end_blocking() {
    if let Ok(key) = BLOCKING.try_with(|b| b.replace(0)) {
        end(key);
    }
}

/// Registers a wait of the running task (or thread) for the lock `id`;
/// returns its key for [`end`].
#[cold]
#[inline(never)]
#[cfg_attr(not(feature = "tokio"), allow(dead_code))]
pub(crate) fn begin(id: LockId, lock: &LockInfo, access: Access, site: &'static Location<'static>) -> u64 {
    register(id, lock, access, site, false)
}

/// Registers a wait; `pushed` when the newest held entry is this wait's.
fn register(id: LockId, lock: &LockInfo, access: Access, site: &'static Location<'static>, pushed: bool) -> u64 {
    let held = THREAD
        .try_with(|t| {
            let mut len = t.held.len();
            if pushed && len > 0 && t.held.id_at(len - 1) == id {
                len -= 1;
            }
            (0..len).filter_map(|i| t.held.get(i)).map(|e| (e.id, e.lock, e.access, e.acquired_at)).collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let waiter = match running_task() {
        Some(task) => format!("task {task} on thread `{}`", thread_name()),
        None => format!("thread `{}`", thread_name()),
    };
    let wait = Wait { waiter, id, lock: *lock, access, site, since: Instant::now(), held };
    let mut table = table();
    table.next += 1;
    let key = table.next;
    table.waits.insert(key, wait);
    key
}

/// How many waits the table holds.
pub(crate) fn waits_len() -> usize {
    table().waits.len()
}

/// Takes the wait `key` out (`0`: none).
#[inline]
pub(crate) fn end(key: u64) {
    if key != 0 {
        end_cold(key);
    }
}

#[cold]
#[inline(never)]
fn end_cold(key: u64) {
    let mut table = table();
    table.waits.remove(&key);
    table.reported.remove(&key);
}

/// One look at the table: reports the waits older than `timeout` not
/// reported yet.
fn watch(timeout: Duration, action: Action) {
    let report = {
        let mut table = table();
        let stuck: Vec<u64> = table
            .waits
            .iter()
            .filter(|(key, wait)| wait.since.elapsed() >= timeout && !table.reported.contains(key))
            .map(|(&key, _)| key)
            .collect();
        if stuck.is_empty() {
            return;
        }
        let mut text = String::new();
        let mut described: Vec<u64> = Vec::new();
        for &key in &stuck {
            // A wait on a chain described already (the other waiters of a
            // deadlock) is not described again.
            if !described.contains(&key) {
                described.extend(describe(&table, key, &mut text));
            }
        }
        table.reported.extend(stuck);
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
        .filter_map(|(&key, wait)| wait.held.iter().find(|h| h.0 == id).map(|h| (key, h.3)))
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
            wait.waiter,
            wait.since.elapsed(),
            wait.lock,
            wait.site
        );
        for (_, lock, access, site) in &wait.held {
            let _ = writeln!(text, "      holding {lock} ({}, acquired at {site})", access.verb());
        }
        match holder_of(table, wait.id) {
            Some((holder, site)) if seen.contains(&holder) => {
                let who =
                    if holder == key { "the waiter itself".to_owned() } else { table.waits[&holder].waiter.clone() };
                let _ = writeln!(text, "      {} is held by {who} (acquired at {site})", wait.lock);
                let _ = writeln!(text, "\n  *** DEADLOCK: {} ***", cycle_line(table, &seen, holder));
                return seen;
            }
            Some((holder, site)) => {
                let who = &table.waits[&holder].waiter;
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

/// `waiter -> lock -> waiter -> ..` along the cycle that starts at `start`.
fn cycle_line(table: &Table, chain: &[u64], start: u64) -> String {
    let from = chain.iter().position(|&k| k == start).unwrap_or(0);
    let mut line = String::new();
    for &key in &chain[from..] {
        let wait = &table.waits[&key];
        let _ = write!(line, "{} waits for {} -> ", wait.waiter, wait.lock);
    }
    let _ = write!(line, "held by {}", table.waits[&start].waiter);
    line
}
