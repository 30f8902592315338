//! The locks a thread holds, and the hash of that set.
//!
//! Invariants: entries are in acquisition order; a release removes the
//! newest entry with the released id, wherever it is, so guards may drop in
//! any order. `chain` is the wrapping sum of every held id (ids look
//! random, see `id`): it identifies the held set (as a multiset, whatever
//! the order) in the fast-path cache, and is updated in O(1) by any push or
//! removal. The first
//! `INLINE` entries live in `Cell`s of a thread-local with no destructor
//! (cheap to reach, usable during thread teardown), split so that the
//! common push and last-in-first-out release touch only a few words;
//! deeper nesting spills to a `Vec` in a second thread-local. When that one
//! is gone (thread teardown) a deep acquisition is simply not tracked.

use std::cell::{Cell, RefCell};
use std::panic::Location;

use super::id::LockId;
use super::Access;
use crate::report::{HeldLock, LockInfo};

/// One held lock.
#[derive(Clone, Copy, Debug)]
pub(super) struct HeldEntry {
    pub(super) id: LockId,
    pub(super) lock: LockInfo,
    pub(super) access: Access,
    pub(super) acquired_at: &'static Location<'static>,
    /// The nesting level asked for at the acquisition (0 unless
    /// `lock_nested` and the like): it refines the lock's class.
    pub(super) subclass: u8,
    /// This thread made sure, during this hold, that the lock has a node in
    /// the graph (it became the source of an edge).
    pub(super) in_graph: bool,
    /// The in-edge this acquisition parked in the lock (see `parked`): its
    /// source, and where the source was acquired.
    pub(super) parked: Option<(LockId, &'static Location<'static>)>,
    /// Where the lock's tracking state is: a lock cannot move while held,
    /// so two held locks compare by it (same-class nesting, see `classes`).
    pub(super) addr: usize,
}

impl HeldEntry {
    const EMPTY: HeldEntry = HeldEntry {
        id: 0,
        lock: LockInfo::new(None, Location::caller()),
        access: Access::Lock,
        acquired_at: Location::caller(),
        subclass: 0,
        in_graph: false,
        parked: None,
        addr: 0,
    };

    /// What the entry adds to the held-set hash.
    #[inline]
    fn hash(id: LockId, subclass: u8) -> u64 {
        id.wrapping_add(subclass as u64)
    }
}

/// An entry's small fields packed in one word, so that a push stores them
/// at once: the access, the nesting level, the in-graph flag, and whether
/// the entry parked an edge.
#[derive(Clone, Copy, Debug)]
struct Tag(u32);

impl Tag {
    const IN_GRAPH: u32 = 1 << 16;
    const PARKED: u32 = 1 << 17;

    #[inline(always)]
    fn new(access: Access, subclass: u8, in_graph: bool) -> Tag {
        Tag(access as u32 | (subclass as u32) << 8 | if in_graph { Tag::IN_GRAPH } else { 0 })
    }

    #[inline]
    fn with_parked(self, parked: bool) -> Tag {
        Tag(self.0 | if parked { Tag::PARKED } else { 0 })
    }

    #[inline]
    fn parked(self) -> bool {
        self.0 & Tag::PARKED != 0
    }

    /// [`Access::excludes_other_owners`] of the access, as one test of a
    /// mask.
    #[inline(always)]
    fn excludes_other_owners(self) -> bool {
        const MASK: u32 = {
            let mut mask = 0;
            let mut i = 0;
            while i < Access::ALL.len() {
                if Access::ALL[i].excludes_other_owners() {
                    mask |= 1 << i;
                }
                i += 1;
            }
            mask
        };
        const _: () = assert!(Access::ALL.len() <= 32, "an access's bit must fit the mask");
        // The access is below 32: the shift needs no check (a call in an
        // unoptimized build).
        (MASK >> (self.0 & 31)) & 1 != 0
    }

    #[inline]
    fn access(self) -> Access {
        Access::ALL[(self.0 & 0xff) as usize]
    }

    #[inline(always)]
    fn subclass(self) -> u8 {
        (self.0 >> 8) as u8
    }

    #[inline(always)]
    fn in_graph(self) -> bool {
        self.0 & Tag::IN_GRAPH != 0
    }
}

/// The fast-path cache key of acquiring `id` at nesting level `subclass`.
#[inline]
pub(super) fn acquisition_key(id: LockId, subclass: u8) -> u64 {
    HeldEntry::hash(id, subclass)
}

/// The fast-path cache key of completing the pseudo-lock `id` (see
/// `slow::complete`): apart from every acquisition key of it, whose
/// nesting levels stop at 255.
#[inline]
pub(super) fn completion_key(id: LockId) -> u64 {
    id.wrapping_add(1 << 8)
}

/// The edges of a report of locks held where they should not be (across
/// an `.await`): each entry's lock, from where it was acquired to `to_site`
/// (its own site when `None`), made by `who` with the stack `trace`.
#[cfg(feature = "tokio")]
pub(super) fn held_edges(
    entries: &[HeldEntry],
    to_site: Option<&'static Location<'static>>,
    (thread, task): (&std::sync::Arc<str>, Option<crate::report::TaskName>),
    trace: &std::sync::Arc<crate::report::Trace>,
) -> Vec<crate::report::Edge> {
    entries
        .iter()
        .map(|e| crate::report::Edge {
            from: e.lock,
            to: e.lock,
            from_acquired_at: e.acquired_at,
            to_acquired_at: to_site.unwrap_or(e.acquired_at),
            thread: thread.clone(),
            task,
            trace: trace.clone(),
        })
        .collect()
}

/// How reports show the entries `held`.
pub(super) fn held_locks_of(held: &[HeldEntry]) -> Vec<HeldLock> {
    held.iter().map(|e| HeldLock { lock: e.lock, access: e.access.verb(), acquired_at: e.acquired_at }).collect()
}

/// How many held locks fit before spilling; deeper nesting takes the slow
/// path.
pub(super) const INLINE: usize = 8;

thread_local! {
    static SPILL: RefCell<Vec<HeldEntry>> = const { RefCell::new(Vec::new()) };
}

/// The inline entries are kept field by field, each in its own array of
/// `Cell`s (the small fields packed in a [`Tag`]): a push stores each field
/// straight from registers, and a last-in-first-out release reads only the
/// id and the tag. (Storing whole `HeldEntry` values went through a stack
/// copy whose byte-sized fields were written apart and read back as one
/// word, which stalled store forwarding on every acquisition.)
#[derive(Debug)]
pub(super) struct HeldStack {
    len: Cell<usize>,
    chain: Cell<u64>,
    ids: [Cell<LockId>; INLINE],
    tags: [Cell<Tag>; INLINE],
    sites: [Cell<&'static Location<'static>>; INLINE],
    locks: [Cell<LockInfo>; INLINE],
    /// Read only when the tag says the entry parked an edge.
    parked: [Cell<(LockId, &'static Location<'static>)>; INLINE],
    /// Read only by the slow path, when two held locks share a class.
    addrs: [Cell<usize>; INLINE],
}

impl HeldStack {
    pub(super) const fn new() -> Self {
        HeldStack {
            len: Cell::new(0),
            chain: Cell::new(0),
            ids: [const { Cell::new(0) }; INLINE],
            tags: [const { Cell::new(Tag(0)) }; INLINE],
            sites: [const { Cell::new(HeldEntry::EMPTY.acquired_at) }; INLINE],
            locks: [const { Cell::new(HeldEntry::EMPTY.lock) }; INLINE],
            parked: [const { Cell::new((0, HeldEntry::EMPTY.acquired_at)) }; INLINE],
            addrs: [const { Cell::new(0) }; INLINE],
        }
    }

    #[inline]
    pub(super) fn len(&self) -> usize {
        self.len.get()
    }

    /// The hash of the held set.
    #[inline]
    pub(super) fn chain(&self) -> u64 {
        self.chain.get()
    }

    #[inline]
    pub(super) fn get(&self, i: usize) -> Option<HeldEntry> {
        if i >= self.len() {
            return None;
        }
        if i < INLINE {
            let tag = self.tags[i].get();
            return Some(HeldEntry {
                id: self.ids[i].get(),
                lock: self.locks[i].get(),
                access: tag.access(),
                acquired_at: self.sites[i].get(),
                subclass: tag.subclass(),
                in_graph: tag.in_graph(),
                parked: tag.parked().then(|| self.parked[i].get()),
                addr: self.addrs[i].get(),
            });
        }
        Self::get_spilled(i)
    }

    /// The id of entry `i` (`0` past the end): what the slow path's loops
    /// read first, without copying whole entries.
    #[inline]
    pub(super) fn id_at(&self, i: usize) -> LockId {
        match i {
            i if i >= self.len() => 0,
            i if i < INLINE => self.ids[i].get(),
            i => Self::get_spilled(i).map_or(0, |e| e.id),
        }
    }

    /// The lock of entry `i`, with its nesting level (`i` must be held).
    #[inline]
    pub(super) fn lock_at(&self, i: usize) -> (LockInfo, u8) {
        if i < INLINE && i < self.len() {
            return (self.locks[i].get(), self.tags[i].get().subclass());
        }
        self.get(i).map_or((HeldEntry::EMPTY.lock, 0), |e| (e.lock, e.subclass))
    }

    /// The nesting level of entry `i` (`i` must be held).
    #[inline]
    pub(super) fn subclass_at(&self, i: usize) -> u8 {
        if i < INLINE && i < self.len() {
            return self.tags[i].get().subclass();
        }
        self.get(i).map_or(0, |e| e.subclass)
    }

    /// Where entry `i` was acquired, and whether it entered the graph
    /// during this hold (`i` must be held).
    #[inline]
    pub(super) fn site_at(&self, i: usize) -> (&'static Location<'static>, bool) {
        if i < INLINE && i < self.len() {
            return (self.sites[i].get(), self.tags[i].get().in_graph());
        }
        self.get(i).map_or((HeldEntry::EMPTY.acquired_at, false), |e| (e.acquired_at, e.in_graph))
    }

    /// Where entry `i`'s lock is (`i` must be held).
    pub(super) fn addr_at(&self, i: usize) -> usize {
        if i < INLINE && i < self.len() {
            return self.addrs[i].get();
        }
        self.get(i).map_or(0, |e| e.addr)
    }

    /// The edge entry `i` parked, if it did (`i` must be held).
    pub(super) fn parked_at(&self, i: usize) -> Option<(LockId, &'static Location<'static>)> {
        if i < INLINE && i < self.len() {
            return self.tags[i].get().parked().then(|| self.parked[i].get());
        }
        self.get(i).and_then(|e| e.parked)
    }

    /// Whether `id` is held.
    #[inline]
    pub(super) fn holds(&self, id: LockId) -> bool {
        let len = self.len.get();
        // Slots past the length may still hold old ids (see `push_inline`).
        self.ids[..len.min(INLINE)].iter().any(|held| held.get() == id)
            || (len > INLINE && Self::holds_spilled(id, len))
    }

    /// Whether a spilled entry, of the first `len` ones, is `id`'s.
    #[cold]
    fn holds_spilled(id: LockId, len: usize) -> bool {
        SPILL.try_with(|s| s.borrow().iter().take(len - INLINE).any(|e| e.id == id)).unwrap_or(false)
    }

    #[cold]
    fn get_spilled(i: usize) -> Option<HeldEntry> {
        SPILL.try_with(|s| s.borrow().get(i - INLINE).copied()).ok().flatten()
    }

    #[inline]
    fn set(&self, i: usize, e: HeldEntry) {
        if i < INLINE {
            self.ids[i].set(e.id);
            self.locks[i].set(e.lock);
            self.sites[i].set(e.acquired_at);
            self.addrs[i].set(e.addr);
            if let Some(parked) = e.parked {
                self.parked[i].set(parked);
            }
            self.tags[i].set(Tag::new(e.access, e.subclass, e.in_graph).with_parked(e.parked.is_some()));
        } else {
            let _ = SPILL.try_with(|s| s.borrow_mut()[i - INLINE] = e);
        }
    }

    /// All entries, oldest first (slow path).
    pub(super) fn to_vec(&self) -> Vec<HeldEntry> {
        (0..self.len()).map_while(|i| self.get(i)).collect()
    }

    /// Takes every entry out, oldest first (slow path: the set changes
    /// hands, see `owner`).
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    pub(super) fn take_all(&self) -> Vec<HeldEntry> {
        let all = self.to_vec();
        // Spilled entries past the length are overwritten by later pushes.
        self.len.set(0);
        self.chain.set(0);
        all
    }

    /// Adds an entry; `false` when it could not be stored.
    #[inline]
    pub(super) fn push(&self, entry: HeldEntry) -> bool {
        let len = self.len.get();
        if len >= INLINE {
            return self.push_spilled(entry);
        }
        self.set(len, entry);
        self.len.set(len + 1);
        self.chain.set(self.chain.get().wrapping_add(HeldEntry::hash(entry.id, entry.subclass)));
        true
    }

    /// [`push`](Self::push) of an entry given field by field, when fewer
    /// than `INLINE` locks are held; `addr` is where the lock is.
    #[inline(always)]
    pub(super) fn push_inline(
        &self,
        (id, addr): (LockId, usize),
        lock: &LockInfo,
        access: Access,
        site: &'static Location<'static>,
        subclass: u8,
    ) {
        let len = self.len.get();
        debug_assert!(len < INLINE);
        // The slot usually still holds this lock, left by the last push at
        // this depth, and then its description (four words, which a lock's
        // info never changes) is there already.
        if self.ids[len].get() != id {
            self.ids[len].set(id);
            self.locks[len].set(*lock);
        }
        // Always stored: a lock may have moved since its last hold.
        self.addrs[len].set(addr);
        self.sites[len].set(site);
        self.tags[len].set(Tag::new(access, subclass, false));
        self.len.set(len + 1);
        self.chain.set(self.chain.get().wrapping_add(HeldEntry::hash(id, subclass)));
    }

    /// [`push_inline`](Self::push_inline) of an entry that parked the
    /// edge `parked` in a lock just created: every field is stored, the
    /// lock's read word by word (see [`LockInfo::read_fresh`]).
    #[inline]
    pub(super) fn push_parked(
        &self,
        (id, addr): (LockId, usize),
        lock: &LockInfo,
        access: Access,
        site: &'static Location<'static>,
        subclass: u8,
        parked: (LockId, &'static Location<'static>),
    ) {
        let len = self.len.get();
        debug_assert!(len < INLINE);
        self.ids[len].set(id);
        self.locks[len].set(lock.read_fresh());
        self.sites[len].set(site);
        self.parked[len].set(parked);
        self.addrs[len].set(addr);
        self.tags[len].set(Tag::new(access, subclass, false).with_parked(true));
        self.len.set(len + 1);
        self.chain.set(self.chain.get().wrapping_add(HeldEntry::hash(id, subclass)));
    }

    #[cold]
    #[inline(never)]
    fn push_spilled(&self, entry: HeldEntry) -> bool {
        let len = self.len.get();
        let spilled = SPILL.try_with(|s| {
            let mut s = s.borrow_mut();
            s.truncate(len - INLINE);
            s.push(entry);
        });
        if spilled.is_err() {
            return false;
        }
        self.len.set(len + 1);
        self.chain.set(self.chain.get().wrapping_add(HeldEntry::hash(entry.id, entry.subclass)));
        true
    }

    /// Removes the newest entry with `id`; returns whether it had been put
    /// in the graph during this hold, or `None` if `id` is not held.
    pub(super) fn remove(&self, id: LockId) -> Option<bool> {
        self.pop_if_newest(id).or_else(|| self.remove_inner(id))
    }

    /// [`pop_if_newest`](Self::pop_if_newest), only if the newest entry's
    /// hold excludes other owners ([`Access::excludes_other_owners`]).
    #[inline(always)]
    pub(super) fn pop_if_newest_exclusive(&self, id: LockId) -> Option<bool> {
        let last = self.len.get().wrapping_sub(1);
        if last >= INLINE || self.ids[last].get() != id || !self.tags[last].get().excludes_other_owners() {
            return None;
        }
        self.pop_if_newest(id)
    }

    /// [`remove`](Self::remove) when the newest entry, an inline one, is
    /// `id`'s (a last-in-first-out release); `None` otherwise.
    #[inline(always)]
    pub(super) fn pop_if_newest(&self, id: LockId) -> Option<bool> {
        let last = self.len.get().wrapping_sub(1);
        if last >= INLINE || self.ids[last].get() != id {
            return None;
        }
        self.len.set(last);
        let tag = self.tags[last].get();
        self.chain.set(self.chain.get().wrapping_sub(HeldEntry::hash(id, tag.subclass())));
        Some(tag.in_graph())
    }

    #[cold]
    fn remove_inner(&self, id: LockId) -> Option<bool> {
        let len = self.len.get();
        let index = (0..len).rev().find(|&i| self.get(i).is_some_and(|e| e.id == id))?;
        let removed = self.get(index)?;
        for i in index..len - 1 {
            if let Some(next) = self.get(i + 1) {
                self.set(i, next);
            }
        }
        self.len.set(len - 1);
        self.chain.set(self.chain.get().wrapping_sub(HeldEntry::hash(id, removed.subclass)));
        Some(removed.in_graph)
    }

    pub(super) fn mark_in_graph(&self, index: usize) {
        if index >= self.len() {
        } else if index < INLINE {
            let tag = self.tags[index].get();
            self.tags[index].set(Tag(tag.0 | Tag::IN_GRAPH));
        } else if let Some(mut entry) = self.get(index) {
            entry.in_graph = true;
            self.set(index, entry);
        }
    }
}

#[cfg(test)]
mod tests;
