//! Counts of what the global lock-order graph holds.

/// A snapshot of the size of the global lock-order graph.
///
/// Locks that were only ever acquired innermost (leaves) and locks that
/// were never nested are not in the graph; a dropped lock leaves it.
///
/// # Examples
///
/// ```
/// let before = lockorder::stats();
/// {
///     let a = lockorder::sync::Mutex::new(());
///     let b = lockorder::sync::Mutex::new(());
///     let _a = a.lock().unwrap();
///     let _b = b.lock().unwrap();
/// }
/// // Both locks are dropped: nothing of them stays in the graph.
/// assert!(lockorder::stats().edges <= before.edges + 1);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Locks with a node in the graph.
    pub nodes: usize,
    /// Recorded orders between live locks.
    pub edges: usize,
}

/// The current size of the global lock-order graph (all zero when tracking
/// is compiled out).
///
/// # Examples
///
/// See [`Stats`].
pub fn stats() -> Stats {
    #[cfg(lockorder_tracking)]
    {
        let (nodes, edges) = crate::engine::graph_size();
        Stats { nodes, edges }
    }
    #[cfg(not(lockorder_tracking))]
    Stats::default()
}

/// Whether tracking is compiled in: `true` with debug assertions or the
/// `force` feature.
///
/// # Examples
///
/// ```
/// if !lockorder::enabled() {
///     // Nothing is recorded: the graph stays empty.
///     assert_eq!(lockorder::stats(), lockorder::Stats::default());
/// }
/// ```
pub const fn enabled() -> bool {
    cfg!(lockorder_tracking)
}

/// How many cycles the `Warn` policy remembers having printed (for tests
/// of memory behaviour); not part of the API.
#[doc(hidden)]
pub fn __warned_len() -> usize {
    crate::report::warned_len()
}

/// How many waits the watchdog's table holds (for tests that every wait
/// leaves it); not part of the API.
#[doc(hidden)]
pub fn __watched_waits() -> usize {
    #[cfg(lockorder_tracking)]
    return crate::engine::watchdog::waits_len();
    #[cfg(not(lockorder_tracking))]
    0
}
