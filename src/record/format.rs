//! The lines of a record file, as serde types.
//!
//! A record file is JSON lines: a [`ProcessLine`] header, then one
//! [`EdgeLine`] per new order between two lock classes. Each line is one
//! JSON object whose `"type"` field says which it is.

use std::fmt;
use std::panic::Location;

use serde::{Deserialize, Serialize};

/// The version of the record format this crate writes and reads.
///
/// A header with another version is reported as a problem by
/// [`Merged::read_dir`](super::Merged::read_dir).
///
/// # Examples
///
/// ```
/// assert_eq!(lockorder::record::FORMAT_VERSION, 1);
/// ```
pub const FORMAT_VERSION: u32 = 1;

/// A lock class: the identity under which orders of many lock instances are
/// merged, across processes.
///
/// `id` is what makes two classes the same: the class name for a named
/// class, else the creation site `file:line:col`; a nesting level appends
/// `#<level>`. `label` is what reports and pictures show.
///
/// # Examples
///
/// ```
/// use lockorder::record::Class;
///
/// let queue = Class::named("queue");
/// assert_eq!((queue.id.as_str(), queue.label.as_str()), ("queue", "queue"));
///
/// let site = Class::created_at(std::panic::Location::caller());
/// assert!(site.id.starts_with(file!()));
///
/// let inner = Class::named("node").with_nesting_level(1);
/// assert_eq!(inner.id, "node#1");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Class {
    /// The identity of the class: equal ids are one class.
    pub id: String,
    /// How reports and pictures show the class.
    pub label: String,
}

impl Class {
    /// A class with the given identity and label.
    ///
    /// # Examples
    ///
    /// ```
    /// let class = lockorder::record::Class::new("src/db.rs:10:5", "db pool");
    /// assert_eq!(class.to_string(), "db pool");
    /// ```
    pub fn new(id: impl Into<String>, label: impl Into<String>) -> Class {
        Class { id: id.into(), label: label.into() }
    }

    /// The class of locks given the name `name`: both its id and its label.
    ///
    /// # Examples
    ///
    /// ```
    /// let class = lockorder::record::Class::named("accounts");
    /// assert_eq!(class.id, "accounts");
    /// ```
    pub fn named(name: &str) -> Class {
        Class::new(name, name)
    }

    /// The class of unnamed locks created at `site`, shown as
    /// `file:line:col`.
    ///
    /// # Examples
    ///
    /// ```
    /// let here = std::panic::Location::caller();
    /// let class = lockorder::record::Class::created_at(here);
    /// assert_eq!(class.id, here.to_string());
    /// ```
    pub fn created_at(site: &Location<'_>) -> Class {
        let site = site.to_string();
        Class::new(site.clone(), site)
    }

    /// The subclass of this class at nesting level `level`, for locks of one
    /// class taken inside each other on purpose: `#<level>` is appended to
    /// both the id and the label.
    ///
    /// # Examples
    ///
    /// ```
    /// let child = lockorder::record::Class::named("node").with_nesting_level(2);
    /// assert_eq!((child.id.as_str(), child.label.as_str()), ("node#2", "node#2"));
    /// ```
    pub fn with_nesting_level(self, level: u32) -> Class {
        Class { id: format!("{}#{level}", self.id), label: format!("{}#{level}", self.label) }
    }
}

impl fmt::Display for Class {
    /// The label.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}

/// The header of a record file: which process wrote it.
///
/// [`Writer::create`](super::Writer::create) writes it; readers get it back
/// from [`Evidence::process`](super::Evidence::process).
///
/// # Examples
///
/// ```
/// let header: lockorder::record::ProcessLine = serde_json::from_str(
///     r#"{"version":1,"pid":42,"exe":"target/debug/deps/db-1a2b","args":["--exact","db::ab"],"started_unix_ms":0}"#,
/// )
/// .unwrap();
/// assert_eq!(header.pid, 42);
/// assert_eq!(header.build_id, None); // a record of an older lockorder
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessLine {
    /// The [`FORMAT_VERSION`] the file was written with.
    pub version: u32,
    /// The process id.
    pub pid: u32,
    /// The path of the executable.
    pub exe: String,
    /// The process arguments after the executable.
    pub args: Vec<String>,
    /// When the file was created, in milliseconds since the Unix epoch.
    pub started_unix_ms: u64,
    /// Which build of `exe` wrote the file: `gnu-build-id:<hex>` (the ELF
    /// GNU build-id note), else `size-mtime:<bytes>-<nanoseconds>` of the
    /// file; `None` when the executable could not be read. `lockorder
    /// check` resolves the [`frames`](EdgeLine::frames) of the file's
    /// orders only against a file with the same build id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build_id: Option<String>,
}

impl ProcessLine {
    /// The header of the current process, created now.
    pub(crate) fn current(started_unix_ms: u64) -> ProcessLine {
        let mut args = std::env::args_os().map(|a| a.to_string_lossy().into_owned());
        let argv0 = args.next().unwrap_or_default();
        let exe_path = std::env::current_exe().ok();
        let build_id = exe_path.as_deref().and_then(|p| super::image::identify(p).ok()).map(|i| i.build_id);
        let exe = exe_path.map(|p| p.display().to_string()).unwrap_or(argv0);
        ProcessLine {
            version: FORMAT_VERSION,
            pid: std::process::id(),
            exe,
            args: args.collect(),
            started_unix_ms,
            build_id,
        }
    }
}

/// One order between two lock classes seen by a process: a lock of class
/// `from` was held when a lock of class `to` was acquired.
///
/// A process writes one line per distinct `(from, to)` pair, the first time
/// it sees it.
///
/// # Examples
///
/// ```
/// use lockorder::record::{Class, EdgeLine};
///
/// let edge = EdgeLine {
///     from: Class::named("accounts"),
///     to: Class::named("audit"),
///     from_site: "src/bank.rs:10:20".into(),
///     to_site: "src/bank.rs:11:20".into(),
///     thread: "bank::transfer".into(),
///     test: Some("bank::transfer".into()),
///     backtrace: vec!["bank::transfer (src/bank.rs:11)".into()],
///     frames: Vec::new(),
/// };
/// let json = serde_json::to_string(&edge).unwrap();
/// assert!(json.starts_with(r#"{"from":{"id":"accounts","label":"accounts"}"#));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EdgeLine {
    /// The class of the lock that was held.
    pub from: Class,
    /// The class of the lock acquired while `from` was held.
    pub to: Class,
    /// Where the `from` lock had been acquired (`file:line:col`).
    pub from_site: String,
    /// Where the `to` lock was acquired (`file:line:col`).
    pub to_site: String,
    /// The name of the thread that made the acquisition.
    pub thread: String,
    /// The test that was running, when it could be known (see
    /// [`test_name`](super::test_name)).
    #[serde(default)]
    pub test: Option<String>,
    /// The stack of the acquisition of `to`, innermost frame first, one
    /// `function (file:line)` per frame, when the process resolved it
    /// itself (where [`frames`](EdgeLine::frames) cannot be recorded), or
    /// once [`Merged::cycles`](super::Merged::cycles) has resolved the
    /// frames.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub backtrace: Vec<String>,
    /// The stack of the acquisition of `to`, unresolved: the return
    /// address of each frame in the executable (the header's `exe`),
    /// innermost first, as an offset from where the executable was loaded
    /// (its mapping at file offset 0). Recording these costs microseconds
    /// where resolving costs the process a second; `lockorder check`
    /// resolves them against the executable when it reports the order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub frames: Vec<u64>,
}

/// One line of a record file, for reading.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum Line {
    Process(ProcessLine),
    Edge(EdgeLine),
}

/// One line of a record file, for writing without a copy.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum LineRef<'a> {
    Process(&'a ProcessLine),
    Edge(&'a EdgeLine),
}
