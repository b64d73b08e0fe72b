// The "arena" std::error_category: one line per Errc, and the termination for reading the value
// of a Result that holds an error.
#include "arena/error.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

namespace arena {
namespace {

class ArenaCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "arena"; }
  std::string message(int code) const override {
    switch (static_cast<Errc>(code)) {
      case Errc::arena_full: return "arena full: no free slot or block of the requested size";
      case Errc::request_too_large: return "request too large: exceeds the arena's usable size";
      case Errc::invalid_argument: return "invalid argument: a size, count or length must be non-zero";
      case Errc::size_overflow: return "size overflow: the arena's size does not fit in memory addresses";
      case Errc::invalid_alignment: return "invalid alignment: must be a power of two";
      case Errc::invalid_geometry: return "invalid geometry: total must be a power-of-two multiple of a power-of-two minimum block";
      case Errc::slot_size_exceeds_backing: return "slot size exceeds backing: the slot is larger than the region";
      case Errc::zero_usable_slots: return "zero usable slots: nothing usable fits the region";
      case Errc::null_pointer: return "null pointer: the region's address is null";
      case Errc::out_of_memory: return "out of memory: could not allocate the arena's backing memory";
      case Errc::buffer_full: return "buffer full: the data does not fit the remaining capacity";
      case Errc::invalid_range: return "invalid range: begin > end or end past the region's capacity";
      case Errc::timed_out: return "timed out: no capacity became free before the deadline";
      case Errc::not_supported: return "not supported: the system (or this topology) cannot do that";
    }
    return "unknown arena error " + std::to_string(code);
  }
};

}  // namespace

const std::error_category& error_category() noexcept {
  static const ArenaCategory category;
  return category;
}

std::error_code make_error_code(Errc e) noexcept { return {static_cast<int>(e), error_category()}; }

namespace detail {
void bad_result_access(std::error_code ec, const char* operation) noexcept {
  std::fprintf(stderr, "arena: %s called on a Result holding an error: %s\n", operation, ec.message().c_str());
  std::fflush(stderr);
  std::abort();
}
}  // namespace detail

}  // namespace arena
