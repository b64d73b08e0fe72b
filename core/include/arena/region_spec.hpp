// How an arena carves a caller-provided region: SlotSpec for fixed arenas (a slot count or a slot
// size) and BuddyHint for buddy arenas (the minimum block size) [R-RAW-2/3].
//
// These only describe intent; the arithmetic (rounding to alignment, truncating an unusable tail,
// the errors) happens in the raw builders' build().
#pragma once

#include <cstddef>

namespace arena {

class SlotSpec {
 public:
  enum class Kind { count, size };
  // `slot_count` equal slots; each slot's size is len / slot_count rounded down to the alignment.
  static constexpr SlotSpec count(std::size_t slot_count) noexcept { return SlotSpec(Kind::count, slot_count); }
  // Slots of `slot_bytes` (rounded down to the alignment); as many as fit, the tail unused.
  static constexpr SlotSpec size(std::size_t slot_bytes) noexcept { return SlotSpec(Kind::size, slot_bytes); }

  constexpr Kind kind() const noexcept { return kind_; }
  constexpr std::size_t value() const noexcept { return value_; }

 private:
  constexpr SlotSpec(Kind kind, std::size_t value) noexcept : kind_(kind), value_(value) {}
  Kind kind_;
  std::size_t value_;
};

class BuddyHint {
 public:
  // Smallest block the arena hands out, rounded up to a power of two (down if that cannot fit).
  static constexpr BuddyHint min_alloc(std::size_t min_block_bytes) noexcept { return BuddyHint(min_block_bytes); }
  constexpr std::size_t min_block_bytes() const noexcept { return min_block_bytes_; }

 private:
  constexpr explicit BuddyHint(std::size_t m) noexcept : min_block_bytes_(m) {}
  std::size_t min_block_bytes_;
};

}  // namespace arena
