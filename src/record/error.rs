//! Why a record directory could not be read at all.

use std::error::Error;
use std::fmt;
use std::io;
use std::path::PathBuf;

/// A record directory that cannot be checked at all.
///
/// Problems with single files or lines are not errors: they are collected
/// as [`Problem`](super::Problem)s and the rest is read.
///
/// # Examples
///
/// ```
/// use lockorder::record::{Merged, RecordError};
///
/// let err = Merged::read_dir("/no/such/lockorder/dir").unwrap_err();
/// assert!(matches!(err, RecordError::MissingDir { .. }));
/// assert!(err.to_string().contains("/no/such/lockorder/dir"));
/// ```
#[non_exhaustive]
#[derive(Debug)]
pub enum RecordError {
    /// The directory does not exist.
    MissingDir {
        /// The directory.
        dir: PathBuf,
    },
    /// The path exists but is not a directory.
    NotADir {
        /// The path.
        dir: PathBuf,
    },
    /// The directory could not be listed.
    UnreadableDir {
        /// The directory.
        dir: PathBuf,
        /// The error from the operating system.
        source: io::Error,
    },
    /// The directory holds no `*.jsonl` file.
    NoRecords {
        /// The directory.
        dir: PathBuf,
    },
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordError::MissingDir { dir } => write!(
                f,
                "record directory {} does not exist; run the tests with LOCKORDER_RECORD={0} first",
                dir.display()
            ),
            RecordError::NotADir { dir } => write!(
                f,
                "{} is not a directory; expected a directory of lockorder record files (*.jsonl)",
                dir.display()
            ),
            RecordError::UnreadableDir { dir, source } => {
                write!(f, "cannot list record directory {}: {source}", dir.display())
            }
            RecordError::NoRecords { dir } => write!(
                f,
                "no lockorder record files (*.jsonl) in {}; run the tests with LOCKORDER_RECORD={0} first \
                 (if they ran with it, lockorder was likely built without its `record` feature, and said so \
                 on stderr)",
                dir.display()
            ),
        }
    }
}

impl Error for RecordError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            RecordError::UnreadableDir { source, .. } => Some(source),
            _ => None,
        }
    }
}
