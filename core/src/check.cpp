// Termination paths: failed checks and the contract violations detected in inline code (slice
// range, reference count overflow). Each prints exactly one line to stderr, then aborts.
#include "arena/check.hpp"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>

#include "arena/bytes.hpp"
#include "arena/detail/owner.hpp"

namespace arena::detail {

void check_failed(const char* file, int line, const char* function, const char* fmt, ...) noexcept {
  char message[512];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(message, sizeof message, fmt, args);
  va_end(args);
  std::fprintf(stderr, "arena: %s [%s:%d %s]\n", message, file, line, function);
  std::fflush(stderr);
  std::abort();
}

void refcount_overflow() noexcept {
  ARENA_CHECK(false, "Bytes: reference count overflow (more than %u references to one allocation)", UINT32_MAX);
  std::abort();
}

void slice_out_of_range(std::size_t begin, std::size_t end, std::size_t size) noexcept {
  ARENA_CHECK(false, "Bytes::slice(%zu, %zu): %s (size %zu)", begin, end,
              begin > end ? "begin is greater than end" : "end is past the end", size);
  std::abort();
}

}  // namespace arena::detail
