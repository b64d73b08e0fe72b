// fixed_contention (spec 4.1, with its reporting quirk corrected): a fresh 65536 x 4096 B arena per
// case, 0 or 75 % of it (49152 slots) allocated and frozen before timing and kept alive; then
// threads on persistent workers (ContentionHarness) each do allocate (spin on arena_full), write
// 1024 B of 0x5A, freeze, drop. Peers hold the same number of 1024 B blocks. One benchmark
// iteration = one round of kOpsPerRound ops per thread, timed by wall clock (manual time), so
// items_per_second and the ops_per_s counter are the REAL aggregate rate, not thread_count times it.
#include <array>
#include <concepts>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench_cases.hpp"
#include "contention_harness.hpp"

namespace microbench {
namespace {

constexpr std::size_t kSlotCount = 65536;
constexpr std::size_t kSlotBytes = 4096;
constexpr std::size_t kWriteBytes = 1024;
constexpr std::byte kFill{0x5A};
constexpr std::uint64_t kOpsPerRound = 16384;  // per thread: ~0.3-2 ms rounds
constexpr std::array<unsigned, 2> kHoldPercents{0, 75};
constexpr std::array<unsigned, 2> kThreadCounts{1, 2};

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

class Fixture {
 public:
  virtual ~Fixture() = default;
};

// One case's state: the subject (for the arena: its fresh arena), the held handles and the
// workers. Built once per case and reused by every run and repetition of that case, so threads
// and holds are set up outside all timing and stay warm.
template <Subject S>
class ContentionFixture final : public Fixture {
 public:
  ContentionFixture(S subject, std::size_t hold_count, unsigned threads)
      : subject_(std::move(subject)), harness_(threads, [this](unsigned, std::uint64_t ops) { work(ops); }) {
    held_.reserve(hold_count);
    for (std::size_t i = 0; i < hold_count; ++i) {
      typename S::Frozen frozen = subject_.hold(kWriteBytes);
      if (!S::valid(frozen)) {
        error_ = "could not pre-allocate hold " + std::to_string(i) + " of " + std::to_string(hold_count);
        break;
      }
      held_.push_back(std::move(frozen));
    }
  }

  const std::string& error() const noexcept { return error_; }
  std::size_t held() const noexcept { return held_.size(); }
  S& subject() noexcept { return subject_; }
  ContentionHarness& harness() noexcept { return harness_; }

 private:
  void work(std::uint64_t ops) {
    for (std::uint64_t i = 0; i < ops; ++i) {
      typename S::Frozen frozen = subject_.produce(kFill, kWriteBytes);
      while (!S::valid(frozen)) [[unlikely]] {  // arena_full: another thread will free one
          cpu_relax();
          frozen = subject_.produce(kFill, kWriteBytes);
        }
      const std::byte* data = S::data(frozen);
      benchmark::DoNotOptimize(data);
    }
  }

  S subject_;
  std::vector<typename S::Frozen> held_;
  std::string error_;
  ContentionHarness harness_;  // last: destroyed first, joining the workers before the rest goes
};

std::unique_ptr<Fixture> g_fixture;
std::string g_fixture_key;

// The fixture of case `key`, building it (after freeing the previous case's) when needed.
// `make_subject` returns the subject or nullopt with `error` set.
template <Subject S, class Make>
ContentionFixture<S>* acquire_fixture(const std::string& key, Make make_subject, std::size_t hold_count,
                                      unsigned threads, std::string* error) {
  if (g_fixture_key != key || g_fixture == nullptr) {
    g_fixture.reset();  // at most one case's arena and threads alive at a time
    g_fixture_key.clear();
    std::optional<S> subject = make_subject(error);
    if (!subject) return nullptr;
    g_fixture = std::make_unique<ContentionFixture<S>>(std::move(*subject), hold_count, threads);
    g_fixture_key = key;
  }
  return static_cast<ContentionFixture<S>*>(g_fixture.get());
}

template <Subject S, class Make>
void run_contention(benchmark::State& state, const std::string& key, Make make_subject, std::size_t hold_count,
                    unsigned threads) {
  std::string error;
  ContentionFixture<S>* fixture = acquire_fixture<S>(key, make_subject, hold_count, threads, &error);
  if (fixture == nullptr || !fixture->error().empty()) {
    state.SkipWithError((fixture == nullptr ? error : fixture->error()).c_str());
    for (auto _ : state) {
    }
    return;
  }
  double wall_seconds = 0;
  for (auto _ : state) {
    const double seconds = fixture->harness().run_round(kOpsPerRound);
    state.SetIterationTime(seconds);
    wall_seconds += seconds;
  }
  const std::uint64_t per_thread = static_cast<std::uint64_t>(state.iterations()) * kOpsPerRound;
  const std::uint64_t total = per_thread * threads;
  state.SetItemsProcessed(static_cast<std::int64_t>(total));
  state.SetBytesProcessed(static_cast<std::int64_t>(total * kWriteBytes));
  state.counters["threads"] = threads;
  if (wall_seconds > 0 && total > 0) {
    state.counters["ops_per_s"] = static_cast<double>(total) / wall_seconds;                    // aggregate
    state.counters["ns_per_op"] = wall_seconds * 1e9 / static_cast<double>(total);              // aggregate
    state.counters["thread_ns_per_op"] = wall_seconds * 1e9 / static_cast<double>(per_thread);  // one thread's view
  }
  if constexpr (std::same_as<S, ArenaSubject>) {
    // Quiescent now: every op dropped its slot, only the holds remain.
    const arena::FixedMetrics m = fixture->subject().metrics();
    state.counters["arena_failed_allocs"] = static_cast<double>(m.allocations_failed);
    if (m.slots_live != fixture->held()) {
      state.SkipWithError(("arena accounting: " + std::to_string(m.slots_live) +
                           " slots live after the run, expected " + std::to_string(fixture->held()))
                              .c_str());
    }
  }
}

std::optional<ArenaSubject> make_arena_subject(std::string* error) {
  arena::Result<arena::FixedArena> built = arena::FixedArena::with_slot_capacity(kSlotCount, kSlotBytes).build();
  if (!built) {
    *error = "FixedArena build failed: " + built.error().message();
    return std::nullopt;
  }
  return ArenaSubject(std::move(built).value());
}

}  // namespace

void register_contention_benchmarks(const PeerStatus& peers) {
  for (unsigned percent : kHoldPercents) {
    const std::size_t hold = kSlotCount * percent / 100;
    for (unsigned threads : kThreadCounts) {
      const std::string prefix = "fixed_contention/slots_65536_hold_" + std::to_string(percent) +
                                 "pct/threads:" + std::to_string(threads) + "/";
      const std::string arena_name = prefix + "arena";
      benchmark::RegisterBenchmark(arena_name.c_str(),
                                   [=](benchmark::State& state) {
                                     run_contention<ArenaSubject>(state, arena_name, &make_arena_subject, hold,
                                                                  threads);
                                   })
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
            name.c_str(), [=](benchmark::State& state) { run_contention<S>(state, name, make, hold, threads); })
            ->UseManualTime()
            ->Unit(benchmark::kMicrosecond);
      });
    }
  }
}

void release_contention_fixture() {
  g_fixture.reset();
  g_fixture_key.clear();
}

}  // namespace microbench
