//! Named lock classes.

use std::fmt;

/// A named class of locks.
///
/// Every lock has a class. By default it is the place the lock was created
/// (`file:line:col`): every instance created there, for example the shards
/// of a map created in a loop, or the store of every connection, shares
/// it. Beside the graph of lock instances, lockorder keeps a graph of
/// classes: an order between two classes seen one way on one code path and
/// the other way on another is a potential deadlock even when the instances
/// differ (see [`ViolationKind::ClassOrderInversion`](crate::ViolationKind)),
/// and its policy is set apart, with [`set_class_policy`](crate::set_class_policy).
///
/// A `LockClass` gives locks created in different places one class, named
/// in reports. Classes are identified by name: two `LockClass` values with
/// the same name are one class.
///
/// Holding a lock of a class while acquiring another lock of the same
/// class is judged by the order of the two instances, when the class is a
/// creation site: by their order of first use (ids are handed out on a
/// lock's first acquisition) and by their addresses while both are held.
/// A class always nested the same way by one of these keys (the slots of
/// a `Vec` locked lowest index first, locks sorted by address, accounts
/// locked in the order they were opened) is silent. A class nested both
/// ways by both keys (a transfer from `a` to `b` on one path, from `d` to
/// `c` on another) is reported, once, with the nestings of each way.
/// An acquisition that says it is nested, with
/// [`Mutex::lock_nested`](crate::sync::Mutex::lock_nested) and the like, is
/// at another level of the class and not judged so (as when list nodes
/// made in any order are walked hand over hand, each taken at its depth).
/// A named class keeps the strict rule: any nesting within it is reported
/// unless it says it is nested.
///
/// # Examples
///
/// Nesting one class, judged by order:
///
/// ```
/// use lockorder::sync::Mutex;
/// use lockorder::ViolationKind;
/// use std::sync::{Arc, Mutex as StdMutex};
///
/// let seen = Arc::new(StdMutex::new(Vec::new()));
/// let sink = seen.clone();
/// lockorder::set_handler(move |v| sink.lock().unwrap().push(v.kind()));
///
/// fn transfer(from: &Mutex<i64>, to: &Mutex<i64>) {
///     let (mut from, mut to) = (from.lock().unwrap(), to.lock().unwrap());
///     *from -= 1;
///     *to += 1;
/// }
/// // One class (one creation site), opened (first used) in index order.
/// let accounts: Vec<Mutex<i64>> = (0..4).map(|_| Mutex::new(100)).collect();
/// accounts.iter().for_each(|account| drop(account.lock().unwrap()));
///
/// // Always the lowest index first: silent.
/// transfer(&accounts[0], &accounts[1]);
/// transfer(&accounts[1], &accounts[2]);
/// assert!(seen.lock().unwrap().is_empty());
///
/// // Said to be nested: another level of the class, silent.
/// {
///     let _from = accounts[3].lock().unwrap();
///     let _to = accounts[1].lock_nested(1).unwrap();
/// }
/// assert!(seen.lock().unwrap().is_empty());
///
/// // The highest first: the class is nested both ways (by creation and by
/// // address), though no two accounts are.
/// transfer(&accounts[3], &accounts[0]);
/// if lockorder::enabled() {
///     assert_eq!(*seen.lock().unwrap(), [ViolationKind::ClassOrderInversion]);
/// }
/// lockorder::clear_handler();
/// ```
///
/// A named class:
///
/// ```
/// use lockorder::sync::Mutex;
/// use lockorder::LockClass;
///
/// static ACCOUNT: LockClass = LockClass::new("account");
///
/// let alice = Mutex::with_class(&ACCOUNT, 100);
/// let bob = Mutex::with_class(&ACCOUNT, 50);
/// if lockorder::enabled() {
///     assert_eq!(alice.lock_info().class().map(LockClass::name), Some("account"));
/// }
///
/// // Nesting within a named class is reported unless a level says it is
/// // intended.
/// let first = alice.lock().unwrap();
/// let second = bob.lock_nested(1).unwrap();
/// assert_eq!(*first + *second, 150);
/// ```
#[derive(PartialEq, Eq, Hash)]
pub struct LockClass {
    name: &'static str,
}

impl LockClass {
    /// A class named `name`.
    ///
    /// # Examples
    ///
    /// ```
    /// static QUEUES: lockorder::LockClass = lockorder::LockClass::new("queues");
    /// assert_eq!(QUEUES.name(), "queues");
    /// ```
    pub const fn new(name: &'static str) -> LockClass {
        LockClass { name }
    }

    /// The class's name.
    ///
    /// # Examples
    ///
    /// See [`LockClass::new`].
    pub fn name(&self) -> &'static str {
        self.name
    }
}

impl fmt::Debug for LockClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("LockClass").field(&self.name).finish()
    }
}
