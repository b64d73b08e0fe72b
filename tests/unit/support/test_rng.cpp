// Tests of the seeded test RNG (tests/support/rng.hpp): known answers, reproducibility, and [H-9]:
// the coin that picks "freeze" or "drop" in the stress tests reaches both branches.
#include "rng.hpp"

#include <doctest/doctest.h>

#include <array>
#include <cstdint>

using arena::test::Rng;
using arena::test::SplitMix64;

TEST_SUITE("test::Rng") {
  TEST_CASE("splitmix64 matches the reference sequence for seed 0") {
    SplitMix64 g(0);
    CHECK(g.next() == 0xE220A8397B1DCDAFull);
    CHECK(g.next() == 0x6E789E6AA1B965F4ull);
    CHECK(g.next() == 0x06C45D188009454Full);
  }

  TEST_CASE("xoshiro256** seeded by splitmix64 matches the reference sequence") {
    SUBCASE("seed 0") {
      Rng g(0);
      CHECK(g.next() == 0x99EC5F36CB75F2B4ull);
      CHECK(g.next() == 0xBF6E1F784956452Aull);
      CHECK(g.next() == 0x1A5F849D4933E6E0ull);
      CHECK(g.next() == 0x6AA594F1262D2D2Cull);
    }
    SUBCASE("seed 42") {
      Rng g(42);
      CHECK(g.next() == 0x15780B2E0C2EC716ull);
      CHECK(g.next() == 0x6104D9866D113A7Eull);
    }
  }

  TEST_CASE("the same seed replays the same sequence and another seed differs") {
    Rng a(1234);
    Rng b(1234);
    Rng c(1235);
    int differ = 0;
    for (int i = 0; i < 1000; ++i) {
      const std::uint64_t x = a.next();
      REQUIRE(x == b.next());
      differ += x != c.next() ? 1 : 0;
    }
    CHECK(differ > 990);
  }

  TEST_CASE("H-9: the freeze-or-drop coin reaches both branches in balance") {
    // The stress tests call coin() to pick freeze (true) or drop (false). A coin built on a pinned
    // low bit would never take one branch; count both for several seeds.
    for (std::uint64_t seed : {0ull, 1ull, 7ull, 0x5EEDull, 0xFFFFFFFFFFFFFFFFull}) {
      Rng g(seed);
      int freezes = 0;
      int drops = 0;
      for (int i = 0; i < 10000; ++i) (g.coin() ? freezes : drops) += 1;
      INFO("seed " << seed << ": freezes " << freezes << ", drops " << drops);
      CHECK(freezes > 0);
      CHECK(drops > 0);
      CHECK(freezes > 4500);  // a fair coin: 5000 +- 5 sigma (sigma = 50)
      CHECK(drops > 4500);
    }
  }

  TEST_CASE("every output bit takes both values and below(n) stays in range and covers it") {
    Rng g(99);
    std::uint64_t ones = 0;
    std::uint64_t zeros = 0;
    for (int i = 0; i < 256; ++i) {
      const std::uint64_t x = g.next();
      ones |= x;
      zeros |= ~x;
    }
    CHECK(ones == ~0ull);
    CHECK(zeros == ~0ull);
    std::array<int, 7> hits{};
    for (int i = 0; i < 7000; ++i) {
      const std::uint64_t v = g.below(7);
      REQUIRE(v < 7);
      ++hits[v];
    }
    for (int h : hits) CHECK(h > 800);
  }
}
