// Tests of arena/metrics.hpp through FixedArena::metrics() (core/src/fixed_state.cpp): the R-MET-4
// reference trajectory, what each counter counts [R-MET-2], and the quiescent invariant [R-MET-5]
// checked against a model after every step of a seeded random operation sequence.
#include <doctest/doctest.h>

#include <deque>
#include <vector>

#include "arena/arena.hpp"
#include "rng.hpp"
#include "test_support.hpp"

using arena::Buffer;
using arena::Bytes;
using arena::Errc;
using arena::FixedArena;
using arena::FixedMetrics;
using arena::test::build;
using arena::test::take;

TEST_SUITE("arena::FixedMetrics") {
  TEST_CASE("R-MET-4 fixed trajectory on 1 slot x 64") {
    FixedArena arena = build(FixedArena::with_slot_capacity(1, 64));
    FixedMetrics m = arena.metrics();
    CHECK(m.version == arena::kMetricsVersion);
    CHECK(m.bytes_reserved == 64u);
    CHECK(m.allocations_ok == 0u);
    CHECK(m.allocations_failed == 0u);
    CHECK(m.frees == 0u);
    CHECK(m.frozen == 0u);
    CHECK(m.spills == 0u);
    CHECK(m.bytes_live == 0u);
    CHECK(m.slot_count == 1u);
    CHECK(m.slot_capacity == 64u);

    Buffer b = take(arena.allocate());
    m = arena.metrics();
    CHECK(m.allocations_ok == 1u);
    CHECK(m.bytes_live == 64u);
    CHECK(m.slots_live == 1u);

    CHECK(arena.allocate().error() == Errc::arena_full);
    m = arena.metrics();
    CHECK(m.allocations_failed == 1u);
    CHECK(m.allocations_ok == 1u);

    Bytes frozen = std::move(b).freeze();
    m = arena.metrics();
    CHECK(m.frozen == 1u);
    CHECK(m.frees == 0u);
    CHECK(m.bytes_live == 64u);  // frozen but not dropped: still live

    frozen = Bytes();
    m = arena.metrics();
    CHECK(m.frees == 1u);
    CHECK(m.bytes_live == 0u);
    CHECK(m.slots_live == 0u);
    CHECK(m.bytes_reserved == 64u);
  }

  TEST_CASE("bytes_reserved and bytes_live use the aligned capacity") {
    FixedArena arena = build(FixedArena::with_arena_capacity(3, 1000).alignment(64));
    CHECK(arena.metrics().bytes_reserved == 3u * 384u);
    Buffer a = take(arena.allocate());
    Buffer b = take(arena.allocate());
    CHECK(arena.metrics().bytes_live == 768u);
  }

  TEST_CASE("frozen counts arena-backed freezes only, spills count once per Buffer") {
    FixedArena arena = build(FixedArena::with_slot_capacity(4, 8).auto_spill());
    Buffer plain = take(arena.allocate());
    plain.put("1234");
    const Bytes p = std::move(plain).freeze();
    Buffer spilling = take(arena.allocate());
    spilling.put("123456789");
    spilling.put("more and more and more");
    const Bytes s = std::move(spilling).freeze();
    const FixedMetrics m = arena.metrics();
    CHECK(m.frozen == 1u);
    CHECK(m.spills == 1u);
    CHECK(m.allocations_ok == 2u);
    CHECK(m.frees == 1u);  // the spill returned its slot
    CHECK(m.bytes_live == 8u);
  }

  TEST_CASE("R-MET-5 holds after every step of a seeded random sequence") {
    constexpr std::size_t kSlots = 16;
    constexpr std::size_t kCap = 32;
    FixedArena arena = build(FixedArena::with_slot_capacity(kSlots, kCap).auto_spill());
    arena::test::Rng rng(0xC0FFEE);
    std::deque<Buffer> buffers;
    std::deque<Bytes> frozen;
    std::uint64_t ok = 0;
    std::uint64_t failed = 0;
    std::uint64_t frees = 0;
    std::uint64_t freezes = 0;
    std::uint64_t spills = 0;
    int branch_hits[5] = {};
    auto arena_slots_held = [&] {
      std::size_t n = buffers.size();
      for (const Bytes& b : frozen) n += b.size() <= kCap ? 1u : 0u;  // spilled (heap) bytes hold none
      return n;
    };
    for (int step = 0; step < 3000; ++step) {
      const std::uint64_t op = rng.below(5);
      ++branch_hits[op];
      switch (op) {
        case 0:
        case 1: {  // allocate
          auto r = arena.allocate();
          if (r) {
            ++ok;
            buffers.push_back(std::move(r).value());
          } else {
            REQUIRE(r.error() == Errc::arena_full);
            REQUIRE(arena_slots_held() == kSlots);  // single thread: full means really full
            ++failed;
          }
          break;
        }
        case 2:  // freeze (or spill-and-freeze) the oldest buffer
          if (!buffers.empty()) {
            Buffer b = std::move(buffers.front());
            buffers.pop_front();
            if (rng.coin()) {
              b.put_bytes(std::byte{1}, kCap + 1);  // spills: the slot returns now
              ++spills;
              ++frees;
            } else {
              b.put_bytes(std::byte{2}, rng.below(kCap + 1));
              ++freezes;
              frozen.push_back(std::move(b).freeze());
              break;
            }
            frozen.push_back(std::move(b).freeze());  // heap bytes: no arena slot
          }
          break;
        case 3:  // drop a buffer unfrozen
          if (!buffers.empty()) {
            const bool spilled = buffers.back().is_spilled();
            buffers.pop_back();
            if (!spilled) ++frees;
          }
          break;
        default:  // drop the oldest frozen bytes
          if (!frozen.empty()) {
            frees += frozen.front().owns_memory() && frozen.front().size() <= kCap ? 1u : 0u;
            frozen.pop_front();
          }
          break;
      }
      const FixedMetrics m = arena.metrics();
      const std::size_t live_slots = arena_slots_held();
      REQUIRE(m.allocations_ok == ok);
      REQUIRE(m.allocations_failed == failed);
      REQUIRE(m.frees == frees);
      REQUIRE(m.frozen == freezes);
      REQUIRE(m.spills == spills);
      REQUIRE(m.allocations_ok - m.frees == live_slots);
      REQUIRE(m.slots_live == live_slots);
      REQUIRE(m.bytes_live == live_slots * kCap);

      REQUIRE(m.frees <= m.allocations_ok);
    }
    for (int hits : branch_hits) CHECK(hits > 0);
    CHECK(failed > 0);
    CHECK(spills > 0);
  }
}
