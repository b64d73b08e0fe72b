// Size distributions: how big the requests of a workload are. A SizeDistribution is an immutable
// description (copyable, shareable between threads); each worker thread draws from its own
// SizeSampler (the distribution plus that thread's Rng and, for traces, its cursor). Sampling is
// deterministic for a seed. Sizes are whole bytes, at least 1.
//
// Kinds (the JSON "kind" in profiles, docs/profile-format.md):
//   constant(size)                      always `size`
//   uniform(min, max)                   every size in [min, max] equally likely
//   normal(mean, stddev, min, max)      rounded, redrawn outside [min, max] (truncated normal)
//   lognormal(mu, sigma, min, max)      exp(N(mu, sigma)), rounded, truncated to [min, max]
//   pareto(scale, shape, max)           scale / U^(1/shape), truncated to [scale, max] (heavy tail)
//   zipf(sizes, exponent)               sizes[k] with weight 1 / (k+1)^exponent
//   mixture([(weight, distribution)])   pick a component by weight, then draw from it
//   empirical([(size, weight)])         a histogram: each size with its weight
//   trace(samples)                      replay: thread t reads samples t, t+T, t+2T, ... (cycling)
// Invalid parameters (min > max, a zero size, negative or zero weights, empty sets, a normal or
// lognormal whose [min, max] holds less than 1% of it, a trace inside a mixture) are rejected
// by the factories with std::invalid_argument naming the parameter; profile parsing turns that
// into an input error naming the field. Sampling is O(1) per draw (alias tables, inverse CDFs;
// the truncated normals redraw, on average at most 100 times) and never allocates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "arena/workloads/rng.hpp"

namespace arena::workloads {

// One drawn request: its size, and for trace replay optionally how long to hold it (operations).
struct SizeSample {
  std::size_t size = 1;
  std::optional<std::uint64_t> lifetime_ops;
};

class SizeSampler;

class SizeDistribution {
 public:
  enum class Kind { constant, uniform, normal, lognormal, pareto, zipf, mixture, empirical, trace };

  static SizeDistribution constant(std::size_t size);
  static SizeDistribution uniform(std::size_t min, std::size_t max);
  static SizeDistribution normal(double mean, double stddev, std::size_t min, std::size_t max);
  static SizeDistribution lognormal(double mu, double sigma, std::size_t min, std::size_t max);
  static SizeDistribution pareto(double scale, double shape, std::size_t max);
  static SizeDistribution zipf(std::vector<std::size_t> sizes, double exponent);
  static SizeDistribution mixture(std::vector<std::pair<double, SizeDistribution>> components);
  static SizeDistribution empirical(std::vector<std::pair<std::size_t, double>> histogram);
  static SizeDistribution trace(std::vector<SizeSample> samples);
  // Reads a trace file: one request per line, "SIZE" or "SIZE LIFETIME_OPS"; blank lines and
  // lines starting with '#' are skipped. Throws std::invalid_argument naming the line on a bad
  // line, std::runtime_error when the file cannot be read.
  static SizeDistribution trace_file(const std::string& path);

  Kind kind() const noexcept;
  // The largest size it can produce (for checking that an arena can hold every request).
  std::size_t max_size() const noexcept;
  std::size_t min_size() const noexcept;
  // The expected size (exact where the kind allows, otherwise computed from its definition).
  double mean() const noexcept;
  // One line, e.g. "lognormal(mu=6.2, sigma=0.9) in [64, 65536]".
  std::string describe() const;

  // The sampler for worker `thread_index` of `thread_count`, seeded from `seed`. Its Rng is
  // Rng::for_thread(seed ^ kSizeStreamSalt, thread_index): a stream of its own, so that a driver
  // drawing other decisions from Rng::for_thread(seed, thread_index) is not correlated with the
  // sizes. (A driver may also draw them from sampler.rng().) thread_count 0 counts as 1.
  SizeSampler sampler(std::uint64_t seed, unsigned thread_index, unsigned thread_count) const;
  static constexpr std::uint64_t kSizeStreamSalt = 0x517E5A17D15751ull;

  struct Impl;  // the kinds, in size_distribution.cpp (private header size_distribution_impl.hpp)
  // The parameters, for the implementation (profile JSON); Impl is defined in a private header.
  const Impl& impl() const noexcept { return *impl_; }

 private:
  explicit SizeDistribution(std::shared_ptr<const Impl> impl) noexcept : impl_(std::move(impl)) {}
  friend class SizeSampler;
  std::shared_ptr<const Impl> impl_;
};

class SizeSampler {
 public:
  SizeSample next();
  Rng& rng() noexcept { return rng_; }

 private:
  friend class SizeDistribution;
  SizeSampler(std::shared_ptr<const SizeDistribution::Impl> impl, Rng rng, std::size_t cursor, std::size_t stride) noexcept
      : impl_(std::move(impl)), rng_(rng), cursor_(cursor), stride_(stride) {}
  std::shared_ptr<const SizeDistribution::Impl> impl_;
  Rng rng_;
  std::size_t cursor_;  // trace replay position
  std::size_t stride_;
};

}  // namespace arena::workloads
