// Counting replacements of the global operator new/delete (every form: plain, array, nothrow,
// aligned, sized) and, in non-sanitizer builds, of the C allocation functions (malloc, calloc,
// realloc, posix_memalign, aligned_alloc, memalign, free; forwarded to glibc's __libc_*), for
// arena_alloc_count_tests. Counts only grow; a test reads them before and after a window.
// Not for sanitizer builds: ASan/TSan own the allocator (the test is not registered there).
#pragma once

#include <cstdint>

namespace arena::test::alloc_count {

// The allocation functions by form, so that a test can show that a given form is counted.
enum class Form : unsigned { plain, array, nothrow, array_nothrow, aligned, array_aligned, aligned_nothrow,
                             array_aligned_nothrow, kCount };

struct Counts {
  std::uint64_t allocations = 0;    // calls of any operator new that returned memory
  std::uint64_t deallocations = 0;  // calls of any operator delete with a non-null pointer
  std::uint64_t c_allocations = 0;  // malloc-family calls that returned memory (operator new's included)
  std::uint64_t c_frees = 0;        // free() of a non-null pointer (operator delete's included)
};

// True when the C allocation functions are counted too (not in sanitizer builds).
bool counts_c_allocations() noexcept;

Counts counts() noexcept;
std::uint64_t allocations_of(Form form) noexcept;

}  // namespace arena::test::alloc_count
