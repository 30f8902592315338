//! Per-thread caches of what is known to be recorded.
//!
//! Two are kept, both [`PairCache`]s: `(from, to)` edges known to be in
//! the lock-order graph, pending in the registry, or already reported; and
//! `(held-set hash, to)` pairs for which every edge from the held set into
//! `to` is known, and `to` is not held. Ids are never reused, so an entry
//! never needs invalidating: once a lock is dropped its id is never looked
//! up again. The caches are direct-mapped: a collision only evicts, which
//! costs a later trip to the slow path.

use std::cell::Cell;

const SLOTS: usize = 1024;

#[derive(Debug)]
pub(super) struct PairCache {
    slots: [Cell<(u64, u64)>; SLOTS],
}

impl PairCache {
    pub(super) const fn new() -> Self {
        PairCache { slots: [const { Cell::new((0, 0)) }; SLOTS] }
    }

    #[inline]
    fn slot(a: u64, b: u64) -> usize {
        let mixed = (a ^ b.wrapping_mul(0x9E37_79B9_7F4A_7C15)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        (mixed >> (64 - SLOTS.trailing_zeros())) as usize
    }

    #[inline]
    pub(super) fn contains(&self, a: u64, b: u64) -> bool {
        self.slots[Self::slot(a, b)].get() == (a, b)
    }

    pub(super) fn insert(&self, a: u64, b: u64) {
        self.slots[Self::slot(a, b)].set((a, b));
    }
}
