// White-box tests of core/src/buddy_math.hpp: the constexpr power-of-two helpers and the order of a
// request [R-BUD-2], including every length that overflows a naive round-up (L-3: SIZE_MAX,
// 2^63 + 1) and the spec's prev_power_of_two values. These numbers feed the geometry, the raw
// builder's BuddyHint and every allocation, so they are pinned here one by one.
#include "buddy_math.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>

namespace buddy = arena::detail::buddy;

namespace {
constexpr std::size_t kMax = std::numeric_limits<std::size_t>::max();
constexpr std::size_t kTop = std::size_t{1} << 63;  // the largest power of two in std::size_t
}  // namespace

TEST_SUITE("arena::detail::buddy math") {
  TEST_CASE("is_pow2") {
    CHECK_FALSE(buddy::is_pow2(0));
    CHECK(buddy::is_pow2(1));
    CHECK(buddy::is_pow2(2));
    CHECK_FALSE(buddy::is_pow2(3));
    CHECK_FALSE(buddy::is_pow2(768));
    CHECK(buddy::is_pow2(4096));
    CHECK(buddy::is_pow2(kTop));
    CHECK_FALSE(buddy::is_pow2(kTop + 1));
    CHECK_FALSE(buddy::is_pow2(kMax));
    for (unsigned k = 0; k < 64; ++k) {
      const std::size_t p = std::size_t{1} << k;
      CHECK(buddy::is_pow2(p));
      if (k >= 2) CHECK_FALSE(buddy::is_pow2(p - 1));
      if (k >= 1) CHECK_FALSE(buddy::is_pow2(p + 1));
    }
  }

  TEST_CASE("next_pow2: the next power of two, nothing past 2^63") {
    CHECK(buddy::next_pow2(0) == std::size_t{1});
    CHECK(buddy::next_pow2(1) == std::size_t{1});
    CHECK(buddy::next_pow2(2) == std::size_t{2});
    CHECK(buddy::next_pow2(3) == std::size_t{4});
    CHECK(buddy::next_pow2(500) == std::size_t{512});
    CHECK(buddy::next_pow2(512) == std::size_t{512});
    CHECK(buddy::next_pow2(513) == std::size_t{1024});
    CHECK(buddy::next_pow2(700) == std::size_t{1024});
    CHECK(buddy::next_pow2(768) == std::size_t{1024});
    CHECK(buddy::next_pow2(kTop - 1) == kTop);
    CHECK(buddy::next_pow2(kTop) == kTop);
    CHECK_FALSE(buddy::next_pow2(kTop + 1).has_value());
    CHECK_FALSE(buddy::next_pow2(kMax).has_value());
    CHECK_FALSE(buddy::next_pow2(kMax - 511).has_value());
    for (unsigned k = 1; k < 63; ++k) {
      const std::size_t p = std::size_t{1} << k;
      CHECK(buddy::next_pow2(p) == p);
      CHECK(buddy::next_pow2(p + 1) == 2 * p);
      CHECK(buddy::next_pow2(p - 1) == (k == 1 ? std::size_t{1} : p));
    }
  }

  TEST_CASE("prev_pow2: the spec's values (0 -> 0, 500 -> 256, 1023 -> 512)") {
    CHECK(buddy::prev_pow2(0) == 0u);
    CHECK(buddy::prev_pow2(1) == 1u);
    CHECK(buddy::prev_pow2(500) == 256u);
    CHECK(buddy::prev_pow2(1023) == 512u);
    CHECK(buddy::prev_pow2(1024) == 1024u);
    CHECK(buddy::prev_pow2(5000) == 4096u);
    CHECK(buddy::prev_pow2(kMax) == kTop);
    CHECK(buddy::prev_pow2(kTop) == kTop);
    CHECK(buddy::prev_pow2(kTop - 1) == kTop / 2);
  }

  TEST_CASE("log2_exact") {
    CHECK(buddy::log2_exact(1) == 0u);
    CHECK(buddy::log2_exact(512) == 9u);
    CHECK(buddy::log2_exact(4096) == 12u);
    CHECK(buddy::log2_exact(kTop) == 63u);
    for (unsigned k = 0; k < 64; ++k) CHECK(buddy::log2_exact(std::size_t{1} << k) == k);
  }

  TEST_CASE("order_for on (4096, 512): 1..512 -> 0, 700 -> 1, 4096 -> 3, above -> nothing") {
    CHECK(buddy::order_for(1, 512, 4096) == 0u);
    CHECK(buddy::order_for(511, 512, 4096) == 0u);
    CHECK(buddy::order_for(512, 512, 4096) == 0u);
    CHECK(buddy::order_for(513, 512, 4096) == 1u);
    CHECK(buddy::order_for(700, 512, 4096) == 1u);
    CHECK(buddy::order_for(1024, 512, 4096) == 1u);
    CHECK(buddy::order_for(1025, 512, 4096) == 2u);
    CHECK(buddy::order_for(2048, 512, 4096) == 2u);
    CHECK(buddy::order_for(2049, 512, 4096) == 3u);
    CHECK(buddy::order_for(4096, 512, 4096) == 3u);
    CHECK_FALSE(buddy::order_for(4097, 512, 4096).has_value());
    CHECK_FALSE(buddy::order_for(8192, 512, 4096).has_value());
  }

  TEST_CASE("L-3: lengths whose round-up overflows give nothing, never a wrapped order") {
    for (std::size_t len : {kMax, kMax - 1, kTop + 1, kTop, kTop - 1, kMax / 2, std::size_t{1} << 40}) {
      INFO("len " << len);
      CHECK_FALSE(buddy::order_for(len, 512, 4096).has_value());
      CHECK_FALSE(buddy::order_for(len, 256, std::size_t{1} << 26).has_value());
    }
    // A total of 2^63 holds a request of 2^63 exactly, and nothing above it.
    CHECK(buddy::order_for(kTop, 1, kTop) == 63u);
    CHECK(buddy::order_for(kTop - 1, 1, kTop) == 63u);
    CHECK_FALSE(buddy::order_for(kTop + 1, 1, kTop).has_value());
    CHECK_FALSE(buddy::order_for(kMax, 1, kTop).has_value());
  }

  TEST_CASE("order_for in a single-block arena is 0 up to the total") {
    CHECK(buddy::order_for(1, 256, 256) == 0u);
    CHECK(buddy::order_for(256, 256, 256) == 0u);
    CHECK_FALSE(buddy::order_for(257, 256, 256).has_value());
  }

  TEST_CASE("order_for matches a brute-force search on (64 KiB, 64)") {
    constexpr std::size_t kMin = 64;
    constexpr std::size_t kTotal = 64 * 1024;
    for (std::size_t len = 1; len <= kTotal + 100; len += 7) {
      unsigned expected = 0;
      while ((kMin << expected) < len) ++expected;
      if ((kMin << expected) > kTotal) {
        CHECK_FALSE(buddy::order_for(len, kMin, kTotal).has_value());
      } else {
        REQUIRE(buddy::order_for(len, kMin, kTotal) == expected);
      }
    }
  }

  TEST_CASE("buddy_of pairs 2i with 2i + 1") {
    CHECK(buddy::buddy_of(0) == 1u);
    CHECK(buddy::buddy_of(1) == 0u);
    CHECK(buddy::buddy_of(6) == 7u);
    CHECK(buddy::buddy_of(7) == 6u);
    CHECK(buddy::buddy_of(5) == 4u);
    for (std::size_t i = 0; i < 1000; ++i) {
      CHECK(buddy::buddy_of(buddy::buddy_of(i)) == i);
      CHECK(buddy::buddy_of(i) / 2 == i / 2);  // same parent
      CHECK(buddy::buddy_of(i) != i);
    }
  }
}
