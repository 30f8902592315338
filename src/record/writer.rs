//! Appending one process's records to its own file.
//!
//! Every line goes to the file in one `write_all` on a file opened in
//! append mode, with no buffer in between, so that a process that crashes
//! loses nothing it had appended, and a reader sees at worst a truncated
//! last line.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use super::format::{EdgeLine, LineRef, ProcessLine};

/// The environment variable that names the directory records go to.
///
/// # Examples
///
/// ```
/// assert_eq!(lockorder::record::RECORD_DIR_VAR, "LOCKORDER_RECORD");
/// ```
pub const RECORD_DIR_VAR: &str = "LOCKORDER_RECORD";

/// How many file names [`Writer::create`] tries when the first is taken.
const NAME_ATTEMPTS: u32 = 64;

/// The record file of one process: a header, then one line per
/// [`append`](Writer::append).
///
/// The file is `<dir>/lockorder-<pid>-<nanoseconds since the epoch>.jsonl`,
/// created new, so that processes (even ones that reuse a pid) never share
/// a file.
///
/// # Examples
///
/// ```
/// use lockorder::record::{Class, EdgeLine, Merged, Writer};
///
/// let dir = std::env::temp_dir().join(format!("lockorder-doc-writer-{}", std::process::id()));
/// let writer = Writer::create(&dir)?;
/// writer.append(&EdgeLine {
///     from: Class::named("a"),
///     to: Class::named("b"),
///     from_site: "src/lib.rs:1:1".into(),
///     to_site: "src/lib.rs:2:1".into(),
///     thread: "main".into(),
///     test: None,
///     backtrace: Vec::new(),
///     frames: Vec::new(),
/// })?;
///
/// let merged = Merged::read_dir(&dir).unwrap();
/// assert_eq!(merged.summary().edges, 1);
/// std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct Writer {
    file: File,
    path: PathBuf,
}

impl Writer {
    /// Creates the directory `dir` if needed, and in it a new record file
    /// for this process, with its header.
    ///
    /// # Errors
    ///
    /// Any error creating the directory, creating the file or writing the
    /// header.
    ///
    /// # Examples
    ///
    /// See [`Writer`].
    pub fn create(dir: impl AsRef<Path>) -> io::Result<Writer> {
        let dir = dir.as_ref();
        fs::create_dir_all(dir)?;
        let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let pid = std::process::id();
        let mut nanos = since_epoch.as_nanos();
        let mut attempts = 0;
        let (file, path) = loop {
            let path = dir.join(format!("lockorder-{pid}-{nanos}.jsonl"));
            match OpenOptions::new().append(true).create_new(true).open(&path) {
                Ok(file) => break (file, path),
                // Two writers of one process in one clock tick.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempts < NAME_ATTEMPTS => {
                    attempts += 1;
                    nanos += 1;
                }
                Err(e) => return Err(e),
            }
        };
        let writer = Writer { file, path };
        let started_unix_ms = u64::try_from(since_epoch.as_millis()).unwrap_or(u64::MAX);
        writer.write_line(&LineRef::Process(&ProcessLine::current(started_unix_ms)))?;
        Ok(writer)
    }

    /// A writer into the directory named by [`RECORD_DIR_VAR`]
    /// (`LOCKORDER_RECORD`), or `None` when it is unset or empty.
    ///
    /// # Errors
    ///
    /// As [`Writer::create`].
    ///
    /// # Examples
    ///
    /// ```
    /// // Recording is off unless the variable names a directory.
    /// if std::env::var_os(lockorder::record::RECORD_DIR_VAR).is_none() {
    ///     assert!(lockorder::record::Writer::from_env()?.is_none());
    /// }
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn from_env() -> io::Result<Option<Writer>> {
        match std::env::var_os(RECORD_DIR_VAR) {
            Some(dir) if !dir.is_empty() => Writer::create(dir).map(Some),
            _ => Ok(None),
        }
    }

    /// Appends one edge line and hands it to the operating system before
    /// returning.
    ///
    /// Several threads may append at once: each line is one `write_all` to
    /// a file opened in append mode, which on local file systems lands
    /// whole at the end of the file.
    ///
    /// # Errors
    ///
    /// Any error writing to the file.
    ///
    /// # Examples
    ///
    /// See [`Writer`].
    pub fn append(&self, edge: &EdgeLine) -> io::Result<()> {
        self.write_line(&LineRef::Edge(edge))
    }

    /// The path of the file.
    ///
    /// # Examples
    ///
    /// ```
    /// let dir = std::env::temp_dir().join(format!("lockorder-doc-path-{}", std::process::id()));
    /// let writer = lockorder::record::Writer::create(&dir)?;
    /// let name = writer.path().file_name().unwrap().to_str().unwrap();
    /// assert!(name.starts_with(&format!("lockorder-{}-", std::process::id())));
    /// assert!(name.ends_with(".jsonl"));
    /// std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn write_line(&self, line: &LineRef<'_>) -> io::Result<()> {
        let mut bytes = serde_json::to_vec(line)?;
        bytes.push(b'\n');
        (&self.file).write_all(&bytes)?;
        (&self.file).flush()
    }
}
