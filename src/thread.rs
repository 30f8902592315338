//! A drop-in for [`std::thread`] whose joins are checked.
//!
//! Swap `use std::thread;` for `use lockorder::thread;`. [`spawn`],
//! [`scope`], [`Builder`] and the handles are std's with one addition: a
//! thread holds its own end from its start to its end (a pseudo-lock, so
//! every lock it acquires is ordered after it), and joining it, by its
//! handle or at the end of its scope, waits for that end, so each lock the
//! joiner holds is ordered before it. Holding `L` while joining a thread
//! that takes `L` closes a cycle, reported before the join blocks,
//! whichever side ran first:
//!
//! ```should_panic
//! use lockorder::sync::Mutex;
//! use lockorder::thread;
//! use std::sync::Arc;
//!
//! let config = Arc::new(Mutex::new(0));
//! let worker = {
//!     let config = Arc::clone(&config);
//!     thread::spawn(move || *config.lock().unwrap() += 1)
//! };
//! while !worker.is_finished() {
//!     std::thread::yield_now();
//! }
//! let guard = config.lock().unwrap();
//! // Would hang had the worker not taken the lock yet: reported.
//! worker.join().unwrap();
//! # drop(guard);
//! # if !lockorder::enabled() { panic!("tracking is compiled out") }
//! ```
//!
//! The orders go through other locks too: a thread that waits for `B`
//! held by someone who waits for `A` is as stuck as one that waits for `A`.
//! This is the shape of rustdesk#622 (`join()` under a write guard whose
//! thread read-locks it) and rust#67457 (a condvar's guard kept while
//! joining the thread that must lock it to notify).
//!
//! Everything else of [`std::thread`] is re-exported. Without tracking the
//! types are std's with nothing added.

use std::fmt;
use std::io;

pub use std::thread::{
    available_parallelism, current, panicking, park, park_timeout, sleep, yield_now, AccessError, LocalKey, Result,
    Thread, ThreadId,
};
#[allow(deprecated)]
pub use std::thread::{park_timeout_ms, sleep_ms};

mod scoped;

pub use self::scoped::{scope, Scope, ScopedJoinHandle};

/// A thread's end as a pseudo-lock, shared by the thread and its handle.
#[cfg(lockorder_tracking)]
type End = std::sync::Arc<crate::tracked::PseudoLock>;
/// Without tracking, nothing.
#[cfg(not(lockorder_tracking))]
#[derive(Clone, Debug)]
struct End;

/// The end of a thread spawned at the caller's location.
#[track_caller]
#[inline]
fn new_end() -> End {
    #[cfg(lockorder_tracking)]
    return std::sync::Arc::new(crate::tracked::PseudoLock::new(crate::tracked::WaitKind::ThreadEnd));
    #[cfg(not(lockorder_tracking))]
    End
}

/// `f`, run holding the thread's `end` (see the module docs). The hold
/// ends when `f` returns or unwinds, before the thread's handle sees it.
#[inline]
fn running<F: FnOnce() -> T, T>(end: End, f: F) -> impl FnOnce() -> T {
    move || {
        #[cfg(lockorder_tracking)]
        let _running = end.run();
        #[cfg(not(lockorder_tracking))]
        let _ = end;
        f()
    }
}

/// Spawns a thread and returns its handle: [`std::thread::spawn`], with the
/// thread's end tracked (see the module docs).
///
/// # Panics
///
/// As std: if the OS fails to create a thread.
///
/// # Examples
///
/// ```
/// use lockorder::thread;
///
/// let handle = thread::spawn(|| 6 * 7);
/// assert_eq!(handle.join().unwrap(), 42);
/// ```
#[track_caller]
pub fn spawn<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    Builder::new().spawn(f).expect("failed to spawn thread")
}

/// An owned permission to join a thread: [`std::thread::JoinHandle`], whose
/// [`join`](JoinHandle::join) is checked.
pub struct JoinHandle<T> {
    inner: std::thread::JoinHandle<T>,
    end: End,
}

impl<T> JoinHandle<T> {
    /// Waits for the thread to finish, as std; first, each lock this thread
    /// holds is ordered before the thread's end, and a cycle (the thread
    /// takes, or waits for, a lock held here) is reported.
    ///
    /// # Errors
    ///
    /// As std: `Err` with the panic's payload if the thread panicked.
    ///
    /// # Panics
    ///
    /// Under the default policy, if the join closes a cycle.
    ///
    /// # Examples
    ///
    /// ```
    /// let handle = lockorder::thread::spawn(|| panic!("oops"));
    /// assert!(handle.join().is_err());
    /// ```
    #[track_caller]
    pub fn join(self) -> Result<T> {
        #[cfg(lockorder_tracking)]
        let _waiting = self.end.wait();
        self.inner.join()
    }

    /// The thread's handle.
    ///
    /// # Examples
    ///
    /// ```
    /// let handle = lockorder::thread::Builder::new().name("worker".into()).spawn(|| {}).unwrap();
    /// assert_eq!(handle.thread().name(), Some("worker"));
    /// # handle.join().unwrap();
    /// ```
    #[must_use]
    pub fn thread(&self) -> &Thread {
        self.inner.thread()
    }

    /// Whether the thread has finished running its function, as std.
    ///
    /// # Examples
    ///
    /// ```
    /// let handle = lockorder::thread::spawn(|| {});
    /// while !handle.is_finished() {
    ///     std::hint::spin_loop();
    /// }
    /// handle.join().unwrap();
    /// ```
    pub fn is_finished(&self) -> bool {
        self.inner.is_finished()
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

#[cfg(unix)]
impl<T> std::os::unix::thread::JoinHandleExt for JoinHandle<T> {
    fn as_pthread_t(&self) -> std::os::unix::thread::RawPthread {
        self.inner.as_pthread_t()
    }

    fn into_pthread_t(self) -> std::os::unix::thread::RawPthread {
        self.inner.into_pthread_t()
    }
}

/// Thread configuration: [`std::thread::Builder`], whose threads' ends are
/// tracked (see the module docs).
///
/// # Examples
///
/// ```
/// use lockorder::thread;
///
/// let handle = thread::Builder::new().name("worker".into()).stack_size(64 * 1024).spawn(|| 1).unwrap();
/// assert_eq!(handle.join().unwrap(), 1);
/// ```
#[derive(Debug)]
#[must_use = "must eventually spawn the thread"]
pub struct Builder {
    inner: std::thread::Builder,
}

impl Builder {
    /// A builder with std's defaults.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Builder {
        Builder { inner: std::thread::Builder::new() }
    }

    /// Names the thread, as std.
    pub fn name(self, name: String) -> Builder {
        Builder { inner: self.inner.name(name) }
    }

    /// Sets the thread's stack size in bytes, as std.
    pub fn stack_size(self, size: usize) -> Builder {
        Builder { inner: self.inner.stack_size(size) }
    }

    /// Spawns the thread, as std; its end is tracked from here.
    ///
    /// # Errors
    ///
    /// As std: if the OS fails to create the thread.
    #[track_caller]
    pub fn spawn<F, T>(self, f: F) -> io::Result<JoinHandle<T>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let end = new_end();
        let inner = self.inner.spawn(running(end.clone(), f))?;
        Ok(JoinHandle { inner, end })
    }

    /// Spawns a thread without the `'static` bounds, as std; its end is
    /// tracked from here.
    ///
    /// # Safety
    ///
    /// As std's `spawn_unchecked`: the caller must ensure the thread does
    /// not outlive any reference in `f` or its result (by joining it, say).
    ///
    /// # Errors
    ///
    /// As std: if the OS fails to create the thread.
    ///
    /// # Examples
    ///
    /// ```
    /// let x = 1;
    /// let thread_x = &x;
    /// // SAFETY: joined before `x` goes away.
    /// let handle = unsafe { lockorder::thread::Builder::new().spawn_unchecked(move || *thread_x + 1) }.unwrap();
    /// assert_eq!(handle.join().unwrap(), 2);
    /// ```
    #[track_caller]
    pub unsafe fn spawn_unchecked<F, T>(self, f: F) -> io::Result<JoinHandle<T>>
    where
        F: FnOnce() -> T + Send,
        T: Send,
    {
        let end = new_end();
        // SAFETY: the caller upholds std's contract; `running` adds only
        // the end's hold, which owns what it uses.
        let inner = unsafe { self.inner.spawn_unchecked(running(end.clone(), f)) }?;
        Ok(JoinHandle { inner, end })
    }

    /// Spawns a thread in `scope`, as std; its end is tracked from here,
    /// and the scope's end waits for it unless it was joined.
    ///
    /// # Errors
    ///
    /// As std: if the OS fails to create the thread.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::thread;
    ///
    /// let answer = thread::scope(|s| {
    ///     thread::Builder::new().name("scoped".into()).spawn_scoped(s, || 42).unwrap().join().unwrap()
    /// });
    /// assert_eq!(answer, 42);
    /// ```
    #[track_caller]
    pub fn spawn_scoped<'scope, 'env, F, T>(
        self,
        scope: &'scope Scope<'scope, 'env>,
        f: F,
    ) -> io::Result<ScopedJoinHandle<'scope, T>>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        scope.spawn_with(self.inner, f)
    }
}
