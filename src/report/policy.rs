//! What happens when a violation is found: the handler, then the policy.
//!
//! Invariant: nothing here runs under one of the engine's internal locks;
//! the engine builds the [`Violation`] first, releases everything, and only
//! then calls [`raise`].

use std::fmt;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use once_cell::sync::Lazy;

use super::{warned, Violation, ViolationKind};

/// What to do when an acquisition would close a cycle.
///
/// Set it with [`set_policy`] or, without recompiling, with the environment
/// variable `LOCKORDER=panic|warn|ignore`, read once at first use.
///
/// # Examples
///
/// ```
/// use lockorder::Policy;
///
/// assert_eq!("warn".parse::<Policy>(), Ok(Policy::Warn));
/// assert_eq!(Policy::default(), Policy::Panic);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Policy {
    /// Panic with the report, at the acquisition call, before blocking.
    #[default]
    Panic,
    /// Print each distinct cycle once to stderr and go on.
    Warn,
    /// Do nothing beyond calling the handler, if one is set.
    Ignore,
}

/// The error of parsing a [`Policy`] from a string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsePolicyError {
    given: String,
}

impl fmt::Display for ParsePolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown lockorder policy `{}` (accepted: panic, warn, ignore)", self.given)
    }
}

impl std::error::Error for ParsePolicyError {}

impl FromStr for Policy {
    type Err = ParsePolicyError;

    fn from_str(s: &str) -> Result<Policy, ParsePolicyError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "panic" => Ok(Policy::Panic),
            "warn" => Ok(Policy::Warn),
            "ignore" => Ok(Policy::Ignore),
            _ => Err(ParsePolicyError { given: s.to_owned() }),
        }
    }
}

/// A policy set at run time, else read once from an environment variable.
struct Setting {
    set: AtomicU8,
    from_env: Lazy<Policy>,
}

const UNSET: u8 = u8::MAX;

impl Setting {
    fn get(&self) -> Policy {
        match self.set.load(Ordering::Relaxed) {
            0 => Policy::Panic,
            1 => Policy::Warn,
            2 => Policy::Ignore,
            _ => *self.from_env,
        }
    }

    fn set(&self, policy: Policy) {
        self.set.store(policy as u8, Ordering::Relaxed);
    }
}

/// `var`'s policy, or `default` (with a one-line warning if `var` holds
/// something else than a policy).
fn from_env(var: &str, default: Policy) -> Policy {
    match std::env::var(var) {
        Err(_) => default,
        Ok(value) => value.parse().unwrap_or_else(|e: ParsePolicyError| {
            eprintln!("lockorder: {e}; {var} ignored, using `{}`", format!("{default:?}").to_lowercase());
            default
        }),
    }
}

static POLICY: Setting =
    Setting { set: AtomicU8::new(UNSET), from_env: Lazy::new(|| from_env("LOCKORDER", Policy::Panic)) };
static CLASS_POLICY: Setting =
    Setting { set: AtomicU8::new(UNSET), from_env: Lazy::new(|| from_env("LOCKORDER_CLASSES", Policy::Warn)) };

/// Sets the policy for every thread, overriding `LOCKORDER`.
///
/// # Examples
///
/// ```
/// lockorder::set_policy(lockorder::Policy::Warn);
/// assert_eq!(lockorder::policy(), lockorder::Policy::Warn);
/// # lockorder::set_policy(lockorder::Policy::Panic);
/// ```
pub fn set_policy(policy: Policy) {
    POLICY.set(policy);
}

/// The policy in force: the last [`set_policy`], else `LOCKORDER`, else
/// [`Policy::Panic`].
///
/// # Examples
///
/// ```
/// let _current: lockorder::Policy = lockorder::policy();
/// ```
pub fn policy() -> Policy {
    POLICY.get()
}

/// Sets the policy of class-order inversions (see
/// [`ViolationKind::ClassOrderInversion`](crate::ViolationKind)) for every
/// thread, overriding `LOCKORDER_CLASSES`.
///
/// # Examples
///
/// ```
/// lockorder::set_class_policy(lockorder::Policy::Ignore);
/// assert_eq!(lockorder::class_policy(), lockorder::Policy::Ignore);
/// # lockorder::set_class_policy(lockorder::Policy::Warn);
/// ```
pub fn set_class_policy(policy: Policy) {
    CLASS_POLICY.set(policy);
}

/// The policy of class-order inversions: the last [`set_class_policy`],
/// else `LOCKORDER_CLASSES=panic|warn|ignore`, else [`Policy::Warn`].
///
/// # Examples
///
/// ```
/// let _current: lockorder::Policy = lockorder::class_policy();
/// ```
pub fn class_policy() -> Policy {
    CLASS_POLICY.get()
}

/// The policy that applies to violations of `kind`.
fn policy_for(kind: ViolationKind) -> Policy {
    match kind {
        ViolationKind::ClassOrderInversion => class_policy(),
        _ => policy(),
    }
}

type Handler = Arc<dyn Fn(&Violation) + Send + Sync>;
static HANDLER: RwLock<Option<Handler>> = RwLock::new(None);
/// Whether `HANDLER` holds one, readable without taking its lock.
static HANDLER_SET: AtomicBool = AtomicBool::new(false);

/// Calls `handler` with every violation, before the policy acts.
///
/// The handler runs on the thread that found the violation, under no lock of
/// lockorder's; locks it takes are not tracked. A panic in the handler
/// propagates to the acquisition that raised the violation, except where a
/// panic would abort the process, the places where lockorder itself does
/// not panic: while the thread is unwinding from another panic, and in a
/// thread-local's destructor. There the handler runs under
/// [`catch_unwind`](std::panic::catch_unwind): its panic is noted on
/// stderr and goes no further, and the policy then acts as usual (`Panic`
/// prints the report).
///
/// # Examples
///
/// ```
/// lockorder::set_handler(|violation| eprintln!("{}", violation.kind() as u8));
/// lockorder::clear_handler();
/// ```
pub fn set_handler<F>(handler: F)
where
    F: Fn(&Violation) + Send + Sync + 'static,
{
    let mut slot = HANDLER.write().unwrap_or_else(PoisonError::into_inner);
    *slot = Some(Arc::new(handler));
    HANDLER_SET.store(true, Ordering::Relaxed);
}

/// Removes the handler set by [`set_handler`].
///
/// # Examples
///
/// ```
/// lockorder::clear_handler();
/// ```
pub fn clear_handler() {
    let mut slot = HANDLER.write().unwrap_or_else(PoisonError::into_inner);
    *slot = None;
    HANDLER_SET.store(false, Ordering::Relaxed);
}

/// Whether a violation found now would be seen by anyone: building a report
/// (with a search for its cycle's records) is skipped when nobody would.
pub(crate) fn wanted(kind: ViolationKind) -> bool {
    policy_for(kind) != Policy::Ignore || HANDLER_SET.load(Ordering::Relaxed)
}

/// Hands `violation` to the handler, then acts on the policy. Under `Panic`
/// the panic's location is the caller's acquisition. `exiting`: the engine
/// knows that this thread's thread-locals are being destroyed.
#[track_caller]
pub(crate) fn raise(violation: Violation, exiting: bool) {
    // Where a panic would abort the process: while the thread unwinds (a
    // second panic), and when it leaves a thread-local's destructor. The
    // engine knows the latter once its own thread-local state is gone;
    // before that (destructors of thread-locals made after the engine's
    // run first), the stack's frames tell, resolved only when asked.
    let aborts = || exiting || std::thread::panicking() || violation.attempt().backtrace().in_thread_local_destructor();
    let handler = HANDLER.read().unwrap_or_else(PoisonError::into_inner).clone();
    if let Some(handler) = handler {
        // Caught always (free when the handler does not panic), resumed
        // unless it would abort: whether it would is decided only for a
        // panic, as the stack's frames are costly to resolve.
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| handler(&violation))) {
            if !aborts() {
                resume_unwind(payload);
            }
            eprintln!(
                "lockorder: the violation handler panicked where a panic would abort the process (the thread \
                 is unwinding or destroying its thread-locals); the panic goes no further"
            );
        }
    }
    match policy_for(violation.kind()) {
        // Print instead of panicking where a panic would abort.
        Policy::Panic if aborts() => super::to_stderr(&violation.to_string()),
        Policy::Panic => panic!("{violation}"),
        Policy::Warn => {
            if warned::first(&violation) {
                super::to_stderr(&violation.to_string());
            }
        }
        Policy::Ignore => {}
    }
}
