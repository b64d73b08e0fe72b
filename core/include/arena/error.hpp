// Errors as values: the one error enum of the library, its std::error_category, and Result<T>.
//
// Every expected failure (arena full, bad geometry, deadline passed) comes back as a Result holding
// an Errc; nothing in the library throws for them. Reading the value of a Result that holds an
// error is a contract violation: it terminates with the error's message, it is never undefined.
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <system_error>
#include <type_traits>
#include <utility>

namespace arena {

// The error conditions of the library. Numbering starts at 1 so that no condition is "success".
enum class Errc {
  // Allocation [R-ERR-1]
  arena_full = 1,     // transient: no free slot/block of the needed size was seen; a retry may succeed
  request_too_large,  // permanent: the request exceeds the arena's usable size
  // Build [R-ERR-2]
  invalid_argument,           // a size, count or length of zero where a positive one is needed
  size_overflow,              // a size computation does not fit in std::size_t
  invalid_alignment,          // alignment is not a power of two
  invalid_geometry,           // buddy total/min-block/alignment do not form a valid geometry
  slot_size_exceeds_backing,  // the requested slot is larger than the caller's region
  zero_usable_slots,          // nothing usable fits the caller's region
  null_pointer,               // a null region was handed to from_raw
  out_of_memory,              // the arena could not allocate its own backing memory
  // Writes and raw freeze [R-ERR-3/4]
  buffer_full,    // try_put: the data does not fit and nothing was written
  invalid_range,  // raw freeze: begin > end or end past the region's capacity
  // Waiting
  timed_out,  // allocate_wait: the deadline passed before capacity became free
  // Added beside api.md's list
  not_supported,  // the system cannot do this (NUMA: binding on a synthetic topology, hwloc failures)
};

// The category of Errc; name() is "arena", message() is one line naming the condition.
const std::error_category& error_category() noexcept;

// Makes an error_code of the arena category (found by ADL, so `std::error_code ec = Errc::x;` works).
std::error_code make_error_code(Errc e) noexcept;

}  // namespace arena

template <>
struct std::is_error_code_enum<arena::Errc> : std::true_type {};

namespace arena {
namespace detail {
// Terminates the process with the message of `ec`, naming the operation that read a missing value.
[[noreturn]] void bad_result_access(std::error_code ec, const char* operation) noexcept;
}  // namespace detail

// Result<T>: either a T or a non-zero std::error_code. Shaped like std::expected (C++23) so that a
// later switch is mechanical. Construct from a value, from an Errc or from a std::error_code.
//
//   Result<Buffer> r = arena.allocate();
//   if (!r) { if (r.error() == Errc::arena_full) retry(); else fail(r.error().message()); }
//   Buffer b = std::move(r).value();
template <class T>
class [[nodiscard]] Result {
  static_assert(!std::is_reference_v<T>, "Result<T&> is not supported");

 public:
  using value_type = T;

  // A success holding `value`.
  Result(T value) noexcept(std::is_nothrow_move_constructible_v<T>)  // NOLINT: implicit on purpose
      : has_value_(true) {
    ::new (static_cast<void*>(std::addressof(value_))) T(std::move(value));
  }
  // A failure. `e` must not be zero (a zero code is turned into Errc::invalid_argument).
  Result(Errc e) noexcept : Result(make_error_code(e)) {}  // NOLINT: implicit on purpose
  Result(std::error_code ec) noexcept : has_value_(false) {  // NOLINT: implicit on purpose
    ::new (static_cast<void*>(std::addressof(error_))) std::error_code(ec ? ec : make_error_code(Errc::invalid_argument));
  }

  Result(const Result& other) requires std::is_copy_constructible_v<T> : has_value_(other.has_value_) {
    if (has_value_) ::new (static_cast<void*>(std::addressof(value_))) T(other.value_);
    else ::new (static_cast<void*>(std::addressof(error_))) std::error_code(other.error_);
  }
  Result(Result&& other) noexcept(std::is_nothrow_move_constructible_v<T>) : has_value_(other.has_value_) {
    if (has_value_) ::new (static_cast<void*>(std::addressof(value_))) T(std::move(other.value_));
    else ::new (static_cast<void*>(std::addressof(error_))) std::error_code(other.error_);
  }
  Result& operator=(const Result& other) requires std::is_copy_constructible_v<T> {
    if (this != &other) { destroy(); ::new (static_cast<void*>(this)) Result(other); }
    return *this;
  }
  Result& operator=(Result&& other) noexcept(std::is_nothrow_move_constructible_v<T>) {
    if (this != &other) { destroy(); ::new (static_cast<void*>(this)) Result(std::move(other)); }
    return *this;
  }
  ~Result() { destroy(); }

  bool has_value() const noexcept { return has_value_; }
  explicit operator bool() const noexcept { return has_value_; }

  // The value. On an error: terminates with the error's message (never undefined behaviour).
  T& value() & { check("Result::value"); return value_; }
  const T& value() const& { check("Result::value"); return value_; }
  T&& value() && { check("Result::value"); return std::move(value_); }
  T& operator*() & { check("Result::operator*"); return value_; }
  const T& operator*() const& { check("Result::operator*"); return value_; }
  T&& operator*() && { check("Result::operator*"); return std::move(value_); }
  T* operator->() { check("Result::operator->"); return std::addressof(value_); }
  const T* operator->() const { check("Result::operator->"); return std::addressof(value_); }

  // The value, or `fallback` on an error.
  template <class U>
  T value_or(U&& fallback) && { return has_value_ ? std::move(value_) : static_cast<T>(std::forward<U>(fallback)); }

  // The error; a default (zero, "success") error_code when this holds a value.
  // Comparable with Errc: `r.error() == Errc::arena_full`.
  std::error_code error() const noexcept { return has_value_ ? std::error_code() : error_; }

 private:
  void check(const char* operation) const noexcept {
    if (!has_value_) [[unlikely]] detail::bad_result_access(error_, operation);
  }
  void destroy() noexcept {
    if (has_value_) value_.~T();
    else error_.~error_code();
  }

  union {
    T value_;
    std::error_code error_;
  };
  bool has_value_;
};

// Result<void>: success, or a non-zero std::error_code.
template <>
class [[nodiscard]] Result<void> {
 public:
  using value_type = void;

  Result() noexcept = default;                                   // success
  Result(Errc e) noexcept : error_(make_error_code(e)) {}        // NOLINT: implicit on purpose
  Result(std::error_code ec) noexcept                            // NOLINT: implicit on purpose
      : error_(ec ? ec : make_error_code(Errc::invalid_argument)) {}

  bool has_value() const noexcept { return !error_; }
  explicit operator bool() const noexcept { return !error_; }
  // Terminates with the error's message when this holds an error.
  void value() const {
    if (error_) [[unlikely]] detail::bad_result_access(error_, "Result<void>::value");
  }
  std::error_code error() const noexcept { return error_; }

 private:
  std::error_code error_;
};

}  // namespace arena
