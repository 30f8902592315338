//! Correct tokio code written the way people write it, with lockorder's
//! locks swapped in by their `use` lines: `JoinSet`, channels, `select!`
//! with a timeout, `spawn_blocking`, `block_in_place`, aborted tasks, a
//! runtime shut down with guards held, a panicking task, a cache of
//! per-entry locks made in a loop. None of it may raise a report.
#![cfg(all(debug_assertions, feature = "tokio"))]

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use ::tokio::runtime::{Builder, Runtime};
use ::tokio::sync::{mpsc, oneshot};
use ::tokio::task::{yield_now, JoinSet};
use common::{collect_violations, global_state, take_violations};
use lockorder::tokio::{Mutex, RwLock};

const WORKERS: &str = "realistic-worker";

fn runtimes() -> [Runtime; 2] {
    [
        Builder::new_multi_thread().worker_threads(4).thread_name(WORKERS).enable_time().build().unwrap(),
        Builder::new_current_thread().thread_name(WORKERS).enable_time().build().unwrap(),
    ]
}

/// Runs `body` on both runtimes (from a thread named like the workers, so
/// that `block_on` roots are watched too) and asserts nothing is reported.
fn silent<F>(body: impl Fn(&Runtime) -> F + Send + Sync)
where
    F: std::future::Future<Output = ()>,
{
    let _global = global_state();
    let seen = collect_violations(WORKERS);
    for rt in runtimes() {
        common::on_thread(WORKERS, || rt.block_on(body(&rt))).expect("no panic");
        rt.shutdown_background();
    }
    let violations = take_violations(&seen);
    assert!(violations.is_empty(), "false report:\n{}", violations[0]);
}

/// A cache of entries, each behind its own lock made in a loop: the cache
/// is always taken before an entry.
struct Cache {
    map: RwLock<HashMap<u32, Arc<Mutex<u64>>>>,
}

impl Cache {
    fn new() -> Cache {
        let map = (0..16).map(|k| (k, Arc::new(Mutex::new(0)))).collect();
        Cache { map: RwLock::new(map) }
    }

    async fn bump(&self, key: u32) {
        let map = self.map.read().await;
        let entry = map[&(key % 16)].clone();
        let mut value = entry.lock().await;
        drop(map);
        yield_now().await;
        *value += 1;
    }

    async fn insert(&self, key: u32) {
        let mut map = self.map.write().await;
        map.entry(key % 16).or_insert_with(|| Arc::new(Mutex::new(0)));
    }
}

#[test]
fn a_join_set_of_tasks_sharing_a_cache_of_locks() {
    silent(|_| async {
        let cache = Arc::new(Cache::new());
        let mut set = JoinSet::new();
        for i in 0..64 {
            let cache = cache.clone();
            set.spawn(async move {
                for round in 0..8 {
                    if round % 4 == 0 {
                        cache.insert(i + round).await;
                    }
                    cache.bump(i + round).await;
                }
            });
        }
        while let Some(done) = set.join_next().await {
            done.unwrap();
        }
    });
}

#[test]
fn channels_between_tasks_holding_locks_across_awaits() {
    silent(|_| async {
        let state = Arc::new(Mutex::new(Vec::<u32>::new()));
        let (tx, mut rx) = mpsc::channel::<(u32, oneshot::Sender<u32>)>(4);
        let server = {
            let state = state.clone();
            ::tokio::spawn(async move {
                while let Some((n, reply)) = rx.recv().await {
                    let mut state = state.lock().await;
                    state.push(n);
                    let _ = reply.send(state.len() as u32);
                }
            })
        };
        let clients: Vec<_> = (0..16)
            .map(|n| {
                let tx = tx.clone();
                ::tokio::spawn(async move {
                    let (reply, answer) = oneshot::channel();
                    tx.send((n, reply)).await.unwrap();
                    answer.await.unwrap()
                })
            })
            .collect();
        drop(tx);
        for client in clients {
            client.await.unwrap();
        }
        server.await.unwrap();
        assert_eq!(state.lock().await.len(), 16);
    });
}

#[test]
fn select_with_a_timeout_and_owned_guards_sent_away() {
    silent(|_| async {
        let a = Arc::new(Mutex::new(0u32));
        let b = Arc::new(Mutex::new(0u32));
        let (tx, mut rx) = mpsc::unbounded_channel();
        let holder = {
            let (a, b) = (a.clone(), b.clone());
            ::tokio::spawn(async move {
                for _ in 0..20 {
                    let guard_a = a.clone().lock_owned().await;
                    ::tokio::select! {
                        guard_b = b.clone().lock_owned() => tx.send((guard_a, guard_b)).unwrap(),
                        _ = ::tokio::time::sleep(Duration::from_secs(60)) => unreachable!(),
                    }
                    yield_now().await;
                }
            })
        };
        let dropper = ::tokio::spawn(async move {
            let mut n = 0;
            while let Some((mut a, b)) = rx.recv().await {
                *a += *b + 1;
                n += 1;
                drop(b);
                drop(a);
            }
            n
        });
        holder.await.unwrap();
        assert_eq!(dropper.await.unwrap(), 20);
        // a then b again, by this root: the orders are the same.
        let _a = a.lock().await;
        let _b = b.lock().await;
    });
}

#[test]
fn spawn_blocking_and_block_in_place_with_std_locks() {
    silent(|rt| {
        let multi = rt.metrics().num_workers() > 1;
        async move {
            let stats = Arc::new(lockorder::sync::Mutex::new(0u64));
            let config = Arc::new(RwLock::new(1u64));
            let mut set = JoinSet::new();
            for _ in 0..8 {
                let (stats, config) = (stats.clone(), config.clone());
                set.spawn(async move {
                    let step = *config.read().await;
                    let blocking = stats.clone();
                    ::tokio::task::spawn_blocking(move || *blocking.lock().unwrap() += step).await.unwrap();
                    if multi {
                        ::tokio::task::block_in_place(|| *stats.lock().unwrap() += step);
                    } else {
                        *stats.lock().unwrap() += step;
                    }
                });
            }
            while let Some(done) = set.join_next().await {
                done.unwrap();
            }
            assert_eq!(*stats.lock().unwrap(), 16);
        }
    });
}

#[test]
fn aborted_tasks_and_a_panicking_task_leave_nothing_held() {
    silent(|_| async {
        let a = Arc::new(Mutex::new(0u32));
        let b = Arc::new(Mutex::new(0u32));
        // One task holds `a` for good; others wait for it, holding `b`
        // first (b -> a), and are aborted while they wait.
        let held = a.clone().lock_owned().await;
        let waiters: Vec<_> = (0..4)
            .map(|_| {
                let (a, b) = (a.clone(), b.clone());
                ::tokio::spawn(async move {
                    let _b = b.lock().await;
                    let _a = a.lock().await;
                })
            })
            .collect();
        for _ in 0..8 {
            yield_now().await;
        }
        for waiter in &waiters {
            waiter.abort();
        }
        for waiter in waiters {
            let _ = waiter.await;
        }
        drop(held);
        // A task that panics while holding `b` then `a` (the same order).
        let (a2, b2) = (a.clone(), b.clone());
        let panicked = ::tokio::spawn(async move {
            let _b = b2.lock().await;
            let _a = a2.lock().await;
            panic!("the task fails while it holds its locks");
        })
        .await;
        assert!(panicked.is_err());
        // The locks are free and nothing of theirs is held anywhere.
        let _b = b.lock().await;
        let _a = a.lock().await;
    });
}

#[test]
fn a_runtime_shut_down_with_guards_held_by_its_tasks() {
    let _global = global_state();
    let seen = collect_violations(WORKERS);
    for rt in runtimes() {
        let a = Arc::new(Mutex::new(0u32));
        let b = Arc::new(Mutex::new(0u32));
        common::on_thread(WORKERS, || {
            rt.block_on(async {
                for _ in 0..8 {
                    let (a, b) = (a.clone(), b.clone());
                    ::tokio::spawn(async move {
                        let _a = a.lock().await;
                        let _b = b.lock().await;
                        std::future::pending::<()>().await;
                    });
                }
                yield_now().await;
            });
            drop(rt);
        })
        .expect("no panic");
        // Every guard went with its task: the locks are free.
        assert!(a.try_lock().is_ok() && b.try_lock().is_ok());
    }
    let violations = take_violations(&seen);
    assert!(violations.is_empty(), "false report:\n{}", violations[0]);
}

/// The true bugs still fire in the same setting.
#[test]
fn an_inversion_between_join_set_tasks_is_still_reported() {
    let rt = Builder::new_multi_thread().worker_threads(4).build().unwrap();
    let report = rt.block_on(async {
        let a = Arc::new(Mutex::new_named("realistic-a", ()));
        let b = Arc::new(Mutex::new_named("realistic-b", ()));
        let mut set = JoinSet::new();
        let (a1, b1) = (a.clone(), b.clone());
        set.spawn(async move {
            let _a = a1.lock().await;
            yield_now().await;
            let _b = b1.lock().await;
        });
        set.join_next().await.unwrap().unwrap();
        set.spawn(async move {
            let _b = b.lock().await;
            yield_now().await;
            let _a = a.lock().await;
        });
        common::report_of(set.join_next().await.unwrap().unwrap_err().into_panic())
    });
    common::assert_cycle(&report, &["realistic-a", "realistic-b"]);
}
