//! How a tracked tokio lock is taken: [`acquire`].

use std::future::Future;

/// The guard of a tokio lock, taken as tokio's own `lock().await` takes it,
/// in a future that stays small.
///
/// tokio's acquisition future is 120 bytes. Kept in place, it came on top
/// of the tracking state in the future of every `lock()` (176 bytes), and a
/// future past 128 bytes is copied by a call to `memcpy` each time it
/// moves: a third of the time of an uncontended `lock().await` went to
/// copies. So the lock is first tried (`try_now`), and only a lock found
/// taken waits through tokio's future (`wait`), boxed: one allocation per
/// wait, next to a wait that suspends the task.
///
/// The same as tokio's, in order and fairness:
/// - a try fails while other tasks wait in the lock's queue (tokio hands a
///   released lock to the first of them, never to a newcomer), so this
///   joins the queue behind them as `lock().await` does, and a task whose
///   cooperative budget is used up joins it too, in its turn;
/// - a lock taken at once spends the task's budget, as tokio's
///   acquisitions spend it: a task that has used it up yields here, with
///   the lock (as tokio's future keeps it), before it goes on.
pub(super) async fn acquire<G, W>(try_now: impl FnOnce() -> Option<G>, wait: impl FnOnce() -> W) -> G
where
    W: Future<Output = G>,
{
    match try_now() {
        Some(guard) => {
            // `tokio::task::coop::consume_budget` from tokio 1.44; this
            // path is the one that works from 1.39.
            #[allow(deprecated)]
            tokio::task::consume_budget().await;
            guard
        }
        None => Box::pin(wait()).await,
    }
}
