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
/// class is reported too, unless the inner acquisition says it is nested,
/// with [`Mutex::lock_nested`](crate::sync::Mutex::lock_nested) and the like
/// (as when locking two accounts in a fixed order, or list nodes hand over
/// hand).
///
/// # Examples
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
/// // Two accounts, always locked in a fixed order: say so with a nesting level.
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
