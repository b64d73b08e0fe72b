// BuddyGeometry: the shape of a buddy arena - total size, minimum block, alignment - validated
// once, so that a BuddyArena can only be built from a consistent one [R-GEO-*].
//
//   order:   max_order ... 2        1          0
//   blocks:  [ total ]     [ . | . ][ | | | ]  [||||||||]   block size = min_block << order
//
// exact() rejects anything that is not already a power-of-two multiple of a power-of-two minimum
// block; nearest() snaps up to the nearest valid shape and caps each Buffer's visible capacity to
// what was requested (exact() exposes the whole block).
#pragma once

#include <cstddef>

#include "arena/error.hpp"

namespace arena {

class BuddyGeometry {
 public:
  // Errc::invalid_geometry unless min_block is a power of two, total >= min_block, total is a
  // multiple of min_block and total / min_block is a power of two. Errc::invalid_argument for 0.
  // Examples: (4096, 512) -> order 3; (4096, 768), (6144, 1024), (256, 512) -> invalid_geometry.
  static Result<BuddyGeometry> exact(std::size_t total_bytes, std::size_t min_block_bytes);
  // min <- next power of two >= min_block; total <- max(total, min) rounded up to a power-of-two
  // number of min blocks. Errc::size_overflow when that does not fit; invalid_argument for 0.
  // Examples: (6000, 768) -> (8192, 1024); (256, 512) -> (512, 512).
  static Result<BuddyGeometry> nearest(std::size_t total_bytes, std::size_t min_block_bytes);
  // Errc::invalid_alignment unless a power of two. alignment <= min block: recorded, nothing else
  // changes. Larger on an exact geometry: Errc::invalid_geometry; on a nearest one: the min block
  // becomes `alignment` and the total is re-snapped.
  Result<BuddyGeometry> with_alignment(std::size_t alignment) const;

  std::size_t total_size() const noexcept { return total_; }
  std::size_t min_block_size() const noexcept { return min_; }
  // log2(total / min_block): the order of the one block the arena starts with.
  unsigned max_order() const noexcept { return max_order_; }
  std::size_t alignment() const noexcept { return alignment_; }
  // True for nearest(): a Buffer's capacity is min(requested, block size).
  bool caps_capacity() const noexcept { return caps_capacity_; }

  friend bool operator==(const BuddyGeometry&, const BuddyGeometry&) noexcept = default;

 private:
  BuddyGeometry(std::size_t total, std::size_t min, std::size_t alignment, bool caps) noexcept;
  std::size_t total_;
  std::size_t min_;
  unsigned max_order_;
  std::size_t alignment_;
  bool caps_capacity_;
};

}  // namespace arena
