// InputError: the one exception type for bad user input in the workloads layer (a profile, a
// trace, a report, a --set override, a size that does not parse). It names where (the file or
// source), which field (a JSON-pointer-like path such as "allocators[1].slot_size"), and what was
// expected; the CLI prints what() as one line and exits with code 2.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace arena::workloads {

class InputError : public std::runtime_error {
 public:
  // what() = "SOURCE: FIELD: expected EXPECTED" (+ ", got GOT" when `got` is not empty).
  InputError(std::string source, std::string field, std::string expected, std::string got = {});

  const std::string& source() const noexcept { return source_; }
  const std::string& field() const noexcept { return field_; }
  const std::string& expected() const noexcept { return expected_; }

 private:
  std::string source_;
  std::string field_;
  std::string expected_;
};

// Parses a byte size: a whole number of bytes, or a number with a unit B, KB/KiB, MB/MiB, GB/GiB,
// TB/TiB (KB = 1000, KiB = 1024; case-insensitive; "4KiB", "64MiB", "1.5MiB" when whole). Throws
// InputError(source, field, ...) when it does not parse, is zero (unless allow_zero) or overflows.
std::size_t parse_byte_size(const std::string& text, const std::string& source, const std::string& field,
                            bool allow_zero = false);
// "4 KiB", "64 MiB", "512 B": the largest binary unit that divides the value exactly.
std::string format_byte_size(std::size_t bytes);

}  // namespace arena::workloads
