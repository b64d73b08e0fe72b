// Tests of arena/workloads/json_document.hpp (workloads/src/json_document.cpp): reading a JSON
// file with its limits (missing, a directory, a device, too large, too deep), parse errors as
// "line L, column C" with a reason cut short, the parser callback hook, stdin-like streams, and the
// string-aware scans (nesting depth, string tracking).
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "arena/workloads/input_error.hpp"
#include "arena/workloads/json_document.hpp"

using arena::workloads::InputError;
using arena::workloads::JsonFileKind;
using arena::workloads::JsonStringTracker;
using arena::workloads::parse_json_text;
using arena::workloads::read_json_file;
using arena::workloads::read_json_file_text;
using arena::workloads::read_json_stream_text;
using arena::workloads::scan_json_nesting;
namespace fs = std::filesystem;

namespace {

// A directory of its own for the files of one test case, removed at the end.
class TempDir {
 public:
  TempDir() : path_(fs::temp_directory_path() / ("arena_json_document_" + std::to_string(::getpid()))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  std::string write(const std::string& name, const std::string& contents) const {
    const fs::path file = path_ / name;
    std::ofstream(file, std::ios::binary) << contents;
    return file.string();
  }
  std::string path() const { return path_.string(); }

 private:
  fs::path path_;
};

JsonFileKind report_kind() {
  JsonFileKind kind;
  kind.noun = "report";
  return kind;
}

// The InputError `action` throws (fails the test when it throws none).
InputError error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const InputError& e) {
    return e;
  }
  FAIL("no InputError");
  throw 0;
}

InputError parse_error_of(const std::string& text, std::size_t max_depth = arena::workloads::kJsonMaxDepth) {
  return error_of([&] { (void)parse_json_text(text, "doc.json", max_depth); });
}

}  // namespace

TEST_SUITE("arena::workloads::json_document") {
  TEST_CASE("a valid document is parsed, from a file and from a stream") {
    TempDir dir;
    const std::string path = dir.write("good.json", "{\"a\": [1, 2, {\"b\": \"x]\\\"[\"}], \"c\": null}\n");
    const nlohmann::json json = read_json_file(path, report_kind());
    CHECK(json.at("a").size() == 3u);
    CHECK(json.at("a")[2].at("b") == "x]\"[");
    CHECK(json.at("c").is_null());
    std::istringstream in("[1, 2, 3]");
    CHECK(parse_json_text(read_json_stream_text(in, "-", report_kind()), "-") == nlohmann::json::array({1, 2, 3}));
  }

  TEST_CASE("a missing file names the file, the field and the reason") {
    TempDir dir;
    const std::string missing = dir.path() + "/nope.json";
    const InputError e = error_of([&] { (void)read_json_file(missing, report_kind()); });
    CHECK(e.source() == missing);
    CHECK(e.field() == "file");
    CHECK(e.expected() == "a readable report file");
    CHECK(std::string(e.what()).find("No such file") != std::string::npos);
    // The field is the kind's: profiles name none.
    JsonFileKind profile;
    profile.noun = "profile";
    profile.field = "";
    CHECK(std::string(error_of([&] { (void)read_json_file(missing, profile); }).what())
              .rfind(missing + ": expected a readable profile file, got ", 0) == 0);
  }

  TEST_CASE("a directory and a device are refused before reading") {
    TempDir dir;
    const InputError e = error_of([&] { (void)read_json_file(dir.path(), report_kind()); });
    CHECK(std::string(e.what()) == dir.path() + ": file: expected a report file, got a directory");
    if (fs::exists("/dev/null")) {
      const InputError device = error_of([&] { (void)read_json_file_text("/dev/null", report_kind()); });
      CHECK(device.expected() == "a regular report file");
    }
  }

  TEST_CASE("a file larger than the limit is refused by its size, a stream by what it holds") {
    TempDir dir;
    JsonFileKind kind = report_kind();
    kind.max_bytes = 16;
    const std::string path = dir.write("big.json", "[1, 2, 3, 4, 5, 6, 7]");  // 21 bytes
    const InputError e = error_of([&] { (void)read_json_file(path, kind); });
    CHECK(std::string(e.what()) == path + ": file: expected a report of at most 16 B, got 21 bytes");
    kind.max_bytes = 21;
    CHECK(read_json_file(path, kind).size() == 7u);  // exactly at the limit: read
    std::istringstream in(std::string(100, ' ') + "[]");
    kind.max_bytes = 64;
    const InputError stream = error_of([&] { (void)read_json_stream_text(in, "-", kind); });
    CHECK(stream.source() == "-");
    CHECK(stream.expected() == "a report of at most 64 B");
  }

  TEST_CASE("nesting deeper than the limit is refused before parsing, with the first bracket too deep") {
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    const InputError e = parse_error_of(deep);
    CHECK(e.field() == "line 1, column 257");
    CHECK(std::string(e.what()) ==
          "doc.json: line 1, column 257: expected JSON nested at most 256 levels deep, got 100000 levels");
    // Brackets inside strings do not count; a small limit applies as given.
    CHECK(parse_json_text("[\"[[[[[[[[\"]", "doc.json", 2).size() == 1u);
    CHECK(parse_json_text("{\"a\": [1]}", "doc.json", 2).at("a").size() == 1u);
    CHECK(parse_error_of("{\"a\":\n {\"b\": []}}", 2).field() == "line 2, column 8");
  }

  TEST_CASE("malformed JSON: line and column of the byte where the parser stopped") {
    CHECK(parse_error_of("{\n  \"a\": 1,\n  \"b\": tru\n}").field() == "line 3, column 11");
    CHECK(parse_error_of("{\"a\": 1 \"b\": 2}").field() == "line 1, column 11");
    CHECK(parse_error_of("\n\n\n   x").field() == "line 4, column 4");
    const InputError e = parse_error_of("{\n\"a\":\n[1,\n2,\n");
    CHECK(e.field() == "line 5, column 1");
    CHECK(e.expected() == "valid JSON");
    const std::string what = e.what();
    CHECK(what.find("[json.exception") == std::string::npos);
    CHECK(what.find("unexpected end of input") != std::string::npos);
    // Empty, and a number out of range (not a parse_error in nlohmann).
    CHECK(std::string(parse_error_of("").what()) == "doc.json: line 1, column 1: expected valid JSON, got an empty document");
    CHECK(std::string(parse_error_of(" \n ").what()).find("got an empty document") != std::string::npos);
    const InputError overflow = parse_error_of("{\"n\": 1e999}");
    CHECK(overflow.expected() == "valid JSON");
    CHECK(std::string(overflow.what()).find("1e999") != std::string::npos);
  }

  TEST_CASE("a long unterminated string gives a short one-line message") {
    TempDir dir;
    const std::string path = dir.write("huge.json", "{\"name\": \"" + std::string(1 << 20, 'x'));
    const InputError e = error_of([&] { (void)read_json_file(path, report_kind()); });
    const std::string what = e.what();
    CHECK(what.rfind(path + ": line 1, column ", 0) == 0);
    CHECK(what.size() < path.size() + 300);
    CHECK(what.find('\n') == std::string::npos);
    CHECK(what.find("...") != std::string::npos);
  }

  TEST_CASE("the parser callback sees the document and its exceptions pass through") {
    int keys = 0;
    const nlohmann::json::parser_callback_t count_keys = [&](int, nlohmann::json::parse_event_t event,
                                                             nlohmann::json&) {
      if (event == nlohmann::json::parse_event_t::key) ++keys;
      return true;
    };
    CHECK(parse_json_text("{\"a\": {\"b\": 1}, \"c\": 2}", "doc.json", 256, count_keys).size() == 2u);
    CHECK(keys == 3);
    const nlohmann::json::parser_callback_t refuse = [](int, nlohmann::json::parse_event_t event,
                                                        nlohmann::json& parsed) -> bool {
      if (event == nlohmann::json::parse_event_t::key && parsed == "bad") {
        throw InputError("doc.json", "bad", "no key named bad", "one");
      }
      return true;
    };
    CHECK(error_of([&] { (void)parse_json_text("{\"ok\": 1, \"bad\": 2}", "doc.json", 256, refuse); }).field() ==
          "bad");
  }

  TEST_CASE("string tracking follows escapes, and the nesting scan skips strings") {
    JsonStringTracker strings;
    const std::string text = R"(a"b\"c\\"d)";
    std::string inside;
    for (char c : text) inside += strings.in_string(c) ? 'S' : '.';
    CHECK(inside == ".SSSSSSSS.");
    const auto nesting = scan_json_nesting(R"([{"[[[": [[]]}, "\"]"])", 2);
    CHECK(nesting.depth == 4u);
    CHECK(nesting.offset == 9u);
  }
}
