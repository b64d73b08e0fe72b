// Backing memory: the only place core asks the system for memory or facts about it. Aligned
// allocation of an arena's region, the page-size query, the prefault walk, and a wipe the
// compiler may not elide (InitPolicy::zero scrubs memory that nobody reads afterwards).
#pragma once

#include <cstddef>
#include <optional>

#include "arena/dealloc.hpp"

namespace arena::detail {

// Where an arena's memory came from and how it goes back.
struct Backing {
  std::byte* base = nullptr;
  std::size_t size = 0;       // bytes in use (slots, or the buddy's usable total)
  std::size_t alignment = 1;  // alignment passed to allocate_backing (self-allocated only)
  bool self_allocated = true;
  // Raw-backed: the caller's original region and its deallocator [R-RAW-4].
  void* raw_ptr = nullptr;
  std::size_t raw_len = 0;
  std::optional<Dealloc> dealloc;
};

// Gives the memory back: free_backing, or the caller's Dealloc with the ORIGINAL pointer and length.
void release_backing(Backing& backing) noexcept;

// `size` bytes aligned to `alignment` (a power of two); nullptr when the memory cannot be had.
std::byte* allocate_backing(std::size_t size, std::size_t alignment) noexcept;
void free_backing(std::byte* ptr, std::size_t size, std::size_t alignment) noexcept;

// Zeroes [ptr, ptr + size) even if no later read is visible to the compiler.
void secure_zero(std::byte* ptr, std::size_t size) noexcept;

}  // namespace arena::detail
