// SlotBitmap: lock-free claim and release of slots, one cache line per word.
#include "slot_bitmap.hpp"

#include <bit>

#include "arena/check.hpp"

namespace arena::detail {

SlotBitmap::SlotBitmap(std::size_t slot_count, bool all_free)
    : slot_count_(slot_count),
      word_count_(slot_count == 0 ? 0 : (slot_count - 1) / kSlotsPerWord + 1),
      last_word_mask_(0),
      words_(std::make_unique<BitmapWord[]>(word_count_)) {
  if (word_count_ == 0) return;
  const std::size_t tail = slot_count - (word_count_ - 1) * kSlotsPerWord;  // 1..62 slots
  last_word_mask_ = tail == kSlotsPerWord ? kSlotMask : (std::uint64_t{1} << tail) - 1;
  if (all_free) {
    for (std::size_t w = 0; w < word_count_; ++w) words_[w].bits.store(real_mask(w), std::memory_order_relaxed);
  }
}

std::size_t SlotBitmap::claim_any(std::size_t start_word) noexcept {
  std::size_t w = start_word;
  for (std::size_t visited = 0; visited < word_count_; ++visited) {
    std::atomic<std::uint64_t>& word = words_[w].bits;
    std::uint64_t seen = word.load(std::memory_order_relaxed);
    while ((seen & kSlotMask) != 0) {
      const unsigned bit = static_cast<unsigned>(std::countr_zero(seen & kSlotMask));
      const std::uint64_t mask = std::uint64_t{1} << bit;
      const std::uint64_t before = word.fetch_and(~mask, std::memory_order_acq_rel);
      if ((before & mask) != 0) return w * kSlotsPerWord + bit;
      seen = before;  // someone took it first: try the word's other free bits
    }
    if (++w == word_count_) w = 0;
  }
  return kNone;
}

bool SlotBitmap::claim(std::size_t slot) noexcept {
  ARENA_CHECK(slot < slot_count_, "SlotBitmap::claim: slot %zu out of range (%zu slots)", slot, slot_count_);
  const std::uint64_t mask = std::uint64_t{1} << (slot % kSlotsPerWord);
  return (words_[word_of(slot)].bits.fetch_and(~mask, std::memory_order_acq_rel) & mask) != 0;
}

std::uint64_t SlotBitmap::release(std::size_t slot) noexcept {
  ARENA_CHECK(slot < slot_count_, "SlotBitmap::release: slot %zu out of range (%zu slots)", slot, slot_count_);
  const std::uint64_t mask = std::uint64_t{1} << (slot % kSlotsPerWord);
  const std::uint64_t before = words_[word_of(slot)].bits.fetch_or(mask, std::memory_order_acq_rel);
  ARENA_CHECK((before & mask) == 0, "SlotBitmap::release: slot %zu released twice", slot);
  return before;
}

std::size_t SlotBitmap::mark_all(std::uint64_t flag) noexcept {
  std::size_t taken = 0;
  for (std::size_t w = 0; w < word_count_; ++w) {
    const std::uint64_t before = words_[w].bits.fetch_or(flag, std::memory_order_acq_rel);
    taken += static_cast<std::size_t>(std::popcount(~before & real_mask(w)));
  }
  return taken;
}

void SlotBitmap::clear_all(std::uint64_t flag) noexcept {
  for (std::size_t w = 0; w < word_count_; ++w) words_[w].bits.fetch_and(~flag, std::memory_order_acq_rel);
}

bool SlotBitmap::is_free(std::size_t slot) const noexcept {
  const std::uint64_t mask = std::uint64_t{1} << (slot % kSlotsPerWord);
  return (words_[word_of(slot)].bits.load(std::memory_order_acquire) & mask) != 0;
}

std::size_t SlotBitmap::free_count() const noexcept {
  std::size_t n = 0;
  for (std::size_t w = 0; w < word_count_; ++w) {
    n += static_cast<std::size_t>(std::popcount(words_[w].bits.load(std::memory_order_acquire) & real_mask(w)));
  }
  return n;
}

bool SlotBitmap::any_free() const noexcept {
  for (std::size_t w = 0; w < word_count_; ++w) {
    if ((words_[w].bits.load(std::memory_order_acquire) & real_mask(w)) != 0) return true;
  }
  return false;
}

}  // namespace arena::detail
