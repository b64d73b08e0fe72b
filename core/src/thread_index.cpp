// Per-thread index, assigned on first use from a process-wide counter.
#include "thread_index.hpp"

#include <atomic>

namespace arena::detail {

std::uint32_t this_thread_index() noexcept {
  static std::atomic<std::uint32_t> next{1};
  thread_local const std::uint32_t index = next.fetch_add(1, std::memory_order_relaxed);
  return index;
}

}  // namespace arena::detail
