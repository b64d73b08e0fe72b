#!/usr/bin/env bash
# scripts/test.sh - THE test command of the README (.ci/run calls it and nothing else): installs the
# Debian packages (scripts/setup.sh), then builds and passes every test suite, step by step:
#   default   RelWithDebInfo build (tests + microbench), whole ctest suite       build/default
#   asan      ASan + UBSan build, whole ctest suite                              build/asan
#   tsan      TSan build, the tests labelled `concurrency`                       build/tsan
#   consumer  install build/default, build tests/consumer against it (g++, clang++) and run it
#   fuzz      clang++ libFuzzer build of tests/fuzz only; each target runs 5 s on its corpus   build/fuzz
# A failed step does not stop the others; the summary lists every step and the last line reads
# "N passed, N failed". Exit status: 0 only when every step passed.
#
# Usage: scripts/test.sh [--quick] [--steps LIST] [--help]
#   --quick        only the default step (for development)
#   --steps LIST   comma-separated subset of: default,asan,tsan,consumer,fuzz (scripts/sanitize.sh uses it)
# Environment: JOBS (default 2) for build and ctest parallelism.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

JOBS=${JOBS:-2}
ALL_STEPS=(default asan tsan consumer fuzz)
STEPS=("${ALL_STEPS[@]}")
# Per-test time limit for ctest (seconds); tests that set their own TIMEOUT property keep theirs.
TEST_TIMEOUT=300

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; }

while (($# > 0)); do
  case "$1" in
    --quick) STEPS=(default) ;;
    --steps)
      [[ $# -ge 2 ]] || { echo "test.sh: --steps needs a list" >&2; exit 2; }
      IFS=, read -r -a STEPS <<<"$2"
      shift
      ;;
    -h | --help) usage; exit 0 ;;
    *) echo "test.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
for s in "${STEPS[@]}"; do
  [[ " ${ALL_STEPS[*]} " == *" $s "* ]] || { echo "test.sh: unknown step '$s' (known: ${ALL_STEPS[*]})" >&2; exit 2; }
done

banner() { printf '\n==== %s ====\n' "$*"; }

# configure DIR ARGS...: cmake configure with Ninja. A build dir made by another generator (e.g. an
# old Makefile build) cannot be reconfigured with Ninja, so it is wiped first.
configure() {
  local dir=$1
  shift
  if [[ -f "$dir/CMakeCache.txt" ]] && ! grep -qx 'CMAKE_GENERATOR:INTERNAL=Ninja' "$dir/CMakeCache.txt"; then
    echo "test.sh: $dir was configured with another generator; removing it"
    rm -rf "$dir"
  fi
  cmake -S . -B "$dir" -G Ninja "$@"
}

# run_ctest DIR [ctest args...]: runs ctest, first saying how many tests it selected. Failures
# propagate (ctest exits non-zero when any selected test fails). RUN_PREFIX, when set, is a
# command the test run goes through (setarch for TSan).
RUN_PREFIX=()
run_ctest() {
  local dir=$1
  shift
  local count
  count=$(ctest --test-dir "$dir" -N "$@" | sed -n 's/^Total Tests: //p')
  echo "ctest: ${count:-0} test(s) selected in $dir $*"
  if [[ "${count:-0}" == 0 ]]; then
    echo "WARNING: no tests selected in $dir (suites not registered yet?)"
  fi
  "${RUN_PREFIX[@]}" ctest --test-dir "$dir" --output-on-failure -j"$JOBS" --timeout "$TEST_TIMEOUT" "$@"
}

# Sanitizer builds use Debug with -O1: ARENA_ASSERT stays on (no NDEBUG) while tests run at a
# reasonable speed; -g1 (line tables: stack traces keep file:line) keeps compiling and linking
# fast. -Werror is left to the default build: instrumentation makes g++ emit spurious
# warnings (-Wmaybe-uninitialized, -Wstringop-*), and warnings are already gated by step default.
SANITIZER_CMAKE_ARGS=(-DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1" -DARENA_WERROR=OFF
                      -DARENA_BUILD_TESTS=ON -DARENA_BUILD_MICROBENCH=OFF)

step_default() {
  configure build/default -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
    -DARENA_BUILD_TESTS=ON -DARENA_BUILD_MICROBENCH=ON -DARENA_SANITIZE=
  cmake --build build/default -j"$JOBS"
  run_ctest build/default
}

step_asan() {
  configure build/asan "${SANITIZER_CMAKE_ARGS[@]}" -DARENA_SANITIZE=address
  cmake --build build/asan -j"$JOBS"
  export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=1
  export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
  run_ctest build/asan
}

step_tsan() {
  export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
  # TSan (g++ 12 / clang 14 runtimes) maps its shadow memory at fixed addresses. On recent kernels
  # with high ASLR entropy (vm.mmap_rnd_bits > 28, e.g. 32 on Ubuntu 23.10+/6.5+ kernels) a
  # randomised mapping can land there and every TSan binary dies at start with "FATAL:
  # ThreadSanitizer: unexpected memory mapping". Running with address randomisation off (setarch
  # -R sets ADDR_NO_RANDOMIZE, which children inherit) avoids it and changes nothing else. It wraps
  # the build too: doctest_discover_tests runs the TSan test binaries after linking them. Where
  # personality(2) is not allowed (some sandboxes) we run without it.
  if setarch "$(uname -m)" -R true >/dev/null 2>&1; then
    RUN_PREFIX=(setarch "$(uname -m)" -R)
    echo "tsan: ASLR disabled for build and tests (setarch -R; vm.mmap_rnd_bits=$(cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null || echo '?'))"
  else
    echo "tsan: setarch -R is not permitted here; running with ASLR on"
  fi
  configure build/tsan "${SANITIZER_CMAKE_ARGS[@]}" -DARENA_SANITIZE=thread -DARENA_BUILD_EXAMPLES=OFF
  local log=build/tsan/tsan.log rc=0
  TEST_TIMEOUT=$((TEST_TIMEOUT * 2))  # TSan is slower (5-15x); this runs in the step's subshell
  # The concurrency tests run twice: with the per-thread slot cache (the default) and without it
  # (ARENA_THREAD_CACHE=0), so that both release paths, cell and bitmap, are checked for races.
  # Only what the step runs is built: the concurrency suite (the rest is built by default and asan).
  { "${RUN_PREFIX[@]}" cmake --build build/tsan -j"$JOBS" --target arena_concurrency_tests &&
    run_ctest build/tsan -L concurrency &&
    echo "tsan: again with the thread cache off (ARENA_THREAD_CACHE=0)" &&
    ARENA_THREAD_CACHE=0 run_ctest build/tsan -L concurrency; } 2>&1 |
    tee "$log" || rc=$?
  if ((rc != 0)) && grep -q 'unexpected memory mapping' "$log"; then
    echo "tsan: 'unexpected memory mapping': lower ASLR entropy (sysctl vm.mmap_rnd_bits=28) or allow setarch -R" >&2
  fi
  return "$rc"
}

step_consumer() {
  local prefix="$ROOT/build/install"
  rm -rf "$prefix"
  cmake --install build/default --prefix "$prefix"
  # The consumer is built with both compilers: the public headers must compile with g++ >= 12 and
  # clang >= 14 (the library itself was built by g++; both use libstdc++).
  local cxx
  for cxx in g++ clang++; do
    local dir="build/consumer-$cxx"
    rm -rf "$dir"
    cmake -S tests/consumer -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$prefix"
    cmake --build "$dir" -j"$JOBS"
    local out
    out=$("$dir/arena_consumer")
    echo "$out"
    [[ "$out" == *"consumer ok"* ]] || { echo "consumer ($cxx): no 'consumer ok' in its output" >&2; return 1; }
  done
}

# Fuzzing: only the fuzz targets and what they link are built (scripts/fuzz.sh runs them longer).
step_fuzz() {
  configure build/fuzz -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g" \
    -DARENA_WERROR=OFF -DARENA_SANITIZE=address -DARENA_FUZZ=ON -DARENA_FUZZ_SECONDS=5 -DARENA_BUILD_TESTS=ON \
    -DARENA_BUILD_MICROBENCH=OFF -DARENA_BUILD_EXAMPLES=OFF
  cmake --build build/fuzz -j"$JOBS" --target arena_fuzzers
  run_ctest build/fuzz -L fuzz
}

step_title() {
  case "$1" in
    default) echo "default build (RelWithDebInfo): configure, build, ctest" ;;
    asan) echo "ASan + UBSan build: configure, build, ctest (all tests)" ;;
    tsan) echo "TSan build: configure, build, ctest -L concurrency" ;;
    consumer) echo "install + downstream consumer (find_package(arena CONFIG))" ;;
    fuzz) echo "libFuzzer targets (clang++): build, each run 5 s on its seed corpus" ;;
  esac
}

total_start=$SECONDS
banner "setup: Debian packages"
if ! bash scripts/setup.sh; then
  echo "test.sh: setup failed; no step can run" >&2
  echo "${#STEPS[@]} step(s) not run"
  echo "0 passed, ${#STEPS[@]} failed"
  exit 1
fi

passed=0
failed=0
summary=()
for s in "${STEPS[@]}"; do
  banner "[$s] $(step_title "$s")"
  start=$SECONDS
  # The step runs in a subshell as a plain command (not under if/||), so `set -e` stays in force
  # inside it: its first failing command ends the step. Outside, errexit is off just long enough to
  # collect the status and keep going with the next step.
  set +e
  (set -e; "step_$s")
  rc=$?
  set -e
  elapsed=$((SECONDS - start))
  if ((rc == 0)); then
    passed=$((passed + 1))
    summary+=("$(printf 'PASS  %-9s %5ds' "$s" "$elapsed")")
  else
    failed=$((failed + 1))
    summary+=("$(printf 'FAIL  %-9s %5ds  (exit %d)' "$s" "$elapsed" "$rc")")
  fi
  echo "---- [$s] $([[ $rc == 0 ]] && echo passed || echo "FAILED (exit $rc)") in ${elapsed}s"
done

banner "summary (total $((SECONDS - total_start))s)"
printf '%s\n' "${summary[@]}"
echo "$passed passed, $failed failed"
((failed == 0))
