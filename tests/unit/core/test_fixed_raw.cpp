// Tests of FixedArena over caller memory: from_raw / from_static with SlotSpec and Dealloc
// (arena/fixed_arena.hpp, region_spec.hpp, dealloc.hpp). Carving rules and error order [R-RAW-1/2],
// the deallocator's single call with the original region when the last owner goes and never on a
// failed build [R-RAW-4, H-10], reserved bytes [R-RAW-5], caller memory untouched by build [H-4,
// R-POL-4] and the zero policy's wipe on return, observed directly in the caller's region [H-8].
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "arena/arena.hpp"
#include "test_support.hpp"

using arena::Buffer;
using arena::Bytes;
using arena::Dealloc;
using arena::Errc;
using arena::FixedArena;
using arena::InitPolicy;
using arena::SlotSpec;
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

template <class B>
Errc raw_error(B&& builder) {
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

std::vector<Buffer> allocate_all(FixedArena& arena) {
  std::vector<Buffer> all;
  for (std::size_t i = 0; i < arena.slot_count(); ++i) all.push_back(take(arena.allocate()));
  CHECK(arena.allocate().error() == Errc::arena_full);
  return all;
}

}  // namespace

TEST_SUITE("arena::SlotSpec") {
  TEST_CASE("count and size carry their kind and value") {
    constexpr SlotSpec c = SlotSpec::count(4);
    constexpr SlotSpec s = SlotSpec::size(512);
    CHECK(c.kind() == SlotSpec::Kind::count);
    CHECK(c.value() == 4u);
    CHECK(s.kind() == SlotSpec::Kind::size);
    CHECK(s.value() == 512u);
  }
}

TEST_SUITE("arena::FixedArena from_raw") {
  TEST_CASE("count derives the slot size: 4096 bytes / count 4 -> 4 x 1024, slots tile the region") {
    std::vector<std::byte> region(4096);
    FixedArena arena = build(FixedArena::from_raw(region.data(), region.size(), SlotSpec::count(4), Dealloc::none()));
    CHECK(arena.slot_count() == 4u);
    CHECK(arena.slot_capacity() == 1024u);
    std::vector<Buffer> all = allocate_all(arena);
    std::vector<const std::byte*> starts;
    for (Buffer& b : all) starts.push_back(b.writable_span().data());
    std::sort(starts.begin(), starts.end());
    for (std::size_t i = 0; i < 4; ++i) CHECK(starts[i] == region.data() + i * 1024);
  }

  TEST_CASE("size derives the count: 4096 / size 512 -> 8 x 512") {
    std::vector<std::byte> region(4096);
    FixedArena arena = build(FixedArena::from_raw(region.data(), region.size(), SlotSpec::size(512), Dealloc::none()));
    CHECK(arena.slot_count() == 8u);
    CHECK(arena.slot_capacity() == 512u);
  }

  TEST_CASE("size truncates the tail, which stays untouched") {
    SUBCASE("4096 / size 1000 -> 4 x 1000") {
      std::vector<std::byte> region = patterned(4096);
      FixedArena arena = build(FixedArena::from_raw(region.data(), region.size(), SlotSpec::size(1000), Dealloc::none()));
      CHECK(arena.slot_count() == 4u);
      CHECK(arena.slot_capacity() == 1000u);
      CHECK(arena.metrics().bytes_reserved == 4000u);  // R-RAW-5: count x cap, not len
      std::vector<Buffer> all = allocate_all(arena);
      for (Buffer& b : all) b.put_bytes(std::byte{0}, 1000);
      const std::vector<std::byte> expected_tail = patterned(4096);
      CHECK(std::equal(region.begin() + 4000, region.end(), expected_tail.begin() + 4000));
      CHECK(all_bytes_are(std::span(region).first(4000), std::byte{0}));
    }
    SUBCASE("1024 / size 300 -> 3 slots") {
      std::vector<std::byte> region(1024);
      FixedArena arena = build(FixedArena::from_raw(region.data(), region.size(), SlotSpec::size(300), Dealloc::none()));
      CHECK(arena.slot_count() == 3u);
      CHECK(arena.slot_capacity() == 300u);
      CHECK(allocate_all(arena).size() == 3u);
    }
  }

  TEST_CASE("1024 bytes / count 8 -> 8 x 128") {
    std::vector<std::byte> region(1024);
    FixedArena arena = build(FixedArena::from_raw(region.data(), region.size(), SlotSpec::count(8), Dealloc::none()));
    CHECK(arena.slot_count() == 8u);
    CHECK(arena.slot_capacity() == 128u);
  }

  TEST_CASE("alignment pads the slot size down") {
    std::vector<std::byte> region(4096);
    auto cap = [&](std::size_t len, SlotSpec spec, std::size_t alignment) {
      return build(FixedArena::from_raw(region.data(), len, spec, Dealloc::none()).alignment(alignment)).slot_capacity();
    };
    CHECK(cap(4096, SlotSpec::count(4), 64) == 1024u);
    CHECK(cap(4096, SlotSpec::count(3), 64) == 1344u);  // 1365 down to 64
    CHECK(cap(1023, SlotSpec::count(1), 64) == 960u);   // align_down(1023, 64)
    CHECK(cap(4096, SlotSpec::size(1000), 64) == 960u);
    CHECK(build(FixedArena::from_raw(region.data(), 4096, SlotSpec::size(1000), Dealloc::none()).alignment(64)).slot_count() == 4u);
    CHECK(cap(4096, SlotSpec::count(4), 1) == 1024u);
  }

  TEST_CASE("the region pointer's own alignment is not checked") {
    std::vector<std::byte> region(4096);
    FixedArena arena = build(FixedArena::from_raw(region.data() + 1, 4095, SlotSpec::count(4), Dealloc::none()).alignment(64));
    CHECK(arena.slot_capacity() == 960u);  // 1023 down to 64
    Buffer b = take(arena.allocate());
    b.put("works");
    CHECK(std::move(b).freeze().as_string_view() == "works");
  }

  TEST_CASE("zero usable slots") {
    std::vector<std::byte> region(4096);
    CHECK(raw_error(FixedArena::from_raw(region.data(), 4096, SlotSpec::count(5000), Dealloc::none())) ==
          Errc::zero_usable_slots);
    CHECK(raw_error(FixedArena::from_raw(region.data(), 63, SlotSpec::count(1), Dealloc::none()).alignment(64)) ==
          Errc::zero_usable_slots);  // align_down(63, 64) == 0
    CHECK(raw_error(FixedArena::from_raw(region.data(), 4096, SlotSpec::size(3), Dealloc::none()).alignment(4)) ==
          Errc::zero_usable_slots);
  }

  TEST_CASE("a slot larger than the region fails with slot_size_exceeds_backing") {
    std::vector<std::byte> region(4096);
    CHECK(raw_error(FixedArena::from_raw(region.data(), 4096, SlotSpec::size(5000), Dealloc::none())) ==
          Errc::slot_size_exceeds_backing);
    CHECK(raw_error(FixedArena::from_raw(region.data(), 50, SlotSpec::size(100), Dealloc::none())) ==
          Errc::slot_size_exceeds_backing);
    CHECK(build(FixedArena::from_raw(region.data(), 4096, SlotSpec::size(4096), Dealloc::none())).slot_count() == 1u);
  }

  TEST_CASE("error order: null pointer, alignment, zero arguments") {
    std::vector<std::byte> region(64);
    CHECK(raw_error(FixedArena::from_raw(nullptr, 4096, SlotSpec::count(4), Dealloc::none())) == Errc::null_pointer);
    CHECK(raw_error(FixedArena::from_raw(nullptr, 0, SlotSpec::count(0), Dealloc::none()).alignment(3)) ==
          Errc::null_pointer);
    CHECK(raw_error(FixedArena::from_raw(region.data(), 0, SlotSpec::count(0), Dealloc::none()).alignment(3)) ==
          Errc::invalid_alignment);
    CHECK(raw_error(FixedArena::from_raw(region.data(), 64, SlotSpec::count(1), Dealloc::none()).alignment(0)) ==
          Errc::invalid_alignment);
    CHECK(raw_error(FixedArena::from_raw(region.data(), 0, SlotSpec::count(1), Dealloc::none())) == Errc::invalid_argument);
    CHECK(raw_error(FixedArena::from_raw(region.data(), 64, SlotSpec::count(0), Dealloc::none())) == Errc::invalid_argument);
    CHECK(raw_error(FixedArena::from_raw(region.data(), 64, SlotSpec::size(0), Dealloc::none())) == Errc::invalid_argument);
  }

  TEST_CASE("full lifecycle over caller memory, written bytes land in the region") {
    std::vector<std::byte> region(256);
    FixedArena arena = build(FixedArena::from_raw(region.data(), region.size(), SlotSpec::count(2), Dealloc::none()));
    CHECK(arena.describe() == "FixedArena{slots=2, slot_capacity=128, alignment=1, init=uninit, auto_spill=off, raw=yes}");
    Bytes frozen;
    {
      Buffer b = take(arena.allocate());
      b.put("in the caller's region");
      frozen = std::move(b).freeze();
    }
    CHECK(frozen.data() >= region.data());
    CHECK(frozen.data() + frozen.size() <= region.data() + region.size());
    CHECK(std::memcmp(frozen.data(), "in the caller's region", 22) == 0);
    frozen = Bytes();
    const arena::FixedMetrics m = arena.metrics();
    CHECK(m.allocations_ok == 1u);
    CHECK(m.frozen == 1u);
    CHECK(m.frees == 1u);
    CHECK(m.bytes_reserved == 256u);
    CHECK(allocate_all(arena).size() == 2u);
  }

  TEST_CASE("Dealloc::none never frees: the region stays the caller's") {
    auto region = std::make_unique<std::byte[]>(512);
    {
      FixedArena arena = build(FixedArena::from_raw(region.get(), 512, SlotSpec::count(4), Dealloc::none()));
      Buffer b = take(arena.allocate());
      b.put("still mine");
    }
    region[0] = std::byte{1};  // still valid (ASan would flag a free)
    CHECK(region[0] == std::byte{1});
  }

  TEST_CASE("the Dealloc runs once, with the original pointer and length, when the last owner goes") {
    std::vector<std::byte> region(4100);
    DeallocLog log;
    SUBCASE("the arena is the last owner") {
      {
        FixedArena arena = build(FixedArena::from_raw(region.data(), region.size(), SlotSpec::size(1000), log.make()));
        FixedArena copy = arena;
        { Buffer b = take(copy.allocate()); }
        CHECK(log.calls == 0);
      }
      CHECK(log.calls == 1);
      CHECK(log.ptr == region.data());
      CHECK(log.len == 4100u);  // the original length, not 4 x 1000
    }
    SUBCASE("copies, a live Buffer and Bytes keep it alive in turn") {
      auto arena = std::make_unique<FixedArena>(
          build(FixedArena::from_raw(region.data(), region.size(), SlotSpec::count(4), log.make())));
      auto copy = std::make_unique<FixedArena>(*arena);
      auto buffer = std::make_unique<Buffer>(take(arena->allocate()));
      Buffer to_freeze = take(arena->allocate());
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
      CHECK(log.len == 4100u);
    }
  }

  TEST_CASE("the Dealloc is never run when build fails, the caller still owns the memory") {
    void* memory = std::malloc(4096);
    REQUIRE(memory != nullptr);
    DeallocLog log;
    CHECK(raw_error(FixedArena::from_raw(memory, 4096, SlotSpec::size(5000), log.make())) ==
          Errc::slot_size_exceeds_backing);
    CHECK(raw_error(FixedArena::from_raw(memory, 4096, SlotSpec::count(1), log.make()).alignment(3)) ==
          Errc::invalid_alignment);
    CHECK(raw_error(FixedArena::from_raw(nullptr, 4096, SlotSpec::count(1), log.make())) == Errc::null_pointer);
    CHECK(log.calls == 0);
    std::free(memory);  // H-10: the failed builds left it with us
  }

  TEST_CASE("a RawBuilder builds once, a second build fails and the Dealloc still runs once") {
    std::vector<std::byte> region(1024);
    DeallocLog log;
    {
      FixedArena::RawBuilder builder = FixedArena::from_raw(region.data(), region.size(), SlotSpec::count(2), log.make());
      FixedArena arena = take(builder.build());
      auto second = builder.build();
      REQUIRE_FALSE(second.has_value());
      CHECK(second.error() == Errc::invalid_argument);
      CHECK(log.calls == 0);
    }
    CHECK(log.calls == 1);
  }

  TEST_CASE("Dealloc::heap() frees malloc'd memory when the arena goes (LeakSanitizer checks)") {
    void* memory = std::malloc(2048);
    REQUIRE(memory != nullptr);
    FixedArena arena = build(FixedArena::from_raw(memory, 2048, SlotSpec::count(2), Dealloc::heap()));
    Buffer b = take(arena.allocate());
    b.put("heap region");
    const Bytes frozen = std::move(b).freeze();
    CHECK(frozen.as_string_view() == "heap region");
  }

  TEST_CASE("zero policy over a 0xAA region: cold slots are zeroed, returns are wiped in the region") {
    std::vector<std::byte> region(1024, std::byte{0xAA});
    FixedArena arena = build(FixedArena::from_raw(region.data(), region.size(), SlotSpec::count(4), Dealloc::none())
                                 .init_policy(InitPolicy::zero));
    CHECK(all_bytes_are(region, std::byte{0xAA}));  // build wrote nothing
    Buffer b = take(arena.allocate());
    CHECK(all_bytes_are(b.writable_span(), std::byte{0}));
    std::byte* slot = b.writable_span().data();
    const std::size_t offset = static_cast<std::size_t>(slot - region.data());
    // Untouched slots still hold the caller's bytes: zeroing happens per slot, on allocation.
    CHECK(arena::test::count_not(region, std::byte{0xAA}) == 256u);
    b.put_bytes(std::byte{0xAB}, 100);
    {
      const Bytes frozen = std::move(b).freeze();
      CHECK(all_bytes_are(std::span(region).subspan(offset, 100), std::byte{0xAB}));
    }
    // Right after the release, before any new allocation: the whole slot is wiped in place.
    CHECK(all_bytes_are(std::span(region).subspan(offset, 256), std::byte{0}));
    std::vector<Buffer> all = allocate_all(arena);
    for (Buffer& x : all) CHECK(all_bytes_are(x.writable_span(), std::byte{0}));
  }

  TEST_CASE("uninit over a patterned region shows the caller's bytes (nothing is zeroed)") {
    std::vector<std::byte> region = patterned(512);
    FixedArena arena = build(FixedArena::from_raw(region.data(), region.size(), SlotSpec::count(2), Dealloc::none()));
    Buffer b = take(arena.allocate());
    const std::vector<std::byte> expected = patterned(512);
    CHECK(std::equal(b.writable_span().begin(), b.writable_span().end(),
                     expected.begin() + (b.writable_span().data() - region.data())));
  }
}

TEST_SUITE("arena::FixedArena from_static") {
  TEST_CASE("from_static carves a caller buffer and never frees it") {
    static std::array<std::byte, 4096> storage;
    FixedArena arena = build(FixedArena::from_static(storage, SlotSpec::count(4)));
    CHECK(arena.slot_count() == 4u);
    CHECK(arena.slot_capacity() == 1024u);
    CHECK(arena.describe().find("raw=yes") != std::string::npos);
    Buffer b = take(arena.allocate());
    b.put("static");
    const Bytes frozen = std::move(b).freeze();
    CHECK(frozen.data() >= storage.data());
    CHECK(frozen.data() < storage.data() + storage.size());
  }

  TEST_CASE("from_static with an empty span fails") {
    std::array<std::byte, 16> storage{};
    auto r = FixedArena::from_static(std::span<std::byte>(storage.data(), 0), SlotSpec::count(1)).build();
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == Errc::invalid_argument);
  }

  TEST_CASE("H-4: a patterned static buffer survives build and drop unchanged") {
    for (InitPolicy policy : {InitPolicy::uninit, InitPolicy::zero}) {
      for (SlotSpec spec : {SlotSpec::count(4), SlotSpec::size(512)}) {
        static std::array<std::byte, 8192> storage;
        for (std::size_t i = 0; i < storage.size(); ++i) storage[i] = i % 2 == 0 ? std::byte{0xA5} : std::byte{0x5A};
        {
          FixedArena arena = build(FixedArena::from_static(storage, spec).init_policy(policy).alignment(64));
          FixedArena copy = arena;
          CHECK(copy.slot_count() > 0u);
        }
        const std::vector<std::byte> expected = patterned(storage.size());
        CHECK(std::equal(storage.begin(), storage.end(), expected.begin()));
      }
    }
  }
}
