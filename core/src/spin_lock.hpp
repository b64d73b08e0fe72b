// SpinLock: the buddy arena's lock. Test-and-test-and-set: waiters spin on a plain load (no
// cache-line ping-pong), back off with the CPU's pause hint, and yield the core after a while so
// that a preempted holder (two cores, more threads) can finish. Critical sections are short and
// bounded (O(log n) work), which is what makes spinning the right choice over a futex.
#pragma once

#include <atomic>
#include <thread>

namespace arena::detail {

class SpinLock {
 public:
  void lock() noexcept {
    for (unsigned spins = 0;; ++spins) {
      // acquire: the critical section sees everything the previous holder wrote before unlock.
      if (!locked_.exchange(true, std::memory_order_acquire)) return;
      while (locked_.load(std::memory_order_relaxed)) {
        if (++spins < 128) pause();
        else std::this_thread::yield();
      }
    }
  }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

 private:
  static void pause() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
  }
  std::atomic<bool> locked_{false};
};

// Scoped holder.
class SpinGuard {
 public:
  explicit SpinGuard(SpinLock& lock) noexcept : lock_(lock) { lock_.lock(); }
  ~SpinGuard() { lock_.unlock(); }
  SpinGuard(const SpinGuard&) = delete;
  SpinGuard& operator=(const SpinGuard&) = delete;

 private:
  SpinLock& lock_;
};

}  // namespace arena::detail
