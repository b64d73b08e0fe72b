// Backing memory for self-allocated arenas, page size detection and the prefault walk.
#include "backing_memory.hpp"

#include <cstring>
#include <new>
#include <utility>

#include "arena/options.hpp"
#include "arena/unfaulted.hpp"

#if __has_include(<unistd.h>)
#include <unistd.h>
#define ARENA_HAVE_SYSCONF 1
#endif

namespace arena {

PageSize PageSize::detect() noexcept {
#ifdef ARENA_HAVE_SYSCONF
  const long page = ::sysconf(_SC_PAGESIZE);
  if (page > 0) return PageSize(static_cast<std::size_t>(page));
#endif
  return unknown();
}

namespace detail {

std::byte* allocate_backing(std::size_t size, std::size_t alignment) noexcept {
  return static_cast<std::byte*>(::operator new(size, std::align_val_t{alignment}, std::nothrow));
}

void free_backing(std::byte* ptr, std::size_t /*size*/, std::size_t alignment) noexcept {
  ::operator delete(ptr, std::align_val_t{alignment});  // unsized: clang 14 has no sized delete by default
}

void release_backing(Backing& backing) noexcept {
  if (backing.self_allocated) {
    free_backing(backing.base, backing.size, backing.alignment);
  } else if (backing.dealloc) {
    std::move (*backing.dealloc)(backing.raw_ptr, backing.raw_len);
    backing.dealloc.reset();
  }
}

void secure_zero(std::byte* ptr, std::size_t size) noexcept {
  std::memset(ptr, 0, size);
  // The empty asm takes the pointer and clobbers memory: the compiler must assume the zeroes are
  // read, so the memset above cannot be removed as a dead store.
  __asm__ __volatile__("" : : "r"(ptr) : "memory");
}

void prefault(std::byte* base, std::size_t size, std::size_t page) noexcept {
  if (page == 0) return;
  for (std::size_t offset = 0; offset < size; offset += page) {
    // A volatile store: one write per page, in address order, that the compiler keeps [R-POL-3].
    *static_cast<volatile std::byte*>(base + offset) = std::byte{0};
    if (size - offset <= page) break;  // the next offset would be past the end (or wrap)
  }
}

}  // namespace detail
}  // namespace arena
