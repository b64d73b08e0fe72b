#!/usr/bin/env bash
# scripts/run.sh - THE main job of the README: a default arena-bench comparison. Installs what is
# missing (setup.sh), builds arena-bench in Release (build/release), then runs the preset
# "rpc-small" (small RPC messages, 4 threads, handed off between threads and sliced) against two
# fixed geometries, one buddy geometry and every heap peer installed, with the table on stderr and
# the JSON report in build/release/compare.json (about a minute on 2 cores).
#
# Usage: scripts/run.sh [extra arena-bench compare flags, e.g. --duration 3 --repetitions 5 --buddy 256MiB/64]
#   The flags are added to the ones above (more geometries, longer runs, --peers ...); for another
#   workload call build/release/apps/arena-bench/arena-bench directly (see docs/cli.md).
# Environment: ARENA_SKIP_SETUP=1 skips setup.sh; ARENA_JOBS (default: nproc) build parallelism;
#              ARENA_REPORT (default build/release/compare.json) where the report goes.
# The micro-benchmarks (Google Benchmark, peers side by side) are scripts/microbench.sh.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build/release"
report="${ARENA_REPORT:-$build/compare.json}"

if [[ "${ARENA_SKIP_SETUP:-0}" != "1" ]]; then
  bash "$root/scripts/setup.sh"
fi

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DARENA_BUILD_TESTS=OFF -DARENA_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" --target arena-bench --parallel "${ARENA_JOBS:-$(nproc)}"

mkdir -p "$(dirname "$report")"
echo "run: arena-bench compare --preset rpc-small -> $report (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
"$build/apps/arena-bench/arena-bench" compare --preset rpc-small \
  --fixed 4096x16KiB --fixed 65536x1KiB,spill --buddy 64MiB/256 \
  --table -o "$report" "$@"
echo "run: report written to $report"
