//! A tracked [`std::sync::Barrier`].

use std::fmt;
use std::sync::BarrierWaitResult;

use crate::tracked::{PseudoLock, WaitKind};

/// A barrier whose waits are checked against the locks their threads
/// hold: a drop-in for [`std::sync::Barrier`].
///
/// A thread at [`wait`](Barrier::wait) waits for the other threads to
/// arrive: the wait is a node of the lock-order graph (reported as "the
/// other threads at the barrier made at" the barrier's creation site),
/// each lock the thread holds is ordered before it, a cycle through it is
/// reported before the thread blocks, and the
/// [watchdog](crate::watchdog) sees a thread blocked at the barrier.
///
/// An arrival completes nothing: a thread arrives in the same call, under
/// the same locks, as it waits, so ordering the barrier before the locks
/// of every arriving thread would make each thread that holds a lock of its
/// own at the barrier look like a cycle with the others. What is not
/// found, then: a thread that waits at the barrier holding a lock that
/// another thread must take before it arrives.
///
/// # Examples
///
/// ```
/// use lockorder::sync::Barrier;
/// use std::sync::Arc;
///
/// let barrier = Arc::new(Barrier::new(3));
/// let handles: Vec<_> = (0..3)
///     .map(|_| {
///         let barrier = Arc::clone(&barrier);
///         std::thread::spawn(move || barrier.wait().is_leader())
///     })
///     .collect();
/// let leaders = handles.into_iter().map(|h| h.join().unwrap()).filter(|&l| l).count();
/// assert_eq!(leaders, 1);
/// ```
pub struct Barrier {
    arrival: PseudoLock,
    inner: std::sync::Barrier,
}

impl Barrier {
    /// Creates a barrier that blocks `n` threads and releases them all
    /// once the `n`th arrives (a barrier of 0 or 1 never blocks). Reports
    /// name its wait by the caller's location.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::sync::Barrier;
    ///
    /// static START: Barrier = Barrier::new(1);
    /// assert!(START.wait().is_leader());
    /// ```
    #[must_use]
    #[track_caller]
    #[inline]
    pub const fn new(n: usize) -> Barrier {
        Barrier { arrival: PseudoLock::new(WaitKind::Barrier), inner: std::sync::Barrier::new(n) }
    }

    /// Blocks until every thread of the barrier has arrived, then returns;
    /// exactly one of the threads released together gets a leader
    /// [`BarrierWaitResult`].
    ///
    /// Before blocking, the wait is checked against the locks this thread
    /// holds, as an acquisition is.
    ///
    /// # Panics
    ///
    /// Under the default policy, if the wait closes a cycle with the locks
    /// this thread holds.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::sync::Barrier;
    ///
    /// let barrier = Barrier::new(2);
    /// let leaders = std::thread::scope(|s| {
    ///     let other = s.spawn(|| barrier.wait().is_leader());
    ///     usize::from(barrier.wait().is_leader()) + usize::from(other.join().unwrap())
    /// });
    /// assert_eq!(leaders, 1);
    /// ```
    #[track_caller]
    pub fn wait(&self) -> BarrierWaitResult {
        let _waiting = self.arrival.wait();
        self.inner.wait()
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}
