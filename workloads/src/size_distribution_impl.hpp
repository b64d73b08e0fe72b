// SizeDistribution::Impl: the parameters of one size distribution, as given (for describe() and
// the profile JSON) and precomputed for sampling (alias tables, inverse-CDF constants). Shared by
// size_distribution.cpp (factories, sampling) and profile.cpp (JSON form). Immutable once built:
// samplers of many threads read one Impl without synchronization.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "alias_table.hpp"
#include "arena/workloads/size_distribution.hpp"

namespace arena::workloads {

struct SizeDistribution::Impl {
  Kind kind = Kind::constant;
  std::size_t min = 1;  // smallest size it can produce (constant: the size)
  std::size_t max = 1;  // largest size it can produce
  double mean = 1.0;    // expected size

  // normal: (mean, stddev); lognormal: (mu, sigma); pareto: (scale, shape); zipf: a = exponent.
  double a = 0.0;
  double b = 0.0;
  // pareto: the inverse CDF is scale * (1 - u * pareto_span)^(-1 / shape).
  double pareto_span = 0.0;
  double inverse_shape = 0.0;
  // normal/lognormal: the accepted (unrounded) interval; a draw outside it is redrawn.
  double accept_low = 0.0;
  double accept_high = 0.0;

  std::vector<std::size_t> sizes;  // zipf: the sizes by rank; empirical: the histogram's sizes
  std::vector<double> weights;     // empirical, mixture: the weights as given
  detail::AliasTable table;        // zipf, empirical, mixture
  std::vector<SizeDistribution> components;  // mixture
  std::vector<SizeSample> samples;           // trace
  std::string trace_path;                    // trace read from a file: its path (absolute); else empty
};

}  // namespace arena::workloads
