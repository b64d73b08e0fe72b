// Tests of arena/workloads/rng.hpp (workloads/src/rng.cpp): the generator is xoshiro256** seeded
// through splitmix64 (checked against the independent copy in tests/support/rng.hpp), per-thread
// streams do not overlap, and the derived draws (uniform01, below, chance) have the right range
// and distribution - below() without modulo bias even for n just above 2^63.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <vector>

#include "arena/workloads/rng.hpp"
#include "rng.hpp"

using arena::workloads::Rng;

TEST_SUITE("arena::workloads::Rng") {
  TEST_CASE("is xoshiro256** seeded with splitmix64 (the test-support generator's sequence)") {
    for (std::uint64_t seed : {0ull, 1ull, 42ull, 0xDEADBEEFull, ~0ull}) {
      Rng rng(seed);
      arena::test::Rng reference(seed);
      for (int i = 0; i < 1000; ++i) REQUIRE(rng.next() == reference.next());
    }
  }

  TEST_CASE("same seed, same sequence - different seeds, different sequences") {
    Rng a(7);
    Rng b(7);
    Rng c(8);
    int same_as_c = 0;
    for (int i = 0; i < 100; ++i) {
      const std::uint64_t x = a();
      CHECK(x == b());
      same_as_c += x == c() ? 1 : 0;
    }
    CHECK(same_as_c == 0);
    CHECK(Rng::min() == 0u);
    CHECK(Rng::max() == std::numeric_limits<std::uint64_t>::max());
  }

  TEST_CASE("for_thread: thread 0 is the seed's stream, other threads are far-apart streams") {
    Rng zero = Rng::for_thread(99, 0);
    Rng plain(99);
    for (int i = 0; i < 100; ++i) CHECK(zero.next() == plain.next());

    // No value of the first 20000 of one stream appears in another's first 20000 (a collision
    // among 64-bit values would be a 2^-34 event for independent streams).
    std::set<std::uint64_t> seen;
    for (unsigned t = 0; t < 4; ++t) {
      Rng rng = Rng::for_thread(99, t);
      for (int i = 0; i < 20000; ++i) seen.insert(rng.next());
    }
    CHECK(seen.size() == 80000u);

    // Deterministic: the same (seed, thread) gives the same stream.
    Rng x = Rng::for_thread(5, 3);
    Rng y = Rng::for_thread(5, 3);
    for (int i = 0; i < 100; ++i) CHECK(x.next() == y.next());
  }

  TEST_CASE("uniform01 is in 0 <= u < 1 with mean 1/2 and variance 1/12") {
    Rng rng(3);
    constexpr int kN = 200000;
    double sum = 0.0;
    double sum_sq = 0.0;
    double lo = 1.0;
    double hi = 0.0;
    for (int i = 0; i < kN; ++i) {
      const double u = rng.uniform01();
      REQUIRE(u >= 0.0);
      REQUIRE(u < 1.0);
      sum += u;
      sum_sq += u * u;
      lo = u < lo ? u : lo;
      hi = u > hi ? u : hi;
    }
    const double mean = sum / kN;
    const double variance = sum_sq / kN - mean * mean;
    CHECK(mean == doctest::Approx(0.5).epsilon(0.005));
    CHECK(variance == doctest::Approx(1.0 / 12.0).epsilon(0.01));
    CHECK(lo < 1e-4);
    CHECK(hi > 1.0 - 1e-4);
  }

  TEST_CASE("below(n): 0 <= v < n, every value about equally often, 0 for n <= 1") {
    Rng rng(11);
    CHECK(rng.below(0) == 0u);
    CHECK(rng.below(1) == 0u);
    std::vector<int> counts(7, 0);
    constexpr int kN = 70000;
    for (int i = 0; i < kN; ++i) {
      const std::uint64_t v = rng.below(7);
      REQUIRE(v < 7u);
      ++counts[v];
    }
    for (int c : counts) CHECK(std::abs(c - kN / 7) < 400);  // sd ~ 93
  }

  TEST_CASE("below(n) has no modulo bias for n = 2^64 * 2/3 (half the values are below n/2)") {
    // With next() % n, the values below 2^64 - n = n/2 would come up twice as often: 2/3 of the
    // draws instead of 1/2.
    Rng rng(17);
    constexpr std::uint64_t kN = std::numeric_limits<std::uint64_t>::max() / 3 * 2;
    int lower = 0;
    constexpr int kDraws = 20000;
    for (int i = 0; i < kDraws; ++i) {
      const std::uint64_t v = rng.below(kN);
      REQUIRE(v < kN);
      lower += v < kN / 2 ? 1 : 0;
    }
    CHECK(lower > kDraws / 2 - 400);  // sd ~ 71
    CHECK(lower < kDraws / 2 + 400);
  }

  TEST_CASE("below(max) covers the whole range (high and low bits both vary)") {
    Rng rng(23);
    std::uint64_t ored = 0;
    std::uint64_t anded = ~0ull;
    for (int i = 0; i < 1000; ++i) {
      const std::uint64_t v = rng.below(std::numeric_limits<std::uint64_t>::max());
      ored |= v;
      anded &= v;
    }
    CHECK(ored == ~0ull);
    CHECK(anded == 0u);
  }

  TEST_CASE("chance(p): never for p <= 0 or NaN, always for p >= 1, else with probability p") {
    Rng rng(5);
    int hits = 0;
    for (int i = 0; i < 1000; ++i) {
      CHECK_FALSE(rng.chance(0.0));
      CHECK_FALSE(rng.chance(-1.0));
      CHECK_FALSE(rng.chance(std::nan("")));
      CHECK(rng.chance(1.0));
      CHECK(rng.chance(2.0));
    }
    constexpr int kN = 100000;
    for (int i = 0; i < kN; ++i) hits += rng.chance(0.25) ? 1 : 0;
    CHECK(hits > kN / 4 - 600);  // sd ~ 137
    CHECK(hits < kN / 4 + 600);
    int heads = 0;
    for (int i = 0; i < 1000; ++i) heads += rng.chance(0.5) ? 1 : 0;
    CHECK(heads > 400);
    CHECK(heads < 600);
  }
}
