//! The graph of lock classes, beside the graph of lock instances.
//!
//! A lock's class is its named [`LockClass`](crate::LockClass), else its
//! creation site, refined by the nesting level of the acquisition. Classes
//! are interned into ids once (per thread, a cache spares the global
//! table), and live as long as the process: there are as many as places in
//! the code that create locks. The class graph is a [`LockGraph`] of its
//! own; an edge that closes a cycle in it, where the instances close none,
//! is a class-order inversion.

use std::sync::{Mutex, MutexGuard, PoisonError};

use once_cell::sync::Lazy;
use rustc_hash::FxHashMap;

use super::graph::{Evidence, LockGraph, PathEdge};
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

/// A picture of the class graph.
pub(crate) fn picture() -> crate::Picture {
    classes().graph.picture()
}
