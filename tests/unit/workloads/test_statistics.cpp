// test_statistics: median, the Mann-Whitney U test and the Holm adjustment against values worked
// out by hand from the definitions (the arithmetic is written next to each check), so that a
// wrong formula cannot agree with itself.
#include "arena/workloads/statistics.hpp"

#include <cmath>
#include <vector>

#include <doctest/doctest.h>

namespace {

using arena::workloads::holm_adjust;
using arena::workloads::mann_whitney_u;
using arena::workloads::median;
using arena::workloads::MannWhitneyResult;
using arena::workloads::smallest_possible_p;

}  // namespace

TEST_SUITE("arena::workloads::statistics") {
  TEST_CASE("median of odd, even and unsorted samples") {
    const std::vector<double> odd = {5, 1, 3};
    const std::vector<double> even = {4, 1, 3, 2};
    const std::vector<double> one = {7};
    CHECK(median(odd) == 3.0);
    CHECK(median(even) == 2.5);
    CHECK(median(one) == 7.0);
    CHECK(std::isnan(median(std::vector<double>{})));
    CHECK(odd == std::vector<double>{5, 1, 3});  // not reordered
  }

  TEST_CASE("exact U test: fully separated samples of 5 and 5 give p = 2 / C(10, 5) = 2 / 252") {
    // Only 1 of the C(10,5) = 252 equally likely rank arrangements has every x below every y
    // (U = 0), and one has every x above (U = 25): two-sided p = 2/252 = 0.0079365.
    const std::vector<double> x = {1, 2, 3, 4, 5};
    const std::vector<double> y = {6, 7, 8, 9, 10};
    const MannWhitneyResult r = mann_whitney_u(x, y);
    CHECK(r.method == MannWhitneyResult::Method::exact);
    CHECK_FALSE(r.ties);
    CHECK(r.u == 0.0);
    CHECK(r.p_value == doctest::Approx(2.0 / 252.0).epsilon(1e-12));
    const MannWhitneyResult reversed = mann_whitney_u(y, x);
    CHECK(reversed.u == 25.0);
    CHECK(reversed.p_value == doctest::Approx(r.p_value).epsilon(1e-12));
  }

  TEST_CASE("exact U test: separated samples of 3 and 3 give p = 2 / C(6, 3) = 0.1") {
    const std::vector<double> x = {10.5, 11.0, 12.25};
    const std::vector<double> y = {1.0, 2.0, 3.0};
    const MannWhitneyResult r = mann_whitney_u(x, y);
    CHECK(r.method == MannWhitneyResult::Method::exact);
    CHECK(r.u == 9.0);
    CHECK(r.p_value == doctest::Approx(0.1).epsilon(1e-12));
    // With three repetitions nothing can ever be significant at 0.05.
    CHECK(smallest_possible_p(3, 3) == doctest::Approx(0.1));
    CHECK(smallest_possible_p(4, 4) == doctest::Approx(2.0 / 70.0));
    CHECK(smallest_possible_p(3, 4) == doctest::Approx(2.0 / 35.0));
  }

  TEST_CASE("exact U test: one swapped pair, 4 and 4 values") {
    // x = {1, 2, 3, 5}, y = {4, 6, 7, 8}: the only x above a y is 5 > 4, so U = 1.
    // Arrangements (of C(8,4) = 70) with U = 0: 1; with U = 1: 1 (swap the middle pair).
    // P(U <= 1) = 2/70, two-sided p = 4/70 = 0.0571 (the textbook table: n1 = n2 = 4, U = 1,
    // one-sided 0.029).
    const std::vector<double> x = {1, 2, 3, 5};
    const std::vector<double> y = {4, 6, 7, 8};
    const MannWhitneyResult r = mann_whitney_u(x, y);
    CHECK(r.u == 1.0);
    CHECK(r.p_value == doctest::Approx(4.0 / 70.0).epsilon(1e-12));
  }

  TEST_CASE("exact U test: U = 2 for 3 and 5 values") {
    // x = {1, 4, 6}, y = {2, 3, 5, 7, 8}: x = 4 beats 2 and 3, x = 6 beats 2, 3, 5 -> U = 5.
    // min(U, 15 - U) = 5. Counts of U = 0..5 for m = 3, n = 5 (partitions of u into at most 3
    // parts, each at most 5): 1, 1, 2, 3, 4, 5 -> 16 of C(8,3) = 56; p = 2 * 16/56 = 0.5714.
    const std::vector<double> x = {1, 4, 6};
    const std::vector<double> y = {2, 3, 5, 7, 8};
    const MannWhitneyResult r = mann_whitney_u(x, y);
    CHECK(r.u == 5.0);
    CHECK(r.p_value == doctest::Approx(32.0 / 56.0).epsilon(1e-12));
  }

  TEST_CASE("normal approximation with ties and continuity correction") {
    // x = {1, 1, 2, 2}, y = {2, 3, 3, 3}. Pooled ranks: the 1s share 1.5, the 2s share 4, the 3s 7.
    // R(x) = 1.5 + 1.5 + 4 + 4 = 11, U = 11 - 4*5/2 = 1; mean 8.
    // Tie groups of 2, 3, 3: sum(t^3 - t) = 6 + 24 + 24 = 54, N = 8.
    // sigma^2 = 16/12 * (9 - 54/56) = 10.7142857; z = (|1 - 8| - 0.5) / 3.2732684 = 1.9857828;
    // p = erfc(z / sqrt 2) = 0.047057.
    const std::vector<double> x = {1, 1, 2, 2};
    const std::vector<double> y = {2, 3, 3, 3};
    const MannWhitneyResult r = mann_whitney_u(x, y);
    CHECK(r.method == MannWhitneyResult::Method::normal);
    CHECK(r.ties);
    CHECK(r.u == 1.0);
    CHECK(r.z == doctest::Approx(-1.9857828).epsilon(1e-6));
    CHECK(r.p_value == doctest::Approx(0.047057).epsilon(1e-4));
  }

  TEST_CASE("normal approximation for large samples without ties") {
    // 60 and 60 values, x = 0..59, y = 30.5..89.5 (no ties): U = pairs x > y.
    // For x = k (k >= 31) the y below it are 30.5..k-0.5: k - 30 of them; sum over k = 31..59 = 435.
    // mean = 1800, sigma = sqrt(3600 * 121 / 12) = 190.526; z = (1800 - 435 - 0.5) / 190.526 = 7.1617.
    std::vector<double> x, y;
    for (int k = 0; k < 60; ++k) {
      x.push_back(k);
      y.push_back(k + 30.5);
    }
    const MannWhitneyResult r = mann_whitney_u(x, y);
    CHECK(r.method == MannWhitneyResult::Method::normal);
    CHECK_FALSE(r.ties);
    CHECK(r.u == 435.0);
    CHECK(r.z == doctest::Approx(-7.1617).epsilon(1e-4));
    CHECK(r.p_value < 1e-11);
    CHECK(r.p_value > 0.0);
  }

  TEST_CASE("identical samples: U at its mean and p = 1") {
    const std::vector<double> same = {3, 3, 3, 3};
    CHECK(mann_whitney_u(same, same).p_value == 1.0);
    const std::vector<double> x = {1, 2, 3, 4, 5, 6};
    const MannWhitneyResult r = mann_whitney_u(x, x);
    CHECK(r.u == 18.0);  // half of 36
    CHECK(r.p_value == doctest::Approx(1.0));
    CHECK(mann_whitney_u(std::vector<double>{}, x).p_value == 1.0);
    CHECK(mann_whitney_u(std::vector<double>{NAN}, x).p_value == 1.0);
  }

  TEST_CASE("exact and normal p-values agree for samples of 20") {
    // A shift of 5.5 between x = 0..19 and y = 5.5..24.5: U = 1+2+...+14 = 105 of 400 (mean 200).
    std::vector<double> x, y;
    for (int k = 0; k < 20; ++k) {
      x.push_back(k);
      y.push_back(k + 5.5);
    }
    const MannWhitneyResult exact = mann_whitney_u(x, y);
    CHECK(exact.method == MannWhitneyResult::Method::exact);
    CHECK(exact.u == 105.0);
    // The normal approximation with continuity correction: sigma = sqrt(400 * 41 / 12) = 36.968,
    // z = (95 - 0.5) / 36.968 = 2.5562, p = 0.01058; the exact value is close to it.
    CHECK(exact.p_value == doctest::Approx(0.0106).epsilon(0.05));
  }

  TEST_CASE("Holm adjustment by hand") {
    // p = {0.01, 0.04, 0.03, 0.005}, m = 4. Sorted: 0.005 * 4 = 0.02; 0.01 * 3 = 0.03;
    // 0.03 * 2 = 0.06; 0.04 * 1 = 0.04, raised to the running maximum 0.06.
    const std::vector<double> p = {0.01, 0.04, 0.03, 0.005};
    const std::vector<double> adjusted = holm_adjust(p);
    REQUIRE(adjusted.size() == 4u);
    CHECK(adjusted[0] == doctest::Approx(0.03));
    CHECK(adjusted[1] == doctest::Approx(0.06));
    CHECK(adjusted[2] == doctest::Approx(0.06));
    CHECK(adjusted[3] == doctest::Approx(0.02));
    CHECK(holm_adjust(std::vector<double>{0.5, 0.9}) == std::vector<double>{1.0, 1.0});  // capped at 1
    CHECK(holm_adjust(std::vector<double>{}).empty());
    CHECK(holm_adjust(std::vector<double>{0.02}) == std::vector<double>{0.02});
  }
}
