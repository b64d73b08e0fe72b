#!/usr/bin/env bash
# scripts/microbench.sh - the micro-benchmark
# comparison of the fixed arena against its heap peers. Installs what is missing (setup.sh),
# builds arena_microbench in Release (build/release), runs every case with repetitions (~2.5 minutes
# on 2 cores), writes Google Benchmark JSON (readable by compare.py) and prints a summary with the
# issue's target ratios. A missed target is reported, not an error: non-zero only on real failure.
#
# Usage: scripts/microbench.sh [OUTPUT.json] [extra arena_microbench flags, e.g. --benchmark_filter=roundtrip]
# Environment: ARENA_SKIP_SETUP=1 skips setup.sh; ARENA_JOBS (default: nproc) build parallelism;
#              ARENA_BENCH_REPETITIONS (default 5), ARENA_BENCH_MIN_TIME (seconds, default 0.3).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build/release"
out="$build/microbench.json"
if [[ $# -gt 0 && "$1" != --* ]]; then
  out="$1"
  shift
fi
mkdir -p "$(dirname "$out")"

if [[ "${ARENA_SKIP_SETUP:-0}" != "1" && -f "$root/scripts/setup.sh" ]]; then
  bash "$root/scripts/setup.sh"
fi

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DARENA_BUILD_TESTS=OFF -DARENA_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" --target arena_microbench --parallel "${ARENA_JOBS:-$(nproc)}"

echo "run: arena_microbench -> $out (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
"$build/apps/microbench/arena_microbench" \
  --benchmark_repetitions="${ARENA_BENCH_REPETITIONS:-5}" \
  --benchmark_min_time="${ARENA_BENCH_MIN_TIME:-0.3}" \
  --benchmark_display_aggregates_only=true \
  --benchmark_out="$out" --benchmark_out_format=json \
  "$@"

echo
python3 "$root/scripts/bench_summary.py" "$out"
