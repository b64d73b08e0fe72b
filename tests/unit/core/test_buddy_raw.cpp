// Tests of BuddyArena over caller memory: from_raw / from_static with BuddyHint and Dealloc
// (arena/buddy_arena.hpp, region_spec.hpp, dealloc.hpp). The hint rules and the error order with
// the spec's examples [R-RAW-3], the deallocator's single call with the ORIGINAL pointer and length
// when the last owner goes and never on a failed build [R-RAW-4, H-10], reserved bytes = usable
// total [R-RAW-5], caller memory untouched by build and outside the usable total [H-4, R-POL-4],
// and the zero policy observed directly in the caller's region.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "arena/arena.hpp"
#include "test_support.hpp"

using arena::BuddyArena;
using arena::BuddyHint;
using arena::BuddyMetrics;
using arena::Buffer;
using arena::Bytes;
using arena::Dealloc;
using arena::Errc;
using arena::InitPolicy;
using arena::test::all_bytes_are;
using arena::test::build;
using arena::test::take;

namespace {

// Records every call of the Dealloc it makes.
struct DeallocLog {
  int calls = 0;
  void* ptr = nullptr;
  std::size_t len = 0;
  Dealloc make() {
    return Dealloc([this](void* p, std::size_t n) {
      ++calls;
      ptr = p;
      len = n;
    });
  }
};

Errc raw_error(BuddyArena::RawBuilder&& builder) {
  auto r = builder.build();
  REQUIRE_FALSE(r.has_value());
  return static_cast<Errc>(r.error().value());
}

// A region of `n` bytes filled with the alternating pattern 0xA5, 0x5A.
std::vector<std::byte> patterned(std::size_t n) {
  std::vector<std::byte> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = i % 2 == 0 ? std::byte{0xA5} : std::byte{0x5A};
  return v;
}

struct Shape {
  std::size_t total;
  std::size_t min;
  unsigned order;
};
Shape shape_of(std::size_t len, std::size_t hint) {
  std::vector<std::byte> region(len);
  const BuddyArena arena = build(BuddyArena::from_raw(region.data(), len, BuddyHint::min_alloc(hint), Dealloc::none()));
  return {arena.total_size(), arena.min_block_size(), arena.max_order()};
}

}  // namespace

TEST_SUITE("arena::BuddyHint") {
  TEST_CASE("min_alloc carries its value") {
    constexpr BuddyHint h = BuddyHint::min_alloc(500);
    CHECK(h.min_block_bytes() == 500u);
  }
}

TEST_SUITE("arena::BuddyArena from_raw") {
  TEST_CASE("(512, 4096) -> min 512, order 3") {
    const Shape s = shape_of(4096, 512);
    CHECK(s.min == 512u);
    CHECK(s.order == 3u);
    CHECK(s.total == 4096u);
  }

  TEST_CASE("(500, 4096) -> min snapped up to 512") {
    const Shape s = shape_of(4096, 500);
    CHECK(s.min == 512u);
    CHECK(s.order == 3u);
  }

  TEST_CASE("(4096, 4096) -> one block of order 0") {
    const Shape s = shape_of(4096, 4096);
    CHECK(s.min == 4096u);
    CHECK(s.order == 0u);
    CHECK(s.total == 4096u);
  }

  TEST_CASE("(512, 5000) -> usable total 4096, reserved 4096 (R-RAW-5), the tail untouched") {
    std::vector<std::byte> region = patterned(5000);
    BuddyArena arena = build(BuddyArena::from_raw(region.data(), region.size(), BuddyHint::min_alloc(512), Dealloc::none()));
    CHECK(arena.total_size() == 4096u);
    CHECK(arena.max_order() == 3u);
    CHECK(arena.metrics().bytes_reserved == 4096u);
    CHECK(arena.metrics().largest_free_block == 4096u);
    CHECK(arena.allocate(4097).error() == Errc::request_too_large);
    Buffer whole = take(arena.allocate(4096));
    CHECK(whole.writable_span().data() == region.data());  // blocks start at the caller's pointer
    whole.put_bytes(std::byte{0}, 4096);
    const std::vector<std::byte> expected = patterned(5000);
    CHECK(std::equal(region.begin() + 4096, region.end(), expected.begin() + 4096));
  }

  TEST_CASE("a hint that cannot fit rounded up falls back to the power of two below it") {
    // 6000 -> 8192 does not fit in 7000 bytes; 4096 does.
    const Shape s = shape_of(7000, 6000);
    CHECK(s.min == 4096u);
    CHECK(s.order == 0u);
    CHECK(s.total == 4096u);
    // 3000 -> 4096 fits in 5000: no fallback.
    CHECK(shape_of(5000, 3000).min == 4096u);
    // 700 -> 1024 fits in 1000? No: 512 (the power of two below 700), order 0.
    const Shape t = shape_of(1000, 700);
    CHECK(t.min == 512u);
    CHECK(t.total == 512u);
  }

  TEST_CASE("(8192, 4096) -> zero_usable_slots") {
    std::vector<std::byte> region(4096);
    CHECK(raw_error(BuddyArena::from_raw(region.data(), 4096, BuddyHint::min_alloc(8192), Dealloc::none())) ==
          Errc::zero_usable_slots);
    CHECK(raw_error(BuddyArena::from_raw(region.data(), 100, BuddyHint::min_alloc(256), Dealloc::none())) ==
          Errc::zero_usable_slots);
  }

  TEST_CASE("error order: null pointer first, then zero arguments, then the hint") {
    std::vector<std::byte> region(64);
    CHECK(raw_error(BuddyArena::from_raw(nullptr, 4096, BuddyHint::min_alloc(512), Dealloc::none())) ==
          Errc::null_pointer);
    CHECK(raw_error(BuddyArena::from_raw(nullptr, 0, BuddyHint::min_alloc(0), Dealloc::none())) == Errc::null_pointer);
    CHECK(raw_error(BuddyArena::from_raw(nullptr, 10, BuddyHint::min_alloc(8192), Dealloc::none())) ==
          Errc::null_pointer);
    CHECK(raw_error(BuddyArena::from_raw(region.data(), 0, BuddyHint::min_alloc(512), Dealloc::none())) ==
          Errc::invalid_argument);
    CHECK(raw_error(BuddyArena::from_raw(region.data(), 64, BuddyHint::min_alloc(0), Dealloc::none())) ==
          Errc::invalid_argument);
    CHECK(raw_error(BuddyArena::from_raw(region.data(), 0, BuddyHint::min_alloc(8192), Dealloc::none())) ==
          Errc::invalid_argument);
  }

  TEST_CASE("a raw arena is exact with alignment 1, describes itself as raw, and has no auto-spill") {
    std::vector<std::byte> region(4096);
    BuddyArena arena = build(BuddyArena::from_raw(region.data(), 4096, BuddyHint::min_alloc(512), Dealloc::none()));
    CHECK(arena.describe() ==
          "BuddyArena{total=4096, min_block=512, max_order=3, alignment=1, capacity=exact, init=uninit, "
          "auto_spill=off, raw=yes}");
    Buffer b = take(arena.allocate(700));
    CHECK(b.capacity() == 1024u);  // exact: the whole block
    CHECK(b.remaining() == 1024u);
    CHECK(b.try_put(std::vector<std::byte>(1025)).error() == Errc::buffer_full);
  }

  TEST_CASE("buddy: the region pointer's own alignment is not checked") {
    std::vector<std::byte> region(4097);
    BuddyArena arena = build(BuddyArena::from_raw(region.data() + 1, 4096, BuddyHint::min_alloc(512), Dealloc::none()));
    Buffer b = take(arena.allocate(512));
    CHECK(b.writable_span().data() == region.data() + 1);
    b.put("odd address");
    CHECK(std::move(b).freeze().as_string_view() == "odd address");
  }

  TEST_CASE("full lifecycle: two 1024 blocks, written in the region, then one 2048 over both") {
    std::vector<std::byte> region(2048);
    BuddyArena arena = build(BuddyArena::from_raw(region.data(), region.size(), BuddyHint::min_alloc(1024), Dealloc::none()));
    {
      Buffer a = take(arena.allocate(1024));
      Buffer b = take(arena.allocate(1000));
      a.put("first");
      b.put("second");
      const Bytes fa = std::move(a).freeze();
      const Bytes fb = std::move(b).freeze();
      CHECK(fa.data() == region.data());
      CHECK(fb.data() == region.data() + 1024);
      CHECK(std::memcmp(region.data() + 1024, "second", 6) == 0);
      CHECK(arena.allocate(2048).error() == Errc::arena_full);
    }
    Buffer both = take(arena.allocate(2048));
    CHECK(both.writable_span().data() == region.data());
    const BuddyMetrics m = arena.metrics();
    CHECK(m.allocations_ok == 3u);
    CHECK(m.frozen == 2u);
    CHECK(m.frees == 2u);
    CHECK(m.coalesces == 1u);
  }

  TEST_CASE("L-3 on a raw arena: lengths above the usable total are request_too_large") {
    std::vector<std::byte> region(5000);
    BuddyArena arena = build(BuddyArena::from_raw(region.data(), region.size(), BuddyHint::min_alloc(512), Dealloc::none()));
    for (std::size_t len : {std::size_t{4097}, std::size_t{5000}, SIZE_MAX, (std::size_t{1} << 63) + 1}) {
      CHECK(arena.allocate(len).error() == Errc::request_too_large);
    }
    CHECK(arena.metrics().allocations_failed == 4u);
  }

  TEST_CASE("buddy: Dealloc::none never frees, the region stays the caller's") {
    auto region = std::make_unique<std::byte[]>(1024);
    {
      BuddyArena arena = build(BuddyArena::from_raw(region.get(), 1024, BuddyHint::min_alloc(256), Dealloc::none()));
      Buffer b = take(arena.allocate(300));
      b.put("still mine");
    }
    region[0] = std::byte{1};  // still valid (ASan would flag a free)
    CHECK(region[0] == std::byte{1});
  }

  TEST_CASE("R-RAW-4: the Dealloc runs once, with the original pointer and len 5000, when the last owner goes") {
    std::vector<std::byte> region(5000);
    DeallocLog log;
    SUBCASE("the arena is the last owner") {
      {
        BuddyArena arena = build(BuddyArena::from_raw(region.data(), region.size(), BuddyHint::min_alloc(512), log.make()));
        BuddyArena copy = arena;
        { Buffer b = take(copy.allocate(100)); }
        CHECK(log.calls == 0);
      }
      CHECK(log.calls == 1);
      CHECK(log.ptr == region.data());
      CHECK(log.len == 5000u);  // the original length, not the usable 4096
    }
    SUBCASE("copies, a live Buffer, Bytes and a slice keep it alive in turn") {
      auto arena = std::make_unique<BuddyArena>(
          build(BuddyArena::from_raw(region.data(), region.size(), BuddyHint::min_alloc(512), log.make())));
      auto copy = std::make_unique<BuddyArena>(*arena);
      auto buffer = std::make_unique<Buffer>(take(arena->allocate(2048)));
      Buffer to_freeze = take(arena->allocate(512));
      to_freeze.put("last");
      auto bytes = std::make_unique<Bytes>(std::move(to_freeze).freeze());
      auto slice = std::make_unique<Bytes>(bytes->slice(1, 3));
      arena.reset();
      CHECK(log.calls == 0);
      copy.reset();
      CHECK(log.calls == 0);
      buffer->put("written after the last handle went");
      buffer.reset();
      CHECK(log.calls == 0);
      bytes.reset();
      CHECK(log.calls == 0);
      CHECK(slice->as_string_view() == "as");
      slice.reset();
      CHECK(log.calls == 1);
      CHECK(log.ptr == region.data());
      CHECK(log.len == 5000u);
    }
  }

  TEST_CASE("buddy: the Dealloc is never run when build fails, the caller still owns the memory") {
    void* memory = std::malloc(4096);
    REQUIRE(memory != nullptr);
    DeallocLog log;
    CHECK(raw_error(BuddyArena::from_raw(memory, 4096, BuddyHint::min_alloc(8192), log.make())) ==
          Errc::zero_usable_slots);
    CHECK(raw_error(BuddyArena::from_raw(memory, 4096, BuddyHint::min_alloc(0), log.make())) == Errc::invalid_argument);
    CHECK(raw_error(BuddyArena::from_raw(nullptr, 4096, BuddyHint::min_alloc(512), log.make())) == Errc::null_pointer);
    CHECK(log.calls == 0);
    std::free(memory);  // H-10: the failed builds left it with us
  }

  TEST_CASE("buddy: a RawBuilder builds once, a second build fails and the Dealloc still runs once") {
    std::vector<std::byte> region(1024);
    DeallocLog log;
    {
      BuddyArena::RawBuilder builder = BuddyArena::from_raw(region.data(), region.size(), BuddyHint::min_alloc(256), log.make());
      const BuddyArena arena = take(builder.build());
      auto second = builder.build();
      REQUIRE_FALSE(second.has_value());
      CHECK(second.error() == Errc::invalid_argument);
      CHECK(log.calls == 0);
    }
    CHECK(log.calls == 1);
  }

  TEST_CASE("Dealloc::heap() frees malloc'd memory when the last Bytes goes (LeakSanitizer checks)") {
    void* memory = std::malloc(3000);
    REQUIRE(memory != nullptr);
    Bytes survivor;
    {
      BuddyArena arena = build(BuddyArena::from_raw(memory, 3000, BuddyHint::min_alloc(128), Dealloc::heap()));
      CHECK(arena.total_size() == 2048u);
      Buffer b = take(arena.allocate(100));
      b.put("heap region");
      survivor = std::move(b).freeze();
    }
    CHECK(survivor.as_string_view() == "heap region");
  }

  TEST_CASE("zero policy over a 0xAA region: cold blocks zeroed, returns wiped in place") {
    std::vector<std::byte> region(4096, std::byte{0xAA});
    BuddyArena arena = build(BuddyArena::from_raw(region.data(), region.size(), BuddyHint::min_alloc(512), Dealloc::none())
                                 .init_policy(InitPolicy::zero));
    CHECK(all_bytes_are(region, std::byte{0xAA}));  // build wrote nothing
    Buffer b = take(arena.allocate(1000));
    CHECK(all_bytes_are(b.writable_span(), std::byte{0}));
    const std::size_t at = static_cast<std::size_t>(b.writable_span().data() - region.data());
    CHECK(arena::test::count_not(region, std::byte{0xAA}) == 1024u);  // only the allocated block
    b.put_bytes(std::byte{0xAB}, 10);
    {
      const Bytes frozen = std::move(b).freeze();
      CHECK(all_bytes_are(std::span(region).subspan(at, 10), std::byte{0xAB}));
    }
    // Right after the release: the whole block is zero in the caller's region.
    CHECK(all_bytes_are(std::span(region).subspan(at, 1024), std::byte{0}));
    Buffer whole = take(arena.allocate(4096));
    CHECK(whole.writable_span().data() == region.data());
    CHECK(all_bytes_are(whole.writable_span(), std::byte{0}));  // cold units zeroed on allocation
    CHECK(all_bytes_are(region, std::byte{0}));
  }
}

TEST_SUITE("arena::BuddyArena from_static") {
  TEST_CASE("buddy: from_static carves a caller buffer and never frees it") {
    static std::array<std::byte, 4096> storage;
    BuddyArena arena = build(BuddyArena::from_static(storage, BuddyHint::min_alloc(256)));
    CHECK(arena.total_size() == 4096u);
    CHECK(arena.max_order() == 4u);
    CHECK(arena.describe().find("raw=yes") != std::string::npos);
    Buffer b = take(arena.allocate(300));
    b.put("static");
    const Bytes frozen = std::move(b).freeze();
    CHECK(frozen.data() >= storage.data());
    CHECK(frozen.data() < storage.data() + storage.size());
  }

  TEST_CASE("from_static with an empty span fails with invalid_argument") {
    std::array<std::byte, 16> storage{};
    auto r = BuddyArena::from_static(std::span<std::byte>(storage.data(), 0), BuddyHint::min_alloc(8)).build();
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == Errc::invalid_argument);
  }

  TEST_CASE("H-4: a patterned static buffer survives build, use of nothing, and drop unchanged") {
    for (InitPolicy policy : {InitPolicy::uninit, InitPolicy::zero}) {
      for (std::size_t hint : {std::size_t{512}, std::size_t{700}, std::size_t{8192}}) {
        INFO("hint " << hint);
        static std::array<std::byte, 8192 + 100> storage;
        for (std::size_t i = 0; i < storage.size(); ++i) storage[i] = i % 2 == 0 ? std::byte{0xA5} : std::byte{0x5A};
        {
          BuddyArena arena = build(BuddyArena::from_static(storage, BuddyHint::min_alloc(hint)).init_policy(policy));
          const BuddyArena copy = arena;
          CHECK(copy.total_size() == 8192u);
          CHECK(arena.metrics().bytes_free == 8192u);  // metrics read nothing of the region either
        }
        const std::vector<std::byte> expected = patterned(storage.size());
        CHECK(std::equal(storage.begin(), storage.end(), expected.begin()));
      }
    }
  }

  TEST_CASE("zero policy: no wipe while a slice pins the block, zero right after the last one goes") {
    static std::array<std::byte, 2048> storage;
    storage.fill(std::byte{0x77});
    BuddyArena arena = build(BuddyArena::from_static(storage, BuddyHint::min_alloc(256)).init_policy(InitPolicy::zero));
    Buffer b = take(arena.allocate(600));
    const std::size_t at = static_cast<std::size_t>(b.writable_span().data() - storage.data());
    b.put_bytes(std::byte{0x99}, 1024);
    Bytes frozen = std::move(b).freeze();
    std::optional<Bytes> slice(frozen.slice(10, 20));
    frozen = Bytes();
    CHECK(all_bytes_are(std::span(storage).subspan(at, 1024), std::byte{0x99}));  // still pinned
    CHECK(all_bytes_are(slice->span(), std::byte{0x99}));
    slice.reset();
    CHECK(all_bytes_are(std::span(storage).subspan(at, 1024), std::byte{0}));
    CHECK(arena.metrics().frees == 1u);
  }

  TEST_CASE("zero policy: the last reference's release wipes the block") {
    static std::array<std::byte, 2048> storage;
    storage.fill(std::byte{0x77});
    BuddyArena arena = build(BuddyArena::from_static(storage, BuddyHint::min_alloc(256)).init_policy(InitPolicy::zero));
    std::size_t at = 0;
    {
      Buffer b = take(arena.allocate(600));
      at = static_cast<std::size_t>(b.writable_span().data() - storage.data());
      b.put_bytes(std::byte{0x99}, 1024);
      const Bytes frozen = std::move(b).freeze();
      const Bytes slice = frozen.slice(1, 2);
    }
    CHECK(all_bytes_are(std::span(storage).subspan(at, 1024), std::byte{0}));
    // The other 1024 were never allocated: still the caller's bytes.
    CHECK(arena::test::count_not(storage, std::byte{0x77}) == 1024u);
  }
}
