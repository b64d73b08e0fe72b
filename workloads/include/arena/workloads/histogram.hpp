// LatencyHistogram: log-linear buckets over nanoseconds, so percentiles come out with a bounded
// relative error (< 1/64 = 1.6%) without storing samples. Values below 64 ns have their own exact
// buckets; above, every power of two is split into 64 linear sub-buckets. Recording is O(1) and
// allocation-free; one histogram per worker thread, merged at the end.
#pragma once

#include <array>
#include <cstdint>

namespace arena::workloads {

class LatencyHistogram {
 public:
  void record(std::uint64_t nanoseconds) noexcept;
  void merge(const LatencyHistogram& other) noexcept;
  void clear() noexcept;

  std::uint64_t count() const noexcept { return count_; }
  std::uint64_t min() const noexcept { return count_ == 0 ? 0 : min_; }
  std::uint64_t max() const noexcept { return max_; }
  double mean() const noexcept { return count_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(count_); }
  // The value at quantile q in [0, 1] (q = 0.99 for p99): the upper edge of the bucket holding
  // it, clamped to max(); 0 when empty.
  std::uint64_t percentile(double q) const noexcept;

  static constexpr unsigned kSubBits = 6;  // 64 sub-buckets per power of two
  static constexpr unsigned kBuckets = (64 - kSubBits + 1) << kSubBits;

 private:
  std::array<std::uint64_t, kBuckets> buckets_{};
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t min_ = ~std::uint64_t{0};
  std::uint64_t max_ = 0;
};

}  // namespace arena::workloads
