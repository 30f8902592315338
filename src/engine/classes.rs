//! The graph of lock classes, beside the graph of lock instances.
//!
//! A lock's class is its named [`LockClass`](crate::LockClass), else its
//! creation site, refined by the nesting level of the acquisition. Classes
//! are interned into ids once (per thread, a cache spares the global
//! table), and live as long as the process: there are as many as places in
//! the code that create locks. The class graph is a [`LockGraph`] of its
//! own; an edge that closes a cycle in it, where the instances close none,
//! is a class-order inversion.
//!
//! A lock of a class taken while holding another of the same class (at
//! the same nesting level) is no edge of that graph: for classes by
//! creation site, it is judged by the two instances' order ([`nest`]). Two
//! keys order the instances of a class, each stable for a lock: its place
//! in the order of first use (`id::sequence`) and its address while both
//! are held. Per class, the table keeps which way of each key has been
//! seen, with the first evidence of each. A nesting that agrees with one
//! key every time is silent; once every key has been seen both ways, the
//! class is nested in both orders (a bank transfer from `a` to `b` on one
//! path, from `d` to `c` on another) and the acquisition that completes it
//! is reported, once per class. A named class keeps lockdep's rule: any nesting within
//! it is a one-edge cycle, unless `lock_nested` says otherwise.

use std::cmp::Ordering;
use std::sync::{Mutex, MutexGuard, PoisonError};

use once_cell::sync::Lazy;
use rustc_hash::FxHashMap;

use super::graph::{Evidence, LockGraph, PathEdge};
use super::id::{sequence, LockId};
use crate::report::LockInfo;

/// A class's id: the first is 1; ids of classes and of locks never meet.
pub(super) type ClassId = u64;

/// What makes two locks one class.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Identity {
    Named(&'static str),
    Site(&'static str, u32, u32),
}

#[derive(Default)]
struct Classes {
    ids: FxHashMap<(Identity, u8), ClassId>,
    graph: LockGraph,
    /// How each class was nested within itself (classes never nested are
    /// not in it).
    nestings: FxHashMap<ClassId, Nesting>,
}

/// A held lock came first in the order of first use.
pub(super) const FIRST_USED_BEFORE: u8 = 1;
/// A held lock came later in the order of first use.
pub(super) const FIRST_USED_AFTER: u8 = 2;
/// A held lock is at a lower address.
pub(super) const ADDRESS_BELOW: u8 = 4;
/// A held lock is at a higher address.
pub(super) const ADDRESS_ABOVE: u8 = 8;
/// The two ways of each key.
const KEYS: [u8; 2] = [FIRST_USED_BEFORE | FIRST_USED_AFTER, ADDRESS_BELOW | ADDRESS_ABOVE];

/// The directions in which holding `held` while acquiring `acquired`, two
/// instances of one class as (id, address), nests the class: one of each
/// key (none of a key that does not tell them apart).
pub(super) fn nesting_facts(held: (LockId, usize), acquired: (LockId, usize)) -> u8 {
    let (before, after) = (sequence(held.0), sequence(acquired.0));
    let by_use = match before.cmp(&after) {
        Ordering::Less => FIRST_USED_BEFORE,
        Ordering::Greater => FIRST_USED_AFTER,
        Ordering::Equal => 0,
    };
    let by_address = match held.1.cmp(&acquired.1) {
        Ordering::Less => ADDRESS_BELOW,
        Ordering::Greater => ADDRESS_ABOVE,
        Ordering::Equal => 0,
    };
    by_use | by_address
}

/// How one class was nested within itself.
#[derive(Default)]
struct Nesting {
    /// The first nesting seen in each direction, by bit of the facts.
    first: [Option<PathEdge>; 4],
    /// The class was reported as nested both ways.
    reported: bool,
}

impl Nesting {
    fn seen(&self) -> u8 {
        (0..4).filter(|&bit| self.first[bit].is_some()).fold(0, |set, bit| set | 1 << bit)
    }

    /// Every key has been seen both ways.
    fn both_ways(&self) -> bool {
        let seen = self.seen();
        KEYS.iter().all(|&key| seen & key == key)
    }
}

static CLASSES: Lazy<Mutex<Classes>> = Lazy::new(Default::default);

fn classes() -> MutexGuard<'static, Classes> {
    CLASSES.lock().unwrap_or_else(PoisonError::into_inner)
}

/// How reports show a class: its name, else the name of the lock seen, else
/// the creation site.
pub(super) fn class_info(lock: &LockInfo) -> LockInfo {
    let info = LockInfo::new(lock.class().map(|c| c.name()).or(lock.name()), lock.created_at());
    match lock.class() {
        Some(class) => info.in_class(class),
        None => info,
    }
}

/// The id of `lock`'s class at nesting level `subclass`.
pub(super) fn class_id(lock: &LockInfo, subclass: u8) -> ClassId {
    let site = lock.created_at();
    let identity = match lock.class() {
        Some(class) => Identity::Named(class.name()),
        None => Identity::Site(site.file(), site.line(), site.column()),
    };
    let mut classes = classes();
    let next = classes.ids.len() as ClassId + 1;
    *classes.ids.entry((identity, subclass)).or_insert(next)
}

/// Records the class order `from -> to`: `Ok(true)` when the process had
/// not seen it. A cycle (or a loop: nesting within one class) comes back
/// as the path `to -> .. -> from` (empty unless `report`).
pub(super) fn add_edge(
    from: (ClassId, LockInfo),
    to: (ClassId, LockInfo),
    record: Evidence,
    report: bool,
) -> Result<bool, Vec<PathEdge>> {
    classes().graph.add_edge(from, to, record, report)
}

/// Records that `class` was nested within itself in the directions
/// `facts` (see [`nesting_facts`]) by the acquisition `edge`. When the
/// class is then nested both ways by every key, and was not reported yet,
/// the first nestings seen in the directions opposite to `facts` come back
/// to be reported with this acquisition, and the class is reported for
/// good; nothing comes back unless `report`.
pub(super) fn nest(class: ClassId, facts: u8, edge: PathEdge, report: bool) -> Result<(), Vec<PathEdge>> {
    let mut classes = classes();
    let nesting = classes.nestings.entry(class).or_default();
    for bit in 0..4 {
        if facts & 1 << bit != 0 && nesting.first[bit].is_none() {
            nesting.first[bit] = Some(edge.clone());
        }
    }
    if !report || nesting.reported || !nesting.both_ways() {
        return Ok(());
    }
    nesting.reported = true;
    let mut path: Vec<PathEdge> = Vec::new();
    for key in KEYS {
        // One way of the key, or none when it does not tell the locks apart.
        let opposite = key & !facts;
        if opposite == 0 || opposite == key {
            continue;
        }
        if let Some(first) = &nesting.first[opposite.trailing_zeros() as usize] {
            let same = |p: &PathEdge| p.from.0 == first.from.0 && p.to.0 == first.to.0;
            if !path.iter().any(same) {
                path.push(first.clone());
            }
        }
    }
    Err(path)
}

/// A picture of the class graph.
pub(crate) fn picture() -> crate::Picture {
    classes().graph.picture()
}
