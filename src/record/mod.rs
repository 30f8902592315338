//! Lock-order records shared across processes, and their offline check.
//!
//! A test suite runs in many processes (one per test binary, or one per
//! test under cargo nextest), and each process sees only its own orders.
//! With `LOCKORDER_RECORD=<dir>` set, each process appends every new order
//! between two lock *classes* to a file of its own in `<dir>`; afterwards
//! [`Merged::read_dir`] merges the files of every process and
//! [`Merged::cycles`] finds the orders that contradict each other, even
//! when no single process saw both. The `lockorder check <dir>` tool (the
//! `cli` feature) does both and prints the cycles.
//!
//! ```
//! use lockorder::record::{Class, EdgeLine, Merged, Writer};
//!
//! let dir = std::env::temp_dir().join(format!("lockorder-doc-record-{}", std::process::id()));
//! // One process sees accounts -> audit ...
//! Writer::create(&dir)?.append(&EdgeLine {
//!     from: Class::named("accounts"),
//!     to: Class::named("audit"),
//!     from_site: "src/bank.rs:10:20".into(),
//!     to_site: "src/bank.rs:11:20".into(),
//!     thread: "bank::transfer".into(),
//!     test: Some("bank::transfer".into()),
//!     backtrace: vec!["bank::transfer (src/bank.rs:11)".into()],
//!     frames: Vec::new(),
//! })?;
//! // ... another audit -> accounts.
//! Writer::create(&dir)?.append(&EdgeLine {
//!     from: Class::named("audit"),
//!     to: Class::named("accounts"),
//!     from_site: "src/audit.rs:5:16".into(),
//!     to_site: "src/audit.rs:6:16".into(),
//!     thread: "audit::sweep".into(),
//!     test: Some("audit::sweep".into()),
//!     backtrace: Vec::new(),
//!     frames: Vec::new(),
//! })?;
//!
//! let merged = Merged::read_dir(&dir).unwrap();
//! let cycles = merged.cycles();
//! assert_eq!(cycles.len(), 1);
//! assert!(cycles[0].to_string().contains("cycle: accounts -> audit -> accounts"));
//! std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! # The record format
//!
//! JSON lines, one file per process, named
//! `<dir>/lockorder-<pid>-<nanoseconds since the epoch>.jsonl`. The first
//! line is a header ([`ProcessLine`]):
//!
//! ```text
//! {"type":"process","version":1,"pid":4242,"exe":"target/debug/deps/bank-1a2b","args":["--exact","transfer"],"started_unix_ms":1767225600000,"build_id":"gnu-build-id:9f2c41d0"}
//! ```
//!
//! then one line per new order between two classes ([`EdgeLine`]):
//!
//! ```text
//! {"type":"edge","from":{"id":"accounts","label":"accounts"},"to":{"id":"src/audit.rs:3:9","label":"src/audit.rs:3:9"},"from_site":"src/bank.rs:10:20","to_site":"src/bank.rs:11:20","thread":"transfer","test":"transfer","frames":[1690438,1316830,1317439]}
//! ```
//!
//! `frames` is the stack of the acquisition, unresolved: offsets into the
//! executable `exe` from where it was loaded, innermost first.
//! [`Merged::cycles`] resolves them against `exe` when its build id is
//! still `build_id`. Where a process cannot record offsets (on other
//! systems than Linux) it writes resolved `"backtrace"` lines instead, as
//! records of earlier versions did; both read the same way.
//!
//! A class ([`Class`]) is identified by its `id`: the class name for a named
//! class, else the creation site `file:line:col`, with `#<level>` appended
//! for a nesting level. Each line is written whole, at once, so a process
//! that crashes leaves at worst a truncated last line, which the reader
//! reports and skips.
//!
//! # Reading
//!
//! [`Merged::read_dir`] fails only when the directory is missing or holds
//! no `*.jsonl` file ([`RecordError`]). Every unusable line (damaged JSON,
//! an unknown `"type"`, a header of another version, a truncated last line)
//! becomes a [`Problem`] with its file and line, and the rest is read.

mod cycles;
mod error;
mod format;
mod image;
mod merge;
mod problem;
mod read;
mod report;
mod symbolize;
mod test_name;
mod writer;

pub use self::cycles::{ClassCycle, ClassEdge};
pub use self::error::RecordError;
pub use self::format::{Class, EdgeLine, ProcessLine, FORMAT_VERSION};
#[cfg(lockorder_tracking)]
pub(crate) use self::image::Image;
pub use self::merge::{Evidence, Merged, Summary};
pub use self::problem::{Problem, ProblemKind};
pub use self::test_name::test_name;
pub use self::writer::{Writer, RECORD_DIR_VAR};
