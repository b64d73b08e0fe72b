// The buddy arena's shapes (spec 4.1), peers side by side:
//   buddy_roundtrip/{256,1024,4096,16384}: one thread, one exact(64 MiB, 256) arena; op = allocate
//     len, fill it (0xCD), freeze, read the length, drop. The original took ~6.7 us at 256 B here
//     (whole-bitmap scans); ours is O(log n).
//   buddy_contention/arena_64mb_hold_{0,50}pct/threads:{1,2}: a fresh arena per case; for 50 %,
//     1 KiB blocks (each written) are held until 32 MiB are; thread t cycles through the sizes
//     [192, 768, 2048, 6144, 12288, 3072, 512, 16384] from index t; op = allocate (spin on
//     arena_full), write the size in 0x7C, freeze, drop. Persistent workers, wall-clock rounds:
//     items_per_second is the real aggregate rate.
#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench_cases.hpp"
#include "contention_harness.hpp"

namespace microbench {
namespace {

constexpr std::size_t kBuddyTotal = std::size_t{64} << 20;
constexpr std::size_t kBuddyMin = 256;
constexpr std::array<std::size_t, 4> kBuddyRoundtripLens{256, 1024, 4096, 16384};
constexpr std::array<std::size_t, 8> kSizeCycle{192, 768, 2048, 6144, 12288, 3072, 512, 16384};
constexpr std::byte kRoundtripFill{0xCD};
constexpr std::byte kContentionFill{0x7C};
constexpr std::uint64_t kOpsPerRound = 4096;  // per thread
constexpr std::array<unsigned, 2> kHoldPercents{0, 50};
constexpr std::array<unsigned, 2> kThreadCounts{1, 2};

// A buddy arena doing what every subject does: allocate len, write, freeze.
class BuddySubject {
 public:
  using Frozen = arena::Bytes;
  explicit BuddySubject(arena::BuddyArena arena) noexcept : arena_(std::move(arena)) {}
  Frozen produce(std::byte fill, std::size_t len) {
    arena::Result<arena::Buffer> allocated = arena_.allocate(len);
    if (!allocated) [[unlikely]]
      return Frozen();
    allocated->put_bytes(fill, len);
    return std::move(*allocated).freeze();
  }
  Frozen hold(std::size_t len) { return produce(kContentionFill, len); }
  static bool valid(const Frozen& f) noexcept { return f.owns_memory(); }
  static const std::byte* data(const Frozen& f) noexcept { return f.data(); }
  static std::size_t size(const Frozen& f) noexcept { return f.size(); }
  arena::BuddyMetrics metrics() const { return arena_.metrics(); }

 private:
  arena::BuddyArena arena_;
};
static_assert(Subject<BuddySubject>);

std::optional<BuddySubject> make_buddy(std::string* error) {
  auto geometry = arena::BuddyGeometry::exact(kBuddyTotal, kBuddyMin);
  if (!geometry) {
    *error = geometry.error().message();
    return std::nullopt;
  }
  auto built = arena::BuddyArena::builder(*geometry).build();
  if (!built) {
    *error = "BuddyArena build failed: " + built.error().message();
    return std::nullopt;
  }
  return BuddySubject(std::move(built).value());
}

template <Subject S>
void run_roundtrip(benchmark::State& state, S& subject, std::size_t len) {
  for (auto _ : state) {
    typename S::Frozen frozen = subject.produce(kRoundtripFill, len);
    if (!S::valid(frozen)) [[unlikely]] {
      state.SkipWithError("allocator full in a single-thread round trip");
      break;
    }
    const std::byte* data = S::data(frozen);
    std::size_t size = S::size(frozen);
    benchmark::DoNotOptimize(data);
    benchmark::DoNotOptimize(size);
  }
  const auto ops = static_cast<std::int64_t>(state.iterations());
  state.SetItemsProcessed(ops);
  state.SetBytesProcessed(ops * static_cast<std::int64_t>(len));
}

// One contention case: subject, held blocks, persistent workers (declared last: joined first).
template <Subject S>
class BuddyContention {
 public:
  BuddyContention(S subject, std::size_t hold_bytes, unsigned threads)
      : subject_(std::move(subject)), harness_(threads, [this](unsigned t, std::uint64_t ops) { work(t, ops); }) {
    for (std::size_t held = 0; held < hold_bytes; held += 1024) {
      typename S::Frozen f = subject_.hold(1024);
      if (!S::valid(f)) {
        error_ = "could not pre-allocate the held blocks";
        break;
      }
      held_.push_back(std::move(f));
    }
  }
  const std::string& error() const noexcept { return error_; }
  ContentionHarness& harness() noexcept { return harness_; }
  S& subject() noexcept { return subject_; }

 private:
  void work(unsigned thread, std::uint64_t ops) {
    std::size_t index = thread % kSizeCycle.size();
    for (std::uint64_t i = 0; i < ops; ++i) {
      const std::size_t len = kSizeCycle[index];
      index = (index + 1) % kSizeCycle.size();
      typename S::Frozen f = subject_.produce(kContentionFill, len);
      while (!S::valid(f)) [[unlikely]] f = subject_.produce(kContentionFill, len);
      const std::byte* data = S::data(f);
      benchmark::DoNotOptimize(data);
    }
  }
  S subject_;
  std::vector<typename S::Frozen> held_;
  std::string error_;
  ContentionHarness harness_;
};

template <Subject S, class Make>
void run_contention(benchmark::State& state, Make make, std::size_t hold_bytes, unsigned threads) {
  std::string error;
  std::optional<S> subject = make(&error);
  if (!subject) {
    state.SkipWithError(error.c_str());
    for (auto _ : state) {
    }
    return;
  }
  // Built per benchmark run (cheap next to a 64 MiB hold): the arena state stays per case.
  auto fixture = std::make_unique<BuddyContention<S>>(std::move(*subject), hold_bytes, threads);
  if (!fixture->error().empty()) {
    state.SkipWithError(fixture->error().c_str());
    for (auto _ : state) {
    }
    return;
  }
  double wall = 0;
  for (auto _ : state) {
    const double seconds = fixture->harness().run_round(kOpsPerRound);
    state.SetIterationTime(seconds);
    wall += seconds;
  }
  const std::uint64_t total = static_cast<std::uint64_t>(state.iterations()) * kOpsPerRound * threads;
  state.SetItemsProcessed(static_cast<std::int64_t>(total));
  state.counters["threads"] = threads;
  if (wall > 0) state.counters["ops_per_s"] = static_cast<double>(total) / wall;
}

}  // namespace

void register_buddy_benchmarks(const PeerStatus& peers) {
  for (std::size_t len : kBuddyRoundtripLens) {
    const std::string prefix = "buddy_roundtrip/" + std::to_string(len) + "/";
    benchmark::RegisterBenchmark((prefix + "arena").c_str(),
                                 [len](benchmark::State& state) {
                                   static std::optional<BuddySubject> shared;
                                   std::string error;
                                   if (!shared) shared = make_buddy(&error);
                                   if (!shared) {
                                     state.SkipWithError(error.c_str());
                                     for (auto _ : state) {
                                     }
                                     return;
                                   }
                                   run_roundtrip(state, *shared, len);
                                 })
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
                                   [len](benchmark::State& state) {
                                     S subject{};
                                     run_roundtrip(state, subject, len);
                                   })
          ->UseRealTime()
          ->Unit(benchmark::kNanosecond);
    });
  }
  for (unsigned percent : kHoldPercents) {
    const std::size_t hold_bytes = kBuddyTotal * percent / 100;
    for (unsigned threads : kThreadCounts) {
      const std::string prefix = "buddy_contention/arena_64mb_hold_" + std::to_string(percent) +
                                 "pct/threads:" + std::to_string(threads) + "/";
      benchmark::RegisterBenchmark(
          (prefix + "arena").c_str(),
          [=](benchmark::State& state) { run_contention<BuddySubject>(state, &make_buddy, hold_bytes, threads); })
          ->UseManualTime()
          ->Unit(benchmark::kMicrosecond);
      for_each_peer(peers, [&](auto tag, const char* subject_name, const std::string& skip) {
        using S = typename decltype(tag)::type;
        const std::string name = prefix + subject_name;
        if (!skip.empty()) {
          register_skipped(name, skip)->UseManualTime()->Unit(benchmark::kMicrosecond);
          return;
        }
        auto make = [](std::string*) { return std::optional<S>(S{}); };
        benchmark::RegisterBenchmark(
            name.c_str(), [=](benchmark::State& state) { run_contention<S>(state, make, hold_bytes, threads); })
            ->UseManualTime()
            ->Unit(benchmark::kMicrosecond);
      });
    }
  }
}

}  // namespace microbench
