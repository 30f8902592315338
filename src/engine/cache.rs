//! A per-thread cache of edges known to be recorded.
//!
//! Invariant: a cached `(from, to)` pair is an edge in the lock-order graph
//! or pending in the registry, or one already reported. Ids are never
//! reused, so an entry never needs invalidating: once a lock is dropped its
//! id is never looked up again. The cache is direct-mapped: a collision
//! only evicts, which costs a later trip to the slow path.

use std::cell::Cell;

use super::id::LockId;

const SLOTS: usize = 1024;

#[derive(Debug)]
pub(super) struct EdgeCache {
    slots: [Cell<(LockId, LockId)>; SLOTS],
}

impl EdgeCache {
    pub(super) const fn new() -> Self {
        EdgeCache { slots: [const { Cell::new((0, 0)) }; SLOTS] }
    }

    #[inline]
    fn slot(from: LockId, to: LockId) -> usize {
        let mixed = (from.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ to).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        (mixed >> (64 - SLOTS.trailing_zeros())) as usize
    }

    #[inline]
    pub(super) fn contains(&self, from: LockId, to: LockId) -> bool {
        self.slots[Self::slot(from, to)].get() == (from, to)
    }

    pub(super) fn insert(&self, from: LockId, to: LockId) {
        self.slots[Self::slot(from, to)].set((from, to));
    }
}
