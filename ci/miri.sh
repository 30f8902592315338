#!/usr/bin/env bash
# Runs the Miri subset of the test suite: the unit tests, the doctests and
# the integration tests that exercise the crate's unsafe code (guards,
# condition variables, once-cells, parking_lot and lock_api, the engine's
# parked and spare records, the tokio task inbox, wakers and owned guards,
# the per-task slots that follow plain tokio tasks between workers). The README
# ("Miri and ThreadSanitizer") says what is left out and why.
#
# Needs a nightly toolchain with the miri and rust-src components; installs
# them with rustup if it can, and otherwise says so and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."

have_miri() { cargo +nightly miri --version >/dev/null 2>&1; }

if ! have_miri; then
    echo "miri: not installed; trying rustup (nightly with miri and rust-src)"
    if command -v rustup >/dev/null 2>&1; then
        timeout 300 rustup component add --toolchain nightly miri rust-src ||
            timeout 300 rustup toolchain install nightly --profile minimal --no-self-update --component miri --component rust-src || true
    fi
    if ! have_miri; then
        echo "miri: skipped (no nightly toolchain with miri, and rustup could not install one)"
        exit 0
    fi
fi

# Violations are panics that the tests catch: printing a backtrace for each
# is most of the time Miri spends on them.
export RUST_BACKTRACE=0
# The subset; `cfg(miri)` shortens the loops of the tests that have many
# rounds, and `#[cfg_attr(miri, ignore = ..)]` skips, with the reason, the
# few tests Miri cannot run or runs too slowly.
TESTS=(guards condvar once parked parking_lot try_lock poison send_guards tokio tokio_plain tokio_policy tokio_graph tokio_once_cell joins channels)
args=(--lib)
for t in "${TESTS[@]}"; do args+=(--test "$t"); done

cargo +nightly miri setup
start=$SECONDS
cargo +nightly miri test --all-features "${args[@]}"
# The doctests: the whole public API, the examples of the unsafe methods
# among them. Left out: those of `record`, which write and read files
# (Miri's isolation has no file system), and `Backtrace`'s, which needs a
# captured stack.
cargo +nightly miri test --all-features --doc -- --skip src/record/ --skip "report::backtrace::Backtrace " --skip src/watchdog.rs
echo "miri: passed in $((SECONDS - start)) s"
