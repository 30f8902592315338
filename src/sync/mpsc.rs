//! A tracked [`std::sync::mpsc`]: channels whose blocking waits are checked
//! against the locks their threads hold.
//!
//! Swap `use std::sync::mpsc` for `use lockorder::sync::mpsc`; the
//! functions, types, signatures, errors (std's own, re-exported) and trait
//! implementations are std's.
//!
//! # What is checked
//!
//! A thread blocked in `recv` waits for another thread's `send`; a thread
//! blocked in the `send` of a full [`sync_channel`] waits for another
//! thread's `recv`. If that other thread must first take a lock the waiter
//! holds, neither moves, and no order between locks shows it. So each
//! channel has two waits, made where [`channel`] or [`sync_channel`] was
//! called, that take part in the lock-order graph like locks:
//!
//! - *a message on the channel*: [`Receiver::recv`] and the blocking
//!   iterators ([`Receiver::iter`], [`IntoIter`]) wait for it; every lock
//!   the receiving thread holds then is ordered before it. A successful
//!   [`Sender::send`], [`SyncSender::send`] or [`SyncSender::try_send`],
//!   and the drop of the last sender (which wakes `recv` with an error),
//!   complete it: it is ordered before every lock the sending thread holds
//!   then.
//! - *a free slot in the channel* (bounded channels only): a
//!   [`SyncSender::send`], which may block while the channel is full,
//!   waits for it; a `recv`, `try_recv` or `recv_timeout` that takes a
//!   message, and the drop of the [`Receiver`], complete it.
//!
//! A cycle through a wait is reported as a lock-order inversion, before
//! the thread blocks, with the wait named in the cycle (`a message on the
//! channel made at src/main.rs:10:20`); a cycle closed by a completion is
//! reported at the call that completes, a drop included. Calls that cannot hang
//! ([`Receiver::try_recv`], [`Receiver::recv_timeout`],
//! [`Receiver::try_iter`], [`SyncSender::try_send`], and `Sender::send`,
//! which never blocks) wait for nothing, but still complete what they
//! complete. The [watchdog](crate::watchdog) sees a blocked `recv` or
//! `send` like a blocked lock.
//!
//! The bugs this finds:
//!
//! - a `recv` under a lock `L` whose sender sends under `L`: the receiver
//!   waits for the message with `L` held, the sender waits for `L` before
//!   sending;
//! - [sled#1515](https://github.com/spacejam/sled/issues/1515): a read
//!   lock held across a blocking `send` into a bounded channel, while the
//!   receiver's owner takes the write lock before dropping the receiver:
//!   the sender waits for a free slot with the read lock held, the owner
//!   waits for the write lock before the drop that would free it.
//!
//! # Examples
//!
//! The first bug, reported at the `recv` even though the message is
//! already there this time:
//!
//! ```
//! # if lockorder::enabled() {
//! use lockorder::sync::{mpsc, Mutex};
//! use std::sync::{Arc, Mutex as StdMutex};
//!
//! let seen = Arc::new(StdMutex::new(Vec::new()));
//! let sink = seen.clone();
//! lockorder::set_handler(move |v| sink.lock().unwrap().push(v.to_string()));
//! lockorder::set_policy(lockorder::Policy::Ignore);
//!
//! let state = Mutex::new_named("state", 0);
//! let (tx, rx) = mpsc::channel();
//! std::thread::scope(|s| {
//!     s.spawn(|| {
//!         let _state = state.lock().unwrap();
//!         tx.send(1).unwrap(); // the message is ordered before `state`
//!     });
//! });
//! let _state = state.lock().unwrap();
//! assert_eq!(rx.recv(), Ok(1)); // `state` before the message: a cycle
//!
//! let reports = seen.lock().unwrap();
//! assert!(reports[0].contains("a message on the channel made at"));
//! # }
//! ```

use std::fmt;
#[cfg(lockorder_tracking)]
use std::sync::atomic::{AtomicUsize, Ordering};
#[cfg(lockorder_tracking)]
use std::sync::Arc;
use std::time::Duration;

#[cfg(lockorder_tracking)]
use crate::tracked::{PseudoLock, WaitKind};

pub use std::sync::mpsc::{RecvError, RecvTimeoutError, SendError, TryRecvError, TrySendError};

/// The waits of one channel, shared by both of its ends.
#[cfg(lockorder_tracking)]
#[derive(Debug)]
struct Waits {
    /// A message: `recv` waits for it, a send or the last sender's drop
    /// completes it.
    message: PseudoLock,
    /// A free slot, in a bounded channel: its blocking `send` waits for
    /// it, a receipt or the receiver's drop completes it.
    free_slot: Option<PseudoLock>,
    /// The senders alive: the drop of the last one completes `message`.
    senders: AtomicUsize,
}

/// An end's share of its channel's waits: nothing without tracking, so an
/// end then has the size of std's.
#[derive(Clone)]
struct Shared {
    #[cfg(lockorder_tracking)]
    waits: Arc<Waits>,
}

impl Shared {
    /// The waits of a new channel, made at the caller's location, with one
    /// sender.
    #[track_caller]
    #[inline]
    fn new(bounded: bool) -> Shared {
        #[cfg(lockorder_tracking)]
        return Shared {
            waits: Arc::new(Waits {
                message: PseudoLock::new(WaitKind::Message),
                free_slot: if bounded { Some(PseudoLock::new(WaitKind::FreeSlot)) } else { None },
                senders: AtomicUsize::new(1),
            }),
        };
        #[cfg(not(lockorder_tracking))]
        {
            let _ = bounded;
            Shared {}
        }
    }

    /// Runs `recv`, a blocking receipt, as a wait for a message.
    #[track_caller]
    #[inline]
    fn wait_for_message<R>(&self, recv: impl FnOnce() -> R) -> R {
        #[cfg(lockorder_tracking)]
        let _waiting = self.waits.message.wait();
        recv()
    }

    /// Runs `send`, a blocking send into a bounded channel, as a wait for
    /// a free slot.
    #[track_caller]
    #[inline]
    fn wait_for_free_slot<R>(&self, send: impl FnOnce() -> R) -> R {
        // The wait is called here, not through `Option::map`: its site is
        // the caller's only through `#[track_caller]` functions.
        #[cfg(lockorder_tracking)]
        if let Some(free_slot) = &self.waits.free_slot {
            let _waiting = free_slot.wait();
            return send();
        }
        send()
    }

    /// Records a message sent by this thread now.
    #[track_caller]
    #[inline]
    fn sent(&self) {
        #[cfg(lockorder_tracking)]
        self.waits.message.complete();
    }

    /// Records a message taken by this thread now: a slot is free in a
    /// bounded channel.
    #[track_caller]
    #[inline]
    fn received(&self) {
        #[cfg(lockorder_tracking)]
        if let Some(free_slot) = &self.waits.free_slot {
            free_slot.complete();
        }
    }

    /// Counts a new sender.
    #[inline]
    fn sender_cloned(&self) {
        #[cfg(lockorder_tracking)]
        self.waits.senders.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a sender dropped; the last one wakes the receiver (its
    /// `recv` returns an error), as a message would.
    #[inline]
    fn sender_dropped(&self) {
        #[cfg(lockorder_tracking)]
        if self.waits.senders.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.waits.message.complete();
        }
    }

    /// The receiver is dropped: a blocked `send` returns (with an error),
    /// as if a slot were free.
    #[inline]
    fn receiver_dropped(&self) {
        self.received();
    }
}

/// Creates a new asynchronous channel, returning the sender/receiver
/// halves: a drop-in for [`std::sync::mpsc::channel`].
///
/// Sends never block; a [`Receiver::recv`] waits for a message, which the
/// [module docs](self) say how it is checked. The channel's waits are
/// reported as made at this call.
///
/// # Examples
///
/// ```
/// use lockorder::sync::mpsc::channel;
///
/// let (tx, rx) = channel();
/// std::thread::spawn(move || tx.send(10).unwrap());
/// assert_eq!(rx.recv().unwrap(), 10);
/// ```
#[must_use]
#[track_caller]
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let shared = Shared::new(false);
    let (tx, rx) = std::sync::mpsc::channel();
    (Sender { inner: tx, shared: shared.clone() }, Receiver { inner: rx, shared })
}

/// Creates a new synchronous, bounded channel, returning the
/// sender/receiver halves: a drop-in for [`std::sync::mpsc::sync_channel`].
///
/// A [`SyncSender::send`] blocks while `bound` messages are waiting (with
/// a `bound` of 0, until a receiver takes the message); the
/// [module docs](self) say how both of the channel's waits are checked.
/// They are reported as made at this call.
///
/// # Examples
///
/// ```
/// use lockorder::sync::mpsc::sync_channel;
///
/// let (tx, rx) = sync_channel(1);
/// tx.send(1).unwrap(); // does not block: one slot
/// std::thread::spawn(move || tx.send(2).unwrap()); // blocks until the recv below
/// assert_eq!(rx.recv().unwrap(), 1);
/// assert_eq!(rx.recv().unwrap(), 2);
/// ```
#[must_use]
#[track_caller]
pub fn sync_channel<T>(bound: usize) -> (SyncSender<T>, Receiver<T>) {
    let shared = Shared::new(true);
    let (tx, rx) = std::sync::mpsc::sync_channel(bound);
    (SyncSender { inner: tx, shared: shared.clone() }, Receiver { inner: rx, shared })
}

/// The sending half of a [`channel`]: a drop-in for
/// [`std::sync::mpsc::Sender`].
///
/// A send records that the channel's message may come from the locks this
/// thread holds (see the [module docs](self)); dropping the last sender of
/// the channel does too.
///
/// # Examples
///
/// ```
/// use lockorder::sync::mpsc::channel;
///
/// let (tx, rx) = channel();
/// let tx2 = tx.clone();
/// std::thread::spawn(move || tx.send(1).unwrap());
/// std::thread::spawn(move || tx2.send(2).unwrap());
/// let mut got = [rx.recv().unwrap(), rx.recv().unwrap()];
/// got.sort();
/// assert_eq!(got, [1, 2]);
/// ```
pub struct Sender<T> {
    inner: std::sync::mpsc::Sender<T>,
    shared: Shared,
}

impl<T> Sender<T> {
    /// Sends a value on this channel, without blocking.
    ///
    /// # Errors
    ///
    /// As std: the value comes back in a [`SendError`] if the receiver was
    /// dropped.
    ///
    /// # Panics
    ///
    /// Under the default policy, if the message sent closes a cycle with
    /// the locks this thread holds: a `recv` on this channel waited while
    /// holding one of them.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::sync::mpsc::channel;
    ///
    /// let (tx, rx) = channel();
    /// tx.send(1).unwrap();
    /// drop(rx);
    /// assert_eq!(tx.send(2).unwrap_err().0, 2);
    /// ```
    #[track_caller]
    pub fn send(&self, t: T) -> Result<(), SendError<T>> {
        let sent = self.inner.send(t);
        if sent.is_ok() {
            self.shared.sent();
        }
        sent
    }
}

impl<T> Clone for Sender<T> {
    /// Another sender to the same channel; the receiver's `recv` fails only
    /// when every sender is dropped.
    fn clone(&self) -> Sender<T> {
        self.shared.sender_cloned();
        Sender { inner: self.inner.clone(), shared: self.shared.clone() }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.shared.sender_dropped();
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

/// The sending half of a [`sync_channel`]: a drop-in for
/// [`std::sync::mpsc::SyncSender`].
///
/// A [`send`](SyncSender::send) may block until the receiver takes a
/// message: it waits for a free slot, checked against the locks this
/// thread holds (see the [module docs](self)).
///
/// # Examples
///
/// ```
/// use lockorder::sync::mpsc::sync_channel;
///
/// let (tx, rx) = sync_channel(0);
/// let worker = std::thread::spawn(move || tx.send("done").unwrap());
/// assert_eq!(rx.recv().unwrap(), "done");
/// worker.join().unwrap();
/// ```
pub struct SyncSender<T> {
    inner: std::sync::mpsc::SyncSender<T>,
    shared: Shared,
}

impl<T> SyncSender<T> {
    /// Sends a value on this channel, blocking while the channel is full.
    ///
    /// Before it may block, the wait for a free slot is checked against
    /// the locks this thread holds.
    ///
    /// # Errors
    ///
    /// As std: the value comes back in a [`SendError`] if the receiver was
    /// dropped (before or during the wait).
    ///
    /// # Panics
    ///
    /// Under the default policy, if the wait for a free slot, or the
    /// message sent, closes a cycle with the locks this thread holds.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::sync::mpsc::sync_channel;
    ///
    /// let (tx, rx) = sync_channel(1);
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.recv(), Ok(1));
    /// drop(rx);
    /// assert_eq!(tx.send(2).unwrap_err().0, 2);
    /// ```
    #[track_caller]
    pub fn send(&self, t: T) -> Result<(), SendError<T>> {
        let sent = self.shared.wait_for_free_slot(|| self.inner.send(t));
        if sent.is_ok() {
            self.shared.sent();
        }
        sent
    }

    /// Sends a value on this channel if it has room, without blocking.
    ///
    /// It waits for nothing, so it is never reported as a wait; a message
    /// sent is recorded as [`SyncSender::send`]'s is.
    ///
    /// # Errors
    ///
    /// As std: [`TrySendError::Full`] if the channel has no room (with a
    /// bound of 0, if no receiver is waiting), [`TrySendError::Disconnected`]
    /// if the receiver was dropped; both give the value back.
    ///
    /// # Panics
    ///
    /// As [`Sender::send`], if a message is sent.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::sync::mpsc::{sync_channel, TrySendError};
    ///
    /// let (tx, rx) = sync_channel(1);
    /// assert_eq!(tx.try_send(1), Ok(()));
    /// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
    /// drop(rx);
    /// assert_eq!(tx.try_send(3), Err(TrySendError::Disconnected(3)));
    /// ```
    #[track_caller]
    pub fn try_send(&self, t: T) -> Result<(), TrySendError<T>> {
        let sent = self.inner.try_send(t);
        if sent.is_ok() {
            self.shared.sent();
        }
        sent
    }
}

impl<T> Clone for SyncSender<T> {
    /// Another sender to the same channel.
    fn clone(&self) -> SyncSender<T> {
        self.shared.sender_cloned();
        SyncSender { inner: self.inner.clone(), shared: self.shared.clone() }
    }
}

impl<T> Drop for SyncSender<T> {
    fn drop(&mut self) {
        self.shared.sender_dropped();
    }
}

impl<T> fmt::Debug for SyncSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

/// The receiving half of a [`channel`] or [`sync_channel`]: a drop-in for
/// [`std::sync::mpsc::Receiver`].
///
/// A blocking receipt ([`recv`](Receiver::recv), [`iter`](Receiver::iter),
/// iterating the receiver) waits for a message, checked against the locks
/// this thread holds (see the [module docs](self)).
///
/// # Examples
///
/// ```
/// use lockorder::sync::mpsc::channel;
///
/// let (tx, rx) = channel();
/// std::thread::spawn(move || {
///     for i in 0..3 {
///         tx.send(i).unwrap();
///     }
/// });
/// assert_eq!(rx.iter().collect::<Vec<_>>(), [0, 1, 2]);
/// ```
pub struct Receiver<T> {
    inner: std::sync::mpsc::Receiver<T>,
    shared: Shared,
}

impl<T> Receiver<T> {
    /// Takes a message if one is waiting, without blocking.
    ///
    /// It waits for nothing, so it is never reported as a wait; on a
    /// bounded channel, a message taken frees a slot, recorded as
    /// [`Receiver::recv`]'s does.
    ///
    /// # Errors
    ///
    /// As std: [`TryRecvError::Empty`] if no message is waiting,
    /// [`TryRecvError::Disconnected`] if none is and every sender was
    /// dropped.
    ///
    /// # Panics
    ///
    /// Under the default policy, if a message taken from a bounded channel
    /// frees a slot under a lock that a blocking `send` into it held.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::sync::mpsc::{channel, TryRecvError};
    ///
    /// let (tx, rx) = channel();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send(1).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    /// ```
    #[track_caller]
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        let received = self.inner.try_recv();
        if received.is_ok() {
            self.shared.received();
        }
        received
    }

    /// Blocks until a message arrives, and takes it.
    ///
    /// Before it may block, the wait for a message is checked against the
    /// locks this thread holds. On a bounded channel, the message taken
    /// frees a slot: it is ordered before the locks held, as a send is.
    ///
    /// # Errors
    ///
    /// As std: [`RecvError`] once the channel is empty and every sender was
    /// dropped.
    ///
    /// # Panics
    ///
    /// Under the default policy, if the wait for a message closes a cycle
    /// with the locks this thread holds: a sender to this channel sent, or
    /// was dropped, under one of them. On a bounded channel, also as
    /// [`Receiver::try_recv`].
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::sync::mpsc::{channel, RecvError};
    ///
    /// let (tx, rx) = channel();
    /// std::thread::spawn(move || tx.send(1).unwrap()).join().unwrap();
    /// assert_eq!(rx.recv(), Ok(1));
    /// assert_eq!(rx.recv(), Err(RecvError)); // the sender is gone
    /// ```
    #[track_caller]
    pub fn recv(&self) -> Result<T, RecvError> {
        let received = self.shared.wait_for_message(|| self.inner.recv());
        if received.is_ok() {
            self.shared.received();
        }
        received
    }

    /// Blocks until a message arrives or `timeout` has passed.
    ///
    /// A timed wait cannot hang, so it is not checked as a wait; a message
    /// taken is recorded as [`Receiver::try_recv`]'s is.
    ///
    /// # Errors
    ///
    /// As std: [`RecvTimeoutError::Timeout`] if no message came in time,
    /// [`RecvTimeoutError::Disconnected`] if the channel is empty and every
    /// sender was dropped.
    ///
    /// # Panics
    ///
    /// Under the default policy, if a message taken from a bounded channel
    /// frees a slot under a lock that a blocking `send` into it held.
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::sync::mpsc::{channel, RecvTimeoutError};
    /// use std::time::Duration;
    ///
    /// let (tx, rx) = channel::<i32>();
    /// assert_eq!(rx.recv_timeout(Duration::from_millis(1)), Err(RecvTimeoutError::Timeout));
    /// drop(tx);
    /// assert_eq!(rx.recv_timeout(Duration::from_millis(1)), Err(RecvTimeoutError::Disconnected));
    /// ```
    #[track_caller]
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        let received = self.inner.recv_timeout(timeout);
        if received.is_ok() {
            self.shared.received();
        }
        received
    }

    /// An iterator that blocks for each message, and ends when every
    /// sender is dropped; each step is a [`Receiver::recv`].
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::sync::mpsc::channel;
    ///
    /// let (tx, rx) = channel();
    /// std::thread::spawn(move || {
    ///     tx.send(1).unwrap();
    ///     tx.send(2).unwrap();
    /// });
    /// let mut iter = rx.iter();
    /// assert_eq!(iter.next(), Some(1));
    /// assert_eq!(iter.next(), Some(2));
    /// assert_eq!(iter.next(), None);
    /// ```
    pub fn iter(&self) -> Iter<'_, T> {
        Iter { rx: self }
    }

    /// An iterator over the messages waiting now, which never blocks; each
    /// step is a [`Receiver::try_recv`].
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::sync::mpsc::channel;
    ///
    /// let (tx, rx) = channel();
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1, 2]);
    /// assert_eq!(rx.try_iter().next(), None); // the sender is alive, but nothing waits
    /// ```
    pub fn try_iter(&self) -> TryIter<'_, T> {
        TryIter { rx: self }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.shared.receiver_dropped();
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

/// An iterator over messages on a [`Receiver`] that blocks for each, made
/// by [`Receiver::iter`]: a drop-in for [`std::sync::mpsc::Iter`].
///
/// It ends when every sender is dropped.
///
/// # Examples
///
/// ```
/// use lockorder::sync::mpsc::channel;
///
/// let (tx, rx) = channel();
/// std::thread::spawn(move || (0..3).for_each(|i| tx.send(i).unwrap()));
/// let iter: lockorder::sync::mpsc::Iter<'_, i32> = rx.iter();
/// assert_eq!(iter.sum::<i32>(), 3);
/// ```
#[derive(Debug)]
pub struct Iter<'a, T> {
    rx: &'a Receiver<T>,
}

/// An iterator over the messages waiting on a [`Receiver`], made by
/// [`Receiver::try_iter`]: a drop-in for [`std::sync::mpsc::TryIter`].
///
/// It never blocks: it ends when no message is waiting.
///
/// # Examples
///
/// ```
/// use lockorder::sync::mpsc::channel;
///
/// let (tx, rx) = channel();
/// tx.send(1).unwrap();
/// let mut iter: lockorder::sync::mpsc::TryIter<'_, i32> = rx.try_iter();
/// assert_eq!(iter.next(), Some(1));
/// assert_eq!(iter.next(), None);
/// ```
#[derive(Debug)]
pub struct TryIter<'a, T> {
    rx: &'a Receiver<T>,
}

/// An owning iterator over messages on a [`Receiver`] that blocks for each,
/// made by [`Receiver::into_iter`]: a drop-in for
/// [`std::sync::mpsc::IntoIter`].
///
/// It ends when every sender is dropped.
///
/// # Examples
///
/// ```
/// use lockorder::sync::mpsc::channel;
///
/// let (tx, rx) = channel();
/// std::thread::spawn(move || (1..=3).for_each(|i| tx.send(i).unwrap()));
/// let iter: lockorder::sync::mpsc::IntoIter<i32> = rx.into_iter();
/// assert_eq!(iter.collect::<Vec<_>>(), [1, 2, 3]);
/// ```
#[derive(Debug)]
pub struct IntoIter<T> {
    rx: Receiver<T>,
}

impl<T> Iterator for Iter<'_, T> {
    type Item = T;

    #[track_caller]
    fn next(&mut self) -> Option<T> {
        self.rx.recv().ok()
    }
}

impl<T> Iterator for TryIter<'_, T> {
    type Item = T;

    #[track_caller]
    fn next(&mut self) -> Option<T> {
        self.rx.try_recv().ok()
    }
}

impl<T> Iterator for IntoIter<T> {
    type Item = T;

    #[track_caller]
    fn next(&mut self) -> Option<T> {
        self.rx.recv().ok()
    }
}

impl<'a, T> IntoIterator for &'a Receiver<T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

impl<T> IntoIterator for Receiver<T> {
    type Item = T;
    type IntoIter = IntoIter<T>;

    fn into_iter(self) -> IntoIter<T> {
        IntoIter { rx: self }
    }
}
