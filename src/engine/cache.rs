//! Per-thread caches of what is known to be recorded.
//!
//! Two are kept, both [`PairCache`]s keyed by lock ids or sums of them:
//! `(from, to)` edges known to be in the lock-order graph, pending in the
//! registry, or already reported; and `(held-set hash, to)` pairs for which
//! every edge from the held set into `to` is known, and `to` is not held.
//! Ids are never reused, so an entry never needs invalidating: once a lock
//! is dropped its id is never looked up again. The caches are
//! direct-mapped: a collision only evicts, which costs a later trip to the
//! slow path. (The class-order cache is a `PairCache` too, its keys
//! spread first: [`spread`] the source class, [`spread_target`] the
//! target.)

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

    /// Keys are lock ids and sums of them, which already look random (see
    /// `id`), so their low bits, xored, pick the slot: no multiply on the
    /// fast path's critical path.
    #[inline(always)]
    fn slot(a: u64, b: u64) -> usize {
        (a ^ b) as usize & (SLOTS - 1)
    }

    #[inline(always)]
    pub(super) fn contains(&self, a: u64, b: u64) -> bool {
        self.slots[Self::slot(a, b)].get() == (a, b)
    }

    pub(super) fn insert(&self, a: u64, b: u64) {
        self.slots[Self::slot(a, b)].set((a, b));
    }
}

/// A bijection that spreads keys which do not look random (such as small
/// sequential class ids) over the low bits a [`PairCache`] slot uses.
#[inline]
pub(super) fn spread(key: u64) -> u64 {
    key.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_right(32)
}

/// [`spread`] for the second key of a pair, with another multiplier. A
/// slot is picked by xoring both keys: spread alike, an order from a class
/// to itself gave `0` whatever the class, and every such order fought for
/// slot 0 (each eviction re-raised its report).
#[inline]
pub(super) fn spread_target(key: u64) -> u64 {
    key.wrapping_mul(0xC2B2_AE3D_27D4_EB4F).rotate_right(32)
}

/// A per-thread, direct-mapped cache of class ids by (creation site,
/// named class, nesting level), all by address or value: an entry is
/// always right (class ids never change), a collision only evicts.
#[derive(Debug)]
pub(super) struct ClassCache {
    slots: [Cell<(usize, usize, u64)>; CLASS_SLOTS],
}

const CLASS_SLOTS: usize = 256;

impl ClassCache {
    pub(super) const fn new() -> Self {
        ClassCache { slots: [const { Cell::new((0, 0, 0)) }; CLASS_SLOTS] }
    }

    #[inline]
    fn slot(site: usize, class: usize) -> usize {
        let mixed = (site ^ class.rotate_left(17)).wrapping_mul(0x9E37_79B9_7F4A_7C15_u64 as usize);
        mixed >> (usize::BITS - CLASS_SLOTS.trailing_zeros())
    }

    /// The id cached for `(site, class)`; `class` folds in the level.
    #[inline]
    pub(super) fn get(&self, site: usize, class: usize) -> Option<u64> {
        let (s, c, id) = self.slots[Self::slot(site, class)].get();
        (s == site && c == class && id != 0).then_some(id)
    }

    pub(super) fn insert(&self, site: usize, class: usize, id: u64) {
        self.slots[Self::slot(site, class)].set((site, class, id));
    }
}

#[cfg(test)]
mod tests {
    use super::{spread, spread_target, PairCache, SLOTS};

    #[test]
    fn orders_from_classes_to_themselves_spread_over_the_slots() {
        let slots: std::collections::HashSet<usize> =
            (1..=64u64).map(|class| PairCache::slot(spread(class), spread_target(class))).collect();
        assert!(slots.len() > 48, "64 self-orders in {} of {SLOTS} slots", slots.len());
        let cache = PairCache::new();
        for class in 1..=64u64 {
            cache.insert(spread(class), spread_target(class));
        }
        let kept = (1..=64u64).filter(|&c| cache.contains(spread(c), spread_target(c))).count();
        assert_eq!(kept, slots.len());
    }
}
