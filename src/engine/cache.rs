//! Per-thread caches of what is known to be recorded.
//!
//! Two are kept, both [`PairCache`]s keyed by lock ids or sums of them:
//! `(from, to)` edges known to be in the lock-order graph or pending in
//! the registry; and `(held-set hash, to)` pairs for which every edge from
//! the held set into `to` is known, and `to` is not held. Orders refused
//! for closing a cycle are in neither: they are kept apart, in a
//! [`RefusalCache`], for as long as the cycle that refused them stands.
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
/// slot 0 (each eviction re-raised its report). The rotation differs too:
/// with the same one, the self-orders of consecutive class ids (classes
/// first used one after the other) shared a slot five times as often as
/// chance; with this one, none below 10,000 do.
#[inline]
pub(super) fn spread_target(key: u64) -> u64 {
    key.wrapping_mul(0xC2B2_AE3D_27D4_EB4F).rotate_right(28)
}

/// An instance order refused for closing a cycle, which this thread
/// reported (or would have, had anyone wanted the report) and went on
/// past.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Refusal {
    pub(super) from: u64,
    pub(super) to: u64,
    /// The count of broken refusing cycles (see `registry`) when the
    /// refusal was last seen to stand: while it has not moved, it stands.
    pub(super) broken_cycles: u64,
    /// A hash of the refusing cycle's key: seen refused again by the same
    /// cycle, the order is not reported again.
    pub(super) cycle: u64,
}

impl Refusal {
    const NONE: Refusal = Refusal { from: 0, to: 0, broken_cycles: 0, cycle: 0 };
}

const REFUSAL_SLOTS: usize = 64;

/// A per-thread, direct-mapped cache of [`Refusal`]s by `(from, to)`. An
/// eviction only costs a second report of the order.
#[derive(Debug)]
pub(super) struct RefusalCache {
    slots: [Cell<Refusal>; REFUSAL_SLOTS],
}

impl RefusalCache {
    pub(super) const fn new() -> Self {
        RefusalCache { slots: [const { Cell::new(Refusal::NONE) }; REFUSAL_SLOTS] }
    }

    /// Lock ids look random: their low bits pick the slot.
    fn slot(&self, from: u64, to: u64) -> &Cell<Refusal> {
        &self.slots[(from ^ to.rotate_left(7)) as usize & (REFUSAL_SLOTS - 1)]
    }

    /// The refusal of `from -> to`, if this thread remembers one.
    pub(super) fn get(&self, from: u64, to: u64) -> Option<Refusal> {
        let refusal = self.slot(from, to).get();
        (refusal.from == from && refusal.to == to && from != 0).then_some(refusal)
    }

    pub(super) fn insert(&self, refusal: Refusal) {
        self.slot(refusal.from, refusal.to).set(refusal);
    }

    /// Forgets the refusal of `from -> to`, if it is there.
    pub(super) fn remove(&self, from: u64, to: u64) {
        if self.get(from, to).is_some() {
            self.slot(from, to).set(Refusal::NONE);
        }
    }
}

/// A per-thread, direct-mapped cache of the ways of nesting a class within
/// itself known to be recorded (see `classes`): a class id with the
/// directions an acquisition nests in, as a bit set of fewer than 16
/// values. An eviction only costs a trip to the global table.
#[derive(Debug)]
pub(super) struct NestingCache {
    slots: [Cell<u64>; NESTING_SLOTS],
}

const NESTING_SLOTS: usize = 64;

impl NestingCache {
    pub(super) const fn new() -> Self {
        NestingCache { slots: [const { Cell::new(0) }; NESTING_SLOTS] }
    }

    /// The entry of `class` nested in the directions `facts`: never 0, as
    /// class ids start at 1.
    fn entry(class: u64, facts: u8) -> (usize, u64) {
        let key = class << 4 | u64::from(facts & 0xf);
        (spread(key) as usize & (NESTING_SLOTS - 1), key)
    }

    pub(super) fn contains(&self, class: u64, facts: u8) -> bool {
        let (slot, key) = Self::entry(class, facts);
        self.slots[slot].get() == key
    }

    pub(super) fn insert(&self, class: u64, facts: u8) {
        let (slot, key) = Self::entry(class, facts);
        self.slots[slot].set(key);
    }
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
        let consecutive = (1..10_000u64).find(|&c| {
            PairCache::slot(spread(c), spread_target(c)) == PairCache::slot(spread(c + 1), spread_target(c + 1))
        });
        assert_eq!(consecutive, None, "the self-orders of two consecutive classes share a slot");
        let cache = PairCache::new();
        for class in 1..=64u64 {
            cache.insert(spread(class), spread_target(class));
        }
        let kept = (1..=64u64).filter(|&c| cache.contains(spread(c), spread_target(c))).count();
        assert_eq!(kept, slots.len());
    }
}
