// Tests of arena/buddy_arena.hpp (core/src/buddy_arena.cpp, buddy_state.cpp) through the public API:
// build, blocks per order, rounding, split and coalesce [R-BUD-1..3]; both allocation errors [H-3,
// L-3]; metrics (R-MET-3/4/5 trajectories, per-order free counts, internal fragmentation, metadata
// overhead); nearest capping [H-11]; lifecycles with Bytes outliving the arena; 16-bit reference
// counts and their side table; InitPolicy::zero [H-8] and auto-spill [R-SPL-*]. Caller memory is
// in test_buddy_raw.cpp, raw regions in test_hazmat.cpp.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <set>
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
using arena::Errc;
using arena::InitPolicy;
using arena::PageSize;
using arena::Unfaulted;
using arena::test::all_bytes_are;
using arena::test::build;
using arena::test::take;

namespace {

constexpr std::size_t kMax = std::numeric_limits<std::size_t>::max();
constexpr std::size_t kTop = std::size_t{1} << 63;

using Counts = std::vector<std::uint64_t>;

BuddyArena exact_arena(std::size_t total, std::size_t min) {
  return build(BuddyArena::builder(take(BuddyGeometry::exact(total, min))));
}
BuddyArena nearest_arena(std::size_t total, std::size_t min) {
  return build(BuddyArena::builder(take(BuddyGeometry::nearest(total, min))));
}

// The arena's base address: the one block of an empty arena (allocated and given back).
const std::byte* base_of(BuddyArena& arena) {
  const Buffer whole = take(arena.allocate(arena.total_size()));
  return whole.written().data();
}

std::size_t offset_of(const std::byte* p, const std::byte* base) { return static_cast<std::size_t>(p - base); }

Errc alloc_error(BuddyArena& arena, std::size_t len) {
  auto r = arena.allocate(len);
  REQUIRE_FALSE(r.has_value());
  return static_cast<Errc>(r.error().value());
}

// Quiescent invariants [R-MET-5] plus the buddy gauges' consistency.
void check_consistent(const BuddyMetrics& m, std::size_t total) {
  CHECK(m.frees <= m.allocations_ok);
  CHECK(m.allocations_ok - m.frees == m.blocks_live);
  CHECK(m.bytes_live + m.bytes_free == total);
  CHECK(m.internal_fragmentation_bytes == m.bytes_live - m.bytes_requested_live);
  CHECK(m.peak_bytes_live >= m.bytes_live);
  std::uint64_t free_bytes = 0;
  std::uint64_t largest = 0;
  for (std::size_t k = 0; k < m.free_blocks_per_order.size(); ++k) {
    free_bytes += m.free_blocks_per_order[k] * (m.min_block_size << k);
    if (m.free_blocks_per_order[k] != 0) largest = m.min_block_size << k;
  }
  CHECK(free_bytes == m.bytes_free);
  CHECK(largest == m.largest_free_block);
}

}  // namespace

TEST_SUITE("arena::BuddyArena") {
  TEST_CASE("build reports 4096/512 -> order 3 and starts as one free max-order block") {
    BuddyArena arena = exact_arena(4096, 512);
    CHECK(arena.total_size() == 4096u);
    CHECK(arena.min_block_size() == 512u);
    CHECK(arena.max_order() == 3u);
    CHECK(arena.describe() ==
          "BuddyArena{total=4096, min_block=512, max_order=3, alignment=1, capacity=exact, init=uninit, "
          "auto_spill=off, raw=no}");
    const BuddyMetrics m = arena.metrics();
    CHECK(m.version == arena::kMetricsVersion);
    CHECK(m.free_blocks_per_order == Counts{0, 0, 0, 1});
    CHECK(m.largest_free_block == 4096u);
    CHECK(m.bytes_reserved == 4096u);
    CHECK(m.bytes_free == 4096u);
    CHECK(m.bytes_live == 0u);
    CHECK(m.allocations_ok == 0u);
    CHECK(m.allocations_failed == 0u);
    CHECK(m.frees == 0u);
    CHECK(m.frozen == 0u);
    CHECK(m.spills == 0u);
    CHECK(m.splits == 0u);
    CHECK(m.coalesces == 0u);
    CHECK(m.min_block_size == 512u);
    CHECK(m.max_order == 3u);
    const BuddyArena other =
        build(BuddyArena::builder(take(BuddyGeometry::nearest(4096, 512))).init_policy(InitPolicy::zero).auto_spill());
    CHECK(other.describe() ==
          "BuddyArena{total=4096, min_block=512, max_order=3, alignment=1, capacity=nearest, init=zero, "
          "auto_spill=on, raw=no}");
  }

  TEST_CASE("blocks at each order: 1, 2, 4, 8, aligned to their size and tiling the arena") {
    BuddyArena arena = exact_arena(4096, 512);
    const std::byte* base = base_of(arena);
    for (unsigned order = 0; order <= 3; ++order) {
      const std::size_t size = std::size_t{512} << order;
      INFO("order " << order);
      std::vector<Buffer> held;
      std::set<std::size_t> offsets;
      for (;;) {
        auto r = arena.allocate(size);
        if (!r) {
          CHECK(r.error() == Errc::arena_full);
          break;
        }
        CHECK(r->capacity() == size);
        const std::size_t offset = offset_of(r->written().data(), base);
        CHECK(offset % size == 0);
        CHECK(offset + size <= 4096u);
        offsets.insert(offset);
        held.push_back(std::move(r).value());
        REQUIRE(held.size() <= 8u);
      }
      CHECK(held.size() == (std::size_t{8} >> order));
      CHECK(offsets.size() == held.size());  // distinct: together they tile the arena
      CHECK(arena.metrics().bytes_live == 4096u);
    }
    CHECK(arena.metrics().free_blocks_per_order == Counts{0, 0, 0, 1});
  }

  TEST_CASE("allocate rounds the request up to a power of two >= the minimum block (700 -> 1024)") {
    BuddyArena arena = exact_arena(4096, 512);
    const std::array<std::pair<std::size_t, std::size_t>, 10> cases{{{1, 512},
                                                                      {511, 512},
                                                                      {512, 512},
                                                                      {513, 1024},
                                                                      {700, 1024},
                                                                      {1024, 1024},
                                                                      {1025, 2048},
                                                                      {2048, 2048},
                                                                      {2049, 4096},
                                                                      {4096, 4096}}};
    for (const auto& entry : cases) {
      const std::size_t len = entry.first;  // not a structured binding: clang 14 cannot capture one in INFO
      const std::size_t block = entry.second;
      INFO("len " << len);
      const Buffer b = take(arena.allocate(len));
      CHECK(b.capacity() == block);
      CHECK(arena.metrics().bytes_live == block);
      CHECK(arena.metrics().bytes_requested_live == len);
    }
    CHECK(arena.metrics().bytes_live == 0u);
  }

  TEST_CASE("allocate(0) is invalid_argument and changes nothing") {
    BuddyArena arena = exact_arena(4096, 512);
    CHECK(alloc_error(arena, 0) == Errc::invalid_argument);
    const BuddyMetrics m = arena.metrics();
    CHECK(m.allocations_ok == 0u);
    CHECK(m.allocations_failed == 0u);  // only arena_full and request_too_large are counted
    CHECK(m.free_blocks_per_order == Counts{0, 0, 0, 1});
  }

  TEST_CASE("the whole arena, then 512 more: arena_full, counted, freed, it succeeds") {
    BuddyArena arena = exact_arena(4096, 512);
    std::optional<Buffer> whole(take(arena.allocate(4096)));
    CHECK(arena.metrics().largest_free_block == 0u);
    CHECK(arena.metrics().free_blocks_per_order == Counts{0, 0, 0, 0});
    CHECK(alloc_error(arena, 512) == Errc::arena_full);
    CHECK(alloc_error(arena, 4096) == Errc::arena_full);  // fits the arena: transient, not too large
    CHECK(arena.metrics().allocations_failed == 2u);
    whole.reset();
    CHECK(arena.allocate(512).has_value());
  }

  TEST_CASE("H-3 / L-3: any length above the total is request_too_large, never arena_full") {
    BuddyArena arena = exact_arena(4096, 512);
    const std::array<std::size_t, 9> too_large{4097, 8192, 5000, std::size_t{1} << 40, kTop - 1, kTop, kTop + 1,
                                               kMax - 511, kMax};
    std::uint64_t failures = 0;
    auto check_all = [&] {
      for (std::size_t len : too_large) {
        INFO("len " << len);
        CHECK(alloc_error(arena, len) == Errc::request_too_large);
        ++failures;
        CHECK(arena.metrics().allocations_failed == failures);
      }
    };
    SUBCASE("on an empty arena") { check_all(); }
    SUBCASE("on a full arena") {
      const Buffer whole = take(arena.allocate(4096));
      check_all();
    }
    SUBCASE("on a fragmented arena") {
      const Buffer a = take(arena.allocate(512));
      const Buffer b = take(arena.allocate(2048));
      check_all();
    }
    SUBCASE("on a nearest geometry") {
      arena = nearest_arena(4096, 512);
      check_all();
    }
    CHECK(arena.metrics().allocations_ok <= 2u);
  }

  TEST_CASE("split publishes the siblings: after 512, (2,1), (1,1) and (0,1) are free") {
    BuddyArena arena = exact_arena(4096, 512);
    const std::byte* base = base_of(arena);
    const BuddyMetrics before = arena.metrics();
    const Buffer first = take(arena.allocate(512));
    CHECK(offset_of(first.written().data(), base) == 0u);  // the lowest-address half
    BuddyMetrics m = arena.metrics();
    CHECK(m.splits - before.splits == 3u);
    CHECK(m.free_blocks_per_order == Counts{1, 1, 1, 0});
    CHECK(m.largest_free_block == 2048u);
    // The siblings are where the split left them, and taking them splits nothing more.
    const Buffer b0 = take(arena.allocate(512));
    const Buffer b1 = take(arena.allocate(1024));
    const Buffer b2 = take(arena.allocate(2048));
    CHECK(offset_of(b0.written().data(), base) == 512u);
    CHECK(offset_of(b1.written().data(), base) == 1024u);
    CHECK(offset_of(b2.written().data(), base) == 2048u);
    m = arena.metrics();
    CHECK(m.splits - before.splits == 3u);
    CHECK(m.free_blocks_per_order == Counts{0, 0, 0, 0});
    CHECK(alloc_error(arena, 1) == Errc::arena_full);
  }

  TEST_CASE("release coalesces level by level back to the top block") {
    BuddyArena arena = exact_arena(4096, 512);
    const std::byte* base = base_of(arena);
    const BuddyMetrics before = arena.metrics();
    { const Buffer b = take(arena.allocate(512)); }
    const BuddyMetrics m = arena.metrics();
    CHECK(m.coalesces - before.coalesces == 3u);
    CHECK(m.free_blocks_per_order == Counts{0, 0, 0, 1});
    CHECK(m.largest_free_block == 4096u);
    const Buffer whole = take(arena.allocate(4096));
    CHECK(whole.written().data() == base);
  }

  TEST_CASE("metrics track allocate, free and failure: live 1024 -> 3072 -> failure -> 2048") {
    BuddyArena arena = exact_arena(4096, 512);
    std::optional<Buffer> small(take(arena.allocate(700)));
    CHECK(arena.metrics().bytes_live == 1024u);
    const Buffer big = take(arena.allocate(2048));
    CHECK(arena.metrics().bytes_live == 3072u);
    CHECK(alloc_error(arena, 2048) == Errc::arena_full);
    BuddyMetrics m = arena.metrics();
    CHECK(m.allocations_ok == 2u);
    CHECK(m.allocations_failed == 1u);
    CHECK(m.frees == 0u);
    small.reset();
    m = arena.metrics();
    CHECK(m.bytes_live == 2048u);
    CHECK(m.frees == 1u);
    CHECK(m.blocks_live == 1u);
    check_consistent(m, 4096);
  }

  TEST_CASE("R-MET-4: allocate(700) -> splits 2, largest 2048, live 1024, drop -> coalesces 2, largest 4096") {
    BuddyArena arena = exact_arena(4096, 512);
    BuddyMetrics m = arena.metrics();
    CHECK(m.splits == 0u);
    CHECK(m.coalesces == 0u);
    CHECK(m.largest_free_block == 4096u);
    {
      const Buffer b = take(arena.allocate(700));
      m = arena.metrics();
      CHECK(m.splits == 2u);
      CHECK(m.largest_free_block == 2048u);
      CHECK(m.bytes_live == 1024u);
      CHECK(m.free_blocks_per_order == Counts{0, 1, 1, 0});
    }
    m = arena.metrics();
    CHECK(m.coalesces == 2u);
    CHECK(m.largest_free_block == 4096u);
    CHECK(m.bytes_live == 0u);
    check_consistent(m, 4096);
  }

  TEST_CASE("R-MET-4: two 2048 blocks -> largest 0, drop one -> coalesces 0, largest 2048, both -> 1, 4096") {
    BuddyArena arena = exact_arena(4096, 512);
    std::optional<Buffer> a(take(arena.allocate(2048)));
    std::optional<Buffer> b(take(arena.allocate(2048)));
    BuddyMetrics m = arena.metrics();
    CHECK(m.splits == 1u);
    CHECK(m.largest_free_block == 0u);
    a.reset();
    m = arena.metrics();
    CHECK(m.coalesces == 0u);
    CHECK(m.largest_free_block == 2048u);
    CHECK(m.free_blocks_per_order == Counts{0, 0, 1, 0});
    b.reset();
    m = arena.metrics();
    CHECK(m.coalesces == 1u);
    CHECK(m.largest_free_block == 4096u);
    CHECK(m.free_blocks_per_order == Counts{0, 0, 0, 1});
  }

  TEST_CASE("exact free blocks per order and largest free block through a release sequence") {
    BuddyArena arena = exact_arena(4096, 512);
    const std::byte* base = base_of(arena);
    std::optional<Buffer> a(take(arena.allocate(512)));   // [0, 512)
    std::optional<Buffer> b(take(arena.allocate(1024)));  // [1024, 2048)
    std::optional<Buffer> c(take(arena.allocate(512)));   // [512, 1024)
    CHECK(offset_of(a->written().data(), base) == 0u);
    CHECK(offset_of(b->written().data(), base) == 1024u);
    CHECK(offset_of(c->written().data(), base) == 512u);
    BuddyMetrics m = arena.metrics();
    CHECK(m.free_blocks_per_order == Counts{0, 0, 1, 0});
    CHECK(m.largest_free_block == 2048u);
    CHECK(m.bytes_free == 2048u);
    a.reset();  // its buddy c is live: no merge
    m = arena.metrics();
    CHECK(m.free_blocks_per_order == Counts{1, 0, 1, 0});
    CHECK(m.bytes_free == 2560u);
    CHECK(m.largest_free_block == 2048u);
    c.reset();  // merges with a into [0, 1024); b is live
    m = arena.metrics();
    CHECK(m.free_blocks_per_order == Counts{0, 1, 1, 0});
    CHECK(m.largest_free_block == 2048u);
    b.reset();  // everything merges
    m = arena.metrics();
    CHECK(m.free_blocks_per_order == Counts{0, 0, 0, 1});
    CHECK(m.largest_free_block == 4096u);
    check_consistent(m, 4096);
    // A larger arena, a scattered pattern: eight 512s at every other 1024 slot of 16 KiB.
    BuddyArena wide = exact_arena(16384, 512);
    std::vector<Buffer> all;
    for (int i = 0; i < 32; ++i) all.push_back(take(wide.allocate(512)));
    std::sort(all.begin(), all.end(),
              [](const Buffer& x, const Buffer& y) { return x.written().data() < y.written().data(); });
    std::vector<Buffer> keep;
    for (std::size_t i = 0; i < all.size(); i += 4) keep.push_back(std::move(all[i]));  // units 0, 4, 8, ...
    all.clear();
    m = wide.metrics();
    // Per kept unit 4i: unit 4i+1 free (order 0) and [4i+2, 4i+4) free (order 1).
    CHECK(m.free_blocks_per_order == Counts{8, 8, 0, 0, 0, 0});
    CHECK(m.largest_free_block == 1024u);
    CHECK(alloc_error(wide, 1025) == Errc::arena_full);
    check_consistent(m, 16384);
  }

  TEST_CASE("internal fragmentation = bytes_live - bytes_requested_live, peak keeps the high-water mark") {
    BuddyArena arena = exact_arena(4096, 512);
    std::optional<Buffer> a(take(arena.allocate(700)));
    BuddyMetrics m = arena.metrics();
    CHECK(m.bytes_requested_live == 700u);
    CHECK(m.internal_fragmentation_bytes == 324u);
    std::optional<Buffer> b(take(arena.allocate(1)));
    m = arena.metrics();
    CHECK(m.bytes_live == 1536u);
    CHECK(m.bytes_requested_live == 701u);
    CHECK(m.internal_fragmentation_bytes == 835u);
    std::optional<Buffer> c(take(arena.allocate(2048)));
    m = arena.metrics();
    CHECK(m.internal_fragmentation_bytes == 835u);  // an exact fit adds nothing
    CHECK(m.peak_bytes_live == 3584u);
    a.reset();
    m = arena.metrics();
    CHECK(m.bytes_requested_live == 2049u);
    CHECK(m.internal_fragmentation_bytes == 511u);
    CHECK(m.peak_bytes_live == 3584u);  // a high-water mark does not come down
    CHECK(m.blocks_live == 2u);
    b.reset();
    c.reset();
    m = arena.metrics();
    CHECK(m.internal_fragmentation_bytes == 0u);
    CHECK(m.bytes_requested_live == 0u);
    CHECK(m.peak_bytes_live == 3584u);
    // The requested length, not the written one, is what counts; frozen blocks keep counting.
    Buffer d = take(arena.allocate(600));
    d.put("short");
    const Bytes frozen = std::move(d).freeze();
    CHECK(arena.metrics().bytes_requested_live == 600u);
    CHECK(arena.metrics().internal_fragmentation_bytes == 424u);
  }

  TEST_CASE("metadata stays at most 1% of a 64 MiB arena with 256-byte minimum blocks") {
    for (InitPolicy policy : {InitPolicy::uninit, InitPolicy::zero}) {
      INFO("policy zero: " << (policy == InitPolicy::zero));
      Unfaulted<BuddyArena> u = take(BuddyArena::builder(take(BuddyGeometry::exact(std::size_t{64} << 20, 256)))
                                         .init_policy(policy)
                                         .build_unfaulted());
      BuddyArena arena = std::move(u).into_inner();
      const BuddyMetrics m = arena.metrics();
      CHECK(m.max_order == 18u);
      CHECK(m.free_blocks_per_order.size() == 19u);
      const std::uint64_t units = (std::uint64_t{64} << 20) / 256;
      MESSAGE("metadata " << m.metadata_bytes << " bytes = " << 100.0 * static_cast<double>(m.metadata_bytes) /
                                                                 static_cast<double>(m.bytes_reserved)
                          << "% of the arena");
      CHECK(m.metadata_bytes * 100 <= m.bytes_reserved);
      // Not under-reported: at least the 16-bit count per unit and one free bit per block per order.
      CHECK(m.metadata_bytes >= units * 2 + (2 * units) / 8);
    }
  }

  TEST_CASE("build_unfaulted: fault_pages, into_inner and allocate each give a working arena") {
    const BuddyArena::Builder builder = BuddyArena::builder(take(BuddyGeometry::exact(8192, 512)));
    SUBCASE("fault_pages") {
      BuddyArena arena = take(builder.build_unfaulted()).fault_pages();
      CHECK(arena.total_size() == 8192u);
      CHECK(take(arena.allocate(8192)).capacity() == 8192u);
    }
    SUBCASE("into_inner") {
      BuddyArena arena = take(builder.build_unfaulted()).into_inner();
      Buffer b = take(arena.allocate(700));
      b.put_bytes(std::byte{7}, 1024);
      CHECK(all_bytes_are(b.written(), std::byte{7}));
    }
    SUBCASE("allocate") {
      auto [arena, buffer] = take(take(builder.build_unfaulted()).allocate(std::size_t{3000}));
      CHECK(buffer.capacity() == 4096u);
      CHECK(arena.metrics().bytes_live == 4096u);
      CHECK(arena.allocate(8192).error() == Errc::arena_full);
    }
  }

  TEST_CASE("page sizes: unknown and explicit strides build, bytes(0) fails with invalid_argument") {
    const BuddyGeometry g = take(BuddyGeometry::exact(16384, 512));
    CHECK(BuddyArena::builder(g).page_size(PageSize::unknown()).build().has_value());
    CHECK(BuddyArena::builder(g).page_size(PageSize::bytes(4096)).build().has_value());
    CHECK(BuddyArena::builder(g).page_size(PageSize::bytes(3000)).build().has_value());
    CHECK(BuddyArena::builder(g).page_size(PageSize::bytes(0)).build().error() == Errc::invalid_argument);
    CHECK(BuddyArena::builder(g).page_size(PageSize::bytes(0)).build_unfaulted().error() == Errc::invalid_argument);
  }

  TEST_CASE("a builder builds independent arenas") {
    const BuddyArena::Builder builder = BuddyArena::builder(take(BuddyGeometry::exact(1024, 512)));
    BuddyArena a = build(builder);
    BuddyArena b = build(builder);
    CHECK_FALSE(a == b);
    const Buffer from_a = take(a.allocate(1024));
    CHECK(b.allocate(1024).has_value());
    CHECK(a.allocate(1).error() == Errc::arena_full);
  }

  TEST_CASE("copies share one arena: blocks, metrics, assignment and moves") {
    BuddyArena a = exact_arena(4096, 512);
    BuddyArena b = a;
    CHECK(a == b);
    const Buffer x = take(a.allocate(2048));
    const Buffer y = take(b.allocate(2048));
    CHECK(a.allocate(1).error() == Errc::arena_full);
    CHECK(b.metrics().allocations_ok == 2u);
    CHECK(a.metrics().allocations_failed == 1u);
    BuddyArena c = exact_arena(1024, 512);
    c = b;
    CHECK(c == a);
    CHECK(c.allocate(1).error() == Errc::arena_full);
    BuddyArena d = std::move(c);
    CHECK(d == a);
    BuddyArena e = exact_arena(1024, 512);
    e = std::move(d);
    CHECK(e == a);
    BuddyArena& alias = e;
    e = alias;  // self-assignment keeps the arena
    CHECK(e == a);
    CHECK(e.metrics().allocations_ok == 2u);
  }

  TEST_CASE("a moved-from arena describes itself") {
    BuddyArena a = exact_arena(1024, 512);
    const BuddyArena b = std::move(a);
    CHECK(a.describe() == "BuddyArena{moved-from}");  // NOLINT(bugprone-use-after-move)
    CHECK(b.total_size() == 1024u);
  }

  TEST_CASE("exact exposes the whole block: 700 -> 1024 writable") {
    BuddyArena arena = exact_arena(4096, 512);
    Buffer b = take(arena.allocate(700));
    CHECK(b.capacity() == 1024u);
    CHECK(b.remaining() == 1024u);
    b.put_bytes(std::byte{0x11}, 1024);
    CHECK(b.remaining() == 0u);
    CHECK_FALSE(b.will_fit(1));
    const Bytes frozen = std::move(b).freeze();
    CHECK(frozen.size() == 1024u);
    CHECK(all_bytes_are(frozen.span(), std::byte{0x11}));
  }

  TEST_CASE("H-11: nearest caps the capacity to the request, metrics keep the block size") {
    BuddyArena arena = nearest_arena(4096, 512);
    Buffer b = take(arena.allocate(700));
    CHECK(b.capacity() == 700u);
    BuddyMetrics m = arena.metrics();
    CHECK(m.bytes_live == 1024u);
    CHECK(m.bytes_requested_live == 700u);
    CHECK(m.internal_fragmentation_bytes == 324u);
    CHECK(m.free_blocks_per_order == Counts{0, 1, 1, 0});
    b.put_bytes(std::byte{0x22}, 700);
    CHECK(b.remaining() == 0u);
    CHECK(b.try_put(arena::test::bytes_of("x")).error() == Errc::buffer_full);
    CHECK(b.size() == 700u);
    // A request of a whole block is not capped below it; a tiny one is capped to itself.
    const Buffer full_block = take(arena.allocate(1024));
    CHECK(full_block.capacity() == 1024u);
    const Buffer tiny = take(arena.allocate(1));
    CHECK(tiny.capacity() == 1u);
    m = arena.metrics();
    CHECK(m.bytes_live == 2560u);
    CHECK(m.bytes_requested_live == 1725u);
  }

  TEST_CASE("without auto-spill a write past the capacity terminates: 1025 into 1024, 701 into nearest 700") {
    ARENA_CHECK_ABORTS_WITH(
        [] {
          BuddyArena arena = BuddyArena::builder(BuddyGeometry::exact(4096, 512).value()).build().value();
          Buffer b = arena.allocate(700).value();
          b.put_bytes(std::byte{1}, 1025);
        },
        "Buffer::put_bytes: cannot write 1025 bytes, 1024 remaining (size 0, capacity 1024)");
    ARENA_CHECK_ABORTS_WITH(
        [] {
          BuddyArena arena = BuddyArena::builder(BuddyGeometry::nearest(4096, 512).value()).build().value();
          Buffer b = arena.allocate(700).value();
          b.put_bytes(std::byte{1}, 700);
          b.put_u8(2);
        },
        "Buffer::put_bytes: cannot write 1 bytes, 0 remaining (size 700, capacity 700)");
  }

  TEST_CASE("freeze, slice, drop the root: the slice pins the block, frozen counted once") {
    BuddyArena arena = exact_arena(1024, 512);
    Buffer b = take(arena.allocate(1000));
    b.put("hello buddy world");
    Bytes root = std::move(b).freeze();
    CHECK(root.as_string_view() == "hello buddy world");
    CHECK(arena.metrics().frozen == 1u);
    Bytes world = root.slice(12, 17);
    const Bytes copy = world;  // NOLINT(performance-unnecessary-copy-initialization): a copy is under test
    root = Bytes();
    CHECK(world.as_string_view() == "world");
    CHECK(arena.allocate(1).error() == Errc::arena_full);
    world = Bytes();
    CHECK(arena.metrics().frees == 0u);
    CHECK(copy.as_string_view() == "world");
    CHECK(arena.metrics().bytes_live == 1024u);
  }

  TEST_CASE("an empty slice is detached: it does not pin the block") {
    BuddyArena arena = exact_arena(512, 512);
    Buffer b = take(arena.allocate(10));
    b.put("abc");
    Bytes root = std::move(b).freeze();
    const Bytes empty = root.slice(2, 2);
    CHECK(empty.empty());
    CHECK_FALSE(empty.owns_memory());
    root = Bytes();
    CHECK(arena.metrics().frees == 1u);
    CHECK(arena.allocate(512).has_value());
  }

  TEST_CASE("freezing an empty buffer gives empty Bytes that still pin the block") {
    BuddyArena arena = exact_arena(512, 512);
    Bytes empty = take(arena.allocate(100)).freeze();
    CHECK(empty.empty());
    CHECK(empty.owns_memory());
    CHECK(arena.allocate(1).error() == Errc::arena_full);
    CHECK(arena.metrics().frozen == 1u);
    empty = Bytes();
    CHECK(arena.allocate(1).has_value());
  }

  TEST_CASE("dropping without freeze returns space: 700 + 2048, a second 2048 fails until the 1024 drops") {
    BuddyArena arena = exact_arena(4096, 512);
    std::optional<Buffer> small(take(arena.allocate(700)));
    const Buffer big = take(arena.allocate(2048));
    CHECK(alloc_error(arena, 2048) == Errc::arena_full);
    small.reset();
    const Buffer second = take(arena.allocate(2048));
    CHECK(second.capacity() == 2048u);
  }

  TEST_CASE("mixed-size churn: 512, 1500, 512, 512, 512 fill 4096, partial frees block 4096, all restore it") {
    BuddyArena arena = exact_arena(4096, 512);
    std::vector<std::optional<Buffer>> held;
    for (std::size_t len : {512u, 1500u, 512u, 512u, 512u}) held.emplace_back(take(arena.allocate(len)));
    CHECK(arena.metrics().bytes_live == 4096u);
    CHECK(alloc_error(arena, 1) == Errc::arena_full);
    held[1].reset();
    held[3].reset();
    CHECK(alloc_error(arena, 4096) == Errc::arena_full);
    CHECK(arena.metrics().largest_free_block == 2048u);
    for (auto& b : held) b.reset();
    const Buffer whole = take(arena.allocate(4096));
    CHECK(whole.capacity() == 4096u);
  }

  TEST_CASE("into_owned frees the block when it held the last reference, not before") {
    BuddyArena arena = exact_arena(512, 512);
    Buffer b = take(arena.allocate(100));
    b.put("owned");
    Bytes one = std::move(b).freeze();
    Bytes two = one;
    const std::vector<std::byte> first = std::move(one).into_owned();
    CHECK(arena::test::text_of(first) == "owned");
    CHECK(arena.metrics().frees == 0u);
    const std::vector<std::byte> second = std::move(two).into_owned();
    CHECK(arena::test::text_of(second) == "owned");
    CHECK(arena.metrics().frees == 1u);
  }

  TEST_CASE("Bytes outlive the arena, a slice outlives everything else") {
    std::optional<Bytes> root;
    Bytes slice;
    {
      BuddyArena arena = exact_arena(4096, 512);
      Buffer b = take(arena.allocate(100));
      b.put("persists beyond the arena");
      root = std::move(b).freeze();
      slice = root->slice(0, 8);
      Buffer unfrozen = take(arena.allocate(2000));
      unfrozen.put("dropped with the arena");
    }
    CHECK(root->as_string_view() == "persists beyond the arena");
    root.reset();
    CHECK(slice.as_string_view() == "persists");  // ASan: the memory is still the arena's
    const Bytes copy = slice;
    slice = Bytes();
    CHECK(copy.as_string_view() == "persists");  // the last one frees the arena (LSan: no leak)
  }

  TEST_CASE("a Buffer outlives the arena and can still be written and frozen") {
    std::optional<Buffer> b;
    {
      BuddyArena arena = exact_arena(1024, 512);
      b = take(arena.allocate(600));
    }
    b->put("after the arena");
    const Bytes frozen = std::move(*b).freeze();
    CHECK(frozen.as_string_view() == "after the arena");
  }

  TEST_CASE("16-bit reference counts: 70000 copies of one block, freed exactly when the last goes") {
    BuddyArena arena = exact_arena(4096, 512);
    Buffer b = take(arena.allocate(1000));
    b.put("shared by many");
    std::vector<Bytes> copies;
    copies.reserve(70000);
    copies.push_back(std::move(b).freeze());
    for (std::size_t i = 1; i < 70000; ++i) copies.push_back(i % 3 == 0 ? copies[i / 2].slice(0, 6) : copies[i / 2]);
    CHECK(copies.back().as_string_view().substr(0, 6) == "shared");
    std::size_t still_live_misses = 0;
    while (copies.size() > 1) {
      copies.pop_back();
      // Around the 16-bit limit and every few thousand: the block must still be held.
      const std::size_t n = copies.size();
      if ((n >= 65530 && n <= 65540) || n % 4096 == 0) {
        const BuddyMetrics m = arena.metrics();
        still_live_misses += (m.frees == 0 && m.blocks_live == 1) ? 0u : 1u;
      }
    }
    CHECK(still_live_misses == 0u);
    CHECK(copies.front().as_string_view() == "shared by many");
    CHECK(arena.metrics().frees == 0u);
    copies.clear();
    const BuddyMetrics m = arena.metrics();
    CHECK(m.frees == 1u);
    CHECK(m.blocks_live == 0u);
    CHECK(m.free_blocks_per_order == Counts{0, 0, 0, 1});
  }

  TEST_CASE("two blocks past the 16-bit limit at once keep separate counts, across repeated crossings") {
    BuddyArena arena = exact_arena(4096, 512);
    Buffer ba = take(arena.allocate(512));
    ba.put("A");
    Buffer bb = take(arena.allocate(512));
    bb.put("B");
    const Bytes a = std::move(ba).freeze();
    const Bytes b = std::move(bb).freeze();
    std::vector<Bytes> copies_a(66000, a);
    std::vector<Bytes> copies_b(65600, b);
    // Oscillate across the boundary (count 0xFFFE <-> side table) a few times.
    for (int round = 0; round < 3; ++round) {
      copies_a.resize(65000);
      copies_a.resize(65600, a);
      copies_b.resize(65500);
      copies_b.resize(65540, b);
    }
    copies_a.clear();
    CHECK(arena.metrics().frees == 0u);
    copies_b.resize(3);
    CHECK(arena.metrics().frees == 0u);
    copies_b.clear();
    CHECK(arena.metrics().frees == 0u);
    CHECK(a.as_string_view() == "A");
    CHECK(b.as_string_view() == "B");
    CHECK(arena.metrics().blocks_live == 2u);
  }
}

TEST_SUITE("arena::BuddyArena zero policy") {
  TEST_CASE("a single-block arena is zeroed on reuse") {
    BuddyArena arena = build(BuddyArena::builder(take(BuddyGeometry::exact(512, 512))).init_policy(InitPolicy::zero));
    {
      Buffer b = take(arena.allocate(512));
      CHECK(all_bytes_are(b.writable_span(), std::byte{0}));
      b.put_bytes(std::byte{0xAB}, 512);
      const Bytes frozen = std::move(b).freeze();
    }
    Buffer again = take(arena.allocate(512));
    CHECK(again.writable_span().size() == 512u);
    CHECK(all_bytes_are(again.writable_span(), std::byte{0}));
  }

  TEST_CASE("H-8: one 512 unit freed, then 4096: the cold units are zeroed too (0xEE region)") {
    static std::array<std::byte, 4096> region;
    region.fill(std::byte{0xEE});
    BuddyArena arena = build(BuddyArena::from_static(region, BuddyHint::min_alloc(512)).init_policy(InitPolicy::zero));
    std::size_t at = 0;
    {
      Buffer b = take(arena.allocate(512));
      at = static_cast<std::size_t>(b.writable_span().data() - region.data());
      CHECK(all_bytes_are(b.writable_span(), std::byte{0}));  // cold: zeroed on allocation
      CHECK(arena::test::count_not(region, std::byte{0xEE}) == 512u);  // only that block
      b.put_bytes(std::byte{0xAB}, 512);
    }
    CHECK(all_bytes_are(std::span(region).subspan(at, 512), std::byte{0}));  // wiped on return
    CHECK(arena::test::count_not(region, std::byte{0xEE}) == 512u);          // the rest untouched
    Buffer whole = take(arena.allocate(4096));
    CHECK(all_bytes_are(whole.writable_span(), std::byte{0}));
  }

  TEST_CASE("uninit over the same region shows old bytes: the zero checks above can fail") {
    static std::array<std::byte, 4096> region;
    region.fill(std::byte{0xEE});
    BuddyArena arena = build(BuddyArena::from_static(region, BuddyHint::min_alloc(512)));
    {
      Buffer b = take(arena.allocate(512));
      b.put_bytes(std::byte{0xAB}, 512);
    }
    Buffer whole = take(arena.allocate(4096));
    CHECK(arena::test::count_not(whole.writable_span(), std::byte{0xEE}) == 512u);
    CHECK(whole.writable_span()[0] == std::byte{0xAB});
  }

  TEST_CASE("blocks are wiped on return, whole, before the next allocation (frozen, abandoned, spilled)") {
    static std::array<std::byte, 8192> region;
    region.fill(std::byte{0x5A});
    BuddyArena arena = build(BuddyArena::from_static(region, BuddyHint::min_alloc(1024)).init_policy(InitPolicy::zero));
    auto offset = [&](const std::byte* p) { return static_cast<std::size_t>(p - region.data()); };
    SUBCASE("frozen and dropped") {
      Buffer b = take(arena.allocate(2000));
      const std::size_t at = offset(b.writable_span().data());
      b.put_bytes(std::byte{0xAB}, 2048);
      { const Bytes frozen = std::move(b).freeze(); }
      CHECK(all_bytes_are(std::span(region).subspan(at, 2048), std::byte{0}));
    }
    SUBCASE("abandoned") {
      std::size_t at = 0;
      {
        Buffer b = take(arena.allocate(4096));
        at = offset(b.writable_span().data());
        b.put_bytes(std::byte{0xCD}, 100);
      }
      CHECK(all_bytes_are(std::span(region).subspan(at, 4096), std::byte{0}));
    }
    // Nothing else was touched: the other half still holds the caller's pattern.
    CHECK(arena::test::count_not(region, std::byte{0x5A}) <= 4096u);
    Buffer all = take(arena.allocate(8192));
    CHECK(all_bytes_are(all.writable_span(), std::byte{0}));
  }

  TEST_CASE("a spilled block is wiped and zero on reuse") {
    BuddyArena arena =
        build(BuddyArena::builder(take(BuddyGeometry::exact(1024, 512))).init_policy(InitPolicy::zero).auto_spill());
    Buffer b = take(arena.allocate(512));
    const std::byte* where = b.writable_span().data();
    b.put_bytes(std::byte{0xEF}, 600);
    REQUIRE(b.is_spilled());
    Buffer again = take(arena.allocate(512));
    CHECK(again.writable_span().data() == where);
    CHECK(all_bytes_are(again.writable_span(), std::byte{0}));
  }

  TEST_CASE("every allocation of a churned zero-policy arena reads all zero") {
    BuddyArena arena = build(BuddyArena::builder(take(BuddyGeometry::exact(16384, 256))).init_policy(InitPolicy::zero));
    std::vector<Buffer> held;
    std::size_t dirty = 0;
    for (std::size_t i = 0; i < 400; ++i) {
      const std::size_t len = 1 + (i * 733) % 3000;
      auto r = arena.allocate(len);
      if (!r) {
        held.erase(held.begin(), held.begin() + static_cast<std::ptrdiff_t>(held.size() / 2));
        continue;
      }
      dirty += arena::test::count_not(r->writable_span(), std::byte{0});
      r->put_bytes(static_cast<std::byte>(i | 1), r->capacity());
      held.push_back(std::move(r).value());
    }
    CHECK(dirty == 0u);
  }
}

TEST_SUITE("arena::BuddyArena auto-spill") {
  TEST_CASE("R-SPL-2: exact (4096, 512) allocate(700): 1024 fills, 2048 more spill, 4096 is free at once") {
    BuddyArena arena = build(BuddyArena::builder(take(BuddyGeometry::exact(4096, 512))).auto_spill());
    Buffer b = take(arena.allocate(700));
    CHECK(b.capacity() == 1024u);
    CHECK(b.remaining() == kMax);
    b.put_bytes(std::byte{'a'}, 1024);
    CHECK_FALSE(b.is_spilled());
    b.put_bytes(std::byte{'b'}, 2048);
    CHECK(b.is_spilled());
    CHECK(b.size() == 3072u);
    CHECK(b.capacity() == 1024u);  // unchanged by the spill
    CHECK(b.remaining() == kMax);
    const Buffer whole = take(arena.allocate(4096));  // the block went back at the spill
    const Bytes frozen = std::move(b).freeze();
    CHECK(frozen.size() == 3072u);
    CHECK(all_bytes_are(frozen.span().first(1024), std::byte{'a'}));
    CHECK(all_bytes_are(frozen.span().subspan(1024), std::byte{'b'}));
  }

  TEST_CASE("1024 then 8 more -> 1032, freeze gives heap bytes, spills 1, frees 1, frozen 0, live 0") {
    BuddyArena arena = build(BuddyArena::builder(take(BuddyGeometry::exact(4096, 512))).auto_spill());
    Buffer b = take(arena.allocate(1024));
    b.put_bytes(std::byte{1}, 1024);
    b.put("8 bytes!");
    CHECK(b.size() == 1032u);
    Bytes frozen = std::move(b).freeze();
    CHECK(frozen.as_string_view().substr(1024) == "8 bytes!");
    BuddyMetrics m = arena.metrics();
    CHECK(m.spills == 1u);
    CHECK(m.frees == 1u);
    CHECK(m.frozen == 0u);
    CHECK(m.bytes_live == 0u);
    CHECK(m.bytes_requested_live == 0u);
    frozen = Bytes();
    m = arena.metrics();
    CHECK(m.frees == 1u);  // nothing more to release
    CHECK(m.free_blocks_per_order == Counts{0, 0, 0, 1});
  }

  TEST_CASE("a spilled buffer dropped unfrozen releases nothing more (no double free)") {
    BuddyArena arena = build(BuddyArena::builder(take(BuddyGeometry::exact(2048, 512))).auto_spill());
    {
      Buffer b = take(arena.allocate(512));
      b.put_bytes(std::byte{2}, 513);
      CHECK(b.is_spilled());
      CHECK(arena.metrics().frees == 1u);
    }
    const BuddyMetrics m = arena.metrics();
    CHECK(m.frees == 1u);
    CHECK(m.allocations_ok == 1u);
    CHECK(m.bytes_live == 0u);
    CHECK(take(arena.allocate(2048)).capacity() == 2048u);
  }

  TEST_CASE("nearest + auto-spill spills at the capped capacity (700)") {
    BuddyArena arena = build(BuddyArena::builder(take(BuddyGeometry::nearest(4096, 512))).auto_spill());
    Buffer b = take(arena.allocate(700));
    b.put_bytes(std::byte{3}, 700);
    CHECK_FALSE(b.is_spilled());
    b.put_u8(4);
    CHECK(b.is_spilled());
    CHECK(b.size() == 701u);
    CHECK(arena.metrics().spills == 1u);
  }

  TEST_CASE("without auto-spill, remaining is capacity - size") {
    BuddyArena arena = exact_arena(4096, 512);
    Buffer b = take(arena.allocate(700));
    b.put("abc");
    CHECK(b.remaining() == 1021u);
    CHECK(b.will_fit(1021));
    CHECK_FALSE(b.will_fit(1022));
  }
}
