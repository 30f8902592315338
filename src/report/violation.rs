//! The structured value of a detected potential deadlock, and its rendering.

use std::fmt;
use std::panic::Location;
use std::sync::Arc;

use super::{Backtrace, LockInfo, Trace};

/// What kind of ordering bug a [`Violation`] is.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ViolationKind {
    /// Acquiring a lock would close a cycle in the lock-order graph: two or
    /// more threads taking these locks in these orders can deadlock.
    LockOrderInversion,
    /// A thread acquires a lock it already holds (the `AA` case), which
    /// blocks forever on a non-reentrant lock.
    Reacquire,
    /// Acquiring a lock would close a cycle in the graph of lock classes
    /// (see [`LockClass`](crate::LockClass)) though not between these
    /// instances: other instances of the same classes, taken the same ways
    /// on other code paths, can deadlock. A one-edge cycle is a lock taken
    /// while holding another of its own class, without `lock_nested`.
    /// Its policy is [`class_policy`](crate::class_policy) (by default
    /// `Warn`).
    ClassOrderInversion,
    /// An async task is suspended at an `.await` while it holds a blocking
    /// lock (a lockorder `std` or `parking_lot` guard): another task polled
    /// on the same thread that asks for the lock blocks the thread, and the
    /// holder never runs again to release it. Found only inside a
    /// [`lockorder::tokio::scope`](crate#cargo-features).
    ///
    /// The violation has one edge per such lock, whose `from` and `to` are
    /// both the lock and whose sites are both where it was acquired; its
    /// backtrace is the stack of the await (where the suspended future
    /// registered its waker).
    HeldAcrossAwait,
}

/// One edge of a cycle: `from` was held when `to` was acquired.
///
/// # Examples
///
/// See [`Violation`].
#[derive(Clone, Debug)]
pub struct Edge {
    pub(crate) from: LockInfo,
    pub(crate) to: LockInfo,
    pub(crate) from_acquired_at: &'static Location<'static>,
    pub(crate) to_acquired_at: &'static Location<'static>,
    pub(crate) thread: Arc<str>,
    pub(crate) trace: Arc<Trace>,
}

impl Edge {
    /// The lock that was held.
    pub fn from(&self) -> LockInfo {
        self.from
    }

    /// The lock acquired while `from` was held.
    pub fn to(&self) -> LockInfo {
        self.to
    }

    /// Where `from` had been acquired.
    pub fn from_acquired_at(&self) -> &'static Location<'static> {
        self.from_acquired_at
    }

    /// Where `to` was acquired.
    pub fn to_acquired_at(&self) -> &'static Location<'static> {
        self.to_acquired_at
    }

    /// The name of the thread that made this acquisition.
    pub fn thread(&self) -> &str {
        &self.thread
    }

    /// The stack of the acquisition of `to`: for recorded edges, captured
    /// when the edge was first seen; for the last edge of a cycle, the
    /// acquisition being attempted now.
    ///
    /// Resolved (symbol names, files, lines) the first time it is asked for.
    pub fn backtrace(&self) -> &Backtrace {
        self.trace.resolved()
    }
}

/// A lock the reporting thread holds.
#[derive(Clone, Copy, Debug)]
pub struct HeldLock {
    pub(crate) lock: LockInfo,
    pub(crate) access: &'static str,
    pub(crate) acquired_at: &'static Location<'static>,
}

impl HeldLock {
    /// The lock.
    pub fn lock(&self) -> LockInfo {
        self.lock
    }

    /// How it is held: `"lock"`, `"read"`, `"write"`, `"init"` (a
    /// once-cell being initialized or accessed), `"reentrant lock"`,
    /// `"recursive read"`, `"upgradable read"`, or for async locks
    /// `"async lock"`, `"async read"` and `"async write"`.
    pub fn access(&self) -> &'static str {
        self.access
    }

    /// Where it was acquired.
    pub fn acquired_at(&self) -> &'static Location<'static> {
        self.acquired_at
    }
}

/// A potential deadlock, detected before the thread blocked.
///
/// Its [`Display`](fmt::Display) is the full report: the cycle, every edge
/// with its acquisition sites, thread and backtrace, the locks the current
/// thread holds and a possible deadlock scenario.
///
/// # Examples
///
/// ```
/// # if lockorder::enabled() {
/// use lockorder::sync::Mutex;
/// use std::sync::{Arc, Mutex as StdMutex};
///
/// let seen = Arc::new(StdMutex::new(Vec::new()));
/// let sink = seen.clone();
/// lockorder::set_handler(move |v| sink.lock().unwrap().push(v.clone()));
///
/// let a = Mutex::new_named("a", ());
/// let b = Mutex::new_named("b", ());
/// {
///     let _a = a.lock().unwrap();
///     let _b = b.lock().unwrap(); // records a -> b
/// }
/// let _b = b.lock().unwrap();
/// // b -> a would close the cycle: the default policy panics here.
/// let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
///     let _a = a.lock().unwrap();
/// }));
/// lockorder::clear_handler();
/// assert!(caught.is_err());
///
/// let v = seen.lock().unwrap().pop().unwrap();
/// assert_eq!(v.kind(), lockorder::ViolationKind::LockOrderInversion);
/// let names: Vec<_> = v.locks().iter().map(|l| l.to_string()).collect();
/// assert_eq!(names, ["a", "b"]);
/// assert!(v.to_string().contains("a -> b -> a"));
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Violation {
    kind: ViolationKind,
    edges: Vec<Edge>,
    held: Vec<HeldLock>,
    thread: Arc<str>,
    /// The ids of the locks of the cycle, sorted: identifies it for `Warn`.
    key: Vec<u64>,
}

impl Violation {
    pub(crate) fn new(
        kind: ViolationKind,
        edges: Vec<Edge>,
        held: Vec<HeldLock>,
        thread: Arc<str>,
        mut key: Vec<u64>,
    ) -> Violation {
        key.sort_unstable();
        Violation { kind, edges, held, thread, key }
    }

    pub(crate) fn key(&self) -> &[u64] {
        &self.key
    }

    /// What kind of bug this is.
    pub fn kind(&self) -> ViolationKind {
        self.kind
    }

    /// The edges of the cycle in order; each edge's `to` is the next edge's
    /// `from`, and the last edge is the acquisition being attempted.
    pub fn edges(&self) -> &[Edge] {
        &self.edges
    }

    /// The locks of the cycle in order, each once: `[a, b]` for `a -> b -> a`.
    pub fn locks(&self) -> Vec<LockInfo> {
        self.edges.iter().map(|e| e.from).collect()
    }

    /// The acquisition that was being attempted (the last edge).
    pub fn attempt(&self) -> &Edge {
        self.edges.last().expect("a violation has at least one edge")
    }

    /// The locks the reporting thread held when it tried the acquisition.
    pub fn held(&self) -> &[HeldLock] {
        &self.held
    }

    /// The name of the reporting thread.
    pub fn thread(&self) -> &str {
        &self.thread
    }

    fn cycle_line(&self) -> String {
        let mut line = String::new();
        for edge in &self.edges {
            line.push_str(&format!("{} -> ", edge.from));
        }
        line.push_str(&self.edges[0].from.to_string());
        line
    }

    fn write_edges(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let last = self.edges.len() - 1;
        for (i, e) in self.edges.iter().enumerate() {
            if i == last {
                writeln!(f, "  [{}] {} -> {}  (this acquisition)", i + 1, e.from, e.to)?;
                writeln!(
                    f,
                    "      thread `{}` holds {} (acquired at {}) and is acquiring {} at {}",
                    e.thread, e.from, e.from_acquired_at, e.to, e.to_acquired_at
                )?;
                writeln!(f, "      backtrace of this acquisition:")?;
            } else {
                writeln!(f, "  [{}] {} -> {}", i + 1, e.from, e.to)?;
                writeln!(
                    f,
                    "      thread `{}` held {} (acquired at {}) and then acquired {} at {}",
                    e.thread, e.from, e.from_acquired_at, e.to, e.to_acquired_at
                )?;
                writeln!(f, "      backtrace when this order was first seen:")?;
            }
            write!(f, "{}", e.backtrace())?;
            writeln!(f)?;
        }
        Ok(())
    }

    /// Two columns: this thread, and the other thread(s) that complete the
    /// cycle.
    fn write_scenario(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let attempt = self.attempt();
        let this = format!("thread `{}`", self.thread);
        let mut rows: Vec<(String, String)> = Vec::new();
        if self.kind == ViolationKind::Reacquire {
            rows.push((format!("lock {}", attempt.from), String::new()));
            rows.push((format!("lock {}", attempt.to), String::new()));
        } else {
            let others = &self.edges[..self.edges.len() - 1];
            rows.push((format!("lock {}", attempt.from), String::new()));
            rows.push((String::new(), format!("lock {}", attempt.to)));
            if others.len() > 1 {
                let via: Vec<String> = others.iter().map(|e| e.to.to_string()).collect();
                rows.push((String::new(), format!("lock {} (via {})", attempt.from, via.join(", "))));
            } else {
                rows.push((String::new(), format!("lock {}", attempt.from)));
            }
            rows.push((format!("lock {}", attempt.to), String::new()));
        }
        let others = &self.edges[..self.edges.len() - 1];
        let other = match others.first() {
            None if self.kind == ViolationKind::Reacquire => String::new(),
            None => "another thread".to_owned(),
            Some(first) if others.iter().all(|e| e.thread == first.thread) && first.thread != self.thread => {
                format!("thread `{}`", first.thread)
            }
            Some(_) => "another thread".to_owned(),
        };
        let width = rows.iter().map(|r| r.0.len()).chain([this.len()]).max().unwrap_or(0) + 6;
        writeln!(f, "  possible deadlock scenario:")?;
        writeln!(f)?;
        writeln!(f, "{}", format!("      {this:<width$}{other}").trim_end())?;
        writeln!(f, "{}", format!("      {:<width$}{}", "-".repeat(this.len()), "-".repeat(other.len())).trim_end())?;
        for (left, right) in rows {
            writeln!(f, "{}", format!("      {left:<width$}{right}").trim_end())?;
        }
        writeln!(f)?;
        writeln!(f, "      *** DEADLOCK ***")
    }
}

impl Violation {
    fn write_held_across_await(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = self.edges.iter().map(|e| e.from.to_string()).collect();
        let names = names.join(", ");
        let what = if self.edges.len() == 1 { "a blocking lock" } else { "blocking locks" };
        writeln!(
            f,
            "lockorder: potential deadlock: a task on thread `{}` is suspended at an .await while it holds {names}, {what}",
            self.thread
        )?;
        writeln!(f)?;
        writeln!(f, "    held across await: {names}")?;
        writeln!(f)?;
        for (i, e) in self.edges.iter().enumerate() {
            writeln!(f, "  [{}] {}  (held across this await)", i + 1, e.from)?;
            writeln!(f, "      the task holds {} (acquired at {}) and is suspended", e.from, e.from_acquired_at)?;
        }
        writeln!(f, "      backtrace of the await:")?;
        write!(f, "{}", self.attempt().backtrace())?;
        writeln!(f)?;
        writeln!(f, "  locks held by the task (on thread `{}`):", self.thread)?;
        for held in &self.held {
            writeln!(f, "      {} ({}, acquired at {})", held.lock, held.access, held.acquired_at)?;
        }
        writeln!(f)?;
        let first = &self.edges[0].from;
        let this = "this task".to_owned();
        let other = format!("another task on thread `{}`", self.thread);
        let rows = [
            (format!("lock {first}"), String::new()),
            (format!(".await (suspended, {first} still locked)"), String::new()),
            (String::new(), format!("lock {first} (blocks the thread)")),
            ("(never polled again: its thread is blocked)".to_owned(), String::new()),
        ];
        let width = rows.iter().map(|r| r.0.len()).chain([this.len()]).max().unwrap_or(0) + 6;
        writeln!(f, "  possible deadlock scenario:")?;
        writeln!(f)?;
        writeln!(f, "      {this:<width$}{other}")?;
        writeln!(f, "      {:<width$}{}", "-".repeat(this.len()), "-".repeat(other.len()))?;
        for (left, right) in rows {
            writeln!(f, "{}", format!("      {left:<width$}{right}").trim_end())?;
        }
        writeln!(f)?;
        writeln!(f, "      *** DEADLOCK ***")
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ViolationKind::HeldAcrossAwait => return self.write_held_across_await(f),
            ViolationKind::LockOrderInversion => {
                writeln!(f, "lockorder: potential deadlock: lock order inversion between {} locks", self.edges.len())?
            }
            ViolationKind::Reacquire => writeln!(
                f,
                "lockorder: potential deadlock: thread `{}` acquires {}, which it already holds",
                self.thread,
                self.attempt().to
            )?,
            ViolationKind::ClassOrderInversion if self.edges.len() == 1 => writeln!(
                f,
                "lockorder: potential deadlock: thread `{}` acquires a lock of class {} while holding another \
                 of the same class; if the order is intended, acquire it with `lock_nested`",
                self.thread,
                self.attempt().to
            )?,
            ViolationKind::ClassOrderInversion => writeln!(
                f,
                "lockorder: potential deadlock: lock class order inversion between {} classes \
                 (other instances of these classes, taken in these orders, can deadlock)",
                self.edges.len()
            )?,
        }
        writeln!(f)?;
        writeln!(f, "    cycle: {}", self.cycle_line())?;
        writeln!(f)?;
        self.write_edges(f)?;
        writeln!(f, "  locks held by thread `{}`:", self.thread)?;
        for held in &self.held {
            writeln!(f, "      {} ({}, acquired at {})", held.lock, held.access, held.acquired_at)?;
        }
        writeln!(f)?;
        self.write_scenario(f)
    }
}
