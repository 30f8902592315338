//! The scenario table's verbs and its note on shared cycles, rendered from
//! violations built by hand with the accesses of their edges.

use std::panic::Location;
use std::sync::Arc;

use super::{Edge, LockInfo, Violation, ViolationKind};
use crate::report::Trace;

fn lock(name: &'static str) -> LockInfo {
    LockInfo::new(Some(name), Location::caller())
}

fn edge(from: &'static str, to: &'static str, thread: &str) -> Edge {
    Edge {
        from: lock(from),
        to: lock(to),
        from_acquired_at: Location::caller(),
        to_acquired_at: Location::caller(),
        thread: thread.into(),
        task: None,
        trace: Arc::new(Trace::capture()),
    }
}

/// `a -> b` seen on `other`, then `b -> a` attempted on `this`, with the
/// accesses of the two edges.
fn abba(accesses: [(&'static str, &'static str); 2]) -> String {
    let edges = vec![edge("a", "b", "other"), edge("b", "a", "this")];
    Violation::new(ViolationKind::LockOrderInversion, edges, Vec::new(), "this".into(), vec![1, 2])
        .with_accesses(accesses.to_vec())
        .to_string()
}

fn scenario(report: &str) -> &str {
    &report[report.find("  possible deadlock scenario:").expect("a scenario")..]
}

fn rows(report: &str) -> Vec<&str> {
    scenario(report)
        .lines()
        .skip(4)
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take_while(|l| !l.starts_with('('))
        .collect()
}

#[test]
fn without_accesses_every_acquisition_is_a_lock() {
    let edges = vec![edge("a", "b", "other"), edge("b", "a", "this")];
    let report =
        Violation::new(ViolationKind::LockOrderInversion, edges, Vec::new(), "this".into(), vec![1, 2]).to_string();
    assert_eq!(rows(&report), ["lock b", "lock a", "lock b", "lock a", "*** DEADLOCK ***"], "{report}");
}

#[test]
fn rwlock_acquisitions_say_read_and_write() {
    // other: holds a (write), waits for b (read); this: holds b (read),
    // waits for a (write).
    let report = abba([("write", "read"), ("read", "write")]);
    assert_eq!(rows(&report), ["read b", "write a", "read b", "write a", "*** DEADLOCK ***"], "{report}");
    let report = abba([("lock", "write"), ("write", "lock")]);
    assert_eq!(rows(&report), ["write b", "lock a", "write b", "lock a", "*** DEADLOCK ***"], "{report}");
    assert!(!report.contains("writer queues"), "{report}");
}

#[test]
fn a_lock_read_on_both_sides_needs_a_queued_writer() {
    // b is read by both: the cycle deadlocks only behind a queued writer.
    let report = abba([("write", "read"), ("read", "write")]);
    let note = "(deadlocks only if a writer queues for b between the two reads: \
                std, parking_lot and tokio `read` block behind a queued writer)";
    assert!(scenario(&report).trim_end().ends_with(note), "{report}");
    assert!(!report.contains("writer queues for a "), "{report}");
    // Reads on both sides of both locks: a note for each.
    let report = abba([("read", "read"), ("read", "read")]);
    assert_eq!(report.matches("between the two reads").count(), 2, "{report}");
    // A recursive read is granted past a queued writer: no note.
    let report = abba([("write", "recursive read"), ("read", "write")]);
    assert!(!report.contains("writer queues"), "{report}");
}

#[test]
fn a_reacquired_read_needs_a_queued_writer() {
    let edges = vec![edge("a", "a", "this")];
    let report = Violation::new(ViolationKind::Reacquire, edges, Vec::new(), "this".into(), vec![1])
        .with_accesses(vec![("read", "read")])
        .to_string();
    assert_eq!(rows(&report), ["read a", "read a", "*** DEADLOCK ***"], "{report}");
    assert!(report.contains("writer queues for a between the two reads"), "{report}");
}
