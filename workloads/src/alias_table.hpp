// AliasTable: O(1) sampling of an index from a fixed set of weights (Walker's alias method, built
// with Vose's numerically stable two-worklist construction). Used by the zipf, empirical and
// mixture size distributions, whose samplers run once per driver operation: a draw is one bounded
// integer, one uniform double and two array reads, and never allocates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "arena/workloads/rng.hpp"

namespace arena::workloads::detail {

class AliasTable {
 public:
  AliasTable() = default;
  // weights: non-empty, each finite and > 0 (std::invalid_argument otherwise). They need not sum to 1.
  explicit AliasTable(const std::vector<double>& weights) {
    const std::size_t n = weights.size();
    if (n == 0) throw std::invalid_argument("alias table: no weights");
    if (n > UINT32_MAX) throw std::invalid_argument("alias table: too many weights");
    double total = 0.0;
    for (double w : weights) {
      if (!(w > 0.0) || w > 1e300) throw std::invalid_argument("alias table: weights must be finite and > 0");
      total += w;
    }
    keep_.assign(n, 1.0);
    alias_.resize(n);
    std::vector<double> scaled(n);
    std::vector<std::uint32_t> small;
    std::vector<std::uint32_t> large;
    for (std::size_t i = 0; i < n; ++i) {
      scaled[i] = weights[i] * static_cast<double>(n) / total;
      alias_[i] = static_cast<std::uint32_t>(i);
      (scaled[i] < 1.0 ? small : large).push_back(static_cast<std::uint32_t>(i));
    }
    while (!small.empty() && !large.empty()) {
      const std::uint32_t s = small.back();
      small.pop_back();
      const std::uint32_t l = large.back();
      keep_[s] = scaled[s];
      alias_[s] = l;
      scaled[l] = (scaled[l] + scaled[s]) - 1.0;
      if (scaled[l] < 1.0) {
        large.pop_back();
        small.push_back(l);
      }
    }
    // What is left on either list has probability 1 up to rounding: keep_ stays 1.0.
  }

  std::size_t size() const noexcept { return keep_.size(); }

  // An index in [0, size()), index i with probability weights[i] / sum(weights). Precondition: size() > 0.
  std::size_t sample(Rng& rng) const noexcept {
    const auto i = static_cast<std::size_t>(rng.below(keep_.size()));
    if (keep_[i] >= 1.0) return i;
    return rng.uniform01() < keep_[i] ? i : alias_[i];
  }

 private:
  std::vector<double> keep_;            // probability of keeping column i rather than taking its alias
  std::vector<std::uint32_t> alias_;
};

}  // namespace arena::workloads::detail
