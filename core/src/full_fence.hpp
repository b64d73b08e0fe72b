// full_fence(): a sequentially consistent fence, for the store-buffer patterns of the waiting
// code (a waiter's "armed" store vs a releaser's publish). ThreadSanitizer does not model
// standalone fences (and g++ warns about them under -fsanitize=thread), so there the fence is a
// seq_cst read-modify-write of a dummy atomic: a full barrier on x86 all the same, and an
// operation TSan understands.
#pragma once

#include <atomic>

#if defined(__SANITIZE_THREAD__)
#define ARENA_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ARENA_TSAN 1
#endif
#endif

namespace arena::detail {

inline void full_fence() noexcept {
#ifdef ARENA_TSAN
  static std::atomic<int> dummy{0};
  dummy.fetch_add(0, std::memory_order_seq_cst);
#else
  std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
}

}  // namespace arena::detail
