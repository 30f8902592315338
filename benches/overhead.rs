//! Overhead benches (replaced by the criterion suite).

fn main() {}
