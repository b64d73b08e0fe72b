// Tests of arena/workloads/input_error.hpp (workloads/src/input_error.cpp): the one-line message
// "SOURCE: FIELD: expected X, got Y" whatever bytes the input held, and the byte-size syntax
// (whole bytes or a number with a unit, KB = 1000 and KiB = 1024) with its rejections: bad units,
// fractions of a byte, zero, overflow.
#include <doctest/doctest.h>

#include <cstddef>
#include <limits>
#include <string>

#include "arena/workloads/input_error.hpp"

using arena::workloads::format_byte_size;
using arena::workloads::InputError;
using arena::workloads::parse_byte_size;

namespace {
std::size_t size_of(const std::string& text) { return parse_byte_size(text, "test", "field"); }

// The message of the InputError that parsing `text` throws (REQUIREs that it throws one).
std::string error_of(const std::string& text, bool allow_zero = false) {
  try {
    (void)parse_byte_size(text, "prof.json", "sizes.max", allow_zero);
  } catch (const InputError& e) {
    return e.what();
  }
  FAIL("no InputError for \"" << text << "\"");
  return {};
}
}  // namespace

TEST_SUITE("arena::workloads::InputError") {
  TEST_CASE("what() is SOURCE: FIELD: expected X, got Y - the parts stay readable") {
    const InputError e("prof.json", "allocators[1].slot_size", "a byte size >= 1", "0");
    CHECK(std::string(e.what()) == "prof.json: allocators[1].slot_size: expected a byte size >= 1, got 0");
    CHECK(e.source() == "prof.json");
    CHECK(e.field() == "allocators[1].slot_size");
    CHECK(e.expected() == "a byte size >= 1");

    const InputError no_got("preset", "name", "one of a, b");
    CHECK(std::string(no_got.what()) == "preset: name: expected one of a, b");
    const InputError no_field("x.json", "", "a JSON object", "an array");
    CHECK(std::string(no_field.what()) == "x.json: expected a JSON object, got an array");
  }

  TEST_CASE("what() is one line of printable text: control bytes and invalid UTF-8 escaped") {
    const InputError e("a\nb.json", "f\tg", "x\ry", std::string("\x01\x7f\xff\xc3(", 5));
    const std::string what = e.what();
    CHECK(what.find('\n') == std::string::npos);
    CHECK(what.find('\r') == std::string::npos);
    CHECK(what.find('\t') == std::string::npos);
    CHECK(what == "a\\nb.json: f\\tg: expected x\\ry, got \\x01\\x7f\\xff\\xc3(");
    // Valid UTF-8 (a file name with an accent, a snowman) is kept as is.
    const InputError utf8("caf\xc3\xa9.json", "name", "text", "\xe2\x98\x83");
    CHECK(std::string(utf8.what()) == "caf\xc3\xa9.json: name: expected text, got \xe2\x98\x83");
    // An overlong encoding and a lone surrogate are not valid UTF-8.
    const InputError bad("s", "f", "e", "\xc0\xaf \xed\xa0\x80");
    CHECK(std::string(bad.what()) == "s: f: expected e, got \\xc0\\xaf \\xed\\xa0\\x80");
  }

  TEST_CASE("is a std::runtime_error (the CLI catches one type)") {
    try {
      throw InputError("s", "f", "e");
    } catch (const std::runtime_error& e) {
      CHECK(std::string(e.what()) == "s: f: expected e");
    }
  }
}

TEST_SUITE("arena::workloads::parse_byte_size") {
  TEST_CASE("whole bytes and units, binary and decimal, any case, spaces allowed") {
    CHECK(size_of("4096") == 4096u);
    CHECK(size_of("1") == 1u);
    CHECK(size_of("512B") == 512u);
    CHECK(size_of("512 b") == 512u);
    CHECK(size_of("4KiB") == 4096u);
    CHECK(size_of("4kib") == 4096u);
    CHECK(size_of("4 KIB") == 4096u);
    CHECK(size_of("4KB") == 4000u);
    CHECK(size_of("64MiB") == 64u << 20);
    CHECK(size_of("2MB") == 2000000u);
    CHECK(size_of("1GiB") == 1u << 30);
    CHECK(size_of("3GB") == 3000000000u);
    CHECK(size_of("1TiB") == std::size_t{1} << 40);
    CHECK(size_of("2TB") == 2000000000000u);
    CHECK(size_of("  256  ") == 256u);
    CHECK(size_of("1.5MiB") == 3u << 19);
    CHECK(size_of("0.5KiB") == 512u);
    CHECK(size_of("1.25KB") == 1250u);
    CHECK(size_of("1.50KiB") == 1536u);  // trailing zeros are not decimals
    CHECK(size_of("18446744073709551615") == std::numeric_limits<std::size_t>::max());
    CHECK(parse_byte_size("0", "s", "f", true) == 0u);
    CHECK(parse_byte_size("0KiB", "s", "f", true) == 0u);
  }

  TEST_CASE("rejections name the source and field and quote the text") {
    const std::string message = error_of("4 KB B");
    CHECK(message.find("prof.json: sizes.max: expected a byte size") == 0);
    CHECK(message.find("got \"4 KB B\"") != std::string::npos);

    CHECK(error_of("").find("expected a byte size") != std::string::npos);
    CHECK(error_of("abc").find("got \"abc\"") != std::string::npos);
    CHECK(error_of("4XB").find("unknown unit") != std::string::npos);
    CHECK(error_of("4 K B").find("one number and one unit") != std::string::npos);
    CHECK(error_of("99999999999TiB").find("at most 2^64 - 1 bytes") != std::string::npos);
    CHECK(error_of("18446744073709551616").find("at most 2^64 - 1 bytes") != std::string::npos);
    CHECK(error_of("16777216TiB").find("at most 2^64 - 1 bytes") != std::string::npos);
    CHECK(error_of("1.5").find("a whole number of bytes") != std::string::npos);
    CHECK(error_of("1.0001KiB").find("a whole number of bytes") != std::string::npos);
    CHECK(error_of("1.0000001MiB").find("at most 6 decimals") != std::string::npos);
    CHECK(error_of("0").find("a byte size >= 1") != std::string::npos);
    CHECK(error_of("0KiB").find("a byte size >= 1") != std::string::npos);
    CHECK(error_of("-4").find("got \"-4\"") != std::string::npos);
    CHECK(error_of("+4").find("got \"+4\"") != std::string::npos);
    CHECK(error_of(".5KiB").find("got \".5KiB\"") != std::string::npos);
    CHECK(error_of("4.KiB").find("got \"4.KiB\"") != std::string::npos);
    CHECK(error_of("4KiB\n").find("got \"4KiB\\n\"") != std::string::npos);
    CHECK(error_of("1e3").find("unknown unit") != std::string::npos);
    CHECK(error_of("-1", true).find("got \"-1\"") != std::string::npos);
  }
}

TEST_SUITE("arena::workloads::format_byte_size") {
  TEST_CASE("the largest binary unit that divides exactly") {
    CHECK(format_byte_size(0) == "0 B");
    CHECK(format_byte_size(1) == "1 B");
    CHECK(format_byte_size(512) == "512 B");
    CHECK(format_byte_size(1536) == "1536 B");
    CHECK(format_byte_size(4096) == "4 KiB");
    CHECK(format_byte_size(64u << 20) == "64 MiB");
    CHECK(format_byte_size(std::size_t{3} << 30) == "3 GiB");
    CHECK(format_byte_size(std::size_t{1} << 50) == "1024 TiB");
  }

  TEST_CASE("parse_byte_size reads back what format_byte_size writes") {
    for (std::size_t v : {std::size_t{1}, std::size_t{999}, std::size_t{1024}, std::size_t{1536}, std::size_t{4096},
                          std::size_t{65536} * 4096, std::size_t{1} << 40, (std::size_t{1} << 52) + 2048,
                          std::numeric_limits<std::size_t>::max()}) {
      CHECK(size_of(format_byte_size(v)) == v);
    }
  }
}
