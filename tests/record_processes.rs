//! A record directory written by many processes at once, each with several
//! threads appending to its file at once: every line of every file is
//! whole, and the merge counts exactly what was written.
//!
//! The test binary runs itself as the child processes: the one test below,
//! selected with `--exact` and told by an environment variable to write.
#![cfg(feature = "record")]

mod record_support;

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

use lockorder::record::{test_name, Class, EdgeLine, Merged, Writer};
use record_support::TempDir;

/// Set in a child process: the directory to write to.
const CHILD_DIR: &str = "LOCKORDER_TEST_CHILD_RECORD_DIR";
/// Set in a child process: which child it is.
const CHILD_INDEX: &str = "LOCKORDER_TEST_CHILD_INDEX";

const CHILDREN: usize = 8;
const THREADS: usize = 4;
const EDGES_PER_THREAD: usize = 100;
const TEST: &str = "many_processes_append_to_one_directory_at_once";

#[test]
fn many_processes_append_to_one_directory_at_once() {
    if let Some(dir) = std::env::var_os(CHILD_DIR) {
        let index: usize = std::env::var(CHILD_INDEX).unwrap().parse().unwrap();
        write_as_child(Path::new(&dir), index);
        return;
    }

    let dir = TempDir::new("processes");
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..CHILDREN)
        .map(|index| {
            Command::new(&exe)
                .args(["--exact", TEST, "--test-threads=1", "--nocapture"])
                .env(CHILD_DIR, dir.path())
                .env(CHILD_INDEX, index.to_string())
                .stdout(Stdio::null())
                .spawn()
                .expect("start a child process")
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success(), "a child process failed");
    }

    // Every line of every file is whole JSON, one header first.
    let files = dir.record_files();
    assert_eq!(files.len(), CHILDREN);
    let lines_per_file = 1 + THREADS * EDGES_PER_THREAD + 1;
    for file in &files {
        let text = fs::read_to_string(file).unwrap();
        assert!(text.ends_with('\n'), "{} ends mid-line", file.display());
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{}: {e}: {l}", file.display())))
            .collect();
        assert_eq!(lines.len(), lines_per_file, "{}", file.display());
        assert_eq!(lines[0]["type"], "process");
        assert!(lines[1..].iter().all(|l| l["type"] == "edge"));
    }

    let merged = Merged::read_dir(dir.path()).unwrap();
    assert!(merged.problems().is_empty(), "{:?}", merged.problems());
    let summary = merged.summary();
    assert_eq!((summary.files, summary.processes), (CHILDREN, CHILDREN));
    assert_eq!(summary.classes, CHILDREN * THREADS * (EDGES_PER_THREAD + 1) + 2);
    assert_eq!(summary.edges, CHILDREN * THREADS * EDGES_PER_THREAD + 2);

    // Even children saw shared-x -> shared-y, odd ones the reverse.
    let cycles = merged.cycles();
    assert_eq!(cycles.len(), 1);
    for order in cycles[0].edges() {
        assert_eq!(order.evidence().len(), CHILDREN / 2);
        let pids: std::collections::HashSet<u32> = order.evidence().iter().map(|e| e.process().unwrap().pid).collect();
        assert_eq!(pids.len(), CHILDREN / 2);
        // The children ran with `--exact <test>`, as cargo nextest runs a
        // test, so even their worker threads know the test's name.
        assert!(order.evidence().iter().all(|e| e.edge().test.as_deref() == Some(TEST)));
    }
}

/// Appends, from `THREADS` threads at once, a chain of `EDGES_PER_THREAD`
/// orders each between classes of their own, and one shared order.
fn write_as_child(dir: &Path, index: usize) {
    let writer = Writer::create(dir).unwrap();
    std::thread::scope(|scope| {
        for thread in 0..THREADS {
            let writer = &writer;
            std::thread::Builder::new()
                .name(format!("writer-{thread}"))
                .spawn_scoped(scope, move || {
                    let class = |k: usize| Class::named(&format!("child{index}-thread{thread}-{k}"));
                    for k in 0..EDGES_PER_THREAD {
                        writer.append(&order(class(k), class(k + 1))).unwrap();
                    }
                    if thread == 0 {
                        let (x, y) = (Class::named("shared-x"), Class::named("shared-y"));
                        let shared = if index.is_multiple_of(2) { order(x, y) } else { order(y, x) };
                        writer.append(&shared).unwrap();
                    }
                })
                .unwrap();
        }
    });
}

fn order(from: Class, to: Class) -> EdgeLine {
    let thread = std::thread::current().name().unwrap_or("unnamed").to_owned();
    EdgeLine {
        from_site: format!("src/{}.rs:1:1", from.id),
        to_site: format!("src/{}.rs:2:1", to.id),
        from,
        to,
        test: test_name(Some(&thread)),
        thread,
        backtrace: vec!["child::write (tests/record_processes.rs:1)".to_owned(); 8],
        frames: Vec::new(),
    }
}
