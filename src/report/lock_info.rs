//! The identity of a lock as shown in reports.

use std::fmt;
use std::panic::Location;

use crate::LockClass;

/// The mark of a lock made where the creation site tells nothing of what
/// it is for: by `Default::default()` or `From::from`, whose caller is a
/// `#[derive(Default)]` (one site for every field), or std's code
/// (`Arc::default()`, `.into()`, `unwrap_or_default()`: one site for the
/// whole program). Such a lock has no class: it takes part in the orders
/// of instances, never in those of classes, so fields of one struct or
/// locks of unrelated types never pass for one class.
static UNCLASSED: LockClass = LockClass::new("(no class)");

/// What a pseudo-lock stands for: a wait that is not for a lock (see
/// `tracked::pseudo`). Each kind is a class of its own that, like
/// [`UNCLASSED`], takes part in no class order: two threads spawned at one
/// site, or two channels made at one, are not one thing to wait for.
/// Its name is how reports start the pseudo-lock's description.
pub(crate) mod wait_kind {
    use crate::LockClass;

    pub(crate) static THREAD_END: LockClass = LockClass::new("the end of the thread spawned at");
    pub(crate) static MESSAGE: LockClass = LockClass::new("a message on the channel made at");
    pub(crate) static FREE_SLOT: LockClass = LockClass::new("a free slot in the channel made at");
    pub(crate) static NOTIFICATION: LockClass = LockClass::new("a notification of the condvar made at");
    pub(crate) static BARRIER: LockClass = LockClass::new("the other threads at the barrier made at");

    /// Whether `class` is one of the kinds above.
    pub(crate) fn is_wait_kind(class: &'static LockClass) -> bool {
        [&THREAD_END, &MESSAGE, &FREE_SLOT, &NOTIFICATION, &BARRIER].iter().any(|kind| std::ptr::eq(*kind, class))
    }
}

/// How a lock is named in a report: the name it was given, or the place it
/// was created.
///
/// # Examples
///
/// ```
/// use lockorder::sync::Mutex;
///
/// let queue = Mutex::new_named("queue", Vec::<u32>::new());
/// let unnamed = Mutex::new(0);
/// // Names are kept only when tracking is compiled in.
/// if lockorder::enabled() {
///     assert_eq!(queue.lock_info().name(), Some("queue"));
///     assert_eq!(queue.lock_info().to_string(), "queue");
///     assert!(unnamed.lock_info().to_string().contains(file!()));
/// }
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct LockInfo {
    // Zero unless given, next to the tracker's zeroed state (see
    // `LockTracker`).
    class: Option<&'static LockClass>,
    name: Option<&'static str>,
    created_at: &'static Location<'static>,
}

impl LockInfo {
    /// Where `class` is (see `LockTracker` for why it comes first).
    #[cfg(lockorder_tracking)]
    pub(crate) const CLASS_OFFSET: usize = std::mem::offset_of!(LockInfo, class);

    pub(crate) const fn new(name: Option<&'static str>, created_at: &'static Location<'static>) -> Self {
        LockInfo { name, class: None, created_at }
    }

    pub(crate) const fn in_class(self, class: &'static LockClass) -> Self {
        LockInfo { class: Some(class), ..self }
    }

    /// This lock, in no class (see [`UNCLASSED`]).
    #[cfg(lockorder_tracking)]
    pub(crate) fn unclassed(self) -> Self {
        self.in_class(&UNCLASSED)
    }

    /// Whether the lock takes part in no class order (see [`UNCLASSED`]
    /// and [`wait_kind`]).
    pub(crate) fn is_unclassed(&self) -> bool {
        self.class.is_some_and(|class| std::ptr::eq(class, &UNCLASSED) || wait_kind::is_wait_kind(class))
    }

    /// Whether this is a thread's end, the one wait a thread holds.
    #[cfg(lockorder_tracking)]
    pub(crate) fn is_thread_end(&self) -> bool {
        self.class.is_some_and(|class| std::ptr::eq(class, &wait_kind::THREAD_END))
    }

    /// Whether this is a pseudo-lock: a wait that is not for a lock, as
    /// the end of a thread or a message on a channel. Reports name such a
    /// wait by what it waits for and where that was made.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = lockorder::sync::Mutex::new(0);
    /// assert!(!m.lock_info().is_wait());
    /// ```
    pub fn is_wait(&self) -> bool {
        self.class.is_some_and(wait_kind::is_wait_kind)
    }

    /// A copy read field by field. A lock just created was written that
    /// way, and a wider read spanning fields still on their way to memory
    /// waits for them to land (a failed store forwarding) instead of taking
    /// them from the store buffer.
    #[inline(always)]
    pub(crate) fn read_fresh(&self) -> LockInfo {
        // SAFETY: each pointer comes from a reference to a field of `self`,
        // valid and aligned for its type.
        unsafe {
            LockInfo {
                name: std::ptr::read_volatile(&self.name),
                class: std::ptr::read_volatile(&self.class),
                created_at: std::ptr::read_volatile(&self.created_at),
            }
        }
    }

    /// The named class given at construction (`with_class`), if any; else
    /// the lock's class is its creation site.
    pub fn class(&self) -> Option<&'static LockClass> {
        self.class.filter(|_| !self.is_unclassed())
    }

    /// The name given at construction (`new_named`), if any.
    pub fn name(&self) -> Option<&'static str> {
        self.name
    }

    /// Where the lock was created (`file:line:col` of the `new` call).
    pub fn created_at(&self) -> &'static Location<'static> {
        self.created_at
    }
}

impl fmt::Display for LockInfo {
    /// The name, or the creation site when the lock has no name; for a
    /// wait, what it waits for and where that was made.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.name, self.class) {
            (_, Some(kind)) if self.is_wait() => write!(f, "{} {}", kind.name(), self.created_at),
            (Some(name), _) => f.write_str(name),
            (None, _) => write!(f, "{}", self.created_at),
        }
    }
}

impl fmt::Debug for LockInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockInfo")
            .field("name", &self.name)
            .field("class", &self.class.map(LockClass::name))
            .field("created_at", &format_args!("{}", self.created_at))
            .finish()
    }
}
