//! [`scope`]: a future adapter that gives a task its own held set.

use std::fmt;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::tracked::TaskSet;

/// Runs `future` as one task for lock tracking: the locks it holds belong
/// to it, not to the thread polling it, and a blocking lock it holds when
/// it is suspended at an `.await` is reported.
///
/// Around every poll the task's held set replaces the thread's (which is
/// put back afterwards, also if the poll panics), so a task that moves
/// between worker threads takes its locks along, and other tasks polled on
/// the same thread do not see them. [`spawn`](super::spawn) and
/// [`spawn_local`](super::spawn_local) wrap the spawned future in a scope;
/// use `scope` directly for `block_on` and for other executors.
///
/// After a poll that returns `Pending`, every blocking lock (a lockorder
/// `sync` or `parking_lot` guard) the task still holds is a
/// [`ViolationKind::HeldAcrossAwait`](crate::ViolationKind::HeldAcrossAwait),
/// raised through the policy and the handler with the lock, where it was
/// acquired, and the stack of the await. It is raised once per hold: a lock
/// still held (from the same acquisition site) at the task's next
/// suspensions is not reported again.
///
/// A scope inside a scope is a task of its own: it does not see the locks
/// of the enclosing one.
///
/// # Panics
///
/// Under [`Policy::Panic`](crate::Policy::Panic) (the default), the poll
/// that is suspended with a blocking lock held panics with the report; in
/// a spawned task, the `JoinHandle` returns the panic.
///
/// # Examples
///
/// ```
/// # if lockorder::enabled() {
/// use lockorder::sync::Mutex;
/// use lockorder::tokio::scope;
///
/// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// let state = Mutex::new_named("state", 0);
/// let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
///     rt.block_on(scope(async {
///         let mut guard = state.lock().unwrap();
///         tokio::task::yield_now().await; // suspended holding `state`: reported
///         *guard += 1;
///     }))
/// }));
/// let report = caught.unwrap_err();
/// assert!(report.downcast_ref::<String>().unwrap().contains("held across await: state"));
/// # }
/// ```
pub fn scope<F: Future>(future: F) -> Scoped<F> {
    Scoped { task: TaskSet::default(), future: ManuallyDrop::new(future) }
}

/// [`scope`] of a task spawned at `site`, which its reports name.
pub(super) fn scope_spawned_at<F: Future>(future: F, site: &'static Location<'static>) -> Scoped<F> {
    Scoped { task: TaskSet::spawned_at(site), future: ManuallyDrop::new(future) }
}

/// The future returned by [`scope`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Scoped<F> {
    task: TaskSet,
    // Pinned with `self`: never moved out, dropped in place in `Drop`.
    future: ManuallyDrop<F>,
}

impl<F: Future> Future for Scoped<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // Frames under this function's belong to the executor.
        let boundary = <Self as Future>::poll as fn(Pin<&mut Self>, &mut Context<'_>) -> Poll<F::Output> as usize;
        // SAFETY: `future` is structurally pinned (it is never moved, and
        // `Drop` drops it in place); `task` is not, and is only used through
        // `&mut`.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: see above.
        let future = unsafe { Pin::new_unchecked(&mut *this.future) };
        this.task.poll(future, cx, boundary)
    }
}

impl<F> Drop for Scoped<F> {
    fn drop(&mut self) {
        let future = &mut self.future;
        // The future's guards are released from this task's set.
        // SAFETY: `future` is dropped once, here, in place, and not used
        // again.
        self.task.entered(|| unsafe { ManuallyDrop::drop(future) });
    }
}

impl<F> fmt::Debug for Scoped<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scoped").finish_non_exhaustive()
    }
}
