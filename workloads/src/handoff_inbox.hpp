// HandoffInbox: the bounded mailbox through which a worker hands a frozen handle to another
// worker, which drops it (the cross-thread release that servers do all day). Any worker may push;
// only the owner takes, by swapping the whole batch out under the lock, so the owner's check for
// mail is one relaxed load of a flag. Both vectors are reserved to the bound up front: no
// allocation in the steady state. The one thing not to get wrong: a full inbox refuses the push
// (the sender keeps and drops the handle itself) - a sender never waits for a receiver, which may
// already have finished its operations.
#pragma once

#include <atomic>
#include <cstddef>
#include <mutex>
#include <utility>
#include <vector>

namespace arena::workloads::detail {

template <class Handle>
class alignas(64) HandoffInbox {
 public:
  explicit HandoffInbox(std::size_t bound = 4096) : bound_(bound) { items_.reserve(bound_); }
  HandoffInbox(const HandoffInbox&) = delete;
  HandoffInbox& operator=(const HandoffInbox&) = delete;

  // False (and `handle` untouched) when the inbox is full.
  bool push(Handle& handle) {
    std::lock_guard lock(mutex_);
    if (items_.size() >= bound_) return false;
    items_.push_back(std::move(handle));
    has_mail_.store(true, std::memory_order_release);
    return true;
  }

  bool has_mail() const noexcept { return has_mail_.load(std::memory_order_relaxed); }

  // Swaps the pending handles into `out` (which must be empty; give it capacity bound() once).
  void take(std::vector<Handle>& out) {
    std::lock_guard lock(mutex_);
    items_.swap(out);
    has_mail_.store(false, std::memory_order_relaxed);
  }

  std::size_t bound() const noexcept { return bound_; }

 private:
  std::mutex mutex_;
  std::vector<Handle> items_;
  std::atomic<bool> has_mail_{false};
  std::size_t bound_;
};

}  // namespace arena::workloads::detail
