//! Lock ids.
//!
//! Invariants: an id is allocated on a lock's first acquisition, from a
//! global counter handed out to threads in blocks, and is never reused. An
//! id is the counter passed through a bijective mixer of 61-bit values, so
//! ids look random: the held-set hash can simply add them up.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

/// A lock's id; `0` is never allocated.
pub(crate) type LockId = u64;

const ID_BITS: u32 = 61;
/// The bits of a state word (see `state`) that hold the id.
pub(super) const ID_MASK: u64 = (1 << ID_BITS) - 1;
/// How many ids a thread takes from the global counter at once.
const BLOCK: u64 = 1024;
static NEXT_BLOCK: AtomicU64 = AtomicU64::new(1);

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

    /// A new id, and whether it is the first of the process.
    pub(super) fn next(&self) -> (LockId, bool) {
        let mut first = false;
        if self.next.get() == self.end.get() {
            let start = NEXT_BLOCK.fetch_add(BLOCK, Ordering::Relaxed);
            assert!(start + BLOCK < ID_MASK, "lockorder: lock ids exhausted");
            first = start == 1;
            self.next.set(start);
            self.end.set(start + BLOCK);
        }
        let count = self.next.get();
        self.next.set(count + 1);
        match scramble(count) {
            0 => {
                let (id, later_first) = self.next();
                (id, first || later_first)
            }
            id => (id, first),
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
