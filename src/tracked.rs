//! The tracked lock core shared by every wrapper: a [`LockTracker`] field in
//! each lock and a [`HeldToken`] in each guard, paired with the wrapped
//! guard in a [`TrackedGuard`].
//!
//! Invariant: a guard's tracking work, reads and writes of the lock's
//! tracking state included, ends before the wrapped lock is released, and
//! nothing of the lock is touched after. [`TrackedGuard`]'s `Drop` is the
//! one place that orders the two for every backend.
//!
//! A lock_api or tokio guard keeps its lock in a `LockRef`: a pointer to
//! it with tracking; without, nothing, and the lock is found from the one
//! the wrapped guard locks (`Wrapper`), so that the guard has the wrapped
//! guard's size.
//!
//! This is the one place where tracking is switched on or off: with the
//! `lockorder_tracking` cfg off (release builds without the `force`
//! feature) both types are zero-sized and every method is empty, so a
//! wrapper costs exactly what the lock it wraps costs.
//!
//! Where the tracking code runs: in optimized builds the fast paths are
//! inlined into the caller. With debug assertions the tracker's entry
//! points are kept out of line instead, so that they run as lockorder was
//! compiled: a test build that sets `[profile.dev.package.lockorder]
//! opt-level = 3` gets optimized tracking inside unoptimized code.

#[cfg(not(lockorder_tracking))]
use std::marker::PhantomData;
use std::panic::Location;

mod guard;
mod pseudo;
#[cfg(feature = "tokio")]
mod task;
#[cfg(feature = "tokio")]
mod task_token;
#[cfg(any(feature = "lock_api", feature = "tokio"))]
mod wrapper;

pub(crate) use self::guard::{Release, ReleaseOnUnwind, TrackedGuard};
pub(crate) use self::pseudo::{PseudoLock, WaitKind};
#[cfg(feature = "tokio")]
pub(crate) use self::task::TaskSet;
#[cfg(feature = "tokio")]
pub(crate) use self::task_token::{Checked, TaskToken};
#[cfg(any(feature = "lock_api", feature = "tokio"))]
pub(crate) use self::wrapper::{wrapper, LockRef, Wrapper};
pub(crate) use crate::engine::Access;
#[cfg(lockorder_tracking)]
use crate::engine::{self, LockState};
use crate::report::LockInfo;
use crate::LockClass;

/// The tracking field of a lock.
///
/// Laid out so that a new lock is cheap to move: the fields that start at
/// zero come first, 32 bytes that a construction writes in two aligned
/// 16-byte stores, which the 16-byte loads of a copy right after can take
/// from the store buffer (a load spanning two stores waits instead).
#[repr(C)]
pub(crate) struct LockTracker {
    #[cfg(lockorder_tracking)]
    state: LockState,
    #[cfg(lockorder_tracking)]
    info: LockInfo,
}

// The layout described above: the state's three words, then the info,
// whose first word is its class.
#[cfg(lockorder_tracking)]
const _: () = assert!(
    std::mem::size_of::<LockState>() == 24
        && std::mem::offset_of!(LockTracker, info) == 24
        && crate::report::LockInfo::CLASS_OFFSET == 0
);

impl LockTracker {
    /// A tracker for a lock created at the caller's location.
    #[track_caller]
    #[inline]
    pub(crate) const fn new(name: Option<&'static str>) -> Self {
        #[cfg(lockorder_tracking)]
        return LockTracker { state: LockState::new(), info: LockInfo::new(name, Location::caller()) };
        #[cfg(not(lockorder_tracking))]
        {
            let _ = name;
            LockTracker {}
        }
    }

    /// A tracker for a lock of the named class `class`, created at the
    /// caller's location.
    #[track_caller]
    #[inline]
    pub(crate) const fn in_class(name: Option<&'static str>, class: &'static LockClass) -> Self {
        #[cfg(lockorder_tracking)]
        return LockTracker { state: LockState::new(), info: LockInfo::new(name, Location::caller()).in_class(class) };
        #[cfg(not(lockorder_tracking))]
        {
            let _ = (name, class);
            LockTracker {}
        }
    }

    /// Puts the lock in no class: for a lock made by `Default` or `From`,
    /// whose caller's location is no creation site worth a class (see
    /// `UNCLASSED` in `report::lock_info`).
    #[inline]
    #[cfg_attr(not(lockorder_tracking), allow(unused_mut))]
    pub(crate) fn unclassed(mut self) -> Self {
        #[cfg(lockorder_tracking)]
        {
            self.info = self.info.unclassed();
        }
        self
    }

    /// How reports name this lock. Without tracking, the creation site is
    /// not kept and this is the site of this call.
    #[track_caller]
    pub(crate) fn info(&self) -> LockInfo {
        #[cfg(lockorder_tracking)]
        return self.info;
        #[cfg(not(lockorder_tracking))]
        LockInfo::new(None, std::panic::Location::caller())
    }

    /// Records an acquisition that is about to block; reports a potential
    /// deadlock before returning.
    #[track_caller]
    #[cfg_attr(debug_assertions, inline(never))]
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub(crate) fn acquire(&self, access: Access) -> HeldToken<'_> {
        #[cfg(lockorder_tracking)]
        {
            let hold = engine::acquire(&self.state, &self.info, access);
            let hold = self.about_to_wait(hold, access, Location::caller());
            HeldToken { tracker: self, hold }
        }
        #[cfg(not(lockorder_tracking))]
        {
            let _ = access;
            HeldToken { lock: PhantomData }
        }
    }

    /// Records an access that cannot wait, to a once-cell already set: its
    /// orders are checked and recorded as an acquisition's, so that an
    /// order that would deadlock in a run where the cell is not set yet is
    /// reported, but nothing is held and the watchdog sees no wait. Once
    /// the orders are known, this is a probe of the thread's cache (none
    /// when nothing is held).
    #[track_caller]
    #[inline]
    pub(crate) fn touch(&self, access: Access) {
        #[cfg(lockorder_tracking)]
        engine::touch(&self.state, &self.info, access);
        #[cfg(not(lockorder_tracking))]
        let _ = access;
    }

    /// Registers the wait that follows an acquisition's check with the
    /// watchdog, when it is armed (one relaxed load when it is not), and
    /// flags `hold` with it. The guard's [`TrackedGuard::new`] (or the
    /// token's drop) ends it: a look at the flag, no second load.
    #[cfg(lockorder_tracking)]
    #[inline(always)]
    fn about_to_wait(&self, hold: engine::Hold, access: Access, site: &'static Location<'static>) -> engine::Hold {
        if engine::watchdog::armed() {
            engine::watchdog::begin_blocking(self.state.id(), &self.info, access, site);
            return hold | engine::WAITING;
        }
        hold
    }

    /// [`LockTracker::acquire`] made at `site`, for a wait that cannot
    /// forward `#[track_caller]` (it runs in a closure).
    pub(crate) fn acquire_at(&self, access: Access, site: &'static Location<'static>) -> HeldToken<'_> {
        #[cfg(lockorder_tracking)]
        {
            let hold = engine::acquire_nested_at(&self.state, &self.info, access, 0, site);
            let hold = self.about_to_wait(hold, access, site);
            HeldToken { tracker: self, hold }
        }
        #[cfg(not(lockorder_tracking))]
        {
            let _ = (access, site);
            HeldToken { lock: PhantomData }
        }
    }

    /// [`LockTracker::acquire`] at nesting level `subclass` of the lock's
    /// class.
    #[track_caller]
    #[cfg_attr(debug_assertions, inline(never))]
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub(crate) fn acquire_nested(&self, access: Access, subclass: u8) -> HeldToken<'_> {
        #[cfg(lockorder_tracking)]
        {
            let hold = engine::acquire_nested(&self.state, &self.info, access, subclass);
            let hold = self.about_to_wait(hold, access, Location::caller());
            HeldToken { tracker: self, hold }
        }
        #[cfg(not(lockorder_tracking))]
        {
            let _ = (access, subclass);
            HeldToken { lock: PhantomData }
        }
    }

    /// A token for a lock this thread holds through a forgotten guard (see
    /// [`engine::adopt`]), for lock_api's `make_guard_unchecked`.
    #[cfg_attr(not(feature = "lock_api"), allow(dead_code))]
    #[track_caller]
    pub(crate) fn adopt(&self, access: Access) -> HeldToken<'_> {
        #[cfg(lockorder_tracking)]
        return HeldToken { tracker: self, hold: engine::adopt(&self.state, self.info, access) };
        #[cfg(not(lockorder_tracking))]
        {
            let _ = access;
            HeldToken { lock: PhantomData }
        }
    }

    /// Takes the lock out of this thread's held set without a token: its
    /// guard was forgotten and it is being unlocked (`force_unlock`).
    #[cfg_attr(not(feature = "lock_api"), allow(dead_code))]
    pub(crate) fn release_forgotten(&self) {
        #[cfg(lockorder_tracking)]
        engine::release_forgotten(&self.state);
    }

    /// [`LockTracker::acquired`] made at `site`.
    pub(crate) fn acquired_at(&self, access: Access, site: &'static Location<'static>) -> HeldToken<'_> {
        #[cfg(lockorder_tracking)]
        return HeldToken { tracker: self, hold: engine::acquired_nested_at(&self.state, &self.info, access, 0, site) };
        #[cfg(not(lockorder_tracking))]
        {
            let _ = (access, site);
            HeldToken { lock: PhantomData }
        }
    }

    /// Records a successful non-blocking acquisition.
    #[track_caller]
    #[cfg_attr(debug_assertions, inline(never))]
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub(crate) fn acquired(&self, access: Access) -> HeldToken<'_> {
        #[cfg(lockorder_tracking)]
        return HeldToken { tracker: self, hold: engine::acquired(&self.state, &self.info, access) };
        #[cfg(not(lockorder_tracking))]
        {
            let _ = access;
            HeldToken { lock: PhantomData }
        }
    }
}

#[cfg(lockorder_tracking)]
impl Drop for LockTracker {
    #[cfg_attr(debug_assertions, inline(never))]
    #[cfg_attr(not(debug_assertions), inline)]
    fn drop(&mut self) {
        engine::dropped(&self.state);
    }
}

impl std::fmt::Debug for LockTracker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LockTracker")
    }
}

/// Proof, kept in a guard, that the lock is in the held set of the thread
/// that took it. Dropping it takes the lock out of that set: at once on
/// that thread, through a post to it from any other (see `engine::Hold`).
#[must_use]
pub(crate) struct HeldToken<'a> {
    #[cfg(lockorder_tracking)]
    tracker: &'a LockTracker,
    /// The lock's id mixed with the acquiring thread's salt (see
    /// `engine::Hold`), so that a release on another thread is told apart;
    /// `0` when the acquisition was not tracked. While the acquisition's
    /// wait is registered with the watchdog, it carries `engine::WAITING`
    /// too, which [`Release::wait_over`] takes off before any release.
    #[cfg(lockorder_tracking)]
    hold: engine::Hold,
    #[cfg(not(lockorder_tracking))]
    lock: PhantomData<&'a LockTracker>,
}

impl<'a> HeldToken<'a> {
    /// `f`, made to release this token as it returns or unwinds: for a
    /// once-cell, whose completion comes after `f`, inside the wrapped
    /// cell's method, and may let a waiter free the cell. The completion is
    /// the cell's unlock; nothing of the cell is touched after it.
    #[inline]
    pub(crate) fn released_after<R, F: FnOnce() -> R>(self, f: F) -> impl FnOnce() -> R + use<'a, R, F> {
        move || {
            let _released_after_f = self;
            f()
        }
    }

    /// Takes the lock out of the held set and records its re-acquisition
    /// with the caller's location: for a condition variable's wait, which
    /// unlocks and relocks the mutex while other locks stay held.
    #[track_caller]
    pub(crate) fn relock(&mut self) {
        self.relock_as(Access::Lock);
    }

    /// [`relock`](Self::relock) as `access`: also for a transition that
    /// waits, such as upgrading an upgradable read to a write.
    #[track_caller]
    pub(crate) fn relock_as(&mut self, access: Access) {
        #[cfg(lockorder_tracking)]
        {
            engine::release(&self.tracker.state, self.hold);
            // Released: if the check below panics, dropping this token
            // must not release another entry of the same lock.
            self.hold = 0;
            self.hold = engine::acquire(&self.tracker.state, &self.tracker.info, access);
        }
        #[cfg(not(lockorder_tracking))]
        let _ = access;
    }

    /// Changes how the lock is held without waiting (a downgrade): no order
    /// is recorded, and the held entry's site becomes the caller's.
    #[cfg_attr(not(any(feature = "lock_api", lockorder_downgrade)), allow(dead_code))]
    #[track_caller]
    pub(crate) fn retag(&mut self, access: Access) {
        #[cfg(lockorder_tracking)]
        {
            engine::release(&self.tracker.state, self.hold);
            self.hold = 0;
            self.hold = engine::acquired(&self.tracker.state, &self.tracker.info, access);
        }
        #[cfg(not(lockorder_tracking))]
        let _ = access;
    }

    /// Takes the lock out of the held set until [`reacquire_at`] or
    /// [`resume`]: for a guard's `unlocked`, which runs a closure with the
    /// lock released, and a condition variable's wait.
    ///
    /// [`reacquire_at`]: Self::reacquire_at
    /// [`resume`]: Self::resume
    pub(crate) fn suspend(&mut self) {
        #[cfg(lockorder_tracking)]
        {
            engine::release(&self.tracker.state, self.hold);
            self.hold = 0;
        }
    }

    /// Checks and records the re-acquisition, at the caller, of a mutex
    /// taken out of the held set by [`suspend`](Self::suspend).
    #[track_caller]
    pub(crate) fn resume(&mut self) {
        #[cfg(lockorder_tracking)]
        {
            self.hold = engine::acquire(&self.tracker.state, &self.tracker.info, Access::Lock);
        }
    }

    /// Records the re-acquisition, at `site`, of a lock taken out of the
    /// held set by [`suspend`](Self::suspend).
    #[cfg_attr(not(feature = "lock_api"), allow(dead_code))]
    pub(crate) fn reacquire_at(&mut self, access: Access, site: &'static Location<'static>) {
        #[cfg(lockorder_tracking)]
        {
            self.hold = engine::acquire_at(&self.tracker.state, self.tracker.info, access, site);
        }
        #[cfg(not(lockorder_tracking))]
        let _ = (access, site);
    }
}

impl Release for HeldToken<'_> {
    #[inline(always)]
    fn wait_over(&mut self) {
        #[cfg(lockorder_tracking)]
        if self.hold & engine::WAITING != 0 {
            self.hold &= !engine::WAITING;
            engine::watchdog::end_blocking();
        }
    }

    #[inline(always)]
    fn release(&mut self) {
        #[cfg(lockorder_tracking)]
        {
            engine::release(&self.tracker.state, self.hold);
            self.hold = 0;
        }
    }
}

/// The guard of a lock whose token is a [`HeldToken`].
pub(crate) type Guard<'a, G> = TrackedGuard<G, HeldToken<'a>>;

#[cfg(lockorder_tracking)]
impl Drop for HeldToken<'_> {
    #[cfg_attr(debug_assertions, inline(never))]
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn drop(&mut self) {
        // A wait given up (a timed acquisition that timed out) ends here.
        self.wait_over();
        engine::release(&self.tracker.state, self.hold);
    }
}

impl std::fmt::Debug for HeldToken<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HeldToken")
    }
}
