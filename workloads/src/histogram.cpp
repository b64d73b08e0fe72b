// LatencyHistogram (histogram.hpp): log-linear bucketing of nanosecond values. Values below 64 have
// one exact bucket each; a value v >= 64 with its highest set bit at position m falls in group
// m - 5 (1..58) and sub-bucket (v >> (m - 6)) & 63, so every bucket spans less than 1/64 of its
// lower edge. The one thing not to get wrong: the top bucket's upper edge is exactly 2^64 - 1, so
// no edge computation may overflow.
#include "arena/workloads/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace arena::workloads {
namespace {

constexpr std::uint64_t kSubCount = std::uint64_t{1} << LatencyHistogram::kSubBits;

constexpr std::size_t bucket_of(std::uint64_t v) noexcept {
  if (v < kSubCount) return static_cast<std::size_t>(v);
  const unsigned top = 63u - static_cast<unsigned>(std::countl_zero(v));  // >= kSubBits
  const unsigned shift = top - LatencyHistogram::kSubBits;
  const std::uint64_t sub = (v >> shift) & (kSubCount - 1);
  return static_cast<std::size_t>((std::uint64_t{shift} + 1) * kSubCount + sub);
}

// The largest value that falls in bucket `index`.
constexpr std::uint64_t upper_edge(std::size_t index) noexcept {
  if (index < kSubCount) return index;
  const std::uint64_t shift = index / kSubCount - 1;
  const std::uint64_t sub = index % kSubCount;
  const std::uint64_t lower = (kSubCount + sub) << shift;
  return lower + ((std::uint64_t{1} << shift) - 1);
}

static_assert(bucket_of(63) == 63 && bucket_of(64) == 64 && bucket_of(127) == 127 && bucket_of(128) == 128);
static_assert(bucket_of(129) == 128 && upper_edge(128) == 129);
static_assert(bucket_of(~std::uint64_t{0}) == LatencyHistogram::kBuckets - 1);
static_assert(upper_edge(LatencyHistogram::kBuckets - 1) == ~std::uint64_t{0});

constexpr std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) noexcept {
  return a > std::numeric_limits<std::uint64_t>::max() - b ? std::numeric_limits<std::uint64_t>::max() : a + b;
}

}  // namespace

void LatencyHistogram::record(std::uint64_t nanoseconds) noexcept {
  ++buckets_[bucket_of(nanoseconds)];
  ++count_;
  sum_ = saturating_add(sum_, nanoseconds);
  min_ = std::min(min_, nanoseconds);
  max_ = std::max(max_, nanoseconds);
}

void LatencyHistogram::merge(const LatencyHistogram& other) noexcept {
  if (other.count_ == 0) return;
  for (std::size_t i = 0; i < kBuckets; ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  sum_ = saturating_add(sum_, other.sum_);
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

void LatencyHistogram::clear() noexcept { *this = LatencyHistogram(); }

std::uint64_t LatencyHistogram::percentile(double q) const noexcept {
  if (count_ == 0) return 0;
  if (!(q > 0.0)) return min();  // also NaN
  if (q >= 1.0) return max_;
  // The rank of the sample at quantile q among count_ sorted samples (1-based, nearest rank).
  const double wanted = std::ceil(q * static_cast<double>(count_));
  const std::uint64_t rank =
      wanted < 1.0 ? 1 : (wanted >= static_cast<double>(count_) ? count_ : static_cast<std::uint64_t>(wanted));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += buckets_[i];
    if (seen >= rank) return std::clamp(upper_edge(i), min_, max_);
  }
  return max_;
}

}  // namespace arena::workloads
