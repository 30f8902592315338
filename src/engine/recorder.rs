//! Appends each new class order to this process's record file when
//! `LOCKORDER_RECORD` names a directory (the `record` feature).
//!
//! Called outside every engine lock, once per class order per process.
//! The order's stack is written unresolved, as offsets into the executable
//! (see `record::image`): resolving it here would cost the process the
//! loading of its debug information, about a second, where `lockorder
//! check` resolves it once per build and only for the orders it reports.
//! Where the executable's mappings cannot be read, the stack is resolved
//! here as a report would.

use once_cell::sync::Lazy;

use super::graph::EdgeRecord;
use crate::record::{self, Class, EdgeLine, Image, Writer};
use crate::report::LockInfo;

static WRITER: Lazy<Option<Writer>> = Lazy::new(|| match Writer::from_env() {
    Ok(writer) => writer,
    Err(e) => {
        eprintln!("lockorder: cannot record lock orders in {}: {e}", record::RECORD_DIR_VAR);
        None
    }
});

/// The executable's mappings, read once, when the first order is recorded.
static IMAGE: Lazy<Option<Image>> = Lazy::new(|| Image::current(&std::env::current_exe().ok()?));

/// How a record names the class of `lock` at nesting level `subclass`: by
/// the same identity as the engine (a named class, else the creation site).
fn class(lock: &LockInfo, subclass: u8) -> Class {
    let class = match lock.class() {
        Some(named) => Class::named(named.name()),
        None => {
            let site = lock.created_at().to_string();
            Class::new(site.clone(), lock.name().map_or(site, str::to_owned))
        }
    };
    match subclass {
        0 => class,
        level => class.with_nesting_level(level.into()),
    }
}

/// Records the class order `from -> to`, seen by this process for the
/// first time, with its evidence.
pub(super) fn class_order(from: (&LockInfo, u8), to: (&LockInfo, u8), evidence: &EdgeRecord) {
    let Some(writer) = WRITER.as_ref() else { return };
    // Unnamed threads are shown by id, which names no test.
    let thread = Some(&*evidence.thread).filter(|name| !name.starts_with("ThreadId("));
    let (backtrace, frames) = match IMAGE.as_ref() {
        Some(image) => (Vec::new(), evidence.trace.addresses().filter_map(|a| image.offset_of(a)).collect()),
        None => (evidence.trace.resolved().lines(), Vec::new()),
    };
    let line = EdgeLine {
        from: class(from.0, from.1),
        to: class(to.0, to.1),
        from_site: evidence.from_site.to_string(),
        to_site: evidence.to_site.to_string(),
        thread: evidence.thread.to_string(),
        test: record::test_name(thread),
        backtrace,
        frames,
    };
    if let Err(e) = writer.append(&line) {
        eprintln!("lockorder: cannot append to {}: {e}", writer.path().display());
    }
}
