//! Reports: the [`Violation`] value, its rendering, and the policy that
//! decides what a violation does.

mod backtrace;
mod lock_info;
mod policy;
mod violation;
mod warned;

#[cfg(all(lockorder_tracking, feature = "tokio"))]
pub(crate) use self::backtrace::capture_raw;
pub use self::backtrace::Backtrace;
pub(crate) use self::backtrace::Trace;
pub(crate) use self::lock_info::wait_kind;
pub use self::lock_info::LockInfo;
pub use self::policy::{
    class_policy, clear_handler, policy, set_class_policy, set_handler, set_policy, ParsePolicyError, Policy,
};
#[cfg(lockorder_tracking)]
pub(crate) use self::policy::{raise, wanted};
#[cfg(all(lockorder_tracking, feature = "tokio"))]
pub(crate) use self::violation::Suspension;
#[cfg(lockorder_tracking)]
pub(crate) use self::violation::TaskName;
pub use self::violation::{Edge, HeldLock, Violation, ViolationKind};
pub(crate) use self::warned::len as warned_len;
pub(crate) use self::warned::to_stderr;
