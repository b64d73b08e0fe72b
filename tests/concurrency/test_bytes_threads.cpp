// Multi-thread tests of Bytes lifetime: one Bytes copied, sliced and dropped by many threads
// releases its slot exactly once; and the orphan path, where the last arena handle is destroyed
// while Bytes (and unfrozen Buffers) are alive in other threads that then drop the last copies:
// the memory stays valid until the last one goes and a raw arena's Dealloc runs exactly once
// [R-BYT-3/4, R-RAW-4]. ASan/TSan builds turn a premature free into a report.
#include <doctest/doctest.h>

#include <atomic>
#include <barrier>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "arena/arena.hpp"
#include "test_support.hpp"

using arena::Buffer;
using arena::Bytes;
using arena::Dealloc;
using arena::FixedArena;
using arena::InitPolicy;
using arena::SlotSpec;
using arena::test::build;
using arena::test::take;

namespace {

std::string message_text(int round, int index) {
  return "round " + std::to_string(round) + " message " + std::to_string(index) + " ..........";
}

}  // namespace

TEST_SUITE("concurrency: Bytes") {
  TEST_CASE("one Bytes shared by 8 threads: the slot is released exactly once, by the last") {
    FixedArena arena = build(FixedArena::with_slot_capacity(2, 64));
    for (int round = 0; round < 20; ++round) {
      Buffer b = take(arena.allocate());
      b.put("shared between threads");
      std::optional<Bytes> root(std::move(b).freeze());
      std::barrier start(9);
      std::atomic<int> wrong{0};
      std::vector<std::thread> threads;
      for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&, copy = *root] {
          start.arrive_and_wait();
          for (int i = 0; i < 500; ++i) {
            const Bytes again = copy;
            const Bytes part = again.slice(7, 14);
            if (part.as_string_view() != "between") wrong.fetch_add(1);
          }
        });
      }
      start.arrive_and_wait();
      root.reset();  // main's reference goes while the threads work
      for (std::thread& th : threads) th.join();
      CHECK(wrong.load() == 0);
      REQUIRE(arena.metrics().frees == static_cast<std::uint64_t>(round + 1));
    }
    const arena::FixedMetrics m = arena.metrics();
    CHECK(m.frees == m.allocations_ok);
    CHECK(m.bytes_live == 0u);
  }

  TEST_CASE("orphan path: the arena handle goes while other threads hold and drop the last Bytes") {
    constexpr int kThreads = 4;
    constexpr int kRounds = 200;
    constexpr int kMessages = 6;
    constexpr std::size_t kSlots = 16;
    constexpr std::size_t kCap = 64;
    std::barrier sync(kThreads + 1);
    std::vector<std::vector<Bytes>> per_thread(kThreads);
    std::vector<Buffer> unfrozen(kThreads);
    std::atomic<int> wrong{0};
    std::atomic<int> dealloc_calls{0};
    std::atomic<int> dealloc_wrong{0};

    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int round = 0; round < kRounds; ++round) {
          sync.arrive_and_wait();  // round start: copies handed over, arena handle going away
          for (int m = 0; m < kMessages; ++m) {
            const Bytes& b = per_thread[static_cast<std::size_t>(t)][static_cast<std::size_t>(m)];
            if (b.as_string_view() != message_text(round, m)) wrong.fetch_add(1);
            if (b.slice(0, 5).as_string_view() != "round") wrong.fetch_add(1);
          }
          per_thread[static_cast<std::size_t>(t)].clear();  // possibly the last owners
          {
            Buffer& mine = unfrozen[static_cast<std::size_t>(t)];
            mine.put("late write");
            const Bytes late = std::move(mine).freeze();
            if (late.as_string_view() != "late write") wrong.fetch_add(1);
          }  // dropped here, before the round ends
          sync.arrive_and_wait();  // round end
        }
      });
    }

    for (int round = 0; round < kRounds; ++round) {
      void* region = std::malloc(kSlots * kCap);
      REQUIRE(region != nullptr);
      auto arena = std::make_optional(build(FixedArena::from_raw(
          region, kSlots * kCap, SlotSpec::count(kSlots),
          Dealloc([&dealloc_calls, &dealloc_wrong, region](void* p, std::size_t n) {
            dealloc_calls.fetch_add(1);
            if (p != region || n != kSlots * kCap) dealloc_wrong.fetch_add(1);
            std::memset(p, 0xDD, n);  // poison: a later read through Bytes would see it
            std::free(p);
          }))
          .init_policy(round % 2 == 0 ? InitPolicy::zero : InitPolicy::uninit)));
      std::vector<Bytes> mine;
      for (int m = 0; m < kMessages; ++m) {
        Buffer b = take(arena->allocate());
        b.put(message_text(round, m));
        mine.push_back(std::move(b).freeze());
      }
      for (int t = 0; t < kThreads; ++t) {
        per_thread[static_cast<std::size_t>(t)] = mine;
        unfrozen[static_cast<std::size_t>(t)] = take(arena->allocate());
      }
      sync.arrive_and_wait();  // start
      arena.reset();           // the last handle goes while the threads read and drop
      mine.clear();
      sync.arrive_and_wait();  // end: every Bytes and Buffer of this round is gone
      CHECK(dealloc_calls.load() == round + 1);  // not REQUIRE: the threads must still be joined
    }
    for (std::thread& th : threads) th.join();
    CHECK(wrong.load() == 0);
    CHECK(dealloc_calls.load() == kRounds);
    CHECK(dealloc_wrong.load() == 0);
  }

  TEST_CASE("orphan path with a self-allocated arena: handle and last Bytes dropped at the same moment") {
    constexpr int kThreads = 4;
    for (int round = 0; round < 300; ++round) {
      auto arena = std::make_optional(build(FixedArena::with_slot_capacity(8, 32).init_policy(InitPolicy::zero)));
      std::vector<Bytes> bytes;
      for (int t = 0; t < kThreads; ++t) {
        Buffer b = take(arena->allocate());
        b.put_u32(static_cast<std::uint32_t>(round * 10 + t));
        bytes.push_back(std::move(b).freeze());
      }
      std::barrier start(kThreads + 1);
      std::atomic<int> wrong{0};
      std::vector<std::thread> threads;
      for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t, own = std::move(bytes[static_cast<std::size_t>(t)])]() mutable {
          start.arrive_and_wait();
          if (std::to_integer<int>(own[3]) != (round * 10 + t) % 256) wrong.fetch_add(1);
          own = Bytes();  // races with the handle's destruction below
        });
      }
      start.arrive_and_wait();
      arena.reset();
      for (std::thread& th : threads) th.join();
      REQUIRE(wrong.load() == 0);
    }
  }
}
