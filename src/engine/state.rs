//! The per-lock state word, and the slot of a parked in-edge.
//!
//! The state word packs the lock's id (see `id`) with three flags: two
//! tell a dropped lock whether it left anything in the global registry,
//! the third that its first in-edge is parked in the lock itself (see
//! `parked`, whose slot is here).

use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};
use std::sync::Arc;

use super::graph::{EdgeRecord, Evidence};
use super::id::{IdBlock, LockId, ID_MASK};
use super::thread;

/// The lock's first in-edge is parked in it, not yet in the registry.
pub(super) const PARKED: u64 = 1 << 61;
/// The registry holds pending in-edges of this lock.
pub(super) const HAS_PENDING: u64 = 1 << 62;
/// The lock has a node in the lock-order graph: its drop visits the
/// registry.
pub(super) const IN_GRAPH: u64 = 1 << 63;

/// The tracking state every tracked lock carries: its word (id and flags)
/// and the slot of a parked in-edge.
#[derive(Debug)]
#[repr(C)]
pub(crate) struct LockState {
    word: AtomicU64,
    pub(super) parked: ParkedEdge,
}

impl LockState {
    pub(crate) const fn new() -> Self {
        LockState { word: AtomicU64::new(0), parked: ParkedEdge::new() }
    }

    /// The lock's id for the fast path: `0` if none is allocated yet or if
    /// an in-edge is parked in the lock (both are the cold path's work).
    #[inline(always)]
    pub(super) fn settled_id(&self) -> LockId {
        let id = self.word.load(Ordering::Relaxed) & (ID_MASK | PARKED);
        // One comparison for both: 0 wraps around, PARKED is above the mask.
        if id.wrapping_sub(1) < ID_MASK {
            id
        } else {
            0
        }
    }

    /// The lock's id; if it is allocated now, `flags` are set with it (one
    /// atomic operation instead of two for a lock whose first acquisition
    /// records pending edges).
    #[inline]
    pub(super) fn id_with(&self, ids: &IdBlock, flags: u64) -> LockId {
        let id = self.word.load(Ordering::Relaxed) & ID_MASK;
        if id != 0 {
            return id;
        }
        self.allocate(ids, flags)
    }

    #[cold]
    fn allocate(&self, ids: &IdBlock, flags: u64) -> LockId {
        // If another thread allocated first, its id wins and ours is skipped.
        self.allocate_fresh(ids, flags).unwrap_or_else(|| self.word.load(Ordering::Relaxed) & ID_MASK)
    }

    /// The id, if one was ever allocated, and the flags.
    #[inline]
    pub(super) fn load(&self) -> (LockId, u64) {
        let word = self.word.load(Ordering::Relaxed);
        (word & ID_MASK, word & !ID_MASK)
    }

    /// Allocates the id of a lock never acquired before, with `flags`;
    /// `None` if another thread allocated one first.
    pub(super) fn allocate_fresh(&self, ids: &IdBlock, flags: u64) -> Option<LockId> {
        let (fresh, first) = ids.next();
        if first {
            super::startup::first_lock_of_the_process();
        }
        self.word.compare_exchange(0, fresh | flags, Ordering::Relaxed, Ordering::Relaxed).ok().map(|_| fresh)
    }

    /// Whether no id has been allocated yet.
    #[inline]
    pub(super) fn is_fresh(&self) -> bool {
        self.word.load(Ordering::Relaxed) == 0
    }

    pub(super) fn clear_flag(&self, flag: u64) {
        self.word.fetch_and(!flag, Ordering::Relaxed);
    }

    /// The lock's id, `0` if it has none yet (for the watchdog's table).
    #[inline]
    pub(crate) fn id(&self) -> LockId {
        self.load().0
    }

    /// Where the lock is, as held entries keep it: a lock cannot move
    /// while held.
    #[inline(always)]
    pub(super) fn address(&self) -> usize {
        self as *const LockState as usize
    }

    pub(super) fn set_flag(&self, flag: u64) {
        if self.word.load(Ordering::Relaxed) & flag == 0 {
            self.word.fetch_or(flag, Ordering::Relaxed);
        }
    }
}

/// The slot of a parked edge: the source's id, and the record as a raw
/// `Arc` (null when empty or taken).
#[derive(Debug)]
#[repr(C)]
pub(crate) struct ParkedEdge {
    from: AtomicU64,
    record: AtomicPtr<EdgeRecord>,
}

impl ParkedEdge {
    pub(super) const fn new() -> Self {
        ParkedEdge { from: AtomicU64::new(0), record: AtomicPtr::new(ptr::null_mut()) }
    }

    /// Fills the slot of a lock whose id this thread has just allocated
    /// with `PARKED`.
    pub(super) fn fill(&self, from: LockId, record: Evidence) {
        self.from.store(from, Ordering::Relaxed);
        self.record.store(Arc::into_raw(record).cast_mut(), Ordering::Release);
    }

    /// Takes the edge of a lock flagged `PARKED`; `None` once it was taken
    /// (the flag is then cleared). Callers are serialized by the registry,
    /// so an empty slot with the flag still set is one whose parking thread
    /// has not filled it yet, a few instructions away.
    pub(super) fn take(&self, state: &LockState) -> Option<(LockId, Evidence)> {
        loop {
            if state.load().1 & PARKED == 0 {
                return None;
            }
            let record = self.record.swap(ptr::null_mut(), Ordering::Acquire);
            if !record.is_null() {
                // SAFETY: a non-null slot holds a pointer from
                // `Arc::into_raw` in `fill`, whose reference keeps the
                // record alive; the swap took it out of the slot, so this
                // `Arc` owns that reference and nothing else will use it.
                // (The Acquire swap pairs with `fill`'s Release store: the
                // record and `from` are seen as written.) The slot itself
                // is alive: `self` borrows the lock being acquired.
                return Some((self.from.load(Ordering::Relaxed), unsafe { Arc::from_raw(record) }));
            }
            std::thread::yield_now();
        }
    }
}

impl Drop for ParkedEdge {
    fn drop(&mut self) {
        let record = *self.record.get_mut();
        if !record.is_null() {
            // SAFETY: a non-null slot holds the reference `fill` stored,
            // which nobody took (`take` nulls the slot). The lock is being
            // dropped (`&mut self`): no other thread can reach the slot,
            // and the store happened before (ending the lock's sharing
            // synchronized with it), so the reference is given back once,
            // here.
            thread::give_back(unsafe { Arc::from_raw(record) });
        }
    }
}
