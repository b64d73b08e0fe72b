#!/usr/bin/env bash
# scripts/tidy.sh - clang-tidy (checks in .clang-tidy at the repo root) over the library sources in
# core/src, using build/default/compile_commands.json (configured here if missing). Report-only:
# not part of scripts/test.sh. Exit 0 when clang-tidy reports nothing, 1 on findings, 124 on the
# time limit.
#
# Usage: scripts/tidy.sh [--timeout SECONDS] [FILE...]
#   --timeout SECONDS   time bound (default 900)
#   FILE...             check these files instead of core/src/*.cpp
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

limit=900
files=()
while (($# > 0)); do
  case "$1" in
    --timeout) limit=${2:?--timeout needs seconds}; shift ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    -*) echo "tidy.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) files+=("$1") ;;
  esac
  shift
done

command -v clang-tidy >/dev/null || { echo "tidy.sh: clang-tidy missing (run scripts/setup.sh)" >&2; exit 2; }

db=build/default/compile_commands.json
if [[ ! -f $db ]]; then
  echo "tidy.sh: $db missing; configuring build/default (as scripts/test.sh does)"
  cmake -S . -B build/default -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
fi
((${#files[@]} > 0)) || mapfile -t files < <(find core/src -name '*.cpp' | sort)

# The compile commands are g++'s; clang-tidy parses them with clang 14. Warnings are the
# compiler's business (the default build has -Werror); here only clang-tidy's own checks count.
# -fsized-deallocation: on by default in g++ (C++14 on) but not in clang 14; without it clang
# rejects calls to the sized ::operator delete(p, size, align) the backing memory uses.
extra=(--extra-arg=-Wno-unknown-warning-option --extra-arg=-Wno-error --extra-arg=-fsized-deallocation)

log=$(mktemp)
trap 'rm -f "$log"' EXIT
rc=0
printf '%s\0' "${files[@]}" |
  timeout "$limit" xargs -0 -n 1 -P 2 clang-tidy -p build/default --quiet "${extra[@]}" >"$log" 2>&1 || rc=$?
((rc != 124)) || { cat "$log"; echo "tidy.sh: time limit of ${limit}s reached" >&2; exit 124; }
# A header's findings repeat once per translation unit that includes it: print each finding once
# (file:line:col: warning: message [check]), then a count per check.
mapfile -t findings < <(grep -E '^[^ ].*:[0-9]+:[0-9]+: (warning|error): ' "$log" | sed "s|^$ROOT/||" | sort -u)
printf '%s\n' "${findings[@]}"
if ((${#findings[@]} > 0)); then
  echo "tidy.sh: findings per check:"
  printf '%s\n' "${findings[@]}" | grep -oE '\[[a-z0-9.,-]+\]$' | sort | uniq -c | sort -rn | sed 's/^/  /'
fi
echo "tidy.sh: ${#files[@]} file(s) checked, ${#findings[@]} distinct finding(s)"
((${#findings[@]} == 0))
