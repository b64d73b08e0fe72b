// Multi-thread test of arena/hazmat.hpp (run under TSan by the scripts): the original crate's
// raw_alloc_concurrent_stress for both arenas - 8 threads x 500 raw regions, each a 4-byte payload
// written through the raw pointer, frozen, read back and dropped (some Bytes handed to another
// thread first) - after which every allocation is accounted for and the arena is whole again.
#include "arena/hazmat.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "arena/arena.hpp"
#include "rng.hpp"
#include "test_support.hpp"

using arena::BuddyArena;
using arena::BuddyGeometry;
using arena::Bytes;
using arena::Errc;
using arena::FixedArena;
using arena::hazmat::raw_alloc;
using arena::hazmat::RawRegion;
using arena::test::build;
using arena::test::take;

namespace {

constexpr int kThreads = 8;
constexpr std::uint32_t kPerThread = 500;

std::uint32_t payload_of(int t, std::uint32_t i) noexcept { return (static_cast<std::uint32_t>(t) << 16) | i; }

std::uint32_t read_u32(const Bytes& b) noexcept {
  std::uint32_t v = 0;
  std::memcpy(&v, b.data(), sizeof v);
  return v;
}

struct Outcome {
  std::atomic<std::size_t> problems{0};
  std::atomic<std::size_t> full{0};
};

// One thread's part: raw_alloc (retrying on arena_full), write the payload, freeze, check, and
// either drop at once or hand the Bytes to the shared list (dropped by some other thread).
template <class Alloc>
void stress_thread(int t, Alloc&& alloc, Outcome& out, std::mutex& shared_mutex, std::deque<Bytes>& shared) {
  arena::test::Rng rng(0x4A2'0000u + static_cast<std::uint64_t>(t));
  for (std::uint32_t i = 0; i < kPerThread;) {
    arena::Result<RawRegion> r = alloc();
    if (!r) {
      if (r.error() != Errc::arena_full) out.problems.fetch_add(1);
      out.full.fetch_add(1);
      {
        const std::lock_guard lock(shared_mutex);
        shared.clear();
      }
      std::this_thread::yield();
      continue;
    }
    RawRegion region = std::move(r).value();
    const std::uint32_t payload = payload_of(t, i);
    std::memcpy(region.data(), &payload, sizeof payload);
    arena::Result<Bytes> frozen = std::move(region).freeze(0, sizeof payload);
    if (!frozen || frozen->size() != 4 || read_u32(*frozen) != payload) out.problems.fetch_add(1);
    if (frozen && rng.coin()) {
      const std::lock_guard lock(shared_mutex);
      shared.push_back(std::move(frozen).value());
      if (shared.size() > 8) shared.pop_front();
    }
    ++i;
  }
}

}  // namespace

TEST_SUITE("concurrency: hazmat") {
  TEST_CASE("fixed raw_alloc concurrent stress: 8 threads x 500, 4-byte payload round trips") {
    FixedArena arena = build(FixedArena::with_slot_capacity(16, 64));
    Outcome out;
    std::mutex shared_mutex;
    std::deque<Bytes> shared;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] { stress_thread(t, [&] { return raw_alloc(arena); }, out, shared_mutex, shared); });
    }
    for (std::thread& th : threads) th.join();
    shared.clear();
    CHECK(out.problems.load() == 0u);
    const arena::FixedMetrics m = arena.metrics();
    CHECK(m.allocations_ok == std::uint64_t{kThreads} * kPerThread);
    CHECK(m.frozen == std::uint64_t{kThreads} * kPerThread);
    CHECK(m.frees == m.allocations_ok);
    CHECK(m.allocations_failed == out.full.load());
    CHECK(m.bytes_live == 0u);
    std::vector<RawRegion> all;
    for (std::size_t i = 0; i < arena.slot_count(); ++i) all.push_back(take(raw_alloc(arena)));
    CHECK(raw_alloc(arena).error() == Errc::arena_full);
  }

  TEST_CASE("buddy raw_alloc concurrent stress: 8 threads x 500, 4-byte payload round trips, mixed sizes") {
    BuddyArena arena = build(BuddyArena::builder(take(BuddyGeometry::exact(16 * 1024, 64))));
    Outcome out;
    std::mutex shared_mutex;
    std::deque<Bytes> shared;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        // Thread t asks for 4 << t bytes: blocks of 64 to 512 bytes side by side.
        const std::size_t len = std::size_t{4} << t;
        stress_thread(t, [&] { return raw_alloc(arena, len); }, out, shared_mutex, shared);
      });
    }
    for (std::thread& th : threads) th.join();
    shared.clear();
    CHECK(out.problems.load() == 0u);
    const arena::BuddyMetrics m = arena.metrics();
    CHECK(m.allocations_ok == std::uint64_t{kThreads} * kPerThread);
    CHECK(m.frozen == std::uint64_t{kThreads} * kPerThread);
    CHECK(m.frees == m.allocations_ok);
    CHECK(m.allocations_failed == out.full.load());
    CHECK(m.bytes_live == 0u);
    CHECK(m.largest_free_block == 16u * 1024);
    CHECK(take(raw_alloc(arena, 16 * 1024)).capacity() == 16u * 1024);
  }
}
