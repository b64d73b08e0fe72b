// Proves the fixed arena's hot path makes no heap allocation once the arena is built: allocate,
// write (put, put_u32, writable_span + commit), freeze, copy, slice and destroy, thousands of
// times, on one thread and on two threads passing Bytes through a ring built beforehand. Also
// proves the counter is live (building, spilling and copy_from do allocate).
//
// Inside a counting window nothing but the code under test may allocate: no doctest assertions
// there; mismatches are tallied in plain integers and asserted after the window closes.
#include <doctest/doctest.h>

#include <array>
#include <atomic>
#include <cstring>
#include <optional>
#include <thread>

#include "arena/arena.hpp"
#include "counting_new.hpp"
#include "test_support.hpp"

using arena::Buffer;
using arena::Bytes;
using arena::FixedArena;
using arena::InitPolicy;
using arena::test::build;
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

// The payload of message `i`: "msg:" + big-endian i + 16 bytes of (i + k) & 0xFF.
constexpr std::size_t kPayload = 4 + 4 + 16;

// Writes message `i` with the three write paths. Returns false when the arena was full.
bool write_message(FixedArena& arena, std::uint32_t i, Bytes& out) noexcept {
  auto r = arena.allocate();
  if (!r) return false;
  Buffer b = std::move(r).value();
  b.put(std::string_view("msg:"));
  b.put_u32(i);
  std::span<std::byte> tail = b.writable_span();
  for (std::size_t k = 0; k < 16; ++k) tail[k] = static_cast<std::byte>((i + k) & 0xFF);
  b.commit(16);
  out = std::move(b).freeze();
  return true;
}

// Checks message `i` through a copy and two slices; returns the number of wrong bytes.
std::size_t verify_message(const Bytes& message, std::uint32_t i) noexcept {
  std::size_t wrong = message.size() == kPayload ? 0u : 1u;
  const Bytes copy = message;  // NOLINT(performance-unnecessary-copy-initialization): copy is under test
  const Bytes header = copy.slice(0, 8);
  const Bytes body = copy.slice(8, copy.size());
  wrong += std::memcmp(header.data(), "msg:", 4) == 0 ? 0u : 1u;
  const std::uint32_t seq = (std::to_integer<std::uint32_t>(header[4]) << 24) |
                            (std::to_integer<std::uint32_t>(header[5]) << 16) |
                            (std::to_integer<std::uint32_t>(header[6]) << 8) | std::to_integer<std::uint32_t>(header[7]);
  wrong += seq == i ? 0u : 1u;
  for (std::size_t k = 0; k < body.size(); ++k) wrong += body[k] == static_cast<std::byte>((i + k) & 0xFF) ? 0u : 1u;
  return wrong;
}

// Runs the single-thread hot loop; returns (full failures, wrong bytes).
std::pair<std::size_t, std::size_t> hot_loop(FixedArena& arena, std::uint32_t iterations) noexcept {
  std::array<Bytes, 16> held{};  // keeps some alive so releases happen out of allocation order
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

// One allocation outside the window: the first use of an arena on a thread is measured on its own
// ("a thread's first allocation ..."); the other cases measure the steady state.
void warm_up(FixedArena& arena) {
  auto warm = arena.allocate();
  REQUIRE(warm.has_value());
}

}  // namespace

TEST_SUITE("alloc_count") {
  TEST_CASE("the counter is live: building, spilling and copy_from allocate") {
    Window build_window;
    FixedArena arena = build(FixedArena::with_slot_capacity(4, 64).alignment(64).auto_spill());
    CHECK(build_window.delta().allocations >= 2u);  // backing memory + state
    CHECK(arena::test::alloc_count::allocations_of(arena::test::alloc_count::Form::aligned_nothrow) >= 1u);

    Buffer b = arena::test::take(arena.allocate());
    b.put_bytes(std::byte{1}, 64);
    Window spill_window;
    b.put_bytes(std::byte{2}, 1);  // spills to the heap
    const Counts spill = spill_window.delta();
    REQUIRE(b.is_spilled());
    CHECK(spill.allocations == 1u);

    Window copy_window;
    { const Bytes c = Bytes::copy_from(std::string_view("heap")); }
    CHECK(copy_window.delta().allocations == 1u);
    CHECK(copy_window.delta().deallocations == 1u);
  }

  TEST_CASE("one thread: 20000 x allocate, write, freeze, copy, slice, destroy make no allocation") {
    FixedArena arena = build(FixedArena::with_slot_capacity(64, 256));
    warm_up(arena);
    Window w;
    const auto [full, wrong] = hot_loop(arena, 20000);
    const Counts delta = w.delta();
    CHECK(delta.allocations == 0u);
    CHECK(delta.deallocations == 0u);
    CHECK(delta.c_allocations == 0u);  // malloc & co. too (the C library on the arena's behalf)
    CHECK(delta.c_frees == 0u);
    CHECK(full == 0u);
    CHECK(wrong == 0u);
    CHECK(arena.metrics().allocations_ok == 20000u + 1u);
    CHECK(arena.metrics().bytes_live == 0u);
  }

  TEST_CASE("one thread: the zero policy, a raw region and arena_full failures allocate nothing") {
    static std::array<std::byte, 8 * 64> region;
    FixedArena raw = build(FixedArena::from_static(region, arena::SlotSpec::count(8)).init_policy(InitPolicy::zero));
    FixedArena zeroed = build(FixedArena::with_slot_capacity(8, 64).init_policy(InitPolicy::zero));
    FixedArena tiny = build(FixedArena::with_slot_capacity(1, 64));
    warm_up(raw);
    warm_up(zeroed);
    warm_up(tiny);
    Window w;
    const auto raw_result = hot_loop(raw, 5000);
    const auto zero_result = hot_loop(zeroed, 5000);
    std::size_t failures = 0;
    {
      auto first = tiny.allocate();
      for (int i = 0; i < 1000; ++i) failures += tiny.allocate().has_value() ? 0u : 1u;
    }
    const Counts delta = w.delta();
    CHECK(delta.allocations == 0u);
    CHECK(delta.deallocations == 0u);
    CHECK(delta.c_allocations == 0u);  // malloc & co. too (the C library on the arena's behalf)
    CHECK(delta.c_frees == 0u);
    CHECK(raw_result.second == 0u);
    CHECK(zero_result.second == 0u);
    CHECK(failures == 1000u);
    CHECK(tiny.metrics().allocations_failed == 1000u);
  }

  TEST_CASE("two threads passing Bytes through a pre-sized ring make no allocation") {
    constexpr std::uint32_t kMessages = 20000;
    constexpr std::size_t kRing = 64;  // more entries than slots: the producer also meets arena_full
    FixedArena arena = build(FixedArena::with_slot_capacity(32, 128));
    std::array<Bytes, kRing> ring{};
    std::atomic<std::size_t> head{0};  // next to pop (consumer)
    std::atomic<std::size_t> tail{0};  // next to push (producer)
    std::atomic<bool> go{false};
    std::atomic<int> finished{0};
    std::atomic<bool> may_exit{false};  // thread exit frees std::thread's state: keep it out of the window
    auto park = [&] {
      finished.fetch_add(1, std::memory_order_release);
      while (!may_exit.load(std::memory_order_acquire)) std::this_thread::yield();
    };
    std::size_t producer_full = 0;
    std::size_t consumer_wrong = 0;
    std::uint32_t consumed = 0;

    std::thread producer([&] {
      // Warm-up outside the window: a thread's first allocation has its own test case below.
      { auto warm = arena.allocate(); }
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
        ring[t % kRing] = message;  // a copy goes to the consumer; ours drops at scope end
        tail.store(t + 1, std::memory_order_release);
        ++i;
      }
      park();
    });
    std::thread consumer([&] {
      { auto warm = arena.allocate(); }
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

    while (arena.metrics().allocations_ok < 2) std::this_thread::yield();  // both warmed up
    Window w;
    go.store(true, std::memory_order_release);
    while (finished.load(std::memory_order_acquire) != 2) std::this_thread::yield();
    const Counts delta = w.delta();
    may_exit.store(true, std::memory_order_release);
    producer.join();
    consumer.join();

    CHECK(delta.allocations == 0u);
    CHECK(delta.deallocations == 0u);
    CHECK(delta.c_allocations == 0u);  // malloc & co. too (the C library on the arena's behalf)
    CHECK(delta.c_frees == 0u);
    CHECK(consumed == kMessages);
    CHECK(consumer_wrong == 0u);
    const arena::FixedMetrics m = arena.metrics();
    CHECK(m.allocations_ok == kMessages + 2);  // + the two warm-up allocations
    CHECK(m.frees == kMessages + 2);
    CHECK(m.allocations_failed == producer_full);
    MESSAGE("producer met arena_full " << producer_full << " times");
  }

  TEST_CASE("a thread's first allocation, freeze and release make no heap allocation") {
    // The steady state is covered above; this is the very first use of an arena on a thread
    // (created before the window, so its creation is not counted).
    FixedArena arena = build(FixedArena::with_slot_capacity(8, 64));
    std::optional<FixedArena> other;  // used by the thread before the window, in one subcase
    SUBCASE("a new thread") {}
    SUBCASE("a thread that used another arena before") { other = build(FixedArena::with_slot_capacity(2, 64)); }
    std::atomic<bool> ready{false};
    std::atomic<bool> go{false};
    std::atomic<bool> done{false};
    std::atomic<bool> may_exit{false};
    std::size_t wrong = 0;
    std::thread fresh([&] {
      if (other) {
        auto warm = other->allocate();
        wrong += warm.has_value() ? 0u : 1u;
      }
      ready.store(true, std::memory_order_release);
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      Bytes message;
      if (write_message(arena, 7, message)) wrong += verify_message(message, 7);
      else wrong += 1;
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
    CHECK(delta.allocations == 0u);
    CHECK(delta.deallocations == 0u);
    CHECK(delta.c_allocations == 0u);
    CHECK(delta.c_frees == 0u);
  }
}
