// Tests of arena/bytes.hpp (core/src/bytes.cpp, check.cpp): the frozen shared handle. Copies and
// slices share memory; equality is by content; the last owner releases the slot; empty slices are
// detached; into_owned copies then drops; bad slice ranges terminate [R-BYT-*, R-BUF-7].
#include <doctest/doctest.h>

#include <climits>
#include <cstdint>
#include <memory>
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
using arena::test::build;
using arena::test::bytes_of;
using arena::test::take;
using arena::test::text_of;

namespace {

Bytes frozen_text(FixedArena& arena, std::string_view text) {
  Buffer b = take(arena.allocate());
  b.put(text);
  return std::move(b).freeze();
}

}  // namespace

TEST_SUITE("arena::Bytes") {
  TEST_CASE("a default Bytes is empty and owns nothing") {
    const Bytes b;
    CHECK(b.empty());
    CHECK(b.size() == 0u);
    CHECK(b.data() == nullptr);
    CHECK_FALSE(b.owns_memory());
    CHECK(b.as_string_view().empty());
    CHECK(b.span().empty());
    CHECK(b.begin() == b.end());
  }

  TEST_CASE("copy_from copies into owned heap memory") {
    std::string source = "hello";
    const Bytes b = Bytes::copy_from(bytes_of(source));
    source[0] = 'J';  // the copy does not follow the source
    CHECK(b.as_string_view() == "hello");
    CHECK(b.owns_memory());
    CHECK(b.size() == 5u);
    CHECK(b[1] == std::byte{'e'});
    CHECK(Bytes::copy_from(std::string_view("text")).as_string_view() == "text");
    const Bytes none = Bytes::copy_from(std::string_view());
    CHECK(none.empty());
    CHECK_FALSE(none.owns_memory());
  }

  TEST_CASE("adopting a vector takes its buffer without copying") {
    std::vector<std::byte> v(1000, std::byte{0x42});
    const std::byte* original = v.data();
    const Bytes b(std::move(v));
    CHECK(b.data() == original);
    CHECK(b.size() == 1000u);
    CHECK(b.owns_memory());
    CHECK(arena::test::all_bytes_are(b.span(), std::byte{0x42}));
    const Bytes empty{std::vector<std::byte>()};
    CHECK(empty.empty());
    CHECK_FALSE(empty.owns_memory());
  }

  TEST_CASE("copies share the memory, moves leave the source empty") {
    const Bytes a = Bytes::copy_from(std::string_view("shared bytes"));
    Bytes b = a;
    CHECK(b.data() == a.data());
    CHECK(b.size() == a.size());
    Bytes c;
    c = b;
    CHECK(c.data() == a.data());
    Bytes& alias = c;
    c = alias;  // self copy-assignment keeps it
    CHECK(c.as_string_view() == "shared bytes");
    Bytes d = std::move(b);
    CHECK(d.data() == a.data());
    CHECK(b.empty());  // NOLINT(bugprone-use-after-move): moved-from state is specified (empty)
    CHECK_FALSE(b.owns_memory());
    Bytes e;
    e = std::move(d);
    CHECK(e.data() == a.data());
    CHECK(d.empty());  // NOLINT(bugprone-use-after-move)
    e.swap(c);
    CHECK(e.as_string_view() == "shared bytes");
  }

  TEST_CASE("equality is by content, not identity") {
    FixedArena arena = build(FixedArena::with_slot_capacity(4, 64));
    const Bytes arena_hello = frozen_text(arena, "hello");
    const Bytes heap_hello = Bytes::copy_from(std::string_view("hello"));
    CHECK(arena_hello.data() != heap_hello.data());
    CHECK(arena_hello == heap_hello);
    CHECK_FALSE(arena_hello == Bytes::copy_from(std::string_view("hellp")));
    CHECK_FALSE(arena_hello == Bytes::copy_from(std::string_view("hell")));
    CHECK_FALSE(arena_hello == Bytes());
    CHECK(Bytes() == Bytes());
    CHECK(Bytes() == arena_hello.slice(2, 2));
    CHECK(arena_hello.slice(1, 3) == Bytes::copy_from(std::string_view("el")));
  }

  TEST_CASE("span, iteration and string view show the bytes") {
    const Bytes b = Bytes::copy_from(std::string_view("abc"));
    std::string through_iterators;
    for (std::byte x : b) through_iterators.push_back(static_cast<char>(x));
    CHECK(through_iterators == "abc");
    CHECK(text_of(b.span()) == "abc");
    CHECK(b.span().data() == b.data());
    CHECK(b.end() - b.begin() == 3);
  }

  TEST_CASE("slice shares a sub-range, slices of slices compose") {
    FixedArena arena = build(FixedArena::with_slot_capacity(2, 64));
    const Bytes b = frozen_text(arena, "0123456789");
    const Bytes mid = b.slice(2, 8);
    CHECK(mid.as_string_view() == "234567");
    CHECK(mid.data() == b.data() + 2);
    const Bytes inner = mid.slice(1, 4);
    CHECK(inner.as_string_view() == "345");
    CHECK(inner.data() == b.data() + 3);
    CHECK(b.slice(0, 10) == b);
    CHECK(b.slice(0, 10).data() == b.data());
    CHECK(b.slice(9, 10).as_string_view() == "9");
    const Bytes at_end = b.slice(10, 10);
    CHECK(at_end.empty());
    const Bytes heap = Bytes::copy_from(std::string_view("heap bytes"));
    CHECK(heap.slice(5, 10).as_string_view() == "bytes");
    CHECK(heap.slice(5, 10).owns_memory());
  }

  TEST_CASE("an empty slice is detached: it does not pin the slot") {
    constexpr std::size_t kSlots = 4;
    FixedArena arena = build(FixedArena::with_slot_capacity(kSlots, 32));
    Bytes root = frozen_text(arena, "pinned?");
    const Bytes empty_slice = root.slice(3, 3);
    CHECK(empty_slice.empty());
    CHECK_FALSE(empty_slice.owns_memory());
    root = Bytes();  // drop the only owner; the empty slice is still alive
    std::vector<Buffer> all;
    for (std::size_t i = 0; i < kSlots; ++i) all.push_back(take(arena.allocate()));
    CHECK(all.size() == kSlots);
    CHECK(arena.metrics().frees == 1u);
  }

  TEST_CASE("a non-empty slice pins the slot after the root is dropped") {
    constexpr std::size_t kSlots = 4;
    FixedArena arena = build(FixedArena::with_slot_capacity(kSlots, 32));
    Bytes root = frozen_text(arena, "pinned!");
    const Bytes one = root.slice(1, 2);
    root = Bytes();
    CHECK(one.as_string_view() == "i");
    CHECK(arena.metrics().frees == 0u);
    std::vector<Buffer> all;
    for (std::size_t i = 0; i + 1 < kSlots; ++i) all.push_back(take(arena.allocate()));
    auto extra = arena.allocate();
    REQUIRE_FALSE(extra.has_value());
    CHECK(extra.error() == Errc::arena_full);
  }

  TEST_CASE("freezing an empty buffer gives empty Bytes that still pin the slot") {
    FixedArena arena = build(FixedArena::with_slot_capacity(1, 16));
    Bytes e = std::move(take(arena.allocate())).freeze();
    CHECK(e.empty());
    CHECK(e.owns_memory());
    CHECK(arena.metrics().frozen == 1u);
    auto second = arena.allocate();
    CHECK(second.error() == Errc::arena_full);
    const Bytes copy = e;  // a copy of the empty handle pins too
    e = Bytes();
    CHECK(arena.allocate().error() == Errc::arena_full);
    CHECK(arena.metrics().frees == 0u);
  }

  TEST_CASE("the slot returns when the last copy or slice goes, not before") {
    FixedArena arena = build(FixedArena::with_slot_capacity(1, 16));
    auto a = std::make_unique<Bytes>(frozen_text(arena, "abcdef"));
    auto b = std::make_unique<Bytes>(*a);
    auto c = std::make_unique<Bytes>(a->slice(1, 4));
    a.reset();
    b.reset();
    CHECK(arena.metrics().frees == 0u);
    CHECK(arena.allocate().error() == Errc::arena_full);
    CHECK(c->as_string_view() == "bcd");
    c.reset();
    CHECK(arena.metrics().frees == 1u);
    CHECK(arena.allocate().has_value());
  }

  TEST_CASE("into_owned copies and frees the slot when it held the last reference") {
    FixedArena arena = build(FixedArena::with_slot_capacity(1, 16));
    Bytes b = frozen_text(arena, "hello");
    const std::byte* slot = b.data();
    std::vector<std::byte> owned = std::move(b).into_owned();
    CHECK(text_of(owned) == "hello");
    CHECK(owned.data() != slot);
    CHECK(b.empty());  // NOLINT(bugprone-use-after-move): into_owned drops this reference
    CHECK_FALSE(b.owns_memory());
    CHECK(arena.metrics().frees == 1u);
    CHECK(arena.allocate().has_value());
  }

  TEST_CASE("into_owned returns mutable bytes") {
    std::vector<std::byte> owned = Bytes::copy_from(std::string_view("hello")).into_owned();
    for (char ch : std::string_view(" world")) owned.push_back(static_cast<std::byte>(ch));
    CHECK(text_of(owned) == "hello world");
  }

  TEST_CASE("into_owned works on non-arena bytes") {
    std::vector<std::byte> v(3, std::byte{7});
    CHECK(Bytes(std::move(v)).into_owned() == std::vector<std::byte>(3, std::byte{7}));
    CHECK(Bytes().into_owned().empty());
    const Bytes heap = Bytes::copy_from(std::string_view("abcdef"));
    CHECK(text_of(heap.slice(2, 4).into_owned()) == "cd");
    CHECK(heap.as_string_view() == "abcdef");
  }

  TEST_CASE("into_owned does not free the slot while other copies exist") {
    FixedArena arena = build(FixedArena::with_slot_capacity(1, 16));
    Bytes b = frozen_text(arena, "hello");
    const Bytes other = b;
    CHECK(text_of(std::move(b).into_owned()) == "hello");
    CHECK(arena.metrics().frees == 0u);
    CHECK(arena.allocate().error() == Errc::arena_full);
    CHECK(other.as_string_view() == "hello");
  }

  TEST_CASE("slice with begin > end or end > size terminates naming the numbers") {
    SUBCASE("begin > end") {
      ARENA_CHECK_ABORTS_WITH([] { (void)Bytes::copy_from(std::string_view("0123456789")).slice(5, 3); },
                              "arena: Bytes::slice(5, 3): begin is greater than end (size 10)");
    }
    SUBCASE("end > size") {
      ARENA_CHECK_ABORTS_WITH([] { (void)Bytes::copy_from(std::string_view("0123456789")).slice(0, 11); },
                              "arena: Bytes::slice(0, 11): end is past the end (size 10)");
    }
    SUBCASE("an empty range past the end") {
      ARENA_CHECK_ABORTS_WITH([] { (void)Bytes::copy_from(std::string_view("0123")).slice(5, 5); },
                              "Bytes::slice(5, 5): end is past the end (size 4)");
    }
    SUBCASE("any range on an empty Bytes") {
      ARENA_CHECK_ABORTS_WITH([] { (void)Bytes().slice(0, 1); }, "Bytes::slice(0, 1): end is past the end (size 0)");
    }
    SUBCASE("arena-backed bytes") {
      ARENA_CHECK_ABORTS_WITH([] {
        FixedArena arena = FixedArena::with_slot_capacity(1, 16).build().value();
        const Bytes b = frozen_text(arena, "abc");
        (void)b.slice(2, 1);
      }, "Bytes::slice(2, 1): begin is greater than end (size 3)");
    }
  }

  TEST_CASE("a reference count that would wrap terminates") {
    // White-box through the public detail API: an owner already at the maximum count.
    ARENA_CHECK_ABORTS_WITH([] {
      arena::detail::Owner owner;
      owner.refs.store(UINT32_MAX);
      arena::detail::retain(&owner, nullptr, 0);  // tag 0: counted in the record itself
    }, "Bytes: reference count overflow (more than 4294967295 references to one allocation)");
  }
}
