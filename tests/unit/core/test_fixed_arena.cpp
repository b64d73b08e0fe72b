// Tests of arena/fixed_arena.hpp (core/src/fixed_arena.cpp, fixed_state.cpp) for arenas that
// allocate their own memory: builder validation and its order [R-FIX-1..3, H-7], geometry and
// alignment [R-FIX-4], allocation and exhaustion [R-FIX-5], handle copies sharing one arena, and
// InitPolicy::zero [R-POL-1, H-8].
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <set>
#include <vector>

#include "arena/arena.hpp"
#include "test_support.hpp"

using arena::Buffer;
using arena::Bytes;
using arena::Errc;
using arena::FixedArena;
using arena::InitPolicy;
using arena::test::all_bytes_are;
using arena::test::build;
using arena::test::take;

namespace {
constexpr std::size_t kMax = std::numeric_limits<std::size_t>::max();

Errc build_error(const FixedArena::Builder& builder) {
  auto r = builder.build();
  REQUIRE_FALSE(r.has_value());
  return static_cast<Errc>(r.error().value());
}

// Allocates every slot; checks they are distinct, aligned, inside one region and exactly
// slot_capacity apart, and that one more allocation fails with arena_full.
std::vector<Buffer> allocate_all(FixedArena& arena) {
  std::vector<Buffer> all;
  for (std::size_t i = 0; i < arena.slot_count(); ++i) all.push_back(take(arena.allocate()));
  std::vector<std::uintptr_t> starts;
  for (Buffer& b : all) starts.push_back(reinterpret_cast<std::uintptr_t>(b.writable_span().data()));
  std::sort(starts.begin(), starts.end());
  for (std::size_t i = 0; i < starts.size(); ++i) {
    REQUIRE(starts[i] % arena.alignment() == 0);
    if (i > 0) REQUIRE(starts[i] - starts[i - 1] == arena.slot_capacity());
  }
  auto extra = arena.allocate();
  REQUIRE_FALSE(extra.has_value());
  CHECK(extra.error() == Errc::arena_full);
  return all;
}
}  // namespace

TEST_SUITE("arena::FixedArena") {
  TEST_CASE("build reports the geometry back (4 x 64)") {
    const FixedArena arena = build(FixedArena::with_slot_capacity(4, 64));
    CHECK(arena.slot_count() == 4u);
    CHECK(arena.slot_capacity() == 64u);
    CHECK(arena.alignment() == 1u);
    CHECK(arena.init_policy() == InitPolicy::uninit);
    CHECK_FALSE(arena.auto_spill_enabled());
    CHECK(arena.describe() == "FixedArena{slots=4, slot_capacity=64, alignment=1, init=uninit, auto_spill=off, raw=no}");
    const FixedArena other = build(FixedArena::with_slot_capacity(7, 100).alignment(64).init_policy(InitPolicy::zero).auto_spill());
    CHECK(other.describe() == "FixedArena{slots=7, slot_capacity=128, alignment=64, init=zero, auto_spill=on, raw=no}");
  }

  TEST_CASE("alignment that is not a power of two fails with invalid_alignment") {
    CHECK(build_error(FixedArena::with_slot_capacity(4, 64).alignment(3)) == Errc::invalid_alignment);
    CHECK(build_error(FixedArena::with_slot_capacity(4, 64).alignment(0)) == Errc::invalid_alignment);
    CHECK(build_error(FixedArena::with_slot_capacity(4, 64).alignment(96)) == Errc::invalid_alignment);
    CHECK(build_error(FixedArena::with_slot_capacity(4, 64).alignment(kMax)) == Errc::invalid_alignment);
    auto u = FixedArena::with_slot_capacity(4, 64).alignment(3).build_unfaulted();
    CHECK(u.error() == Errc::invalid_alignment);
  }

  TEST_CASE("zero counts and sizes fail with invalid_argument") {
    CHECK(build_error(FixedArena::with_slot_capacity(0, 64)) == Errc::invalid_argument);
    CHECK(build_error(FixedArena::with_slot_capacity(4, 0)) == Errc::invalid_argument);
    CHECK(build_error(FixedArena::with_arena_capacity(0, 4096)) == Errc::invalid_argument);
    CHECK(build_error(FixedArena::with_arena_capacity(4, 0)) == Errc::invalid_argument);
    // Validation order: the alignment is checked first.
    CHECK(build_error(FixedArena::with_slot_capacity(0, 0).alignment(3)) == Errc::invalid_alignment);
  }

  TEST_CASE("size computations that overflow fail with size_overflow") {
    SUBCASE("count MAX x cap 2") {
      CHECK(build_error(FixedArena::with_slot_capacity(kMax, 2)) == Errc::size_overflow);
    }
    SUBCASE("H-7: cap MAX rounded up to alignment 2") {
      CHECK(build_error(FixedArena::with_slot_capacity(1, kMax).alignment(2)) == Errc::size_overflow);
    }
    SUBCASE("H-7: rounding just past the top") {
      CHECK(build_error(FixedArena::with_slot_capacity(1, kMax - 100).alignment(4096)) == Errc::size_overflow);
    }
    SUBCASE("count x cap past the word") {
      CHECK(build_error(FixedArena::with_slot_capacity(2, kMax / 2 + 1)) == Errc::size_overflow);
      CHECK(build_error(FixedArena::with_slot_capacity(std::size_t{1} << 33, std::size_t{1} << 31)) ==
            Errc::size_overflow);
    }
    SUBCASE("not allocatable: above PTRDIFF_MAX") {
      CHECK(build_error(FixedArena::with_slot_capacity(1, static_cast<std::size_t>(PTRDIFF_MAX) + 1)) ==
            Errc::size_overflow);
      CHECK(build_error(FixedArena::with_slot_capacity(1, static_cast<std::size_t>(PTRDIFF_MAX))) == Errc::size_overflow);
    }
    SUBCASE("alignment is checked before overflow") {
      CHECK(build_error(FixedArena::with_slot_capacity(kMax, kMax).alignment(6)) == Errc::invalid_alignment);
    }
  }

  TEST_CASE("memory that cannot be had fails with out_of_memory") {
    // 2^62 bytes: representable, but no machine has it.
    CHECK(build_error(FixedArena::with_slot_capacity(1, std::size_t{1} << 62)) == Errc::out_of_memory);
  }

  TEST_CASE("alignment rounds the slot capacity up") {
    CHECK(build(FixedArena::with_slot_capacity(2, 100).alignment(64)).slot_capacity() == 128u);
    CHECK(build(FixedArena::with_slot_capacity(2, 100).alignment(4096)).slot_capacity() == 4096u);
    CHECK(build(FixedArena::with_slot_capacity(2, 128).alignment(64)).slot_capacity() == 128u);
    CHECK(build(FixedArena::with_slot_capacity(2, 1).alignment(512)).slot_capacity() == 512u);
    CHECK(build(FixedArena::with_slot_capacity(2, 100).alignment(1)).slot_capacity() == 100u);
  }

  TEST_CASE("with_arena_capacity divides the total, rounding up") {
    CHECK(build(FixedArena::with_arena_capacity(4, 256)).slot_capacity() == 64u);
    CHECK(build(FixedArena::with_arena_capacity(4, 1000)).slot_capacity() == 250u);
    CHECK(build(FixedArena::with_arena_capacity(3, 1000)).slot_capacity() == 334u);
    CHECK(build(FixedArena::with_arena_capacity(3, 1000)).slot_count() == 3u);
    CHECK(build(FixedArena::with_arena_capacity(3, 1000).alignment(64)).slot_capacity() == 384u);
    CHECK(build(FixedArena::with_arena_capacity(8, 3)).slot_capacity() == 1u);
  }

  TEST_CASE("slots are distinct, aligned and exactly slot_capacity apart") {
    for (std::size_t alignment : {std::size_t{1}, std::size_t{8}, std::size_t{64}, std::size_t{4096}}) {
      INFO("alignment " << alignment);
      FixedArena arena = build(FixedArena::with_slot_capacity(5, 100).alignment(alignment));
      const std::vector<Buffer> all = allocate_all(arena);
      CHECK(all.size() == 5u);
      for (const Buffer& b : all) CHECK(b.capacity() == arena.slot_capacity());
    }
  }

  TEST_CASE("an aligned slot can be written to its full rounded capacity (1 at 512)") {
    FixedArena arena = build(FixedArena::with_slot_capacity(2, 1).alignment(512));
    Buffer b = take(arena.allocate());
    CHECK(b.capacity() == 512u);
    b.put_bytes(std::byte{0x3C}, 512);
    const Bytes frozen = std::move(b).freeze();
    CHECK(frozen.size() == 512u);
    CHECK(all_bytes_are(frozen.span(), std::byte{0x3C}));
  }

  TEST_CASE("exhaustion returns arena_full and counts each failure (48 slots)") {
    FixedArena arena = build(FixedArena::with_slot_capacity(48, 16));
    std::vector<Buffer> held = allocate_all(arena);
    CHECK(arena.allocate().error() == Errc::arena_full);
    const arena::FixedMetrics m = arena.metrics();
    CHECK(m.allocations_ok == 48u);
    CHECK(m.allocations_failed == 2u);
    held.pop_back();
    Buffer again = take(arena.allocate());
    CHECK(again.capacity() == 16u);
    CHECK(arena.metrics().allocations_failed == 2u);
  }

  TEST_CASE("slot counts around the 62-slot bitmap word all serve every slot") {
    for (std::size_t count : {1u, 2u, 61u, 62u, 63u, 64u, 65u, 123u, 124u, 125u, 128u, 7168u}) {
      INFO("slot_count " << count);
      FixedArena arena = build(FixedArena::with_slot_capacity(count, 8));
      std::vector<Buffer> all = allocate_all(arena);
      CHECK(all.size() == count);
      all.clear();
      CHECK(arena.metrics().frees == count);
      all = allocate_all(arena);  // and all of them once more after release
      CHECK(all.size() == count);
    }
  }

  TEST_CASE("the auto-spill builder produces a working fixed arena") {
    FixedArena arena = build(FixedArena::with_slot_capacity(2, 8).auto_spill());
    CHECK(arena.auto_spill_enabled());
    Buffer b = take(arena.allocate());
    CHECK(b.capacity() == 8u);
    b.put("0123456789");
    CHECK(b.is_spilled());
  }

  TEST_CASE("a builder builds independent arenas each time") {
    const FixedArena::Builder builder = FixedArena::with_slot_capacity(1, 8);
    FixedArena a = build(builder);
    FixedArena b = build(builder);
    CHECK_FALSE(a == b);
    Buffer from_a = take(a.allocate());
    CHECK(b.allocate().has_value());  // b's single slot is its own
    CHECK(a.allocate().error() == Errc::arena_full);
  }

  TEST_CASE("copies share one arena: same geometry, same slots, same metrics") {
    FixedArena a = build(FixedArena::with_slot_capacity(2, 32));
    FixedArena b = a;
    CHECK(a == b);
    CHECK(b.slot_count() == 2u);
    CHECK(b.slot_capacity() == 32u);
    Buffer x = take(a.allocate());
    Buffer y = take(b.allocate());
    CHECK(a.allocate().error() == Errc::arena_full);
    CHECK(a.metrics().allocations_ok == 2u);
    CHECK(b.metrics().allocations_ok == 2u);
    CHECK(b.metrics().allocations_failed == 1u);
    FixedArena c = build(FixedArena::with_slot_capacity(2, 32));
    CHECK_FALSE(a == c);
    c = b;  // copy-assignment: now shares a's arena (c's own arena is dropped)
    CHECK(c == a);
    CHECK(c.allocate().error() == Errc::arena_full);
    FixedArena d = std::move(c);
    CHECK(d == a);
    FixedArena e = build(FixedArena::with_slot_capacity(1, 8));
    e = std::move(d);
    CHECK(e == a);
    FixedArena& alias = e;
    e = alias;
    CHECK(e == a);
    CHECK(e.metrics().allocations_ok == 2u);
  }

  TEST_CASE("a moved-from arena describes itself and compares equal to another moved-from one") {
    FixedArena a = build(FixedArena::with_slot_capacity(1, 8));
    FixedArena b = std::move(a);
    CHECK(a.describe() == "FixedArena{moved-from}");  // NOLINT(bugprone-use-after-move)
    FixedArena c = build(FixedArena::with_slot_capacity(1, 8));
    FixedArena d = std::move(c);
    CHECK(a == c);  // NOLINT(bugprone-use-after-move)
    CHECK_FALSE(a == b);
  }
}

TEST_SUITE("arena::FixedArena zero policy") {
  TEST_CASE("a slot written with 0xAB, frozen, dropped and reallocated reads all zero") {
    FixedArena arena = build(FixedArena::with_slot_capacity(1, 256).init_policy(InitPolicy::zero));
    {
      Buffer b = take(arena.allocate());
      b.put_bytes(std::byte{0xAB}, 256);
      const Bytes frozen = std::move(b).freeze();
      CHECK(frozen[255] == std::byte{0xAB});
    }
    Buffer again = take(arena.allocate());
    CHECK(again.size() == 0u);
    CHECK(all_bytes_are(again.writable_span(), std::byte{0}));
    CHECK(again.writable_span().size() == 256u);
  }

  TEST_CASE("an abandoned and a spilled slot are zero on reuse as well") {
    FixedArena arena = build(FixedArena::with_slot_capacity(1, 64).init_policy(InitPolicy::zero).auto_spill());
    {
      Buffer b = take(arena.allocate());
      b.put_bytes(std::byte{0xCD}, 40);
    }
    CHECK(all_bytes_are(take(arena.allocate()).writable_span(), std::byte{0}));
    Buffer spilled = take(arena.allocate());
    spilled.put_bytes(std::byte{0xEF}, 100);
    REQUIRE(spilled.is_spilled());
    Buffer next = take(arena.allocate());  // the slot came back at the spill
    CHECK(all_bytes_are(next.writable_span(), std::byte{0}));
    CHECK(arena::test::count_not(spilled.written(), std::byte{0xEF}) == 0u);
  }

  TEST_CASE("the first allocation of cold memory is all zero") {
    FixedArena arena = build(FixedArena::with_slot_capacity(8, 512).init_policy(InitPolicy::zero).page_size(arena::PageSize::unknown()));
    std::vector<Buffer> all;
    for (int i = 0; i < 8; ++i) {
      all.push_back(take(arena.allocate()));
      CHECK(all_bytes_are(all.back().writable_span(), std::byte{0}));
    }
  }

  TEST_CASE("uninit does not clear a reused slot (so the zero tests above can fail)") {
    FixedArena arena = build(FixedArena::with_slot_capacity(1, 64));
    {
      Buffer b = take(arena.allocate());
      b.put_bytes(std::byte{0xAB}, 64);
    }
    Buffer again = take(arena.allocate());
    CHECK(all_bytes_are(again.writable_span(), std::byte{0xAB}));
    // Only written bytes become visible through the frozen handle.
    again.put("xy");
    CHECK(std::move(again).freeze().as_string_view() == "xy");
  }
}
