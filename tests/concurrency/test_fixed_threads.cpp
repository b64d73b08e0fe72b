// Multi-thread tests of FixedArena: threads allocate, write a thread/sequence-specific pattern,
// freeze and pass Bytes to other threads, which copy, slice, verify and drop them; afterwards every
// slot is allocatable again and the metrics satisfy R-MET-5. Also: slots freed by threads that have
// exited, the crate's lifecycle stress (8 threads x 500 on 64 slots, seeded freeze-or-drop), and the
// zero policy under concurrency (every allocation observed all zero).
#include <doctest/doctest.h>

#include <atomic>
#include <barrier>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "arena/arena.hpp"
#include "rng.hpp"
#include "test_support.hpp"

using arena::Buffer;
using arena::Bytes;
using arena::Errc;
using arena::FixedArena;
using arena::InitPolicy;
using arena::test::build;

namespace {

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

// Message layout: u32 thread, u32 sequence, u32 payload length, then payload[k] = f(t, s, k).
std::byte pattern(std::uint32_t t, std::uint32_t s, std::size_t k) noexcept {
  return static_cast<std::byte>((t * 131u + s * 7u + static_cast<std::uint32_t>(k) * 13u) & 0xFFu);
}
std::uint32_t read_u32(const Bytes& b, std::size_t at) noexcept {
  return (std::to_integer<std::uint32_t>(b[at]) << 24) | (std::to_integer<std::uint32_t>(b[at + 1]) << 16) |
         (std::to_integer<std::uint32_t>(b[at + 2]) << 8) | std::to_integer<std::uint32_t>(b[at + 3]);
}

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
  problems += part.size() == e - a ? 0u : 1u;
  for (std::size_t k = 0; k < part.size(); ++k) problems += part[k] == pattern(t, s, a + k) ? 0u : 1u;
  return problems;
}

// Quiescent checks: every slot allocatable at once and no more; R-MET-5 with those held.
void check_quiescent(FixedArena& arena) {
  const arena::FixedMetrics before = arena.metrics();
  CHECK(before.frees == before.allocations_ok);
  CHECK(before.bytes_live == 0u);
  std::vector<Buffer> all;
  for (std::size_t i = 0; i < arena.slot_count(); ++i) {
    auto r = arena.allocate();
    REQUIRE_MESSAGE(r.has_value(), "slot " << i << " of " << arena.slot_count() << " was lost");
    all.push_back(std::move(r).value());
  }
  auto extra = arena.allocate();
  REQUIRE_FALSE(extra.has_value());
  CHECK(extra.error() == Errc::arena_full);
  const arena::FixedMetrics m = arena.metrics();
  CHECK(m.allocations_ok - m.frees == arena.slot_count());
  CHECK(m.slots_live == arena.slot_count());
  CHECK(m.bytes_live == arena.slot_count() * arena.slot_capacity());
  CHECK(m.frees <= m.allocations_ok);
}

}  // namespace

TEST_SUITE("concurrency: FixedArena") {
  TEST_CASE("threads pass Bytes to each other, all verify, every slot comes back") {
    constexpr std::uint32_t kThreads = 4;
    constexpr std::uint32_t kPerThread = 5000;
    FixedArena arena = build(FixedArena::with_slot_capacity(64, 12 + 100));
    std::vector<Inbox> inboxes(kThreads);
    std::atomic<std::uint32_t> producers_done{0};
    std::atomic<std::size_t> problems{0};
    std::atomic<std::size_t> received{0};
    std::atomic<std::size_t> full{0};
    std::vector<std::thread> threads;
    for (std::uint32_t t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        arena::test::Rng rng(1000 + t);
        std::deque<Bytes> kept;  // a few of our own, dropped later
        auto drain = [&] {
          for (Bytes& m : inboxes[t].take_all()) {
            problems.fetch_add(verify_message(m, rng));
            received.fetch_add(1);
          }
        };
        for (std::uint32_t s = 0; s < kPerThread;) {
          auto r = arena.allocate();
          if (!r) {
            full.fetch_add(1);
            kept.clear();
            drain();
            std::this_thread::yield();
            continue;
          }
          Buffer b = std::move(r).value();
          write_message(b, t, s, static_cast<std::uint32_t>(rng.below(101)));
          Bytes message = std::move(b).freeze();
          const std::uint32_t to = (t + 1 + static_cast<std::uint32_t>(rng.below(kThreads - 1))) % kThreads;
          inboxes[to].push(message);
          if (rng.coin()) kept.push_back(std::move(message));
          if (kept.size() > 4) kept.pop_front();
          ++s;
          if (s % 8 == 0) drain();
        }
        kept.clear();
        producers_done.fetch_add(1);
        while (producers_done.load() < kThreads) {
          drain();
          std::this_thread::yield();
        }
        drain();  // nobody pushes any more
      });
    }
    for (std::thread& th : threads) th.join();
    CHECK(problems.load() == 0u);
    CHECK(received.load() == std::size_t{kThreads} * kPerThread);
    const arena::FixedMetrics m = arena.metrics();
    CHECK(m.allocations_ok == std::uint64_t{kThreads} * kPerThread);
    CHECK(m.frozen == std::uint64_t{kThreads} * kPerThread);
    CHECK(m.allocations_failed == full.load());
    check_quiescent(arena);
  }

  TEST_CASE("threads that allocated and freed, then exited: the main thread gets all N slots") {
    constexpr std::size_t kSlots = 100;
    FixedArena arena = build(FixedArena::with_slot_capacity(kSlots, 32));
    std::vector<Bytes> handed_over;  // frozen by the threads, dropped by main after they exit
    std::mutex handed_mutex;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        std::vector<Buffer> mine;
        for (int i = 0; i < 40; ++i) {
          auto r = arena.allocate();
          if (!r) break;
          mine.push_back(std::move(r).value());
          mine.back().put_u32(static_cast<std::uint32_t>(t * 100 + i));
        }
        for (std::size_t i = 0; i < mine.size(); i += 3) {
          const std::lock_guard lock(handed_mutex);
          handed_over.push_back(std::move(mine[i]).freeze());
        }
      });  // the rest is dropped as the thread exits
    }
    for (std::thread& th : threads) th.join();
    CHECK_FALSE(handed_over.empty());
    handed_over.clear();
    check_quiescent(arena);
  }

  TEST_CASE("threads alive but idle after freeing: the main thread still gets all N slots") {
    // Whatever a thread keeps to make its next allocation cheap must stay reachable by others.
    constexpr std::size_t kSlots = 70;
    FixedArena arena = build(FixedArena::with_slot_capacity(kSlots, 32));
    std::barrier phase(5);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        for (int round = 0; round < 3; ++round) {
          for (int i = 0; i < 50; ++i) {
            auto r = arena.allocate();
            if (r) {
              Buffer b = std::move(r).value();
              b.put("cached?");
              if (i % 2 == 0) (void)std::move(b).freeze();
            }
          }
          phase.arrive_and_wait();  // freed everything; stays alive while main checks
          phase.arrive_and_wait();
        }
      });
    }
    for (int round = 0; round < 3; ++round) {
      phase.arrive_and_wait();
      check_quiescent(arena);
      phase.arrive_and_wait();
    }
    for (std::thread& th : threads) th.join();
    check_quiescent(arena);
  }

  TEST_CASE("lifecycle stress: 8 threads x 500 on 64 slots, seeded freeze-or-drop") {
    constexpr int kThreads = 8;
    FixedArena arena = build(FixedArena::with_slot_capacity(64, 64));
    std::atomic<int> freezes{0};
    std::atomic<int> drops{0};
    std::atomic<std::size_t> problems{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        arena::test::Rng rng(0x5EED0000u + static_cast<std::uint64_t>(t));
        std::deque<Bytes> held;
        for (std::uint32_t i = 0; i < 500;) {
          auto r = arena.allocate();
          if (!r) {
            held.clear();  // R-FIX-6: full may be transient; give ours back and retry
            std::this_thread::yield();
            continue;
          }
          Buffer b = std::move(r).value();
          b.put_u32(static_cast<std::uint32_t>(t));
          b.put_u32(i);
          if (rng.coin()) {
            freezes.fetch_add(1);
            Bytes frozen = std::move(b).freeze();
            problems.fetch_add(read_u32(frozen, 0) == static_cast<std::uint32_t>(t) && read_u32(frozen, 4) == i ? 0u : 1u);
            held.push_back(std::move(frozen));
            if (held.size() > 6) held.pop_front();
          } else {
            drops.fetch_add(1);
          }
          ++i;
        }
      });
    }
    for (std::thread& th : threads) th.join();
    CHECK(problems.load() == 0u);
    CHECK(freezes.load() > 0);  // H-9: both branches ran
    CHECK(drops.load() > 0);
    CHECK(freezes.load() + drops.load() == kThreads * 500);
    CHECK(arena.metrics().frozen == static_cast<std::uint64_t>(freezes.load()));
    check_quiescent(arena);
  }

  TEST_CASE("no two live Buffers ever share a slot") {
    constexpr std::size_t kSlots = 16;
    FixedArena arena = build(FixedArena::with_slot_capacity(kSlots, 64));
    std::atomic<std::size_t> collisions{0};
    std::vector<std::thread> threads;
    for (std::uint32_t t = 0; t < 6; ++t) {
      threads.emplace_back([&, t] {
        for (std::uint32_t i = 0; i < 3000; ++i) {
          auto r = arena.allocate();
          if (!r) continue;
          Buffer b = std::move(r).value();
          // Fill the whole slot with our stamp, then check nobody overwrote it.
          const std::byte stamp = static_cast<std::byte>(t * 40 + (i & 31));
          b.put_bytes(stamp, 64);
          Bytes frozen = std::move(b).freeze();
          collisions.fetch_add(arena::test::count_not(frozen.span(), stamp) != 0 ? 1u : 0u);
        }
      });
    }
    for (std::thread& th : threads) th.join();
    CHECK(collisions.load() == 0u);
    check_quiescent(arena);
  }

  TEST_CASE("zero policy under concurrency: every allocation is observed all zero") {
    constexpr int kThreads = 4;
    FixedArena arena = build(FixedArena::with_slot_capacity(32, 256).init_policy(InitPolicy::zero).auto_spill());
    Inbox shared;
    std::atomic<std::size_t> dirty{0};
    std::atomic<std::size_t> allocations{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        arena::test::Rng rng(77 + static_cast<std::uint64_t>(t));
        for (int i = 0; i < 3000;) {
          auto r = arena.allocate();
          if (!r) {
            shared.take_all();  // drop what others left
            std::this_thread::yield();
            continue;
          }
          ++i;
          allocations.fetch_add(1);
          Buffer b = std::move(r).value();
          dirty.fetch_add(arena::test::count_not(b.writable_span(), std::byte{0}) != 0 ? 1u : 0u);
          const std::uint64_t mode = rng.below(3);
          b.put_bytes(static_cast<std::byte>(0x80 | t), mode == 2 ? 300 : 256);  // mode 2 spills
          if (mode == 0) shared.push(std::move(b).freeze());  // dropped later, by any thread
        }
      });
    }
    for (std::thread& th : threads) th.join();
    shared.take_all();
    CHECK(allocations.load() == std::size_t{kThreads} * 3000);
    CHECK(dirty.load() == 0u);
    CHECK(arena.metrics().spills > 0u);
    check_quiescent(arena);
  }
}
