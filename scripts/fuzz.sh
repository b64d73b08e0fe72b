#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS] - builds the libFuzzer targets of tests/fuzz with clang++ (ASan +
# UBSan + libFuzzer, build/fuzz) and runs each for SECONDS (default 60) over its seed corpus
# tests/fuzz/corpus/<target>/; new inputs go to build/fuzz/tests/fuzz/scratch/<target>/new.
# Prints, per target, the executions and the findings (crash/leak/timeout/oom files), then a total.
# Exit status: 0 when no target found anything, 1 on a finding, 2 on a usage or build error.
#   FUZZ_TARGETS="fuzz_profile fuzz_buddy_ops" limits the run to some targets.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
SECONDS_EACH=${1:-60}
[[ "$SECONDS_EACH" =~ ^[0-9]+$ && "$SECONDS_EACH" -gt 0 ]] || { echo "fuzz.sh: SECONDS must be a whole number > 0" >&2; exit 2; }
JOBS=${JOBS:-2}
TARGETS=(${FUZZ_TARGETS:-fuzz_profile fuzz_cli_specs fuzz_fixed_ops fuzz_buddy_ops})
BUILD=build/fuzz

command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ not found (scripts/setup.sh installs clang)" >&2; exit 2; }
if [[ -f "$BUILD/CMakeCache.txt" ]] && ! grep -qx 'CMAKE_GENERATOR:INTERNAL=Ninja' "$BUILD/CMakeCache.txt"; then
  rm -rf "$BUILD"
fi
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g" \
  -DARENA_WERROR=OFF -DARENA_SANITIZE=address -DARENA_FUZZ=ON -DARENA_BUILD_TESTS=ON \
  -DARENA_BUILD_MICROBENCH=OFF -DARENA_BUILD_EXAMPLES=OFF >/dev/null || { echo "fuzz.sh: configure failed" >&2; exit 2; }
cmake --build "$BUILD" -j"$JOBS" --target "${TARGETS[@]}" || { echo "fuzz.sh: build failed" >&2; exit 2; }

export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
status=0
total_execs=0
total_findings=0
for t in "${TARGETS[@]}"; do
  line=$(tests/fuzz/run_fuzzer.sh "$BUILD/tests/fuzz/$t" "tests/fuzz/corpus/$t" "$BUILD/tests/fuzz/scratch/$t" "$SECONDS_EACH") || status=1
  echo "$line" | grep -v '^fuzz: ' || true
  summary=$(echo "$line" | grep '^fuzz: ')
  echo "$summary"
  execs=$(sed -n 's/.*execs=\([0-9]*\).*/\1/p' <<<"$summary")
  findings=$(sed -n 's/.*findings=\([0-9]*\).*/\1/p' <<<"$summary")
  total_execs=$((total_execs + ${execs:-0}))
  total_findings=$((total_findings + ${findings:-0}))
done
echo "fuzz: total ${#TARGETS[@]} targets x ${SECONDS_EACH}s: execs=$total_execs findings=$total_findings"
exit "$status"
