// json_document: the one way arena-bench reads a JSON file it is given (a profile, a report, a
// Google Benchmark file, a gate configuration). The file is checked before it is parsed - a regular
// file, no larger than a limit, brackets nested no deeper than a limit - and every failure is an
// InputError naming the file: "line L, column C" for bad JSON, with a short reason. The one thing
// not to get wrong: a hostile file (100 000 '[', megabytes of an unterminated string) must give a
// one-line error, never a stack overflow (nlohmann's dump and copy recurse) or an echo of the input.
#pragma once

#include <cstddef>
#include <istream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace arena::workloads {

// Inputs larger than this are refused (a report is a few MiB; this keeps a wrong file from eating
// the machine's memory).
inline constexpr std::size_t kJsonFileMaxBytes = std::size_t{256} << 20;
// Deeper JSON is refused before it is parsed.
inline constexpr std::size_t kJsonMaxDepth = 256;

// What a JSON input is called in its error messages, and the limits it is read with. With
// noun "report" and field "file" the messages read "PATH: file: expected a readable report file,
// got No such file or directory", "... expected a report file, got a directory", "... expected a
// regular report file, got a device, pipe or socket", "... expected a report of at most 256 MiB,
// got 314572800 bytes".
struct JsonFileKind {
  std::string noun = "JSON";  // "report", "profile", "gate configuration"
  std::string field = "file";  // the InputError field of errors about the file as a whole
  std::size_t max_bytes = kJsonFileMaxBytes;
  std::size_t max_depth = kJsonMaxDepth;
};

// Reads the file at `path` and parses it with parse_json_text (`callback` as there). Throws
// InputError(path, kind.field, ...) when the file cannot be opened or read, is a directory or not
// a regular file, or is larger than kind.max_bytes; and parse_json_text's errors.
nlohmann::json read_json_file(const std::string& path, const JsonFileKind& kind = {},
                              const nlohmann::json::parser_callback_t& callback = nullptr);

// The text of the file at `path`, unparsed, with the checks of read_json_file (for a caller that
// rewrites the text before parse_json_text).
std::string read_json_file_text(const std::string& path, const JsonFileKind& kind = {});

// All of `in` (e.g. std::cin for "-"), with the errors of read_json_file_text named after
// `source`: more than kind.max_bytes, or a read error.
std::string read_json_stream_text(std::istream& in, const std::string& source, const JsonFileKind& kind = {});

// Parses `text`. Throws InputError(source, ...):
// - "line L, column C: expected JSON nested at most MAX levels deep, got D levels" when brackets
//   outside strings nest deeper than `max_depth` (checked first; C is that of the first bracket
//   too deep);
// - "line L, column C: expected valid JSON, got REASON" when it is not JSON: L and C locate the
//   byte where the parser stopped, REASON is the parser's, cut to 160 characters ("an empty
//   document" when the text is only whitespace);
// - "expected valid JSON, got REASON" for a number out of range (1e999).
// `callback`, when set, is nlohmann's parser callback (e.g. to reject duplicate keys); an exception
// it throws passes through unchanged.
nlohmann::json parse_json_text(std::string_view text, const std::string& source, std::size_t max_depth = kJsonMaxDepth,
                               const nlohmann::json::parser_callback_t& callback = nullptr);

// How deep the brackets of JSON text nest, strings skipped (syntax is not checked).
struct JsonNesting {
  std::size_t depth = 0;   // the deepest nesting of arrays and objects
  std::size_t offset = 0;  // byte offset of the first bracket deeper than `limit`, when depth > limit
};
JsonNesting scan_json_nesting(std::string_view text, std::size_t limit);

// "line L, column C" (both 1-based) of the byte at `offset` of `text` (the end when past it).
std::string json_text_position(std::string_view text, std::size_t offset);

// Tells, byte by byte, whether JSON text is inside a string literal (escapes followed), for scans
// of JSON text that must not look into strings.
class JsonStringTracker {
 public:
  // Feeds the next byte; true when it belongs to a string literal, its quotes included.
  bool in_string(char c) noexcept;

 private:
  bool inside_ = false;
  bool escaped_ = false;
};

}  // namespace arena::workloads
