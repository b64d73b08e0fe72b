// Single-thread round trips (spec 4.1): fixed_roundtrip/{256,1024,4096} (allocate, fill with 0xAB,
// freeze, read the length, drop) on one shared 65536 x 4096 B arena prefaulted at build, and
// fixed_auto_spill/{2048,8192} (write 0xEF past a 1024 B slot, so every op spills to the heap) on
// a 65536 x 1024 B auto-spill arena. Peers do the same op with a heap block of exactly `len`
// bytes: they cannot spill, so the spill cases compare the arena's spill path with a right-sized
// heap allocation. One benchmark iteration = one op; throughput = len bytes per op.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <string>

#include "bench_cases.hpp"

namespace microbench {
namespace {

constexpr std::size_t kSlotCount = 65536;
constexpr std::size_t kRoundtripSlotBytes = 4096;
constexpr std::size_t kSpillSlotBytes = 1024;
constexpr std::byte kRoundtripFill{0xAB};
constexpr std::byte kSpillFill{0xEF};
constexpr std::array<std::size_t, 3> kRoundtripLens{256, 1024, 4096};
constexpr std::array<std::size_t, 2> kSpillLens{2048, 8192};

// The shared arenas, built (and prefaulted) on first use, outside any timing; nullptr and a
// skipped benchmark when the build fails.
const arena::FixedArena* shared_arena(benchmark::State& state, bool spill) {
  static const arena::Result<arena::FixedArena> roundtrip =
      arena::FixedArena::with_slot_capacity(kSlotCount, kRoundtripSlotBytes).build();
  static const arena::Result<arena::FixedArena> spilling =
      arena::FixedArena::with_slot_capacity(kSlotCount, kSpillSlotBytes).auto_spill().build();
  const arena::Result<arena::FixedArena>& built = spill ? spilling : roundtrip;
  if (!built) {
    state.SkipWithError(("FixedArena build failed: " + built.error().message()).c_str());
    return nullptr;
  }
  return &*built;
}

template <Subject S>
void run_ops(benchmark::State& state, S& subject, std::size_t len, std::byte fill) {
  for (auto _ : state) {
    typename S::Frozen frozen = subject.produce(fill, len);
    if (!S::valid(frozen)) [[unlikely]] {
      state.SkipWithError("allocator full in a single-thread round trip (a slot leaked?)");
      break;
    }
    const std::byte* data = S::data(frozen);
    std::size_t size = S::size(frozen);  // "read length"
    benchmark::DoNotOptimize(data);      // escapes the pointer: the fill must really happen
    benchmark::DoNotOptimize(size);
  }  // drop
  const auto ops = static_cast<std::int64_t>(state.iterations());
  state.SetItemsProcessed(ops);
  state.SetBytesProcessed(ops * static_cast<std::int64_t>(len));
}

void run_arena(benchmark::State& state, bool spill, std::size_t len, std::byte fill) {
  const arena::FixedArena* shared = shared_arena(state, spill);
  if (shared == nullptr) {
    for (auto _ : state) {
    }
    return;
  }
  ArenaSubject subject(*shared);
  const arena::FixedMetrics before = subject.metrics();
  run_ops(state, subject, len, fill);
  const arena::FixedMetrics after = subject.metrics();
  // Shows that the spill cases really spill (1.0) and the round trips never do (0).
  if (state.iterations() > 0) {
    state.counters["spills_per_op"] =
        static_cast<double>(after.spills - before.spills) / static_cast<double>(state.iterations());
  }
}

void register_shape(const char* shape, bool spill, std::size_t len, std::byte fill, const PeerStatus& peers) {
  const std::string prefix = std::string(shape) + "/" + std::to_string(len) + "/";
  benchmark::RegisterBenchmark((prefix + "arena").c_str(),
                               [=](benchmark::State& state) { run_arena(state, spill, len, fill); })
      ->UseRealTime()
      ->Unit(benchmark::kNanosecond);
  for_each_peer(peers, [&](auto tag, const char* subject_name, const std::string& skip) {
    using S = typename decltype(tag)::type;
    const std::string name = prefix + subject_name;
    if (!skip.empty()) {
      register_skipped(name, skip)->UseRealTime()->Unit(benchmark::kNanosecond);
      return;
    }
    benchmark::RegisterBenchmark(name.c_str(),
                                 [=](benchmark::State& state) {
                                   S subject;
                                   run_ops(state, subject, len, fill);
                                 })
        ->UseRealTime()
        ->Unit(benchmark::kNanosecond);
  });
}

}  // namespace

void register_roundtrip_benchmarks(const PeerStatus& peers) {
  for (std::size_t len : kRoundtripLens) register_shape("fixed_roundtrip", false, len, kRoundtripFill, peers);
  for (std::size_t len : kSpillLens) register_shape("fixed_auto_spill", true, len, kSpillFill, peers);
}

}  // namespace microbench
