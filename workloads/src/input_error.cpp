// InputError (input_error.hpp): the one-line message for bad user input, and the byte-size
// syntax shared by profiles, traces and --set ("4096", "4KiB", "1.5MiB", "2 GB").
// The one thing not to get wrong: what() is always ONE line of printable text, whatever bytes the
// input held (control characters and invalid UTF-8 are escaped), because the CLI prints it as is.
#include "arena/workloads/input_error.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

namespace arena::workloads {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void append_escaped_byte(std::string& out, unsigned char c) {
  out += "\\x";
  out += kHex[c >> 4];
  out += kHex[c & 0xF];
}

// Length of the valid UTF-8 sequence starting at text[i] (2..4), or 0 when it is not one.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  std::size_t length = 0;
  std::uint32_t min_code = 0;
  if ((lead & 0xE0u) == 0xC0u) {
    length = 2;
    min_code = 0x80;
  } else if ((lead & 0xF0u) == 0xE0u) {
    length = 3;
    min_code = 0x800;
  } else if ((lead & 0xF8u) == 0xF0u) {
    length = 4;
    min_code = 0x10000;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  std::uint32_t code = lead & (0x7Fu >> length);
  for (std::size_t k = 1; k < length; ++k) {
    const auto c = static_cast<unsigned char>(text[i + k]);
    if ((c & 0xC0u) != 0x80u) return 0;
    code = (code << 6) | (c & 0x3Fu);
  }
  if (code < min_code || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
  return length;
}

// Printable one-line text: control characters as \n, \t, \xNN; invalid UTF-8 bytes as \xNN.
std::string one_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      out += "\\n";
      ++i;
    } else if (c == '\r') {
      out += "\\r";
      ++i;
    } else if (c == '\t') {
      out += "\\t";
      ++i;
    } else if (c < 0x20 || c == 0x7F) {
      append_escaped_byte(out, c);
      ++i;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
    } else if (const std::size_t length = utf8_sequence_length(text, i); length != 0) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      append_escaped_byte(out, c);
      ++i;
    }
  }
  return out;
}

std::string compose(const std::string& source, const std::string& field, const std::string& expected,
                    const std::string& got) {
  std::string message;
  if (!source.empty()) message += source + ": ";
  if (!field.empty()) message += field + ": ";
  message += "expected " + expected;
  if (!got.empty()) message += ", got " + got;
  return one_line(message);
}

bool is_space(char c) { return c == ' ' || c == '\t'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// The multiplier of a unit (lower-cased, spaces removed), 0 when it is not one.
std::uint64_t unit_multiplier(std::string_view unit) {
  struct Unit {
    std::string_view name;
    std::uint64_t multiplier;
  };
  static constexpr std::array<Unit, 9> kUnits = {{
      {"", 1},
      {"b", 1},
      {"kb", 1000ull},
      {"kib", 1ull << 10},
      {"mb", 1000ull * 1000},
      {"mib", 1ull << 20},
      {"gb", 1000ull * 1000 * 1000},
      {"gib", 1ull << 30},
      {"tb", 1000ull * 1000 * 1000 * 1000},
  }};
  for (const Unit& u : kUnits) {
    if (u.name == unit) return u.multiplier;
  }
  if (unit == "tib") return 1ull << 40;
  return 0;
}

// a * b, false on overflow.
bool checked_multiply(std::uint64_t a, std::uint64_t b, std::uint64_t& out) {
  if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) return false;
  out = a * b;
  return true;
}

}  // namespace

InputError::InputError(std::string source, std::string field, std::string expected, std::string got)
    : std::runtime_error(compose(source, field, expected, got)),
      source_(std::move(source)),
      field_(std::move(field)),
      expected_(std::move(expected)) {}

std::size_t parse_byte_size(const std::string& text, const std::string& source, const std::string& field,
                            bool allow_zero) {
  constexpr std::size_t kMaxFractionDigits = 6;
  const std::string expected = allow_zero
                                   ? "a byte size such as 4096, \"4KiB\" or \"1.5MiB\" (units B, KB, KiB, MB, "
                                     "MiB, GB, GiB, TB, TiB)"
                                   : "a byte size >= 1 such as 4096, \"4KiB\" or \"1.5MiB\" (units B, KB, KiB, "
                                     "MB, MiB, GB, GiB, TB, TiB)";
  const std::string got = "\"" + text + "\"";
  auto fail = [&](const std::string& why) -> std::size_t {
    throw InputError(source, field, why.empty() ? expected : expected + "; " + why, got);
  };

  std::size_t i = 0;
  while (i < text.size() && is_space(text[i])) ++i;
  // Whole part.
  const std::size_t whole_begin = i;
  std::uint64_t whole = 0;
  bool overflow = false;
  while (i < text.size() && is_digit(text[i])) {
    const auto digit = static_cast<std::uint64_t>(text[i] - '0');
    if (whole > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) overflow = true;
    if (!overflow) whole = whole * 10 + digit;
    ++i;
  }
  if (i == whole_begin) return fail("");
  // Fraction.
  std::uint64_t fraction = 0;
  std::uint64_t fraction_scale = 1;
  if (i < text.size() && text[i] == '.') {
    ++i;
    const std::size_t fraction_begin = i;
    std::string digits;
    while (i < text.size() && is_digit(text[i])) digits += text[i++];
    if (i == fraction_begin) return fail("");
    while (!digits.empty() && digits.back() == '0') digits.pop_back();
    if (digits.size() > kMaxFractionDigits) return fail("at most 6 decimals");
    for (char d : digits) {
      fraction = fraction * 10 + static_cast<std::uint64_t>(d - '0');
      fraction_scale *= 10;
    }
  }
  // Unit.
  while (i < text.size() && is_space(text[i])) ++i;
  std::string unit;
  while (i < text.size() && !is_space(text[i])) unit += lower(text[i++]);
  while (i < text.size() && is_space(text[i])) ++i;
  if (i != text.size()) return fail("one number and one unit");
  const std::uint64_t multiplier = unit_multiplier(unit);
  if (multiplier == 0) return fail("unknown unit");

  std::uint64_t bytes = 0;
  if (overflow || !checked_multiply(whole, multiplier, bytes)) return fail("at most 2^64 - 1 bytes");
  if (fraction != 0) {
    // fraction < 10^6 and multiplier <= 2^40: the product fits in 64 bits.
    const std::uint64_t scaled = fraction * multiplier;
    if (scaled % fraction_scale != 0) return fail("a whole number of bytes");
    const std::uint64_t extra = scaled / fraction_scale;
    if (bytes > std::numeric_limits<std::uint64_t>::max() - extra) return fail("at most 2^64 - 1 bytes");
    bytes += extra;
  }
  if (bytes > std::numeric_limits<std::size_t>::max()) return fail("a size that fits in memory");
  if (bytes == 0 && !allow_zero) return fail("");
  return static_cast<std::size_t>(bytes);
}

std::string format_byte_size(std::size_t bytes) {
  static constexpr std::array<const char*, 5> kUnits = {"B", "KiB", "MiB", "GiB", "TiB"};
  std::size_t unit = 0;
  std::size_t value = bytes;
  while (value != 0 && unit + 1 < kUnits.size() && value % 1024 == 0) {
    value /= 1024;
    ++unit;
  }
  return std::to_string(value) + " " + kUnits[unit];
}

}  // namespace arena::workloads
