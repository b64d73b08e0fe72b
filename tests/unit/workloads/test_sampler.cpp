// Tests of arena/workloads/sampler.hpp (workloads/src/sampler.cpp): a first sample at once,
// samples at roughly the interval (bounds loose enough for a loaded two-core machine), a final
// sample on stop(), times increasing, no thread and exactly two samples for interval zero, stop()
// idempotent, and the destructor stopping a sampler nobody stopped.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "arena/workloads/sampler.hpp"

using arena::workloads::AllocatorSnapshot;
using arena::workloads::Sampler;
using arena::workloads::TimelineSample;
using namespace std::chrono_literals;

namespace {

// A source whose every snapshot carries its call number in `allocations`.
struct CountingSource {
  std::atomic<std::uint64_t>* calls;
  AllocatorSnapshot operator()() const {
    AllocatorSnapshot s;
    s.allocations = calls->fetch_add(1) + 1;
    s.bytes_live = 4096;
    s.largest_free_block = 512;
    return s;
  }
};

}  // namespace

TEST_SUITE("arena::workloads::Sampler") {
  TEST_CASE("samples at about the interval, then a final sample") {
    std::atomic<std::uint64_t> calls{0};
    Sampler sampler(CountingSource{&calls}, 20ms);
    std::this_thread::sleep_for(200ms);
    const std::vector<TimelineSample> timeline = sampler.stop();

    // 200 ms / 20 ms = 10 ticks, + the first and the final sample; a busy machine may skip some.
    CHECK(timeline.size() >= 4u);
    CHECK(timeline.size() <= 13u);
    REQUIRE(!timeline.empty());
    CHECK(timeline.front().t_s < 0.015);
    CHECK(timeline.front().snapshot.allocations == 1u);
    CHECK(timeline.back().t_s >= 0.2);
    CHECK(timeline.back().snapshot.allocations == calls.load());
    for (std::size_t i = 1; i < timeline.size(); ++i) {
      CHECK(timeline[i].t_s >= timeline[i - 1].t_s);
      CHECK(timeline[i].snapshot.allocations == timeline[i - 1].snapshot.allocations + 1);
    }
    // Interior samples sit near multiples of the interval (never early).
    for (std::size_t i = 1; i + 1 < timeline.size(); ++i) CHECK(timeline[i].t_s >= 0.019 * static_cast<double>(i) - 0.001);
    CHECK(timeline.back().snapshot.bytes_live == 4096u);
    CHECK(timeline.back().snapshot.largest_free_block == 512u);
  }

  TEST_CASE("interval zero: no thread, the first and the final sample only") {
    std::atomic<std::uint64_t> calls{0};
    Sampler sampler(CountingSource{&calls}, 0ms);
    std::this_thread::sleep_for(20ms);
    CHECK(calls.load() == 1u);
    const std::vector<TimelineSample> timeline = sampler.stop();
    REQUIRE(timeline.size() == 2u);
    CHECK(timeline[1].t_s >= 0.02);
  }

  TEST_CASE("stop() is idempotent") {
    std::atomic<std::uint64_t> calls{0};
    Sampler sampler(CountingSource{&calls}, 5ms);
    std::this_thread::sleep_for(12ms);
    const std::vector<TimelineSample> first = sampler.stop();
    const std::uint64_t after_first = calls.load();
    std::this_thread::sleep_for(12ms);
    const std::vector<TimelineSample> second = sampler.stop();
    CHECK(calls.load() == after_first);  // no sampling after stop
    REQUIRE(second.size() == first.size());
    CHECK(second.back().t_s == first.back().t_s);
  }

  TEST_CASE("the destructor stops a running sampler promptly") {
    std::atomic<std::uint64_t> calls{0};
    const auto begin = std::chrono::steady_clock::now();
    {
      Sampler sampler(CountingSource{&calls}, 10s);  // would not tick on its own for 10 s
    }
    CHECK(std::chrono::steady_clock::now() - begin < 2s);
    CHECK(calls.load() == 2u);  // first + final
  }
}
