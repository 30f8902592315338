//! Guards dropped on another thread than the one that took them.
//!
//! A guard whose lock allows it (lock_api's `GuardSend`, parking_lot's
//! `send_guard`) may be sent away and dropped on another thread. That
//! thread holds no entry for the lock; the entry is in the held set of
//! the thread that took it, which only that thread may change. Left
//! there, it would order everything that thread takes later after a lock
//! it no longer holds (false cycles), and make it look as if it
//! re-acquired the lock when it takes it again.
//!
//! So a guard keeps its *hold*: the lock's id mixed with its acquiring
//! thread's salt (see [`hold`]). Released on the same thread, the salt
//! cancels out and the id comes back; released elsewhere, it does not,
//! and what comes back is no id of the lock: the release then posts the
//! entry here, addressed to the acquiring thread, before the lock is
//! unlocked. That thread takes its posts out of its held set when its
//! next acquisition needs the held set to be true: on the slow path,
//! where orders are recorded and re-acquisitions judged. (Its fast path
//! meanwhile only accepts orders its cache knows, which a stale entry
//! cannot make wrong: it makes the held set look bigger, never smaller.)
//!
//! A thread's posts wait in one global list, read only when its count
//! moved since the thread last looked: one atomic load per slow path.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use super::id::LockId;
use super::thread::{salt, ThreadState, THREAD};

/// Entries to take out of their thread's held set: its salt and the id.
static POSTED: Mutex<Vec<(u64, LockId)>> = Mutex::new(Vec::new());
/// How many entries were ever posted: a thread looks at `POSTED` when this
/// moved since it last did.
static POSTS: AtomicU64 = AtomicU64::new(0);
/// Posts kept at most. A thread that ended before its guard was dropped
/// never takes its posts; past this many the oldest go. (A later thread
/// whose state is where the ended one's was takes them instead: it holds
/// nothing of those locks unless it shares them with the guard, which
/// could cost it an entry, never a report.)
const MAX_POSTED: usize = 4096;

/// What a guard keeps of its acquisition: the lock's id mixed with the
/// acquiring thread's salt; `0` when the acquisition was not tracked.
pub(crate) type Hold = u64;

/// A flag a guard's token may add to its hold: its acquisition registered
/// a wait with the watchdog, not ended yet. Ids and salts leave this bit
/// clear; the token takes it off before it gives the hold back.
pub(crate) const WAITING: Hold = 1 << 62;

/// The hold of an acquisition of `id` made here (`0`: not tracked).
#[inline(always)]
pub(super) fn hold_here(t: &ThreadState, id: LockId) -> Hold {
    if id == 0 {
        0
    } else {
        id ^ salt(t)
    }
}

/// [`hold_here`] where the thread's state is not at hand.
#[inline]
pub(super) fn hold(id: LockId) -> Hold {
    THREAD.try_with(|t| hold_here(t, id)).unwrap_or(0)
}

/// The id a hold gives on this thread: the lock's if the guard was taken
/// here, else a value that is no lock's id (see [`released_elsewhere`]);
/// `0` for no hold.
#[inline(always)]
pub(super) fn id_here(t: &ThreadState, hold: Hold) -> LockId {
    if hold == 0 {
        0
    } else {
        hold ^ salt(t)
    }
}

/// [`id_here`] where the thread's state is not at hand (a tokio lock's
/// token keeps the id).
#[cfg(feature = "tokio")]
#[inline]
pub(super) fn id_of(hold: Hold) -> LockId {
    THREAD.try_with(|t| id_here(t, hold)).unwrap_or(0)
}

/// The release of a lock whose id is `real` found no entry of `id` (as
/// [`id_here`] gave it) in this thread's held set: if the guard was taken on
/// another thread, its entry is posted to that thread, and `true` comes
/// back. The caller then flags the lock as maybe in the graph: the
/// entry may have made it a node, and the lock's drop must look.
#[cold]
pub(super) fn released_elsewhere(t: &ThreadState, real: LockId, id: LockId) -> bool {
    if real == id || real == 0 {
        return false;
    }
    // `id` is the hold mixed with this thread's salt: the hold mixed with
    // the real id leaves the acquiring thread's salt.
    let acquirer = id ^ salt(t) ^ real;
    let mut posted = POSTED.lock().unwrap_or_else(PoisonError::into_inner);
    if posted.len() >= MAX_POSTED {
        posted.drain(..MAX_POSTED / 2);
    }
    posted.push((acquirer, real));
    POSTS.fetch_add(1, Ordering::Release);
    true
}

/// Takes this thread's posted entries out of its held set: on the slow
/// path, and before a tokio task's set is put away (see `owner`, `task`).
/// An entry not in the installed set may be in a set put away (the
/// thread's own or a suspended task's, with the `tokio` feature):
/// `stashed` takes it from there.
#[inline]
pub(super) fn take_posted(t: &ThreadState, stashed: fn(LockId)) {
    if POSTS.load(Ordering::Acquire) != t.posts_seen.get() {
        take_posted_cold(t, stashed);
    }
}

#[cold]
#[inline(never)]
fn take_posted_cold(t: &ThreadState, stashed: fn(LockId)) {
    let mine = salt(t);
    let taken: Vec<LockId> = {
        let mut posted = POSTED.lock().unwrap_or_else(PoisonError::into_inner);
        // Read under the list's lock: every post counted is in the list.
        t.posts_seen.set(POSTS.load(Ordering::Acquire));
        let taken = posted.iter().filter(|&&(to, _)| to == mine).map(|&(_, id)| id).collect();
        posted.retain(|&(to, _)| to != mine);
        taken
    };
    for id in taken {
        if t.held.remove(id).is_none() {
            stashed(id);
        }
    }
}
