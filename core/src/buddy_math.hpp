// Buddy arithmetic on <bit>: orders, block sizes and buddy addresses, with checked overflow.
// Everything is constexpr so that the numbers of the spec (R-GEO-*, R-BUD-2, R-RAW-3) can be
// checked at compile time as well as in tests.
#pragma once

#include <bit>
#include <cstddef>
#include <optional>

namespace arena::detail::buddy {

inline constexpr std::size_t kMaxSize = static_cast<std::size_t>(-1);

constexpr bool is_pow2(std::size_t x) noexcept { return x != 0 && std::has_single_bit(x); }

// The next power of two >= x (x >= 1), or nothing when it does not fit in std::size_t.
constexpr std::optional<std::size_t> next_pow2(std::size_t x) noexcept {
  if (x <= 1) return std::size_t{1};
  if (x > (kMaxSize >> 1) + 1) return std::nullopt;
  return std::bit_ceil(x);
}

// The largest power of two <= x (0 for 0).
constexpr std::size_t prev_pow2(std::size_t x) noexcept { return x == 0 ? 0 : std::bit_floor(x); }

constexpr unsigned log2_exact(std::size_t pow2) noexcept { return static_cast<unsigned>(std::countr_zero(pow2)); }

// Order of a request of `len` bytes in an arena of `total` bytes with minimum block `min`
// (both powers of two): s = next power of two >= max(len, min); nothing if s > total (also when s
// does not fit in std::size_t) [R-BUD-2, L-3].
constexpr std::optional<unsigned> order_for(std::size_t len, std::size_t min, std::size_t total) noexcept {
  if (len > total) return std::nullopt;
  const std::optional<std::size_t> s = next_pow2(len < min ? min : len);
  if (!s || *s > total) return std::nullopt;
  return log2_exact(*s) - log2_exact(min);
}

// Index of the buddy of block `index` at any order: the other half of the same parent.
constexpr std::size_t buddy_of(std::size_t index) noexcept { return index ^ 1u; }

static_assert(order_for(700, 512, 4096) == 1u);
static_assert(order_for(4096, 512, 4096) == 3u);
static_assert(!order_for(8192, 512, 4096));
static_assert(!order_for(kMaxSize, 512, 4096));
static_assert(order_for(1, 256, 256) == 0u);

}  // namespace arena::detail::buddy
