// Proves the buddy arena's hot path makes no heap allocation once built: allocate (mixed sizes),
// write, freeze, copy, slice and destroy; raw regions, the zero policy and both allocation errors;
// two threads passing Bytes through a pre-built ring; a thread's first buddy allocation. Inside a
// counting window nothing else may allocate: no doctest assertions there; results are tallied in
// plain integers and checked after the window closes.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <limits>
#include <thread>

#include "arena/arena.hpp"
#include "arena/hazmat.hpp"
#include "counting_new.hpp"
#include "test_support.hpp"

using arena::BuddyArena;
using arena::BuddyGeometry;
using arena::BuddyHint;
using arena::Buffer;
using arena::Bytes;
using arena::InitPolicy;
using arena::test::build;
using arena::test::take;
using arena::test::alloc_count::Counts;
using arena::test::alloc_count::counts;

namespace {

struct Window {
  Counts before = counts();
  Counts delta() const noexcept {
    const Counts now = counts();
    return {now.allocations - before.allocations, now.deallocations - before.deallocations,
            now.c_allocations - before.c_allocations, now.c_frees - before.c_frees};
  }
};

void check_no_allocation(const Counts& delta) {
  CHECK(delta.allocations == 0u);
  CHECK(delta.deallocations == 0u);
  CHECK(delta.c_allocations == 0u);  // malloc & co. too (the C library on the arena's behalf)
  CHECK(delta.c_frees == 0u);
}

// Request sizes cycling over orders 0..6 of a 256-byte minimum block, some exact, some not.
constexpr std::array<std::size_t, 8> kSizes{24, 192, 768, 2048, 6144, 12288, 3072, 512};
constexpr std::size_t kHeader = 4 + 4 + 16;

BuddyArena exact_arena(std::size_t total, std::size_t min, InitPolicy policy = InitPolicy::uninit) {
  return build(BuddyArena::builder(take(BuddyGeometry::exact(total, min))).init_policy(policy));
}

// Writes message `i` (header through three write paths, then the request's length in 0x7C).
bool write_message(BuddyArena& arena, std::uint32_t i, Bytes& out) noexcept {
  const std::size_t len = kSizes[i % kSizes.size()];
  auto r = arena.allocate(len);
  if (!r) return false;
  Buffer b = std::move(r).value();
  b.put(std::string_view("msg:"));
  b.put_u32(i);
  std::span<std::byte> tail = b.writable_span();
  for (std::size_t k = 0; k < 16; ++k) tail[k] = static_cast<std::byte>((i + k) & 0xFF);
  b.commit(16);
  b.put_bytes(std::byte{0x7C}, len > kHeader ? len - kHeader : 0);
  out = std::move(b).freeze();
  return true;
}

// Checks message `i` through a copy and two slices; returns the number of wrong bytes.
std::size_t verify_message(const Bytes& message, std::uint32_t i) noexcept {
  const std::size_t len = kSizes[i % kSizes.size()];
  std::size_t wrong = message.size() == std::max(len, kHeader) ? 0u : 1u;
  const Bytes copy = message;  // NOLINT(performance-unnecessary-copy-initialization): copy is under test
  const Bytes header = copy.slice(0, 8);
  const Bytes body = copy.slice(8, 24);
  wrong += std::memcmp(header.data(), "msg:", 4) == 0 ? 0u : 1u;
  const std::uint32_t seq = (std::to_integer<std::uint32_t>(header[4]) << 24) |
                            (std::to_integer<std::uint32_t>(header[5]) << 16) |
                            (std::to_integer<std::uint32_t>(header[6]) << 8) | std::to_integer<std::uint32_t>(header[7]);
  wrong += seq == i ? 0u : 1u;
  for (std::size_t k = 0; k < body.size(); ++k) wrong += body[k] == static_cast<std::byte>((i + k) & 0xFF) ? 0u : 1u;
  return wrong;
}

// The single-thread hot loop; returns (arena_full failures, wrong bytes).
std::pair<std::size_t, std::size_t> hot_loop(BuddyArena& arena, std::uint32_t iterations) noexcept {
  std::array<Bytes, 16> held{};  // keeps some alive so blocks are released out of order
  std::size_t full = 0;
  std::size_t wrong = 0;
  for (std::uint32_t i = 0; i < iterations; ++i) {
    Bytes message;
    if (!write_message(arena, i, message)) {
      ++full;
      continue;
    }
    wrong += verify_message(message, i);
    held[i % held.size()] = message.slice(1, message.size() - 1);
  }
  for (Bytes& b : held) b = Bytes();
  return {full, wrong};
}

// One allocation and freeze outside the window: a thread's first use has its own case below.
void warm_up(BuddyArena& arena) {
  auto warm = arena.allocate(1);
  REQUIRE(warm.has_value());
  const Bytes frozen = std::move(warm).value().freeze();
}

}  // namespace

TEST_SUITE("alloc_count: BuddyArena") {
  TEST_CASE("the window is live: metrics() allocates its per-order vector, building allocates") {
    Window build_window;
    BuddyArena arena = exact_arena(4096, 512);
    CHECK(build_window.delta().allocations >= 2u);  // backing memory + state
    Window metrics_window;
    const arena::BuddyMetrics m = arena.metrics();
    CHECK(metrics_window.delta().allocations == 1u);
    CHECK(m.free_blocks_per_order.size() == 4u);
  }

  TEST_CASE("one thread: 20000 x allocate (mixed sizes), write, freeze, copy, slice, destroy make no allocation") {
    BuddyArena arena = exact_arena(std::size_t{1} << 20, 256);
    warm_up(arena);
    Window w;
    const auto [full, wrong] = hot_loop(arena, 20000);
    const Counts delta = w.delta();
    check_no_allocation(delta);
    CHECK(full == 0u);
    CHECK(wrong == 0u);
    const arena::BuddyMetrics m = arena.metrics();
    CHECK(m.allocations_ok == 20000u + 1u);
    CHECK(m.frozen == 20000u + 1u);
    CHECK(m.bytes_live == 0u);
  }

  TEST_CASE("one thread: raw regions, the zero policy, a raw-backed arena and both errors allocate nothing") {
    static std::array<std::byte, 64 * 1024> region;
    BuddyArena raw_backed = build(BuddyArena::from_static(region, BuddyHint::min_alloc(256)));
    BuddyArena zeroed = exact_arena(std::size_t{1} << 18, 256, InitPolicy::zero);
    BuddyArena tiny = exact_arena(1024, 512);
    warm_up(raw_backed);
    warm_up(zeroed);
    warm_up(tiny);
    std::size_t raw_wrong = 0;
    std::size_t failures = 0;
    Window w;
    const auto raw_result = hot_loop(raw_backed, 5000);
    const auto zero_result = hot_loop(zeroed, 5000);
    for (std::uint32_t i = 0; i < 2000; ++i) {
      auto r = arena::hazmat::raw_alloc(zeroed, kSizes[i % kSizes.size()]);
      if (!r) {
        ++raw_wrong;
        continue;
      }
      arena::hazmat::RawRegion raw = std::move(r).value();
      std::memcpy(raw.data(), &i, sizeof i);
      auto frozen = std::move(raw).freeze(0, sizeof i);
      std::uint32_t back = 0;
      if (frozen) std::memcpy(&back, frozen->data(), sizeof back);
      raw_wrong += frozen && back == i ? 0u : 1u;
    }
    {
      auto first = tiny.allocate(1024);
      for (int i = 0; i < 500; ++i) failures += tiny.allocate(1).has_value() ? 0u : 1u;  // arena_full
      for (int i = 0; i < 500; ++i) {
        failures += tiny.allocate(std::numeric_limits<std::size_t>::max()).has_value() ? 0u : 1u;  // too large
      }
    }
    const Counts delta = w.delta();
    check_no_allocation(delta);
    CHECK(raw_result.second == 0u);
    CHECK(zero_result.second == 0u);
    CHECK(raw_wrong == 0u);
    CHECK(failures == 1000u);
    CHECK(tiny.metrics().allocations_failed == 1000u);
  }

  TEST_CASE("buddy: two threads passing Bytes through a pre-sized ring make no allocation") {
    constexpr std::uint32_t kMessages = 20000;
    constexpr std::size_t kRing = 64;  // more than the arena holds at once: the producer meets arena_full
    BuddyArena arena = exact_arena(std::size_t{1} << 17, 256);
    std::array<Bytes, kRing> ring{};
    std::atomic<std::size_t> head{0};
    std::atomic<std::size_t> tail{0};
    std::atomic<bool> go{false};
    std::atomic<int> finished{0};
    std::atomic<int> warmed{0};
    std::atomic<bool> may_exit{false};  // thread exit frees std::thread's state: keep it out of the window
    auto park = [&] {
      finished.fetch_add(1, std::memory_order_release);
      while (!may_exit.load(std::memory_order_acquire)) std::this_thread::yield();
    };
    std::size_t producer_full = 0;
    std::size_t consumer_wrong = 0;
    std::uint32_t consumed = 0;

    std::thread producer([&] {
      { auto warm = arena.allocate(1); }
      warmed.fetch_add(1, std::memory_order_release);
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      for (std::uint32_t i = 0; i < kMessages;) {
        const std::size_t t = tail.load(std::memory_order_relaxed);
        if (t - head.load(std::memory_order_acquire) == kRing) {
          std::this_thread::yield();
          continue;
        }
        Bytes message;
        if (!write_message(arena, i, message)) {
          ++producer_full;
          std::this_thread::yield();
          continue;
        }
        ring[t % kRing] = message;
        tail.store(t + 1, std::memory_order_release);
        ++i;
      }
      park();
    });
    std::thread consumer([&] {
      { auto warm = arena.allocate(1); }
      warmed.fetch_add(1, std::memory_order_release);
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      std::array<Bytes, 8> kept{};
      while (consumed < kMessages) {
        const std::size_t h = head.load(std::memory_order_relaxed);
        if (h == tail.load(std::memory_order_acquire)) {
          std::this_thread::yield();
          continue;
        }
        Bytes message = std::move(ring[h % kRing]);
        head.store(h + 1, std::memory_order_release);
        consumer_wrong += verify_message(message, consumed);
        kept[consumed % kept.size()] = message.slice(0, 8);  // released later, on this thread
        ++consumed;
      }
      for (Bytes& b : kept) b = Bytes();
      park();
    });

    while (warmed.load(std::memory_order_acquire) != 2) std::this_thread::yield();
    Window w;
    go.store(true, std::memory_order_release);
    while (finished.load(std::memory_order_acquire) != 2) std::this_thread::yield();
    const Counts delta = w.delta();
    may_exit.store(true, std::memory_order_release);
    producer.join();
    consumer.join();

    check_no_allocation(delta);
    CHECK(consumed == kMessages);
    CHECK(consumer_wrong == 0u);
    const arena::BuddyMetrics m = arena.metrics();
    CHECK(m.allocations_ok == kMessages + 2);
    CHECK(m.frees == kMessages + 2);
    CHECK(m.allocations_failed == producer_full);
    MESSAGE("producer met arena_full " << producer_full << " times");
  }

  TEST_CASE("a thread's first buddy allocation, freeze, failure and release make no heap allocation") {
    BuddyArena arena = exact_arena(8192, 512);
    std::atomic<bool> ready{false};
    std::atomic<bool> go{false};
    std::atomic<bool> done{false};
    std::atomic<bool> may_exit{false};
    std::size_t wrong = 0;
    std::thread fresh([&] {
      ready.store(true, std::memory_order_release);
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      Bytes message;
      if (write_message(arena, 3, message)) wrong += verify_message(message, 3);
      else wrong += 1;
      wrong += arena.allocate(8193).has_value() ? 1u : 0u;  // a failure counts on this thread's stripe
      message = Bytes();
      done.store(true, std::memory_order_release);
      while (!may_exit.load(std::memory_order_acquire)) std::this_thread::yield();
    });
    while (!ready.load(std::memory_order_acquire)) std::this_thread::yield();
    Window w;
    go.store(true, std::memory_order_release);
    while (!done.load(std::memory_order_acquire)) std::this_thread::yield();
    const Counts delta = w.delta();
    may_exit.store(true, std::memory_order_release);
    fresh.join();
    CHECK(wrong == 0u);
    check_no_allocation(delta);
  }
}
