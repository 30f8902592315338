//! Who owns the locks in a thread's held set: the thread itself (a plain
//! thread, or the root future of a `block_on`), or the tokio task being
//! polled.
//!
//! With the `tokio` feature, every acquisition made while tokio polls a
//! task belongs to that task, found through `tokio::task::try_id()`: no
//! wrapper is needed. The thread's held set holds the entries of one owner
//! at a time, named by `ThreadState::owner`; the fast path checks that it
//! is the running owner's, and the cold path switches when it is not.
//!
//! Where a task's entries live:
//! - Its async locks (tokio's), whose guards may stay held while the task
//!   moves to another worker, are kept in the task's [`TaskSlot`], found by
//!   its id from any thread; the held set of the thread polling the task
//!   holds a copy, checked against the slot's version before each use. So
//!   a task's async locks follow it from worker to worker.
//! - Its blocking locks (std, parking_lot) stay in the thread's held set:
//!   their guards cannot leave the thread, so a task that migrates holds
//!   none between polls. A task that cannot migrate (a `LocalSet` task)
//!   and is suspended with one keeps it in a per-thread stash.
//! - The thread's own entries are stashed per thread while a task's are
//!   installed.
//!
//! Tasks polled one after another on a thread never see each other's
//! locks. A `scope` installs its task's set itself and names the running
//! task as the owner while it does (with no slot).
//!
//! A switch away from a task whose set holds a blocking lock means the
//! task is suspended with the lock held: any task polled on that thread
//! that asks for it blocks the thread for good. It is reported then, once
//! per hold, before the task that runs next takes its lock. The thread's
//! own blocking locks are reported only when a task polled on the thread
//! asks for one: a lock held around a `block_on` (a test's serial mutex)
//! hurts nobody until then.

use std::cell::{Cell, RefCell};
use std::panic::Location;
use std::ptr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};

use rustc_hash::FxHashMap;

use self::slot::{existing_slot, remove_newest, slot, TaskSlot};

use super::held::{held_edges, held_locks_of, HeldEntry};
use super::id::LockId;
use super::thread::{thread_name, ThreadState, THREAD};
use crate::report::{Suspension, Trace, Violation, ViolationKind};

mod slot;

pub(super) use super::running::{running, running_task, ROOT_WAITS};

/// Whether the thread's held set is the running owner's, and up to date
/// (the fast path's check).
#[inline(always)]
pub(super) fn installed(t: &ThreadState) -> bool {
    let running = running();
    t.owner.get() == running && (running == 0 || current_slot().is_none_or(|(slot, seen)| slot.is_current(seen)))
}

thread_local! {
    /// The installed task's slot and the version of it that the held set
    /// holds; null for the thread's own set or a scope's. A copy of what
    /// [`Installed`] names, kept where the fast path reaches it with one
    /// address computation: no destructor, no borrow flag.
    static CURRENT_SLOT: Cell<(*const TaskSlot, u64)> = const { Cell::new((ptr::null(), 0)) };
}

/// The installed task's slot and the version the held set holds, if a
/// task's slot is installed.
///
/// The reference is valid until the next change of the installed slot
/// (a switch, a scope's entry or exit): [`Installed`] keeps the slot's
/// `Arc` while it is named here, and clears this when it lets it go, also
/// when the thread's thread-locals are destroyed. Callers use it within
/// one acquisition or release, which makes no such change.
#[inline(always)]
fn current_slot<'a>() -> Option<(&'a TaskSlot, u64)> {
    let (slot, seen) = CURRENT_SLOT.with(Cell::get);
    // SAFETY: a slot named in `CURRENT_SLOT` is alive (see above).
    (!slot.is_null()).then(|| (unsafe { &*slot }, seen))
}

/// Notes that the held set holds version `seen` of the installed slot.
#[inline(always)]
fn set_seen(seen: u64) {
    CURRENT_SLOT.with(|c| c.set((c.get().0, seen)));
}

/// The slots of the tasks installed on this thread last, and which one is
/// installed now (named in [`CURRENT_SLOT`] too, with the version of it
/// that the held set holds).
///
/// Tasks take turns on a worker: finding a slot here costs no lock of the
/// global table, and switching between slots kept here moves no reference
/// count. A slot kept here is not swept from the table (see
/// `slot::sweep`), so it stays the task's.
#[derive(Default)]
struct Installed {
    recent: [Option<(u64, Arc<TaskSlot>)>; RECENT],
    /// Where the next slot put in `recent` goes.
    next: usize,
    /// The installed task's slot, by its index in `recent`; `None` for the
    /// thread's own set or a scope's.
    current: Option<usize>,
}

/// How many slots of tasks installed here are kept at hand.
const RECENT: usize = 8;

impl Installed {
    /// The installed task's key, and the version of its slot that the held
    /// set holds.
    fn installed_key(&self) -> Option<(u64, u64)> {
        let (key, _) = self.recent[self.current?].as_ref()?;
        Some((*key, current_slot()?.1))
    }

    /// Names the slot at `index` of `recent` (`None`: no slot) as the
    /// installed one, at version `seen`.
    fn set_current(&mut self, index: Option<usize>, seen: u64) {
        self.current = index;
        let slot = index.and_then(|i| self.recent[i].as_ref()).map_or(ptr::null(), |(_, slot)| Arc::as_ptr(slot));
        CURRENT_SLOT.with(|c| c.set((slot, seen)));
    }

    /// Installs the slot of task `key` (kept at hand, or from the table and
    /// then kept at hand) at version `seen`, which `f` gives from it.
    fn install(&mut self, key: u64, f: impl FnOnce(&TaskSlot) -> u64) {
        let index = match self.recent.iter().position(|r| r.as_ref().is_some_and(|(k, _)| *k == key)) {
            Some(index) => index,
            None => {
                let index = self.next;
                // The slot replaced is no longer named anywhere.
                if self.current == Some(index) {
                    self.set_current(None, 0);
                }
                self.recent[index] = Some((key, slot(key)));
                self.next = (index + 1) % RECENT;
                index
            }
        };
        let seen = self.recent[index].as_ref().map_or(0, |(_, slot)| f(slot));
        self.set_current(Some(index), seen);
    }
}

impl Drop for Installed {
    fn drop(&mut self) {
        // The slots go with `recent`: none may stay named.
        self.set_current(None, 0);
    }
}

/// What a thread keeps of the owners that are not running: its own set,
/// and the blocking locks of tasks suspended here.
#[derive(Default)]
struct Stash {
    root: Vec<HeldEntry>,
    /// Blocking locks of the thread already reported, while they stay held.
    root_reported: Vec<(LockId, &'static Location<'static>)>,
    tasks: FxHashMap<u64, Vec<HeldEntry>>,
    /// Blocking locks of tasks already reported, while they stay held.
    tasks_reported: FxHashMap<u64, Vec<(LockId, &'static Location<'static>)>>,
}

thread_local! {
    static INSTALLED: RefCell<Installed> = RefCell::new(Installed::default());
    static STASH: RefCell<Stash> = RefCell::new(Stash::default());
}

/// Makes the running owner's set the thread's, up to date, for an
/// acquisition of the lock `id` (`0` if it has none yet) at `site`.
/// Returns what to report: the blocking locks of a task found suspended,
/// or a blocking lock of the thread that the running task asks for.
#[cold]
#[inline(never)]
pub(super) fn enter(t: &ThreadState, id: LockId, site: &'static Location<'static>) -> Option<Violation> {
    let running = running();
    let suspended = switch(t, running, Some((id, site)));
    if suspended.is_some() {
        return suspended;
    }
    if t.owner.get() & ROOT_WAITS != 0 && id != 0 {
        return root_asked_for(id, running, site);
    }
    None
}

/// Makes the running owner's set the thread's, as [`enter`] does, when a
/// report would come at the wrong moment (a release); a task found
/// suspended with a blocking lock is reported at the next switch instead.
pub(super) fn enter_quietly(t: &ThreadState) {
    let _ = switch(t, running(), None);
}

/// Saves the installed owner's entries and loads the running one's, or
/// refreshes the running task's async entries from its slot. `site`: the
/// lock and site of the acquisition that switches, for a report; `None`
/// for no report.
fn switch(t: &ThreadState, running: u64, site: Option<(LockId, &'static Location<'static>)>) -> Option<Violation> {
    // Guards of this thread's owners dropped on other threads leave first:
    // before the outgoing set is judged, and before a stashed one is
    // looked at for the lock asked for.
    super::moved::take_posted(t, release_posted);
    let installed = t.owner.get();
    let outgoing = installed & !ROOT_WAITS;
    if outgoing == running {
        if running != 0 {
            refresh(t);
        }
        return None;
    }
    let entries = t.held.take_all();
    let mut root_waits = installed & ROOT_WAITS != 0;
    let mut suspended = None;
    let _ = STASH.try_with(|stash| {
        let mut stash = stash.borrow_mut();
        if outgoing == 0 {
            root_waits = entries.iter().any(|e| e.access.blocks_thread());
            stash.root_reported.retain(|&(id, at)| entries.iter().any(|e| e.id == id && e.acquired_at == at));
            stash.root = entries;
        } else {
            // Its async entries are in its slot already.
            let blocking: Vec<HeldEntry> = entries.into_iter().filter(|e| e.access.blocks_thread()).collect();
            if blocking.is_empty() {
                stash.tasks_reported.remove(&outgoing);
            } else {
                let reported = stash.tasks_reported.entry(outgoing).or_default();
                reported.retain(|&(id, at)| blocking.iter().any(|e| e.id == id && e.acquired_at == at));
                let fresh: Vec<HeldEntry> =
                    blocking.iter().filter(|e| !reported.contains(&(e.id, e.acquired_at))).copied().collect();
                if site.is_some() {
                    reported.extend(fresh.iter().map(|e| (e.id, e.acquired_at)));
                }
                if !fresh.is_empty() {
                    suspended = Some((fresh, blocking.clone()));
                }
                stash.tasks.insert(outgoing, blocking);
            }
        }
    });
    let _ = INSTALLED.try_with(|s| s.borrow_mut().set_current(None, 0));
    if running == 0 {
        root_waits = false;
        for entry in STASH.try_with(|s| std::mem::take(&mut s.borrow_mut().root)).unwrap_or_default() {
            t.held.push(entry);
        }
    } else {
        let stashed = STASH.try_with(|s| s.borrow_mut().tasks.remove(&running)).ok().flatten();
        for entry in stashed.into_iter().flatten() {
            t.held.push(entry);
        }
        let _ = INSTALLED.try_with(|s| {
            s.borrow_mut().install(running, |slot| {
                // SAFETY: this thread polls the task `running`.
                unsafe { slot.apply_pending() };
                // SAFETY: as above.
                for &entry in unsafe { slot.entries() }.iter() {
                    t.held.push(entry);
                }
                slot.version.load(Ordering::Relaxed)
            })
        });
    }
    t.owner.set(running | if root_waits { ROOT_WAITS } else { 0 });
    let ((id, site), (fresh, held)) = (site?, suspended?);
    let contended = id != 0 && fresh.iter().any(|e| e.id == id);
    let suspension = Suspension { holder: format!("task {outgoing}"), next: owner_name(running), contended };
    Some(report(&fresh, &held, site, suspension))
}

/// Replaces the running task's async entries in the held set with its
/// slot's, if they changed since they were loaded (the task ran on another
/// thread, or a guard of it was dropped away from it).
fn refresh(t: &ThreadState) {
    let Some((slot, seen)) = current_slot() else { return };
    if slot.is_current(seen) {
        return;
    }
    // SAFETY: the caller polls the task whose slot is installed.
    unsafe { slot.apply_pending() };
    let blocking: Vec<HeldEntry> = t.held.take_all().into_iter().filter(|e| e.access.blocks_thread()).collect();
    for entry in blocking {
        t.held.push(entry);
    }
    // SAFETY: as above.
    for &entry in unsafe { slot.entries() }.iter() {
        t.held.push(entry);
    }
    set_seen(slot.version.load(Ordering::Relaxed));
}

/// Removes the newest entry of the lock `id` from the sets this thread
/// stashed (its own, and those of tasks suspended here with blocking
/// locks): a guard released by another owner than the one that took it,
/// on the same thread (a `LocalSet` task dropping a guard the `block_on`
/// root gave it). Returns whether it had entered the graph.
pub(super) fn release_stashed(id: LockId) -> Option<bool> {
    STASH
        .try_with(|stash| {
            let mut stash = stash.borrow_mut();
            let stash = &mut *stash;
            let found = std::iter::once(&mut stash.root)
                .chain(stash.tasks.values_mut())
                .find_map(|entries| entries.iter().rposition(|e| e.id == id).map(|i| entries.remove(i)));
            found.map(|entry| entry.in_graph)
        })
        .ok()
        .flatten()
}

/// [`release_stashed`] as `moved` wants it: the entry of a guard dropped
/// on another thread, if a set put away here holds it.
pub(super) fn release_posted(id: LockId) {
    release_stashed(id);
}

/// A task polled on this thread asks for the lock `id`: if the thread's own
/// stashed set holds it blocking, the thread would block on itself.
fn root_asked_for(id: LockId, running: u64, site: &'static Location<'static>) -> Option<Violation> {
    let (fresh, held) = STASH
        .try_with(|s| {
            let mut stash = s.borrow_mut();
            let fresh: Vec<HeldEntry> = stash
                .root
                .iter()
                .filter(|e| e.id == id && e.access.blocks_thread())
                .filter(|e| !stash.root_reported.contains(&(e.id, e.acquired_at)))
                .copied()
                .collect();
            stash.root_reported.extend(fresh.iter().map(|e| (e.id, e.acquired_at)));
            (fresh, stash.root.clone())
        })
        .ok()?;
    if fresh.is_empty() {
        return None;
    }
    let suspension = Suspension {
        holder: format!("thread `{}` (outside any task: a `block_on` root)", thread_name()),
        next: owner_name(running),
        contended: true,
    };
    Some(report(&fresh, &held, site, suspension))
}

fn owner_name(key: u64) -> String {
    if key == 0 {
        "the `block_on` root".to_owned()
    } else {
        format!("task {key}")
    }
}

/// The report of `fresh`, blocking locks of a suspended owner whose set is
/// `held`, found by an acquisition at `site`.
fn report(fresh: &[HeldEntry], held: &[HeldEntry], site: &'static Location<'static>, found: Suspension) -> Violation {
    let thread = thread_name();
    let trace = Arc::new(Trace::capture());
    let edges = held_edges(fresh, Some(site), (&thread, running_task()), &trace);
    // Once per lock site and the site that found it, for `Warn`.
    let mut key: Vec<u64> = fresh.iter().map(|e| e.acquired_at as *const Location<'_> as u64).collect();
    key.push(site as *const Location<'_> as u64);
    key.push(u64::MAX - 1);
    Violation::new(ViolationKind::HeldAcrossAwait, edges, held_locks_of(held), thread, key).suspended(found)
}

/// Notes that the running task acquired the async lock `id` (its newest
/// entry): the entry goes to its slot, which any thread can reach. Returns
/// the owner to release it from: the task's key, or `0` for this thread.
pub(crate) fn acquired_async(id: LockId) -> u64 {
    if id == 0 {
        return 0;
    }
    let running = running();
    // The acquisition installed the running owner's set.
    let entry = THREAD.try_with(|t| {
        if running == 0 || t.owner.get() & !ROOT_WAITS != running {
            return None;
        }
        let newest = (0..t.held.len()).rev().find(|&i| t.held.id_at(i) == id)?;
        t.held.get(newest)
    });
    let Ok(Some(entry)) = entry else { return running };
    if let Some((slot, seen)) = current_slot() {
        // SAFETY: this thread polls the task `running`, whose slot is
        // installed (its set is the thread's).
        unsafe { push_to_slot(slot, seen, entry) };
    }
    running
}

/// Adds `entry`, which the held set has too, to the installed slot, which
/// the held set holds at version `seen`: the held set stays up to date if
/// it was.
///
/// # Safety
///
/// As [`TaskSlot::entries`]: this thread polls the slot's task.
#[inline]
unsafe fn push_to_slot(slot: &TaskSlot, seen: u64, entry: HeldEntry) {
    // SAFETY: the caller's contract.
    unsafe { slot.entries() }.push(entry);
    let version = slot.changed();
    if version == seen + 1 {
        set_seen(version);
    }
}

/// The fast path of an async acquisition by the tokio task running here
/// (`running`, its key), whose held set is installed and up to date:
/// `entry` goes to the task's slot, and the caller pushes it on the held
/// set. Returns `false`, having done nothing, in any other case.
#[inline]
pub(super) fn push_async(t: &ThreadState, running: u64, entry: HeldEntry) -> bool {
    if running == 0 || t.owner.get() != running {
        return false;
    }
    let Some((slot, seen)) = current_slot() else { return false };
    if !slot.is_current(seen) {
        return false;
    }
    // SAFETY: this thread polls the task `running` (tokio's current task
    // id), whose slot is installed.
    unsafe { push_to_slot(slot, seen, entry) };
    true
}

/// Copies to the running task's slot the marks that the slow path just put
/// on its async entries in the held set (the lock became a node of the
/// graph while held). The slot's copy is what the held set gets back when
/// it is loaded again (another task ran here, or the task moved), and the
/// release that finds the mark flags the lock, whose drop then takes its
/// node out of the graph.
pub(super) fn keep_marks(t: &ThreadState) {
    let Some((slot, seen)) = current_slot() else { return };
    let running = running();
    if running == 0 || t.owner.get() & !ROOT_WAITS != running || !slot.is_current(seen) {
        return;
    }
    // SAFETY: this thread polls the task `running`, whose slot is
    // installed.
    let entries = unsafe { slot.entries() };
    for held in (0..t.held.len()).filter_map(|i| t.held.get(i)) {
        if held.in_graph && !held.access.blocks_thread() {
            if let Some(entry) = entries.iter_mut().rev().find(|e| e.id == held.id && !e.in_graph) {
                entry.in_graph = true;
            }
        }
    }
}

/// Releases the async lock `id` that task `key` acquired, wherever this
/// runs: from the task's slot, and from this thread's held set if the
/// task's set is installed here and up to date.
pub(crate) fn release_async(id: LockId, key: u64) -> Option<bool> {
    // The common case: the task releases its own lock on the thread that
    // polls it, without a lock or the global table.
    let done = THREAD.try_with(|t| {
        if t.owner.get() & !ROOT_WAITS != key || running() != key {
            return None;
        }
        // The task's set is installed: the slot installed is its.
        let (slot, seen) = current_slot()?;
        let current = slot.is_current(seen);
        let in_graph = if current { t.held.remove(id) } else { None };
        // SAFETY: this thread polls the task `key`, whose slot is
        // installed.
        let removed = remove_newest(unsafe { slot.entries() }, id);
        if removed.is_some() {
            let version = slot.changed();
            if current {
                set_seen(version);
            }
        }
        Some(in_graph.or(removed))
    });
    if let Ok(Some(in_graph)) = done {
        return in_graph;
    }
    // Another task (or thread) drops the guard: the task applies it.
    if let Some(slot) = existing_slot(key) {
        slot.released.lock().unwrap_or_else(PoisonError::into_inner).push(id);
        slot.pending.store(true, Ordering::Release);
    }
    // Whether the lock entered the graph is not known here: its drop looks.
    Some(true)
}

/// What a `scope` saves of the thread's owner while it installs its own
/// task's set.
pub(super) struct SavedOwner {
    owner: u64,
    /// The installed task's slot: its key and the version the set holds.
    slot: Option<(u64, u64)>,
}

/// Names the running task as the owner of the set a scope installs.
pub(super) fn scope_enter(t: &ThreadState) -> SavedOwner {
    let owner = t.owner.replace(running());
    let slot = INSTALLED
        .try_with(|s| {
            let mut installed = s.borrow_mut();
            let slot = installed.installed_key();
            installed.set_current(None, 0);
            slot
        })
        .ok()
        .flatten();
    SavedOwner { owner, slot }
}

/// Puts back what [`scope_enter`] saved, with the thread's set.
pub(super) fn scope_leave(t: &ThreadState, saved: SavedOwner) {
    t.owner.set(saved.owner);
    if let Some((key, seen)) = saved.slot {
        let _ = INSTALLED.try_with(|s| s.borrow_mut().install(key, |_| seen));
    }
}
