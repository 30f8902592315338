//! A blocking lock held across awaits, under the `Warn` and `Ignore`
//! policies: reported once per hold, to the handler, with the lock, its
//! site and the await's stack, and the task goes on. One test only: the
//! policy and the handler are global to the process.
#![cfg(all(debug_assertions, feature = "tokio"))]

use std::sync::{Arc, Mutex as StdMutex};

use lockorder::{Policy, Violation, ViolationKind};
use tokio::task::yield_now;

#[test]
#[expect(clippy::await_holding_invalid_type, reason = "the bug under test")]
fn held_across_await_is_reported_once_per_hold_and_the_task_goes_on() {
    let seen: Arc<StdMutex<Vec<Violation>>> = Arc::default();
    let sink = seen.clone();
    lockorder::set_handler(move |v| sink.lock().unwrap().push(v.clone()));
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let state = lockorder::sync::Mutex::new_named("policy-state", 0);
    let site = line!() + 6;

    for policy in [Policy::Warn, Policy::Ignore] {
        lockorder::set_policy(policy);
        rt.block_on(lockorder::tokio::scope(async {
            for hold in 0..3 {
                let mut guard = state.lock().unwrap();
                // One hold across many awaits: one report.
                for _ in 0..5 {
                    yield_now().await;
                }
                *guard += hold;
                drop(guard);
                // Suspended with nothing held: the next hold is a new one.
                yield_now().await;
            }
        }));
    }
    lockorder::clear_handler();
    lockorder::set_policy(Policy::Panic);

    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 6, "one report per hold (3 holds, twice): {seen:#?}");
    for v in seen.iter() {
        assert_eq!(v.kind(), ViolationKind::HeldAcrossAwait);
        let names: Vec<String> = v.locks().iter().map(ToString::to_string).collect();
        assert_eq!(names, ["policy-state"]);
        let edge = v.attempt();
        assert_eq!(edge.from_acquired_at().line(), site, "{v}");
        assert!(edge.from_acquired_at().file().ends_with("tokio_policy.rs"), "{v}");
        // Miri captures no stacks.
        assert!(
            cfg!(miri)
                || edge.backtrace().functions().any(|f| f.contains("held_across_await_is_reported_once_per_hold")),
            "the await's stack is in the test: {v}"
        );
        assert!(v.to_string().contains("held across await: policy-state"), "{v}");
    }
    assert_eq!(*state.lock().unwrap(), 6);
}
