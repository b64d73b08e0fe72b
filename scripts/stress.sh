#!/usr/bin/env bash
# scripts/stress.sh [SECONDS] - the long stress sweep (docs/reliability.md). Builds arena_stress
# under ThreadSanitizer (build/stress-tsan) and AddressSanitizer + UBSan (build/stress-asan), then
# runs, under each, both arenas x 2 and 8 threads x hold 0/50/90 %, with waiters and cross-thread
# Bytes: 24 runs sharing SECONDS (default 480) of wall time, each also bounded by an operation
# count. Every run ends by checking that every slot/block is back and the metrics balance (R-MET-5).
# Prints each run's line, then the total operations and time. Exit status 1 when any run failed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BUDGET=${1:-480}
[[ "$BUDGET" =~ ^[0-9]+$ && "$BUDGET" -ge 24 ]] || { echo "stress.sh: SECONDS must be a whole number >= 24" >&2; exit 2; }
JOBS=${JOBS:-2}
RUNS=24
PER_RUN=$((BUDGET / RUNS))
OPS_PER_RUN=${STRESS_OPS:-5000000}

# TSan needs address randomisation off on kernels with high mmap entropy (see scripts/test.sh).
PREFIX=()
if setarch "$(uname -m)" -R true >/dev/null 2>&1; then PREFIX=(setarch "$(uname -m)" -R); fi

build() {
  local dir=$1 sanitizer=$2
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g" -DARENA_WERROR=OFF \
    -DARENA_SANITIZE="$sanitizer" -DARENA_BUILD_MICROBENCH=OFF -DARENA_BUILD_EXAMPLES=OFF >/dev/null
  "${PREFIX[@]}" cmake --build "$dir" -j"$JOBS" --target arena_stress
}
build build/stress-tsan thread
build build/stress-asan address

export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
start=$SECONDS
total_ops=0
failed=0
for san in tsan asan; do
  for arena in fixed buddy; do
    for threads in 2 8; do
      for hold in 0 50 90; do
        line=$("${PREFIX[@]}" "build/stress-$san/tests/stress/arena_stress" --arena "$arena" --threads "$threads" \
          --hold "$hold" --waiters on --ops "$OPS_PER_RUN" --seconds "$PER_RUN" --seed "$((threads * 100 + hold))" 2>&1) ||
          failed=$((failed + 1))
        echo "[$san] $line"
        ops=$(sed -n 's/.* ops=\([0-9]*\) .*/\1/p' <<<"$line" | tail -n 1)
        total_ops=$((total_ops + ${ops:-0}))
      done
    done
  done
done
echo "stress: total ops=$total_ops runs=$RUNS failed=$failed seconds=$((SECONDS - start))"
((failed == 0))
