//! A tokio lock that entered the lock-order graph while its task held it
//! leaves the graph when it is dropped, whatever happened to the task's
//! held set in between (another task ran on its thread, so its set was
//! put away and loaded again). One test only: the graph is global.
#![cfg(all(debug_assertions, feature = "tokio"))]

use std::sync::Arc;

use ::tokio::runtime::Builder;
use ::tokio::task::yield_now;
use lockorder::tokio::Mutex;

#[test]
fn a_lock_made_a_node_under_a_switch_leaves_the_graph() {
    let before = lockorder::stats();
    let rt = Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        let outer = Arc::new(Mutex::new(0));
        let inner = Arc::new(Mutex::new(0));
        let other = Arc::new(Mutex::new(0));
        // Taken once alone: not a new lock when taken under `outer` (whose
        // order would then wait in it instead of the graph).
        *inner.lock().await += 1;
        let holder = {
            let (outer, inner) = (outer.clone(), inner.clone());
            tokio::spawn(async move {
                let mut held = outer.lock().await;
                // A new order: `outer` becomes a node of the graph.
                *inner.lock().await += 1;
                // Another task runs on this thread meanwhile and takes a lock.
                yield_now().await;
                // An order known already: the held set comes back as it was put away.
                *inner.lock().await += 1;
                *held += 1;
            })
        };
        let neighbour = {
            let other = other.clone();
            tokio::spawn(async move { *other.lock().await += 1 })
        };
        holder.await.unwrap();
        neighbour.await.unwrap();
        assert_eq!(*outer.lock().await, 1);
        assert_eq!(*inner.lock().await, 3);
    });
    drop(rt);
    assert_eq!(lockorder::stats(), before, "a dropped lock stayed in the graph");
}
