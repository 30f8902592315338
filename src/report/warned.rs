//! What `Warn` prints, and where: each distinct cycle *of sites* once, on
//! the process's real standard error, with a count of the repeats when the
//! process exits.
//!
//! A cycle is known by its sites (see [`Violation::site_key`]): the places
//! where its locks were made and acquired. The same code path seen again on
//! new lock instances (each test of a suite makes its own locks) is the
//! same cycle, printed once; the handler still sees every violation. The
//! set is as large as the distinct cycles in the code, however many locks
//! are made.
//!
//! `cargo test` captures what a test prints with `eprintln!`; a report
//! written to the standard error stream itself is not captured, so a
//! passing suite run with `LOCKORDER=warn` shows its reports.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use once_cell::sync::Lazy;
use rustc_hash::FxHashMap;

use super::Violation;

/// Printed cycles, by site key, with how many times each was seen.
static WARNED: Lazy<Mutex<FxHashMap<u64, u64>>> = Lazy::new(Default::default);

fn warned() -> MutexGuard<'static, FxHashMap<u64, u64>> {
    WARNED.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Counts `violation`; whether its cycle is seen for the first time (and
/// is to be printed).
pub(super) fn first(violation: &Violation) -> bool {
    let seen = {
        let mut warned = warned();
        let seen = warned.entry(violation.site_key()).or_insert(0);
        *seen += 1;
        *seen
    };
    if seen == 2 {
        summary_at_exit();
    }
    seen == 1
}

/// Writes `text` and a newline to the process's standard error, past any
/// capture of `eprintln!` (the test harness's).
pub(crate) fn to_stderr(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(text.as_bytes()).and_then(|()| stderr.write_all(b"\n"));
}

/// How many distinct cycles `Warn` has seen.
pub(crate) fn len() -> usize {
    warned().len()
}

/// The line printed at exit when cycles were seen again: how many times,
/// and how many cycles; `None` if none was.
fn summary() -> Option<String> {
    let warned = warned();
    let repeated = warned.values().filter(|&&n| n > 1).count();
    let repeats: u64 = warned.values().map(|&n| n - 1).sum();
    (repeats > 0).then(|| {
        format!(
            "lockorder: {repeats} more violation(s) of {repeated} cycle(s) already printed above were not printed \
             again ({} distinct cycle(s) in all)",
            warned.len()
        )
    })
}

/// Registers, once, the printing of [`summary`] when the process exits.
fn summary_at_exit() {
    static REGISTERED: AtomicBool = AtomicBool::new(false);
    if REGISTERED.swap(true, Ordering::AcqRel) {
        return;
    }
    #[cfg(not(miri))]
    {
        extern "C" fn print_summary() {
            if let Some(line) = summary() {
                to_stderr(&line);
            }
        }
        extern "C" {
            fn atexit(callback: extern "C" fn()) -> std::os::raw::c_int;
        }
        // SAFETY: `atexit` is the C library's (on every platform std
        // supports); `print_summary` is a plain function with the C ABI,
        // valid for the life of the process, that unwinds nowhere (writes
        // are errors ignored, the map's lock recovers from poisoning).
        unsafe {
            atexit(print_summary);
        }
    }
}
