// statistics: the few statistics the regression gate needs - the median, the two-sided
// Mann-Whitney U (Wilcoxon rank-sum) test of two independent samples, and the Holm-Bonferroni
// adjustment of many p-values. The U test makes no assumption about the shape of the
// distributions (benchmark repetitions are rarely normal); the one thing not to get wrong: which
// p-value is computed - the EXACT distribution of U when there are no ties and both samples have at
// most kExactMaxSampleSize values, otherwise the NORMAL APPROXIMATION with tie and continuity
// correction. MannWhitneyResult::method says which one was used.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace arena::workloads {

// Both samples at most this large (and no tied values anywhere): the exact distribution of U.
inline constexpr std::size_t kExactMaxSampleSize = 50;

// The median of `values` (the mean of the two middle values for an even count). The input is not
// modified. Precondition: not empty (returns NaN when it is).
double median(std::span<const double> values);

struct MannWhitneyResult {
  enum class Method {
    exact,   // exact null distribution of U (no ties, both n <= kExactMaxSampleSize)
    normal,  // normal approximation, variance corrected for ties, continuity correction 0.5
  };
  double u = 0.0;        // U of the first sample: pairs (x, y) with x > y, plus half the ties
  double z = 0.0;        // standardized U (normal method; for exact, the same formula, informative)
  double p_value = 1.0;  // two-sided, in (0, 1]
  Method method = Method::exact;
  bool ties = false;     // some value occurs more than once in the pooled sample
};

// Two-sided Mann-Whitney U test of H0 "x and y come from the same distribution" against "one
// tends to be larger". Exact: p = min(1, 2 * P(U <= min(u, n1*n2 - u))) under H0 (the
// distribution is symmetric). Normal: z = (|U - n1*n2/2| - 0.5) / sigma with
// sigma^2 = n1*n2/12 * ((N + 1) - sum(t^3 - t) / (N * (N - 1))), t the sizes of the tie groups,
// p = erfc(max(z, 0) / sqrt(2)). When every value is the same (sigma = 0) p = 1.
// Preconditions: both samples non-empty and free of NaN (returns p = 1 otherwise).
MannWhitneyResult mann_whitney_u(std::span<const double> x, std::span<const double> y);

// The smallest two-sided p-value the U test can give for samples of n1 and n2 values (no ties):
// 2 / C(n1 + n2, n1), capped at 1. With n1 = n2 = 3 it is 0.1, so no shift is ever significant at
// 0.05 with three repetitions; n1 = n2 = 4 gives 0.0286.
double smallest_possible_p(std::size_t n1, std::size_t n2);

// Holm-Bonferroni step-down adjustment: with p sorted ascending p(1) <= ... <= p(m), the adjusted
// p(i) = max over j <= i of min(1, (m - j + 1) * p(j)). Returns the adjusted values in the order of
// the input; rejecting where adjusted < alpha controls the family-wise error rate at alpha.
std::vector<double> holm_adjust(std::span<const double> p_values);

}  // namespace arena::workloads
