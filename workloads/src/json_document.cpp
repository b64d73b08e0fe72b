// json_document (json_document.hpp): reading a JSON input with its limits checked, and parse
// errors as "line L, column C" plus a short reason. Order: the file's kind and size (stat), its
// bytes (the size checked again while reading: a file may grow), the nesting depth (a scan that
// skips strings), and only then the parser. The one thing not to get wrong: nlohmann's message
// quotes what it last read - maybe megabytes of an unterminated string - so it is always cut.
#include "arena/workloads/json_document.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>

#include "arena/workloads/input_error.hpp"

namespace arena::workloads {
namespace {

constexpr std::size_t kDetailLimit = 160;  // characters of the parser's reason kept

std::string too_large(const JsonFileKind& kind) {
  return "a " + kind.noun + " of at most " + format_byte_size(kind.max_bytes);
}

// The parser's reason without "[json.exception.KIND.ID] " and "parse error at line L, column C: ",
// cut to kDetailLimit characters.
std::string short_detail(const std::string& message) {
  std::string detail = message;
  if (const std::size_t start = detail.find("parse error"); start != std::string::npos) {
    const std::size_t colon = detail.find(": ", start);
    detail = colon == std::string::npos ? detail.substr(start) : detail.substr(colon + 2);
  } else if (detail.rfind("[json.exception.", 0) == 0) {
    if (const std::size_t end = detail.find("] "); end != std::string::npos) detail = detail.substr(end + 2);
  }
  if (detail.size() > kDetailLimit) detail = detail.substr(0, kDetailLimit) + "...";
  return detail;
}

bool blank(std::string_view text) { return text.find_first_not_of(" \t\r\n") == std::string_view::npos; }

// Appends all of `in` to `text`, refusing more than kind.max_bytes in all.
void read_all(std::istream& in, std::string& text, const std::string& source, const JsonFileKind& kind) {
  std::array<char, 65536> chunk{};
  while (in.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || in.gcount() > 0) {
    text.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
    if (text.size() > kind.max_bytes) throw InputError(source, kind.field, too_large(kind), "more");
  }
  if (in.bad()) throw InputError(source, kind.field, "a readable " + kind.noun + " file", "a read error");
}

}  // namespace

bool JsonStringTracker::in_string(char c) noexcept {
  if (inside_) {
    if (escaped_) {
      escaped_ = false;
    } else if (c == '\\') {
      escaped_ = true;
    } else if (c == '"') {
      inside_ = false;
    }
    return true;
  }
  inside_ = c == '"';
  return inside_;
}

JsonNesting scan_json_nesting(std::string_view text, std::size_t limit) {
  JsonNesting nesting;
  JsonStringTracker strings;
  std::size_t depth = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (strings.in_string(c)) continue;
    if (c == '[' || c == '{') {
      if (++depth > nesting.depth) {
        nesting.depth = depth;
        if (depth == limit + 1) nesting.offset = i;
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return nesting;
}

std::string json_text_position(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  std::size_t line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(offset - line_start + 1);
}

std::string read_json_stream_text(std::istream& in, const std::string& source, const JsonFileKind& kind) {
  std::string text;
  read_all(in, text, source, kind);
  return text;
}

std::string read_json_file_text(const std::string& path, const JsonFileKind& kind) {
  namespace fs = std::filesystem;
  const std::string readable = "a readable " + kind.noun + " file";
  std::error_code error;
  const fs::file_status status = fs::status(path, error);
  if (error) throw InputError(path, kind.field, readable, error.message());
  if (fs::is_directory(status)) throw InputError(path, kind.field, "a " + kind.noun + " file", "a directory");
  if (!fs::is_regular_file(status)) {
    throw InputError(path, kind.field, "a regular " + kind.noun + " file", "a device, pipe or socket");
  }
  const std::uintmax_t size = fs::file_size(path, error);
  if (error) throw InputError(path, kind.field, readable, error.message());
  if (size > kind.max_bytes) throw InputError(path, kind.field, too_large(kind), std::to_string(size) + " bytes");

  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, kind.field, readable, errno != 0 ? std::strerror(errno) : "cannot open");
  std::string text;
  text.reserve(static_cast<std::size_t>(size));
  read_all(in, text, path, kind);
  return text;
}

nlohmann::json parse_json_text(std::string_view text, const std::string& source, std::size_t max_depth,
                               const nlohmann::json::parser_callback_t& callback) {
  const JsonNesting nesting = scan_json_nesting(text, max_depth);
  if (nesting.depth > max_depth) {
    throw InputError(source, json_text_position(text, nesting.offset),
                     "JSON nested at most " + std::to_string(max_depth) + " levels deep",
                     std::to_string(nesting.depth) + " levels");
  }
  try {
    return nlohmann::json::parse(text.data(), text.data() + text.size(), callback);
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte counts the bytes read, the offending one included: it sits at offset byte - 1.
    throw InputError(source, json_text_position(text, e.byte == 0 ? 0 : e.byte - 1), "valid JSON",
                     blank(text) ? "an empty document" : short_detail(e.what()));
  } catch (const nlohmann::json::exception& e) {
    throw InputError(source, "", "valid JSON", short_detail(e.what()));
  }
}

nlohmann::json read_json_file(const std::string& path, const JsonFileKind& kind,
                              const nlohmann::json::parser_callback_t& callback) {
  return parse_json_text(read_json_file_text(path, kind), path, kind.max_depth, callback);
}

}  // namespace arena::workloads
