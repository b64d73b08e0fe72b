// Multi-thread tests of core/src/slot_bitmap.hpp (white-box): the crate's concurrent_alloc_free
// (8 threads x 10k, nothing lost, never two owners of one slot) and concurrent_no_duplicates (8
// threads drain 128 slots, each exactly once), plus the model-checked races as stress loops:
// exact claim vs scan on one slot, concurrent releases in one word, and mark_all racing releases
// (the count the orphan protocol relies on).
#include "slot_bitmap.hpp"

#include <doctest/doctest.h>

#include <array>
#include <atomic>
#include <barrier>
#include <set>
#include <thread>
#include <vector>

using arena::detail::SlotBitmap;

namespace {
constexpr unsigned kThreads = 8;
}

TEST_SUITE("concurrency: SlotBitmap") {
  TEST_CASE("concurrent_alloc_free: 8 threads x 10k claim/release, no slot shared, all recovered") {
    constexpr std::size_t kSlots = 128;
    SlotBitmap bitmap(kSlots);
    std::array<std::atomic<unsigned>, kSlots> owner{};
    std::atomic<unsigned> shared_claims{0};
    std::atomic<unsigned> none_seen{0};
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        std::size_t held[3];
        for (int i = 0; i < 10000; ++i) {
          const std::size_t n = 1 + static_cast<std::size_t>(i % 3);  // hold 1..3 slots at a time
          for (std::size_t k = 0; k < n; ++k) {
            held[k] = bitmap.claim_any((t + k) % bitmap.word_count());
            if (held[k] == SlotBitmap::kNone) {
              none_seen.fetch_add(1);
              return;
            }
            if (owner[held[k]].exchange(t + 1, std::memory_order_relaxed) != 0) shared_claims.fetch_add(1);
          }
          for (std::size_t k = 0; k < n; ++k) {
            owner[held[k]].store(0, std::memory_order_relaxed);
            bitmap.release(held[k]);
          }
        }
      });
    }
    for (std::thread& th : threads) th.join();
    CHECK(shared_claims.load() == 0u);
    CHECK(none_seen.load() == 0u);  // at most 24 of 128 held: a pass always finds one
    CHECK(bitmap.free_count() == kSlots);
    std::set<std::size_t> again;
    for (std::size_t s = bitmap.claim_any(0); s != SlotBitmap::kNone; s = bitmap.claim_any(0)) again.insert(s);
    CHECK(again.size() == kSlots);
  }

  TEST_CASE("concurrent_no_duplicates: 8 threads drain 128 slots, each claimed exactly once") {
    constexpr std::size_t kSlots = 128;
    for (int round = 0; round < 20; ++round) {
      SlotBitmap bitmap(kSlots);
      std::array<std::vector<std::size_t>, kThreads> got;
      std::barrier start(kThreads);
      std::vector<std::thread> threads;
      for (unsigned t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
          start.arrive_and_wait();
          for (;;) {
            const std::size_t s = bitmap.claim_any(t % bitmap.word_count());
            if (s == SlotBitmap::kNone) break;
            got[t].push_back(s);
          }
        });
      }
      for (std::thread& th : threads) th.join();
      std::vector<int> times(kSlots, 0);
      std::size_t total = 0;
      for (const auto& list : got) {
        for (std::size_t s : list) {
          REQUIRE(s < kSlots);
          ++times[s];
          ++total;
        }
      }
      REQUIRE(total == kSlots);
      for (std::size_t s = 0; s < kSlots; ++s) REQUIRE(times[s] == 1);
      REQUIRE(bitmap.free_count() == 0u);
    }
  }

  TEST_CASE("an exact claim and a scan never both win one slot") {
    constexpr int kRounds = 2000;
    SlotBitmap bitmap(1);
    std::barrier sync(2);
    std::atomic<int> scan_wins{0};
    std::atomic<int> both{0};
    std::atomic<int> neither{0};
    std::thread scanner([&] {
      for (int r = 0; r < kRounds; ++r) {
        sync.arrive_and_wait();  // round starts: slot 0 is free
        if (bitmap.claim_any(0) == 0) scan_wins.fetch_add(1);
        sync.arrive_and_wait();  // both tried
        sync.arrive_and_wait();  // main has reset the slot
      }
    });
    int exact_wins = 0;
    for (int r = 0; r < kRounds; ++r) {
      const int scans_before = scan_wins.load();
      sync.arrive_and_wait();
      const bool exact = bitmap.claim(0);
      sync.arrive_and_wait();
      const bool scan = scan_wins.load() != scans_before;
      exact_wins += exact ? 1 : 0;
      if (exact && scan) both.fetch_add(1);
      if (!exact && !scan) neither.fetch_add(1);
      if (bitmap.free_count() != 0) neither.fetch_add(1);
      bitmap.release(0);
      sync.arrive_and_wait();
    }
    scanner.join();
    CHECK(both.load() == 0);
    CHECK(neither.load() == 0);
    CHECK(exact_wins + scan_wins.load() == kRounds);
  }

  TEST_CASE("concurrent releases in one word lose no bit") {
    constexpr std::size_t kSlots = 62 * 2;
    for (int round = 0; round < 50; ++round) {
      SlotBitmap bitmap(kSlots, false);
      std::barrier start(kThreads);
      std::vector<std::thread> threads;
      for (unsigned t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
          start.arrive_and_wait();
          for (std::size_t s = t; s < kSlots; s += kThreads) bitmap.release(s);
        });
      }
      for (std::thread& th : threads) th.join();
      REQUIRE(bitmap.free_count() == kSlots);
    }
  }

  TEST_CASE("mark_all racing releases: taken slots == releases that saw the flag") {
    constexpr std::size_t kSlots = 62 * 4;
    for (int round = 0; round < 100; ++round) {
      SlotBitmap bitmap(kSlots, false);
      std::atomic<std::size_t> saw_flag{0};
      std::barrier start(3);
      auto releaser = [&](std::size_t first) {
        start.arrive_and_wait();
        for (std::size_t s = first; s < kSlots; s += 2) {
          if ((bitmap.release(s) & SlotBitmap::kDeadFlag) != 0) saw_flag.fetch_add(1);
        }
      };
      std::thread a(releaser, 0);
      std::thread b(releaser, 1);
      start.arrive_and_wait();
      const std::size_t taken = bitmap.mark_all(SlotBitmap::kDeadFlag);
      a.join();
      b.join();
      REQUIRE(taken == saw_flag.load());
      REQUIRE(bitmap.free_count() == kSlots);
    }
  }
}
