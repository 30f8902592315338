//! A `std` mutex guard held across an `.await`: the bug that hangs a
//! runtime without a word, reported instead.
//!
//! Two tasks share a thread (plain `tokio::task::spawn_local`, nothing but
//! the `use` line of the mutex changed). The first locks `sessions`, then
//! awaits with the guard still alive; the second then asks for `sessions`
//! and blocks the thread, so the first never runs again to release it: a
//! hang. With lockorder, the second task is stopped before it blocks, by a
//! report that the first is suspended with `sessions` held (under the
//! default policy its acquisition panics, and the runtime goes on). It is
//! reported when anything else takes a lock on that thread, whether or not
//! it asks for `sessions`.
//!
//! Clippy can catch the same await at compile time if told about
//! lockorder's guards: this crate's `clippy.toml` lists them under
//! `await-holding-invalid-types`, and `cargo clippy --example
//! await_holding --features tokio` flags `refresh` (allowed here by an
//! `#[expect]`, which fails the clippy run if the lint does not fire).
//! lockorder's report covers what clippy cannot see: a guard inside a
//! struct, behind a generic, or in a macro.
//!
//! Run with `cargo run --example await_holding --features tokio`.

use lockorder::sync::Mutex;
use std::sync::Arc;
use tokio::task::{yield_now, LocalSet};

struct Server {
    sessions: Mutex<Vec<String>>,
}

/// Holds the `sessions` guard across an await: the bug.
#[expect(clippy::await_holding_invalid_type, reason = "the bug this example shows")]
async fn refresh(server: &Server) {
    let mut sessions = server.sessions.lock().unwrap();
    sessions.retain(|s| !s.is_empty());
    yield_now().await; // e.g. an I/O call, with the lock still held
    sessions.push("refreshed".into());
}

/// Takes the lock briefly: fine on its own.
async fn count(server: &Server) -> usize {
    let sessions = server.sessions.lock().unwrap_or_else(|e| e.into_inner());
    sessions.len()
}

fn main() {
    if !lockorder::enabled() {
        // Without tracking this program is the plain bug: it would hang.
        println!("tracking is compiled out in this build (no debug assertions, no `force` feature): not running");
        return;
    }
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let server = Arc::new(Server { sessions: Mutex::new_named("sessions", vec!["a".into()]) });
    LocalSet::new().block_on(&rt, async {
        // Quiet the default panic message: the report is printed below.
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let first = tokio::task::spawn_local({
            let server = server.clone();
            async move { refresh(&server).await }
        });
        let second = tokio::task::spawn_local({
            let server = server.clone();
            async move { count(&server).await }
        });
        // The second task is stopped before it blocks the thread.
        match second.await {
            Ok(n) => println!("counted {n} session(s)"),
            Err(e) => println!("{}", e.into_panic().downcast::<String>().map(|s| *s).unwrap_or_default()),
        }
        std::panic::set_hook(hook);
        first.await.unwrap();
        println!("the first task went on and refreshed the sessions");
    });
}
