//! The `lockorder` tool: `check` and `dot` on record directories, exit
//! statuses and messages.

#![cfg(feature = "cli")]

mod common;
mod record_support;

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};

use common::{is_child, run_child};
use lockorder::record::{Class, Writer};
use lockorder::sync::Mutex;
use record_support::{edge, edge_json, TempDir};

fn lockorder(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lockorder")).args(args).arg(dir).output().expect("run the lockorder tool")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// One process saw a -> b (test `ab`), another b -> a (test `ba`).
fn inverted(dir: &Path) {
    Writer::create(dir).unwrap().append(&edge("a", "b", "ab")).unwrap();
    Writer::create(dir).unwrap().append(&edge("b", "a", "ba")).unwrap();
}

#[test]
fn check_reports_a_cycle_between_processes_and_exits_1() {
    let dir = TempDir::new("cli-cycle");
    inverted(dir.path());
    let out = lockorder(&["check"], dir.path());
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    for expected in [
        "lockorder: potential deadlock between lock classes",
        "cycle: a -> b -> a",
        "test `ab`",
        "test `ba`",
        "src/ab.rs:1:1",
        "src/ab.rs:2:1",
        "src/ba.rs:1:1",
        "src/ba.rs:2:1",
        "2 record files from 2 processes: 2 lock classes, 2 orders, 0 problems; 1 cycle found",
    ] {
        assert!(stdout.contains(expected), "missing {expected:?} in\n{stdout}");
    }
    assert!(text(&out.stderr).is_empty(), "{}", text(&out.stderr));
}

#[test]
fn check_of_consistent_orders_exits_0() {
    let dir = TempDir::new("cli-consistent");
    Writer::create(dir.path()).unwrap().append(&edge("a", "b", "one")).unwrap();
    Writer::create(dir.path()).unwrap().append(&edge("a", "b", "two")).unwrap();
    let out = lockorder(&["check"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stdout).contains("2 record files from 2 processes: 2 lock classes, 1 order, 0 problems; no cycle")
    );
}

#[test]
fn check_reports_damaged_lines_on_stderr_and_still_finds_the_cycle() {
    let dir = TempDir::new("cli-damaged");
    inverted(dir.path());
    let files = dir.record_files();
    let mut file = fs::OpenOptions::new().append(true).open(&files[0]).unwrap();
    file.write_all(b"garbage\n").unwrap(); // line 3
    let truncated = edge_json(&edge("c", "d", "cd"));
    file.write_all(&truncated.as_bytes()[..20]).unwrap(); // line 4
    drop(file);

    let out = lockorder(&["check"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    let damaged = format!("{}:3: damaged line", files[0].display());
    let truncated = format!("{}:4: truncated last line", files[0].display());
    assert!(stderr.contains(&damaged), "{stderr}");
    assert!(stderr.contains(&truncated), "{stderr}");
    let stdout = text(&out.stdout);
    assert!(stdout.contains("cycle: a -> b -> a") && stdout.contains("2 problems; 1 cycle found"), "{stdout}");
}

#[test]
fn check_of_an_empty_directory_exits_2_saying_what_was_expected() {
    let dir = TempDir::new("cli-empty");
    let out = lockorder(&["check"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let expected = format!(
        "lockorder: error: no lockorder record files (*.jsonl) in {0}; run the tests with LOCKORDER_RECORD={0} first (if they ran with it, lockorder was likely built without its `record` feature, and said so on stderr)\n",
        dir.path().display()
    );
    assert_eq!(text(&out.stderr), expected);
    assert!(out.stdout.is_empty());
}

#[test]
fn check_of_a_missing_directory_exits_2_naming_it() {
    let dir = TempDir::new("cli-missing");
    let missing = dir.path().join("not-here");
    let out = lockorder(&["check"], &missing);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains(&format!("record directory {} does not exist", missing.display())), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn usage_errors_exit_2_and_help_documents_the_exit_status() {
    let bin = env!("CARGO_BIN_EXE_lockorder");
    let out = Command::new(bin).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(bin).args(["check", "a", "b"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));

    let help = Command::new(bin).arg("--help").output().unwrap();
    assert_eq!(help.status.code(), Some(0));
    let help = text(&help.stdout);
    for expected in ["check", "dot", "Exit status:", "1  check found at least one cycle"] {
        assert!(help.contains(expected), "missing {expected:?} in\n{help}");
    }
}

#[test]
fn dot_draws_every_class_with_the_cycle_in_red() {
    let dir = TempDir::new("cli-dot");
    inverted(dir.path());
    let mut quoted = edge("x", "y", "quoted");
    quoted.from = Class::new("src/q.rs:1:1", "say \"hi\" \\ bye");
    quoted.to = Class::named("a");
    Writer::create(dir.path()).unwrap().append(&quoted).unwrap();

    let out = lockorder(&["dot"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let dot = text(&out.stdout);
    assert!(dot.starts_with("digraph lockorder {") && dot.trim_end().ends_with('}'), "{dot}");
    for expected in [
        r#""a" [label="a", color=red, penwidth=2];"#,
        r#""b" [label="b", color=red, penwidth=2];"#,
        r#""src/q.rs:1:1" [label="say \"hi\" \\ bye"];"#,
        r#""a" -> "b" [color=red, penwidth=2];"#,
        r#""b" -> "a" [color=red, penwidth=2];"#,
        r#""src/q.rs:1:1" -> "a";"#,
    ] {
        assert!(dot.contains(expected), "missing {expected:?} in\n{dot}");
    }
}

#[test]
fn dot_writes_to_a_file_with_output() {
    let dir = TempDir::new("cli-dot-output");
    inverted(dir.path());
    let picture = dir.path().join("graph.dot");
    let out = Command::new(env!("CARGO_BIN_EXE_lockorder"))
        .args(["dot", "--output"])
        .arg(&picture)
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    assert!(fs::read_to_string(&picture).unwrap().contains(r#""a" -> "b" [color=red, penwidth=2];"#));
}

#[test]
fn dot_of_a_missing_directory_exits_2() {
    let dir = TempDir::new("cli-dot-missing");
    let out = lockorder(&["dot"], &dir.path().join("nothing"));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("does not exist"));
}

#[test]
fn dot_renders_svg_when_graphviz_is_installed() {
    let dir = TempDir::new("cli-svg");
    inverted(dir.path());
    let svg = dir.path().join("graph.svg");
    let out = Command::new(env!("CARGO_BIN_EXE_lockorder"))
        .args(["dot", "--svg"])
        .arg(&svg)
        .arg(dir.path())
        .output()
        .unwrap();
    let graphviz = Command::new("dot").arg("-V").output().is_ok();
    if graphviz {
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert!(fs::read_to_string(&svg).unwrap().contains("<svg"));
    } else {
        // Graphviz is not installed here: the SVG itself is not checked,
        // only that the tool says so clearly.
        eprintln!("skipping the SVG assertion: Graphviz `dot` is not installed");
        assert_eq!(out.status.code(), Some(2));
        let stderr = text(&out.stderr);
        assert!(stderr.contains("Graphviz `dot` is not installed"), "{stderr}");
    }
}

/// The two locks of the recorded children: created here, so of the same
/// two classes in every process.
fn ledger_and_journal() -> (Mutex<()>, Mutex<()>) {
    (Mutex::new_named("ledger", ()), Mutex::new_named("journal", ()))
}

/// Takes `first`, then `second` under it: the function the resolved
/// backtraces must name.
#[inline(never)]
fn take_in_order(first: &Mutex<()>, second: &Mutex<()>) {
    let _first = first.lock().unwrap();
    let _second = second.lock().unwrap();
}

#[test]
fn child_takes_ledger_then_journal() {
    if is_child() {
        let (ledger, journal) = ledger_and_journal();
        take_in_order(&ledger, &journal);
    }
}

#[test]
fn child_takes_journal_then_ledger() {
    if is_child() {
        let (ledger, journal) = ledger_and_journal();
        take_in_order(&journal, &ledger);
    }
}

/// Runs the two children with `LOCKORDER_RECORD=dir`: two processes, two
/// opposite orders.
fn record_inversion(dir: &Path) {
    let record = dir.to_str().expect("a UTF-8 temporary directory");
    for test in ["child_takes_ledger_then_journal", "child_takes_journal_then_ledger"] {
        run_child(test, &[("LOCKORDER_RECORD", record)]).assert_passed(test);
    }
}

#[test]
fn check_resolves_the_recorded_frames_of_a_cycle_against_the_test_binary() {
    if !lockorder::enabled() {
        return; // Nothing is recorded without tracking.
    }
    let dir = TempDir::new("cli-frames");
    record_inversion(dir.path());
    for file in dir.record_files() {
        let text = fs::read_to_string(&file).unwrap();
        let header: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert!(header["build_id"].is_string(), "{text}");
        if cfg!(target_os = "linux") {
            // Unresolved: offsets, no names.
            assert!(text.contains(r#""frames":["#) && !text.contains(r#""backtrace""#), "{text}");
        }
    }
    let out = lockorder(&["check"], dir.path());
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    for expected in [
        "cycle: journal -> ledger -> journal",
        "test `child_takes_ledger_then_journal`",
        "test `child_takes_journal_then_ledger`",
        "backtrace:",
        "cli::take_in_order (tests/cli.rs:",
        "cli::child_takes_ledger_then_journal (tests/cli.rs:",
        "cli::child_takes_journal_then_ledger (tests/cli.rs:",
    ] {
        assert!(stdout.contains(expected), "missing {expected:?} in\n{stdout}");
    }
    assert!(!stdout.contains("unresolved"), "{stdout}");
}

/// Rewrites the header of every record file of `dir` with `change`.
fn change_headers(dir: &TempDir, change: impl Fn(&mut serde_json::Value)) {
    for file in dir.record_files() {
        let text = fs::read_to_string(&file).unwrap();
        let (header, rest) = text.split_once('\n').unwrap();
        let mut header: serde_json::Value = serde_json::from_str(header).unwrap();
        change(&mut header);
        fs::write(&file, format!("{header}\n{rest}")).unwrap();
    }
}

#[test]
fn frames_of_a_rebuilt_or_removed_binary_are_shown_as_recorded_with_the_reason() {
    if !lockorder::enabled() || !cfg!(target_os = "linux") {
        return; // Frames are recorded by a tracking build on Linux.
    }
    let dir = TempDir::new("cli-stale");
    record_inversion(dir.path());
    change_headers(&dir, |h| h["build_id"] = "gnu-build-id:0123".into());
    let out = lockorder(&["check"], dir.path());
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    let exe = std::env::current_exe().unwrap();
    let changed = format!(
        "backtrace, unresolved (the executable {} has changed since it was recorded (build gnu-build-id:0123, now gnu-build-id:",
        exe.display()
    );
    assert_eq!(stdout.matches(&changed).count(), 2, "{stdout}");
    assert!(stdout.contains("): offsets into the executable\n          0: 0x"), "{stdout}");
    assert!(!stdout.contains("cli::take_in_order"), "{stdout}");

    change_headers(&dir, |h| h["exe"] = "/nonexistent/lockorder-test-binary".into());
    let stdout = text(&lockorder(&["check"], dir.path()).stdout);
    let gone = "backtrace, unresolved (the executable /nonexistent/lockorder-test-binary is gone): offsets into the executable";
    assert_eq!(stdout.matches(gone).count(), 2, "{stdout}");
}
