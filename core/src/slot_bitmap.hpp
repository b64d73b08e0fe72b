// SlotBitmap: the fixed arena's free-slot bitmap. One 64-bit word per 64-byte cache line (no false
// sharing between words); each word holds 62 slot bits (1 = free) and two flag bits that ride on
// the same atomic operations as the slots:
//
//   bit:  63     62       61 ............................ 0
//        [dead | waiter | slot 61 free? ... slot 0 free?  ]
//
// * dead   - set on every word when the last arena handle goes; a release whose publish returns a
//            word with it knows the arena is orphaned (see FixedState).
// * waiter - reserved for waiting allocations (a release that sees it must wake a waiter).
//
// Orderings: a claim's fetch_and is acq_rel (its acquire half sees everything the previous owner
// wrote before its release publish); a release's fetch_or is acq_rel (release: publishes the
// owner's writes, including a zero-policy wipe; acquire: orders the dead-flag check after it).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "arena/detail/fixed_core.hpp"

namespace arena::detail {

class SlotBitmap {
 public:
  static constexpr unsigned kSlotsPerWord = detail::kSlotsPerWord;
  static constexpr std::uint64_t kSlotMask = detail::kSlotBitsMask;
  static constexpr std::uint64_t kWaiterFlag = detail::kWaiterFlag;
  static constexpr std::uint64_t kDeadFlag = detail::kDeadFlag;
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

  // A bitmap of `slot_count` slots, all free (or all taken when `all_free` is false).
  // Allocates; throws std::bad_alloc.
  explicit SlotBitmap(std::size_t slot_count, bool all_free = true);

  std::size_t slot_count() const noexcept { return slot_count_; }
  std::size_t word_count() const noexcept { return word_count_; }
  static std::size_t word_of(std::size_t slot) noexcept { return slot / kSlotsPerWord; }

  // Claims a free slot, visiting every word once starting at `start_word` (< word_count()),
  // wrapping. Returns its index, or kNone when no free bit was seen in that pass.
  std::size_t claim_any(std::size_t start_word) noexcept;
  // Claims exactly `slot`; true when it was free and is now ours.
  bool claim(std::size_t slot) noexcept;
  // Marks `slot` free. Returns the word's value before the release (flags included).
  std::uint64_t release(std::size_t slot) noexcept;

  // Sets `flag` on every word; returns how many slots were taken (not free) when each word got it.
  std::size_t mark_all(std::uint64_t flag) noexcept;
  // Clears `flag` on every word.
  void clear_all(std::uint64_t flag) noexcept;

  bool is_free(std::size_t slot) const noexcept;
  // The word array (for the inline fast paths of the fixed arena).
  BitmapWord* words() noexcept { return words_.get(); }
  std::size_t free_count() const noexcept;
  bool any_free() const noexcept;

 private:
  std::uint64_t real_mask(std::size_t word) const noexcept {
    return word + 1 < word_count_ ? kSlotMask : last_word_mask_;
  }

  std::size_t slot_count_;
  std::size_t word_count_;
  std::uint64_t last_word_mask_;
  std::unique_ptr<BitmapWord[]> words_;
};

}  // namespace arena::detail
