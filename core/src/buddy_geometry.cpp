// BuddyGeometry validation and snapping [R-GEO-1..4].
#include "arena/buddy_geometry.hpp"

#include "buddy_math.hpp"

namespace arena {

using detail::buddy::is_pow2;
using detail::buddy::log2_exact;
using detail::buddy::next_pow2;

BuddyGeometry::BuddyGeometry(std::size_t total, std::size_t min, std::size_t alignment, bool caps) noexcept
    : total_(total), min_(min), max_order_(log2_exact(total / min)), alignment_(alignment), caps_capacity_(caps) {}

Result<BuddyGeometry> BuddyGeometry::exact(std::size_t total_bytes, std::size_t min_block_bytes) {
  if (total_bytes == 0 || min_block_bytes == 0) return Errc::invalid_argument;
  if (!is_pow2(min_block_bytes) || total_bytes < min_block_bytes || total_bytes % min_block_bytes != 0 ||
      !is_pow2(total_bytes / min_block_bytes)) {
    return Errc::invalid_geometry;
  }
  return BuddyGeometry(total_bytes, min_block_bytes, 1, false);
}

Result<BuddyGeometry> BuddyGeometry::nearest(std::size_t total_bytes, std::size_t min_block_bytes) {
  if (total_bytes == 0 || min_block_bytes == 0) return Errc::invalid_argument;
  const auto min = next_pow2(min_block_bytes);
  if (!min) return Errc::size_overflow;
  const std::size_t t = total_bytes < *min ? *min : total_bytes;
  const std::size_t blocks = t / *min + (t % *min != 0);
  const auto pow2_blocks = next_pow2(blocks);
  if (!pow2_blocks || *pow2_blocks > detail::buddy::kMaxSize / *min) return Errc::size_overflow;
  return BuddyGeometry(*pow2_blocks * *min, *min, 1, true);
}

Result<BuddyGeometry> BuddyGeometry::with_alignment(std::size_t alignment) const {
  if (!is_pow2(alignment)) return Errc::invalid_alignment;
  if (alignment <= min_) return BuddyGeometry(total_, min_, alignment, caps_capacity_);
  if (!caps_capacity_) return Errc::invalid_geometry;
  auto snapped = nearest(total_, alignment);
  if (!snapped) return snapped.error();
  return BuddyGeometry(snapped->total_, snapped->min_, alignment, true);
}

}  // namespace arena
