// Replaces every global operator new/delete with malloc/posix_memalign/free plus relaxed atomic
// counters, and interposes the C allocation functions over glibc's (see counting_new.hpp). The
// counters are plain globals with constant initialisation, so they work before main, inside the
// C library's own calls and in every thread.
#include "counting_new.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

namespace arena::test::alloc_count {
namespace {

constexpr unsigned kForms = static_cast<unsigned>(Form::kCount);
std::atomic<std::uint64_t> g_by_form[kForms] = {};
std::atomic<std::uint64_t> g_allocations{0};
std::atomic<std::uint64_t> g_deallocations{0};
std::atomic<std::uint64_t> g_c_allocations{0};
std::atomic<std::uint64_t> g_c_frees{0};

void note(Form form) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  g_by_form[static_cast<unsigned>(form)].fetch_add(1, std::memory_order_relaxed);
}

void* plain_alloc(std::size_t size, Form form) noexcept {
  void* p = std::malloc(size == 0 ? 1 : size);
  if (p != nullptr) note(form);
  return p;
}

void* aligned_alloc_counted(std::size_t size, std::align_val_t alignment, Form form) noexcept {
  std::size_t align = static_cast<std::size_t>(alignment);
  if (align < sizeof(void*)) align = sizeof(void*);
  void* p = nullptr;
  if (::posix_memalign(&p, align, size == 0 ? 1 : size) != 0) return nullptr;
  note(form);
  return p;
}

void release(void* p) noexcept {
  if (p == nullptr) return;
  g_deallocations.fetch_add(1, std::memory_order_relaxed);
  std::free(p);
}

}  // namespace

Counts counts() noexcept {
  return {g_allocations.load(std::memory_order_relaxed), g_deallocations.load(std::memory_order_relaxed),
          g_c_allocations.load(std::memory_order_relaxed), g_c_frees.load(std::memory_order_relaxed)};
}

void note_c_allocation(const void* p) noexcept {
  if (p != nullptr) g_c_allocations.fetch_add(1, std::memory_order_relaxed);
}
void note_c_free(const void* p) noexcept {
  if (p != nullptr) g_c_frees.fetch_add(1, std::memory_order_relaxed);
}

bool counts_c_allocations() noexcept {
#ifdef ARENA_SANITIZED
  return false;
#else
  return true;
#endif
}

std::uint64_t allocations_of(Form form) noexcept {
  return g_by_form[static_cast<unsigned>(form)].load(std::memory_order_relaxed);
}

}  // namespace arena::test::alloc_count

using arena::test::alloc_count::Form;
namespace counting = arena::test::alloc_count;

void* operator new(std::size_t size) {
  if (void* p = counting::plain_alloc(size, Form::plain)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
  if (void* p = counting::plain_alloc(size, Form::array)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return counting::plain_alloc(size, Form::nothrow); }
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  return counting::plain_alloc(size, Form::array_nothrow);
}
void* operator new(std::size_t size, std::align_val_t alignment) {
  if (void* p = counting::aligned_alloc_counted(size, alignment, Form::aligned)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size, std::align_val_t alignment) {
  if (void* p = counting::aligned_alloc_counted(size, alignment, Form::array_aligned)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  return counting::aligned_alloc_counted(size, alignment, Form::aligned_nothrow);
}
void* operator new[](std::size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  return counting::aligned_alloc_counted(size, alignment, Form::array_aligned_nothrow);
}

void operator delete(void* p) noexcept { counting::release(p); }
void operator delete[](void* p) noexcept { counting::release(p); }
void operator delete(void* p, std::size_t) noexcept { counting::release(p); }
void operator delete[](void* p, std::size_t) noexcept { counting::release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { counting::release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { counting::release(p); }
void operator delete(void* p, std::align_val_t) noexcept { counting::release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { counting::release(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { counting::release(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { counting::release(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { counting::release(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { counting::release(p); }

// --- The C allocation functions (glibc; not under sanitizers, whose runtimes interpose them) ---
#if !defined(ARENA_SANITIZED) && defined(__GLIBC__)
extern "C" {
void* __libc_malloc(std::size_t size);
void* __libc_calloc(std::size_t count, std::size_t size);
void* __libc_realloc(void* p, std::size_t size);
void* __libc_memalign(std::size_t alignment, std::size_t size);
void __libc_free(void* p);

void* malloc(std::size_t size) noexcept {
  void* p = __libc_malloc(size);
  counting::note_c_allocation(p);
  return p;
}
void* calloc(std::size_t count, std::size_t size) noexcept {
  void* p = __libc_calloc(count, size);
  counting::note_c_allocation(p);
  return p;
}
void* realloc(void* old, std::size_t size) noexcept {
  void* p = __libc_realloc(old, size);
  counting::note_c_allocation(p);
  if (old != nullptr && (p != nullptr || size == 0)) counting::note_c_free(old);
  return p;
}
void* memalign(std::size_t alignment, std::size_t size) noexcept {
  void* p = __libc_memalign(alignment, size);
  counting::note_c_allocation(p);
  return p;
}
void* aligned_alloc(std::size_t alignment, std::size_t size) noexcept {
  void* p = __libc_memalign(alignment, size);
  counting::note_c_allocation(p);
  return p;
}
int posix_memalign(void** out, std::size_t alignment, std::size_t size) noexcept {
  if (alignment < sizeof(void*) || (alignment & (alignment - 1)) != 0) return 22;  // EINVAL
  void* p = __libc_memalign(alignment, size);
  if (p == nullptr) return 12;  // ENOMEM
  counting::note_c_allocation(p);
  *out = p;
  return 0;
}
void free(void* p) noexcept {
  counting::note_c_free(p);
  __libc_free(p);
}
}  // extern "C"
#endif
