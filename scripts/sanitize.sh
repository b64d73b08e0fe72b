#!/usr/bin/env bash
# scripts/sanitize.sh - the sanitizer steps of scripts/test.sh alone: ASan+UBSan over the whole ctest
# suite (build/asan) and TSan over the tests labelled `concurrency` (build/tsan), optionally bounded
# in time. Same builds, options and summary as test.sh (it runs `test.sh --steps ...`).
#
# Usage: scripts/sanitize.sh [--timeout SECONDS] [--asan-only | --tsan-only]
#   --timeout SECONDS   stop everything after SECONDS (exit 124); default: no bound
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
limit=""
steps=asan,tsan
while (($# > 0)); do
  case "$1" in
    --timeout)
      [[ "${2:-}" =~ ^[0-9]+$ ]] || { echo "sanitize.sh: --timeout needs a number of seconds" >&2; exit 2; }
      limit=$2
      shift
      ;;
    --asan-only) steps=asan ;;
    --tsan-only) steps=tsan ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "sanitize.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

if [[ -n "$limit" ]]; then
  # timeout signals its whole process group, so builds and tests started below stop too.
  rc=0
  timeout -k 30 "$limit" bash "$ROOT/scripts/test.sh" --steps "$steps" || rc=$?
  ((rc != 124)) || echo "sanitize.sh: time limit of ${limit}s reached" >&2
  exit "$rc"
fi
exec bash "$ROOT/scripts/test.sh" --steps "$steps"
