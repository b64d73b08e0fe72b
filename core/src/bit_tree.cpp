// BitTree: hierarchical bitset with O(log64 n) find-first.
#include "bit_tree.hpp"

#include <bit>

namespace arena::detail {

BitTree::BitTree(std::size_t n) : size_(n) {
  std::size_t words = (n + 63) / 64;
  do {
    words_.push_back(words == 0 ? 1 : words);
    levels_.push_back(std::make_unique<std::uint64_t[]>(words_.back()));  // zeroed
    words = (words + 63) / 64;
  } while (words_.back() > 1);
}

void BitTree::set(std::size_t i) noexcept {
  for (auto& level : levels_) {
    std::uint64_t& word = level[i / 64];
    const bool was_zero = word == 0;
    word |= std::uint64_t{1} << (i % 64);
    if (!was_zero) return;  // the summary above already says "not zero"
    i /= 64;
  }
}

void BitTree::clear(std::size_t i) noexcept {
  for (auto& level : levels_) {
    std::uint64_t& word = level[i / 64];
    word &= ~(std::uint64_t{1} << (i % 64));
    if (word != 0) return;  // still not zero: the summary above stays as it is
    i /= 64;
  }
}

std::size_t BitTree::find_first() const noexcept {
  std::size_t index = 0;
  for (std::size_t level = levels_.size(); level-- > 0;) {
    const std::uint64_t word = levels_[level][index];
    if (word == 0) return kNone;  // only possible at the top: the summaries are exact
    index = index * 64 + static_cast<std::size_t>(std::countr_zero(word));
  }
  return index;
}

std::size_t BitTree::memory_bytes() const noexcept {
  std::size_t bytes = 0;
  for (std::size_t w : words_) bytes += w * sizeof(std::uint64_t);
  return bytes;
}

}  // namespace arena::detail
