// Tests of arena/unfaulted.hpp: build_unfaulted() then fault_pages() / into_inner() /
// allocate() [R-POL-5], and the prefault walk itself (detail::prefault, declared in the public
// header): one zero byte per page, low to high, nothing else touched, nothing for an unknown size.
#include <doctest/doctest.h>

#include <utility>
#include <vector>

#include "arena/arena.hpp"
#include "test_support.hpp"

using arena::Buffer;
using arena::Errc;
using arena::FixedArena;
using arena::PageSize;
using arena::Unfaulted;
using arena::test::take;

TEST_SUITE("arena::Unfaulted") {
  TEST_CASE("fault_pages returns a working arena") {
    Unfaulted<FixedArena> u = take(FixedArena::with_slot_capacity(4, 4096).build_unfaulted());
    FixedArena arena = std::move(u).fault_pages();
    CHECK(arena.slot_count() == 4u);
    Buffer b = take(arena.allocate());
    b.put("faulted");
    CHECK(std::move(b).freeze().as_string_view() == "faulted");
  }

  TEST_CASE("into_inner returns a working arena without faulting") {
    Unfaulted<FixedArena> u = take(FixedArena::with_slot_capacity(4, 4096).page_size(PageSize::bytes(4096)).build_unfaulted());
    FixedArena arena = std::move(u).into_inner();
    CHECK(arena.slot_capacity() == 4096u);
    Buffer b = take(arena.allocate());
    b.put_bytes(std::byte{9}, 4096);
    CHECK(b.size() == 4096u);
  }

  TEST_CASE("allocate() unwraps and allocates once: (arena, buffer)") {
    Unfaulted<FixedArena> u = take(FixedArena::with_slot_capacity(2, 128).build_unfaulted());
    auto [arena, buffer] = take(std::move(u).allocate());
    CHECK(buffer.capacity() == 128u);
    CHECK(arena.slot_count() == 2u);
    const arena::FixedMetrics m = arena.metrics();
    CHECK(m.allocations_ok == 1u);
    CHECK(m.bytes_live == 128u);
    Buffer second = take(arena.allocate());
    CHECK(arena.allocate().error() == Errc::arena_full);
  }

  TEST_CASE("build_unfaulted reports the same errors as build") {
    CHECK(FixedArena::with_slot_capacity(4, 64).alignment(3).build_unfaulted().error() == Errc::invalid_alignment);
    CHECK(FixedArena::with_slot_capacity(0, 64).build_unfaulted().error() == Errc::invalid_argument);
    CHECK(FixedArena::with_slot_capacity(SIZE_MAX, 2).build_unfaulted().error() == Errc::size_overflow);
  }

  TEST_CASE("an unknown page size makes fault_pages a no-op that still returns the arena") {
    Unfaulted<FixedArena> u = take(FixedArena::with_slot_capacity(2, 64).page_size(PageSize::unknown()).build_unfaulted());
    FixedArena arena = std::move(u).fault_pages();
    CHECK(arena.allocate().has_value());
  }
}

TEST_SUITE("arena::detail::prefault") {
  TEST_CASE("writes one zero byte per page and nothing else") {
    std::vector<std::byte> memory(10000, std::byte{0xFF});
    arena::detail::prefault(memory.data(), memory.size(), 4096);
    for (std::size_t i = 0; i < memory.size(); ++i) {
      const bool page_start = i == 0 || i == 4096 || i == 8192;
      INFO("offset " << i);
      REQUIRE(memory[i] == (page_start ? std::byte{0} : std::byte{0xFF}));
    }
  }

  TEST_CASE("stops below the size when it is an exact multiple of the page") {
    std::vector<std::byte> memory(8192 + 1, std::byte{0xFF});
    arena::detail::prefault(memory.data(), 8192, 4096);
    CHECK(memory[0] == std::byte{0});
    CHECK(memory[4096] == std::byte{0});
    CHECK(memory[8192] == std::byte{0xFF});  // past the size: untouched
    CHECK(arena::test::count_not(memory, std::byte{0xFF}) == 2u);
  }

  TEST_CASE("a page of 0 touches nothing, a page larger than the size touches offset 0 only") {
    std::vector<std::byte> memory(100, std::byte{0xFF});
    arena::detail::prefault(memory.data(), memory.size(), 0);
    CHECK(arena::test::all_bytes_are(memory, std::byte{0xFF}));
    arena::detail::prefault(memory.data(), memory.size(), 1u << 21);
    CHECK(memory[0] == std::byte{0});
    CHECK(arena::test::count_not(memory, std::byte{0xFF}) == 1u);
  }
}
