//! Per-thread engine state.
//!
//! `THREAD` is the hot state: const-initialized, made of `Cell`s, with no
//! destructor, so reaching it costs a thread-local address computation and
//! it stays usable while other thread-locals are being destroyed. `SLOW`
//! holds what only new edges need (the thread's name, captured stacks) and
//! may be gone during thread teardown; every use has a fallback.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::panic::Location;
use std::sync::Arc;

use super::cache::EdgeCache;
use super::held::HeldStack;
use super::id::IdBlock;

#[derive(Debug)]
pub(super) struct ThreadState {
    pub(super) held: HeldStack,
    pub(super) cache: EdgeCache,
    pub(super) ids: IdBlock,
    /// Set while a handler runs or a report is built: acquisitions made
    /// then are not tracked.
    pub(super) suspended: Cell<bool>,
}

impl ThreadState {
    const fn new() -> Self {
        ThreadState {
            held: HeldStack::new(),
            cache: EdgeCache::new(),
            ids: IdBlock::new(),
            suspended: Cell::new(false),
        }
    }
}

thread_local! {
    pub(super) static THREAD: ThreadState = const { ThreadState::new() };
    static SLOW: RefCell<SlowState> = RefCell::new(SlowState::default());
}

type SitePair = (&'static Location<'static>, &'static Location<'static>);

#[derive(Default)]
struct SlowState {
    name: Option<Arc<str>>,
    traces: HashMap<SitePair, Arc<backtrace::Backtrace>>,
}

/// The current thread's name as shown in reports.
pub(super) fn thread_name() -> Arc<str> {
    let name = SLOW.try_with(|s| {
        s.borrow_mut()
            .name
            .get_or_insert_with(|| {
                let thread = std::thread::current();
                match thread.name() {
                    Some(name) => name.into(),
                    None => format!("{:?}", thread.id()).into(),
                }
            })
            .clone()
    });
    name.unwrap_or_else(|_| "<exiting thread>".into())
}

/// The stack of an acquisition at `sites`: shared by every edge this thread
/// creates at the same pair of sites, captured (unresolved) by the first.
pub(super) fn trace_for(sites: SitePair, fresh: &mut Option<Arc<backtrace::Backtrace>>) -> Arc<backtrace::Backtrace> {
    let mut capture = || fresh.get_or_insert_with(|| Arc::new(backtrace::Backtrace::new_unresolved())).clone();
    SLOW.try_with(|s| s.borrow_mut().traces.entry(sites).or_insert_with(&mut capture).clone())
        .unwrap_or_else(|_| capture())
}

/// Stops tracking on this thread until dropped (also when unwinding).
pub(super) struct Suspended {
    previous: bool,
}

impl Suspended {
    pub(super) fn new() -> Suspended {
        let previous = THREAD.try_with(|t| t.suspended.replace(true)).unwrap_or(true);
        Suspended { previous }
    }
}

impl Drop for Suspended {
    fn drop(&mut self) {
        let _ = THREAD.try_with(|t| t.suspended.set(self.previous));
    }
}
