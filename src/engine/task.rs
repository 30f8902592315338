//! Held sets that belong to an async task instead of a thread.
//!
//! A task's held set lives in its scope future ([`TaskHeld`]) and is
//! swapped into the thread's held set around every poll ([`Entered`]): the
//! thread's own entries are saved on entry and put back on exit, also when
//! the poll panics. So a task that moves between worker threads takes its
//! locks with it, and tasks polled one after another on one thread do not
//! see each other's locks.
//!
//! Invariants: `CURRENT` names the task whose set is in the thread's held
//! set, and is `None` outside any scope. A guard of an async lock records
//! the task it was acquired in (its [`Owner`]); dropped anywhere else, it
//! does not touch the set in place but leaves its id in the owner's
//! [`Inbox`], which the owner applies on its next poll (and on its next
//! slow-path acquisition). A missing id is never an error.
//!
//! After a poll that returns `Pending`, a blocking lock left in the task's
//! set is held across an `.await`: reported once per hold.

use std::cell::RefCell;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::panic::Location;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::held::{held_edges, held_locks_of, HeldEntry};
use super::id::LockId;
use super::moved::hold;
use super::owner::{self, SavedOwner};
use super::running;
use super::state::{LockState, IN_GRAPH};
use super::thread::{thread_name, Suspended, THREAD};
use crate::report::{self, TaskName, Trace, Violation, ViolationKind};

/// What a task shares with guards dropped away from it, and with its
/// waker.
#[derive(Debug, Default)]
pub(crate) struct Inbox {
    pending: AtomicBool,
    released: Mutex<Vec<LockId>>,
    /// Blocking locks already reported as held across an await, by id and
    /// acquisition site, while they stay held.
    reported: Mutex<Vec<(LockId, &'static Location<'static>)>>,
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Inbox {
    fn take_released(&self) -> Vec<LockId> {
        // A load first: a new lock taken under one held lock looks here
        // each time, and nothing waits there almost always; a swap would
        // be a write, and a locked instruction, each time.
        if self.pending.load(Ordering::Relaxed) && self.pending.swap(false, Ordering::Acquire) {
            std::mem::take(&mut *locked(&self.released))
        } else {
            Vec::new()
        }
    }
}

/// Who a guard of an async lock was acquired by, and must be released
/// from.
#[derive(Debug)]
pub(crate) enum Owner {
    /// The thread (a plain thread, or a `block_on` root), by its inbox:
    /// released from elsewhere (an owned guard sent to a task), the entry
    /// waits there until the thread's next new order.
    Thread(Arc<Inbox>),
    /// A task run in a `scope`: releases from elsewhere go to its inbox.
    Scoped(Arc<Inbox>),
    /// A tokio task, by id: its async locks are kept in its slot (see
    /// `owner`).
    Task(u64),
}

thread_local! {
    static CURRENT: RefCell<Option<Arc<Inbox>>> = const { RefCell::new(None) };
    /// The stack of the first waker registration, in the current poll, made
    /// while the task held an unreported blocking lock.
    static AWAIT_TRACE: RefCell<Option<backtrace::Backtrace>> = const { RefCell::new(None) };
    /// Where guards of async locks that this thread acquired outside any
    /// task, dropped elsewhere, leave their release.
    static THREAD_INBOX: Arc<Inbox> = Arc::default();
}

/// Whether `inbox` is this thread's.
fn is_this_threads(inbox: &Arc<Inbox>) -> bool {
    THREAD_INBOX.try_with(|own| Arc::ptr_eq(own, inbox)).unwrap_or(false)
}

/// Who owns the async lock `id` just acquired here (`0` when untracked):
/// the scope's task, the tokio task being polled, or the thread.
pub(super) fn current_owner(id: LockId) -> Owner {
    if let Some(inbox) = CURRENT.try_with(|c| c.borrow().clone()).ok().flatten() {
        return Owner::Scoped(inbox);
    }
    match owner::acquired_async(id) {
        // During thread teardown the inbox may be gone: a fresh one, which
        // nobody reads, makes a release from elsewhere a no-op.
        0 => Owner::Thread(THREAD_INBOX.try_with(Arc::clone).unwrap_or_default()),
        key => Owner::Task(key),
    }
}

/// Releases the entry `id` that a guard of an async lock put in `owner`'s
/// held set.
pub(crate) fn release_from(state: &LockState, id: LockId, owner: &Owner) {
    if id == 0 {
        return;
    }
    match owner {
        Owner::Task(key) => {
            if owner::release_async(id, *key) == Some(true) {
                state.set_flag(IN_GRAPH);
            }
        }
        Owner::Thread(inbox) if owner::running() == 0 && is_this_threads(inbox) => super::release(state, hold(id)),
        Owner::Scoped(inbox)
            if CURRENT.try_with(|c| c.borrow().as_ref().is_some_and(|c| Arc::ptr_eq(c, inbox))).unwrap_or(false) =>
        {
            super::release(state, hold(id))
        }
        Owner::Thread(inbox) | Owner::Scoped(inbox) => {
            locked(&inbox.released).push(id);
            inbox.pending.store(true, Ordering::Release);
            // The entry may have made the lock a node; let the lock's drop look.
            state.set_flag(IN_GRAPH);
        }
    }
}

/// Applies releases left in the inbox of the owner whose set is installed
/// (slow path): the task being polled in a scope, or the thread itself.
pub(super) fn apply_released() {
    let released = match CURRENT.try_with(|c| c.borrow().as_ref().map(|inbox| inbox.take_released())) {
        Ok(Some(released)) => released,
        Ok(None) if THREAD.try_with(|t| t.owner.get() == 0).unwrap_or(false) => {
            THREAD_INBOX.try_with(|inbox| inbox.take_released()).unwrap_or_default()
        }
        _ => return,
    };
    for id in released {
        let _ = THREAD.try_with(|t| t.held.remove(id));
    }
}

/// A task's held set, kept in its scope future between polls.
#[derive(Debug, Default)]
pub(crate) struct TaskHeld {
    entries: Vec<HeldEntry>,
    inbox: Arc<Inbox>,
    /// Where the task was spawned, if it was through lockorder: reports
    /// made while it is polled name it.
    spawned_at: Option<&'static Location<'static>>,
}

/// A task's held set installed in the thread's; dropping it puts the
/// thread's own entries back.
pub(crate) struct Entered<'a> {
    task: &'a mut TaskHeld,
    saved: Vec<HeldEntry>,
    owner: Option<SavedOwner>,
    previous: Option<Arc<Inbox>>,
    /// The spawn site named before this set's, when this set names one.
    previous_site: Option<Option<&'static Location<'static>>>,
}

impl TaskHeld {
    /// The set of a task spawned at `site`.
    pub(crate) fn spawned_at(site: &'static Location<'static>) -> Self {
        TaskHeld { spawned_at: Some(site), ..TaskHeld::default() }
    }

    pub(crate) fn inbox(&self) -> &Arc<Inbox> {
        &self.inbox
    }

    /// Installs this set for a poll; `None` when the thread's engine state
    /// is gone (thread teardown), and the poll runs untracked.
    pub(crate) fn enter(&mut self) -> Option<Entered<'_>> {
        for id in self.inbox.take_released() {
            if let Some(i) = self.entries.iter().rposition(|e| e.id == id) {
                self.entries.remove(i);
            }
        }
        let entries = &mut self.entries;
        let (saved, owner) = THREAD
            .try_with(|t| {
                let saved = t.held.take_all();
                for entry in entries.drain(..) {
                    t.held.push(entry);
                }
                (saved, owner::scope_enter(t))
            })
            .ok()?;
        let previous = CURRENT.try_with(|c| c.replace(Some(self.inbox.clone()))).ok().flatten();
        let _ = AWAIT_TRACE.try_with(|t| t.borrow_mut().take());
        // A scope inside a spawned task's keeps the spawn site named.
        let previous_site = self.spawned_at.map(|site| running::name_spawn_site(Some(site)));
        Some(Entered { task: self, saved, owner: Some(owner), previous, previous_site })
    }

    /// After a poll that returned `Pending`: reports the blocking locks the
    /// task holds across the await that were not reported yet. `trace` is
    /// the stack of the await's waker registration, if one was seen;
    /// `boundary` the address of the scope's `poll`, under which frames
    /// belong to the runtime.
    #[track_caller]
    pub(crate) fn check_await(&mut self, trace: Option<backtrace::Backtrace>, boundary: usize) {
        let fresh: Vec<HeldEntry> = {
            let mut reported = locked(&self.inbox.reported);
            reported.retain(|&(id, site)| self.entries.iter().any(|e| e.id == id && e.acquired_at == site));
            let fresh: Vec<HeldEntry> = self
                .entries
                .iter()
                .filter(|e| e.access.blocks_thread() && !reported.contains(&(e.id, e.acquired_at)))
                .copied()
                .collect();
            reported.extend(fresh.iter().map(|e| (e.id, e.acquired_at)));
            fresh
        };
        if fresh.is_empty() {
            return;
        }
        let trace = trace.unwrap_or_else(report::capture_raw);
        // The poll is over: the spawn site is this set's to name.
        let task = running::running_task().map(|task| TaskName { spawned_at: self.spawned_at, ..task });
        let violation = held_across_await(&fresh, &self.entries, &trace, (boundary, task));
        let _untracked = Suspended::new();
        report::raise(violation, super::thread::exiting());
    }
}

impl Entered<'_> {
    /// Takes the task's set out of the thread's and returns the stack
    /// captured at the poll's await, if any.
    pub(crate) fn leave(self) -> Option<backtrace::Backtrace> {
        let trace = AWAIT_TRACE.try_with(|t| t.borrow_mut().take()).ok().flatten();
        drop(self);
        trace
    }
}

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        let previous = self.previous.take();
        let _ = CURRENT.try_with(|c| c.replace(previous));
        if let Some(site) = self.previous_site.take() {
            running::name_spawn_site(site);
        }
        let task = &mut *self.task;
        let saved = &mut self.saved;
        let owner = self.owner.take();
        let _ = THREAD.try_with(|t| {
            // Guards of the task dropped on other threads leave first.
            super::moved::take_posted(t, owner::release_posted);
            task.entries = t.held.take_all();
            for entry in saved.drain(..) {
                t.held.push(entry);
            }
            if let Some(owner) = owner {
                owner::scope_leave(t, owner);
            }
        });
    }
}

/// Called by a task's waker when it is cloned or woken by reference, which
/// is how a future that returns `Pending` registers for a wake-up: while
/// the task is being polled here and holds a blocking lock not reported
/// yet, the first such call of the poll captures the stack, the await's.
pub(crate) fn note_await(inbox: &Arc<Inbox>) {
    let polling = CURRENT.try_with(|c| c.borrow().as_ref().is_some_and(|c| Arc::ptr_eq(c, inbox))).unwrap_or(false);
    if !polling || AWAIT_TRACE.try_with(|t| t.borrow().is_some()).unwrap_or(true) {
        return;
    }
    let wanted = THREAD
        .try_with(|t| {
            let mut blocking =
                (0..t.held.len()).filter_map(|i| t.held.get(i)).filter(|e| e.access.blocks_thread()).peekable();
            if blocking.peek().is_none() {
                return false;
            }
            let reported = locked(&inbox.reported);
            blocking.any(|e| !reported.contains(&(e.id, e.acquired_at)))
        })
        .unwrap_or(false);
    if wanted {
        let trace = report::capture_raw();
        let _ = AWAIT_TRACE.try_with(|t| *t.borrow_mut() = Some(trace));
    }
}

fn held_across_await(
    fresh: &[HeldEntry],
    held: &[HeldEntry],
    trace: &backtrace::Backtrace,
    (boundary, task): (usize, Option<TaskName>),
) -> Violation {
    let thread = thread_name();
    // The frames under the scope's `poll` are the executor's.
    let frames = trace.frames();
    let await_frames = frames.iter().position(|f| f.symbol_address() as usize == boundary).unwrap_or(frames.len());
    let frames = &frames[..await_frames];
    let trace = Arc::new(Trace::from_raw(backtrace::Backtrace::from(frames.to_vec())));
    let edges = held_edges(fresh, None, (&thread, task), &trace);
    // Once per lock site and await site, for `Warn`.
    let mut hasher = DefaultHasher::new();
    "held across await".hash(&mut hasher);
    for e in fresh {
        e.acquired_at.hash(&mut hasher);
    }
    for frame in frames {
        (frame.ip() as usize).hash(&mut hasher);
    }
    Violation::new(ViolationKind::HeldAcrossAwait, edges, held_locks_of(held), thread, vec![hasher.finish()])
}
