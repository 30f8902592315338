//! Scoped threads: [`scope`], [`Scope`] and [`ScopedJoinHandle`].
//!
//! A scoped thread holds its end as a spawned one does; its handle's
//! `join` waits for it, and so does the end of the scope for every thread
//! not joined by then: before std joins them, the scope waits for each,
//! its held locks ordered before their ends, and the watchdog sees that
//! wait. [`Scope`] is std's scope itself (the same memory), so a scoped
//! spawn finds the scope's threads in a table keyed by its address.

use std::io;

use super::{Result, Thread};

/// A scope to spawn threads that may borrow from outside it:
/// [`std::thread::Scope`], whose threads' ends are tracked.
#[repr(transparent)]
pub struct Scope<'scope, 'env> {
    inner: std::thread::Scope<'scope, 'env>,
}

/// An owned permission to join a scoped thread:
/// [`std::thread::ScopedJoinHandle`], whose [`join`](Self::join) is
/// checked.
pub struct ScopedJoinHandle<'scope, T> {
    inner: std::thread::ScopedJoinHandle<'scope, T>,
    #[cfg(lockorder_tracking)]
    thread: std::sync::Arc<tracking::Spawned>,
}

/// Creates a scope for spawning threads, as [`std::thread::scope`]: every
/// thread spawned in it and not joined is joined before it returns. That
/// join is checked first: each lock held at the end of `f` is ordered
/// before each such thread's end.
///
/// # Panics
///
/// As std: if a thread spawned in the scope panicked and was not joined.
/// Under the default policy, if the scope's end closes a cycle.
///
/// # Examples
///
/// ```
/// use lockorder::sync::Mutex;
/// use lockorder::thread;
///
/// let total = Mutex::new(0);
/// thread::scope(|s| {
///     for i in 1..=4 {
///         let total = &total;
///         s.spawn(move || *total.lock().unwrap() += i);
///     }
/// });
/// assert_eq!(*total.lock().unwrap(), 10);
/// ```
#[track_caller]
pub fn scope<'env, F, T>(f: F) -> T
where
    F: for<'scope> FnOnce(&'scope Scope<'scope, 'env>) -> T,
{
    #[cfg(lockorder_tracking)]
    let site = std::panic::Location::caller();
    std::thread::scope(|inner| {
        let scope = Scope::wrap(inner);
        #[cfg(lockorder_tracking)]
        let threads = tracking::Threads::open(scope);
        let result = f(scope);
        #[cfg(lockorder_tracking)]
        threads.wait_for_unjoined(site);
        result
    })
}

impl<'scope, 'env> Scope<'scope, 'env> {
    /// Our scope is std's, seen through this type.
    fn wrap<'a>(inner: &'a std::thread::Scope<'scope, 'env>) -> &'a Scope<'scope, 'env> {
        // SAFETY: `Scope` is `repr(transparent)` over std's scope, with the
        // same lifetimes: the reference points to a valid value of it.
        unsafe { &*(inner as *const std::thread::Scope<'scope, 'env> as *const Scope<'scope, 'env>) }
    }

    /// Spawns a scoped thread, as std; its end is tracked from here, and the
    /// scope's end waits for it unless it was joined.
    ///
    /// # Panics
    ///
    /// As std: if the OS fails to create a thread.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut data = vec![1, 2, 3];
    /// lockorder::thread::scope(|s| {
    ///     s.spawn(|| data.push(4));
    /// });
    /// assert_eq!(data, [1, 2, 3, 4]);
    /// ```
    #[track_caller]
    pub fn spawn<F, T>(&'scope self, f: F) -> ScopedJoinHandle<'scope, T>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        self.spawn_with(std::thread::Builder::new(), f).expect("failed to spawn thread")
    }

    /// Spawns `f` with `builder`'s configuration (see
    /// [`Builder::spawn_scoped`](super::Builder::spawn_scoped)).
    #[track_caller]
    pub(super) fn spawn_with<F, T>(
        &'scope self,
        builder: std::thread::Builder,
        f: F,
    ) -> io::Result<ScopedJoinHandle<'scope, T>>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        #[cfg(lockorder_tracking)]
        {
            let (thread, f) = tracking::Threads::spawned(self, f);
            let inner = builder.spawn_scoped(&self.inner, f);
            let inner = inner.inspect_err(|_| tracking::Threads::not_spawned(self, &thread))?;
            Ok(ScopedJoinHandle { inner, thread })
        }
        #[cfg(not(lockorder_tracking))]
        {
            let inner = builder.spawn_scoped(&self.inner, f)?;
            Ok(ScopedJoinHandle { inner })
        }
    }
}

impl std::fmt::Debug for Scope<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.inner, f)
    }
}

impl<T> ScopedJoinHandle<'_, T> {
    /// Waits for the thread to finish, as std; first, each lock this thread
    /// holds is ordered before the thread's end, and a cycle is reported.
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
    /// let sum = lockorder::thread::scope(|s| s.spawn(|| 1 + 1).join().unwrap());
    /// assert_eq!(sum, 2);
    /// ```
    #[track_caller]
    pub fn join(self) -> Result<T> {
        #[cfg(lockorder_tracking)]
        let _waiting = self.thread.join();
        self.inner.join()
    }

    /// The thread's handle, as std.
    #[must_use]
    pub fn thread(&self) -> &Thread {
        self.inner.thread()
    }

    /// Whether the thread has finished running its function, as std.
    pub fn is_finished(&self) -> bool {
        self.inner.is_finished()
    }
}

impl<T> std::fmt::Debug for ScopedJoinHandle<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.inner, f)
    }
}

#[cfg(lockorder_tracking)]
mod tracking {
    use std::panic::Location;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

    use once_cell::sync::Lazy;
    use rustc_hash::FxHashMap;

    use super::Scope;
    use crate::tracked::{HeldToken, PseudoLock, WaitKind};

    /// A scoped thread's end, and whether its handle joined it.
    pub(super) struct Spawned {
        end: PseudoLock,
        joined: AtomicBool,
    }

    impl Spawned {
        /// Waits for the thread's end, as its handle's `join` does.
        #[track_caller]
        pub(super) fn join(&self) -> HeldToken<'_> {
            self.joined.store(true, Ordering::Relaxed);
            self.end.wait()
        }
    }

    /// The threads of one scope, and how many still run.
    #[derive(Default)]
    pub(super) struct Threads {
        spawned: Mutex<Vec<Arc<Spawned>>>,
        running: Mutex<usize>,
        ended: Condvar,
    }

    /// The open scopes' threads, by the scope's address.
    static SCOPES: Lazy<Mutex<FxHashMap<usize, Arc<Threads>>>> = Lazy::new(Default::default);

    fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
        mutex.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn key(scope: &Scope<'_, '_>) -> usize {
        scope as *const Scope<'_, '_> as usize
    }

    /// The table's entry of an open scope, taken out when the scope's
    /// closure returns or unwinds.
    pub(super) struct Open {
        key: usize,
        threads: Arc<Threads>,
    }

    impl Drop for Open {
        fn drop(&mut self) {
            lock(&SCOPES).remove(&self.key);
        }
    }

    /// Counts a scoped thread as ended when its function returns or
    /// unwinds, after its end's hold is released.
    struct Ending(Arc<Threads>);

    impl Drop for Ending {
        fn drop(&mut self) {
            *lock(&self.0.running) -= 1;
            self.0.ended.notify_all();
        }
    }

    impl Threads {
        /// Opens the table's entry of `scope`.
        pub(super) fn open(scope: &Scope<'_, '_>) -> Open {
            let threads = Arc::<Threads>::default();
            lock(&SCOPES).insert(key(scope), threads.clone());
            Open { key: key(scope), threads }
        }

        /// The threads of `scope`. A thread spawned by a scoped thread
        /// after the scope's closure unwound finds none: std joins it, and
        /// nothing waits for its end.
        fn of(scope: &Scope<'_, '_>) -> Arc<Threads> {
            lock(&SCOPES).get(&key(scope)).cloned().unwrap_or_default()
        }

        /// A new thread of `scope`, made at the caller's location, and `f`
        /// made to run holding its end.
        #[track_caller]
        pub(super) fn spawned<F: FnOnce() -> T, T>(scope: &Scope<'_, '_>, f: F) -> (Arc<Spawned>, impl FnOnce() -> T) {
            let threads = Threads::of(scope);
            let spawned =
                Arc::new(Spawned { end: PseudoLock::new(WaitKind::ThreadEnd), joined: AtomicBool::new(false) });
            lock(&threads.spawned).push(spawned.clone());
            *lock(&threads.running) += 1;
            let thread = spawned.clone();
            let run = move || {
                let _ending = Ending(threads);
                let _running = thread.end.run();
                f()
            };
            (spawned, run)
        }

        /// Undoes [`spawned`](Self::spawned) for a thread the OS did not
        /// create.
        pub(super) fn not_spawned(scope: &Scope<'_, '_>, thread: &Arc<Spawned>) {
            let threads = Threads::of(scope);
            lock(&threads.spawned).retain(|t| !Arc::ptr_eq(t, thread));
            *lock(&threads.running) -= 1;
        }
    }

    impl Open {
        /// Waits, from `site`, for every thread of the scope its handle did
        /// not join, before std joins them: each is checked as a join, and
        /// the watchdog sees the wait.
        pub(super) fn wait_for_unjoined(&self, site: &'static Location<'static>) {
            let spawned = std::mem::take(&mut *lock(&self.threads.spawned));
            let _waiting: Vec<HeldToken<'_>> =
                spawned.iter().filter(|t| !t.joined.load(Ordering::Relaxed)).map(|t| t.end.wait_at(site)).collect();
            let mut running = lock(&self.threads.running);
            while *running > 0 {
                running = self.threads.ended.wait(running).unwrap_or_else(PoisonError::into_inner);
            }
        }
    }
}
