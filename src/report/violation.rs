//! The structured value of a detected potential deadlock, and its rendering.

use std::fmt;
use std::panic::Location;
use std::sync::Arc;

use super::{Backtrace, LockInfo, Trace};

mod held_across_await;
#[cfg(test)]
mod tests;

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
    /// on other code paths, can deadlock.
    ///
    /// Within one class: a lock taken while holding another of its class
    /// by creation site, in the opposite order to an earlier nesting of
    /// the class by every key of the instances (their order of first use
    /// and their addresses; the earlier nestings are the report's first
    /// edges), or, in a named class, any lock taken while holding another
    /// of its class (a one-edge cycle), without `lock_nested`.
    ///
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
    /// The tokio task that made the acquisition, if a task did.
    pub(crate) task: Option<TaskName>,
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

    /// The id of the tokio task that made this acquisition (as
    /// `tokio::task::Id` displays it), or `None` if it was made outside any
    /// task (a plain thread, or the root future of a `block_on`).
    pub fn task(&self) -> Option<u64> {
        self.task.map(|task| task.id)
    }

    /// Where the tokio task that made the acquisition was spawned, if a
    /// task did and it was spawned by [`lockorder::tokio::spawn`] or
    /// [`spawn_local`] (a plain `tokio::spawn` does not tell).
    ///
    /// [`lockorder::tokio::spawn`]: crate::tokio::spawn
    /// [`spawn_local`]: crate::tokio::spawn_local
    #[cfg(feature = "tokio")]
    pub fn task_spawned_at(&self) -> Option<&'static Location<'static>> {
        self.task.and_then(|task| task.spawned_at)
    }

    /// Who made the acquisition, as reports say it: "thread `main`" or
    /// "task 12 on thread `tokio-runtime-worker`".
    pub(crate) fn who(&self) -> Who<'_> {
        Who { thread: &self.thread, task: self.task }
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
    task: Option<TaskName>,
    /// For a blocking lock held by a suspended task while another runs on
    /// its thread: who holds it and who runs next.
    pub(super) suspension: Option<Box<Suspension>>,
    /// For a lock taken under another of its class: the method that takes
    /// it at a nesting level, if its type has one for this access.
    nested_method: Option<&'static str>,
    /// The cycle is a class nested within itself both ways: its first
    /// edges nested it one way, the last the other.
    nesting: bool,
    /// What identifies the cycle among those of its sites: the sorted ids
    /// of its locks, or for a lock held across an await a hash of the
    /// await's stack (see [`Violation::site_key`]).
    key: Vec<u64>,
    /// How each edge's `from` was held and its `to` acquired (verbs as in
    /// [`HeldLock::access`]), in edge order; empty when not known, and
    /// the scenario then says `lock` for every acquisition.
    accesses: Vec<(&'static str, &'static str)>,
}

/// Who holds a blocking lock across an `.await` found when something else
/// runs on its thread, and what runs.
#[derive(Clone, Debug)]
pub(crate) struct Suspension {
    /// "task 12" or "the `block_on` root".
    pub(crate) holder: String,
    /// The owner whose acquisition found it: "task 15".
    pub(crate) next: String,
    /// Whether `next` is asking for a lock the holder keeps (it would block
    /// the thread now), not just any lock.
    pub(crate) contended: bool,
}

/// A tokio task as reports name it: "task 12", and "(spawned at ..)" when
/// it was spawned through lockorder, which kept the spawn's location.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TaskName {
    /// The number `tokio::task::Id` displays.
    pub(crate) id: u64,
    pub(crate) spawned_at: Option<&'static Location<'static>>,
}

impl fmt::Display for TaskName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task {}", self.id)?;
        match self.spawned_at {
            Some(site) => write!(f, " (spawned at {site})"),
            None => Ok(()),
        }
    }
}

/// "thread `main`" or "task 12 on thread `worker`".
#[derive(Clone, Copy, Debug)]
pub(crate) struct Who<'a> {
    thread: &'a str,
    task: Option<TaskName>,
}

impl fmt::Display for Who<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.task {
            Some(task) => write!(f, "{task} on thread `{}`", self.thread),
            None => write!(f, "thread `{}`", self.thread),
        }
    }
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
        let task = edges.last().and_then(|e| e.task);
        Violation {
            kind,
            edges,
            held,
            thread,
            task,
            suspension: None,
            nested_method: None,
            nesting: false,
            key,
            accesses: Vec::new(),
        }
    }

    /// This violation, knowing how each edge's `from` was held and its
    /// `to` acquired (one pair of [`HeldLock::access`] verbs per edge, in
    /// edge order), so that its scenario says `read` and `write`.
    pub(crate) fn with_accesses(mut self, accesses: Vec<(&'static str, &'static str)>) -> Violation {
        debug_assert_eq!(accesses.len(), self.edges.len());
        self.accesses = accesses;
        self
    }

    /// How edge `i`'s `from` was held, or `lock` when not known.
    fn held_verb_of(&self, i: usize) -> &'static str {
        self.accesses.get(i).map_or("lock", |a| a.0)
    }

    /// How edge `i`'s `to` was acquired, or `lock` when not known.
    fn acquired_verb_of(&self, i: usize) -> &'static str {
        self.accesses.get(i).map_or("lock", |a| a.1)
    }

    /// The locks of the cycle that are both held and waited for shared, by
    /// a `read` that is not recursive: the cycle deadlocks only if a
    /// writer queues for such a lock between the two reads.
    fn reads_needing_a_writer(&self) -> Vec<LockInfo> {
        let shared = |verb: &str| matches!(verb, "read" | "async read");
        let n = self.edges.len();
        (0..n)
            .filter(|&i| shared(self.acquired_verb_of(i)) && shared(self.held_verb_of((i + 1) % n)))
            .map(|i| self.edges[i].to)
            .collect()
    }

    /// This violation, advising `method` (`lock_nested`, ..) when the
    /// attempt takes a lock under another of its class.
    pub(crate) fn advising(mut self, method: Option<&'static str>) -> Violation {
        self.nested_method = method;
        self
    }

    /// This violation, of a class nested within itself both ways.
    pub(crate) fn nesting(mut self) -> Violation {
        self.nesting = true;
        self
    }

    /// This violation, found by `suspension`.
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    pub(crate) fn suspended(mut self, suspension: Suspension) -> Violation {
        self.suspension = Some(Box::new(suspension));
        self
    }

    /// What tells this cycle apart by its sites, whatever the instances:
    /// where each lock of the cycle was made and where each edge's two
    /// acquisitions were made (and, for a kind keyed by sites already,
    /// its key).
    pub(crate) fn site_key(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let address = |l: &'static Location<'static>| l as *const Location<'static> as usize;
        let mut sites: Vec<[usize; 4]> = self
            .edges
            .iter()
            .map(|e| {
                [
                    address(e.from.created_at()),
                    address(e.to.created_at()),
                    address(e.from_acquired_at),
                    address(e.to_acquired_at),
                ]
            })
            .collect();
        sites.sort_unstable();
        let mut hasher = rustc_hash::FxHasher::default();
        (self.kind as u8).hash(&mut hasher);
        sites.hash(&mut hasher);
        if self.kind == ViolationKind::HeldAcrossAwait {
            self.key.hash(&mut hasher);
        }
        hasher.finish()
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

    /// The id of the tokio task that tried the acquisition, if a task did
    /// (see [`Edge::task`]).
    pub fn task(&self) -> Option<u64> {
        self.task.map(|task| task.id)
    }

    /// Where the tokio task that tried the acquisition was spawned, when
    /// known (see [`Edge::task_spawned_at`]).
    #[cfg(feature = "tokio")]
    pub fn task_spawned_at(&self) -> Option<&'static Location<'static>> {
        self.task.and_then(|task| task.spawned_at)
    }

    /// Who tried the acquisition, as reports say it.
    pub(super) fn who(&self) -> Who<'_> {
        Who { thread: &self.thread, task: self.task }
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
            let now = i == last;
            let this = if now { "  (this acquisition)" } else { "" };
            writeln!(f, "  [{}] {} -> {}{this}", i + 1, e.from, e.to)?;
            writeln!(f, "      {}", self.edge_story(i, now))?;
            if now {
                writeln!(f, "      backtrace of this acquisition:")?;
            } else {
                writeln!(f, "      backtrace when this order was first seen:")?;
            }
            write!(f, "{}", e.backtrace())?;
            writeln!(f)?;
        }
        Ok(())
    }

    /// What the `i`-th edge's thread did, in the present tense for the
    /// acquisition being made (`now`). Edges of waits read as waits: a
    /// thread's own end is where it started, a completion (a send, a
    /// notification) is delivered under the locks held then.
    fn edge_story(&self, i: usize, now: bool) -> String {
        let e = &self.edges[i];
        let (who, from, to) = (e.who(), e.from, e.to);
        let (from_at, to_at) = (e.from_acquired_at, e.to_acquired_at);
        let then = match (self.acquired_verb_of(i), now) {
            ("wait for", true) => format!("is waiting for {to} at {to_at}"),
            ("wait for", false) => format!("waited for {to} at {to_at}"),
            (_, true) => format!("is acquiring {to} at {to_at}"),
            (_, false) => format!("acquired {to} at {to_at}"),
        };
        match (self.held_verb_of(i), now) {
            ("run until", _) => format!("{who}, which runs until {from}, {then}"),
            ("deliver", true) => {
                format!("{who} holds {to} (acquired at {to_at}) and is delivering {from} at {from_at}")
            }
            ("deliver", false) => {
                format!("{who} held {to} (acquired at {to_at}) and then delivered {from} at {from_at}")
            }
            (_, true) => format!("{who} holds {from} (acquired at {from_at}) and {then}"),
            (_, false) => format!("{who} held {from} (acquired at {from_at}) and then {then}"),
        }
    }

    /// Two columns: this thread, and the other thread(s) that complete the
    /// cycle.
    fn write_scenario(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let attempt = self.attempt();
        let this = self.who().to_string();
        let mut rows: Vec<(String, String)> = Vec::new();
        let last = self.edges.len() - 1;
        let (holds, takes) = (self.held_verb_of(last), self.acquired_verb_of(last));
        if self.nesting {
            // One class: its instances told apart by number.
            rows.push((format!("{holds} {} #1", attempt.from), String::new()));
            rows.push((String::new(), format!("{takes} {} #2", attempt.to)));
            rows.push((String::new(), format!("{takes} {} #1", attempt.from)));
            rows.push((format!("{takes} {} #2", attempt.to), String::new()));
        } else if self.kind == ViolationKind::Reacquire {
            rows.push((format!("{holds} {}", attempt.from), String::new()));
            rows.push((format!("{takes} {}", attempt.to), String::new()));
        } else {
            let others = &self.edges[..last];
            // The other side holds `attempt.to` as the first edge's `from`
            // and waits for `attempt.from` as the edge before the attempt;
            // a cycle of one edge (a class to itself) is its own mirror.
            let (held_verb, wait_verb) = if others.is_empty() {
                (takes, holds)
            } else {
                (self.held_verb_of(0), self.acquired_verb_of(last - 1))
            };
            rows.push((format!("{holds} {}", attempt.from), String::new()));
            rows.push((String::new(), format!("{held_verb} {}", attempt.to)));
            if others.len() > 1 {
                let via: Vec<String> = others.iter().map(|e| e.to.to_string()).collect();
                rows.push((String::new(), format!("{wait_verb} {} (via {})", attempt.from, via.join(", "))));
            } else {
                rows.push((String::new(), format!("{wait_verb} {}", attempt.from)));
            }
            rows.push((format!("{takes} {}", attempt.to), String::new()));
        }
        let others = &self.edges[..self.edges.len() - 1];
        let other = match others.first() {
            None if self.kind == ViolationKind::Reacquire => String::new(),
            None => "another thread".to_owned(),
            Some(first)
                if others.iter().all(|e| e.thread == first.thread && e.task == first.task)
                    && (first.thread != self.thread || first.task != self.task) =>
            {
                first.who().to_string()
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
        writeln!(f, "      *** DEADLOCK ***")?;
        for lock in self.reads_needing_a_writer() {
            writeln!(
                f,
                "      (deadlocks only if a writer queues for {lock} between the two reads: \
                 std, parking_lot and tokio `read` block behind a queued writer)"
            )?;
        }
        Ok(())
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ViolationKind::HeldAcrossAwait => return self.write_held_across_await(f),
            ViolationKind::LockOrderInversion => {
                let waits = self.edges.iter().filter(|e| e.from.is_wait()).count();
                let locks = self.edges.len() - waits;
                let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
                let between = match waits {
                    0 => plural(locks, "lock"),
                    _ => format!("{} and {}", plural(locks, "lock"), plural(waits, "wait")),
                };
                writeln!(f, "lockorder: potential deadlock: lock order inversion between {between}")?
            }
            ViolationKind::Reacquire => writeln!(
                f,
                "lockorder: potential deadlock: {} acquires {}, which it already holds",
                self.who(),
                self.attempt().to
            )?,
            ViolationKind::ClassOrderInversion if self.nesting => {
                write!(
                    f,
                    "lockorder: potential deadlock: {} acquires a lock of class {} while holding another \
                     of the same class, in the opposite order to {} (by their order of first use and by \
                     their addresses): two threads nesting these classes so can deadlock; if the order is \
                     intended, ",
                    self.who(),
                    self.attempt().to,
                    if self.edges.len() > 2 {
                        "earlier nestings of the class"
                    } else {
                        "an earlier nesting of the class"
                    },
                )?;
                match self.nested_method {
                    Some(method) => writeln!(f, "acquire it with `{method}`")?,
                    None => writeln!(f, "give one of the two locks its own class with `with_class`")?,
                }
            }
            ViolationKind::ClassOrderInversion if self.edges.len() == 1 => {
                write!(
                    f,
                    "lockorder: potential deadlock: {} acquires a lock of class {} while holding another \
                     of the same class; if the order is intended, ",
                    self.who(),
                    self.attempt().to
                )?;
                match self.nested_method {
                    Some(method) => writeln!(f, "acquire it with `{method}`")?,
                    None => writeln!(f, "give one of the two locks its own class with `with_class`")?,
                }
            }
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
        writeln!(f, "  locks held by {}:", self.who())?;
        for held in &self.held {
            writeln!(f, "      {} ({}, acquired at {})", held.lock, held.access, held.acquired_at)?;
        }
        writeln!(f)?;
        self.write_scenario(f)
    }
}
