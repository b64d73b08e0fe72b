// Tests of arena/workloads/histogram.hpp (workloads/src/histogram.cpp): percentiles against the
// exact nearest-rank percentiles of the sorted samples, within the stated relative error (< 1/64),
// on seeded random samples spread over many orders of magnitude; exact values below 64; merge;
// the empty histogram; extremes (0, 2^63, 2^64 - 1) without overflow.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "arena/workloads/histogram.hpp"
#include "rng.hpp"

using arena::workloads::LatencyHistogram;

namespace {

// The nearest-rank percentile of sorted samples: the value at rank ceil(q * n) (1-based).
std::uint64_t exact_percentile(const std::vector<std::uint64_t>& sorted, double q) {
  const auto n = static_cast<double>(sorted.size());
  auto rank = static_cast<std::size_t>(std::ceil(q * n));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

// Samples spread log-uniformly over [1, 2^bits): every bucket group gets some.
std::vector<std::uint64_t> spread_samples(std::uint64_t seed, std::size_t n, unsigned bits) {
  arena::test::Rng rng(seed);
  std::vector<std::uint64_t> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned width = 1 + static_cast<unsigned>(rng.below(bits));
    const std::uint64_t mask = width >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << width) - 1;
    out.push_back(rng.next() & mask);
  }
  return out;
}

void check_within_error(const LatencyHistogram& h, const std::vector<std::uint64_t>& sorted, double q) {
  const std::uint64_t exact = exact_percentile(sorted, q);
  const std::uint64_t got = h.percentile(q);
  INFO("q = " << q << ", exact = " << exact << ", histogram = " << got);
  CHECK(got >= exact);              // the bucket's upper edge, never below the sample
  CHECK(got - exact <= exact / 64);  // less than 1/64 of the value above it
}

}  // namespace

TEST_SUITE("arena::workloads::LatencyHistogram") {
  TEST_CASE("empty: everything is zero") {
    const LatencyHistogram h;
    CHECK(h.count() == 0u);
    CHECK(h.min() == 0u);
    CHECK(h.max() == 0u);
    CHECK(h.mean() == 0.0);
    for (double q : {0.0, 0.5, 0.99, 1.0}) CHECK(h.percentile(q) == 0u);
  }

  TEST_CASE("values below 64 are exact") {
    LatencyHistogram h;
    for (std::uint64_t v = 0; v < 64; ++v) h.record(v);
    CHECK(h.count() == 64u);
    CHECK(h.min() == 0u);
    CHECK(h.max() == 63u);
    CHECK(h.mean() == doctest::Approx(31.5));
    CHECK(h.percentile(0.5) == 31u);   // rank 32
    CHECK(h.percentile(0.25) == 15u);  // rank 16
    CHECK(h.percentile(1.0) == 63u);
    CHECK(h.percentile(0.0) == 0u);
  }

  TEST_CASE("percentiles are within 1/64 of the exact sample percentiles") {
    for (std::uint64_t seed : {1ull, 2ull, 99ull}) {
      for (unsigned bits : {12u, 40u, 64u}) {
        std::vector<std::uint64_t> samples = spread_samples(seed, 20000, bits);
        LatencyHistogram h;
        for (std::uint64_t v : samples) h.record(v);
        std::sort(samples.begin(), samples.end());
        CAPTURE(seed);
        CAPTURE(bits);
        for (double q : {0.001, 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999}) check_within_error(h, samples, q);
        CHECK(h.percentile(1.0) == samples.back());
        CHECK(h.max() == samples.back());
        CHECK(h.min() == samples.front());
        CHECK(h.count() == samples.size());
      }
    }
  }

  TEST_CASE("a single value: every percentile is that value") {
    for (std::uint64_t v : {0ull, 1ull, 63ull, 64ull, 65ull, 1000ull, 123456789ull}) {
      LatencyHistogram h;
      h.record(v);
      CAPTURE(v);
      CHECK(h.percentile(0.5) == v);
      CHECK(h.percentile(0.999) == v);
      CHECK(h.mean() == doctest::Approx(static_cast<double>(v)));
    }
  }

  TEST_CASE("merge equals recording everything into one") {
    const std::vector<std::uint64_t> samples = spread_samples(7, 10000, 30);
    LatencyHistogram all;
    LatencyHistogram first;
    LatencyHistogram second;
    for (std::size_t i = 0; i < samples.size(); ++i) {
      all.record(samples[i]);
      (i % 3 == 0 ? first : second).record(samples[i]);
    }
    LatencyHistogram merged = first;
    merged.merge(second);
    CHECK(merged.count() == all.count());
    CHECK(merged.min() == all.min());
    CHECK(merged.max() == all.max());
    CHECK(merged.mean() == doctest::Approx(all.mean()));
    for (double q : {0.1, 0.5, 0.9, 0.99, 0.999}) CHECK(merged.percentile(q) == all.percentile(q));

    SUBCASE("merging an empty histogram changes nothing") {
      LatencyHistogram copy = all;
      copy.merge(LatencyHistogram());
      CHECK(copy.count() == all.count());
      CHECK(copy.min() == all.min());
      CHECK(copy.percentile(0.5) == all.percentile(0.5));
    }
    SUBCASE("merging into an empty histogram copies it") {
      LatencyHistogram empty;
      empty.merge(all);
      CHECK(empty.min() == all.min());
      CHECK(empty.percentile(0.99) == all.percentile(0.99));
    }
  }

  TEST_CASE("extremes: 0, 2^63 and 2^64 - 1 without overflow") {
    constexpr std::uint64_t kTop = std::numeric_limits<std::uint64_t>::max();
    constexpr std::uint64_t kHalf = std::uint64_t{1} << 63;
    LatencyHistogram h;
    h.record(0);
    h.record(kHalf);
    CHECK(h.min() == 0u);
    CHECK(h.max() == kHalf);
    CHECK(h.mean() == doctest::Approx(static_cast<double>(kHalf) / 2));
    CHECK(h.percentile(0.5) == 0u);   // rank 1 of 2
    CHECK(h.percentile(0.51) == kHalf);  // rank 2: the bucket edge clamped to the maximum
    h.record(kTop);
    CHECK(h.max() == kTop);
    CHECK(h.percentile(1.0) == kTop);
    CHECK(h.percentile(0.99) == kTop);
    CHECK(h.percentile(0.6) >= kHalf);
    CHECK(h.percentile(0.6) - kHalf <= kHalf / 64);
    CHECK(h.mean() > 0.0);  // the sum saturates instead of wrapping
  }

  TEST_CASE("clear empties it") {
    LatencyHistogram h;
    for (std::uint64_t v = 1; v < 1000; v += 7) h.record(v);
    h.clear();
    CHECK(h.count() == 0u);
    CHECK(h.max() == 0u);
    CHECK(h.percentile(0.5) == 0u);
    h.record(5);
    CHECK(h.min() == 5u);
    CHECK(h.percentile(0.5) == 5u);
  }
}
