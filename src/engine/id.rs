//! Lock ids and the per-lock state word.
//!
//! Invariants: an id is allocated on a lock's first acquisition, from a
//! global counter handed out to threads in blocks, and is never reused. An
//! id is the counter passed through a bijective mixer of 61-bit values, so
//! ids look random: the held-set hash can simply add them up. The
//! state word packs the id with three flags: two tell a dropped lock
//! whether it left anything in the global registry, the third that its
//! first in-edge is parked in the lock itself (see `parked`).

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

use super::parked::ParkedEdge;

/// A lock's id; `0` is never allocated.
pub(crate) type LockId = u64;

const ID_BITS: u32 = 61;
const ID_MASK: u64 = (1 << ID_BITS) - 1;
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
        let fresh = ids.next();
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

    pub(super) fn set_flag(&self, flag: u64) {
        if self.word.load(Ordering::Relaxed) & flag == 0 {
            self.word.fetch_or(flag, Ordering::Relaxed);
        }
    }
}

/// How many ids a thread takes from the global counter at once.
const BLOCK: u64 = 1024;
static NEXT_BLOCK: AtomicU64 = AtomicU64::new(1);

/// The first id of the process is being handed out: says, once, that
/// `LOCKORDER_RECORD` is set in a build that cannot record (the variable
/// would otherwise be ignored without a word).
#[cold]
fn first_lock_of_the_process() {
    super::watchdog::start_from_env();
    #[cfg(not(feature = "record"))]
    if std::env::var_os("LOCKORDER_RECORD").is_some() {
        crate::report::to_stderr(
            "lockorder: LOCKORDER_RECORD is set, but lockorder was built without its `record` feature: \
             nothing is recorded (add `features = [\"record\"]` to the lockorder dependency)",
        );
    }
}

/// A thread's current range of ids, so that allocation rarely touches the
/// shared counter.
#[derive(Debug)]
pub(super) struct IdBlock {
    next: Cell<u64>,
    end: Cell<u64>,
}

impl IdBlock {
    pub(super) const fn new() -> Self {
        IdBlock { next: Cell::new(0), end: Cell::new(0) }
    }

    pub(super) fn next(&self) -> LockId {
        if self.next.get() == self.end.get() {
            let start = NEXT_BLOCK.fetch_add(BLOCK, Ordering::Relaxed);
            assert!(start + BLOCK < ID_MASK, "lockorder: lock ids exhausted");
            if start == 1 {
                first_lock_of_the_process();
            }
            self.next.set(start);
            self.end.set(start + BLOCK);
        }
        let count = self.next.get();
        self.next.set(count + 1);
        match scramble(count) {
            0 => self.next(),
            id => id,
        }
    }
}

const MUL_1: u64 = 0xBF58_476D_1CE4_E5B9;
const MUL_2: u64 = 0x94D0_49BB_1331_11EB;

/// A bijection of `0..2^61` whose outputs for consecutive inputs share no
/// linear relation (splitmix64's finalizer, kept to 61 bits).
fn scramble(count: u64) -> LockId {
    let mut x = count & ID_MASK;
    x = ((x ^ (x >> 31)).wrapping_mul(MUL_1)) & ID_MASK;
    x = ((x ^ (x >> 29)).wrapping_mul(MUL_2)) & ID_MASK;
    x ^ (x >> 32)
}

/// The inverse of an odd multiplier modulo `2^64` (so modulo `2^61` too).
const fn inverse(a: u64) -> u64 {
    // Newton's iteration doubles the correct low bits: 3, 6, .., 96.
    let mut x = a;
    let mut i = 0;
    while i < 5 {
        x = x.wrapping_mul(2u64.wrapping_sub(a.wrapping_mul(x)));
        i += 1;
    }
    x
}

/// The place of lock `id` in the order ids were handed out: the count
/// [`scramble`]d into it. Ids are allocated on a lock's first
/// acquisition, from blocks each thread takes in turn, so this is the
/// order of first use among the locks one thread first used (and, across
/// threads, the order of their blocks): a key that never changes for a
/// lock, which same-class nesting is judged by (slow path only).
pub(super) fn sequence(id: LockId) -> u64 {
    let mut x = id & ID_MASK;
    // Each step undoes one of `scramble`'s, last first; a shift of 29 or
    // more in 61 bits is undone in one or two xors.
    x ^= x >> 32;
    x = x.wrapping_mul(inverse(MUL_2)) & ID_MASK;
    x ^= (x >> 29) ^ (x >> 58);
    x = x.wrapping_mul(inverse(MUL_1)) & ID_MASK;
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::{scramble, sequence, ID_MASK};

    #[test]
    fn the_sequence_of_an_id_is_its_count() {
        let counts = (0..10_000u64).chain([ID_MASK, ID_MASK - 1, 1 << 40, 0x1234_5678_9abc]);
        for count in counts {
            assert_eq!(sequence(scramble(count)), count);
        }
    }
}
