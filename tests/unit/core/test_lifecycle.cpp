// Lifecycle tests of the fixed arena (the crate's tests/lifecycle.rs, fixed parts): slices pin a
// slot after the root drops, abandon and spill paths release exactly once, exhaustion and recovery,
// Buffers and Bytes outliving the arena handle [R-BYT-4], and a seeded single-thread churn whose
// freeze-or-drop coin reaches both branches [H-9].
#include <doctest/doctest.h>

#include <deque>
#include <string>
#include <vector>

#include "arena/arena.hpp"
#include "rng.hpp"
#include "test_support.hpp"

using arena::Buffer;
using arena::Bytes;
using arena::Errc;
using arena::FixedArena;
using arena::test::build;
using arena::test::take;

namespace {
// Every slot can be had at once and no more.
void check_all_recoverable(FixedArena& arena) {
  std::vector<Buffer> all;
  for (std::size_t i = 0; i < arena.slot_count(); ++i) {
    auto r = arena.allocate();
    REQUIRE_MESSAGE(r.has_value(), "slot " << i << " of " << arena.slot_count() << " not recoverable");
    all.push_back(std::move(r).value());
  }
  CHECK(arena.allocate().error() == Errc::arena_full);
}
}  // namespace

TEST_SUITE("arena::FixedArena lifecycle") {
  TEST_CASE("freeze, slice, drop the root: the slice pins the slot until it goes") {
    FixedArena arena = build(FixedArena::with_slot_capacity(1, 64));
    Buffer b = take(arena.allocate());
    b.put("hello world");
    Bytes root = std::move(b).freeze();
    Bytes world = root.slice(6, 11);
    root = Bytes();
    CHECK(world.as_string_view() == "world");
    CHECK(arena.allocate().error() == Errc::arena_full);
    CHECK(arena.metrics().frees == 0u);
    world = Bytes();
    CHECK(arena.metrics().frees == 1u);
    CHECK(arena.allocate().has_value());
  }

  TEST_CASE("dropping without freeze returns the slot") {
    FixedArena arena = build(FixedArena::with_slot_capacity(1, 64));
    { Buffer b = take(arena.allocate()); }
    CHECK(arena.metrics().frees == 1u);
    check_all_recoverable(arena);
  }

  TEST_CASE("auto-spill freeze path and drop path each release the slot once") {
    FixedArena arena = build(FixedArena::with_slot_capacity(2, 8).auto_spill());
    Bytes spilled_bytes;
    {
      Buffer frozen_path = take(arena.allocate());
      frozen_path.put("0123456789");
      spilled_bytes = std::move(frozen_path).freeze();
      Buffer dropped_path = take(arena.allocate());
      dropped_path.put("0123456789");
    }
    CHECK(spilled_bytes.as_string_view() == "0123456789");
    const arena::FixedMetrics m = arena.metrics();
    CHECK(m.spills == 2u);
    CHECK(m.frees == 2u);
    CHECK(m.bytes_live == 0u);
    spilled_bytes = Bytes();
    CHECK(arena.metrics().frees == 2u);
    check_all_recoverable(arena);
  }

  TEST_CASE("exhaustion returns arena_full (48 slots) and every slot recovers") {
    FixedArena arena = build(FixedArena::with_slot_capacity(48, 32));
    {
      std::vector<Bytes> held;
      for (int i = 0; i < 48; ++i) {
        Buffer b = take(arena.allocate());
        b.put_u32(static_cast<std::uint32_t>(i));
        held.push_back(std::move(b).freeze());
      }
      CHECK(arena.allocate().error() == Errc::arena_full);
    }
    check_all_recoverable(arena);
  }

  TEST_CASE("the arena handle can go while Bytes live: they stay readable") {
    Bytes persists;
    {
      FixedArena arena = build(FixedArena::with_slot_capacity(4, 64));
      Buffer b = take(arena.allocate());
      b.put("persists");
      persists = std::move(b).freeze();
    }
    CHECK(persists.as_string_view() == "persists");
    const Bytes copy = persists.slice(0, 4);
    persists = Bytes();
    CHECK(copy.as_string_view() == "pers");
  }

  TEST_CASE("the arena handle can go while a Buffer lives: it can still be written and frozen") {
    Buffer b;
    {
      FixedArena arena = build(FixedArena::with_slot_capacity(2, 64).init_policy(arena::InitPolicy::zero));
      b = take(arena.allocate());
      Buffer other = take(arena.allocate());  // dropped after the arena: released into a dead arena
      other.put("x");
      FixedArena keep_for_a_moment = arena;
    }
    b.put("after the arena");
    const Bytes frozen = std::move(b).freeze();
    CHECK(frozen.as_string_view() == "after the arena");
  }

  TEST_CASE("a capacity rounded to alignment: 100 at 4096") {
    FixedArena arena = build(FixedArena::with_slot_capacity(2, 100).alignment(4096));
    Buffer b = take(arena.allocate());
    CHECK(b.capacity() == 4096u);
    CHECK(reinterpret_cast<std::uintptr_t>(b.writable_span().data()) % 4096 == 0u);
  }

  TEST_CASE("mixed freeze and abandon: all slots recover (4 then 8)") {
    for (std::size_t n : {std::size_t{4}, std::size_t{8}}) {
      INFO("slots " << n);
      FixedArena arena = build(FixedArena::with_slot_capacity(n, 16));
      for (int round = 0; round < 3; ++round) {
        std::vector<Bytes> frozen;
        {
          std::vector<Buffer> buffers;
          for (std::size_t i = 0; i < n; ++i) buffers.push_back(take(arena.allocate()));
          for (std::size_t i = 0; i < n; i += 2) frozen.push_back(std::move(buffers[i]).freeze());
        }  // odd ones abandoned here: exactly those come back, the frozen half still pins
        {
          std::vector<Buffer> again;
          for (std::size_t i = 0; i < n / 2; ++i) again.push_back(take(arena.allocate()));
          CHECK(arena.allocate().error() == Errc::arena_full);
        }
        frozen.clear();
        check_all_recoverable(arena);
      }
      CHECK(arena.metrics().frees == 3 * (n + n / 2 + n));  // per round: n, the n/2 again, check_all's n
    }
  }

  TEST_CASE("H-9: seeded churn on 64 slots reaches both freeze and drop and leaks nothing") {
    FixedArena arena = build(FixedArena::with_slot_capacity(64, 48));
    arena::test::Rng rng(0xA11CA7);
    std::deque<Bytes> held;
    int freezes = 0;
    int drops = 0;
    for (std::uint32_t i = 0; i < 4000; ++i) {
      auto r = arena.allocate();
      if (!r) {
        REQUIRE(held.size() == 64u);
        held.pop_front();
        continue;
      }
      Buffer b = std::move(r).value();
      b.put_u32(i);
      if (rng.coin()) {
        ++freezes;
        Bytes frozen = std::move(b).freeze();
        REQUIRE(frozen.size() == 4u);
        held.push_back(frozen.slice(0, 4));
      } else {
        ++drops;
      }
      if (held.size() > 40 && rng.coin()) held.pop_front();
    }
    CHECK(freezes > 0);
    CHECK(drops > 0);
    held.clear();
    const arena::FixedMetrics m = arena.metrics();
    CHECK(m.allocations_ok == m.frees);
    CHECK(m.frozen == static_cast<std::uint64_t>(freezes));
    CHECK(m.bytes_live == 0u);
    check_all_recoverable(arena);
  }
}
