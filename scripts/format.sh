#!/usr/bin/env bash
# scripts/format.sh - clang-format check (the contract is .clang-format at the repo root) over the C++
# sources in core/, tests/ and apps/. Report-only: not part of scripts/test.sh. Exit 0 when every
# file is formatted, 1 when some are not (each violation is printed), 124 on the time limit.
#
# Usage: scripts/format.sh [--fix] [--timeout SECONDS]
#   --fix               rewrite the files in place instead of checking
#   --timeout SECONDS   time bound (default 300)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

fix=0
limit=300
while (($# > 0)); do
  case "$1" in
    --fix) fix=1 ;;
    --timeout) limit=${2:?--timeout needs seconds}; shift ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "format.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

command -v clang-format >/dev/null || { echo "format.sh: clang-format missing (run scripts/setup.sh)" >&2; exit 2; }

dirs=()
for d in core tests apps; do [[ -d $d ]] && dirs+=("$d"); done
mapfile -d '' files < <(find "${dirs[@]}" -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' -o -name '*.cc' \) -print0 | sort -z)
if ((${#files[@]} == 0)); then
  echo "format.sh: no C++ files found"
  exit 0
fi

if ((fix)); then
  printf '%s\0' "${files[@]}" | timeout "$limit" xargs -0 -n 16 -P 2 clang-format -i --style=file
  echo "format.sh: formatted ${#files[@]} file(s)"
  exit 0
fi

# Pass 1 (parallel): which files differ. One short line per file, so parallel output cannot mix.
rc=0
bad=$(printf '%s\0' "${files[@]}" | timeout "$limit" xargs -0 -n 1 -P 2 \
  sh -c 'clang-format --dry-run -Werror --style=file "$1" >/dev/null 2>&1 || echo "$1"' sh) || rc=$?
((rc != 124)) || { echo "format.sh: time limit of ${limit}s reached" >&2; exit 124; }
((rc == 0)) || { echo "format.sh: clang-format failed (exit $rc)" >&2; exit "$rc"; }
if [[ -z "$bad" ]]; then
  echo "format.sh: ${#files[@]} file(s) formatted correctly"
  exit 0
fi
# Pass 2 (sequential): what to change, as a unified diff per file.
mapfile -t bad_files < <(sort <<<"$bad")
for f in "${bad_files[@]}"; do
  clang-format --style=file "$f" | diff -u --label "$f" --label "$f (clang-format)" "$f" - || true
done
echo "format.sh: ${#bad_files[@]} of ${#files[@]} file(s) need formatting (scripts/format.sh --fix):"
printf '  %s\n' "${bad_files[@]}"
exit 1
