// HoldRing: the buffers a worker keeps alive for the hold model, each with its expiry (an
// operation index or a tick count). FIFO mode (every buffer held equally long, so the oldest
// expires first) is a ring buffer; lifetime mode (trace replay gives each buffer its own
// lifetime) is a binary min-heap on the expiry. Storage grows geometrically up to the bound and
// is then reused: no allocation in the steady state. The one thing not to get wrong: at the bound
// (max_live) the caller must pop before it pushes - the ring never silently drops a handle.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace arena::workloads::detail {

template <class Handle>
class HoldRing {
 public:
  struct Held {
    Handle handle;
    std::uint64_t expiry = 0;
  };

  HoldRing(std::size_t bound, bool by_lifetime) : bound_(std::max<std::size_t>(bound, 1)), heap_mode_(by_lifetime) {
    const std::size_t initial = std::min<std::size_t>(bound_, 1024);
    if (heap_mode_) {
      heap_.reserve(initial);
    } else {
      slots_.resize(round_up_pow2(initial));
    }
  }

  std::size_t size() const noexcept { return heap_mode_ ? heap_.size() : static_cast<std::size_t>(tail_ - head_); }
  bool empty() const noexcept { return size() == 0; }
  bool full() const noexcept { return size() >= bound_; }

  // The expiry of the next buffer to go (the oldest, or the soonest to expire). Precondition: !empty().
  std::uint64_t next_expiry() const noexcept { return heap_mode_ ? heap_.front().expiry : slot(head_).expiry; }

  // Precondition: !full().
  void push(Handle&& handle, std::uint64_t expiry) {
    if (heap_mode_) {
      heap_.push_back(Held{std::move(handle), expiry});
      std::push_heap(heap_.begin(), heap_.end(), later);
      return;
    }
    if (size() == slots_.size()) grow();
    slots_[static_cast<std::size_t>(tail_) & (slots_.size() - 1)] = Held{std::move(handle), expiry};
    ++tail_;
  }

  // Removes and returns the next buffer to go. Precondition: !empty().
  Handle pop() {
    if (heap_mode_) {
      std::pop_heap(heap_.begin(), heap_.end(), later);
      Handle out = std::move(heap_.back().handle);
      heap_.pop_back();
      return out;
    }
    std::optional<Held>& s = slots_[static_cast<std::size_t>(head_) & (slots_.size() - 1)];
    Handle out = std::move(s->handle);
    s.reset();
    ++head_;
    return out;
  }

 private:
  static bool later(const Held& a, const Held& b) noexcept { return a.expiry > b.expiry; }
  static std::size_t round_up_pow2(std::size_t n) noexcept {
    std::size_t p = 1;
    while (p < n) p <<= 1;
    return p;
  }
  const Held& slot(std::uint64_t i) const noexcept { return *slots_[static_cast<std::size_t>(i) & (slots_.size() - 1)]; }

  void grow() {
    std::vector<std::optional<Held>> bigger(slots_.size() * 2);
    std::size_t k = 0;
    for (std::uint64_t i = head_; i != tail_; ++i) {
      bigger[k++] = std::move(slots_[static_cast<std::size_t>(i) & (slots_.size() - 1)]);
    }
    slots_ = std::move(bigger);
    head_ = 0;
    tail_ = k;
  }

  std::size_t bound_;
  bool heap_mode_;
  std::vector<std::optional<Held>> slots_;  // FIFO mode
  std::uint64_t head_ = 0;
  std::uint64_t tail_ = 0;
  std::vector<Held> heap_;  // lifetime mode
};

}  // namespace arena::workloads::detail
