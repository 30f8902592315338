//! A guard's unlock is its last access to the lock.
//!
//! std, parking_lot and tokio promise this, and code relies on it: a waiter
//! that sees its flag under a lock may free the lock at once (a latch freed
//! by the thread it wakes, as rayon's `LockLatch`; any self-synchronizing
//! deallocation). So a tracked guard must be done with its tracking before
//! it unlocks, and a tracked `Once` before its initializer completes: the
//! tracking release writes into the lock's state word when the lock became
//! a node of the lock-order graph while it was held (another lock was
//! taken under it), and after the unlock that word may be freed memory.
//!
//! Two ways to catch a write after the unlock:
//!
//! - Racing latches, for every backend ([`race`]): a setter thread takes the
//!   latch's lock, takes another lock under it, sets the flag and unlocks;
//!   the waiter sees the flag, drops the latch in place and fills its memory
//!   with a canary (not deallocated: a late write lands in memory the test
//!   still owns), waits for the setter to be done and checks the canary.
//! - A spy raw lock for lock_api ([`spy`]), deterministic: its unlock
//!   snapshots the bytes of the whole tracked lock, and once the guard's
//!   drop returns the bytes must still be the snapshot.
//!
//! The waiters block in the lock itself (`lock`, `read`, a condition
//! variable, `call_once`), once the setter holds it (see [`Baton`]), where
//! the lock's own unlock writes nothing after the point where that wait
//! can end; they spin on `try_write` where it does (a reader's unlock of
//! std's and parking_lot's `RwLock` while a writer waits).
//!
//! Owned tokio guards are not raced: they keep their lock's `Arc` until
//! after everything else they drop, so no waiter can free the lock under
//! them.

use std::alloc::{alloc, dealloc, handle_alloc_error, Layout};
use std::cell::RefCell;
use std::hint;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use std::sync::PoisonError;
use std::thread;

/// The byte a freed latch is filled with. Its top bit is clear, so a flag
/// set in the high bit of any word of the latch shows.
const CANARY: u8 = 0x5A;

/// Rounds of each race, about 5 ms each in a debug build. There, on a
/// two-core machine busy with other builds, each race caught a guard that
/// writes after its unlock in 7 to 64 of its 64 rounds (the waiters that
/// spin, in 10 to 37). An optimized build releases the tracking faster and
/// is caught less; the spy tests do not depend on timing.
const ROUNDS: usize = 64;

/// How many locks the setter holds, taken after the latch's, when it
/// releases the latch (see [`hold_fillers`]).
const FILLER_COUNT: usize = 4096;

static FILLERS: [lockorder::sync::Mutex<()>; FILLER_COUNT] = [const { lockorder::sync::Mutex::new(()) }; FILLER_COUNT];

thread_local! {
    static HELD_FILLERS: RefCell<Vec<lockorder::sync::MutexGuard<'static, ()>>> = const { RefCell::new(Vec::new()) };
}

/// Takes every filler lock (`try_lock`: held, no order recorded), to be
/// released by [`release_fillers`] after the latch.
///
/// Releasing a lock that is not the newest held one takes time in
/// proportion to the locks held after it, so a setter that holds the
/// fillers when it drops the latch's guard spends over a millisecond
/// (debug build) releasing the latch's tracking. If that happens after the
/// unlock, the waiter has the time to see the flag and free the latch
/// first, also when both threads share one core (the setter is preempted
/// in that time) and not only when they run side by side. Without the
/// fillers the window is a fraction of a microsecond, which a race on a
/// busy two-core machine caught in anything from none to nearly all of
/// 2,000 rounds, depending on where the scheduler ran the two threads. Done
/// before the unlock, as it must be, the same work cannot be seen.
fn hold_fillers() {
    HELD_FILLERS.with(|held| {
        let mut held = held.borrow_mut();
        for filler in &FILLERS {
            held.push(filler.try_lock().expect("the races run one at a time: nobody else holds the fillers"));
        }
    });
}

/// Releases the fillers [`hold_fillers`] took, newest first.
fn release_fillers() {
    let held = HELD_FILLERS.with(|held| std::mem::take(&mut *held.borrow_mut()));
    for guard in held.into_iter().rev() {
        drop(guard);
    }
}

/// Takes and releases `other` while the caller holds a lock: that lock
/// becomes a node of the lock-order graph while it is held, which its
/// tracking release records in its state word.
fn enter_graph(other: &lockorder::sync::Mutex<()>) {
    drop(other.lock().unwrap());
}

/// Calls `ready` until it returns `true`, spinning between calls, and
/// giving the core away now and then (the other thread may need it).
fn spin_until(mut ready: impl FnMut() -> bool) {
    let mut spins = 0u32;
    while !ready() {
        assert!(!SETTER_PANICKED.load(Ordering::Relaxed), "the setter panicked");
        spins = spins.wrapping_add(1);
        if spins.is_multiple_of(64) {
            thread::yield_now();
        } else {
            hint::spin_loop();
        }
    }
}

/// Set when a race's setter panics, so that its waiter stops waiting.
static SETTER_PANICKED: AtomicBool = AtomicBool::new(false);

/// Lets a waiter block until the setter holds the latch's lock, rather
/// than spin (or take the lock first) until then.
///
/// The scheduler tends to run a waiter that has been asleep as soon as the
/// unlock wakes it, also on a core it shares with the setter, so that it
/// sees the flag while the setter is still in its guard's drop; one that
/// burned its share of the core spinning waits for the setter's next
/// preemption.
#[derive(Debug)]
struct Baton {
    passed: AtomicBool,
    waiter: thread::Thread,
}

impl Baton {
    /// A baton for the current thread to take.
    fn new() -> Baton {
        Baton { passed: AtomicBool::new(false), waiter: thread::current() }
    }

    /// Ready for the next round.
    fn reset(&self) {
        self.passed.store(false, Ordering::Relaxed);
    }

    /// The setter holds the latch's lock (or runs its initializer).
    fn pass(&self) {
        self.passed.store(true, Ordering::Release);
        self.waiter.unpark();
    }

    /// Parks the waiter until the setter has called [`Baton::pass`].
    fn take(&self) {
        while !self.passed.load(Ordering::Acquire) {
            assert!(!SETTER_PANICKED.load(Ordering::Relaxed), "the setter panicked");
            thread::park();
        }
    }
}

/// Runs its closure when dropped.
struct OnDrop<F: FnMut()>(F);

impl<F: FnMut()> Drop for OnDrop<F> {
    fn drop(&mut self) {
        (self.0)();
    }
}

/// Offsets and values of the bytes of `bytes` that are not `expected`
/// (the first 16 of them).
fn changed(bytes: &[u8], expected: impl Fn(usize) -> u8) -> Vec<(usize, u8)> {
    bytes.iter().enumerate().filter(|&(i, &b)| b != expected(i)).map(|(i, &b)| (i, b)).take(16).collect()
}

/// Runs [`ROUNDS`] rounds of a latch freed by its waiter, and asserts that
/// no round found the freed latch written after the waiter freed it.
///
/// Each round, a latch made by `make` is put in memory of its own and
/// handed to a setter thread, which runs `set` on it. `set` must take the
/// latch's lock, pass the [`Baton`], take another tracked lock under the
/// latch's ([`enter_graph`]), call [`hold_fillers`], set the flag and
/// unlock; it must not touch the latch after its guard is dropped. This
/// thread runs `wait` on the latch, which returns once it has seen the flag
/// through the lock and released what it took (a waiter that blocks in the
/// lock takes the baton first); it then drops the latch in place and fills
/// its memory with [`CANARY`]. When the setter is done, every byte must
/// still be the canary: one that is not was written by the setter after
/// its unlock, when the latch could be gone.
#[track_caller]
fn race<L: Sync>(what: &str, make: impl Fn() -> L, set: impl Fn(&L, &Baton) + Sync, wait: impl Fn(&L, &Baton)) {
    // One race at a time: two would share the cores between four threads,
    // and they share the fillers.
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);

    let layout = Layout::new::<L>();
    assert!(layout.size() > 0);
    let latch = AtomicPtr::<L>::new(ptr::null_mut());
    let setter_done = AtomicBool::new(false);
    let stop = AtomicBool::new(false);
    let mut corrupted = 0;
    let mut first: Option<(usize, Vec<(usize, u8)>)> = None;
    let waiter = thread::current();
    let baton = Baton::new();
    SETTER_PANICKED.store(false, Ordering::Relaxed);
    thread::scope(|s| {
        let setter = s.spawn(|| loop {
            // Ends the round for the waiter, also if `set` panics.
            let _done = OnDrop(|| {
                if thread::panicking() {
                    SETTER_PANICKED.store(true, Ordering::Relaxed);
                }
                setter_done.store(true, Ordering::Release);
                waiter.unpark();
            });
            let mut next = ptr::null_mut();
            spin_until(|| {
                next = latch.swap(ptr::null_mut(), Ordering::Acquire);
                !next.is_null() || stop.load(Ordering::Acquire)
            });
            if next.is_null() {
                return;
            }
            // SAFETY: the waiter frees the latch only once it has seen the
            // flag, which `set` sets under the latch's lock.
            set(unsafe { &*next }, &baton);
            release_fillers();
        });
        // If this thread panics, the setter stops instead of waiting for
        // the next latch.
        let _stop = OnDrop(|| stop.store(true, Ordering::Release));
        for round in 0..ROUNDS {
            assert!(!setter.is_finished(), "{what}: the setter thread ended early");
            // SAFETY: the layout's size is not zero.
            let raw = unsafe { alloc(layout) };
            if raw.is_null() {
                handle_alloc_error(layout);
            }
            let p = raw.cast::<L>();
            // SAFETY: `p` is fresh memory for an `L`.
            unsafe { p.write(make()) };
            setter_done.store(false, Ordering::Relaxed);
            baton.reset();
            latch.store(p, Ordering::Release);
            // SAFETY: the latch is alive until the drop below.
            wait(unsafe { &*p }, &baton);
            // The waiter has seen the flag: the setter is done with the
            // lock, as std promises. The latch's owner may free it now.
            // SAFETY: `p` holds an `L`, dropped once; its bytes are then
            // plain memory of this allocation.
            unsafe {
                ptr::drop_in_place(p);
                ptr::write_bytes(raw, CANARY, layout.size());
            }
            // Parked rather than spinning: on a shared core the setter needs
            // the time for its releases.
            while !setter_done.load(Ordering::Acquire) {
                thread::park();
            }
            // SAFETY: `raw` holds `layout.size()` initialized bytes (the
            // canary, or what the setter wrote over it).
            let bytes = unsafe { std::slice::from_raw_parts(raw, layout.size()) };
            if bytes.iter().any(|&b| b != CANARY) {
                corrupted += 1;
                first.get_or_insert_with(|| (round, changed(bytes, |_| CANARY)));
            }
            // SAFETY: allocated above with `layout`; its `L` was dropped.
            unsafe { dealloc(raw, layout) };
        }
        drop(_stop);
        setter.join().unwrap();
    });
    if let Some((round, bytes)) = first {
        panic!(
            "{what}: in {corrupted} of {ROUNDS} rounds the latch was written after its waiter, having seen the flag, \
             freed it (the setter's guard wrote to the lock after unlocking it); first in round {round}, \
             (offset, byte) written: {bytes:02x?}"
        );
    }
}

mod std_locks {
    use super::{enter_graph, hold_fillers, race, spin_until, Baton};
    use lockorder::sync::{Condvar, LazyLock, Mutex, Once, OnceLock, RwLock};
    use std::sync::atomic::{AtomicBool, Ordering};

    #[test]
    fn mutex_guard() {
        let other = Mutex::new(());
        race(
            "sync::MutexGuard",
            || Mutex::new(false),
            |latch, baton| {
                let mut flag = latch.lock().unwrap();
                baton.pass();
                enter_graph(&other);
                hold_fillers();
                *flag = true;
            },
            |latch, baton| {
                baton.take();
                spin_until(|| *latch.lock().unwrap());
            },
        );
    }

    /// rayon's `LockLatch`: the waiter blocks in the condition variable's
    /// `wait` until the setter notifies under the lock.
    #[test]
    fn mutex_guard_with_condvar() {
        let other = Mutex::new(());
        race(
            "sync::MutexGuard with sync::Condvar",
            || (Mutex::new(false), Condvar::new()),
            |(mutex, condvar), _| {
                let mut flag = mutex.lock().unwrap();
                enter_graph(&other);
                hold_fillers();
                *flag = true;
                condvar.notify_all();
            },
            |(mutex, condvar), _| drop(condvar.wait_while(mutex.lock().unwrap(), |flag| !*flag).unwrap()),
        );
    }

    #[test]
    fn rwlock_write_guard() {
        let other = Mutex::new(());
        race(
            "sync::RwLockWriteGuard",
            || RwLock::new(false),
            |latch, baton| {
                let mut flag = latch.write().unwrap();
                baton.pass();
                enter_graph(&other);
                hold_fillers();
                *flag = true;
            },
            |latch, baton| {
                baton.take();
                spin_until(|| *latch.read().unwrap());
            },
        );
    }

    /// The setter sets the flag under its read lock; the waiter's
    /// `try_write` succeeds only once that read lock is released. It does
    /// not wait in `write`: when a writer waits, std's last reader wakes it
    /// through a counter in the lock, written after the unlock, which a
    /// writer that had not gone to sleep yet could outrun.
    #[test]
    fn rwlock_read_guard() {
        let other = Mutex::new(());
        race(
            "sync::RwLockReadGuard",
            || RwLock::new(AtomicBool::new(false)),
            |latch, _| {
                let flag = latch.read().unwrap();
                enter_graph(&other);
                hold_fillers();
                flag.store(true, Ordering::Relaxed);
            },
            |latch, _| spin_until(|| matches!(latch.try_write(), Ok(flag) if flag.load(Ordering::Relaxed))),
        );
    }

    /// A `Once`'s unlock is the completion of its initializer: a thread
    /// whose `call_once` waited for it may free it.
    #[test]
    fn once() {
        let other = Mutex::new(());
        race(
            "sync::Once",
            Once::new,
            |once, baton| {
                once.call_once(|| {
                    baton.pass();
                    enter_graph(&other);
                    hold_fillers();
                });
            },
            |once, baton| {
                baton.take();
                once.call_once(|| unreachable!("the setter runs the initializer"));
            },
        );
    }

    #[test]
    fn once_lock() {
        let other = Mutex::new(());
        race(
            "sync::OnceLock",
            OnceLock::new,
            |cell, baton| {
                cell.get_or_init(|| {
                    baton.pass();
                    enter_graph(&other);
                    hold_fillers();
                    1u64
                });
            },
            |cell, baton| {
                baton.take();
                cell.get_or_init(|| unreachable!("the setter runs the initializer"));
            },
        );
    }

    /// The initializer is made with the latch, before the race has a
    /// baton for it: it passes one of the test's own.
    #[test]
    fn lazy_lock() {
        let other = Mutex::new(());
        let started = Baton::new();
        race(
            "sync::LazyLock",
            || {
                started.reset();
                LazyLock::new(|| {
                    started.pass();
                    enter_graph(&other);
                    hold_fillers();
                    1u64
                })
            },
            |lazy, _| {
                LazyLock::force(lazy);
            },
            |lazy, _| {
                started.take();
                LazyLock::force(lazy);
            },
        );
    }
}

#[cfg(feature = "parking_lot")]
mod parking_lot {
    use super::{enter_graph, hold_fillers, race, spin_until};
    use lockorder::parking_lot::{Condvar, FairMutex, FairMutexGuard, Mutex, MutexGuard, Once, ReentrantMutex, RwLock};
    use std::cell::Cell;
    use std::sync::atomic::{AtomicBool, Ordering};

    type Other = lockorder::sync::Mutex<()>;

    #[test]
    fn mutex_guard() {
        let other = Other::new(());
        race(
            "parking_lot::MutexGuard",
            || Mutex::new(false),
            |latch, baton| {
                let mut flag = latch.lock();
                baton.pass();
                enter_graph(&other);
                hold_fillers();
                *flag = true;
            },
            |latch, baton| {
                baton.take();
                spin_until(|| *latch.lock());
            },
        );
    }

    #[test]
    fn mapped_mutex_guard() {
        let other = Other::new(());
        race(
            "parking_lot::MappedMutexGuard",
            || Mutex::new((0u32, false)),
            |latch, baton| {
                let mut flag = MutexGuard::map(latch.lock(), |(_, flag)| flag);
                baton.pass();
                enter_graph(&other);
                hold_fillers();
                *flag = true;
            },
            |latch, baton| {
                baton.take();
                spin_until(|| latch.lock().1);
            },
        );
    }

    /// A `FairMutex` guard's drop is a fair unlock.
    #[test]
    fn fair_mutex_guard() {
        let other = Other::new(());
        race(
            "parking_lot::FairMutexGuard",
            || FairMutex::new(false),
            |latch, baton| {
                let mut flag = latch.lock();
                baton.pass();
                enter_graph(&other);
                hold_fillers();
                *flag = true;
            },
            |latch, baton| {
                baton.take();
                spin_until(|| *latch.lock());
            },
        );
    }

    #[test]
    fn fair_mutex_guard_unlock_fair() {
        let other = Other::new(());
        race(
            "parking_lot::FairMutexGuard::unlock_fair",
            || FairMutex::new(false),
            |latch, baton| {
                let mut flag = latch.lock();
                baton.pass();
                enter_graph(&other);
                hold_fillers();
                *flag = true;
                FairMutexGuard::unlock_fair(flag);
            },
            |latch, baton| {
                baton.take();
                spin_until(|| *latch.lock());
            },
        );
    }

    #[test]
    fn reentrant_mutex_guard() {
        let other = Other::new(());
        race(
            "parking_lot::ReentrantMutexGuard",
            || ReentrantMutex::new(Cell::new(false)),
            |latch, baton| {
                let outer = latch.lock();
                // A level released while the mutex stays locked.
                drop(latch.lock());
                baton.pass();
                enter_graph(&other);
                hold_fillers();
                outer.set(true);
            },
            |latch, baton| {
                baton.take();
                spin_until(|| latch.lock().get());
            },
        );
    }

    #[test]
    fn rwlock_write_guard() {
        let other = Other::new(());
        race(
            "parking_lot::RwLockWriteGuard",
            || RwLock::new(false),
            |latch, baton| {
                let mut flag = latch.write();
                baton.pass();
                enter_graph(&other);
                hold_fillers();
                *flag = true;
            },
            |latch, baton| {
                baton.take();
                spin_until(|| *latch.read());
            },
        );
    }

    /// As `sync::RwLockReadGuard`, the waiter does not wait in `write`: a
    /// reader's unlock clears the parked-writer bit after the readers are
    /// gone, which a writer that had not parked yet could outrun.
    #[test]
    fn rwlock_read_guard() {
        let other = Other::new(());
        race(
            "parking_lot::RwLockReadGuard",
            || RwLock::new(AtomicBool::new(false)),
            |latch, _| {
                let flag = latch.read();
                enter_graph(&other);
                hold_fillers();
                flag.store(true, Ordering::Relaxed);
            },
            |latch, _| spin_until(|| latch.try_write().is_some_and(|flag| flag.load(Ordering::Relaxed))),
        );
    }

    #[test]
    fn rwlock_upgradable_read_guard() {
        let other = Other::new(());
        race(
            "parking_lot::RwLockUpgradableReadGuard",
            || RwLock::new(AtomicBool::new(false)),
            |latch, _| {
                let flag = latch.upgradable_read();
                enter_graph(&other);
                hold_fillers();
                flag.store(true, Ordering::Relaxed);
            },
            |latch, _| spin_until(|| latch.try_write().is_some_and(|flag| flag.load(Ordering::Relaxed))),
        );
    }

    #[test]
    fn mutex_guard_with_condvar() {
        let other = Other::new(());
        race(
            "parking_lot::MutexGuard with parking_lot::Condvar",
            || (Mutex::new(false), Condvar::new()),
            |(mutex, condvar), _| {
                let mut flag = mutex.lock();
                enter_graph(&other);
                hold_fillers();
                *flag = true;
                condvar.notify_all();
            },
            |(mutex, condvar), _| {
                let mut flag = mutex.lock();
                condvar.wait_while(&mut flag, |flag| !*flag);
            },
        );
    }

    #[test]
    fn once() {
        let other = Other::new(());
        race(
            "parking_lot::Once",
            Once::new,
            |once, baton| {
                once.call_once(|| {
                    baton.pass();
                    enter_graph(&other);
                    hold_fillers();
                });
            },
            |once, baton| {
                baton.take();
                once.call_once(|| unreachable!("the setter runs the initializer"));
            },
        );
    }
}

#[cfg(feature = "tokio")]
mod tokio {
    use super::{hold_fillers, race, release_fillers, spin_until};
    use ::tokio::runtime::{Builder, Runtime};
    use lockorder::tokio::{scope, Mutex, MutexGuard, RwLock, RwLockWriteGuard};
    use std::future::Future;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// The setter's side: `f` runs as a task (a lockorder scope) on a
    /// current-thread runtime.
    fn setter_task(rt: &Runtime, f: impl Future<Output = ()>) {
        rt.block_on(scope(f));
    }

    fn runtime() -> Runtime {
        Builder::new_current_thread().build().unwrap()
    }

    /// [`super::enter_graph`] with an async lock, awaited.
    async fn enter_graph(other: &Mutex<()>) {
        drop(other.lock().await);
    }

    // The waiters, on a thread outside the runtime, wait in the blocking
    // acquisitions. The setters release the fillers in the task that took
    // them.

    #[test]
    fn mutex_guard() {
        let (rt, other) = (runtime(), Mutex::new(()));
        race(
            "tokio::MutexGuard",
            || Mutex::new(false),
            |latch, baton| {
                setter_task(&rt, async {
                    let mut flag = latch.lock().await;
                    baton.pass();
                    enter_graph(&other).await;
                    hold_fillers();
                    *flag = true;
                    drop(flag);
                    release_fillers();
                });
            },
            |latch, baton| {
                baton.take();
                spin_until(|| *latch.blocking_lock());
            },
        );
    }

    #[test]
    fn mapped_mutex_guard() {
        let (rt, other) = (runtime(), Mutex::new(()));
        race(
            "tokio::MappedMutexGuard",
            || Mutex::new((0u32, false)),
            |latch, baton| {
                setter_task(&rt, async {
                    let mut flag = MutexGuard::map(latch.lock().await, |(_, flag)| flag);
                    baton.pass();
                    enter_graph(&other).await;
                    hold_fillers();
                    *flag = true;
                    drop(flag);
                    release_fillers();
                });
            },
            |latch, baton| {
                baton.take();
                spin_until(|| latch.blocking_lock().1);
            },
        );
    }

    #[test]
    fn rwlock_write_guard() {
        let (rt, other) = (runtime(), Mutex::new(()));
        race(
            "tokio::RwLockWriteGuard",
            || RwLock::new(false),
            |latch, baton| {
                setter_task(&rt, async {
                    let mut flag = latch.write().await;
                    baton.pass();
                    enter_graph(&other).await;
                    hold_fillers();
                    *flag = true;
                    drop(flag);
                    release_fillers();
                });
            },
            |latch, baton| {
                baton.take();
                spin_until(|| *latch.blocking_read());
            },
        );
    }

    #[test]
    fn rwlock_mapped_write_guard() {
        let (rt, other) = (runtime(), Mutex::new(()));
        race(
            "tokio::RwLockMappedWriteGuard",
            || RwLock::new((0u32, false)),
            |latch, baton| {
                setter_task(&rt, async {
                    let mut flag = RwLockWriteGuard::map(latch.write().await, |(_, flag)| flag);
                    baton.pass();
                    enter_graph(&other).await;
                    hold_fillers();
                    *flag = true;
                    drop(flag);
                    release_fillers();
                });
            },
            |latch, baton| {
                baton.take();
                spin_until(|| latch.blocking_read().1);
            },
        );
    }

    /// Unlike std's and parking_lot's, tokio's lock is safe to wait in with
    /// `write`: its last reader hands the permits over under the
    /// semaphore's own lock and wakes a queued writer after releasing it,
    /// and a writer that got the permits without queuing takes that lock
    /// to release them.
    #[test]
    fn rwlock_read_guard() {
        let (rt, other) = (runtime(), Mutex::new(()));
        race(
            "tokio::RwLockReadGuard",
            || RwLock::new(AtomicBool::new(false)),
            |latch, baton| {
                setter_task(&rt, async {
                    let flag = latch.read().await;
                    baton.pass();
                    enter_graph(&other).await;
                    hold_fillers();
                    flag.store(true, Ordering::Relaxed);
                    drop(flag);
                    release_fillers();
                });
            },
            |latch, baton| {
                baton.take();
                spin_until(|| latch.blocking_write().load(Ordering::Relaxed));
            },
        );
    }

    /// A write guard downgraded to a read guard, then dropped.
    #[test]
    fn downgraded_rwlock_read_guard() {
        let (rt, other) = (runtime(), Mutex::new(()));
        race(
            "tokio::RwLockReadGuard from RwLockWriteGuard::downgrade",
            || RwLock::new(false),
            |latch, baton| {
                setter_task(&rt, async {
                    let mut flag = latch.write().await;
                    *flag = true;
                    let flag = flag.downgrade();
                    baton.pass();
                    enter_graph(&other).await;
                    hold_fillers();
                    drop(flag);
                    release_fillers();
                });
            },
            |latch, baton| {
                baton.take();
                spin_until(|| *latch.blocking_write());
            },
        );
    }
}

/// lock_api's guards over raw locks that snapshot the whole tracked lock
/// when they unlock: deterministic, on one thread.
#[cfg(feature = "lock_api")]
mod spy {
    use super::{changed, enter_graph};
    use lockorder::lock_api::{
        GetThreadId, GuardNoSend, MappedMutexGuard, MappedReentrantMutexGuard, MappedRwLockReadGuard,
        MappedRwLockWriteGuard, Mutex, MutexGuard, RawMutex, RawMutexFair, RawRwLock, RawRwLockDowngrade,
        RawRwLockFair, RawRwLockRecursive, RawRwLockUpgrade, RawRwLockUpgradeDowngrade, RawRwLockUpgradeFair,
        ReentrantMutex, ReentrantMutexGuard, RwLock, RwLockReadGuard, RwLockUpgradableReadGuard, RwLockWriteGuard,
    };
    use std::cell::{Cell, RefCell};
    use std::num::NonZeroUsize;
    use std::sync::atomic::{AtomicUsize, Ordering};

    thread_local! {
        /// The tracked lock being watched: its address and size.
        static WATCHED: Cell<Option<(*const u8, usize)>> = const { Cell::new(None) };
        /// The bytes of the watched lock, taken by each unlock of its raw
        /// lock, right after the raw lock was released.
        static AT_UNLOCK: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
    }

    /// The bytes of the `size` bytes at `at`.
    ///
    /// The locks watched here have word-sized raw locks and payloads, so
    /// they have no padding: every byte is initialized.
    fn bytes_at(at: *const u8, size: usize) -> Vec<u8> {
        let mut bytes = vec![0; size];
        // SAFETY: the caller watches a live lock of `size` bytes at `at`;
        // this thread is the only one using it.
        unsafe { std::ptr::copy_nonoverlapping(at, bytes.as_mut_ptr(), size) };
        bytes
    }

    /// Called by the spies' unlocks, after the raw lock is released.
    fn snapshot() {
        if let Some((at, size)) = WATCHED.get() {
            let bytes = bytes_at(at, size);
            AT_UNLOCK.with_borrow_mut(|snapshots| snapshots.push(bytes));
        }
    }

    /// Runs `release`, which must unlock `lock` once (the drop of its last
    /// guard), and asserts that nothing wrote to `lock` after the unlock.
    ///
    /// The caller holds `lock` and took another lock under it first, so
    /// that the lock's tracking has something to record when it is
    /// released.
    #[track_caller]
    fn assert_unlock_last<L>(what: &str, lock: &L, release: impl FnOnce()) {
        let (at, size) = ((lock as *const L).cast::<u8>(), size_of::<L>());
        WATCHED.set(Some((at, size)));
        release();
        WATCHED.set(None);
        let snapshots = AT_UNLOCK.take();
        assert_eq!(snapshots.len(), 1, "{what}: the release should unlock the raw lock once");
        let after = bytes_at(at, size);
        let at_unlock = &snapshots[0];
        assert!(
            after == *at_unlock,
            "{what}: the lock was written after its unlock; (offset, byte) now, where it differs from the \
             unlock's snapshot: {:02x?}\nat unlock: {at_unlock:02x?}\nnow:       {after:02x?}",
            changed(&after, |i| at_unlock[i]),
        );
    }

    /// A raw mutex for one thread; its unlocks call [`snapshot`].
    #[derive(Debug)]
    struct SpyMutex(AtomicUsize);

    // SAFETY: one holder at a time (a compare-exchange from 0 takes it);
    // `lock` panics rather than wait, which only one thread can need.
    unsafe impl RawMutex for SpyMutex {
        #[allow(clippy::declare_interior_mutable_const)] // lock_api's required initializer.
        const INIT: SpyMutex = SpyMutex(AtomicUsize::new(0));
        type GuardMarker = GuardNoSend;

        fn lock(&self) {
            assert!(self.try_lock(), "the spy mutex is never contended");
        }

        fn try_lock(&self) -> bool {
            self.0.compare_exchange(0, 1, Ordering::Acquire, Ordering::Relaxed).is_ok()
        }

        unsafe fn unlock(&self) {
            self.0.store(0, Ordering::Release);
            snapshot();
        }

        fn is_locked(&self) -> bool {
            self.0.load(Ordering::Relaxed) != 0
        }
    }

    // SAFETY: a fair unlock is an unlock when nobody waits.
    unsafe impl RawMutexFair for SpyMutex {
        unsafe fn unlock_fair(&self) {
            // SAFETY: forwarded from this function's contract.
            unsafe { self.unlock() };
        }
    }

    /// A thread id for [`ReentrantMutex`]: the address of a thread-local.
    #[derive(Debug)]
    struct SpyThreadId;

    // SAFETY: a thread-local's address is unique among live threads and
    // never zero.
    unsafe impl GetThreadId for SpyThreadId {
        const INIT: SpyThreadId = SpyThreadId;

        fn nonzero_thread_id(&self) -> NonZeroUsize {
            thread_local!(static ID: u8 = const { 0 });
            ID.with(|id| NonZeroUsize::new(std::ptr::from_ref(id) as usize).unwrap())
        }
    }

    const WRITER: usize = 1;
    const UPGRADABLE: usize = 2;
    const READER: usize = 4;

    /// A raw reader-writer lock for one thread, with every lock_api
    /// capability but timeouts; its unlocks call [`snapshot`].
    #[derive(Debug)]
    struct SpyRwLock(AtomicUsize);

    impl SpyRwLock {
        fn update(&self, f: impl Fn(usize) -> Option<usize>) -> bool {
            self.0.fetch_update(Ordering::Acquire, Ordering::Relaxed, f).is_ok()
        }

        fn release(&self, f: impl Fn(usize) -> usize) {
            let _ = self.0.fetch_update(Ordering::Release, Ordering::Relaxed, |s| Some(f(s)));
            snapshot();
        }
    }

    // SAFETY: a writer excludes everyone, an upgradable reader writers and
    // upgradable readers; `lock_*` panic rather than wait (one thread only).
    unsafe impl RawRwLock for SpyRwLock {
        #[allow(clippy::declare_interior_mutable_const)] // lock_api's required initializer.
        const INIT: SpyRwLock = SpyRwLock(AtomicUsize::new(0));
        type GuardMarker = GuardNoSend;

        fn lock_shared(&self) {
            assert!(self.try_lock_shared(), "the spy rwlock is never contended");
        }

        fn try_lock_shared(&self) -> bool {
            self.update(|s| (s & WRITER == 0).then_some(s + READER))
        }

        unsafe fn unlock_shared(&self) {
            self.release(|s| s - READER);
        }

        fn lock_exclusive(&self) {
            assert!(self.try_lock_exclusive(), "the spy rwlock is never contended");
        }

        fn try_lock_exclusive(&self) -> bool {
            self.update(|s| (s == 0).then_some(WRITER))
        }

        unsafe fn unlock_exclusive(&self) {
            self.release(|s| s & !WRITER);
        }
    }

    // SAFETY: as `RawRwLock`; a recursive read is a read.
    unsafe impl RawRwLockRecursive for SpyRwLock {
        fn lock_shared_recursive(&self) {
            self.lock_shared();
        }

        fn try_lock_shared_recursive(&self) -> bool {
            self.try_lock_shared()
        }
    }

    // SAFETY: fair unlocks are unlocks when nobody waits.
    unsafe impl RawRwLockFair for SpyRwLock {
        unsafe fn unlock_shared_fair(&self) {
            // SAFETY: forwarded from this function's contract.
            unsafe { self.unlock_shared() };
        }

        unsafe fn unlock_exclusive_fair(&self) {
            // SAFETY: forwarded from this function's contract.
            unsafe { self.unlock_exclusive() };
        }
    }

    // SAFETY: the writer becomes one reader, without unlocking.
    unsafe impl RawRwLockDowngrade for SpyRwLock {
        unsafe fn downgrade(&self) {
            assert!(self.update(|s| (s == WRITER).then_some(READER)));
        }
    }

    // SAFETY: as `RawRwLock`; an upgrade waits for no reader (there is
    // none to wait for on one thread).
    unsafe impl RawRwLockUpgrade for SpyRwLock {
        fn lock_upgradable(&self) {
            assert!(self.try_lock_upgradable(), "the spy rwlock is never contended");
        }

        fn try_lock_upgradable(&self) -> bool {
            self.update(|s| (s & (WRITER | UPGRADABLE) == 0).then_some(s | UPGRADABLE))
        }

        unsafe fn unlock_upgradable(&self) {
            self.release(|s| s & !UPGRADABLE);
        }

        unsafe fn upgrade(&self) {
            // SAFETY: forwarded from this function's contract.
            assert!(unsafe { self.try_upgrade() }, "readers would block the upgrade");
        }

        unsafe fn try_upgrade(&self) -> bool {
            self.update(|s| (s == UPGRADABLE).then_some(WRITER))
        }
    }

    // SAFETY: as `RawRwLockFair`.
    unsafe impl RawRwLockUpgradeFair for SpyRwLock {
        unsafe fn unlock_upgradable_fair(&self) {
            // SAFETY: forwarded from this function's contract.
            unsafe { self.unlock_upgradable() };
        }
    }

    // SAFETY: the transitions keep the lock held throughout.
    unsafe impl RawRwLockUpgradeDowngrade for SpyRwLock {
        unsafe fn downgrade_upgradable(&self) {
            assert!(self.update(|s| (s & UPGRADABLE != 0).then_some(s - UPGRADABLE + READER)));
        }

        unsafe fn downgrade_to_upgradable(&self) {
            assert!(self.update(|s| (s == WRITER).then_some(UPGRADABLE)));
        }
    }

    type SpyMutexLock = Mutex<SpyMutex, u64>;
    type SpyReentrant = ReentrantMutex<SpyMutex, SpyThreadId, u64>;
    type SpyRw = RwLock<SpyRwLock, u64>;

    /// One case: a new lock (boxed, as a lock freed by its waiter would
    /// be) named `$lock` in `$take`, which returns a guard of it and takes
    /// another lock under it (see [`nested`]); `$release` unlocks it.
    macro_rules! check {
        ($what:expr, $new:expr, |$lock:ident| $take:expr, $release:expr $(,)?) => {{
            let boxed = Box::new($new);
            let $lock = &*boxed;
            let guard = $take;
            assert_unlock_last($what, $lock, || ($release)(guard));
        }};
    }

    /// Takes another lock while the caller holds one.
    fn nest() {
        enter_graph(&lockorder::sync::Mutex::new(()));
    }

    /// `guard`, once another lock was taken under it.
    fn nested<G>(guard: G) -> G {
        nest();
        guard
    }

    #[test]
    fn mutex_guard() {
        check!("MutexGuard", SpyMutexLock::new(0), |m| nested(m.lock()), drop);
        check!("MutexGuard from try_lock", SpyMutexLock::new(0), |m| nested(m.try_lock().unwrap()), drop);
    }

    #[test]
    fn mutex_guard_unlock_fair() {
        check!("MutexGuard::unlock_fair", SpyMutexLock::new(0), |m| nested(m.lock()), MutexGuard::unlock_fair);
    }

    #[test]
    fn mapped_mutex_guard() {
        check!("MappedMutexGuard", SpyMutexLock::new(0), |m| nested(MutexGuard::map(m.lock(), |v| v)), drop);
    }

    #[test]
    fn mapped_mutex_guard_unlock_fair() {
        check!(
            "MappedMutexGuard::unlock_fair",
            SpyMutexLock::new(0),
            |m| nested(MutexGuard::map(m.lock(), |v| v)),
            MappedMutexGuard::unlock_fair,
        );
    }

    #[test]
    fn reentrant_mutex_guard() {
        check!("ReentrantMutexGuard", SpyReentrant::new(0), |m| nested(m.lock()), drop);
        // Re-entered: the inner level's release keeps the mutex locked,
        // and only the outer one's drop unlocks it.
        check!(
            "ReentrantMutexGuard, outer level",
            SpyReentrant::new(0),
            |m| {
                let outer = m.lock();
                drop(m.lock());
                nested(outer)
            },
            drop,
        );
    }

    #[test]
    fn reentrant_mutex_guard_unlock_fair() {
        check!(
            "ReentrantMutexGuard::unlock_fair",
            SpyReentrant::new(0),
            |m| nested(m.lock()),
            ReentrantMutexGuard::unlock_fair,
        );
    }

    #[test]
    fn mapped_reentrant_mutex_guard() {
        check!(
            "MappedReentrantMutexGuard",
            SpyReentrant::new(0),
            |m| nested(ReentrantMutexGuard::map(m.lock(), |v| v)),
            drop,
        );
        check!(
            "MappedReentrantMutexGuard::unlock_fair",
            SpyReentrant::new(0),
            |m| nested(ReentrantMutexGuard::map(m.lock(), |v| v)),
            MappedReentrantMutexGuard::unlock_fair,
        );
    }

    #[test]
    fn rwlock_read_guard() {
        check!("RwLockReadGuard", SpyRw::new(0), |l| nested(l.read()), drop);
        check!("RwLockReadGuard from read_recursive", SpyRw::new(0), |l| nested(l.read_recursive()), drop);
        check!("RwLockReadGuard::unlock_fair", SpyRw::new(0), |l| nested(l.read()), RwLockReadGuard::unlock_fair);
    }

    #[test]
    fn mapped_rwlock_read_guard() {
        check!("MappedRwLockReadGuard", SpyRw::new(0), |l| nested(RwLockReadGuard::map(l.read(), |v| v)), drop);
        check!(
            "MappedRwLockReadGuard::unlock_fair",
            SpyRw::new(0),
            |l| nested(RwLockReadGuard::map(l.read(), |v| v)),
            MappedRwLockReadGuard::unlock_fair,
        );
    }

    #[test]
    fn rwlock_write_guard() {
        check!("RwLockWriteGuard", SpyRw::new(0), |l| nested(l.write()), drop);
        check!("RwLockWriteGuard::unlock_fair", SpyRw::new(0), |l| nested(l.write()), RwLockWriteGuard::unlock_fair);
    }

    #[test]
    fn mapped_rwlock_write_guard() {
        check!("MappedRwLockWriteGuard", SpyRw::new(0), |l| nested(RwLockWriteGuard::map(l.write(), |v| v)), drop);
        check!(
            "MappedRwLockWriteGuard::unlock_fair",
            SpyRw::new(0),
            |l| nested(RwLockWriteGuard::map(l.write(), |v| v)),
            MappedRwLockWriteGuard::unlock_fair,
        );
    }

    #[test]
    fn rwlock_upgradable_read_guard() {
        check!("RwLockUpgradableReadGuard", SpyRw::new(0), |l| nested(l.upgradable_read()), drop);
        check!(
            "RwLockUpgradableReadGuard::unlock_fair",
            SpyRw::new(0),
            |l| nested(l.upgradable_read()),
            RwLockUpgradableReadGuard::unlock_fair,
        );
    }

    /// Guards that came out of a transition; the other lock is taken after
    /// it, so that the last guard's release is the one with something to
    /// record.
    #[test]
    fn guards_after_transitions() {
        check!(
            "RwLockWriteGuard from RwLockUpgradableReadGuard::upgrade",
            SpyRw::new(0),
            |l| nested(RwLockUpgradableReadGuard::upgrade(l.upgradable_read())),
            drop,
        );
        check!(
            "RwLockWriteGuard from RwLockUpgradableReadGuard::try_upgrade",
            SpyRw::new(0),
            |l| nested(RwLockUpgradableReadGuard::try_upgrade(l.upgradable_read()).unwrap()),
            drop,
        );
        check!(
            "RwLockReadGuard from RwLockWriteGuard::downgrade",
            SpyRw::new(0),
            |l| nested(RwLockWriteGuard::downgrade(l.write())),
            drop,
        );
        check!(
            "RwLockUpgradableReadGuard from RwLockWriteGuard::downgrade_to_upgradable",
            SpyRw::new(0),
            |l| nested(RwLockWriteGuard::downgrade_to_upgradable(l.write())),
            drop,
        );
        check!(
            "RwLockReadGuard from RwLockUpgradableReadGuard::downgrade",
            SpyRw::new(0),
            |l| nested(RwLockUpgradableReadGuard::downgrade(l.upgradable_read())),
            drop,
        );
    }
}
