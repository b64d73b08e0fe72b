// BitTree: a bitset of n bits with summary levels (a 64-ary tree of "this word is not zero" bits),
// so that finding the lowest set bit is O(log64 n) - three or four word reads for any arena this
// library can build - and set/clear are O(log64 n) in the worst case, O(1) usually. Used per buddy
// order as the set of free blocks at that order. Not thread-safe: the buddy arena holds its lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace arena::detail {

class BitTree {
 public:
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

  // n bits, all clear. Throws std::bad_alloc.
  explicit BitTree(std::size_t n);

  std::size_t size() const noexcept { return size_; }
  bool test(std::size_t i) const noexcept { return (levels_[0][i / 64] >> (i % 64) & 1u) != 0; }
  void set(std::size_t i) noexcept;
  void clear(std::size_t i) noexcept;
  // The lowest set bit, or kNone.
  std::size_t find_first() const noexcept;
  // Bytes of memory the tree uses (for the metadata-overhead figure).
  std::size_t memory_bytes() const noexcept;

 private:
  std::size_t size_;
  std::vector<std::unique_ptr<std::uint64_t[]>> levels_;  // levels_[0] = the bits; each next level summarises the one below
  std::vector<std::size_t> words_;                          // word count per level
};

}  // namespace arena::detail
