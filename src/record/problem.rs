//! What can be wrong with a record file, found while reading it.

use std::fmt;
use std::path::{Path, PathBuf};

/// A part of a record file that could not be used: reported, and skipped.
///
/// Its [`Display`](fmt::Display) is `file:line: message` (or `file: message`
/// for a problem with the whole file).
///
/// # Examples
///
/// ```
/// use lockorder::record::{Merged, ProblemKind};
///
/// let dir = std::env::temp_dir().join(format!("lockorder-doc-problem-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// std::fs::write(dir.join("broken.jsonl"), "not json\n")?;
///
/// let merged = Merged::read_dir(&dir).unwrap();
/// let problem = &merged.problems()[0];
/// assert_eq!(problem.line(), Some(1));
/// assert!(matches!(problem.kind(), ProblemKind::Damaged { .. }));
/// assert!(problem.to_string().contains("broken.jsonl:1: damaged line"));
/// std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    file: PathBuf,
    line: Option<usize>,
    kind: ProblemKind,
}

/// What is wrong, in a [`Problem`].
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    /// The line is not a record: not JSON, an unknown `"type"`, a missing
    /// or mistyped field.
    Damaged {
        /// What the JSON reader found wrong.
        reason: String,
    },
    /// The last line of the file ends early: its process stopped while
    /// writing it.
    Truncated,
    /// The header is of a format version this crate does not read.
    UnsupportedVersion {
        /// The version in the file.
        found: u32,
    },
    /// The file does not start with a process header; its edges are kept
    /// and attributed to the file alone.
    MissingHeader,
    /// A process header after the first line; it is ignored.
    ExtraHeader,
    /// The file is empty: its process stopped before writing its header.
    Empty,
    /// The file could not be read.
    Unreadable {
        /// The error from the operating system.
        reason: String,
    },
}

impl Problem {
    pub(crate) fn new(file: &Path, line: Option<usize>, kind: ProblemKind) -> Problem {
        Problem { file: file.to_owned(), line, kind }
    }

    /// The record file.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The line of the file (counted from 1), or `None` when the problem is
    /// with the whole file.
    pub fn line(&self) -> Option<usize> {
        self.line
    }

    /// What is wrong.
    pub fn kind(&self) -> &ProblemKind {
        &self.kind
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file.display(), self.kind),
            None => write!(f, "{}: {}", self.file.display(), self.kind),
        }
    }
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProblemKind::Damaged { reason } => write!(f, "damaged line, skipped: {reason}"),
            ProblemKind::Truncated => {
                f.write_str("truncated last line (its process stopped while writing it), skipped")
            }
            ProblemKind::UnsupportedVersion { found } => write!(
                f,
                "record format version {found}, but this lockorder reads version {}; \
                 the file's edge lines are read as version {0} where they can be",
                super::FORMAT_VERSION
            ),
            ProblemKind::MissingHeader => {
                f.write_str("no process header on the first line; edges are attributed to the file only")
            }
            ProblemKind::ExtraHeader => f.write_str("a second process header, ignored"),
            ProblemKind::Empty => f.write_str("empty file (its process stopped before writing the header)"),
            ProblemKind::Unreadable { reason } => write!(f, "cannot read the file: {reason}"),
        }
    }
}
