//! `lockorder::tokio::OnceCell`: an initialization that others wait for is
//! an acquisition of the cell. The locks held when asking come before it,
//! the locks its initializer takes come after it; an inversion is reported
//! at the call, whether the cell is set or not, and correct code is silent.
#![cfg(all(debug_assertions, feature = "tokio"))]

mod common;

use std::sync::Arc;

use ::tokio::runtime::{Builder, Runtime};
use common::{assert_cycle, collect_violations, report_of_task, take_violations};
use lockorder::tokio::{Mutex, OnceCell};

fn multi_thread(name: &str) -> Runtime {
    Builder::new_multi_thread().worker_threads(2).thread_name(name).build().unwrap()
}

/// One task's initializer takes the mutex (cell -> mutex) and fails, so
/// the cell stays empty; another task asks for the cell while it holds the
/// mutex. Were the two timed together, each would wait for the other: the
/// second call is reported, at its line, before it can wait.
#[test]
fn asking_for_an_empty_cell_under_a_lock_its_initializer_takes_is_reported() {
    let rt = multi_thread("cell-abba");
    let cell = Arc::new(OnceCell::<u32>::new_named("cell"));
    let m = Arc::new(Mutex::new_named("m", 0u32));
    let report = rt.block_on(async {
        let (cell1, m1) = (cell.clone(), m.clone());
        ::tokio::spawn(async move {
            let failed = cell1
                .get_or_try_init(|| async {
                    let _m = m1.lock().await;
                    common::yield_to_other_workers().await;
                    Err("not yet")
                })
                .await;
            assert_eq!(failed, Err("not yet"));
        })
        .await
        .unwrap();
        report_of_task(
            ::tokio::spawn(async move {
                let _m = m.lock().await;
                cell.get_or_init(|| async { 1 }).await;
            })
            .await,
        )
    });
    assert_cycle(&report, &["cell", "m"]);
    assert!(report.contains("async init"), "{report}");
    assert!(report.contains(&format!("is acquiring cell at {}:", file!())), "{report}");
}

/// The same inversion with the cell set: asking cannot wait now, but on a
/// run where the cell is not set yet it would, so it is reported too.
#[test]
fn asking_for_a_set_cell_under_a_lock_its_initializer_took_is_reported() {
    let rt = multi_thread("cell-set-abba");
    let cell = Arc::new(OnceCell::<u32>::new_named("set-cell"));
    let m = Arc::new(Mutex::new_named("set-m", 0u32));
    let report = rt.block_on(async {
        let (cell1, m1) = (cell.clone(), m.clone());
        let value = ::tokio::spawn(async move { *cell1.get_or_init(|| async { *m1.lock().await + 7 }).await });
        assert_eq!(value.await.unwrap(), 7);
        report_of_task(
            ::tokio::spawn(async move {
                let _m = m.lock().await;
                cell.get_or_init(|| async { unreachable!("the cell is set") }).await;
            })
            .await,
        )
    });
    assert_cycle(&report, &["set-cell", "set-m"]);
}

/// The cell is held while its initializer runs, not after: a lock taken by
/// the initializing task once `get_or_init` returned is not ordered after
/// the cell, so asking for the cell under that lock later is no inversion.
/// (Were the hold left behind, `cell -> later` would be recorded and the
/// second task reported.)
#[test]
fn the_cell_is_let_go_when_its_initializer_is_done() {
    let _global = common::global_state();
    let seen = collect_violations("cell-let-go");
    let rt = multi_thread("cell-let-go");
    let cell = Arc::new(OnceCell::<u32>::new_named("let-go-cell"));
    let later = Arc::new(Mutex::new_named("later", 0u32));
    rt.block_on(async {
        let (cell1, later1) = (cell.clone(), later.clone());
        ::tokio::spawn(async move {
            assert_eq!(*cell1.get_or_init(|| async { 3 }).await, 3);
            *later1.lock().await += 1;
        })
        .await
        .unwrap();
        ::tokio::spawn(async move {
            let _later = later.lock().await;
            assert_eq!(*cell.get_or_init(|| async { 4 }).await, 3);
        })
        .await
        .unwrap();
    });
    assert!(take_violations(&seen).is_empty());
}

/// Code as people write it: 40 plain tasks race to initialize cells made in
/// a loop (each initializer takes a shared mutex across an await), then take
/// the mutex themselves, always in that order. Exactly one initializer runs
/// per cell, and nothing is reported.
#[test]
fn racing_initializers_in_a_consistent_order_are_silent() {
    let _global = common::global_state();
    let seen = collect_violations("cell-race");
    let rt = multi_thread("cell-race");
    let cells: Arc<Vec<OnceCell<usize>>> = Arc::new((0..4).map(|_| OnceCell::new()).collect());
    let runs = Arc::new(Mutex::new(0usize));
    rt.block_on(async {
        let tasks: Vec<_> = (0..if cfg!(miri) { 4 } else { 40 })
            .map(|i| {
                let (cells, runs) = (cells.clone(), runs.clone());
                ::tokio::spawn(async move {
                    let cell = &cells[i % cells.len()];
                    let value = *cell
                        .get_or_init(|| async {
                            let mut runs = runs.lock().await;
                            common::yield_to_other_workers().await;
                            *runs += 1;
                            i
                        })
                        .await;
                    assert_eq!(value % cells.len(), i % cells.len());
                    *runs.lock().await += 0;
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
    });
    assert_eq!(*rt.block_on(runs.lock()), cells.len());
    assert!(take_violations(&seen).is_empty());
}

/// An order recorded by the initializer of a `block_on` root (no task) is
/// the same order for tasks: a task asking for the cell under the lock the
/// root's initializer took is reported.
#[test]
fn an_order_a_roots_initializer_recorded_is_judged_in_tasks() {
    let rt = multi_thread("cell-wait");
    let cell = Arc::new(OnceCell::<u32>::new_named("wait-cell"));
    let gate = Arc::new(Mutex::new_named("gate", ()));
    let report = rt.block_on(async {
        let (cell1, gate1) = (cell.clone(), gate.clone());
        // cell -> gate, recorded by the root's initializer, which gives up.
        let _ = cell1
            .get_or_try_init(|| async {
                drop(gate1.lock().await);
                Err::<u32, ()>(())
            })
            .await;
        report_of_task(
            ::tokio::spawn(async move {
                let _gate = gate.lock().await;
                cell.get_or_try_init(|| async { Ok::<u32, ()>(1) }).await.unwrap();
            })
            .await,
        )
    });
    assert_cycle(&report, &["wait-cell", "gate"]);
}

/// std's API where tokio's has it: `set` never waits, and errors as
/// tokio's do; `take`, `into_inner`, `Clone`, `PartialEq`, `Debug`.
#[test]
fn the_rest_of_the_api_is_tokios() {
    let mut cell = OnceCell::new();
    assert!(cell.set(1).is_ok());
    assert!(cell.set(2).unwrap_err().is_already_init_err());
    assert_eq!(cell.clone(), cell);
    assert_eq!(format!("{cell:?}"), format!("{:?}", ::tokio::sync::OnceCell::from(1)));
    assert_eq!(cell.take(), Some(1));
    assert!(!cell.initialized());
    assert_eq!(OnceCell::from(5).into_inner(), Some(5));
    assert_eq!(OnceCell::<u8>::default().get(), None);
}
