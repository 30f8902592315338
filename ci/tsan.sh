#!/usr/bin/env bash
# Runs the tests that race threads over the crate's atomics and shared state
# under ThreadSanitizer: the unit tests, and the integration tests of
# parked records, once-cells, condition variables, guards, parking_lot,
# tokio, the lock-order scenarios, classes, policies and thread teardown.
# On demand only (not in .ci/run): std is rebuilt with the
# sanitizer, which takes minutes. The README ("Miri and ThreadSanitizer")
# says what is left out and why.
#
# Needs a nightly toolchain with rust-src (for -Zbuild-std); installs it
# with rustup if it can, and otherwise says so and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."

have_src() { rustup component list --toolchain nightly --installed 2>/dev/null | grep -q '^rust-src'; }

if ! command -v rustup >/dev/null 2>&1; then
    echo "tsan: skipped (needs rustup for a nightly toolchain with rust-src)"
    exit 0
fi
if ! have_src; then
    echo "tsan: not installed; trying rustup (nightly with rust-src)"
    timeout 300 rustup component add --toolchain nightly rust-src ||
        timeout 300 rustup toolchain install nightly --profile minimal --no-self-update --component rust-src || true
    if ! have_src; then
        echo "tsan: skipped (no nightly toolchain with rust-src, and rustup could not install one)"
        exit 0
    fi
fi

target=$(rustc +nightly -vV | sed -n 's/^host: //p')
# std, every dependency and the tests, all instrumented, in a target
# directory of their own.
export RUSTFLAGS="-Zsanitizer=thread"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}/tsan"
# Violations are panics that the tests catch; no backtrace printing.
export RUST_BACKTRACE=0
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1 second_deadlock_stack=1}"
TESTS=(parked once condvar guards try_lock poison send_guards parking_lot tokio tokio_plain tokio_policy tokio_graph tokio_once_cell scenarios classes policy retired teardown joins channels)
args=(--lib)
for t in "${TESTS[@]}"; do args+=(--test "$t"); done

start=$SECONDS
cargo +nightly test -Zbuild-std --target "$target" --all-features "${args[@]}"
echo "tsan: passed in $((SECONDS - start)) s"
