// Backing memory: the only place core asks the system for memory or facts about it. Aligned
// allocation of an arena's region, the page-size query, the prefault walk, and a wipe the
// compiler may not elide (InitPolicy::zero scrubs memory that nobody reads afterwards).
#pragma once

#include <cstddef>

namespace arena::detail {

// `size` bytes aligned to `alignment` (a power of two); nullptr when the memory cannot be had.
std::byte* allocate_backing(std::size_t size, std::size_t alignment) noexcept;
void free_backing(std::byte* ptr, std::size_t size, std::size_t alignment) noexcept;

// Zeroes [ptr, ptr + size) even if no later read is visible to the compiler.
void secure_zero(std::byte* ptr, std::size_t size) noexcept;

}  // namespace arena::detail
