//! The locks a thread holds, and the hash of that set.
//!
//! Invariants: entries are in acquisition order; a release removes the
//! newest entry with the released id, wherever it is, so guards may drop in
//! any order. `chain` is the wrapping sum of every held id (ids look
//! random, see `id`): it identifies the held set (as a multiset, whatever
//! the order) in the fast-path cache, and is updated in O(1) by any push or
//! removal. The first
//! `INLINE` entries live in `Cell`s of a thread-local with no destructor
//! (cheap to reach, usable during thread teardown), split so that the
//! common push and last-in-first-out release touch only a few words;
//! deeper nesting spills to a `Vec` in a second thread-local. When that one
//! is gone (thread teardown) a deep acquisition is simply not tracked.

use std::cell::{Cell, RefCell};
use std::panic::Location;

use super::id::LockId;
use super::Access;
use crate::report::LockInfo;

/// One held lock.
#[derive(Clone, Copy, Debug)]
pub(super) struct HeldEntry {
    pub(super) id: LockId,
    pub(super) lock: LockInfo,
    pub(super) access: Access,
    pub(super) acquired_at: &'static Location<'static>,
    /// The nesting level asked for at the acquisition (0 unless
    /// `lock_nested` and the like): it refines the lock's class.
    pub(super) subclass: u8,
    /// This thread made sure, during this hold, that the lock has a node in
    /// the graph (it became the source of an edge).
    pub(super) in_graph: bool,
}

impl HeldEntry {
    const EMPTY: HeldEntry = HeldEntry {
        id: 0,
        lock: LockInfo::new(None, Location::caller()),
        access: Access::Lock,
        acquired_at: Location::caller(),
        subclass: 0,
        in_graph: false,
    };

    /// What the entry adds to the held-set hash.
    #[inline]
    fn hash(id: LockId, subclass: u8) -> u64 {
        id.wrapping_add(subclass as u64)
    }
}

/// The fast-path cache key of acquiring `id` at nesting level `subclass`.
#[inline]
pub(super) fn acquisition_key(id: LockId, subclass: u8) -> u64 {
    HeldEntry::hash(id, subclass)
}

/// How many held locks fit before spilling; deeper nesting takes the slow
/// path.
pub(super) const INLINE: usize = 8;

thread_local! {
    static SPILL: RefCell<Vec<HeldEntry>> = const { RefCell::new(Vec::new()) };
}

#[derive(Debug)]
pub(super) struct HeldStack {
    len: Cell<usize>,
    chain: Cell<u64>,
    /// The ids of `entries`, apart: all a last-in-first-out release reads.
    ids: [Cell<LockId>; INLINE],
    entries: [Cell<HeldEntry>; INLINE],
}

impl HeldStack {
    pub(super) const fn new() -> Self {
        HeldStack {
            len: Cell::new(0),
            chain: Cell::new(0),
            ids: [const { Cell::new(0) }; INLINE],
            entries: [const { Cell::new(HeldEntry::EMPTY) }; INLINE],
        }
    }

    #[inline]
    pub(super) fn len(&self) -> usize {
        self.len.get()
    }

    /// The hash of the held set.
    #[inline]
    pub(super) fn chain(&self) -> u64 {
        self.chain.get()
    }

    pub(super) fn get(&self, i: usize) -> Option<HeldEntry> {
        if i >= self.len() {
            return None;
        }
        if i < INLINE {
            return Some(self.entries[i].get());
        }
        SPILL.try_with(|s| s.borrow().get(i - INLINE).copied()).ok().flatten()
    }

    fn set(&self, i: usize, e: HeldEntry) {
        if i < INLINE {
            self.ids[i].set(e.id);
            self.entries[i].set(e);
        } else {
            let _ = SPILL.try_with(|s| s.borrow_mut()[i - INLINE] = e);
        }
    }

    /// All entries, oldest first (slow path).
    pub(super) fn to_vec(&self) -> Vec<HeldEntry> {
        (0..self.len()).map_while(|i| self.get(i)).collect()
    }

    /// Adds an entry; `false` when it could not be stored.
    #[inline]
    pub(super) fn push(&self, entry: HeldEntry) -> bool {
        let len = self.len.get();
        if len >= INLINE {
            return self.push_spilled(entry);
        }
        self.ids[len].set(entry.id);
        self.entries[len].set(entry);
        self.len.set(len + 1);
        self.chain.set(self.chain.get().wrapping_add(HeldEntry::hash(entry.id, entry.subclass)));
        true
    }

    #[cold]
    #[inline(never)]
    fn push_spilled(&self, entry: HeldEntry) -> bool {
        let len = self.len.get();
        let spilled = SPILL.try_with(|s| {
            let mut s = s.borrow_mut();
            s.truncate(len - INLINE);
            s.push(entry);
        });
        if spilled.is_err() {
            return false;
        }
        self.len.set(len + 1);
        self.chain.set(self.chain.get().wrapping_add(HeldEntry::hash(entry.id, entry.subclass)));
        true
    }

    /// Removes the newest entry with `id`; returns whether it had been put
    /// in the graph during this hold, or `None` if `id` is not held.
    #[inline]
    pub(super) fn remove(&self, id: LockId) -> Option<bool> {
        let len = self.len.get();
        let last = len.checked_sub(1)?;
        if last < INLINE && self.ids[last].get() == id {
            let entry = self.entries[last].get();
            self.len.set(last);
            self.chain.set(self.chain.get().wrapping_sub(HeldEntry::hash(id, entry.subclass)));
            return Some(entry.in_graph);
        }
        self.remove_inner(id)
    }

    #[cold]
    fn remove_inner(&self, id: LockId) -> Option<bool> {
        let len = self.len.get();
        let index = (0..len).rev().find(|&i| self.get(i).is_some_and(|e| e.id == id))?;
        let removed = self.get(index)?;
        for i in index..len - 1 {
            if let Some(next) = self.get(i + 1) {
                self.set(i, next);
            }
        }
        self.len.set(len - 1);
        self.chain.set(self.chain.get().wrapping_sub(HeldEntry::hash(id, removed.subclass)));
        Some(removed.in_graph)
    }

    pub(super) fn mark_in_graph(&self, index: usize) {
        if let Some(mut entry) = self.get(index) {
            entry.in_graph = true;
            self.set(index, entry);
        }
    }
}
