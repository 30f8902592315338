//! Per-thread engine state.
//!
//! `THREAD` is the hot state: const-initialized, made of `Cell`s, with no
//! destructor, so reaching it costs a thread-local address computation and
//! it stays usable while other thread-locals are being destroyed. `SLOW`
//! holds what only new edges need (the thread's name, captured stacks) and
//! may be gone during thread teardown; every use has a fallback.

use std::cell::{Cell, RefCell};
use std::panic::Location;
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};

use super::cache::PairCache;
use super::classes::{self, ClassId};
use super::graph::{EdgeRecord, Evidence};
use super::held::HeldStack;
use super::id::IdBlock;
use crate::report::{LockInfo, Trace};
use crate::LockClass;

#[derive(Debug)]
pub(super) struct ThreadState {
    pub(super) held: HeldStack,
    /// `(held-set hash, id)`: every edge from that held set into `id` is
    /// known (the fast path).
    pub(super) known_chains: PairCache,
    /// `(from, to)` edges known (the slow path).
    pub(super) known_edges: PairCache,
    pub(super) ids: IdBlock,
    /// Set while a handler runs or a report is built: acquisitions made
    /// then are not tracked.
    pub(super) suspended: Cell<bool>,
}

impl ThreadState {
    const fn new() -> Self {
        ThreadState {
            held: HeldStack::new(),
            known_chains: PairCache::new(),
            known_edges: PairCache::new(),
            ids: IdBlock::new(),
            suspended: Cell::new(false),
        }
    }
}

thread_local! {
    pub(super) static THREAD: ThreadState = const { ThreadState::new() };
    static SLOW: RefCell<SlowState> = RefCell::new(SlowState::default());
}

/// A pair of acquisition sites, by address.
type SitePair = (usize, usize);

#[derive(Default)]
struct SlowState {
    name: Option<Arc<str>>,
    records: FxHashMap<SitePair, Evidence>,
    /// Class ids by (creation site, named class, nesting level), by address.
    class_ids: FxHashMap<(usize, usize, u8), ClassId>,
    /// Class orders this thread knows are recorded (or reported).
    class_edges: FxHashSet<(ClassId, ClassId)>,
}

/// The class id of `lock` at nesting level `subclass`, from this thread's
/// cache when it can.
pub(super) fn class_of(lock: &LockInfo, subclass: u8) -> ClassId {
    let class = lock.class().map_or(0, |c| c as *const LockClass as usize);
    let key = (lock.created_at() as *const Location<'_> as usize, class, subclass);
    let cached = SLOW.try_with(|s| s.borrow().class_ids.get(&key).copied()).ok().flatten();
    cached.unwrap_or_else(|| {
        let id = classes::class_id(lock, subclass);
        let _ = SLOW.try_with(|s| s.borrow_mut().class_ids.insert(key, id));
        id
    })
}

/// Whether this thread knows the class order `from -> to` is recorded.
pub(super) fn knows_class_edge(from: ClassId, to: ClassId) -> bool {
    SLOW.try_with(|s| s.borrow().class_edges.contains(&(from, to))).unwrap_or(false)
}

/// Remembers that the class order `from -> to` is recorded.
pub(super) fn learn_class_edge(from: ClassId, to: ClassId) {
    let _ = SLOW.try_with(|s| s.borrow_mut().class_edges.insert((from, to)));
}

/// The current thread's name as shown in reports.
pub(super) fn thread_name() -> Arc<str> {
    let name = SLOW.try_with(|s| s.borrow_mut().name.get_or_insert_with(current_name).clone());
    // During thread teardown `thread::current` may no longer be available.
    name.unwrap_or_else(|_| "<exiting thread>".into())
}

fn current_name() -> Arc<str> {
    let thread = std::thread::current();
    match thread.name() {
        Some(name) => name.into(),
        None => format!("{:?}", thread.id()).into(),
    }
}

/// The record of an edge this thread creates from a lock acquired at
/// `from_site` to one acquired at `to_site`: one per pair of sites, whose
/// stack is captured (unresolved) by the first such edge.
pub(super) fn evidence(from_site: &'static Location<'static>, to_site: &'static Location<'static>) -> Evidence {
    let fresh =
        || Arc::new(EdgeRecord { from_site, to_site, thread: thread_name(), trace: Arc::new(Trace::capture()) });
    let key = (from_site as *const Location<'_> as usize, to_site as *const Location<'_> as usize);
    SLOW.try_with(|s| {
        if let Some(record) = s.borrow().records.get(&key) {
            return record.clone();
        }
        let record = fresh();
        s.borrow_mut().records.insert(key, record.clone());
        record
    })
    .unwrap_or_else(|_| fresh())
}

/// Stops tracking on this thread until dropped (also when unwinding).
pub(super) struct Suspended {
    previous: bool,
}

impl Suspended {
    pub(super) fn new() -> Suspended {
        let previous = THREAD.try_with(|t| t.suspended.replace(true)).unwrap_or(true);
        Suspended { previous }
    }
}

impl Drop for Suspended {
    fn drop(&mut self) {
        let _ = THREAD.try_with(|t| t.suspended.set(self.previous));
    }
}
