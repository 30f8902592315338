//! Carrying std's poison results over to our guards.

use std::sync::{LockResult, PoisonError, TryLockError, TryLockResult};

/// Turns std's `LockResult<G>` into ours, wrapping the guard either way so
/// that a poisoned lock hands back a working guard, exactly as std does.
#[inline(always)]
pub(crate) fn map_result<G, U>(result: LockResult<G>, wrap: impl FnOnce(G) -> U) -> LockResult<U> {
    match result {
        Ok(guard) => Ok(wrap(guard)),
        Err(poisoned) => Err(PoisonError::new(wrap(poisoned.into_inner()))),
    }
}

/// The same for `TryLockResult`; `WouldBlock` carries no guard.
#[inline(always)]
pub(crate) fn map_try_result<G, U>(result: TryLockResult<G>, wrap: impl FnOnce(G) -> U) -> TryLockResult<U> {
    match result {
        Ok(guard) => Ok(wrap(guard)),
        Err(TryLockError::Poisoned(poisoned)) => {
            Err(TryLockError::Poisoned(PoisonError::new(wrap(poisoned.into_inner()))))
        }
        Err(TryLockError::WouldBlock) => Err(TryLockError::WouldBlock),
    }
}
