// The countdown allocator of failing_new.hpp: replacements of every global operator new/delete on
// top of malloc/posix_memalign/free. The state is a few atomics with constant initialisation, so it
// works before main and in every thread.
#include "failing_new.hpp"

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

namespace arena::test::fault {
namespace {

constexpr std::int64_t kDisarmed = -1;
std::atomic<std::int64_t> g_countdown{kDisarmed};  // allocations left before the failure; -1: none
std::atomic<std::uint64_t> g_failures{0};
std::atomic<std::int64_t> g_live{0};

// True when this allocation is the one to fail.
bool should_fail() noexcept {
  std::int64_t left = g_countdown.load(std::memory_order_relaxed);
  while (left != kDisarmed) {
    const std::int64_t next = left == 0 ? kDisarmed : left - 1;
    if (g_countdown.compare_exchange_weak(left, next, std::memory_order_relaxed)) {
      if (left != 0) return false;
      g_failures.fetch_add(1, std::memory_order_relaxed);
      return true;
    }
  }
  return false;
}

void* allocate(std::size_t size, std::size_t alignment) noexcept {
  if (should_fail()) return nullptr;
  void* p = nullptr;
  if (alignment <= alignof(std::max_align_t)) {
    p = std::malloc(size == 0 ? 1 : size);
  } else if (::posix_memalign(&p, alignment, size == 0 ? 1 : size) != 0) {
    p = nullptr;
  }
  if (p != nullptr) g_live.fetch_add(1, std::memory_order_relaxed);
  return p;
}

void release(void* p) noexcept {
  if (p == nullptr) return;
  g_live.fetch_sub(1, std::memory_order_relaxed);
  std::free(p);
}

void* allocate_or_throw(std::size_t size, std::size_t alignment) {
  if (void* p = allocate(size, alignment)) return p;
  throw std::bad_alloc();
}

}  // namespace

void fail_after(std::uint64_t n) noexcept { g_countdown.store(static_cast<std::int64_t>(n), std::memory_order_relaxed); }
void disarm() noexcept { g_countdown.store(kDisarmed, std::memory_order_relaxed); }
bool armed() noexcept { return g_countdown.load(std::memory_order_relaxed) != kDisarmed; }
std::uint64_t failures() noexcept { return g_failures.load(std::memory_order_relaxed); }
std::int64_t live_allocations() noexcept { return g_live.load(std::memory_order_relaxed); }

}  // namespace arena::test::fault

namespace fault = arena::test::fault;
namespace {
constexpr std::size_t kPlain = alignof(std::max_align_t);
std::size_t align_of(std::align_val_t a) noexcept { return static_cast<std::size_t>(a); }
}  // namespace

void* operator new(std::size_t size) { return fault::allocate_or_throw(size, kPlain); }
void* operator new[](std::size_t size) { return fault::allocate_or_throw(size, kPlain); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return fault::allocate(size, kPlain); }
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept { return fault::allocate(size, kPlain); }
void* operator new(std::size_t size, std::align_val_t a) { return fault::allocate_or_throw(size, align_of(a)); }
void* operator new[](std::size_t size, std::align_val_t a) { return fault::allocate_or_throw(size, align_of(a)); }
void* operator new(std::size_t size, std::align_val_t a, const std::nothrow_t&) noexcept {
  return fault::allocate(size, align_of(a));
}
void* operator new[](std::size_t size, std::align_val_t a, const std::nothrow_t&) noexcept {
  return fault::allocate(size, align_of(a));
}

void operator delete(void* p) noexcept { fault::release(p); }
void operator delete[](void* p) noexcept { fault::release(p); }
void operator delete(void* p, std::size_t) noexcept { fault::release(p); }
void operator delete[](void* p, std::size_t) noexcept { fault::release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { fault::release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { fault::release(p); }
void operator delete(void* p, std::align_val_t) noexcept { fault::release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { fault::release(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { fault::release(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { fault::release(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { fault::release(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { fault::release(p); }
