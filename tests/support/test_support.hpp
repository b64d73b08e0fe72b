// Small helpers shared by the test files: byte/text conversions, pattern checks and unwrapping a
// Result inside a test (REQUIRE with the error's message, so a failed build or allocation says why).
//
// Nothing here may hide behaviour under test: helpers only convert and compare, they never call
// into the arena except through the public API the test passes in.
#pragma once

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "arena/arena.hpp"

namespace arena::test {

inline std::span<const std::byte> bytes_of(std::string_view text) noexcept {
  return std::as_bytes(std::span<const char>(text.data(), text.size()));
}

inline std::string text_of(std::span<const std::byte> bytes) {
  std::string s;
  s.reserve(bytes.size());
  for (std::byte b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

inline std::vector<std::uint8_t> octets_of(std::span<const std::byte> bytes) {
  std::vector<std::uint8_t> v;
  v.reserve(bytes.size());
  for (std::byte b : bytes) v.push_back(static_cast<std::uint8_t>(b));
  return v;
}

// True when every byte of `bytes` equals `value` (vacuously true for an empty span).
inline bool all_bytes_are(std::span<const std::byte> bytes, std::byte value) noexcept {
  for (std::byte b : bytes) {
    if (b != value) return false;
  }
  return true;
}

// How many bytes of `bytes` differ from `value`.
inline std::size_t count_not(std::span<const std::byte> bytes, std::byte value) noexcept {
  std::size_t n = 0;
  for (std::byte b : bytes) n += b != value ? 1u : 0u;
  return n;
}

// The value of a Result, REQUIREd to be there (the test stops with the error's message otherwise).
template <class T>
T take(Result<T>&& result) {
  REQUIRE_MESSAGE(result.has_value(), "unexpected error: " << result.error().message());
  return std::move(result).value();
}

// Builds an arena, REQUIREd to succeed.
template <class B>
auto build(B&& builder) {
  return take(std::forward<B>(builder).build());
}

}  // namespace arena::test

// Errc in doctest messages: its name and message instead of a bare number.
namespace doctest {
template <>
struct StringMaker<arena::Errc> {
  static String convert(arena::Errc e) { return make_error_code(e).message().c_str(); }
};
}  // namespace doctest
