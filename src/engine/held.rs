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
    /// This thread made sure, during this hold, that the lock has a node in
    /// the graph (it became the source of an edge).
    pub(super) in_graph: bool,
}

/// What the fast path never reads back.
#[derive(Clone, Copy, Debug)]
struct Meta {
    lock: LockInfo,
    access: Access,
    acquired_at: &'static Location<'static>,
    in_graph: bool,
}

impl Meta {
    const EMPTY: Meta = Meta {
        lock: LockInfo::new(None, Location::caller()),
        access: Access::Lock,
        acquired_at: Location::caller(),
        in_graph: false,
    };
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
    ids: [Cell<LockId>; INLINE],
    meta: [Cell<Meta>; INLINE],
}

impl HeldStack {
    pub(super) const fn new() -> Self {
        HeldStack {
            len: Cell::new(0),
            chain: Cell::new(0),
            ids: [const { Cell::new(0) }; INLINE],
            meta: [const { Cell::new(Meta::EMPTY) }; INLINE],
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
            let m = self.meta[i].get();
            let id = self.ids[i].get();
            return Some(HeldEntry {
                id,
                lock: m.lock,
                access: m.access,
                acquired_at: m.acquired_at,
                in_graph: m.in_graph,
            });
        }
        SPILL.try_with(|s| s.borrow().get(i - INLINE).copied()).ok().flatten()
    }

    fn set(&self, i: usize, e: HeldEntry) {
        if i < INLINE {
            self.ids[i].set(e.id);
            self.meta[i].set(Meta { lock: e.lock, access: e.access, acquired_at: e.acquired_at, in_graph: e.in_graph });
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
    pub(super) fn push(
        &self,
        id: LockId,
        lock: LockInfo,
        access: Access,
        acquired_at: &'static Location<'static>,
    ) -> bool {
        let len = self.len.get();
        if len < INLINE {
            self.ids[len].set(id);
            self.meta[len].set(Meta { lock, access, acquired_at, in_graph: false });
        } else {
            let entry = HeldEntry { id, lock, access, acquired_at, in_graph: false };
            let spilled = SPILL.try_with(|s| {
                let mut s = s.borrow_mut();
                s.truncate(len - INLINE);
                s.push(entry);
            });
            if spilled.is_err() {
                return false;
            }
        }
        self.len.set(len + 1);
        self.chain.set(self.chain.get().wrapping_add(id));
        true
    }

    /// Removes the newest entry with `id`; returns whether it had been put
    /// in the graph during this hold, or `None` if `id` is not held.
    #[inline]
    pub(super) fn remove(&self, id: LockId) -> Option<bool> {
        let len = self.len.get();
        let last = len.checked_sub(1)?;
        if last < INLINE && self.ids[last].get() == id {
            self.len.set(last);
            self.chain.set(self.chain.get().wrapping_sub(id));
            return Some(self.meta[last].get().in_graph);
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
        self.chain.set(self.chain.get().wrapping_sub(id));
        Some(removed.in_graph)
    }

    pub(super) fn mark_in_graph(&self, index: usize) {
        if let Some(mut entry) = self.get(index) {
            entry.in_graph = true;
            self.set(index, entry);
        }
    }
}
