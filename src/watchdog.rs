//! A watchdog for hangs that happen anyway.
//!
//! The lock-order graph reports a deadlock before it can happen; some hang
//! all the same: under [`Policy::Warn`](crate::Policy) or `Ignore`, or
//! where the graph cannot judge (a tokio task waiting for a lock it holds
//! itself, which another of its futures might have held). Armed, the
//! watchdog notices any thread or task that has waited longer than its
//! timeout for a tracked lock (`lock`, `read`, `write`, and their async
//! forms), and prints who waits for what, where each waiter acquired the
//! locks it holds, and the chain of waits it hangs on: the lock's holder,
//! what that holder waits for, and so on, a cycle marked as an actual
//! deadlock. Then, unless told to go on, it exits the process with
//! [`EXIT_STATUS`], so that a CI job fails with a report instead of running
//! into its timeout.
//!
//! Arm it from the environment, with no code change:
//! `LOCKORDER_WATCHDOG=<seconds>` (exit after a report) or
//! `LOCKORDER_WATCHDOG=<seconds>,report` (report each wait once and go
//! on), read at the process's first lock acquisition; or with [`start`] or
//! [`start_reporting`]. Disarmed, the default, an acquisition pays one
//! relaxed load of a flag. Armed, every acquisition that may wait takes a
//! global lock twice to register its wait: it is a mode for test runs.
//!
//! A report looks like this (two threads in an ABBA that `Ignore` let go):
//!
//! ```text
//! lockorder watchdog: a wait has lasted 1s or more
//!
//!   thread `t1` has waited 1.2s to lock accounts (at src/bank.rs:40:25)
//!       holding ledger (lock, acquired at src/bank.rs:39:25)
//!       accounts is held by thread `t2` (acquired at src/bank.rs:52:25), which waits too:
//!   thread `t2` has waited 1.2s to lock ledger (at src/bank.rs:53:25)
//!       holding accounts (lock, acquired at src/bank.rs:52:25)
//!       ledger is held by thread `t1` (acquired at src/bank.rs:39:25)
//!
//!   *** DEADLOCK: thread `t1` waits for accounts -> thread `t2` waits for ledger -> held by thread `t1` ***
//! lockorder watchdog: exiting with status 86
//! ```
//!
//! Waits for things other than locks (joins, channels, condition
//! variables) are not watched yet. Without tracking (release builds
//! without `force`) there is nothing to watch and these functions do
//! nothing.

use std::time::Duration;

/// The exit status of a process the watchdog ends.
pub const EXIT_STATUS: i32 = 86;

/// Arms the watchdog: a wait for a tracked lock that lasts `timeout` is
/// reported, and the process exits with [`EXIT_STATUS`].
///
/// The first call (or `LOCKORDER_WATCHDOG`) arms it for the life of the
/// process; later calls change nothing. Returns whether this call armed
/// it.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// // In a test harness's setup: a hang becomes a report within a minute.
/// lockorder::watchdog::start(Duration::from_secs(60));
/// let m = lockorder::sync::Mutex::new(1);
/// assert_eq!(*m.lock().unwrap(), 1);
/// ```
pub fn start(timeout: Duration) -> bool {
    arm(timeout, true)
}

/// [`start`], but the watchdog goes on after a report (each wait is
/// reported once).
///
/// # Examples
///
/// ```
/// lockorder::watchdog::start_reporting(std::time::Duration::from_secs(30));
/// ```
pub fn start_reporting(timeout: Duration) -> bool {
    arm(timeout, false)
}

/// Arms the watchdog, to exit after a report or not; without tracking,
/// nothing.
fn arm(timeout: Duration, exit: bool) -> bool {
    #[cfg(lockorder_tracking)]
    {
        use crate::engine::watchdog::{start, Action};
        start(timeout, if exit { Action::Exit } else { Action::Report })
    }
    #[cfg(not(lockorder_tracking))]
    {
        let _ = (timeout, exit);
        false
    }
}

#[cfg(lockorder_tracking)]
const _: () = assert!(EXIT_STATUS == crate::engine::watchdog::EXIT_STATUS);
