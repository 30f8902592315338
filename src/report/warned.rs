//! The cycles `Warn` has printed, so that each is printed once.
//!
//! A cycle is known by its key (see [`Violation`]): the sorted ids of its
//! locks, or for kinds whose keys name no lock (class cycles, held across
//! await), ids of classes or a hash of sites, which are as many as the
//! places in the code. Keys of lock ids are indexed by lock, and go when
//! one of their locks is dropped ([`forget_lock`]): a cycle through a
//! dropped lock can never be closed again, and the set stays as small as
//! the live cycles, however many short-lived locks were reported.

use std::collections::hash_map::Entry;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use once_cell::sync::Lazy;
use rustc_hash::FxHashMap;

use super::{Violation, ViolationKind};

type Key = Arc<[u64]>;

#[derive(Default)]
struct Warned {
    keys: HashSet<Key>,
    /// The keys of lock ids, by lock.
    by_lock: FxHashMap<u64, Vec<Key>>,
}

static WARNED: Lazy<Mutex<Warned>> = Lazy::new(Default::default);
/// Whether `by_lock` holds anything: read without the lock by every
/// dropped lock that visits the registry.
static BY_LOCK: AtomicBool = AtomicBool::new(false);

fn warned() -> MutexGuard<'static, Warned> {
    WARNED.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Notes that `violation` is printed; `false` if its cycle was already.
pub(super) fn first(violation: &Violation) -> bool {
    let key: Key = violation.key().into();
    let mut warned = warned();
    if !warned.keys.insert(key.clone()) {
        return false;
    }
    if matches!(violation.kind(), ViolationKind::LockOrderInversion | ViolationKind::Reacquire) {
        for &id in key.iter() {
            warned.by_lock.entry(id).or_default().push(key.clone());
        }
        BY_LOCK.store(true, Ordering::Release);
    }
    true
}

/// Forgets the printed cycles through the lock `id`, which is dropped.
pub(crate) fn forget_lock(id: u64) {
    if !BY_LOCK.load(Ordering::Acquire) {
        return;
    }
    let mut warned = warned();
    let Some(keys) = warned.by_lock.remove(&id) else { return };
    for key in keys {
        warned.keys.remove(&key);
        for &other in key.iter().filter(|&&other| other != id) {
            if let Entry::Occupied(mut entry) = warned.by_lock.entry(other) {
                entry.get_mut().retain(|k| !Arc::ptr_eq(k, &key));
                if entry.get().is_empty() {
                    entry.remove();
                }
            }
        }
    }
    BY_LOCK.store(!warned.by_lock.is_empty(), Ordering::Release);
}

/// How many cycles are remembered as printed.
pub(crate) fn len() -> usize {
    warned().keys.len()
}
