//! The held stack against a plain `Vec` model, under random pushes,
//! removals in any order, and in-graph marks, across the inline/spilled
//! boundary.

use std::panic::Location;

use proptest::prelude::*;

use super::{HeldEntry, HeldStack, Tag, INLINE};
use crate::engine::Access;
use crate::report::LockInfo;

#[derive(Clone, Debug)]
enum Op {
    /// Push lock `pool[lock]` at `subclass` with `Access::ALL[access]`,
    /// through the fast-path push when `inline` and there is room.
    Push { lock: usize, subclass: u8, access: usize, inline: bool },
    /// Remove the newest entry of the `k`-th held lock (modulo the length).
    Remove(usize),
    /// Remove a lock that is not held.
    RemoveAbsent,
    /// Pop the `k`-th held lock if it is the newest entry.
    PopIfNewest(usize),
    /// Mark the `k`-th entry as in the graph.
    Mark(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..6usize, 0..3u8, 0..Access::ALL.len(), any::<bool>())
            .prop_map(|(lock, subclass, access, inline)| Op::Push { lock, subclass, access, inline }),
        2 => any::<usize>().prop_map(Op::Remove),
        1 => Just(Op::RemoveAbsent),
        1 => any::<usize>().prop_map(Op::PopIfNewest),
        1 => any::<usize>().prop_map(Op::Mark),
    ]
}

/// Ids look random, as allocated ones do; one is never pushed.
const POOL: [u64; 6] =
    [0x1d8e_4e27_c47d_124f, 0x0ad5_8c3f_71b2_9e01, 0x1234_5678_9abc_def1, 7, 0x0fff_ffff_ffff_fffe, 42];
const ABSENT: u64 = 0x0bad_0bad_0bad_0bad;

fn entry(id: u64, subclass: u8, access: Access) -> HeldEntry {
    HeldEntry {
        id,
        lock: LockInfo::new(Some("lock"), Location::caller()),
        access,
        acquired_at: Location::caller(),
        subclass,
        in_graph: false,
        parked: None,
        // Where a lock is never changes while it is held.
        addr: id as usize ^ 0x5a5a,
    }
}

fn same(a: &HeldEntry, b: &HeldEntry) -> bool {
    a.id == b.id
        && a.subclass == b.subclass
        && a.access == b.access
        && a.in_graph == b.in_graph
        && a.parked.map(|p| p.0) == b.parked.map(|p| p.0)
        && a.addr == b.addr
}

proptest! {
    // Hundreds of random cases are too slow for Miri, and the held stack
    // has no unsafe code for it to check.
    #[test]
    #[cfg_attr(miri, ignore = "proptest: too slow under Miri")]
    fn the_held_stack_behaves_like_a_vec(ops in prop::collection::vec(op(), 1..60)) {
        let stack = HeldStack::new();
        let mut model: Vec<HeldEntry> = Vec::new();
        for op in ops {
            match op {
                Op::Push { lock, subclass, access, inline } => {
                    let mut e = entry(POOL[lock], subclass, Access::ALL[access]);
                    if inline && model.len() < INLINE {
                        stack.push_inline((e.id, e.addr), &e.lock, e.access, e.acquired_at, e.subclass);
                    } else {
                        // Some entries parked an edge (only the parking path
                        // pushes those, and never inline).
                        e.parked = (lock % 2 == 1).then(|| (POOL[(lock + 1) % POOL.len()], Location::caller()));
                        prop_assert!(stack.push(e));
                    }
                    model.push(e);
                }
                Op::Remove(k) if !model.is_empty() => {
                    let id = model[k % model.len()].id;
                    let newest = model.iter().rposition(|e| e.id == id).unwrap();
                    let removed = model.remove(newest);
                    prop_assert_eq!(stack.remove(id), Some(removed.in_graph));
                }
                Op::PopIfNewest(k) if !model.is_empty() => {
                    let id = model[k % model.len()].id;
                    let last = model.len() - 1;
                    let expected = (model[last].id == id && last < INLINE).then(|| model.pop().unwrap().in_graph);
                    prop_assert_eq!(stack.pop_if_newest(id), expected);
                }
                Op::Mark(k) if !model.is_empty() => {
                    let i = k % model.len();
                    model[i].in_graph = true;
                    stack.mark_in_graph(i);
                }
                Op::RemoveAbsent => prop_assert_eq!(stack.remove(ABSENT), None),
                _ => prop_assert_eq!(stack.remove(ABSENT), None),
            }
            prop_assert_eq!(stack.len(), model.len());
            let chain = model.iter().fold(0u64, |sum, e| sum.wrapping_add(e.id.wrapping_add(e.subclass as u64)));
            prop_assert_eq!(stack.chain(), chain);
            for (i, expected) in model.iter().enumerate() {
                let got = stack.get(i).unwrap();
                prop_assert!(same(&got, expected), "entry {}: {:?} != {:?}", i, got, expected);
                prop_assert_eq!(stack.id_at(i), expected.id);
                prop_assert_eq!(stack.lock_at(i).1, expected.subclass);
                prop_assert_eq!(stack.site_at(i).1, expected.in_graph);
                prop_assert_eq!(stack.parked_at(i).map(|p| p.0), expected.parked.map(|p| p.0));
            }
            for id in POOL.iter().copied().chain([ABSENT]) {
                prop_assert_eq!(stack.holds(id), model.iter().any(|e| e.id == id));
            }
            prop_assert!(stack.get(model.len()).is_none());
            prop_assert_eq!(stack.id_at(model.len()), 0);
        }
    }
}

#[test]
fn tags_keep_every_access_level_and_flag() {
    for (index, &access) in Access::ALL.iter().enumerate() {
        assert_eq!(access as usize, index, "Access::ALL is in declaration order");
        for subclass in [0, 1, 255] {
            for (in_graph, parked) in [(false, false), (true, false), (false, true), (true, true)] {
                let tag = Tag::new(access, subclass, in_graph).with_parked(parked);
                assert_eq!(
                    (tag.access(), tag.subclass(), tag.in_graph(), tag.parked()),
                    (access, subclass, in_graph, parked)
                );
            }
        }
    }
}
