//! A lock held while joining a thread that takes it: the shape of
//! rustdesk#622 and rust#67457. No lock order shows it (the main thread
//! takes one lock), but the join waits for the worker's end, which comes
//! after the worker's lock: a cycle through a wait.
//!
//! The worker runs first here, so this run does not hang, but a run in
//! which the main thread takes the lock first would. lockorder reports it
//! at the join, before it blocks.
//!
//! Run with `cargo run --example join_under_lock`.

use lockorder::sync::Mutex;
use lockorder::{thread, Policy};
use std::sync::Arc;

fn main() {
    // Print the report and go on, instead of panicking (the default).
    lockorder::set_policy(Policy::Warn);

    let peers = Arc::new(Mutex::new_named("peers", Vec::<String>::new()));
    let refresher = {
        let peers = Arc::clone(&peers);
        thread::spawn(move || peers.lock().unwrap().push("10.0.0.7".into()))
    };
    while !refresher.is_finished() {
        std::thread::yield_now();
    }

    let peers = peers.lock().unwrap();
    // Reported here: the worker takes `peers`, which this thread holds.
    refresher.join().unwrap();
    println!("{} peers", peers.len());
}
