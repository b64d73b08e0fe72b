// Tests of arena/buddy_geometry.hpp (core/src/buddy_geometry.cpp): exact() validation, nearest()
// snapping with its overflow checks, and with_alignment() on both kinds [R-GEO-1..4], with the
// numbers of the original crate's geometry tests; plus how a geometry reaches a built arena
// (max_order, capacity capping, block alignment).
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <vector>

#include "arena/arena.hpp"
#include "test_support.hpp"

using arena::BuddyArena;
using arena::BuddyGeometry;
using arena::Buffer;
using arena::Errc;
using arena::PageSize;
using arena::test::build;
using arena::test::take;

namespace {
constexpr std::size_t kMax = std::numeric_limits<std::size_t>::max();

Errc error_of(const arena::Result<BuddyGeometry>& r) {
  REQUIRE_FALSE(r.has_value());
  return static_cast<Errc>(r.error().value());
}

// total, min, max_order, alignment, caps_capacity in one check.
void check_shape(const BuddyGeometry& g, std::size_t total, std::size_t min, unsigned order, std::size_t alignment,
                 bool caps) {
  CHECK(g.total_size() == total);
  CHECK(g.min_block_size() == min);
  CHECK(g.max_order() == order);
  CHECK(g.alignment() == alignment);
  CHECK(g.caps_capacity() == caps);
}
}  // namespace

TEST_SUITE("arena::BuddyGeometry") {
  TEST_CASE("exact: valid geometries report their shape ((4096, 512) -> order 3)") {
    check_shape(take(BuddyGeometry::exact(4096, 512)), 4096, 512, 3, 1, false);
    check_shape(take(BuddyGeometry::exact(512, 512)), 512, 512, 0, 1, false);
    check_shape(take(BuddyGeometry::exact(std::size_t{64} << 20, 256)), std::size_t{64} << 20, 256, 18, 1, false);
    check_shape(take(BuddyGeometry::exact(1, 1)), 1, 1, 0, 1, false);
    check_shape(take(BuddyGeometry::exact(std::size_t{1} << 63, 1)), std::size_t{1} << 63, 1, 63, 1, false);
  }

  TEST_CASE("exact rejects a minimum block that is not a power of two ((4096, 768))") {
    CHECK(error_of(BuddyGeometry::exact(4096, 768)) == Errc::invalid_geometry);
    CHECK(error_of(BuddyGeometry::exact(3072, 3)) == Errc::invalid_geometry);
  }

  TEST_CASE("exact rejects a total that is not a power-of-two multiple ((6144, 1024), (5000, 1000))") {
    CHECK(error_of(BuddyGeometry::exact(6144, 1024)) == Errc::invalid_geometry);
    CHECK(error_of(BuddyGeometry::exact(4096 + 512, 512)) == Errc::invalid_geometry);
    CHECK(error_of(BuddyGeometry::exact(4000, 512)) == Errc::invalid_geometry);  // not a multiple
    CHECK(error_of(BuddyGeometry::exact(kMax, 1)) == Errc::invalid_geometry);
  }

  TEST_CASE("exact rejects a total smaller than the minimum block ((256, 512))") {
    CHECK(error_of(BuddyGeometry::exact(256, 512)) == Errc::invalid_geometry);
  }

  TEST_CASE("zero sizes are invalid arguments") {
    CHECK(error_of(BuddyGeometry::exact(0, 512)) == Errc::invalid_argument);
    CHECK(error_of(BuddyGeometry::exact(4096, 0)) == Errc::invalid_argument);
    CHECK(error_of(BuddyGeometry::nearest(0, 512)) == Errc::invalid_argument);
    CHECK(error_of(BuddyGeometry::nearest(4096, 0)) == Errc::invalid_argument);
  }

  TEST_CASE("exact with_alignment up to the minimum block records it, nothing else changes") {
    const BuddyGeometry g = take(BuddyGeometry::exact(4096, 512));
    check_shape(take(g.with_alignment(512)), 4096, 512, 3, 512, false);
    check_shape(take(g.with_alignment(64)), 4096, 512, 3, 64, false);
    check_shape(take(g.with_alignment(1)), 4096, 512, 3, 1, false);
    check_shape(g, 4096, 512, 3, 1, false);  // with_alignment returns a new geometry
  }

  TEST_CASE("exact rejects an alignment larger than the minimum block") {
    const BuddyGeometry g = take(BuddyGeometry::exact(4096, 512));
    CHECK(error_of(g.with_alignment(1024)) == Errc::invalid_geometry);
    CHECK(error_of(g.with_alignment(std::size_t{1} << 63)) == Errc::invalid_geometry);
  }

  TEST_CASE("with_alignment rejects an alignment that is not a power of two (both kinds)") {
    for (const BuddyGeometry& g : {take(BuddyGeometry::exact(4096, 512)), take(BuddyGeometry::nearest(4096, 512))}) {
      CHECK(error_of(g.with_alignment(0)) == Errc::invalid_alignment);
      CHECK(error_of(g.with_alignment(3)) == Errc::invalid_alignment);
      CHECK(error_of(g.with_alignment(768)) == Errc::invalid_alignment);
      CHECK(error_of(g.with_alignment(kMax)) == Errc::invalid_alignment);
    }
  }

  TEST_CASE("nearest leaves valid inputs unchanged but caps capacity") {
    check_shape(take(BuddyGeometry::nearest(4096, 512)), 4096, 512, 3, 1, true);
    check_shape(take(BuddyGeometry::nearest(512, 512)), 512, 512, 0, 1, true);
  }

  TEST_CASE("nearest snaps the minimum block up to a power of two ((4096, 768) -> min 1024)") {
    check_shape(take(BuddyGeometry::nearest(4096, 768)), 4096, 1024, 2, 1, true);
    check_shape(take(BuddyGeometry::nearest(4096, 3)), 4096, 4, 10, 1, true);
  }

  TEST_CASE("nearest snaps the total up to a power-of-two multiple ((6000, 768) -> (8192, 1024))") {
    check_shape(take(BuddyGeometry::nearest(6000, 768)), 8192, 1024, 3, 1, true);
    check_shape(take(BuddyGeometry::nearest(6000, 1024)), 8192, 1024, 3, 1, true);
    check_shape(take(BuddyGeometry::nearest(4097, 512)), 8192, 512, 4, 1, true);
    check_shape(take(BuddyGeometry::nearest(5000, 1000)), 8192, 1024, 3, 1, true);
  }

  TEST_CASE("nearest snaps a total below the minimum block up to it ((256, 512) -> (512, 512))") {
    check_shape(take(BuddyGeometry::nearest(256, 512)), 512, 512, 0, 1, true);
    check_shape(take(BuddyGeometry::nearest(1, 700)), 1024, 1024, 0, 1, true);
  }

  TEST_CASE("nearest reports overflow as size_overflow ((MAX, MAX/2) and friends)") {
    CHECK(error_of(BuddyGeometry::nearest(kMax, kMax / 2)) == Errc::size_overflow);
    CHECK(error_of(BuddyGeometry::nearest(kMax, 1)) == Errc::size_overflow);
    CHECK(error_of(BuddyGeometry::nearest(1, kMax)) == Errc::size_overflow);
    CHECK(error_of(BuddyGeometry::nearest((std::size_t{1} << 63) + 1, 512)) == Errc::size_overflow);
    // The largest that fits: 2^63 bytes.
    check_shape(take(BuddyGeometry::nearest((std::size_t{1} << 63) - 5, 512)), std::size_t{1} << 63, 512, 54, 1, true);
  }

  TEST_CASE("nearest with_alignment above the minimum block re-snaps ((4096, 512) + 1024 -> min 1024, order 2)") {
    const BuddyGeometry g = take(BuddyGeometry::nearest(4096, 512));
    check_shape(take(g.with_alignment(1024)), 4096, 1024, 2, 1024, true);
    check_shape(take(g.with_alignment(256)), 4096, 512, 3, 256, true);
    check_shape(take(g.with_alignment(8192)), 8192, 8192, 0, 8192, true);  // total re-snapped up
    check_shape(take(take(BuddyGeometry::nearest(6000, 768)).with_alignment(2048)), 8192, 2048, 2, 2048, true);
  }

  TEST_CASE("geometries compare by value") {
    CHECK(take(BuddyGeometry::exact(4096, 512)) == take(BuddyGeometry::exact(4096, 512)));
    CHECK_FALSE(take(BuddyGeometry::exact(4096, 512)) == take(BuddyGeometry::nearest(4096, 512)));
    CHECK_FALSE(take(BuddyGeometry::exact(4096, 512)) == take(BuddyGeometry::exact(8192, 512)));
    CHECK_FALSE(take(BuddyGeometry::exact(4096, 512)) == take(take(BuddyGeometry::exact(4096, 512)).with_alignment(8)));
    CHECK(take(BuddyGeometry::nearest(6000, 768)) == take(BuddyGeometry::nearest(8192, 1024)));
  }
}

TEST_SUITE("arena::BuddyGeometry in an arena") {
  TEST_CASE("the arena reports the geometry back") {
    const BuddyArena arena = build(BuddyArena::builder(take(BuddyGeometry::nearest(6000, 768))));
    CHECK(arena.total_size() == 8192u);
    CHECK(arena.min_block_size() == 1024u);
    CHECK(arena.max_order() == 3u);
    CHECK(arena.describe() ==
          "BuddyArena{total=8192, min_block=1024, max_order=3, alignment=1, capacity=nearest, init=uninit, "
          "auto_spill=off, raw=no}");
  }

  TEST_CASE("an aligned geometry hands out blocks aligned to it (nearest (16384, 512) + 4096)") {
    const BuddyGeometry g = take(take(BuddyGeometry::nearest(16384, 512)).with_alignment(4096));
    BuddyArena arena = build(BuddyArena::builder(g));
    CHECK(arena.min_block_size() == 4096u);
    std::vector<Buffer> held;
    for (int i = 0; i < 4; ++i) {
      held.push_back(take(arena.allocate(1)));
      CHECK(reinterpret_cast<std::uintptr_t>(held.back().writable_span().data()) % 4096 == 0);
      CHECK(held.back().capacity() == 1u);  // nearest: capped to the request
    }
    CHECK(arena.allocate(1).error() == Errc::arena_full);
  }

  TEST_CASE("an exact geometry's blocks are aligned to the recorded alignment (exact (4096, 512) + 512)") {
    BuddyArena arena = build(BuddyArena::builder(take(take(BuddyGeometry::exact(4096, 512)).with_alignment(512))));
    std::vector<Buffer> held;
    for (int i = 0; i < 8; ++i) {
      held.push_back(take(arena.allocate(100)));
      CHECK(reinterpret_cast<std::uintptr_t>(held.back().writable_span().data()) % 512 == 0);
      CHECK(held.back().capacity() == 512u);
    }
  }

  TEST_CASE("geometries too large to build: size_overflow, or out_of_memory when merely absent") {
    auto too_big = BuddyArena::builder(take(BuddyGeometry::exact(std::size_t{1} << 63, 1))).build();
    CHECK(too_big.error() == Errc::size_overflow);
    auto order_63 = BuddyArena::builder(take(BuddyGeometry::exact(std::size_t{1} << 62, 1))).build();
    CHECK(order_63.error() == Errc::size_overflow);
    auto absent = BuddyArena::builder(take(BuddyGeometry::exact(std::size_t{1} << 56, std::size_t{1} << 20)))
                      .page_size(PageSize::unknown())
                      .build();
    CHECK(absent.error() == Errc::out_of_memory);
  }
}
