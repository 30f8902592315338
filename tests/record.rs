//! Record files: writing them, reading them back with damage, and finding
//! the cycles between lock classes of many processes.
#![cfg(feature = "record")]

mod record_support;

use std::fs;
use std::io::Write;
use std::path::Path;

use lockorder::record::{Class, EdgeLine, Merged, ProblemKind, RecordError, Writer, FORMAT_VERSION};
use record_support::{edge, edge_json, TempDir};

/// Writes one record file holding `edges`, as one process would.
fn write_process(dir: &Path, edges: &[EdgeLine]) -> std::path::PathBuf {
    let writer = Writer::create(dir).expect("create a record file");
    for edge in edges {
        writer.append(edge).expect("append an edge");
    }
    writer.path().to_owned()
}

/// The ids of the classes of each cycle found in `dir`.
fn cycle_ids(merged: &Merged) -> Vec<Vec<String>> {
    merged.cycles().iter().map(|c| c.classes().map(|class| class.id.clone()).collect()).collect()
}

#[test]
fn writer_writes_a_header_then_one_whole_line_per_edge() {
    let dir = TempDir::new("writer");
    let path = write_process(dir.path(), &[edge("a", "b", "ab"), edge("b", "c", "bc")]);
    let name = path.file_name().unwrap().to_str().unwrap();
    assert!(name.starts_with(&format!("lockorder-{}-", std::process::id())), "{name}");
    assert!(name.ends_with(".jsonl"), "{name}");

    let text = fs::read_to_string(&path).unwrap();
    assert!(text.ends_with('\n'));
    let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["type"], "process");
    assert_eq!(lines[0]["version"], FORMAT_VERSION);
    assert_eq!(lines[0]["pid"], std::process::id());
    assert!(lines[0]["args"].is_array() && lines[0]["exe"].is_string() && lines[0]["started_unix_ms"].is_u64());
    assert_eq!(lines[1]["type"], "edge");
    assert_eq!(lines[1]["from"], serde_json::json!({"id": "a", "label": "a"}));
    assert_eq!(lines[1]["test"], "ab");
    assert_eq!(lines[2]["to_site"], "src/bc.rs:2:1");
}

#[test]
fn writers_of_one_process_get_files_of_their_own() {
    let dir = TempDir::new("two-writers");
    let first = Writer::create(dir.path()).unwrap();
    let second = Writer::create(dir.path()).unwrap();
    assert_ne!(first.path(), second.path());
    assert_eq!(dir.record_files().len(), 2);
}

#[test]
fn writer_creates_missing_directories() {
    let dir = TempDir::new("nested");
    let nested = dir.path().join("a/b");
    write_process(&nested, &[edge("a", "b", "ab")]);
    assert_eq!(Merged::read_dir(&nested).unwrap().summary().edges, 1);
}

#[test]
fn opposite_orders_in_two_processes_are_a_cycle_naming_both_tests_and_sites() {
    let dir = TempDir::new("ab-ba");
    let ab = write_process(dir.path(), &[edge("a", "b", "ab")]);
    write_process(dir.path(), &[edge("b", "a", "ba")]);

    let merged = Merged::read_dir(dir.path()).unwrap();
    assert!(merged.problems().is_empty(), "{:?}", merged.problems());
    let cycles = merged.cycles();
    assert_eq!(cycle_ids(&merged), [["a", "b"]]);

    let cycle = &cycles[0];
    assert!(!cycle.is_within_one_class());
    let first = &cycle.edges()[0];
    assert_eq!(first.evidence().len(), 1);
    let evidence = &first.evidence()[0];
    assert_eq!(evidence.file(), ab);
    assert_eq!(evidence.line(), 2);
    assert_eq!(evidence.process().unwrap().pid, std::process::id());
    assert_eq!(evidence.edge().test.as_deref(), Some("ab"));

    let report = cycle.to_string();
    for expected in [
        "lockorder: potential deadlock between lock classes",
        "cycle: a -> b -> a",
        "[1] a -> b  (seen by 1 process)",
        "[2] b -> a  (seen by 1 process)",
        "test `ab` on thread `ab`",
        "test `ba` on thread `ba`",
        "held a (acquired at src/ab.rs:1:1) and then acquired b at src/ab.rs:2:1",
        "held b (acquired at src/ba.rs:1:1) and then acquired a at src/ba.rs:2:1",
        "0: tests::ab (src/ab.rs:2)",
        "test `ab` holds a and waits for b",
        "*** DEADLOCK ***",
    ] {
        assert!(report.contains(expected), "missing {expected:?} in\n{report}");
    }
    assert!(report.contains(&format!("recorded at {}:2", ab.display())), "{report}");

    let summary = merged.summary();
    assert_eq!((summary.files, summary.processes, summary.classes, summary.edges), (2, 2, 2, 2));
    assert_eq!((summary.problems, summary.cycles), (0, 1));
    assert_eq!(
        summary.to_string(),
        "lockorder: checked 2 record files from 2 processes: 2 lock classes, 2 orders, 0 problems; 1 cycle found"
    );
}

#[test]
fn consistent_orders_across_processes_are_no_cycle() {
    let dir = TempDir::new("consistent");
    write_process(dir.path(), &[edge("a", "b", "one"), edge("b", "c", "one")]);
    write_process(dir.path(), &[edge("a", "b", "two"), edge("a", "c", "two")]);
    let merged = Merged::read_dir(dir.path()).unwrap();
    assert!(merged.cycles().is_empty());
    let summary = merged.summary();
    assert_eq!((summary.classes, summary.edges, summary.cycles), (3, 3, 0));
    assert!(summary.to_string().ends_with("; no cycle"), "{summary}");
}

#[test]
fn an_order_seen_by_many_processes_keeps_every_report() {
    let dir = TempDir::new("evidence");
    write_process(dir.path(), &[edge("a", "b", "one")]);
    write_process(dir.path(), &[edge("a", "b", "two")]);
    write_process(dir.path(), &[edge("b", "a", "three")]);
    let cycle = Merged::read_dir(dir.path()).unwrap().cycles().remove(0);
    let tests: Vec<_> = cycle.edges()[0].evidence().iter().map(|e| e.edge().test.clone().unwrap()).collect();
    assert_eq!(tests.len(), 2);
    assert!(tests.contains(&"one".to_owned()) && tests.contains(&"two".to_owned()));
    assert!(cycle.to_string().contains("[1] a -> b  (seen by 2 processes)"));
}

#[test]
fn a_cycle_through_three_classes_is_reported_by_its_shortest_path() {
    let dir = TempDir::new("three");
    write_process(dir.path(), &[edge("a", "b", "t1"), edge("b", "c", "t1"), edge("x", "y", "t1")]);
    // c -> a closes a -> b -> c -> a; c -> d -> a is a longer way round.
    write_process(dir.path(), &[edge("c", "d", "t2"), edge("d", "a", "t2"), edge("c", "a", "t2")]);
    let merged = Merged::read_dir(dir.path()).unwrap();
    assert_eq!(cycle_ids(&merged), [["a", "b", "c"]]);
    assert!(merged.cycles()[0].to_string().contains("cycle: a -> b -> c -> a"));
}

#[test]
fn separate_components_give_one_cycle_each_and_a_self_order_its_own() {
    let dir = TempDir::new("components");
    write_process(dir.path(), &[edge("p", "q", "t1"), edge("a", "b", "t1"), edge("node", "node", "t1")]);
    write_process(dir.path(), &[edge("q", "p", "t2"), edge("b", "a", "t2")]);
    let merged = Merged::read_dir(dir.path()).unwrap();
    assert_eq!(cycle_ids(&merged), vec![vec!["a", "b"], vec!["node"], vec!["p", "q"]]);
    assert_eq!(merged.summary().cycles, 3);

    let within = merged.cycles().remove(1);
    assert!(within.is_within_one_class());
    let report = within.to_string();
    assert!(report.contains("cycle: node -> node"), "{report}");
    assert!(report.contains("give the inner lock a nesting level"), "{report}");
}

#[test]
fn nesting_levels_are_classes_of_their_own() {
    let dir = TempDir::new("nesting");
    let parent = Class::named("node");
    let child = Class::named("node").with_nesting_level(1);
    let mut nested = edge("x", "y", "tree");
    nested.from = parent;
    nested.to = child;
    write_process(dir.path(), &[nested]);
    let merged = Merged::read_dir(dir.path()).unwrap();
    assert!(merged.cycles().is_empty());
    assert_eq!(merged.summary().classes, 2);
}

#[test]
fn classes_are_merged_by_id_whatever_their_label() {
    let dir = TempDir::new("ids");
    let mut first = edge("x", "y", "one");
    first.from = Class::new("src/a.rs:3:9", "queue");
    first.to = Class::new("src/b.rs:4:9", "src/b.rs:4:9");
    let mut second = edge("x", "y", "two");
    second.from = Class::new("src/b.rs:4:9", "pool");
    second.to = Class::new("src/a.rs:3:9", "src/a.rs:3:9");
    write_process(dir.path(), &[first]);
    write_process(dir.path(), &[second]);
    let merged = Merged::read_dir(dir.path()).unwrap();
    assert_eq!(cycle_ids(&merged), [["src/a.rs:3:9", "src/b.rs:4:9"]]);
}

#[test]
fn damaged_lines_are_reported_with_file_and_line_and_the_rest_is_read() {
    let dir = TempDir::new("damaged");
    let damaged = write_process(dir.path(), &[edge("a", "b", "ab")]);
    let mut file = fs::OpenOptions::new().append(true).open(&damaged).unwrap();
    file.write_all(b"this is not json\n").unwrap(); // line 3
    file.write_all(b"{\"type\":\"lock\",\"id\":\"a\"}\n").unwrap(); // line 4: unknown type
    let missing_to = edge_json(&edge("c", "d", "cd")).replace("\"to\":{\"id\":\"d\",\"label\":\"d\"},", "");
    assert!(!missing_to.contains("\"to\":"), "{missing_to}");
    file.write_all(missing_to.as_bytes()).unwrap(); // line 5: a missing field
    file.write_all(edge_json(&edge("b", "c", "bc")).as_bytes()).unwrap(); // line 6: good
    let truncated = edge_json(&edge("e", "f", "ef"));
    file.write_all(&truncated.as_bytes()[..truncated.len() / 2]).unwrap(); // line 7: truncated
    drop(file);

    // Another process, of a newer format version: its edge lines still count.
    // Named to sort before the files of real processes.
    let newer = dir.path().join("lockorder-0-1.jsonl");
    let header = format!(
        "{{\"type\":\"process\",\"version\":{},\"pid\":99,\"exe\":\"x\",\"args\":[],\"started_unix_ms\":0}}\n",
        FORMAT_VERSION + 1
    );
    fs::write(&newer, header + &edge_json(&edge("c", "a", "ca"))).unwrap();

    let merged = Merged::read_dir(dir.path()).unwrap();
    let problems: Vec<_> =
        merged.problems().iter().map(|p| (p.file().to_owned(), p.line(), p.kind().clone())).collect();
    assert_eq!(problems.len(), 5, "{:#?}", merged.problems());
    let at = |i: usize| (&problems[i].0, problems[i].1);
    assert_eq!(at(0), (&newer, Some(1)));
    assert_eq!(problems[0].2, ProblemKind::UnsupportedVersion { found: FORMAT_VERSION + 1 });
    assert_eq!(at(1), (&damaged, Some(3)));
    assert_eq!(at(2), (&damaged, Some(4)));
    assert_eq!(at(3), (&damaged, Some(5)));
    assert_eq!(at(4), (&damaged, Some(7)));
    assert_eq!(problems[4].2, ProblemKind::Truncated);
    let message = |i: usize| merged.problems()[i].to_string();
    assert!(message(1).starts_with(&format!("{}:3: damaged line", damaged.display())), "{}", message(1));
    assert!(message(2).contains("unknown variant `lock`"), "{}", message(2));
    assert!(message(3).contains("missing field `to`"), "{}", message(3));
    assert!(message(4).contains("truncated"), "{}", message(4));
    assert!(message(0).contains("version 2"), "{}", message(0));

    // a -> b and b -> c (good lines of the damaged file) and c -> a (the
    // newer file) are a cycle.
    assert_eq!(cycle_ids(&merged), [["a", "b", "c"]]);
    let cycle = merged.cycles().remove(0);
    let from_newer = &cycle.edges()[2].evidence()[0];
    assert_eq!(from_newer.file(), newer);
    assert!(from_newer.process().is_none());
    assert_eq!(merged.summary().problems, 5);
    assert_eq!(merged.summary().processes, 1);
}

#[test]
fn a_file_with_a_damaged_header_still_gives_its_edges() {
    let dir = TempDir::new("bad-header");
    let path = dir.path().join("lockorder-1-1.jsonl");
    fs::write(
        &path,
        String::from("{\"type\":\"process\",\"version\":1,\"pid\":\n") + &edge_json(&edge("a", "b", "ab")),
    )
    .unwrap();
    write_process(dir.path(), &[edge("b", "a", "ba")]);
    let merged = Merged::read_dir(dir.path()).unwrap();
    assert_eq!(merged.problems().len(), 1);
    assert_eq!(merged.problems()[0].line(), Some(1));
    let cycle = merged.cycles().remove(0);
    let evidence = &cycle.edges()[0].evidence()[0];
    assert_eq!((evidence.file(), evidence.line()), (path.as_path(), 2));
    assert!(evidence.process().is_none());
    assert!(cycle.to_string().contains("an unknown process"));
}

#[test]
fn files_without_a_header_empty_files_and_extra_headers_are_problems() {
    let dir = TempDir::new("headers");
    let headless = dir.path().join("a.jsonl");
    fs::write(&headless, edge_json(&edge("a", "b", "ab"))).unwrap();
    let empty = dir.path().join("b.jsonl");
    fs::write(&empty, "").unwrap();
    let twice = write_process(dir.path(), &[]);
    let header = fs::read_to_string(&twice).unwrap();
    fs::OpenOptions::new().append(true).open(&twice).unwrap().write_all(header.as_bytes()).unwrap();

    let merged = Merged::read_dir(dir.path()).unwrap();
    let kinds: Vec<_> = merged.problems().iter().map(|p| (p.line(), p.kind().clone())).collect();
    assert_eq!(
        kinds,
        [(Some(1), ProblemKind::MissingHeader), (None, ProblemKind::Empty), (Some(2), ProblemKind::ExtraHeader)]
    );
    assert!(merged.problems()[1].to_string().starts_with(&format!("{}: empty file", empty.display())));
    assert_eq!(merged.summary().edges, 1);
    assert_eq!(merged.summary().files, 3);
}

#[test]
fn a_missing_directory_is_an_error_naming_it() {
    let dir = TempDir::new("missing");
    let missing = dir.path().join("never-written");
    let err = Merged::read_dir(&missing).unwrap_err();
    assert!(matches!(&err, RecordError::MissingDir { dir } if *dir == missing), "{err:?}");
    let message = err.to_string();
    assert!(message.contains(&missing.display().to_string()), "{message}");
    assert!(message.contains("LOCKORDER_RECORD="), "{message}");
}

#[test]
fn a_directory_without_record_files_is_an_error_naming_it() {
    let dir = TempDir::new("empty");
    fs::write(dir.path().join("notes.txt"), "not a record").unwrap();
    fs::create_dir(dir.path().join("sub.jsonl")).unwrap();
    let err = Merged::read_dir(dir.path()).unwrap_err();
    assert!(matches!(err, RecordError::NoRecords { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "no lockorder record files (*.jsonl) in {0}; run the tests with LOCKORDER_RECORD={0} first (if they ran with it, lockorder was likely built without its `record` feature, and said so on stderr)",
            dir.path().display()
        )
    );
}

#[test]
fn a_file_given_as_the_directory_is_an_error() {
    let dir = TempDir::new("not-a-dir");
    let file = write_process(dir.path(), &[]);
    let err = Merged::read_dir(&file).unwrap_err();
    assert!(matches!(err, RecordError::NotADir { .. }), "{err:?}");
    assert!(err.to_string().contains("is not a directory"));
}

#[test]
fn a_cycle_through_a_hundred_thousand_classes_is_found_on_a_small_stack() {
    const CLASSES: usize = 100_000;
    let dir = TempDir::new("ring");
    let path = dir.path().join("lockorder-1-1.jsonl");
    let mut text = String::from(
        "{\"type\":\"process\",\"version\":1,\"pid\":1,\"exe\":\"x\",\"args\":[],\"started_unix_ms\":0}\n",
    );
    for i in 0..CLASSES {
        let mut line = edge("x", "y", "ring");
        line.from = Class::named(&format!("c{i:06}"));
        line.to = Class::named(&format!("c{:06}", (i + 1) % CLASSES));
        line.backtrace.clear();
        text.push_str(&edge_json(&line));
    }
    fs::write(&path, text).unwrap();

    let dir_path = dir.path().to_owned();
    // A recursive search would need far more than this much stack.
    let found = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            let merged = Merged::read_dir(&dir_path).unwrap();
            let picture = merged.picture().to_string();
            (
                merged.cycles().into_iter().map(|c| c.edges().len()).collect::<Vec<_>>(),
                picture.matches("color=red").count(),
            )
        })
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(found.0, [CLASSES]);
    assert_eq!(found.1, 2 * CLASSES, "every node and edge of the ring is highlighted");
}
