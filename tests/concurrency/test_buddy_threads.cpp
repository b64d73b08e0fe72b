// Multi-thread tests of BuddyArena (run under TSan by the scripts): sibling pairs released by two
// threads at the same instant must coalesce completely, so that the whole arena is then one
// allocatable block (the original's L-1 race); mixed-size churn with Bytes passed between threads;
// no two live blocks overlapping; the zero policy; reference counts past the 16-bit limit changed
// by several threads at once; and the arena's last handle dropped while other threads drop its
// last Bytes (the Dealloc runs exactly once).
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "arena/arena.hpp"
#include "rng.hpp"
#include "test_support.hpp"

using arena::BuddyArena;
using arena::BuddyGeometry;
using arena::BuddyHint;
using arena::BuddyMetrics;
using arena::Buffer;
using arena::Bytes;
using arena::Dealloc;
using arena::Errc;
using arena::InitPolicy;
using arena::test::build;
using arena::test::take;

namespace {

#ifdef ARENA_SANITIZED
constexpr int kScale = 1;  // TSan/ASan: a few seconds per case
#else
constexpr int kScale = 4;
#endif

BuddyArena exact_arena(std::size_t total, std::size_t min, InitPolicy policy = InitPolicy::uninit) {
  return build(BuddyArena::builder(take(BuddyGeometry::exact(total, min))).init_policy(policy));
}

// A mutex-protected inbox of Bytes.
class Inbox {
 public:
  void push(Bytes b) {
    const std::lock_guard lock(mutex_);
    queue_.push_back(std::move(b));
  }
  std::deque<Bytes> take_all() {
    const std::lock_guard lock(mutex_);
    return std::exchange(queue_, {});
  }

 private:
  std::mutex mutex_;
  std::deque<Bytes> queue_;
};

std::byte pattern(std::uint32_t t, std::uint32_t s, std::size_t k) noexcept {
  return static_cast<std::byte>((t * 131u + s * 7u + static_cast<std::uint32_t>(k) * 13u) & 0xFFu);
}
std::uint32_t read_u32(const Bytes& b, std::size_t at) noexcept {
  return (std::to_integer<std::uint32_t>(b[at]) << 24) | (std::to_integer<std::uint32_t>(b[at + 1]) << 16) |
         (std::to_integer<std::uint32_t>(b[at + 2]) << 8) | std::to_integer<std::uint32_t>(b[at + 3]);
}

// Message: u32 thread, u32 sequence, u32 payload length, then payload[k] = pattern(t, s, k).
void write_message(Buffer& b, std::uint32_t t, std::uint32_t s, std::uint32_t len) {
  b.put_u32(t);
  b.put_u32(s);
  b.put_u32(len);
  std::span<std::byte> tail = b.writable_span();
  for (std::size_t k = 0; k < len; ++k) tail[k] = pattern(t, s, k);
  b.commit(len);
}

// Copies, slices and checks one message; returns the number of problems found.
std::size_t verify_message(const Bytes& message, arena::test::Rng& rng) {
  const Bytes copy = message;
  if (copy.size() < 12) return 1;
  const std::uint32_t t = read_u32(copy, 0);
  const std::uint32_t s = read_u32(copy, 4);
  const std::uint32_t len = read_u32(copy, 8);
  if (copy.size() != 12 + std::size_t{len}) return 1;
  std::size_t problems = 0;
  const Bytes payload = copy.slice(12, copy.size());
  for (std::size_t k = 0; k < len; ++k) problems += payload[k] == pattern(t, s, k) ? 0u : 1u;
  const std::size_t a = static_cast<std::size_t>(rng.below(len + 1));
  const std::size_t e = a + static_cast<std::size_t>(rng.below(len - a + 1));
  const Bytes part = payload.slice(a, e);
  for (std::size_t k = 0; k < part.size(); ++k) problems += part[k] == pattern(t, s, a + k) ? 0u : 1u;
  return problems;
}

// Quiescent checks: nothing live, the arena is one free max-order block again, and allocatable as
// one block (checked before metrics(), which would merge anything left parked).
void check_whole_again(BuddyArena& arena) {
  {
    auto whole = arena.allocate(arena.total_size());
    REQUIRE_MESSAGE(whole.has_value(), "the whole arena is not one free block: " << whole.error().message());
  }
  const BuddyMetrics m = arena.metrics();
  CHECK(m.frees == m.allocations_ok);
  CHECK(m.blocks_live == 0u);
  CHECK(m.bytes_live == 0u);
  CHECK(m.bytes_requested_live == 0u);
  CHECK(m.bytes_free == arena.total_size());
  CHECK(m.largest_free_block == arena.total_size());
  std::vector<std::uint64_t> one_block(arena.max_order() + 1, 0);
  one_block.back() = 1;
  CHECK(m.free_blocks_per_order == one_block);
}

}  // namespace

TEST_SUITE("concurrency: BuddyArena") {
  TEST_CASE("L-1: two threads release the two halves of a 512-byte arena at once, then 512 is one block") {
    const int rounds = 2500 * kScale;
    BuddyArena arena = exact_arena(512, 256);
    std::barrier sync(3);
    std::vector<Buffer> halves(2);
    std::atomic<int> whole_failures{0};
    auto releaser = [&](std::size_t which) {
      for (int r = 0; r < rounds; ++r) {
        sync.arrive_and_wait();  // main has allocated both halves
        halves[which] = Buffer();
        sync.arrive_and_wait();  // both released
      }
    };
    std::thread a(releaser, 0);
    std::thread b(releaser, 1);
    // No REQUIRE while the threads wait at the barrier: failures are counted and checked after join.
    for (int r = 0; r < rounds; ++r) {
      for (Buffer& half : halves) {
        auto got = arena.allocate(256);
        if (got) half = std::move(got).value();
        else whole_failures.fetch_add(1);
      }
      sync.arrive_and_wait();
      sync.arrive_and_wait();
      // No metrics() here: it would merge what a racing release left unmerged.
      auto whole = arena.allocate(512);
      if (!whole) whole_failures.fetch_add(1);
    }
    a.join();
    b.join();
    CHECK(whole_failures.load() == 0);
    const BuddyMetrics m = arena.metrics();
    CHECK(m.allocations_ok == static_cast<std::uint64_t>(rounds) * 3);
    CHECK(m.coalesces >= static_cast<std::uint64_t>(rounds));  // every pair merged
    check_whole_again(arena);
  }

  TEST_CASE("L-1: 4 threads release interleaved sibling pairs at every order, then the arena is one block") {
    constexpr std::size_t kTotal = 64 * 1024;
    constexpr std::size_t kMin = 256;
    constexpr unsigned kThreads = 4;
    const int rounds = 40 * kScale;
    BuddyArena arena = exact_arena(kTotal, kMin);
    std::barrier sync(kThreads + 1);
    std::vector<std::vector<Bytes>> work(kThreads);
    std::atomic<int> whole_failures{0};
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int r = 0; r < rounds; ++r) {
          sync.arrive_and_wait();
          // Alternate the direction so that siblings are released at about the same time.
          if (t % 2 == 0) {
            while (!work[t].empty()) work[t].pop_back();
          } else {
            for (Bytes& b : work[t]) b = Bytes();
            work[t].clear();
          }
          sync.arrive_and_wait();
        }
      });
    }
    for (int r = 0; r < rounds; ++r) {
      const std::size_t block = kMin << (static_cast<unsigned>(r) % 5);
      std::vector<Bytes> blocks;
      for (;;) {
        auto b = arena.allocate(block);
        if (!b) break;
        b->put_u32(static_cast<std::uint32_t>(r));
        blocks.push_back(std::move(b).value().freeze());
      }
      if (blocks.size() != kTotal / block) whole_failures.fetch_add(1);  // no REQUIRE: threads wait
      std::sort(blocks.begin(), blocks.end(), [](const Bytes& x, const Bytes& y) { return x.data() < y.data(); });
      // Pair p = blocks 2p and 2p + 1: its halves go to different threads.
      for (std::size_t i = 0; i < blocks.size(); ++i) {
        const std::size_t pair = i / 2;
        work[(pair + i % 2) % kThreads].push_back(std::move(blocks[i]));
      }
      sync.arrive_and_wait();
      sync.arrive_and_wait();
      auto whole = arena.allocate(kTotal);
      if (!whole) whole_failures.fetch_add(1);
    }
    for (std::thread& th : threads) th.join();
    CHECK(whole_failures.load() == 0);
    check_whole_again(arena);
  }

  TEST_CASE("mixed-size churn: threads pass Bytes to each other, all verify, the arena is whole again") {
    constexpr std::uint32_t kThreads = 4;
    const std::uint32_t per_thread = 750 * static_cast<std::uint32_t>(kScale);
    BuddyArena arena = exact_arena(std::size_t{1} << 20, 64);
    std::vector<Inbox> inboxes(kThreads);
    std::atomic<std::uint32_t> producers_done{0};
    std::atomic<std::size_t> problems{0};
    std::atomic<std::size_t> received{0};
    std::atomic<std::size_t> full{0};
    std::vector<std::thread> threads;
    for (std::uint32_t t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        arena::test::Rng rng(0xB0DD'0000u + t);
        std::deque<Bytes> kept;
        auto drain = [&] {
          for (Bytes& m : inboxes[t].take_all()) {
            problems.fetch_add(verify_message(m, rng));
            received.fetch_add(1);
            if (rng.below(4) == 0) kept.push_back(m.slice(0, 12));  // a slice outlives the message
          }
          while (kept.size() > 6) kept.pop_front();
        };
        for (std::uint32_t s = 0; s < per_thread;) {
          // Sizes from 1 byte to 64 KiB, most of them small.
          const unsigned order = static_cast<unsigned>(rng.below(11));
          const std::uint32_t len = 1 + static_cast<std::uint32_t>(rng.below(std::uint64_t{64} << order));
          auto r = arena.allocate(12 + std::size_t{len});
          if (!r) {
            if (r.error() != Errc::arena_full) problems.fetch_add(1);
            full.fetch_add(1);
            kept.clear();
            drain();
            std::this_thread::yield();
            continue;
          }
          Buffer b = std::move(r).value();
          write_message(b, t, s, len);
          Bytes message = std::move(b).freeze();
          const std::uint32_t to = (t + 1 + static_cast<std::uint32_t>(rng.below(kThreads - 1))) % kThreads;
          inboxes[to].push(message);
          if (rng.coin()) kept.push_back(std::move(message));
          while (kept.size() > 6) kept.pop_front();
          ++s;
          if (s % 4 == 0) drain();
        }
        kept.clear();
        producers_done.fetch_add(1);
        while (producers_done.load() < kThreads) {
          drain();
          kept.clear();  // a finished thread pins nothing the others may need
          std::this_thread::yield();
        }
        drain();
        kept.clear();
      });
    }
    for (std::thread& th : threads) th.join();
    CHECK(problems.load() == 0u);
    CHECK(received.load() == std::size_t{kThreads} * per_thread);
    const BuddyMetrics m = arena.metrics();
    CHECK(m.allocations_ok == std::uint64_t{kThreads} * per_thread);
    CHECK(m.frozen == std::uint64_t{kThreads} * per_thread);
    CHECK(m.allocations_failed == full.load());
    CHECK(m.splits == m.coalesces);  // every split undone
    MESSAGE("arena_full seen " << full.load() << " times, peak live " << m.peak_bytes_live << " bytes");
    check_whole_again(arena);
  }

  TEST_CASE("no two live blocks ever overlap: each thread stamps its whole block and re-reads it") {
    BuddyArena arena = exact_arena(32 * 1024, 128);
    std::atomic<std::size_t> collisions{0};
    std::vector<std::thread> threads;
    for (std::uint32_t t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        arena::test::Rng rng(31 + t);
        std::deque<Bytes> held;
        for (int i = 0; i < 1000 * kScale; ++i) {
          const std::size_t len = 1 + static_cast<std::size_t>(rng.below(4096));
          auto r = arena.allocate(len);
          if (!r) {
            held.clear();
            continue;
          }
          Buffer b = std::move(r).value();
          const std::byte stamp = static_cast<std::byte>(t * 60 + static_cast<std::uint32_t>(i & 31) + 1);
          b.put_bytes(stamp, b.capacity());
          Bytes frozen = std::move(b).freeze();
          std::this_thread::yield();
          collisions.fetch_add(arena::test::count_not(frozen.span(), stamp) != 0 ? 1u : 0u);
          held.push_back(std::move(frozen));
          if (held.size() > 3) {
            collisions.fetch_add(arena::test::count_not(held.front().span(), held.front()[0]) != 0 ? 1u : 0u);
            held.pop_front();
          }
        }
      });
    }
    for (std::thread& th : threads) th.join();
    CHECK(collisions.load() == 0u);
    check_whole_again(arena);
  }

  TEST_CASE("buddy zero policy under concurrency: every allocation of random size is observed all zero") {
    BuddyArena arena = exact_arena(64 * 1024, 256, InitPolicy::zero);
    Inbox shared;
    std::atomic<std::size_t> dirty{0};
    std::atomic<std::size_t> allocations{0};
    std::vector<std::thread> threads;
    for (std::uint32_t t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        arena::test::Rng rng(1234 + t);
        for (int i = 0; i < 500 * kScale;) {
          auto r = arena.allocate(1 + static_cast<std::size_t>(rng.below(8192)));
          if (!r) {
            shared.take_all();
            std::this_thread::yield();
            continue;
          }
          ++i;
          allocations.fetch_add(1);
          Buffer b = std::move(r).value();
          dirty.fetch_add(arena::test::count_not(b.writable_span(), std::byte{0}) != 0 ? 1u : 0u);
          b.put_bytes(static_cast<std::byte>(0x80 | t), b.capacity());
          if (rng.coin()) shared.push(std::move(b).freeze());  // dropped later, by any thread
        }
      });
    }
    for (std::thread& th : threads) th.join();
    shared.take_all();
    CHECK(allocations.load() == std::size_t{4} * 500 * kScale);
    CHECK(dirty.load() == 0u);
    check_whole_again(arena);
  }

  TEST_CASE("reference counts past 16 bits, changed by 4 threads at once: freed exactly at the last drop") {
    BuddyArena arena = exact_arena(4096, 512);
    constexpr std::size_t kPerThread = 20000;  // 4 x 20000 > 65534: the side table is in play
    Buffer b = take(arena.allocate(100));
    b.put("many owners");
    std::optional<Bytes> original(std::move(b).freeze());
    std::barrier sync(5);
    std::atomic<std::size_t> problems{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        std::vector<Bytes> mine;
        mine.reserve(kPerThread);
        sync.arrive_and_wait();
        for (std::size_t i = 0; i < kPerThread; ++i) {
          mine.push_back(t % 2 == 0 ? *original : original->slice(0, 4));
        }
        sync.arrive_and_wait();  // all copies made: main checks
        sync.arrive_and_wait();
        // Drop and re-make around the boundary, concurrently with the others.
        for (int round = 0; round < 3; ++round) {
          mine.resize(kPerThread / 2);
          mine.resize(kPerThread, *original);
        }
        for (const Bytes& x : mine) problems.fetch_add(x.as_string_view().substr(0, 4) == "many" ? 0u : 1u);
        mine.clear();
        sync.arrive_and_wait();  // all dropped: main checks
      });
    }
    sync.arrive_and_wait();
    sync.arrive_and_wait();
    CHECK(arena.metrics().frees == 0u);
    sync.arrive_and_wait();
    sync.arrive_and_wait();
    for (std::thread& th : threads) th.join();
    CHECK(problems.load() == 0u);
    BuddyMetrics m = arena.metrics();
    CHECK(m.frees == 0u);
    CHECK(m.blocks_live == 1u);
    original.reset();
    m = arena.metrics();
    CHECK(m.frees == 1u);
    check_whole_again(arena);
  }

  TEST_CASE("the arena's last handle goes while other threads drop its last Bytes: Dealloc exactly once") {
    const int rounds = 50 * kScale;
    std::vector<std::byte> memory(8192);
    std::atomic<int> dealloc_calls{0};
    int expected_calls = 0;
    std::atomic<std::size_t> problems{0};
    for (int r = 0; r < rounds; ++r) {
      std::optional<BuddyArena> arena(build(BuddyArena::from_raw(
          memory.data(), memory.size(), BuddyHint::min_alloc(512),
          Dealloc([&](void*, std::size_t) { dealloc_calls.fetch_add(1, std::memory_order_relaxed); }))));
      std::vector<Bytes> bytes;
      for (std::size_t i = 0; i < 6; ++i) {
        Buffer b = take(arena->allocate(std::size_t{512} << (i % 3)));
        b.put_u32(static_cast<std::uint32_t>(r));
        bytes.push_back(std::move(b).freeze());
      }
      std::barrier sync(3);
      std::thread x([&] {
        std::vector<Bytes> mine(bytes.begin(), bytes.begin() + 3);
        sync.arrive_and_wait();
        for (const Bytes& m : mine) problems.fetch_add(read_u32(m, 0) == static_cast<std::uint32_t>(r) ? 0u : 1u);
        mine.clear();
      });
      std::thread y([&] {
        std::vector<Bytes> mine(bytes.begin() + 3, bytes.end());
        sync.arrive_and_wait();
        mine.clear();
      });
      sync.arrive_and_wait();  // both threads hold their copies
      bytes.clear();
      arena.reset();  // the handle goes while x and y drop the last references
      x.join();
      y.join();
      ++expected_calls;
      REQUIRE(dealloc_calls.load() == expected_calls);
    }
    CHECK(problems.load() == 0u);
  }
}
