//! [`TrackedGuard`]: the one place that orders a guard's release of its
//! tracking and the unlock of the wrapped lock, for every backend.
//!
//! Invariant: a guard finishes all its tracking work (taking the lock out
//! of the held set, writing flags into the lock's tracking state) *before*
//! the wrapped guard unlocks, and touches nothing of the lock after. std
//! promises that the unlock is a guard's last access to the lock, and code
//! relies on it: a waiter that wakes, sees its flag and frees the mutex at
//! once (a latch on the waiter's stack, "self-synchronizing deallocation").
//! Every guard of the crate keeps its wrapped guard and its token in a
//! `TrackedGuard`, whose `Drop` is the only code that ends both; code that
//! takes the two apart ([`TrackedGuard::into_parts`]) says why its order is
//! sound where it does.

use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};

/// A wrapped lock's guard `G` and the tracking token `K` that says this
/// thread (or task) holds the lock. Dereferences to `G`.
pub(crate) struct TrackedGuard<G, K> {
    token: ManuallyDrop<K>,
    guard: ManuallyDrop<G>,
}

// The lock_api and tokio guards use the pair's maps and parts.
#[cfg_attr(not(any(feature = "lock_api", feature = "tokio")), allow(dead_code))]
impl<G, K> TrackedGuard<G, K> {
    /// Pairs `guard` with its `token`.
    #[inline(always)]
    pub(crate) fn new(guard: G, mut token: K) -> Self
    where
        K: Release,
    {
        token.wait_over();
        Self::pair(guard, token)
    }

    /// Pairs `guard` with `token` again, after a map of the guard.
    #[inline(always)]
    fn pair(guard: G, token: K) -> Self {
        TrackedGuard { token: ManuallyDrop::new(token), guard: ManuallyDrop::new(guard) }
    }

    /// The token, to change how the lock is held while it stays locked.
    #[inline]
    pub(crate) fn token_mut(&mut self) -> &mut K {
        &mut self.token
    }

    /// The guard and the token at once, for a method of the wrapped guard
    /// that gets a closure which changes the token (lock_api's `unlocked`).
    #[cfg_attr(not(feature = "lock_api"), allow(dead_code))]
    #[inline]
    pub(crate) fn parts_mut(&mut self) -> (&mut G, &mut K) {
        (&mut self.guard, &mut self.token)
    }

    /// Takes the pair apart. The caller must drop the token (or make its
    /// release touch nothing of the lock) before the guard unlocks.
    #[inline]
    pub(crate) fn into_parts(self) -> (K, G) {
        let mut this = ManuallyDrop::new(self);
        // SAFETY: `this` is never dropped, so each field is taken out
        // exactly once and not used again.
        unsafe { (ManuallyDrop::take(&mut this.token), ManuallyDrop::take(&mut this.guard)) }
    }

    /// Ends the tracking, then hands the guard to `unlock` (an unlock
    /// other than dropping it, such as `unlock_fair`).
    #[cfg_attr(not(feature = "lock_api"), allow(dead_code))]
    #[inline]
    pub(crate) fn unlock_with(self, unlock: impl FnOnce(G)) {
        let (token, guard) = self.into_parts();
        drop(token);
        unlock(guard);
    }

    /// Replaces the guard by `map(guard)` (a mapped guard of the same
    /// lock), keeping the token. Should `map` unwind, the guard it was
    /// given unlocks inside it; `map` must then have released the token
    /// first, through the [`ReleaseOnUnwind`] it gets.
    #[inline]
    pub(crate) fn map<H>(self, map: impl FnOnce(G, ReleaseOnUnwind<'_, K>) -> H) -> TrackedGuard<H, K> {
        let (mut token, guard) = self.into_parts();
        let mapped = map(guard, ReleaseOnUnwind(&mut token));
        TrackedGuard::pair(mapped, token)
    }

    /// [`map`](Self::map) when `map` may give the guard back unchanged
    /// (`Err`).
    #[inline]
    pub(crate) fn try_map<H>(
        self,
        map: impl FnOnce(G, ReleaseOnUnwind<'_, K>) -> Result<H, G>,
    ) -> Result<TrackedGuard<H, K>, Self> {
        self.try_map_with(|guard, on_unwind| map(guard, on_unwind).map_err(|guard| (guard, ())))
            .map_err(|(this, ())| this)
    }

    /// [`try_map`](Self::try_map) when `map` gives a value of its own with
    /// the guard it gives back.
    #[inline]
    pub(crate) fn try_map_with<H, E>(
        self,
        map: impl FnOnce(G, ReleaseOnUnwind<'_, K>) -> Result<H, (G, E)>,
    ) -> Result<TrackedGuard<H, K>, (Self, E)> {
        let (mut token, guard) = self.into_parts();
        match map(guard, ReleaseOnUnwind(&mut token)) {
            Ok(mapped) => Ok(TrackedGuard::pair(mapped, token)),
            Err((guard, e)) => Err((TrackedGuard::pair(guard, token), e)),
        }
    }
}

impl<G, K> Drop for TrackedGuard<G, K> {
    #[inline(always)]
    fn drop(&mut self) {
        // SAFETY: each field is dropped exactly once, here, and the struct
        // is not used after. The token goes first: all tracking work ends
        // while the lock is still held. The guard's drop is the unlock, the
        // last access to the lock.
        unsafe {
            ManuallyDrop::drop(&mut self.token);
            ManuallyDrop::drop(&mut self.guard);
        }
    }
}

impl<G, K> Deref for TrackedGuard<G, K> {
    type Target = G;

    #[inline(always)]
    fn deref(&self) -> &G {
        &self.guard
    }
}

impl<G, K> DerefMut for TrackedGuard<G, K> {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut G {
        &mut self.guard
    }
}

/// Given to code that runs a user's closure inside the wrapped lock's own
/// method (a map's projection, a condition variable's condition), where an
/// unwinding closure makes that method unlock: [`run`](Self::run) calls the
/// closure and, if it unwinds, releases the token before the unwinding
/// reaches the unlock.
pub(crate) struct ReleaseOnUnwind<'t, K>(&'t mut K);

impl<'t, K> ReleaseOnUnwind<'t, K> {
    /// Guards `token` while it is apart from its guard.
    #[inline(always)]
    pub(crate) fn new(token: &'t mut K) -> Self {
        ReleaseOnUnwind(token)
    }
}

impl<K: Release> ReleaseOnUnwind<'_, K> {
    /// Runs `f`; should it unwind, the token is released first.
    #[inline(always)]
    pub(crate) fn run<R>(&mut self, f: impl FnOnce() -> R) -> R {
        let armed = Armed(&mut *self.0);
        let out = f();
        std::mem::forget(armed);
        out
    }
}

struct Armed<'t, K: Release>(&'t mut K);

impl<K: Release> Drop for Armed<'_, K> {
    fn drop(&mut self) {
        // Only reached while `f` unwinds.
        self.0.release();
    }
}

/// A token that can end its tracking in place: after `release`, dropping
/// it does nothing.
pub(crate) trait Release {
    /// Takes the lock out of the held set now.
    fn release(&mut self);

    /// The wrapped lock is taken: a wait registered with the watchdog for
    /// it is over.
    #[inline(always)]
    fn wait_over(&mut self) {}
}
