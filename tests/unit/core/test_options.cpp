// Tests of arena/options.hpp: InitPolicy's default and PageSize (unknown, detect, bytes), and that
// every page-size choice builds a working arena while PageSize::bytes(0) is rejected [R-POL-1/2/3].
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstddef>

#include "arena/arena.hpp"
#include "test_support.hpp"

using arena::Errc;
using arena::FixedArena;
using arena::InitPolicy;
using arena::PageSize;
using arena::test::build;
using arena::test::take;

TEST_SUITE("arena::PageSize") {
  TEST_CASE("unknown has no stride and is not an error") {
    constexpr PageSize p = PageSize::unknown();
    CHECK_FALSE(p.is_known());
    CHECK(p.value() == 0u);
    CHECK_FALSE(p.is_invalid());
  }

  TEST_CASE("detect() on Linux is known and equals sysconf(_SC_PAGESIZE)") {
    const PageSize p = PageSize::detect();
    REQUIRE(p.is_known());
    CHECK(p.value() == static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)));
    CHECK_FALSE(p.is_invalid());
    CHECK(p == PageSize::detect());
    CHECK(p != PageSize::unknown());
  }

  TEST_CASE("bytes(n) is an explicit stride and bytes(0) is invalid") {
    constexpr PageSize p = PageSize::bytes(4096);
    CHECK(p.is_known());
    CHECK(p.value() == 4096u);
    CHECK_FALSE(p.is_invalid());
    constexpr PageSize zero = PageSize::bytes(0);
    CHECK(zero.is_invalid());
    CHECK_FALSE(zero.is_known());
    CHECK(zero != PageSize::unknown());
  }

  TEST_CASE("every page size builds a working arena (prefault disabled / explicit / auto / huge)") {
    for (PageSize page : {PageSize::unknown(), PageSize::bytes(4096), PageSize::detect(), PageSize::bytes(2u << 20),
                          PageSize::bytes(1)}) {
      INFO("page " << page.value());
      FixedArena arena = build(FixedArena::with_slot_capacity(4, 3000).page_size(page));
      arena::Buffer b = take(arena.allocate());
      b.put_bytes(std::byte{0x11}, 3000);
      const arena::Bytes frozen = std::move(b).freeze();
      CHECK(frozen.size() == 3000u);
      CHECK(arena::test::all_bytes_are(frozen.span(), std::byte{0x11}));
    }
  }

  TEST_CASE("PageSize::bytes(0) makes build() fail with invalid_argument") {
    auto r = FixedArena::with_slot_capacity(4, 64).page_size(PageSize::bytes(0)).build();
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == Errc::invalid_argument);
    auto u = FixedArena::with_slot_capacity(4, 64).page_size(PageSize::bytes(0)).build_unfaulted();
    REQUIRE_FALSE(u.has_value());
    CHECK(u.error() == Errc::invalid_argument);
  }
}

TEST_SUITE("arena::InitPolicy") {
  TEST_CASE("the default init policy is uninit") {
    const FixedArena arena = build(FixedArena::with_slot_capacity(2, 16));
    CHECK(arena.init_policy() == InitPolicy::uninit);
    const FixedArena zeroed = build(FixedArena::with_slot_capacity(2, 16).init_policy(InitPolicy::zero));
    CHECK(zeroed.init_policy() == InitPolicy::zero);
  }
}
