//! Reading record files line by line, turning every unusable part into a
//! [`Problem`] and keeping the rest.

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use super::format::{EdgeLine, Line, ProcessLine, FORMAT_VERSION};
use super::{Problem, ProblemKind, RecordError};

/// The file name extension of record files.
const EXTENSION: &str = "jsonl";

/// The edges one file holds, and the process that wrote them when its
/// header could be read.
#[derive(Debug)]
pub(crate) struct FileRecords {
    pub(crate) path: Arc<Path>,
    pub(crate) process: Option<Arc<ProcessLine>>,
    /// Each edge with its line number (from 1).
    pub(crate) edges: Vec<(usize, EdgeLine)>,
}

/// The record files (`*.jsonl`) of `dir`, sorted by name.
pub(crate) fn record_files(dir: &Path) -> Result<Vec<PathBuf>, RecordError> {
    let metadata = match fs::metadata(dir) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(RecordError::MissingDir { dir: dir.to_owned() }),
        Err(source) => return Err(RecordError::UnreadableDir { dir: dir.to_owned(), source }),
    };
    if !metadata.is_dir() {
        return Err(RecordError::NotADir { dir: dir.to_owned() });
    }
    let unreadable = |source| RecordError::UnreadableDir { dir: dir.to_owned(), source };
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).map_err(unreadable)? {
        let path = entry.map_err(unreadable)?.path();
        if path.extension().is_some_and(|e| e == EXTENSION) && path.is_file() {
            files.push(path);
        }
    }
    if files.is_empty() {
        return Err(RecordError::NoRecords { dir: dir.to_owned() });
    }
    files.sort();
    Ok(files)
}

/// Reads one record file, adding what is wrong with it to `problems`.
pub(crate) fn read_file(path: &Path, problems: &mut Vec<Problem>) -> FileRecords {
    let mut records = FileRecords { path: path.into(), process: None, edges: Vec::new() };
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) => {
            problems.push(Problem::new(path, None, ProblemKind::Unreadable { reason: e.to_string() }));
            return records;
        }
    };
    let mut reader = BufReader::new(file);
    let mut bytes = Vec::new();
    let mut number = 0;
    let mut seen_a_line = false;
    loop {
        bytes.clear();
        match reader.read_until(b'\n', &mut bytes) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                problems.push(Problem::new(path, Some(number + 1), ProblemKind::Unreadable { reason: e.to_string() }));
                break;
            }
        }
        number += 1;
        let complete = bytes.last() == Some(&b'\n');
        let bytes = bytes.strip_suffix(b"\n").unwrap_or(&bytes);
        let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        if bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let first = !seen_a_line;
        seen_a_line = true;
        match serde_json::from_slice::<Line>(bytes) {
            Ok(Line::Process(header)) if first => {
                if header.version == FORMAT_VERSION {
                    records.process = Some(Arc::new(header));
                } else {
                    let kind = ProblemKind::UnsupportedVersion { found: header.version };
                    problems.push(Problem::new(path, Some(number), kind));
                }
            }
            Ok(Line::Process(_)) => problems.push(Problem::new(path, Some(number), ProblemKind::ExtraHeader)),
            Ok(Line::Edge(edge)) => {
                if first {
                    problems.push(Problem::new(path, Some(number), ProblemKind::MissingHeader));
                }
                records.edges.push((number, edge));
            }
            Err(_) if !complete => problems.push(Problem::new(path, Some(number), ProblemKind::Truncated)),
            Err(e) => problems.push(Problem::new(path, Some(number), damage(bytes, &e))),
        }
    }
    if !seen_a_line {
        problems.push(Problem::new(path, None, ProblemKind::Empty));
    }
    records
}

/// The fields a header of any format version has.
#[derive(Deserialize)]
struct VersionProbe {
    #[serde(rename = "type")]
    kind: String,
    version: u32,
}

/// What is wrong with a line that is not a record: a header of another
/// version, or damage.
fn damage(bytes: &[u8], error: &serde_json::Error) -> ProblemKind {
    if let Ok(probe) = serde_json::from_slice::<VersionProbe>(bytes) {
        if probe.kind == "process" && probe.version != FORMAT_VERSION {
            return ProblemKind::UnsupportedVersion { found: probe.version };
        }
    }
    // The position is always on line 1 of the one line given to the parser.
    let message = error.to_string();
    let position = format!(" at line {} column {}", error.line(), error.column());
    let reason = match message.strip_suffix(&position) {
        Some(reason) => format!("{reason} (column {})", error.column()),
        None => message,
    };
    ProblemKind::Damaged { reason }
}
