//! The tracked core of an async task: its held set, installed around every
//! poll, and the waker that sees where the task awaits.
//!
//! Without tracking, a [`TaskSet`] is zero-sized and polls the future as it
//! is.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

#[cfg(lockorder_tracking)]
use std::sync::Arc;
#[cfg(lockorder_tracking)]
use std::task::{RawWaker, RawWakerVTable, Waker};

#[cfg(lockorder_tracking)]
use crate::engine::{self, Inbox, TaskHeld};

/// The held set of one task and the waker it gives the futures it polls.
#[derive(Debug, Default)]
pub(crate) struct TaskSet {
    #[cfg(lockorder_tracking)]
    held: TaskHeld,
    /// The runtime's waker and ours around it, made again when the
    /// runtime's changes.
    #[cfg(lockorder_tracking)]
    waker: Option<(Waker, Waker)>,
}

impl TaskSet {
    /// The set of a task spawned at `site` (through lockorder's `spawn`),
    /// which reports made while it is polled name.
    pub(crate) fn spawned_at(site: &'static std::panic::Location<'static>) -> Self {
        #[cfg(lockorder_tracking)]
        return TaskSet { held: TaskHeld::spawned_at(site), waker: None };
        #[cfg(not(lockorder_tracking))]
        {
            let _ = site;
            TaskSet {}
        }
    }

    /// Polls `inner` with this task's held set installed, then reports the
    /// blocking locks it holds across an await if it returned `Pending`.
    /// `boundary` is the address of the caller's `poll`, the bottom of the
    /// task's own frames in a captured stack.
    #[track_caller]
    pub(crate) fn poll<F: Future>(
        &mut self,
        inner: Pin<&mut F>,
        cx: &mut Context<'_>,
        boundary: usize,
    ) -> Poll<F::Output> {
        #[cfg(lockorder_tracking)]
        {
            let stale = !matches!(&self.waker, Some((runtime, _)) if runtime.will_wake(cx.waker()));
            if stale {
                let ours = shim(cx.waker().clone(), self.held.inbox().clone());
                self.waker = Some((cx.waker().clone(), ours));
            }
            let Some((_, waker)) = &self.waker else { return inner.poll(cx) };
            let Some(entered) = self.held.enter() else { return inner.poll(cx) };
            let out = inner.poll(&mut Context::from_waker(waker));
            let trace = entered.leave();
            if out.is_pending() {
                self.held.check_await(trace, boundary);
            }
            out
        }
        #[cfg(not(lockorder_tracking))]
        {
            let _ = boundary;
            inner.poll(cx)
        }
    }

    /// Runs `f` with this task's held set installed: for dropping the
    /// task's future, whose guards then leave the right set.
    pub(crate) fn entered<R>(&mut self, f: impl FnOnce() -> R) -> R {
        #[cfg(lockorder_tracking)]
        let _entered = self.held.enter();
        f()
    }
}

/// Our waker: the runtime's, plus a look at the held set whenever a future
/// registers it.
#[cfg(lockorder_tracking)]
struct Shim {
    runtime: Waker,
    inbox: Arc<Inbox>,
}

#[cfg(lockorder_tracking)]
static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_shim);

#[cfg(lockorder_tracking)]
fn shim(runtime: Waker, inbox: Arc<Inbox>) -> Waker {
    let data = Arc::into_raw(Arc::new(Shim { runtime, inbox })).cast::<()>();
    // SAFETY: `data` comes from `Arc::into_raw` of an `Arc<Shim>`, and the
    // functions of `VTABLE` keep its count: `clone` adds one reference,
    // `wake` and `drop_shim` give one back, `wake_by_ref` neither. `Shim`
    // is `Send + Sync`, as a `Waker` requires.
    unsafe { Waker::from_raw(RawWaker::new(data, &VTABLE)) }
}

#[cfg(lockorder_tracking)]
unsafe fn clone(data: *const ()) -> RawWaker {
    let data = data.cast::<Shim>();
    // SAFETY: `data` is a live `Arc<Shim>` (see `shim`); the new waker gets
    // its own reference.
    unsafe { Arc::increment_strong_count(data) };
    // SAFETY: the reference taken just above keeps it alive.
    engine::note_await(&unsafe { &*data }.inbox);
    RawWaker::new(data.cast(), &VTABLE)
}

#[cfg(lockorder_tracking)]
unsafe fn wake(data: *const ()) {
    // SAFETY: this waker's reference, given back (see `shim`).
    let shim = unsafe { Arc::from_raw(data.cast::<Shim>()) };
    match Arc::try_unwrap(shim) {
        Ok(shim) => shim.runtime.wake(),
        Err(shim) => shim.runtime.wake_by_ref(),
    }
}

#[cfg(lockorder_tracking)]
unsafe fn wake_by_ref(data: *const ()) {
    // SAFETY: a live `Arc<Shim>`, borrowed for this call (see `shim`).
    let shim = unsafe { &*data.cast::<Shim>() };
    engine::note_await(&shim.inbox);
    shim.runtime.wake_by_ref();
}

#[cfg(lockorder_tracking)]
unsafe fn drop_shim(data: *const ()) {
    // SAFETY: this waker's reference, given back (see `shim`).
    drop(unsafe { Arc::from_raw(data.cast::<Shim>()) });
}
