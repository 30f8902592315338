//! `lock_nested`/`read_nested`/`write_nested` and `with_class` on every
//! lock type: locks made at one place and taken one inside the other both
//! ways (a lock made earlier, at a lower address, inside one made later,
//! and the reverse on another pair) raise a same-class report that names
//! the method the lock has for it, and that method keeps the nesting
//! silent. Accesses without a nested
//! form (upgradable and recursive reads, once-cells) are advised a named
//! class, which `with_class` gives every one of them.
#![cfg(all(debug_assertions, feature = "parking_lot", feature = "tokio"))]

mod common;

use common::{collect_violations, global_state, on_thread, take_violations};
use lockorder::{LockClass, Violation, ViolationKind};

/// The same-class violations raised by `f`, run on a thread named `thread`
/// (class reports warn by default: nothing panics).
fn class_reports(thread: &'static str, f: impl FnOnce() + Send) -> Vec<Violation> {
    let seen = collect_violations(thread);
    on_thread(thread, f).expect("no panic under the default class policy");
    let violations = take_violations(&seen);
    assert!(violations.iter().all(|v| v.kind() == ViolationKind::ClassOrderInversion), "{violations:#?}");
    violations
}

/// Runs `plain` (nesting locks of one class both ways) and `nested` (the
/// same with the `_nested` method), each on fresh locks: the first is
/// reported, advising `method`; the second is not.
fn check(name: &'static str, method: &str, plain: impl FnOnce() + Send, nested: impl FnOnce() + Send) {
    let reported = class_reports(name, plain);
    assert_eq!(reported.len(), 1, "{name}: {reported:#?}");
    let headline = reported[0].to_string().lines().next().unwrap_or_default().to_owned();
    assert!(headline.contains("while holding another of the same class"), "{name}: {headline}");
    assert!(headline.ends_with(&format!("acquire it with `{method}`")), "{name}: {headline}");
    let silent = class_reports(name, nested);
    assert!(silent.is_empty(), "{name}: {silent:#?}");
}

/// Three locks of one class, for nesting it both ways: `[0]` in `[1]`,
/// then `[2]` (made later, at a higher address) in `[0]`.
fn trio<T>(make: impl Fn() -> T) -> [T; 3] {
    [make(), make(), make()]
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(future)
}

#[test]
fn parking_lot_locks_nest_with_their_own_methods() {
    use lockorder::parking_lot::{Mutex, ReentrantMutex, RwLock};
    let _global = global_state();
    let mutexes = || trio(|| Mutex::new(0));
    let (a, b) = (mutexes(), mutexes());
    check(
        "pl-mutex",
        "lock_nested",
        || {
            drop((a[0].lock(), a[1].lock()));
            drop((a[2].lock(), a[0].lock()))
        },
        || {
            drop((b[0].lock(), b[1].lock_nested(1)));
            drop((b[2].lock(), b[0].lock_nested(1)))
        },
    );
    let rwlocks = || trio(|| RwLock::new(0));
    let (a, b) = (rwlocks(), rwlocks());
    check(
        "pl-read",
        "read_nested",
        || {
            drop((a[0].read(), a[1].read()));
            drop((a[2].read(), a[0].read()))
        },
        || {
            drop((b[0].read(), b[1].read_nested(1)));
            drop((b[2].read(), b[0].read_nested(1)))
        },
    );
    // Made at a place of their own: a class is reported once.
    let rwlocks = || trio(|| RwLock::new(0));
    let (a, b) = (rwlocks(), rwlocks());
    check(
        "pl-write",
        "write_nested",
        || {
            drop((a[0].write(), a[1].write()));
            drop((a[2].write(), a[0].write()))
        },
        || {
            drop((b[0].write(), b[1].write_nested(1)));
            drop((b[2].write(), b[0].write_nested(1)))
        },
    );
    let reentrant = || trio(|| ReentrantMutex::new(0));
    let (a, b) = (reentrant(), reentrant());
    check(
        "pl-reentrant",
        "lock_nested",
        || {
            drop((a[0].lock(), a[1].lock()));
            drop((a[2].lock(), a[0].lock()))
        },
        || {
            drop((b[0].lock(), b[1].lock_nested(1)));
            drop((b[2].lock(), b[0].lock_nested(1)))
        },
    );
}

#[test]
fn tokio_locks_nest_with_their_own_methods() {
    use lockorder::tokio::{Mutex, RwLock};
    let _global = global_state();
    let mutexes = || trio(|| Mutex::new(0));
    let (a, b) = (mutexes(), mutexes());
    check(
        "tokio-mutex",
        "lock_nested",
        || {
            block_on(async {
                drop((a[0].lock().await, a[1].lock().await));
                drop((a[2].lock().await, a[0].lock().await))
            })
        },
        || {
            block_on(async {
                drop((b[0].lock().await, b[1].lock_nested(1).await));
                drop((b[2].lock().await, b[0].lock_nested(1).await))
            })
        },
    );
    let rwlocks = || trio(|| RwLock::new(0));
    let (a, b) = (rwlocks(), rwlocks());
    check(
        "tokio-read",
        "read_nested",
        || {
            block_on(async {
                drop((a[0].read().await, a[1].read().await));
                drop((a[2].read().await, a[0].read().await))
            })
        },
        || {
            block_on(async {
                drop((b[0].read().await, b[1].read_nested(1).await));
                drop((b[2].read().await, b[0].read_nested(1).await))
            })
        },
    );
    // Made at a place of their own: a class is reported once.
    let rwlocks = || trio(|| RwLock::new(0));
    let (a, b) = (rwlocks(), rwlocks());
    check(
        "tokio-write",
        "write_nested",
        || {
            block_on(async {
                drop((a[0].write().await, a[1].write().await));
                drop((a[2].write().await, a[0].write().await))
            })
        },
        || {
            block_on(async {
                drop((b[0].write().await, b[1].write_nested(1).await));
                drop((b[2].write().await, b[0].write_nested(1).await))
            })
        },
    );
}

/// `held` holds one lock of a class at level 1 and takes another at level
/// 1: a same-class report advising `method`, which only a lock held at the
/// level it was asked for raises (held at level 0, 0 -> 1 is an order
/// between two classes). `deeper` takes the second at level 2: silent.
fn check_held_level(name: &'static str, method: &str, held: impl FnOnce() + Send, deeper: impl FnOnce() + Send) {
    let reported = class_reports(name, held);
    assert_eq!(reported.len(), 1, "{name}: {reported:#?}");
    let headline = reported[0].to_string().lines().next().unwrap_or_default().to_owned();
    assert!(headline.ends_with(&format!("acquire it with `{method}`")), "{name}: {headline}");
    let silent = class_reports(name, deeper);
    assert!(silent.is_empty(), "{name}: {silent:#?}");
}

#[test]
fn a_nested_acquisition_is_held_at_its_level() {
    use lockorder::parking_lot::{Mutex, ReentrantMutex, RwLock};
    let _global = global_state();
    let (a, b) = (trio(|| Mutex::new(0)), trio(|| Mutex::new(0)));
    check_held_level(
        "pl-mutex-level",
        "lock_nested",
        || {
            drop((a[0].lock_nested(1), a[1].lock_nested(1)));
            drop((a[2].lock_nested(1), a[0].lock_nested(1)))
        },
        || {
            drop((b[0].lock_nested(1), b[1].lock_nested(2)));
            drop((b[2].lock_nested(1), b[0].lock_nested(2)))
        },
    );
    let (a, b) = (trio(|| RwLock::new(0)), trio(|| RwLock::new(0)));
    check_held_level(
        "pl-rwlock-level",
        "write_nested",
        || {
            drop((a[0].read_nested(1), a[1].write_nested(1)));
            drop((a[2].read_nested(1), a[0].write_nested(1)))
        },
        || {
            drop((b[0].read_nested(1), b[1].write_nested(2)));
            drop((b[2].read_nested(1), b[0].write_nested(2)))
        },
    );
    let (a, b) = (trio(|| ReentrantMutex::new(0)), trio(|| ReentrantMutex::new(0)));
    check_held_level(
        "pl-reentrant-level",
        "lock_nested",
        || {
            drop((a[0].lock_nested(1), a[1].lock_nested(1)));
            drop((a[2].lock_nested(1), a[0].lock_nested(1)))
        },
        || {
            drop((b[0].lock_nested(1), b[1].lock_nested(2)));
            drop((b[2].lock_nested(1), b[0].lock_nested(2)))
        },
    );

    // An async acquisition is checked at the call and held from its first
    // poll: the level must reach both.
    let (a, b) = (trio(|| lockorder::tokio::Mutex::new(0)), trio(|| lockorder::tokio::Mutex::new(0)));
    check_held_level(
        "tokio-mutex-level",
        "lock_nested",
        || {
            block_on(async {
                drop((a[0].lock_nested(1).await, a[1].lock_nested(1).await));
                drop((a[2].lock_nested(1).await, a[0].lock_nested(1).await))
            })
        },
        || {
            block_on(async {
                drop((b[0].lock_nested(1).await, b[1].lock_nested(2).await));
                drop((b[2].lock_nested(1).await, b[0].lock_nested(2).await))
            })
        },
    );
    let (a, b) = (trio(|| lockorder::tokio::RwLock::new(0)), trio(|| lockorder::tokio::RwLock::new(0)));
    check_held_level(
        "tokio-read-level",
        "read_nested",
        || {
            block_on(async {
                drop((a[0].write_nested(1).await, a[1].read_nested(1).await));
                drop((a[2].write_nested(1).await, a[0].read_nested(1).await))
            })
        },
        || {
            block_on(async {
                drop((b[0].write_nested(1).await, b[1].read_nested(2).await));
                drop((b[2].write_nested(1).await, b[0].read_nested(2).await))
            })
        },
    );
    let (a, b) = (trio(|| lockorder::tokio::RwLock::new(0)), trio(|| lockorder::tokio::RwLock::new(0)));
    check_held_level(
        "tokio-write-level",
        "write_nested",
        || {
            block_on(async {
                drop((a[0].read_nested(1).await, a[1].write_nested(1).await));
                drop((a[2].read_nested(1).await, a[0].write_nested(1).await))
            })
        },
        || {
            block_on(async {
                drop((b[0].read_nested(1).await, b[1].write_nested(2).await));
                drop((b[2].read_nested(1).await, b[0].write_nested(2).await))
            })
        },
    );
}

/// The one same-class report `f` raises: its headline advises a named
/// class, as the access has no `_nested` form.
fn advised_a_class(name: &'static str, f: impl FnOnce() + Send) -> String {
    let reported = class_reports(name, f);
    assert_eq!(reported.len(), 1, "{name}: {reported:#?}");
    let headline = reported[0].to_string().lines().next().unwrap_or_default().to_owned();
    assert!(headline.contains("while holding another of the same class"), "{name}: {headline}");
    assert!(headline.ends_with("give one of the two locks its own class with `with_class`"), "{name}: {headline}");
    headline
}

/// `f` raises no same-class report.
fn silent(name: &'static str, f: impl FnOnce() + Send) {
    let reported = class_reports(name, f);
    assert!(reported.is_empty(), "{name}: {reported:#?}");
}

static OUTER: LockClass = LockClass::new("outer");
static INNER: LockClass = LockClass::new("inner");

/// Upgradable and recursive reads have no `_nested` form: the report
/// advises a class, and with two classes the nesting is silent.
#[test]
fn reads_without_a_nested_form_are_advised_a_class() {
    use lockorder::parking_lot::RwLock;
    let _global = global_state();
    let locks = trio(|| RwLock::new(0));
    advised_a_class("pl-upgradable", || {
        drop((locks[0].upgradable_read(), locks[1].upgradable_read()));
        drop((locks[2].upgradable_read(), locks[0].upgradable_read()))
    });
    let locks = trio(|| RwLock::new(0));
    advised_a_class("pl-recursive", || {
        drop((locks[0].read_recursive(), locks[1].read_recursive()));
        drop((locks[2].read_recursive(), locks[0].read_recursive()))
    });

    let make = |class| RwLock::with_class(class, 0);
    let (outer, inner) = (make(&OUTER), make(&INNER));
    silent("pl-upgradable-classes", || drop((outer.upgradable_read(), inner.upgradable_read())));
    let (outer, inner) = (make(&OUTER), make(&INNER));
    silent("pl-recursive-classes", || drop((outer.read_recursive(), inner.read_recursive())));
}

/// Once-cells have no `_nested` form either: cells made at one place and
/// nested both ways are advised a class, which `with_class` gives.
#[test]
fn once_cells_are_advised_a_class_they_can_be_given() {
    use lockorder::sync::{Once, OnceLock};
    let _global = global_state();
    let cells = trio(OnceLock::<u8>::new);
    advised_a_class("once-lock", || {
        assert_eq!(*cells[0].get_or_init(|| *cells[1].get_or_init(|| 1)), 1);
        assert_eq!(*cells[2].get_or_init(|| *cells[0].get_or_init(|| 2)), 1);
    });
    // A `Once` runs once: one called inside another is first used there,
    // after it, so by order of first use the class is only ever nested
    // one way, and that is silent (what a `Once` is advised is checked in
    // a named class, below).
    let onces = trio(Once::new);
    silent("once", || onces[1].call_once(|| onces[0].call_once(|| ())));
    let onces = trio(lockorder::parking_lot::Once::new);
    silent("pl-once", || onces[1].call_once(|| onces[0].call_once(|| ())));

    let make = |class| OnceLock::<u8>::with_class(class);
    let (outer, inner) = (make(&OUTER), make(&INNER));
    silent("once-lock-classes", || assert_eq!(*outer.get_or_init(|| *inner.get_or_init(|| 1)), 1));
    let make = |class| Once::with_class(class);
    let (outer, inner) = (make(&OUTER), make(&INNER));
    silent("once-classes", || outer.call_once(|| inner.call_once(|| ())));
    let make = |class| lockorder::parking_lot::Once::with_class(class);
    let (outer, inner) = (make(&OUTER), make(&INNER));
    silent("pl-once-classes", || outer.call_once(|| inner.call_once(|| ())));
}

/// `with_class` puts once-cells made at different places in one class:
/// nesting them is a same-class report, naming the class.
#[test]
fn with_class_puts_once_cells_made_apart_in_one_class() {
    use lockorder::sync::{LazyLock, Once, OnceLock};
    let _global = global_state();
    let (outer, inner) = (OnceLock::<u8>::with_class(&SHARD), OnceLock::<u8>::with_class(&SHARD));
    let headline =
        advised_a_class("once-lock-shard", || assert_eq!(*outer.get_or_init(|| *inner.get_or_init(|| 1)), 1));
    assert!(headline.contains("a lock of class shard"), "{headline}");
    let (outer, inner) = (Once::with_class(&SHARD), Once::with_class(&SHARD));
    advised_a_class("once-shard", || outer.call_once(|| inner.call_once(|| ())));
    let (outer, inner) =
        (lockorder::parking_lot::Once::with_class(&SHARD), lockorder::parking_lot::Once::with_class(&SHARD));
    advised_a_class("pl-once-shard", || outer.call_once(|| inner.call_once(|| ())));
    let inner = LazyLock::with_class(&SHARD, || 1);
    let outer = LazyLock::with_class(&SHARD, || *inner + 1);
    advised_a_class("lazy-shard", || assert_eq!(*outer, 2));
}

static SHARD: LockClass = LockClass::new("shard");

#[test]
fn with_class_names_the_class_of_every_lock_type() {
    assert_eq!(lockorder::parking_lot::Mutex::with_class(&SHARD, 0).lock_info().class(), Some(&SHARD));
    assert_eq!(lockorder::parking_lot::RwLock::with_class(&SHARD, 0).lock_info().class(), Some(&SHARD));
    assert_eq!(lockorder::parking_lot::ReentrantMutex::with_class(&SHARD, 0).lock_info().class(), Some(&SHARD));
    assert_eq!(lockorder::tokio::Mutex::with_class(&SHARD, 0).lock_info().class(), Some(&SHARD));
    assert_eq!(lockorder::tokio::RwLock::with_class(&SHARD, 0).lock_info().class(), Some(&SHARD));
}
