//! The locks a thread holds.
//!
//! Invariants: entries are in acquisition order; a release removes the
//! newest entry with the released id, wherever it is, so guards may drop in
//! any order. The first `INLINE` entries live in `Cell`s of a thread-local
//! with no destructor (cheap to reach, usable during thread teardown);
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

impl HeldEntry {
    const EMPTY: HeldEntry = HeldEntry {
        id: 0,
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
    inline: [Cell<HeldEntry>; INLINE],
}

impl HeldStack {
    pub(super) const fn new() -> Self {
        HeldStack { len: Cell::new(0), inline: [const { Cell::new(HeldEntry::EMPTY) }; INLINE] }
    }

    #[inline]
    pub(super) fn len(&self) -> usize {
        self.len.get()
    }

    /// The ids of the inline entries, for the fast path.
    #[inline]
    pub(super) fn inline_id(&self, i: usize) -> LockId {
        self.inline[i].get().id
    }

    pub(super) fn get(&self, i: usize) -> Option<HeldEntry> {
        if i < INLINE {
            return Some(self.inline[i].get());
        }
        SPILL.try_with(|s| s.borrow().get(i - INLINE).copied()).ok().flatten()
    }

    fn set(&self, i: usize, entry: HeldEntry) {
        if i < INLINE {
            self.inline[i].set(entry);
        } else {
            let _ = SPILL.try_with(|s| s.borrow_mut()[i - INLINE] = entry);
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
        if len < INLINE {
            self.inline[len].set(entry);
        } else {
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
        true
    }

    /// Removes the newest entry with `id` and returns it.
    #[inline]
    pub(super) fn remove(&self, id: LockId) -> Option<HeldEntry> {
        let len = self.len.get();
        let index = (0..len).rev().find(|&i| self.get(i).is_some_and(|e| e.id == id))?;
        let removed = self.get(index)?;
        for i in index..len - 1 {
            if let Some(next) = self.get(i + 1) {
                self.set(i, next);
            }
        }
        self.len.set(len - 1);
        Some(removed)
    }

    pub(super) fn mark_in_graph(&self, index: usize) {
        if let Some(mut entry) = self.get(index) {
            entry.in_graph = true;
            self.set(index, entry);
        }
    }
}
