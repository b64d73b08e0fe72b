#!/usr/bin/env bash
# run_fuzzer.sh FUZZER CORPUS SCRATCH SECONDS: runs one libFuzzer target for SECONDS over its seed
# corpus (read-only: new inputs go to SCRATCH), then prints one line "fuzz: NAME execs=N
# findings=N". A crash, leak, timeout or out-of-memory leaves a crash-*/leak-*/timeout-*/oom-* file in
# SCRATCH and makes the exit status non-zero. Used by ctest (label fuzz) and scripts/fuzz.sh.
set -uo pipefail
fuzzer=$1 corpus=$2 scratch=$3 seconds=$4
name=$(basename "$fuzzer")
rm -rf "$scratch/artifacts"
mkdir -p "$scratch/new" "$scratch/artifacts"
log="$scratch/log.txt"
# -timeout: one input may take at most 10 s; -rss_limit_mb: 4 GiB; -max_len: 4 KiB inputs.
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=4096 -print_final_stats=1 \
  -artifact_prefix="$scratch/artifacts/" "$scratch/new" "$corpus" >"$log" 2>&1
rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
findings=$(find "$scratch/artifacts" -type f | wc -l)
echo "fuzz: $name execs=${execs:-0} seconds=$seconds findings=$findings exit=$rc"
if ((rc != 0 || findings != 0)); then
  tail -n 60 "$log"
  find "$scratch/artifacts" -type f -printf 'artifact: %p\n'
  exit 1
fi
