//! What `LOCKORDER_RECORD` costs a test process: the whole life of a small
//! process (this bench's own executable, started again as a child) that
//! takes a few locks in a few orders, as a test does, run with and without
//! recording. The difference is what recording adds per process, which
//! matters under nextest (one process per test).
//!
//! Run with tracking and recording on:
//! `cargo bench --features force,record --bench record`.

use std::path::PathBuf;
use std::process::Command;

use criterion::{BenchmarkId, Criterion};
use lockorder::sync::{Mutex, RwLock};

/// Set in the child: take the locks and exit.
const CHILD: &str = "LOCKORDER_BENCH_RECORD_CHILD";

/// The child's work: four locks, nested in three orders (three class
/// orders to record), as a small test does.
fn child() {
    let accounts = Mutex::new(0u64);
    let audit = Mutex::new(Vec::<u64>::new());
    let config = RwLock::new(1u64);
    let cache = Mutex::new(0u64);
    for _ in 0..10 {
        let config = config.read().unwrap();
        let mut accounts = accounts.lock().unwrap();
        *accounts += *config;
        audit.lock().unwrap().push(*accounts);
        *cache.lock().unwrap() += 1;
    }
}

fn run_child(record: Option<&PathBuf>) {
    let mut command = Command::new(std::env::current_exe().expect("the bench executable"));
    command.env(CHILD, "1").env_remove("LOCKORDER_RECORD");
    if let Some(dir) = record {
        command.env("LOCKORDER_RECORD", dir);
    }
    let status = command.status().expect("the child runs");
    assert!(status.success());
}

fn bench(c: &mut Criterion) {
    if !lockorder::enabled() {
        eprintln!("record bench: tracking is off; build with `--features force,record`");
    }
    let dir = std::env::temp_dir().join(format!("lockorder-bench-record-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a record directory");
    let mut group = c.benchmark_group("recording process");
    group.sample_size(20);
    group.bench_function(BenchmarkId::new("process", "without LOCKORDER_RECORD"), |b| b.iter(|| run_child(None)));
    group.bench_function(BenchmarkId::new("process", "with LOCKORDER_RECORD"), |b| b.iter(|| run_child(Some(&dir))));
    group.finish();
    let records = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
    assert!(records > 0 || !lockorder::enabled(), "the recording children wrote no record");
    let _ = std::fs::remove_dir_all(&dir);
}

fn main() {
    if std::env::var_os(CHILD).is_some() {
        child();
        return;
    }
    let mut criterion = Criterion::default().configure_from_args();
    bench(&mut criterion);
    criterion.final_summary();
}
