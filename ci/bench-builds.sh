#!/usr/bin/env bash
# Runs benches/helpers.rs (locks taken through ordinary helpers) in the four
# builds users run, then prints one table per build: each row's median and
# its ratio to std (to tokio's own lock for the tokio row).
#
#   bash ci/bench-builds.sh            # every build, short criterion runs
#   bash ci/bench-builds.sh force      # one build: dev, dev-opt, release-da, force
#   FEATURES=tokio bash ci/bench-builds.sh   # with the tokio row (and the
#                                            # task-id read it adds to every lock)
#
# Not part of `.ci/run`: it takes about a quarter of an hour on two cores.
set -euo pipefail
cd "$(dirname "$0")/.."

builds=("${@:-dev dev-opt release-da force}")
read -r -a builds <<<"${builds[*]}"
times=(--warm-up-time 1 --measurement-time 2 --noplot)
features=${FEATURES-}

for build in "${builds[@]}"; do
    case "$build" in
    dev) cargo bench --profile dev --features "$features" --bench helpers -- "${times[@]}" --save-baseline "$build" ;;
    dev-opt) cargo bench --profile dev --features "$features" --config 'profile.dev.package.lockorder.opt-level=3' \
        --bench helpers -- "${times[@]}" --save-baseline "$build" ;;
    release-da) CARGO_PROFILE_BENCH_DEBUG_ASSERTIONS=true cargo bench --features "$features" --bench helpers -- \
        "${times[@]}" --save-baseline "$build" ;;
    force) cargo bench --features "force,$features" --bench helpers -- "${times[@]}" --save-baseline "$build" ;;
    *)
        echo "unknown build $build (dev, dev-opt, release-da, force)" >&2
        exit 2
        ;;
    esac
done

python3 - "${builds[@]}" <<'EOF'
import json, pathlib, sys

root = pathlib.Path("target/criterion")
for build in sys.argv[1:]:
    print(f"\n## {build}\n")
    print("| row | std / tokio | parking_lot | tracing-mutex | lockorder |")
    print("| --- | --- | --- | --- | --- |")
    rows = {}
    for estimates in sorted(root.glob(f"h*/**/{build}/estimates.json")):
        parts = estimates.relative_to(root).parts[:-2]
        group, rest = parts[0], parts[1:]
        name = [p for p in rest if p in ("std", "tokio", "parking_lot", "tracing-mutex", "lockorder")][0]
        row = " ".join([group] + [p for p in rest if p != name])
        rows.setdefault(row, {})[name] = json.loads(estimates.read_text())["median"]["point_estimate"]
    for row, by in sorted(rows.items()):
        base = by.get("std", by.get("tokio"))
        cell = lambda n: "" if n not in by else f"{by[n]:.1f} ns" + ("" if base is None or n in ("std", "tokio") else f" ({by[n] / base:.2f}x)")
        print(f"| {row} | {cell('std') or cell('tokio')} | {cell('parking_lot')} | {cell('tracing-mutex')} | {cell('lockorder')} |")
EOF
