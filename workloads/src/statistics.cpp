// statistics (statistics.hpp): median, the Mann-Whitney U test (exact null distribution by the
// classic recursion on sample sizes, or the tie-corrected normal approximation) and the Holm
// adjustment. The exact distribution is built in probabilities rather than counts, so that
// C(100, 50) ~ 1e29 arrangements never overflow: P(m, n; u) = m/(m+n) P(m-1, n; u-n) +
// n/(m+n) P(m, n-1; u) - the largest value of the pooled sample is an x with probability m/(m+n),
// and then it beats all n values of y.
#include "arena/workloads/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

namespace arena::workloads {
namespace {

// P(U = u) for u = 0 .. m*n, under H0, U = pairs (x > y), samples of m and n distinct values.
std::vector<double> exact_u_distribution(std::size_t m, std::size_t n) {
  // prev[j] / cur[j]: the distribution for (i - 1, j) / (i, j), each of size i*j + 1.
  std::vector<std::vector<double>> prev(n + 1);
  for (std::size_t j = 0; j <= n; ++j) prev[j] = {1.0};  // i = 0: U = 0 for sure
  for (std::size_t i = 1; i <= m; ++i) {
    std::vector<std::vector<double>> cur(n + 1);
    cur[0] = {1.0};  // j = 0: U = 0 for sure
    for (std::size_t j = 1; j <= n; ++j) {
      std::vector<double>& d = cur[j];
      d.assign(i * j + 1, 0.0);
      const double px = static_cast<double>(i) / static_cast<double>(i + j);
      const double py = static_cast<double>(j) / static_cast<double>(i + j);
      const std::vector<double>& a = prev[j];     // (i - 1, j), largest is an x: + j
      const std::vector<double>& b = cur[j - 1];  // (i, j - 1), largest is a y: + 0
      for (std::size_t u = 0; u < a.size(); ++u) d[u + j] += px * a[u];
      for (std::size_t u = 0; u < b.size(); ++u) d[u] += py * b[u];
    }
    prev = std::move(cur);
  }
  return prev[n];
}

}  // namespace

double median(std::span<const double> values) {
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::vector<double> v(values.begin(), values.end());
  const std::size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  const double upper = v[mid];
  if (v.size() % 2 == 1) return upper;
  const double lower = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid));
  return lower + (upper - lower) / 2.0;
}

MannWhitneyResult mann_whitney_u(std::span<const double> x, std::span<const double> y) {
  MannWhitneyResult result;
  const std::size_t n1 = x.size();
  const std::size_t n2 = y.size();
  const auto has_nan = [](std::span<const double> s) {
    return std::any_of(s.begin(), s.end(), [](double v) { return std::isnan(v); });
  };
  if (n1 == 0 || n2 == 0 || has_nan(x) || has_nan(y)) {
    result.method = MannWhitneyResult::Method::normal;
    return result;
  }

  // Pool, sort, give mid-ranks to tie groups; collect the tie term sum(t^3 - t).
  struct Item {
    double value;
    bool first;
  };
  std::vector<Item> pooled;
  pooled.reserve(n1 + n2);
  for (double v : x) pooled.push_back({v, true});
  for (double v : y) pooled.push_back({v, false});
  std::sort(pooled.begin(), pooled.end(), [](const Item& a, const Item& b) { return a.value < b.value; });
  const std::size_t total = pooled.size();
  double rank_sum_first = 0.0;
  double tie_term = 0.0;
  for (std::size_t i = 0; i < total;) {
    std::size_t j = i + 1;
    while (j < total && pooled[j].value == pooled[i].value) ++j;
    const double t = static_cast<double>(j - i);
    const double mid_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;  // 1-based
    for (std::size_t k = i; k < j; ++k) {
      if (pooled[k].first) rank_sum_first += mid_rank;
    }
    if (j - i > 1) {
      result.ties = true;
      tie_term += t * t * t - t;
    }
    i = j;
  }

  const double dn1 = static_cast<double>(n1);
  const double dn2 = static_cast<double>(n2);
  const double dn = static_cast<double>(total);
  result.u = rank_sum_first - dn1 * (dn1 + 1.0) / 2.0;
  const double mean = dn1 * dn2 / 2.0;
  const double variance = dn1 * dn2 / 12.0 * ((dn + 1.0) - tie_term / (dn * (dn - 1.0)));
  const double sigma = variance > 0.0 ? std::sqrt(variance) : 0.0;

  if (!result.ties && n1 <= kExactMaxSampleSize && n2 <= kExactMaxSampleSize) {
    result.method = MannWhitneyResult::Method::exact;
    result.z = sigma > 0.0 ? (result.u - mean) / sigma : 0.0;
    const std::vector<double> dist = exact_u_distribution(n1, n2);
    const double max_u = dn1 * dn2;
    // Without ties U is a whole number; the distribution is symmetric around n1*n2/2.
    const auto lower = static_cast<std::size_t>(std::llround(std::min(result.u, max_u - result.u)));
    double tail = 0.0;
    for (std::size_t u = 0; u <= lower && u < dist.size(); ++u) tail += dist[u];
    result.p_value = std::min(1.0, 2.0 * tail);
    return result;
  }

  result.method = MannWhitneyResult::Method::normal;
  if (sigma <= 0.0) {  // every value the same: no evidence of any shift
    result.z = 0.0;
    result.p_value = 1.0;
    return result;
  }
  const double corrected = std::max(0.0, std::abs(result.u - mean) - 0.5);
  result.z = (result.u >= mean ? corrected : -corrected) / sigma;
  result.p_value = std::min(1.0, std::erfc(corrected / sigma / std::sqrt(2.0)));
  return result;
}

double smallest_possible_p(std::size_t n1, std::size_t n2) {
  if (n1 == 0 || n2 == 0) return 1.0;
  double combinations = 1.0;  // C(n1 + n2, n1) = prod_{k=1..n1} (n2 + k) / k
  for (std::size_t k = 1; k <= n1; ++k) {
    combinations *= static_cast<double>(n2 + k) / static_cast<double>(k);
  }
  return std::min(1.0, 2.0 / combinations);
}

std::vector<double> holm_adjust(std::span<const double> p_values) {
  const std::size_t m = p_values.size();
  std::vector<std::size_t> order(m);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return p_values[a] < p_values[b]; });
  std::vector<double> adjusted(m, 1.0);
  double running_max = 0.0;
  for (std::size_t rank = 0; rank < m; ++rank) {
    const double scaled = std::min(1.0, static_cast<double>(m - rank) * p_values[order[rank]]);
    running_max = std::max(running_max, scaled);
    adjusted[order[rank]] = running_max;
  }
  return adjusted;
}

}  // namespace arena::workloads
