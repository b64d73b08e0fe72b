// Tests of arena/hazmat.hpp (core/src/hazmat.cpp): raw regions over fixed slots and buddy blocks
// [R-HAZ-1..4]. The original crate's hazmat cases for both arenas: visible capacity, freeze of a
// prefix / sub-range / empty range, the invalid_range errors that still release the region, drop
// and Bytes-drop releases, Bytes and slices outliving the arena, buddy rounding/capping/coalescing,
// metrics through a raw lifecycle, the zero policy, coexistence with Buffers and the header-skipping
// freeze. The multi-thread raw stress is in tests/concurrency/test_hazmat_threads.cpp.
#include "arena/hazmat.hpp"

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "arena/arena.hpp"
#include "death_test.hpp"
#include "test_support.hpp"

using arena::BuddyArena;
using arena::BuddyGeometry;
using arena::BuddyHint;
using arena::BuddyMetrics;
using arena::Buffer;
using arena::Bytes;
using arena::Dealloc;
using arena::Errc;
using arena::FixedArena;
using arena::FixedMetrics;
using arena::InitPolicy;
using arena::SlotSpec;
using arena::hazmat::raw_alloc;
using arena::hazmat::RawRegion;
using arena::test::all_bytes_are;
using arena::test::build;
using arena::test::take;

namespace {

BuddyArena exact_arena(std::size_t total, std::size_t min) {
  return build(BuddyArena::builder(take(BuddyGeometry::exact(total, min))));
}
BuddyArena nearest_arena(std::size_t total, std::size_t min) {
  return build(BuddyArena::builder(take(BuddyGeometry::nearest(total, min))));
}

void write_text(RawRegion& region, std::size_t at, std::string_view text) {
  REQUIRE(at + text.size() <= region.capacity());
  std::memcpy(region.data() + at, text.data(), text.size());
}

// Both arenas behind one interface, so that each shared case runs on a fixed slot of 64 bytes and
// on a buddy block of 64 bytes (exact (64 x count, 64)). `count` slots/blocks.
struct FixedSubject {
  FixedArena arena;
  explicit FixedSubject(std::size_t count = 1) : arena(build(FixedArena::with_slot_capacity(count, 64))) {}
  arena::Result<RawRegion> raw() { return raw_alloc(arena); }
  arena::Result<Buffer> buffer() { return arena.allocate(); }
  std::uint64_t frees() const { return arena.metrics().frees; }
  std::uint64_t frozen() const { return arena.metrics().frozen; }
};
struct BuddySubject {
  BuddyArena arena;
  explicit BuddySubject(std::size_t count = 1) : arena(exact_arena(64 * count, 64)) {}
  arena::Result<RawRegion> raw() { return raw_alloc(arena, 64); }
  arena::Result<Buffer> buffer() { return arena.allocate(64); }
  std::uint64_t frees() const { return arena.metrics().frees; }
  std::uint64_t frozen() const { return arena.metrics().frozen; }
};

}  // namespace

// Test names "...<FixedSubject>" / "...<BuddySubject>" instead of two cases both named "...<>".
TYPE_TO_STRING(FixedSubject);
TYPE_TO_STRING(BuddySubject);

TEST_SUITE("arena::hazmat") {
  TEST_CASE_TEMPLATE("raw_region_capacity: 64, data and span cover it", S, FixedSubject, BuddySubject) {
    S s;
    RawRegion region = take(s.raw());
    CHECK(region.capacity() == 64u);
    CHECK(region.span().size() == 64u);
    CHECK(region.span().data() == region.data());
    CHECK(region.data() != nullptr);
    const RawRegion& view = region;
    CHECK(view.data() == region.data());
  }

  TEST_CASE_TEMPLATE("freeze_prefix: the first 5 bytes of what was written, frozen counted", S, FixedSubject, BuddySubject) {
    S s;
    RawRegion region = take(s.raw());
    write_text(region, 0, "hello world");
    const std::byte* start = region.data();
    const Bytes frozen = take(std::move(region).freeze(0, 5));
    CHECK(frozen.as_string_view() == "hello");
    CHECK(frozen.data() == start);  // no copy
    CHECK(s.frozen() == 1u);
    CHECK(region.capacity() == 0u);  // NOLINT(bugprone-use-after-move): consumed
  }

  TEST_CASE_TEMPLATE("freeze_subslice: 2..7 of XXhelloXX is hello", S, FixedSubject, BuddySubject) {
    S s;
    RawRegion region = take(s.raw());
    write_text(region, 0, "XXhelloXX");
    const Bytes frozen = take(std::move(region).freeze(2, 7));
    CHECK(frozen.as_string_view() == "hello");
  }

  TEST_CASE_TEMPLATE("freeze of the whole capacity", S, FixedSubject, BuddySubject) {
    S s(2);
    RawRegion a = take(s.raw());
    std::memset(a.data(), 'z', 64);
    const Bytes all = take(std::move(a).freeze(0, 64));
    CHECK(all.size() == 64u);
    CHECK(all_bytes_are(all.span(), std::byte{'z'}));
  }

  TEST_CASE("fixed: an empty freeze at the end of the slot pins that slot") {
    FixedSubject s(2);
    RawRegion a = take(s.raw());
    const RawRegion b = take(s.raw());
    Bytes end = take(std::move(a).freeze(64, 64));
    CHECK(end.empty());
    CHECK(end.owns_memory());
    CHECK(s.raw().error() == Errc::arena_full);
    end = Bytes();
    CHECK(s.frees() == 1u);
    CHECK(s.raw().has_value());
  }

  TEST_CASE_TEMPLATE("freeze_empty: empty Bytes that still pin the slot", S, FixedSubject, BuddySubject) {
    S s;
    RawRegion region = take(s.raw());
    Bytes empty = take(std::move(region).freeze(3, 3));
    CHECK(empty.empty());
    CHECK(empty.owns_memory());
    CHECK(s.raw().error() == Errc::arena_full);
    CHECK(s.frees() == 0u);
    empty = Bytes();
    CHECK(s.frees() == 1u);
    CHECK(s.raw().has_value());
  }

  TEST_CASE_TEMPLATE("freeze_out_of_bounds 0..65: invalid_range, and the region is released", S, FixedSubject,
                     BuddySubject) {
    S s;
    RawRegion region = take(s.raw());
    auto r = std::move(region).freeze(0, 65);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == Errc::invalid_range);
    CHECK(region.capacity() == 0u);  // NOLINT(bugprone-use-after-move): consumed all the same
    CHECK(s.frees() == 1u);
    CHECK(s.frozen() == 0u);
    CHECK(s.raw().has_value());  // the slot is back
  }

  TEST_CASE_TEMPLATE("freeze_inverted_range 5..3: invalid_range, and the region is released", S, FixedSubject,
                     BuddySubject) {
    S s;
    RawRegion region = take(s.raw());
    auto r = std::move(region).freeze(5, 3);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == Errc::invalid_range);
    CHECK(s.frees() == 1u);
    CHECK(s.frozen() == 0u);
    auto past = take(s.raw());
    CHECK(std::move(past).freeze(65, 65).error() == Errc::invalid_range);  // empty but past the end
    CHECK(s.frees() == 2u);
  }

  TEST_CASE_TEMPLATE("drop_releases_slot", S, FixedSubject, BuddySubject) {
    S s;
    {
      const RawRegion region = take(s.raw());
      CHECK(s.raw().error() == Errc::arena_full);
    }
    CHECK(s.frees() == 1u);
    CHECK(s.raw().has_value());
  }

  TEST_CASE_TEMPLATE("freeze_releases_on_bytes_drop (after every copy and slice)", S, FixedSubject, BuddySubject) {
    S s;
    RawRegion region = take(s.raw());
    write_text(region, 0, "payload");
    Bytes frozen = take(std::move(region).freeze(0, 7));
    Bytes copy = frozen;
    Bytes slice = frozen.slice(3, 7);
    frozen = Bytes();
    copy = Bytes();
    CHECK(s.raw().error() == Errc::arena_full);
    CHECK(slice.as_string_view() == "load");
    slice = Bytes();
    CHECK(s.frees() == 1u);
    CHECK(s.raw().has_value());
  }

  TEST_CASE_TEMPLATE("arena_dropped_while_bytes_alive", S, FixedSubject, BuddySubject) {
    std::optional<S> s(std::in_place);
    RawRegion region = take(s->raw());
    write_text(region, 0, "outlives");
    const Bytes frozen = take(std::move(region).freeze(0, 8));
    s.reset();
    CHECK(frozen.as_string_view() == "outlives");  // ASan: still the arena's live memory
  }

  TEST_CASE_TEMPLATE("bytes_slicing_retains_arena: slices made after the arena went, outliving the root", S,
                     FixedSubject, BuddySubject) {
    std::optional<S> s(std::in_place);
    RawRegion region = take(s->raw());
    write_text(region, 0, "slice me later");
    std::optional<Bytes> frozen(take(std::move(region).freeze(0, 14)));
    s.reset();
    const Bytes later = frozen->slice(6, 8);
    const Bytes copy = *frozen;  // bytes_clone_retains_arena_backing
    frozen.reset();
    CHECK(later.as_string_view() == "me");
    CHECK(copy.as_string_view() == "slice me later");
  }

  TEST_CASE_TEMPLATE("an unfrozen region outlives the arena and is released with it (LSan)", S, FixedSubject,
                     BuddySubject) {
    std::optional<S> s(std::in_place);
    RawRegion region = take(s->raw());
    s.reset();
    std::memset(region.data(), 0x42, region.capacity());
    CHECK(region.data()[63] == std::byte{0x42});
  }

  TEST_CASE_TEMPLATE("raw_alloc_and_buffer_coexist", S, FixedSubject, BuddySubject) {
    S s(2);
    RawRegion region = take(s.raw());
    Buffer buffer = take(s.buffer());
    CHECK(s.raw().error() == Errc::arena_full);
    write_text(region, 0, "raw");
    buffer.put("buffer");
    CHECK(buffer.written().data() != region.data());
    const Bytes a = take(std::move(region).freeze(0, 3));
    const Bytes b = std::move(buffer).freeze();
    CHECK(a.as_string_view() == "raw");
    CHECK(b.as_string_view() == "buffer");
    CHECK(s.frozen() == 2u);
  }

  TEST_CASE_TEMPLATE("freeze_subslice_skips_header: 4-byte length + payload, freeze 4..9", S, FixedSubject,
                     BuddySubject) {
    S s;
    RawRegion region = take(s.raw());
    const std::array<std::uint8_t, 4> header{0, 0, 0, 5};  // big-endian 5
    std::memcpy(region.data(), header.data(), header.size());
    write_text(region, 4, "hello");
    const std::uint32_t len = (std::to_integer<std::uint32_t>(region.data()[0]) << 24) |
                              (std::to_integer<std::uint32_t>(region.data()[1]) << 16) |
                              (std::to_integer<std::uint32_t>(region.data()[2]) << 8) |
                              std::to_integer<std::uint32_t>(region.data()[3]);
    const Bytes payload = take(std::move(region).freeze(4, 4 + len));
    CHECK(payload.as_string_view() == "hello");
  }

  TEST_CASE_TEMPLATE("moving a region moves the allocation, assigning over one releases it", S, FixedSubject,
                     BuddySubject) {
    S s(2);
    RawRegion a = take(s.raw());
    std::byte* where = a.data();
    RawRegion b = std::move(a);
    CHECK(a.capacity() == 0u);  // NOLINT(bugprone-use-after-move)
    CHECK(a.data() == nullptr);
    CHECK(b.data() == where);
    RawRegion c = take(s.raw());
    c = std::move(b);  // c's own slot goes back
    CHECK(s.frees() == 1u);
    CHECK(c.data() == where);
    RawRegion& alias = c;
    c = std::move(alias);  // self-move keeps it
    CHECK(c.data() == where);
    CHECK(s.frees() == 1u);
    const RawRegion empty;
    CHECK(empty.capacity() == 0u);
  }
}

TEST_SUITE("arena::hazmat buddy") {
  TEST_CASE("buddy_raw_region_capacity: exact (4096, 256) 300 -> 512, nearest 300") {
    BuddyArena exact = exact_arena(4096, 256);
    BuddyArena nearest = nearest_arena(4096, 256);
    CHECK(take(raw_alloc(exact, 300)).capacity() == 512u);
    CHECK(take(raw_alloc(nearest, 300)).capacity() == 300u);
    const RawRegion held = take(raw_alloc(nearest, 300));
    CHECK(nearest.metrics().bytes_live == 512u);  // the block, not the capped capacity
    CHECK(nearest.metrics().bytes_requested_live == 300u);
  }

  TEST_CASE("buddy_raw_region_rounds_up (700 -> 1024) and cap_capacity (nearest 700)") {
    BuddyArena exact = exact_arena(4096, 512);
    BuddyArena nearest = nearest_arena(4096, 512);
    const RawRegion a = take(raw_alloc(exact, 700));
    const RawRegion b = take(raw_alloc(nearest, 700));
    CHECK(a.capacity() == 1024u);
    CHECK(b.capacity() == 700u);
    CHECK(exact.metrics().bytes_live == 1024u);
    CHECK(nearest.metrics().bytes_live == 1024u);
  }

  TEST_CASE("buddy raw errors: invalid_argument, request_too_large (L-3), arena_full") {
    BuddyArena arena = exact_arena(4096, 512);
    CHECK(raw_alloc(arena, 0).error() == Errc::invalid_argument);
    for (std::size_t len : {std::size_t{4097}, SIZE_MAX, (std::size_t{1} << 63) + 1}) {
      CHECK(raw_alloc(arena, len).error() == Errc::request_too_large);
    }
    const RawRegion whole = take(raw_alloc(arena, 4096));
    CHECK(raw_alloc(arena, 1).error() == Errc::arena_full);
    CHECK(raw_alloc(arena, 4097).error() == Errc::request_too_large);
    CHECK(arena.metrics().allocations_failed == 5u);
  }

  TEST_CASE("buddy_raw_region_freeze_prefix over a 1024 block") {
    BuddyArena arena = exact_arena(4096, 512);
    RawRegion region = take(raw_alloc(arena, 1000));
    std::memset(region.data(), 'q', 1024);
    const Bytes frozen = take(std::move(region).freeze(0, 1000));
    CHECK(frozen.size() == 1000u);
    CHECK(all_bytes_are(frozen.span(), std::byte{'q'}));
    CHECK(arena.metrics().frozen == 1u);
  }

  // freeze(capacity, capacity) of an exact block gives empty Bytes whose pointer is one past the
  // block; the block must still be found from it. Run in a child: a wrong release corrupts the arena.
  TEST_CASE("an empty freeze at the end of an exact block pins that block, not the next one") {
    const arena::test::DeathOutcome out = arena::test::run_in_child([] {
      BuddyArena arena = BuddyArena::builder(BuddyGeometry::exact(4096, 512).value()).build().value();
      RawRegion a = raw_alloc(arena, 512).value();
      RawRegion b = raw_alloc(arena, 512).value();
      if (b.data() != a.data() + 512) std::_Exit(2);
      std::memset(b.data(), 0x3B, 512);
      { const Bytes pin = std::move(a).freeze(512, 512).value(); }  // must release a's block
      const RawRegion c = raw_alloc(arena, 512).value();
      if (c.data() == b.data()) std::_Exit(3);  // b's block was released instead, and handed out again
      if (!all_bytes_are(b.span(), std::byte{0x3B})) std::_Exit(4);
    });
    INFO("child: " << out.describe() << " (exit 3: the release freed the next block)");
    REQUIRE(out.forked);
    CHECK(out.exited);
    CHECK(out.exit_code == arena::test::kChildReturned);
  }

  TEST_CASE("an empty freeze at the end of the arena's last block releases that block") {
    const arena::test::DeathOutcome out = arena::test::run_in_child([] {
      BuddyArena arena = BuddyArena::builder(BuddyGeometry::exact(1024, 512).value()).build().value();
      const RawRegion first = raw_alloc(arena, 512).value();
      RawRegion last = raw_alloc(arena, 512).value();
      if (last.data() != first.data() + 512) std::_Exit(2);
      { const Bytes pin = std::move(last).freeze(512, 512).value(); }  // its pointer is one past the arena
      if (arena.metrics().frees != 1) std::_Exit(3);
      if (!raw_alloc(arena, 512).has_value()) std::_Exit(4);
    });
    INFO("child: " << out.describe() << " (exit 3/4: the block was not released; ASan: read past the counts)");
    REQUIRE(out.forked);
    CHECK(out.exited);
    CHECK(out.exit_code == arena::test::kChildReturned);
  }

  TEST_CASE("buddy_raw_region_drop_releases_block and coalesces_on_drop") {
    BuddyArena arena = exact_arena(4096, 512);
    const BuddyMetrics before = arena.metrics();
    {
      const RawRegion a = take(raw_alloc(arena, 512));
      const RawRegion b = take(raw_alloc(arena, 512));
      CHECK(arena.metrics().splits - before.splits == 3u);
      CHECK(raw_alloc(arena, 4096).error() == Errc::arena_full);
    }
    const BuddyMetrics m = arena.metrics();
    CHECK(m.frees == 2u);
    CHECK(m.coalesces - before.coalesces == 3u);
    CHECK(m.free_blocks_per_order == std::vector<std::uint64_t>{0, 0, 0, 1});
    CHECK(take(raw_alloc(arena, 4096)).capacity() == 4096u);
  }

  TEST_CASE("buddy_raw_region_freeze_releases_on_bytes_drop, then the whole arena is one block") {
    BuddyArena arena = exact_arena(2048, 512);
    RawRegion region = take(raw_alloc(arena, 600));
    write_text(region, 0, "frozen raw");
    Bytes frozen = take(std::move(region).freeze(0, 10));
    CHECK(raw_alloc(arena, 2048).error() == Errc::arena_full);
    frozen = Bytes();
    CHECK(take(raw_alloc(arena, 2048)).capacity() == 2048u);
  }

  TEST_CASE("a buddy raw region is an owner of a from_raw arena: the Dealloc waits for it") {
    std::vector<std::byte> memory(5000);
    int calls = 0;
    std::size_t len = 0;
    std::optional<BuddyArena> arena(build(BuddyArena::from_raw(
        memory.data(), memory.size(), BuddyHint::min_alloc(512), Dealloc([&](void*, std::size_t n) {
          ++calls;
          len = n;
        }))));
    RawRegion region = take(raw_alloc(*arena, 100));
    CHECK(region.data() == memory.data());
    arena.reset();
    CHECK(calls == 0);
    write_text(region, 0, "x");
    { const RawRegion gone = std::move(region); }
    CHECK(calls == 1);
    CHECK(len == 5000u);
  }
}

TEST_SUITE("arena::hazmat metrics and zero policy") {
  TEST_CASE("fixed raw metrics track lifecycle, freeze and failure") {
    FixedArena arena = build(FixedArena::with_slot_capacity(1, 64));
    CHECK(arena.metrics().bytes_reserved == 64u);
    std::optional<RawRegion> region(take(raw_alloc(arena)));
    FixedMetrics m = arena.metrics();
    CHECK(m.allocations_ok == 1u);
    CHECK(m.bytes_live == 64u);
    CHECK(raw_alloc(arena).error() == Errc::arena_full);
    CHECK(arena.metrics().allocations_failed == 1u);
    std::optional<Bytes> frozen(take(std::move(*region).freeze(0, 0)));
    m = arena.metrics();
    CHECK(m.frozen == 1u);
    CHECK(m.frees == 0u);
    CHECK(m.bytes_live == 64u);
    frozen.reset();
    m = arena.metrics();
    CHECK(m.frees == 1u);
    CHECK(m.bytes_live == 0u);
    region.emplace(take(raw_alloc(arena)));
    region.reset();  // dropped unfrozen
    m = arena.metrics();
    CHECK(m.allocations_ok == 2u);
    CHECK(m.frees == 2u);
    CHECK(m.frozen == 1u);
  }

  TEST_CASE("buddy raw metrics track lifecycle, freeze and failure") {
    BuddyArena arena = exact_arena(4096, 512);
    std::optional<RawRegion> region(take(raw_alloc(arena, 700)));
    BuddyMetrics m = arena.metrics();
    CHECK(m.allocations_ok == 1u);
    CHECK(m.bytes_live == 1024u);
    CHECK(m.splits == 2u);
    CHECK(raw_alloc(arena, 4096).error() == Errc::arena_full);
    CHECK(raw_alloc(arena, 8192).error() == Errc::request_too_large);
    CHECK(arena.metrics().allocations_failed == 2u);
    std::optional<Bytes> frozen(take(std::move(*region).freeze(0, 700)));
    m = arena.metrics();
    CHECK(m.frozen == 1u);
    CHECK(m.frees == 0u);
    CHECK(m.bytes_live == 1024u);
    frozen.reset();
    m = arena.metrics();
    CHECK(m.frees == 1u);
    CHECK(m.bytes_live == 0u);
    CHECK(m.coalesces == 2u);
    region.emplace(take(raw_alloc(arena, 1)));
    CHECK(std::move(*region).freeze(2, 1).error() == Errc::invalid_range);
    m = arena.metrics();
    CHECK(m.allocations_ok == 2u);
    CHECK(m.frees == 2u);
    CHECK(m.frozen == 1u);
    CHECK(m.bytes_live == 0u);
  }

  TEST_CASE("fixed raw zero policy: zero on allocation over a patterned region, wiped on return") {
    static std::array<std::byte, 256> storage;
    storage.fill(std::byte{0xA5});
    FixedArena arena = build(FixedArena::from_static(storage, SlotSpec::count(4)).init_policy(InitPolicy::zero));
    std::size_t at = 0;
    {
      RawRegion region = take(raw_alloc(arena));
      CHECK(all_bytes_are(region.span(), std::byte{0}));
      at = static_cast<std::size_t>(region.data() - storage.data());
      std::memset(region.data(), 0xAB, region.capacity());
      CHECK(all_bytes_are(std::span(storage).subspan(at, 64), std::byte{0xAB}));
    }
    CHECK(all_bytes_are(std::span(storage).subspan(at, 64), std::byte{0}));
    CHECK(arena::test::count_not(storage, std::byte{0xA5}) == 64u);
  }

  TEST_CASE("buddy raw zero policy: zero on allocation over a patterned region, wiped on return") {
    static std::array<std::byte, 4096> storage;
    storage.fill(std::byte{0xA5});
    BuddyArena arena = build(BuddyArena::from_static(storage, BuddyHint::min_alloc(512)).init_policy(InitPolicy::zero));
    std::size_t at = 0;
    {
      RawRegion region = take(raw_alloc(arena, 1000));
      CHECK(region.capacity() == 1024u);
      CHECK(all_bytes_are(region.span(), std::byte{0}));
      at = static_cast<std::size_t>(region.data() - storage.data());
      std::memset(region.data(), 0xAB, region.capacity());
      const Bytes frozen = take(std::move(region).freeze(0, 1024));
      CHECK(all_bytes_are(frozen.span(), std::byte{0xAB}));
    }
    CHECK(all_bytes_are(std::span(storage).subspan(at, 1024), std::byte{0}));
    CHECK(arena::test::count_not(storage, std::byte{0xA5}) == 1024u);
    RawRegion whole = take(raw_alloc(arena, 4096));
    CHECK(all_bytes_are(whole.span(), std::byte{0}));
  }
}
