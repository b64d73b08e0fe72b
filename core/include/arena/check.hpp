// Broken invariants and contract violations: the third tier of failure (the first two are Result
// values and, at the CLI boundary, bad-input exceptions).
//
// ARENA_CHECK(cond, fmt, ...) is always on and meant for cheap checks guarding memory safety;
// ARENA_ASSERT(cond, fmt, ...) compiles away under NDEBUG. Both print one line
// "arena: <message> [<file>:<line> <function>]" to stderr and abort. A contract violation by the
// caller (writing past capacity, a bad slice range) goes through detail::contract_violation, which
// prints the same one line naming the operation and the numbers.
#pragma once

namespace arena::detail {

// Prints "arena: <formatted message> [file:line function]" on one line to stderr, then aborts.
[[noreturn]] void check_failed(const char* file, int line, const char* function, const char* fmt, ...) noexcept
    __attribute__((format(printf, 4, 5), cold));

}  // namespace arena::detail

#define ARENA_CHECK(cond, ...)                                                       \
  do {                                                                               \
    if (!(cond)) [[unlikely]]                                                        \
      ::arena::detail::check_failed(__FILE__, __LINE__, __func__, __VA_ARGS__);      \
  } while (false)

#ifdef NDEBUG
#define ARENA_ASSERT(cond, ...) \
  do {                          \
  } while (false)
#else
#define ARENA_ASSERT(cond, ...) ARENA_CHECK(cond, __VA_ARGS__)
#endif
