//! The entry points the tracked lock core calls: the fast path and its
//! hand-off to the slow path.
//!
//! The fast path of an acquisition reads the lock's id, and, when locks
//! are held, looks the pair (held-set hash, id) up in this thread's cache:
//! one probe whatever the depth. A hit means every edge is already known;
//! then the lock is pushed on the held stack. Nothing global is touched,
//! nothing is allocated, no stack is captured.

use std::panic::Location;

use super::held::{acquisition_key, completion_key, HeldEntry, INLINE};
use super::id::LockId;
use super::moved::{self, hold_here, id_here, Hold};
use super::state::{LockState, HAS_PENDING, IN_GRAPH};
use super::thread::THREAD;
use super::{parked, registry, slow, Access};
use crate::report::LockInfo;

/// Whether the thread's held set is the running owner's (a tokio task's
/// or the thread's; see `owner`): with the `tokio` feature, one read of
/// tokio's current task id, and for a task a look at its slot's version.
/// When not, the cold path switches sets first.
#[inline(always)]
fn installed(t: &super::thread::ThreadState) -> bool {
    #[cfg(feature = "tokio")]
    return super::owner::installed(t);
    #[cfg(not(feature = "tokio"))]
    {
        let _ = t;
        true
    }
}

/// Makes the running owner's held set the thread's before an acquisition
/// of the lock of `state` at `site`; what it found to report.
#[inline]
fn enter(state: &LockState, site: &'static Location<'static>) -> Option<crate::report::Violation> {
    #[cfg(feature = "tokio")]
    return THREAD
        .try_with(|t| if installed(t) { None } else { super::owner::enter(t, state.load().0, site) })
        .ok()
        .flatten();
    #[cfg(not(feature = "tokio"))]
    {
        let _ = (state, site);
        None
    }
}

/// What an inline push needs of the lock's orders.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Orders {
    /// An acquisition: every order from the held set into the lock must be
    /// known already (the cache knows the pair (held-set hash, lock)).
    MustBeKnown,
    /// A `try_*` or the end of a checked async wait: it records none.
    NoneRecorded,
}

/// The fast path shared by [`acquire_nested_at`] and
/// [`acquired_nested_at`]: pushes the lock on the thread's held stack if
/// it has an id, the stack has room, the running owner's set is installed
/// and, for an acquisition, its orders are known. Returns its id, or `0`
/// for the cold path. (`orders` is a constant at each call: inlined, the
/// other branch is gone.)
#[inline(always)]
fn push_inline(
    t: &super::thread::ThreadState,
    (state, lock, access, subclass, site): (&LockState, &LockInfo, Access, u8, &'static Location<'static>),
    orders: Orders,
) -> LockId {
    let id = state.settled_id();
    let len = t.held.len();
    if id == 0 || len >= INLINE || t.suspended.get() || !installed(t) {
        return 0;
    }
    if matches!(orders, Orders::MustBeKnown)
        && len != 0
        && !t.known_chains.contains(t.held.chain(), acquisition_key(id, subclass))
    {
        return 0;
    }
    t.held.push_inline((id, state.address()), lock, access, site, subclass);
    id
}

/// Raises a violation found on the way in, before the acquisition goes on.
#[cold]
#[track_caller]
fn raise(violation: crate::report::Violation) {
    let _untracked = super::thread::Suspended::new();
    crate::report::raise(violation, super::thread::exiting());
}

/// Records an acquisition about to block: reports a cycle or a
/// re-acquisition first, then marks the lock held. Returns the hold to
/// give back to [`release`] (see `moved`), or `0` when the acquisition is
/// not tracked.
#[track_caller]
#[inline(always)]
pub(crate) fn acquire(state: &LockState, lock: &LockInfo, access: Access) -> Hold {
    acquire_nested(state, lock, access, 0)
}

/// [`acquire`] at nesting level `subclass` of the lock's class.
///
/// Only the fast path is inlined into the caller; anything else (a lock
/// without an id yet or with an order parked in it, a held set the cache
/// does not know, deep nesting, a suspended thread) goes to
/// [`acquire_cold`].
#[track_caller]
#[inline(always)]
pub(crate) fn acquire_nested(state: &LockState, lock: &LockInfo, access: Access, subclass: u8) -> Hold {
    acquire_nested_at(state, lock, access, subclass, Location::caller())
}

/// [`acquire_nested`] with the acquisition site given: for an async lock,
/// whose acquisition is made away from its call.
#[track_caller]
#[inline(always)]
pub(crate) fn acquire_nested_at(
    state: &LockState,
    lock: &LockInfo,
    access: Access,
    subclass: u8,
    site: &'static Location<'static>,
) -> Hold {
    let fast =
        THREAD.try_with(|t| hold_here(t, push_inline(t, (state, lock, access, subclass, site), Orders::MustBeKnown)));
    match fast {
        Ok(hold) if hold != 0 => hold,
        _ => moved::hold(acquire_cold(state, lock, access, subclass, site)),
    }
}

/// Checks an acquisition that will be made later (an async `lock()`,
/// whose future waits when polled): reports a cycle or a re-acquisition
/// now, with the caller's location, and records the orders, without
/// marking the lock held. Returns the hash of the held set it was checked
/// against, for [`acquire_checked`].
#[track_caller]
#[inline(always)]
#[cfg_attr(not(feature = "tokio"), allow(dead_code))]
pub(crate) fn check(state: &LockState, lock: &LockInfo, access: Access, subclass: u8) -> u64 {
    let fast = THREAD.try_with(|t| {
        let id = state.settled_id();
        let len = t.held.len();
        if id == 0 || len >= INLINE || t.suspended.get() || !installed(t) {
            return None;
        }
        if len != 0 && !t.known_chains.contains(t.held.chain(), acquisition_key(id, subclass)) {
            return None;
        }
        Some(t.held.chain())
    });
    match fast {
        Ok(Some(chain)) => chain,
        _ => check_cold(state, lock, access, subclass),
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn check_cold(state: &LockState, lock: &LockInfo, access: Access, subclass: u8) -> u64 {
    let hold = acquire_nested(state, lock, access, subclass);
    release(state, hold);
    THREAD.try_with(|t| t.held.chain()).unwrap_or(0)
}

/// [`check`] of an access that cannot wait (a once-cell already set),
/// when nothing of it is needed after: with nothing held there is no order
/// to check, so only the held set's length is read.
#[track_caller]
#[inline(always)]
pub(crate) fn touch(state: &LockState, lock: &LockInfo, access: Access) {
    let known = THREAD.try_with(|t| {
        let len = t.held.len();
        installed(t)
            && (len == 0 || {
                let id = state.settled_id();
                id != 0
                    && len < INLINE
                    && !t.suspended.get()
                    && t.known_chains.contains(t.held.chain(), acquisition_key(id, 0))
            })
    });
    if known != Ok(true) {
        check_cold(state, lock, access, 0);
    }
}

/// The first poll of an acquisition [`check`]ed against the held set of
/// hash `chain` (`None`: not checked yet, as an owned guard's): checks it
/// again, at `site`, if the held set (or its owner) changed since. The
/// lock is not held yet: [`acquired_nested_at`] marks it when the wait
/// ends, so a wait given up (`select!`, a timeout) leaves no trace.
#[inline(always)]
#[cfg_attr(not(feature = "tokio"), allow(dead_code))]
pub(crate) fn recheck(
    state: &LockState,
    lock: &LockInfo,
    (access, subclass): (Access, u8),
    site: &'static Location<'static>,
    chain: Option<u64>,
) {
    let unchanged = THREAD.try_with(|t| chain == Some(t.held.chain()) && !t.suspended.get() && installed(t));
    if unchanged != Ok(true) {
        recheck_cold(state, lock, (access, subclass), site);
    }
}

#[cold]
#[inline(never)]
fn recheck_cold(
    state: &LockState,
    lock: &LockInfo,
    (access, subclass): (Access, u8),
    site: &'static Location<'static>,
) {
    let hold = acquire_nested_at(state, lock, access, subclass, site);
    release(state, hold);
}

/// Everything [`acquire_nested`] does not do inline: parks the order of a
/// new lock taken under one held lock (see `parked`), publishes a parked
/// order, allocates the id, pushes without a cache probe when nothing is
/// held, and hands the rest to the slow path.
#[cold]
#[inline(never)]
#[track_caller]
fn acquire_cold(
    state: &LockState,
    lock: &LockInfo,
    access: Access,
    subclass: u8,
    site: &'static Location<'static>,
) -> LockId {
    if let Some(violation) = enter(state, site) {
        raise(violation);
    }
    let known = THREAD.try_with(|t| {
        if t.suspended.get() {
            return Some(0);
        }
        if let Some(id) = parked::park(t, state, lock, access, subclass, site) {
            return Some(id);
        }
        let id = parked::settle(state, &t.ids, 0, lock);
        let len = t.held.len();
        if len != 0 && (len > INLINE || !t.known_chains.contains(t.held.chain(), acquisition_key(id, subclass))) {
            return None;
        }
        let addr = state.address();
        let entry =
            HeldEntry { id, lock: *lock, access, acquired_at: site, subclass, in_graph: false, parked: None, addr };
        Some(if t.held.push(entry) { id } else { 0 })
    });
    match known {
        Ok(Some(id)) => id,
        Ok(None) => slow::acquire(state, *lock, access, subclass, site),
        Err(_) => 0,
    }
}

/// Marks a lock held after a successful `try_*`: a source of later edges,
/// but no edge into it and no report.
#[track_caller]
#[inline(always)]
pub(crate) fn acquired(state: &LockState, lock: &LockInfo, access: Access) -> Hold {
    acquired_nested_at(state, lock, access, 0, Location::caller())
}

/// [`acquired`] at nesting level `subclass`, with the acquisition site
/// given: also the end of an async acquisition's wait, whose orders were
/// checked before it waited ([`check`], [`recheck`]).
#[inline(always)]
#[track_caller]
pub(crate) fn acquired_nested_at(
    state: &LockState,
    lock: &LockInfo,
    access: Access,
    subclass: u8,
    site: &'static Location<'static>,
) -> Hold {
    let fast =
        THREAD.try_with(|t| hold_here(t, push_inline(t, (state, lock, access, subclass, site), Orders::NoneRecorded)));
    match fast {
        Ok(hold) if hold != 0 => hold,
        _ => moved::hold(acquired_cold(state, lock, access, subclass, site)),
    }
}

/// [`acquired_nested_at`] of an async lock, whose guard may be dropped in
/// another task or on another thread: returns the lock's id (`0` when not
/// tracked) and the owner it is held by, to release it from.
///
/// Inline: the lock taken by the tokio task running here, whose held set
/// is installed and up to date, under fewer than `INLINE` locks; its entry
/// goes on the held set and in the task's slot in one pass. Anything else
/// (a `block_on` root, a scope's task, a plain thread) goes the general
/// way.
#[cfg(feature = "tokio")]
#[inline]
pub(crate) fn acquired_async_at(
    state: &LockState,
    lock: &LockInfo,
    access: Access,
    subclass: u8,
    site: &'static Location<'static>,
) -> (LockId, super::task::Owner) {
    let fast = THREAD.try_with(|t| {
        let id = state.settled_id();
        if id == 0 || t.held.len() >= INLINE || t.suspended.get() {
            return (0, 0);
        }
        let running = super::owner::running();
        let addr = state.address();
        let entry =
            HeldEntry { id, lock: *lock, access, acquired_at: site, subclass, in_graph: false, parked: None, addr };
        if !super::owner::push_async(t, running, entry) {
            return (0, 0);
        }
        t.held.push_inline((id, addr), lock, access, site, subclass);
        (id, running)
    });
    match fast {
        Ok((id, running)) if id != 0 => (id, super::task::Owner::Task(running)),
        _ => {
            let id = moved::id_of(acquired_nested_at(state, lock, access, subclass, site));
            (id, super::task::current_owner(id))
        }
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn acquired_cold(
    state: &LockState,
    lock: &LockInfo,
    access: Access,
    subclass: u8,
    site: &'static Location<'static>,
) -> LockId {
    if let Some(violation) = enter(state, site) {
        raise(violation);
    }
    THREAD
        .try_with(|t| {
            if t.suspended.get() {
                return 0;
            }
            let id = parked::settle(state, &t.ids, 0, lock);
            let (acquired_at, addr) = (site, state.address());
            let entry =
                HeldEntry { id, lock: *lock, access, acquired_at, subclass, in_graph: false, parked: None, addr };
            if t.held.push(entry) {
                id
            } else {
                0
            }
        })
        .unwrap_or(0)
}

/// Marks the lock of `hold` (what its acquisition returned) released.
///
/// Inline: popping the newest entry when it is this lock's and the lock
/// did not enter the graph during this hold; anything else goes to
/// [`release_cold`].
///
/// Which owner's set is installed need not be asked (with the `tokio`
/// feature, a read of tokio's task id) when the newest entry is this
/// lock's and holds it exclusively: no other owner can hold the lock at
/// the same time, so the entry is the one this guard made. Only a shared
/// hold (a read, a re-entry) could be another owner's.
#[inline(always)]
pub(crate) fn release(state: &LockState, hold: Hold) {
    // A token takes its watchdog flag off before it releases; were one
    // left on, the hold would read as taken on another thread.
    let hold = hold & !moved::WAITING;
    if hold == 0 {
        return;
    }
    // Written out, not with `Option` combinators: in a build without
    // optimizations each would be a call.
    let popped = THREAD.try_with(|t| {
        let id = id_here(t, hold);
        let popped = match t.held.pop_if_newest_exclusive(id) {
            None if installed(t) => t.held.pop_if_newest(id),
            popped => popped,
        };
        (id, popped)
    });
    match popped {
        Ok((_, Some(false))) | Err(_) => {}
        Ok((id, popped)) => release_cold(state, id, popped),
    }
}

/// What [`release`] does not do inline: removing an entry that is not the
/// newest, and flagging a lock that entered the graph.
#[cold]
#[inline(never)]
fn release_cold(state: &LockState, id: LockId, popped: Option<bool>) {
    let in_graph = match popped {
        Some(in_graph) => Some(in_graph),
        None => THREAD
            .try_with(|t| {
                #[cfg(feature = "tokio")]
                if !installed(t) {
                    super::owner::enter_quietly(t);
                }
                let removed = t.held.remove(id);
                // A guard of another owner on this thread (moved into a
                // local task, or out of one): its entry is stashed.
                #[cfg(feature = "tokio")]
                let removed = removed.or_else(|| super::owner::release_stashed(id));
                // A guard taken on another thread: its entry is posted
                // there, and the lock's drop looks in the registry.
                if removed.is_none() && moved::released_elsewhere(t, state.load().0, id) {
                    return Some(true);
                }
                removed
            })
            .ok()
            .flatten(),
    };
    if in_graph == Some(true) {
        state.set_flag(IN_GRAPH);
    }
}

/// Records the completion of the pseudo-lock of `state` (a send, a
/// notification; see `tracked::pseudo`) under this thread's held locks.
///
/// Nothing is held, or the cache knows the pair (held-set hash,
/// completion): nothing global is touched. Else the slow path orders each
/// held lock after the pseudo-lock.
#[track_caller]
#[inline]
pub(crate) fn complete(state: &LockState, wait: &LockInfo) {
    let known = THREAD.try_with(|t| {
        let id = state.settled_id();
        t.held.len() == 0
            || t.suspended.get()
            || (id != 0 && installed(t) && t.known_chains.contains(t.held.chain(), completion_key(id)))
    });
    if known == Ok(false) {
        complete_cold(state, wait, Location::caller());
    }
}

#[cold]
#[inline(never)]
fn complete_cold(state: &LockState, wait: &LockInfo, site: &'static Location<'static>) {
    slow::complete(state, *wait, site);
}

/// Forgets a lock that is being dropped.
///
/// A live guard borrows its lock, so a lock dropped while this thread
/// holds it had a guard given to `mem::forget`. Its held entries are
/// stale: they would make the dead lock the source of every later order
/// of this thread (false cycles through it, a node that never leaves the
/// graph, a held set that only grows). Checking costs a comparison per
/// held lock (usually one or none); the rest is out of line.
///
/// A guard forgotten on another thread is out of reach here: its entry
/// stays in that thread's held set (see [`dropped_while_held`]).
#[inline]
pub(crate) fn dropped(state: &LockState) {
    let (id, flags) = state.load();
    if id != 0 && THREAD.try_with(|t| t.held.holds(id)) == Ok(true) {
        dropped_while_held(id);
    } else if flags & (HAS_PENDING | IN_GRAPH) != 0 {
        registry::forget(id);
    }
}

/// [`dropped`] of a lock this thread holds through forgotten guards: every
/// entry of it goes, and it leaves the registry whatever its flags say (the
/// guards that would have flagged it as in the graph never ran).
///
/// Reaching another thread's held set would cost every drop a global
/// lookup, or every acquisition a write to the lock's state; so a guard
/// forgotten on one thread whose lock is dropped on another leaves its
/// entry there until that thread ends.
#[cold]
#[inline(never)]
fn dropped_while_held(id: LockId) {
    let _ = THREAD.try_with(|t| while t.held.remove(id).is_some() {});
    registry::forget(id);
}
