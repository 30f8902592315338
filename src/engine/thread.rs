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

use rustc_hash::FxHashMap;

use super::cache::{spread, spread_target, ClassCache, NestingCache, PairCache, RefusalCache};
use super::classes::{self, ClassId};
use super::graph::{EdgeRecord, Evidence};
use super::held::HeldStack;
use super::id::{IdBlock, LockId};
use super::last_record::{LastRecord, SitePair};
pub(super) use super::running::running_task;
use super::Access;
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
    /// Refused orders this thread went on past (the slow path).
    pub(super) refusals: RefusalCache,
    /// Class ids of the locks this thread took (the slow path).
    class_ids: ClassCache,
    /// `(from, to)` class orders known (the slow path).
    known_class_edges: PairCache,
    /// Ways of nesting a class within itself known (the slow path).
    known_nestings: NestingCache,
    pub(super) ids: IdBlock,
    /// Set while a handler runs or a report is built: acquisitions made
    /// then are not tracked.
    pub(super) suspended: Cell<bool>,
    /// The last record [`evidence`] handed out, with spare references.
    /// Kept alive by `SLOW`, which clears this when it goes.
    last_record: LastRecord,
    /// The last class order [`knows_class_order`] found known, by what
    /// decides it.
    last_known_order: Cell<OrderKey>,
    /// This thread's thread-locals are being destroyed: `SLOW`'s
    /// destructor ran. See [`exiting`].
    exiting: Cell<bool>,
    /// Whose entries `held` holds: `0` for the thread's own, else a tokio
    /// task's id (see `owner`).
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    pub(super) owner: Cell<u64>,
    /// How many entries other threads had posted (see `moved`) when this
    /// thread last took its own.
    pub(super) posts_seen: Cell<u64>,
}

/// What decides the class order of a held lock (by id, at a nesting level)
/// into a lock (by creation site and named class, at a nesting level).
type OrderKey = (LockId, usize, usize, u16);

impl ThreadState {
    const fn new() -> Self {
        ThreadState {
            held: HeldStack::new(),
            known_chains: PairCache::new(),
            known_edges: PairCache::new(),
            refusals: RefusalCache::new(),
            class_ids: ClassCache::new(),
            known_class_edges: PairCache::new(),
            known_nestings: NestingCache::new(),
            ids: IdBlock::new(),
            suspended: Cell::new(false),
            last_record: LastRecord::new(),
            last_known_order: Cell::new((0, 0, 0, 0)),
            exiting: Cell::new(false),
            owner: Cell::new(0),
            posts_seen: Cell::new(0),
        }
    }
}

thread_local! {
    pub(super) static THREAD: ThreadState = const { ThreadState::new() };
    static SLOW: RefCell<SlowState> = RefCell::new(SlowState::default());
}

#[derive(Default)]
struct SlowState {
    name: Option<Arc<str>>,
    records: FxHashMap<SitePair, Evidence>,
}

impl Drop for SlowState {
    fn drop(&mut self) {
        // The records go: the spares of the last one go first.
        let _ = THREAD.try_with(|t| {
            t.last_record.clear();
            t.exiting.set(true);
        });
    }
}

/// What tells this thread's guards from other threads' (see `moved`):
/// where its state is, which no other live thread shares, with the top
/// bit set. Ids stop below it, so a hold (an id mixed with a salt) is
/// never `0`, which stands for no hold.
#[inline(always)]
pub(super) fn salt(t: &ThreadState) -> u64 {
    (t as *const ThreadState).addr() as u64 | 1 << 63
}

/// Whether this thread's thread-locals are known to be being destroyed,
/// where a panic aborts the process: `SLOW` is gone.
///
/// A sure sign, told by state and not by the stack's frames, so a
/// thread-local's initializer is never taken for a destructor. But not
/// the only one: destructors run in the reverse order of registration, so
/// those of thread-locals first used after the engine's run before `SLOW`
/// goes (reports then look at the stack's frames).
pub(super) fn exiting() -> bool {
    THREAD.try_with(|t| t.exiting.get()).unwrap_or(true)
}

/// The class id of `lock` at nesting level `subclass`, from this thread's
/// cache when it can.
pub(super) fn class_of(t: &ThreadState, lock: &LockInfo, subclass: u8) -> ClassId {
    let site = lock.created_at() as *const Location<'_> as usize;
    // The level goes in the top bits, which no address uses; the low bit
    // keeps "no named class" apart from an empty slot.
    let level = (subclass as usize).wrapping_shl(usize::BITS - 8) | 1;
    let class = lock.class().map_or(0, |c| c as *const LockClass as usize) ^ level;
    t.class_ids.get(site, class).unwrap_or_else(|| {
        let id = classes::class_id(lock, subclass);
        t.class_ids.insert(site, class, id);
        id
    })
}

/// Whether this thread knows the class order from the held lock `from` (at
/// index `index` of the held stack) into `to` at level `subclass` is
/// recorded.
#[inline]
pub(super) fn knows_class_order(t: &ThreadState, (index, from): (usize, LockId), to: &LockInfo, subclass: u8) -> bool {
    let from_subclass = t.held.subclass_at(index);
    let key: OrderKey = (
        from,
        to.created_at() as *const Location<'_> as usize,
        to.class().map_or(0, |c| c as *const LockClass as usize),
        u16::from(from_subclass) << 8 | u16::from(subclass),
    );
    t.last_known_order.get() == key || knows_class_order_slow(t, index, key, to)
}

#[cold]
fn knows_class_order_slow(t: &ThreadState, index: usize, key: OrderKey, to: &LockInfo) -> bool {
    let (from_lock, from_subclass) = t.held.lock_at(index);
    // A lock in no class (a thread's own end, one made by `Default`) has
    // no class order to record.
    let known = from_lock.is_unclassed()
        || to.is_unclassed()
        || knows_class_edge(t, class_of(t, &from_lock, from_subclass), class_of(t, to, key.3 as u8));
    if known {
        t.last_known_order.set(key);
    }
    known
}

/// Whether this thread knows the class order `from -> to` is recorded.
pub(super) fn knows_class_edge(t: &ThreadState, from: ClassId, to: ClassId) -> bool {
    t.known_class_edges.contains(spread(from), spread_target(to))
}

/// Remembers that the class order `from -> to` is recorded.
pub(super) fn learn_class_edge(t: &ThreadState, from: ClassId, to: ClassId) {
    t.known_class_edges.insert(spread(from), spread_target(to));
}

/// Whether this thread knows that nesting `class` within itself in the
/// directions `facts` is recorded (see `classes::nest`).
pub(super) fn knows_nesting(t: &ThreadState, class: ClassId, facts: u8) -> bool {
    t.known_nestings.contains(class, facts)
}

/// Remembers that nesting `class` within itself in the directions `facts`
/// is recorded.
pub(super) fn learn_nesting(t: &ThreadState, class: ClassId, facts: u8) {
    t.known_nestings.insert(class, facts);
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
#[inline]
pub(super) fn evidence(from_site: &'static Location<'static>, to_site: &'static Location<'static>) -> Evidence {
    evidence_of((from_site, Access::Lock), (to_site, Access::Lock))
}

/// [`evidence`] knowing how the `from` lock is held and the `to` lock
/// acquired, for the verbs of reports. The accesses are those of the
/// sites, so the record stays keyed by the sites.
#[inline]
pub(super) fn evidence_of(
    (from_site, from_access): (&'static Location<'static>, Access),
    (to_site, to_access): (&'static Location<'static>, Access),
) -> Evidence {
    let key = (from_site as *const Location<'_> as usize, to_site as *const Location<'_> as usize);
    match THREAD.try_with(|t| t.last_record.get(key)) {
        Ok(Some(record)) if record.task == running_task() => record,
        _ => new_evidence(key, (from_site, to_site), (from_access, to_access)),
    }
}

#[cold]
fn new_evidence(
    key: SitePair,
    (from_site, to_site): (&'static Location<'static>, &'static Location<'static>),
    accesses: (Access, Access),
) -> Evidence {
    let task = running_task();
    let fresh = || {
        let (thread, trace) = (thread_name(), Arc::new(Trace::capture()));
        Arc::new(EdgeRecord { from_site, to_site, accesses, thread, task, trace })
    };
    SLOW.try_with(|s| {
        let known = s.borrow().records.get(&key).cloned();
        let record = match known {
            Some(record) if record.task == task => record,
            // Another task made an edge at these sites on this thread: the
            // stack is shared, the name is this task's.
            Some(record) => {
                let (thread, trace) = (record.thread.clone(), record.trace.clone());
                let record = Arc::new(EdgeRecord { from_site, to_site, accesses, thread, task, trace });
                s.borrow_mut().records.insert(key, record.clone());
                record
            }
            None => {
                let record = fresh();
                s.borrow_mut().records.insert(key, record.clone());
                record
            }
        };
        let _ = THREAD.try_with(|t| t.last_record.set(key, &record));
        record
    })
    .unwrap_or_else(|_| fresh())
}

/// Hands back a reference to a record, which this thread keeps as a spare
/// if the record is its last one (see [`LastRecord`]).
pub(super) fn give_back(record: Evidence) {
    // If the thread's state is out of reach, the closure is dropped with
    // the record in it: the reference goes back to the shared count.
    let _ = THREAD.try_with(move |t| t.last_record.absorb(record));
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
