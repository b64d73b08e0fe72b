// driver_roundtrip/256/{fixed,null}: what arena-bench's driver itself costs per operation. The same
// single-thread roundtrip profile (256-byte requests, allocate + write + freeze + drop, latency timed
// for one operation in 64 as arena-bench does by default) runs through workloads::run_once against
// a fixed arena and against the "null" allocator, which does nothing at all (not even the payload
// write: writing is the allocator's work). null's time per operation is the driver's own overhead
// (size draw, mix decisions, sampled timing, the loop); scripts/bench_summary.py reports it as a
// fraction of fixed's (issue 5's target: under 10%). Each benchmark iteration is one whole run_once; the time reported
// is the run's own measured phase (manual time), so thread start and barriers are not counted.
#include <cstdint>
#include <string>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include "arena/workloads/driver.hpp"
#include "arena/workloads/presets.hpp"
#include "arena/workloads/profile.hpp"
#include "bench_cases.hpp"

namespace microbench {
namespace {

constexpr std::uint64_t kOperationsPerRun = 1'000'000;
constexpr std::uint64_t kWarmupOperations = 50'000;
constexpr std::size_t kRequestBytes = 256;

// The preset "roundtrip" at 256 bytes, with a fixed arena and the null allocator as its allocators.
arena::workloads::Profile driver_profile() {
  nlohmann::json json = arena::workloads::to_json(arena::workloads::find_preset("roundtrip").profile);
  json["sizes"] = {{"kind", "constant"}, {"size", kRequestBytes}};
  json.erase("duration_s");
  json.erase("warmup_s");
  json["operations"] = kOperationsPerRun;
  json["warmup_operations"] = kWarmupOperations;
  json["sample_interval_ms"] = 0;
  json["allocators"] =
      nlohmann::json::array({{{"kind", "fixed"}, {"name", "fixed"}, {"slots", 1024}, {"slot_size", kRequestBytes}},
                             {{"kind", "null"}, {"name", "null"}}});
  return arena::workloads::parse_profile(json, "bench_driver.cpp");
}

void run_driver(benchmark::State& state, const arena::workloads::Profile& profile, std::size_t allocator) {
  std::uint64_t operations = 0;
  for (auto _ : state) {
    const arena::workloads::RunRecord record = arena::workloads::run_once(profile, profile.allocators[allocator]);
    if (record.status != arena::workloads::RunRecord::Status::ok || record.seconds <= 0) {
      state.SkipWithError(("run_once failed: " + record.error).c_str());
      return;
    }
    state.SetIterationTime(record.seconds);
    operations += record.operations;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(operations));
}

}  // namespace

void register_driver_benchmarks() {
  static const arena::workloads::Profile profile = driver_profile();
  for (std::size_t i = 0; i < profile.allocators.size(); ++i) {
    const std::string name = "driver_roundtrip/" + std::to_string(kRequestBytes) + "/" + profile.allocators[i].name;
    benchmark::RegisterBenchmark(name.c_str(), [i](benchmark::State& state) { run_driver(state, profile, i); })
        ->UseManualTime()
        ->Iterations(3)
        ->Unit(benchmark::kMillisecond);
  }
}

}  // namespace microbench
