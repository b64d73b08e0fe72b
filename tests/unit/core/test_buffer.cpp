// Tests of arena/buffer.hpp (core/src/buffer.cpp): the writable side. Capacity/size/remaining,
// checked and unchecked writes, big- and little-endian integers, writable_span + commit, freeze
// without copying, moves, and auto-spill [R-BUF-*, R-SPL-*]. Writes past capacity terminate with
// one line naming the operation and the numbers (death tests).
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "arena/arena.hpp"
#include "death_test.hpp"
#include "test_support.hpp"

using arena::Buffer;
using arena::Bytes;
using arena::Errc;
using arena::FixedArena;
using arena::InitPolicy;
using arena::test::build;
using arena::test::bytes_of;
using arena::test::octets_of;
using arena::test::take;
using arena::test::text_of;

namespace {
constexpr std::size_t kMax = std::numeric_limits<std::size_t>::max();

FixedArena arena_of(std::size_t slots, std::size_t capacity) {
  return build(FixedArena::with_slot_capacity(slots, capacity));
}
FixedArena spill_arena(std::size_t slots, std::size_t capacity) {
  return build(FixedArena::with_slot_capacity(slots, capacity).auto_spill());
}
}  // namespace

TEST_SUITE("arena::Buffer") {
  TEST_CASE("a fresh buffer reports its capacity and is empty") {
    FixedArena arena = arena_of(2, 64);
    const Buffer b = take(arena.allocate());
    CHECK(b.capacity() == 64u);
    CHECK(b.size() == 0u);
    CHECK(b.empty());
    CHECK_FALSE(b.is_spilled());
    CHECK(b.remaining() == 64u);
    CHECK(b.written().empty());
  }

  TEST_CASE("put appends: 5 written, 59 remaining") {
    FixedArena arena = arena_of(1, 64);
    Buffer b = take(arena.allocate());
    b.put("hello");
    CHECK(b.size() == 5u);
    CHECK(b.remaining() == 59u);
    CHECK_FALSE(b.empty());
    CHECK(text_of(b.written()) == "hello");
  }

  TEST_CASE("put can fill the buffer exactly") {
    FixedArena arena = arena_of(1, 8);
    Buffer b = take(arena.allocate());
    b.put("12345678");
    CHECK(b.size() == 8u);
    CHECK(b.remaining() == 0u);
    CHECK_FALSE(b.is_spilled());
    b.put(std::string_view());  // a zero-length write on a full buffer is a no-op
    b.put_bytes(std::byte{1}, 0);
    CHECK(b.size() == 8u);
    CHECK(text_of(b.written()) == "12345678");
  }

  TEST_CASE("multiple writes accumulate") {
    FixedArena arena = arena_of(1, 64);
    Buffer b = take(arena.allocate());
    b.put("hello");
    b.put(bytes_of(" "));
    b.put("world");
    CHECK(b.size() == 11u);
    CHECK(text_of(std::move(b).freeze().span()) == "hello world");
  }

  TEST_CASE("put_bytes and put_u8 append repeated and single bytes") {
    FixedArena arena = arena_of(1, 16);
    Buffer b = take(arena.allocate());
    b.put_bytes(std::byte{0xEE}, 3);
    b.put_u8(0x7F);
    CHECK(octets_of(b.written()) == std::vector<std::uint8_t>{0xEE, 0xEE, 0xEE, 0x7F});
  }

  TEST_CASE("integers: put_u16/32/64 are big-endian, the _le forms little-endian") {
    FixedArena arena = arena_of(2, 64);
    SUBCASE("big-endian") {
      Buffer b = take(arena.allocate());
      b.put_u16(0x0102);
      b.put_u32(0x03040506);
      b.put_u64(0x0708090A0B0C0D0Eull);
      CHECK(octets_of(b.written()) ==
            std::vector<std::uint8_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14});
    }
    SUBCASE("little-endian") {
      Buffer b = take(arena.allocate());
      b.put_u16_le(0x0102);
      b.put_u32_le(0x03040506);
      b.put_u64_le(0x0708090A0B0C0D0Eull);
      CHECK(octets_of(b.written()) ==
            std::vector<std::uint8_t>{2, 1, 6, 5, 4, 3, 14, 13, 12, 11, 10, 9, 8, 7});
    }
    SUBCASE("extreme values") {
      Buffer b = take(arena.allocate());
      b.put_u64(0xFF00000000000001ull);
      b.put_u64_le(0xFF00000000000001ull);
      b.put_u16(0x8000);
      CHECK(octets_of(b.written()) == std::vector<std::uint8_t>{0xFF, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0xFF,
                                                                 0x80, 0});
    }
  }

  TEST_CASE("try_put writes when it fits and otherwise fails with buffer_full writing nothing") {
    FixedArena arena = arena_of(1, 4);
    Buffer b = take(arena.allocate());
    SUBCASE("fits") {
      const arena::Result<void> r = b.try_put(bytes_of("abcd"));
      CHECK(r.has_value());
      CHECK(text_of(b.written()) == "abcd");
    }
    SUBCASE("full: error {remaining 4, requested 5}, size stays 0") {
      const arena::Result<void> r = b.try_put(bytes_of("abcde"));
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error() == Errc::buffer_full);
      CHECK(b.size() == 0u);
      CHECK(b.remaining() == 4u);
    }
    SUBCASE("partially filled") {
      b.put("ab");
      CHECK(b.try_put(bytes_of("cde")).error() == Errc::buffer_full);
      CHECK(text_of(b.written()) == "ab");
      CHECK(b.try_put(bytes_of("cd")).has_value());
      CHECK(text_of(b.written()) == "abcd");
      CHECK(b.try_put(bytes_of("")).has_value());
      CHECK(b.try_put(bytes_of("e")).error() == Errc::buffer_full);
    }
  }

  TEST_CASE("will_fit follows remaining: 10/11 on a fresh buffer, then 5/6") {
    FixedArena arena = arena_of(1, 10);
    Buffer b = take(arena.allocate());
    CHECK(b.will_fit(0));
    CHECK(b.will_fit(10));
    CHECK_FALSE(b.will_fit(11));
    b.put("12345");
    CHECK(b.will_fit(5));
    CHECK_FALSE(b.will_fit(6));
    CHECK_FALSE(b.will_fit(kMax));
  }

  TEST_CASE("writable_span exposes the uncommitted tail and commit makes it written") {
    FixedArena arena = arena_of(1, 16);
    Buffer b = take(arena.allocate());
    b.put("ab");
    std::span<std::byte> tail = b.writable_span();
    CHECK(tail.size() == 14u);
    CHECK(tail.data() == b.written().data() + 2);
    std::memcpy(tail.data(), "cdef", 4);
    CHECK(b.size() == 2u);  // nothing is written until commit
    b.commit(4);
    CHECK(b.size() == 6u);
    CHECK(text_of(b.written()) == "abcdef");
    b.commit(0);
    CHECK(b.size() == 6u);
    CHECK(b.writable_span().size() == 10u);
    b.commit(10);
    CHECK(b.remaining() == 0u);
    CHECK(b.writable_span().empty());
  }

  TEST_CASE("freeze hands over the written bytes without copying") {
    FixedArena arena = arena_of(2, 64);
    Buffer b = take(arena.allocate());
    b.put("payload");
    const std::byte* where = b.written().data();
    const Bytes frozen = std::move(b).freeze();
    CHECK(frozen.data() == where);
    CHECK(frozen.as_string_view() == "payload");
    CHECK(frozen.owns_memory());
    CHECK(arena.metrics().frozen == 1u);
    CHECK(b.capacity() == 0u);  // NOLINT(bugprone-use-after-move): a frozen Buffer is empty
    CHECK(b.size() == 0u);      // NOLINT(bugprone-use-after-move)
  }

  TEST_CASE("a default Buffer has no storage and freezes to empty Bytes") {
    Buffer b;
    CHECK(b.capacity() == 0u);
    CHECK(b.remaining() == 0u);
    CHECK(b.writable_span().empty());
    b.put(std::string_view());
    const Bytes frozen = std::move(b).freeze();
    CHECK(frozen.empty());
    CHECK_FALSE(frozen.owns_memory());
  }

  TEST_CASE("moving a Buffer moves the slot, move-assignment returns the target's slot") {
    FixedArena arena = arena_of(2, 32);
    Buffer a = take(arena.allocate());
    a.put("first");
    Buffer moved(std::move(a));
    CHECK(a.capacity() == 0u);  // NOLINT(bugprone-use-after-move)
    CHECK(text_of(moved.written()) == "first");
    Buffer other = take(arena.allocate());
    CHECK(arena.allocate().error() == Errc::arena_full);
    other = std::move(moved);  // other's slot goes back to the arena
    CHECK(text_of(other.written()) == "first");
    CHECK(arena.metrics().frees == 1u);
    CHECK(arena.allocate().has_value());
  }

  TEST_CASE("destroying an unfrozen Buffer returns its slot") {
    FixedArena arena = arena_of(1, 32);
    {
      Buffer b = take(arena.allocate());
      b.put("abandoned");
    }
    CHECK(arena.metrics().frees == 1u);
    CHECK(arena.metrics().frozen == 0u);
    CHECK(arena.allocate().has_value());
  }

  TEST_CASE("writing past capacity terminates and names the numbers") {
    SUBCASE("5 into 4") {
      ARENA_CHECK_ABORTS_WITH([] {
        FixedArena arena = FixedArena::with_slot_capacity(1, 4).build().value();
        Buffer b = arena.allocate().value();
        b.put("12345");
      }, "arena: Buffer::put: cannot write 5 bytes, 4 remaining (size 0, capacity 4)");
    }
    SUBCASE("3 into the 2 left of 8") {
      ARENA_CHECK_ABORTS_WITH([] {
        FixedArena arena = FixedArena::with_slot_capacity(1, 8).build().value();
        Buffer b = arena.allocate().value();
        b.put("123456");
        b.put("789");
      }, "Buffer::put: cannot write 3 bytes, 2 remaining (size 6, capacity 8)");
    }
    SUBCASE("put_bytes") {
      ARENA_CHECK_ABORTS_WITH([] {
        FixedArena arena = FixedArena::with_slot_capacity(1, 8).build().value();
        Buffer b = arena.allocate().value();
        b.put_bytes(std::byte{0}, 9);
      }, "Buffer::put_bytes: cannot write 9 bytes, 8 remaining (size 0, capacity 8)");
    }
    SUBCASE("put_u32 with 3 remaining") {
      ARENA_CHECK_ABORTS_WITH([] {
        FixedArena arena = FixedArena::with_slot_capacity(1, 8).build().value();
        Buffer b = arena.allocate().value();
        b.put("12345");
        b.put_u32(1);
      }, "Buffer::put: cannot write 4 bytes, 3 remaining (size 5, capacity 8)");
    }
    SUBCASE("a default Buffer") {
      ARENA_CHECK_ABORTS_WITH([] {
        Buffer b;
        b.put_u8(1);
      }, "Buffer::put_bytes: cannot write 1 bytes, 0 remaining (size 0, capacity 0)");
    }
  }

  TEST_CASE("commit past capacity terminates and names the numbers") {
    SUBCASE("9 on an empty 8") {
      ARENA_CHECK_ABORTS_WITH([] {
        FixedArena arena = FixedArena::with_slot_capacity(1, 8).build().value();
        Buffer b = arena.allocate().value();
        b.commit(9);
      }, "arena: Buffer::commit: cannot commit 9 bytes, 8 remaining (size 0, capacity 8)");
    }
    SUBCASE("4 with 3 left") {
      ARENA_CHECK_ABORTS_WITH([] {
        FixedArena arena = FixedArena::with_slot_capacity(1, 8).build().value();
        Buffer b = arena.allocate().value();
        b.put("12345");
        b.commit(4);
      }, "Buffer::commit: cannot commit 4 bytes, 3 remaining (size 5, capacity 8)");
    }
    SUBCASE("a huge count does not wrap") {
      ARENA_CHECK_ABORTS_WITH([] {
        FixedArena arena = FixedArena::with_slot_capacity(1, 8).build().value();
        Buffer b = arena.allocate().value();
        b.put("1");
        b.commit(std::numeric_limits<std::size_t>::max());
      }, "Buffer::commit: cannot commit 18446744073709551615 bytes, 7 remaining (size 1, capacity 8)");
    }
  }
}

TEST_SUITE("arena::Buffer auto-spill") {
  TEST_CASE("R-SPL-2/3: cap 8, 12345678 fits, overflow! spills to 17 bytes, metrics after freeze") {
    FixedArena arena = spill_arena(1, 8);
    Buffer b = take(arena.allocate());
    b.put("12345678");
    CHECK_FALSE(b.is_spilled());
    CHECK(b.size() == 8u);
    CHECK(arena.metrics().spills == 0u);
    b.put("overflow!");
    CHECK(b.is_spilled());
    CHECK(b.size() == 17u);
    CHECK(b.capacity() == 8u);  // the arena capacity, unchanged by the spill
    CHECK(text_of(b.written()) == "12345678overflow!");
    // The slot went back at the spill: the 1-slot arena can allocate again right away.
    CHECK(arena.metrics().frees == 1u);
    {
      auto again = arena.allocate();
      CHECK(again.has_value());
    }
    const Bytes frozen = std::move(b).freeze();
    CHECK(frozen.as_string_view() == "12345678overflow!");
    const arena::FixedMetrics m = arena.metrics();
    CHECK(m.spills == 1u);
    CHECK(m.frees == 2u);  // the spill's release plus the probe allocation above
    CHECK(m.frozen == 0u);
    CHECK(m.bytes_live == 0u);
  }

  TEST_CASE("spill then freeze: spills 1, frees 1, frozen 0, live 0 (exact R-SPL-3 metrics)") {
    FixedArena arena = spill_arena(4, 8);
    Bytes frozen;
    {
      Buffer b = take(arena.allocate());
      b.put("12345678");
      b.put("overflow!");
      frozen = std::move(b).freeze();
    }
    const arena::FixedMetrics m = arena.metrics();
    CHECK(m.allocations_ok == 1u);
    CHECK(m.spills == 1u);
    CHECK(m.frees == 1u);
    CHECK(m.frozen == 0u);
    CHECK(m.bytes_live == 0u);
    frozen = Bytes();  // heap bytes: dropping them releases nothing more in the arena
    CHECK(arena.metrics().frees == 1u);
  }

  TEST_CASE("spill then drop without freeze releases the slot exactly once") {
    FixedArena arena = spill_arena(1, 8);
    {
      Buffer b = take(arena.allocate());
      b.put_bytes(std::byte{1}, 20);
      CHECK(b.is_spilled());
    }
    const arena::FixedMetrics m = arena.metrics();
    CHECK(m.frees == 1u);
    CHECK(m.spills == 1u);
    CHECK(m.allocations_ok == 1u);
    CHECK(m.bytes_live == 0u);
  }

  TEST_CASE("remaining is SIZE_MAX before and after a spill and will_fit is always true") {
    FixedArena arena = spill_arena(1, 8);
    Buffer b = take(arena.allocate());
    CHECK(b.remaining() == kMax);
    CHECK(b.will_fit(kMax));
    b.put("123456789");
    REQUIRE(b.is_spilled());
    CHECK(b.remaining() == kMax);
    CHECK(b.will_fit(1000000));
  }

  TEST_CASE("try_put never fails with auto-spill") {
    FixedArena arena = spill_arena(1, 4);
    Buffer b = take(arena.allocate());
    CHECK(b.try_put(bytes_of("abcdefgh")).has_value());
    CHECK(b.is_spilled());
    CHECK(text_of(b.written()) == "abcdefgh");
  }

  TEST_CASE("writable_span on a full auto-spill buffer spills even if nothing is written") {
    FixedArena arena = spill_arena(1, 8);
    Buffer b = take(arena.allocate());
    b.put("12345678");
    REQUIRE_FALSE(b.is_spilled());
    std::span<std::byte> tail = b.writable_span();
    CHECK(b.is_spilled());
    CHECK_FALSE(tail.empty());
    CHECK(b.size() == 8u);
    CHECK(arena.metrics().spills == 1u);
    CHECK(arena.metrics().frees == 1u);
    std::memcpy(tail.data(), "9", 1);
    b.commit(1);
    CHECK(text_of(std::move(b).freeze().span()) == "123456789");
  }

  TEST_CASE("writable_span on a non-full auto-spill buffer does not spill") {
    FixedArena arena = spill_arena(1, 8);
    Buffer b = take(arena.allocate());
    b.put("1234567");
    CHECK(b.writable_span().size() == 1u);
    CHECK_FALSE(b.is_spilled());
    CHECK(arena.metrics().spills == 0u);
  }

  TEST_CASE("put_bytes spills and the heap keeps growing with correct contents") {
    FixedArena arena = spill_arena(1, 4);
    Buffer b = take(arena.allocate());
    b.put_bytes(std::byte{7}, 10);
    CHECK(b.is_spilled());
    CHECK(b.size() == 10u);
    CHECK(arena::test::all_bytes_are(b.written(), std::byte{7}));
    std::string expected(10, '\x07');
    for (int i = 0; i < 3000; ++i) {
      const char ch = static_cast<char>('a' + i % 26);
      b.put(std::string_view(&ch, 1));
      expected.push_back(ch);
    }
    b.put_u32(0xA1B2C3D4);
    expected += "\xA1\xB2\xC3\xD4";
    CHECK(b.size() == expected.size());
    CHECK(text_of(b.written()) == expected);
    CHECK(arena.metrics().spills == 1u);  // at most one spill per Buffer
    CHECK(std::move(b).freeze().as_string_view() == expected);
  }

  TEST_CASE("writable_span keeps growing a full spilled buffer") {
    FixedArena arena = spill_arena(1, 4);
    Buffer b = take(arena.allocate());
    b.put("12345");
    REQUIRE(b.is_spilled());
    std::size_t written = b.size();
    for (int round = 0; round < 5; ++round) {
      std::span<std::byte> tail = b.writable_span();
      REQUIRE_FALSE(tail.empty());
      for (std::byte& x : tail) x = std::byte{'z'};
      b.commit(tail.size());
      written += tail.size();
      CHECK(b.size() == written);
    }
    CHECK(text_of(b.written()).substr(0, 5) == "12345");
    CHECK(arena::test::all_bytes_are(b.written().subspan(5), std::byte{'z'}));
    CHECK(arena.metrics().spills == 1u);
  }

  TEST_CASE("put of the buffer's own bytes across a spill copies the right bytes") {
    // The source span aliases the buffer's storage, which the spill (or heap growth) gives away
    // before the rest of the source is copied. std::vector/std::string support self-append; with
    // the zero policy the slot is wiped at the spill, so a read after release shows up as zeros.
    SUBCASE("arena slot -> heap (zero policy)") {
      FixedArena arena = build(FixedArena::with_slot_capacity(1, 6).auto_spill().init_policy(InitPolicy::zero));
      Buffer b = take(arena.allocate());
      b.put("abcd");
      b.put(b.written());
      CHECK(text_of(b.written()) == "abcdabcd");
    }
    SUBCASE("heap -> bigger heap") {
      FixedArena arena = spill_arena(1, 4);
      Buffer b = take(arena.allocate());
      b.put("0123456789abcdef");  // spilled: heap storage of 16 bytes, full
      REQUIRE(b.is_spilled());
      std::span<std::byte> tail = b.writable_span();  // the rest of the heap storage (grown if full)
      REQUIRE_FALSE(tail.empty());
      for (std::byte& x : tail) x = std::byte{'x'};
      b.commit(tail.size());  // now the heap storage is exactly full: the next put must grow it
      const std::string before = text_of(b.written());
      b.put(b.written());
      CHECK(text_of(b.written()) == before + before);
    }
  }
}
