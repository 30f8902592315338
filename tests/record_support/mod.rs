//! Helpers shared by the record tests: a temporary directory that removes
//! itself, and edge lines between named classes.

// Each test binary uses a different part of this module.
#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use lockorder::record::{Class, EdgeLine};

/// A fresh directory under the system's temporary directory, removed (with
/// everything in it) when dropped.
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// A new empty directory whose name contains `name`, unique to this
    /// process and call.
    pub fn new(name: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let unique = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("lockorder-test-{name}-{}-{unique}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create a temporary directory");
        TempDir { path }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The `*.jsonl` files in the directory, sorted.
    pub fn record_files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.path)
            .expect("list the directory")
            .map(|entry| entry.expect("a directory entry").path())
            .filter(|path| path.extension().is_some_and(|e| e == "jsonl"))
            .collect();
        files.sort();
        files
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// `from -> to` between the named classes, seen by `test` on a thread named
/// after it, at sites `src/<test>.rs:1:1` and `src/<test>.rs:2:1`.
pub fn edge(from: &str, to: &str, test: &str) -> EdgeLine {
    EdgeLine {
        from: Class::named(from),
        to: Class::named(to),
        from_site: format!("src/{test}.rs:1:1"),
        to_site: format!("src/{test}.rs:2:1"),
        thread: test.to_owned(),
        test: Some(test.to_owned()),
        backtrace: vec![format!("tests::{test} (src/{test}.rs:2)"), "tests::run (src/main.rs:9)".to_owned()],
        frames: Vec::new(),
    }
}

/// The JSON line of a record of `edge`, with a newline.
pub fn edge_json(edge: &EdgeLine) -> String {
    let mut value = serde_json::to_value(edge).expect("an edge serializes");
    value.as_object_mut().expect("an object").insert("type".into(), "edge".into());
    format!("{value}\n")
}
