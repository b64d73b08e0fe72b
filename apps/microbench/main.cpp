// arena_microbench entry point: makes room for the peers' static TLS (re-exec), loads the peer
// allocators, verifies that glibc is still the process allocator, records all of it in the
// benchmark context (so every JSON report says which peers ran and who served malloc), registers
// the families and runs Google Benchmark with its usual flags (--benchmark_out, _filter, ...).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>
#include <vector>

#include "bench_cases.hpp"
#include "peer_allocators.hpp"

int main(int argc, char** argv) {
  microbench::ensure_static_tls_reserve(argv);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  const std::vector<microbench::PeerLibrary> libraries = microbench::load_peer_libraries();
  // Checked after the loads: loading a peer must not have changed who serves malloc.
  const microbench::MallocIdentity identity = microbench::verify_process_malloc();

  microbench::PeerStatus status;
  if (!identity.is_glibc) {
    status.glibc_skip = identity.detail;
    std::fprintf(stderr, "arena_microbench: WARNING: %s\n", identity.detail.c_str());
  }
  for (const microbench::PeerLibrary& lib : libraries) {
    std::string verdict;
    if (lib.loaded) {
      verdict = "loaded " + lib.path + " with dlopen(RTLD_NOW|RTLD_LOCAL); only its own entry points are called";
      if (lib.already_mapped) verdict += " (it was already mapped before: LD_PRELOAD or linked in)";
    } else {
      verdict = "skipped: " + lib.soname + " " + lib.problem;
      const std::string reason = lib.name + " " + lib.problem;
      if (lib.name == "mimalloc") status.mimalloc_skip = reason;
      else if (lib.name == "jemalloc") status.jemalloc_skip = reason;
      else status.tcmalloc_skip = reason;
      std::fprintf(stderr, "arena_microbench: peer %s %s\n", lib.name.c_str(), verdict.c_str());
    }
    benchmark::AddCustomContext("peer_" + lib.name, verdict);
  }
  benchmark::AddCustomContext("process_malloc", identity.detail);
  benchmark::AddCustomContext("operator_new_provider", identity.new_provider);
  benchmark::AddCustomContext("glibc_tunables", microbench::glibc_tunables());
  benchmark::AddCustomContext("arena_build_type", ARENA_MICROBENCH_BUILD_TYPE);
  benchmark::AddCustomContext("peer_refcount_header",
                              "16 B {atomic<u32> refs, u32 size}; release = arena's protocol (load==1 or fetch_sub)");

  microbench::register_roundtrip_benchmarks(status);
  microbench::register_contention_benchmarks(status);
  microbench::register_buddy_benchmarks(status);
  microbench::register_driver_benchmarks();
  benchmark::RunSpecifiedBenchmarks();
  microbench::release_contention_fixture();
  benchmark::Shutdown();
  return 0;
}
