//! The slot of a tokio task: its async locks, reachable from any thread by
//! the task's id, in a sharded table that forgets the slots of tasks that
//! hold nothing and are installed nowhere.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use once_cell::sync::Lazy;
use rustc_hash::FxHashMap;

use crate::engine::held::HeldEntry;
use crate::engine::id::LockId;

/// A task's async locks, reachable from any thread.
///
/// `entries` has one writer at a time with no lock: the thread polling the
/// task (whose `running()` is the task's key). tokio polls a task on one
/// thread at a time, and orders its polls (the end of one happens before
/// the start of the next, wherever it runs), so these accesses never
/// overlap. Anyone else (a guard of the task dropped by another task)
/// leaves the release in `released` and raises `pending`; the task applies
/// it before it next uses its set.
#[derive(Debug, Default)]
pub(super) struct TaskSlot {
    entries: UnsafeCell<Vec<HeldEntry>>,
    /// Moves with every change of `entries` (stored by their one writer).
    pub(super) version: AtomicU64,
    pub(super) pending: AtomicBool,
    pub(super) released: Mutex<Vec<LockId>>,
}

// SAFETY: `entries` is only reached through `TaskSlot::entries`, by the
// thread polling the task, or by `sweep` while no other reference to the
// slot exists (see there); the other fields are `Sync`.
unsafe impl Sync for TaskSlot {}

impl TaskSlot {
    /// The task's entries, for the thread polling the task `key`.
    ///
    /// # Safety
    ///
    /// `key` is this slot's task, and the calling thread is polling it
    /// (`running() == key`): see the type's docs. The reference must not
    /// outlive the current acquisition or release.
    #[allow(clippy::mut_from_ref)]
    pub(super) unsafe fn entries(&self) -> &mut Vec<HeldEntry> {
        // SAFETY: the caller is the one thread that may touch `entries` now.
        unsafe { &mut *self.entries.get() }
    }

    /// Whether the held set that loaded this slot at `seen` is up to date.
    pub(super) fn is_current(&self, seen: u64) -> bool {
        self.version.load(Ordering::Acquire) == seen && !self.pending.load(Ordering::Acquire)
    }

    /// Notes a change of `entries`, made by their writer; the new version.
    pub(super) fn changed(&self) -> u64 {
        let version = self.version.load(Ordering::Relaxed) + 1;
        self.version.store(version, Ordering::Release);
        version
    }

    /// Applies the releases left by others, for the thread polling the
    /// task (the caller's contract of [`TaskSlot::entries`]).
    ///
    /// # Safety
    ///
    /// As [`TaskSlot::entries`].
    pub(super) unsafe fn apply_pending(&self) {
        // A load first: no write to the shared line when nothing waits.
        if !self.pending.load(Ordering::Acquire) || !self.pending.swap(false, Ordering::AcqRel) {
            return;
        }
        let released = std::mem::take(&mut *self.released.lock().unwrap_or_else(PoisonError::into_inner));
        // SAFETY: the caller's contract.
        let entries = unsafe { self.entries() };
        for id in released {
            remove_newest(entries, id);
        }
        self.changed();
    }
}

/// Removes the newest entry of `id`; whether it had entered the graph
/// (`None`: no entry of `id`).
pub(super) fn remove_newest(entries: &mut Vec<HeldEntry>, id: LockId) -> Option<bool> {
    // Guards are mostly dropped newest first: the last entry goes without
    // a shift of the others or a copy of itself.
    if let Some(last) = entries.last().filter(|e| e.id == id) {
        let in_graph = last.in_graph;
        entries.truncate(entries.len() - 1);
        return Some(in_graph);
    }
    let i = entries.iter().rposition(|e| e.id == id)?;
    Some(entries.remove(i).in_graph)
}

const SHARDS: usize = 16;
/// The slots of tasks, by key.
type SlotTable = FxHashMap<u64, Arc<TaskSlot>>;
static SLOTS: Lazy<[Mutex<SlotTable>; SHARDS]> = Lazy::new(Default::default);
/// Slots made since the last sweep, and how many were kept by it.
static MADE: AtomicUsize = AtomicUsize::new(0);
static KEPT: AtomicUsize = AtomicUsize::new(0);

fn shard(key: u64) -> MutexGuard<'static, SlotTable> {
    SLOTS[key as usize % SHARDS].lock().unwrap_or_else(PoisonError::into_inner)
}

/// The slot of task `key`, made if it has none.
pub(super) fn slot(key: u64) -> Arc<TaskSlot> {
    let made = {
        let mut shard = shard(key);
        if let Some(slot) = shard.get(&key) {
            return slot.clone();
        }
        let slot = Arc::new(TaskSlot::default());
        shard.insert(key, slot.clone());
        slot
    };
    if MADE.fetch_add(1, Ordering::Relaxed) > KEPT.load(Ordering::Relaxed).max(1024) {
        sweep();
    }
    made
}

/// The slot of task `key`, if it has one.
pub(super) fn existing_slot(key: u64) -> Option<Arc<TaskSlot>> {
    shard(key).get(&key).cloned()
}

/// Forgets the slots of tasks that hold nothing and are installed nowhere
/// (most of them ended): a task's slot is made again if it runs again.
/// Run when the slots made since the last sweep outnumber those it kept,
/// so amortized constant time per slot.
fn sweep() {
    let mut kept = 0;
    for shard in SLOTS.iter() {
        let mut shard = shard.lock().unwrap_or_else(PoisonError::into_inner);
        shard.retain(|_, slot| {
            // SAFETY: no other reference to the slot exists (it is made and
            // handed out only under this shard's lock), so no thread polls
            // the task with it.
            Arc::strong_count(slot) > 1 || !unsafe { slot.entries() }.is_empty() || slot.pending.load(Ordering::Acquire)
        });
        kept += shard.len();
    }
    KEPT.store(kept, Ordering::Relaxed);
    MADE.store(0, Ordering::Relaxed);
}
