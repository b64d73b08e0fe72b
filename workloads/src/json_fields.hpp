// Reading validated fields out of a JSON document with errors that name them: the field paths
// ("allocators[1].slot_size"), the typed readers (whole numbers, reals in a range, byte sizes with
// units, enumerations) and the unknown-key check. Used by the profile parser; every failure is an
// InputError "SOURCE: FIELD: expected WHAT, got VALUE" with the offending value shown (shortened).
// The one thing not to get wrong: a key the reader does not know is an error, never ignored.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "arena/workloads/input_error.hpp"

namespace arena::workloads::detail {

using Json = nlohmann::json;

// "parent.key" (or "key" at the root).
inline std::string field_path(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}
// "parent[index]".
inline std::string index_path(const std::string& parent, std::size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

namespace shown_detail {
// Appends compact JSON of `value` to `out` until it holds more than `limit` characters. Arrays and
// objects are walked element by element and the walk stops at the limit, so a huge or deeply
// nested value (a hostile file of 100 000 '[') costs at most `limit` levels of recursion and
// never a whole dump.
template <class J>
void append(const J& value, std::string& out, std::size_t limit) {
  if (out.size() > limit) return;
  if (value.is_array()) {
    out += '[';
    bool first = true;
    for (const J& item : value) {
      if (out.size() > limit) return;
      if (!first) out += ',';
      first = false;
      append(item, out, limit);
    }
    out += ']';
  } else if (value.is_object()) {
    out += '{';
    bool first = true;
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (out.size() > limit) return;
      if (!first) out += ',';
      first = false;
      append(J(it.key()), out, limit);
      out += ':';
      append(it.value(), out, limit);
    }
    out += '}';
  } else if (value.is_string() && value.template get_ref<const std::string&>().size() > limit) {
    // Only the start of a long string is worth escaping.
    out += J(value.template get_ref<const std::string&>().substr(0, limit + 1)).dump(-1, ' ', false, J::error_handler_t::replace);
  } else {
    out += value.dump(-1, ' ', false, J::error_handler_t::replace);
  }
}
}  // namespace shown_detail

// The value as compact JSON, cut to `limit` characters ("..." marks the cut).
inline std::string shown(const Json& value, std::size_t limit = 60) {
  std::string text;
  shown_detail::append(value, text, limit);
  if (text.size() > limit) text = text.substr(0, limit) + "...";
  return text;
}

// A number as JSON writes it, without a trailing ".0" (100, 0.5, 1e+300).
inline std::string number_text(double x) {
  std::string text = Json(x).dump();
  if (text.size() > 2 && text.compare(text.size() - 2, 2, ".0") == 0) text.resize(text.size() - 2);
  return text;
}

// Where a document came from, for the errors: its name and the directory of relative paths.
struct Origin {
  std::string source;    // file name, "preset NAME", "--set"
  std::string base_dir;  // relative trace files are resolved against it
};

[[noreturn]] inline void fail(const Origin& origin, const std::string& field, const std::string& expected,
                              const Json& got) {
  throw InputError(origin.source, field, expected, shown(got));
}

// A whole number in [min, max]: a JSON integer, or a real with no fractional part (1e6).
inline std::uint64_t read_whole(const Origin& origin, const std::string& field, const Json& value,
                                std::uint64_t min, std::uint64_t max = std::numeric_limits<std::uint64_t>::max()) {
  const std::string expected = max == std::numeric_limits<std::uint64_t>::max()
                                   ? "a whole number >= " + std::to_string(min)
                                   : "a whole number in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  std::uint64_t result = 0;
  if (value.is_number_unsigned()) {
    result = value.get<std::uint64_t>();
  } else if (value.is_number_integer()) {
    const auto signed_value = value.get<std::int64_t>();
    if (signed_value < 0) fail(origin, field, expected, value);
    result = static_cast<std::uint64_t>(signed_value);
  } else if (value.is_number_float()) {
    const double real = value.get<double>();
    if (!(real >= 0.0) || real != std::floor(real) || real >= 18446744073709551616.0) {
      fail(origin, field, expected, value);
    }
    result = static_cast<std::uint64_t>(real);
  } else {
    fail(origin, field, expected, value);
  }
  if (result < min || result > max) fail(origin, field, expected, value);
  return result;
}

// A finite real in [min, max] (or (min, max] when !min_inclusive).
inline double read_real(const Origin& origin, const std::string& field, const Json& value, double min, double max,
                        bool min_inclusive = true, const std::string& what = "") {
  const std::string expected =
      !what.empty() ? what
                    : std::string("a number in ") + (min_inclusive ? "[" : "(") + number_text(min) + ", " +
                          number_text(max) + "]";
  if (!value.is_number()) fail(origin, field, expected, value);
  const double real = value.get<double>();
  if (!std::isfinite(real) || real > max || real < min || (!min_inclusive && real == min)) {
    fail(origin, field, expected, value);
  }
  return real;
}

// A byte size >= 1: a whole number, or a string with a unit ("4KiB", "1.5MiB").
inline std::size_t read_size(const Origin& origin, const std::string& field, const Json& value) {
  if (value.is_string()) return parse_byte_size(value.get<std::string>(), origin.source, field);
  constexpr std::uint64_t kMax = std::numeric_limits<std::size_t>::max();
  if (!value.is_number()) fail(origin, field, "a byte size >= 1 such as 4096 or \"4KiB\"", value);
  return static_cast<std::size_t>(read_whole(origin, field, value, 1, kMax));
}

// A real number of bytes (a mean, a scale): a number, or a size string with a unit.
inline double read_real_bytes(const Origin& origin, const std::string& field, const Json& value, double min,
                              double max, bool min_inclusive, const std::string& what) {
  if (value.is_string()) {
    const std::size_t bytes = parse_byte_size(value.get<std::string>(), origin.source, field);
    const auto real = static_cast<double>(bytes);
    if (real > max || real < min || (!min_inclusive && real == min)) fail(origin, field, what, value);
    return real;
  }
  return read_real(origin, field, value, min, max, min_inclusive, what);
}

inline bool read_bool(const Origin& origin, const std::string& field, const Json& value) {
  if (!value.is_boolean()) fail(origin, field, "true or false", value);
  return value.get<bool>();
}

inline std::string read_string(const Origin& origin, const std::string& field, const Json& value,
                               bool allow_empty = false) {
  if (!value.is_string() || (!allow_empty && value.get_ref<const std::string&>().empty())) {
    fail(origin, field, allow_empty ? "a string" : "a non-empty string", value);
  }
  return value.get<std::string>();
}

inline std::string join(const std::vector<std::string>& names, std::string_view separator = ", ") {
  std::string text;
  for (const std::string& name : names) {
    if (!text.empty()) text += separator;
    text += name;
  }
  return text;
}

// One of `choices` (a string); returns its index.
inline std::size_t read_choice(const Origin& origin, const std::string& field, const Json& value,
                               const std::vector<std::string>& choices) {
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    for (std::size_t i = 0; i < choices.size(); ++i) {
      if (choices[i] == text) return i;
    }
  }
  fail(origin, field, "one of " + join(choices), value);
}

// The members of one JSON object, checked against the keys it may have.
class ObjectFields {
 public:
  // `value` must be an object whose keys are all in `allowed` (InputError otherwise).
  ObjectFields(const Origin& origin, std::string path, const Json& value, std::vector<std::string> allowed)
      : origin_(origin), path_(std::move(path)), value_(value), allowed_(std::move(allowed)) {
    if (!value_.is_object()) fail(origin_, path_.empty() ? "(document)" : path_, "a JSON object", value_);
    for (const auto& item : value_.items()) {
      bool known = false;
      for (const std::string& key : allowed_) known = known || key == item.key();
      if (!known) {
        throw InputError(origin_.source, field_path(path_, item.key()),
                         "a known key (" + join(allowed_) + ")", "unknown key \"" + item.key() + "\"");
      }
    }
  }

  const Origin& origin() const noexcept { return origin_; }
  const std::string& path() const noexcept { return path_; }
  std::string field(std::string_view key) const { return field_path(path_, key); }
  bool has(std::string_view key) const { return value_.contains(key); }
  // The member, or nullptr when absent.
  const Json* find(std::string_view key) const {
    const auto it = value_.find(key);
    return it == value_.end() ? nullptr : &*it;
  }
  // The member; InputError "FIELD: expected WHAT (required)" when absent.
  const Json& require(std::string_view key, const std::string& what) const {
    const Json* member = find(key);
    if (member == nullptr) throw InputError(origin_.source, field(key), what + " (required)", "nothing");
    return *member;
  }
  // At most one of `a` and `b` (InputError naming `b` when both are there).
  void at_most_one(std::string_view a, std::string_view b) const {
    if (has(a) && has(b)) {
      throw InputError(origin_.source, field(b),
                       "only one of " + field(a) + " and " + field(b), "both");
    }
  }

 private:
  const Origin& origin_;
  std::string path_;
  const Json& value_;
  std::vector<std::string> allowed_;
};

}  // namespace arena::workloads::detail
