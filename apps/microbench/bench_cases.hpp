// The benchmark families and their registration. Names follow "<shape>/<parameters>/<subject>"
// (subject: arena, shared_vector, glibc_rc, mimalloc_rc, jemalloc_rc, tcmalloc_rc), so that
// Google Benchmark's compare.py can pair any two subjects with `filters` mode. Registration order
// is the report order: each shape, then each parameter, then every subject side by side.
#pragma once

#include <string>

#include <benchmark/benchmark.h>

#include "subjects.hpp"

namespace microbench {

// fixed_roundtrip/{256,1024,4096} and fixed_auto_spill/{2048,8192} (single thread).
void register_roundtrip_benchmarks(const PeerStatus& peers);
// fixed_contention/slots_65536_hold_{0,75}pct/threads:{1,2} (ContentionHarness, manual time).
void register_contention_benchmarks(const PeerStatus& peers);
// buddy_roundtrip/{256,1024,4096,16384} and buddy_contention/arena_64mb_hold_{0,50}pct/threads:{1,2}.
void register_buddy_benchmarks(const PeerStatus& peers);
// driver_roundtrip/256/{fixed,null}: arena-bench's driver overhead (bench_driver.cpp).
void register_driver_benchmarks();
// Frees the cached contention fixture (joins its threads); call after the run.
void release_contention_fixture();

// Registers `name` as a benchmark that reports `reason` as its error (a peer that is not
// available): the case stays in the report as a failed record instead of silently vanishing.
inline benchmark::internal::Benchmark* register_skipped(const std::string& name, const std::string& reason) {
  return benchmark::RegisterBenchmark(name.c_str(), [reason](benchmark::State& state) {
    state.SkipWithError(reason.c_str());
    for (auto _ : state) {
    }
  });
}

}  // namespace microbench
