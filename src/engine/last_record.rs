//! The edge record a thread handed out last, kept at hand with spare
//! references to it.
//!
//! A stream of new locks taken at one place asks for one record again and
//! again, so the last one is kept by its pair of sites: finding it is a
//! comparison. Each new lock that parks its order (see `parked`) holds a
//! reference to the record until it is dropped. When that happens on this
//! thread, the reference is kept here as a spare for the next request
//! instead of going back to the shared count: churn then pays no atomic
//! operation for it.
//!
//! Invariant: `spares` references to `record` are held on the thread's
//! behalf; they are given back when another record takes its place and
//! when the thread's records go (`clear`), while the thread's own map
//! still keeps the record alive.

use std::cell::Cell;
use std::ptr;
use std::sync::Arc;

use super::graph::{EdgeRecord, Evidence};

/// A pair of acquisition sites, by address.
pub(super) type SitePair = (usize, usize);

#[derive(Debug)]
pub(super) struct LastRecord {
    key: Cell<SitePair>,
    /// Kept alive by the thread's map of records while not null.
    record: Cell<*const EdgeRecord>,
    spares: Cell<usize>,
}

impl LastRecord {
    pub(super) const fn new() -> Self {
        LastRecord { key: Cell::new((0, 0)), record: Cell::new(ptr::null()), spares: Cell::new(0) }
    }

    /// A reference to the record of `key`, if it is the last one: a spare
    /// if there is one.
    #[inline]
    pub(super) fn get(&self, key: SitePair) -> Option<Evidence> {
        let record = self.record.get();
        if record.is_null() || self.key.get() != key {
            return None;
        }
        match self.spares.get() {
            0 => {
                // SAFETY: a non-null `record` is kept alive by the thread's
                // map (see the invariant), so its count can be raised.
                unsafe { Arc::increment_strong_count(record) }
            }
            // The spare's reference becomes the new `Arc`'s.
            spares => self.spares.set(spares - 1),
        }
        // SAFETY: one reference was just raised or taken from the spares
        // for this `Arc` to own, and `record` came from `Arc::as_ptr` (in
        // `set`), as `from_raw` requires.
        Some(unsafe { Arc::from_raw(record) })
    }

    /// Makes `record`, kept alive by the thread's map, the last one.
    pub(super) fn set(&self, key: SitePair, record: &Evidence) {
        self.give_back_spares();
        self.key.set(key);
        self.record.set(Arc::as_ptr(record));
    }

    /// Keeps `record`'s reference as a spare if it is the last record;
    /// gives it back otherwise (when dropped).
    #[inline]
    pub(super) fn absorb(&self, record: Evidence) {
        if ptr::eq(Arc::as_ptr(&record), self.record.get()) {
            let _ = Arc::into_raw(record);
            self.spares.set(self.spares.get() + 1);
        }
    }

    /// Gives the spares back and forgets the record: the thread's records
    /// are going.
    pub(super) fn clear(&self) {
        self.give_back_spares();
        self.key.set((0, 0));
        self.record.set(ptr::null());
    }

    fn give_back_spares(&self) {
        let record = self.record.get();
        for _ in 0..self.spares.replace(0) {
            // SAFETY: each spare is a reference held on the thread's
            // behalf, and the thread's map keeps the record alive past it.
            unsafe { Arc::decrement_strong_count(record) }
        }
    }
}
