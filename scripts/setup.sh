#!/usr/bin/env bash
# scripts/setup.sh - installs every Debian 12 package the build, the tests and the planned parts of
# the project (arena-bench, peers, NUMA, fuzzing, lint) need. Idempotent: when all are installed
# (checked with dpkg-query) it does nothing, needs no network and takes well under a second.
# Otherwise: apt-get update + apt-get install -y --no-install-recommends (through sudo when not
# root), non-interactive, so it runs unattended in CI. Nothing is downloaded outside apt.
#
# Usage: scripts/setup.sh [--list]     (--list prints the package names and exits)
set -euo pipefail

# One line per package, with what needs it.
PACKAGES=(
  g++                      # compiler (C++20, g++ 12)
  cmake                    # build system (>= 3.25)
  ninja-build              # build tool used by scripts/*.sh
  pkg-config               # finds hwloc (PkgConfig::HWLOC)
  make                     # fallback generator, used by some tools
  python3                  # helper scripts (benchmark summaries)
  doctest-dev              # unit / concurrency tests (doctest::doctest)
  libbenchmark-dev         # apps/microbench (benchmark::benchmark)
  libcli11-dev             # apps/arena-bench command line (CLI11 2.1)
  nlohmann-json3-dev       # workload profiles and JSON reports
  libhwloc-dev             # NUMA topology and memory binding
  hwloc                    # lstopo, for looking at the machine's topology
  libmimalloc-dev          # peer allocator in comparisons
  libjemalloc-dev          # peer allocator in comparisons
  libgoogle-perftools-dev  # tcmalloc, peer allocator in comparisons
  clang                    # second compiler (headers must compile with clang 14), libFuzzer
  libclang-rt-14-dev       # sanitizer and fuzzer runtimes for clang 14
  clang-format             # scripts/format.sh
  clang-tidy               # scripts/tidy.sh
  chromium                 # tests/browser: renders the HTML report headless (skipped when absent)
)

if [[ "${1:-}" == "--list" ]]; then
  printf '%s\n' "${PACKAGES[@]}"
  exit 0
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#PACKAGES[@]} packages already installed, nothing to do"
  exit 0
fi

echo "setup: installing ${#missing[@]} missing package(s): ${missing[*]}"
if [[ $(id -u) -eq 0 ]]; then
  as_root=(env DEBIAN_FRONTEND=noninteractive)
elif command -v sudo >/dev/null 2>&1; then
  # -n: never prompt (CI has no stdin); fails clearly when a password would be needed.
  as_root=(sudo -n env DEBIAN_FRONTEND=noninteractive)
else
  echo "setup: not root and no sudo: install these packages first: ${missing[*]}" >&2
  exit 1
fi

"${as_root[@]}" apt-get update
"${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}"

# Check again: apt-get can succeed while leaving a package unconfigured.
for pkg in "${missing[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  if [[ "$status" != "install ok installed" ]]; then
    echo "setup: package $pkg is still not installed (status: '${status:-unknown}')" >&2
    exit 1
  fi
done
echo "setup: done"
