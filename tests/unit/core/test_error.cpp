// Tests of arena/error.hpp (core/src/error.cpp): the Errc enum and its "arena" error category, the
// one-line messages we pin [R-ERR-4b], and Result<T>/Result<void> (value, error, bool, value_or,
// move-only T; reading the value of an error terminates with the message, never UB).
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>

#include "arena/arena.hpp"
#include "death_test.hpp"
#include "test_support.hpp"

using arena::Errc;
using arena::Result;

TEST_SUITE("arena::Errc") {
  TEST_CASE("the category is named arena and Errc converts to std::error_code") {
    CHECK(std::string(arena::error_category().name()) == "arena");
    static_assert(std::is_error_code_enum_v<Errc>);
    std::error_code ec = Errc::arena_full;
    CHECK(ec == Errc::arena_full);
    CHECK(ec != Errc::request_too_large);
    CHECK(ec.value() == 1);
    CHECK(&ec.category() == &arena::error_category());
    CHECK(static_cast<bool>(ec));
    const std::error_code made = arena::make_error_code(Errc::timed_out);
    CHECK(made == Errc::timed_out);
    CHECK(made.value() == static_cast<int>(Errc::timed_out));
    // Same number, other category: not equal.
    CHECK(std::error_code(1, std::generic_category()) != Errc::arena_full);
  }

  TEST_CASE("every error has our one-line message") {
    // R-ERR-4b: we pin our own wording (core/src/error.cpp).
    const std::pair<Errc, const char*> expected[] = {
        {Errc::arena_full, "arena full: no free slot or block of the requested size"},
        {Errc::request_too_large, "request too large: exceeds the arena's usable size"},
        {Errc::invalid_argument, "invalid argument: a size, count or length must be non-zero"},
        {Errc::size_overflow, "size overflow: the arena's size does not fit in memory addresses"},
        {Errc::invalid_alignment, "invalid alignment: must be a power of two"},
        {Errc::invalid_geometry,
         "invalid geometry: total must be a power-of-two multiple of a power-of-two minimum block"},
        {Errc::slot_size_exceeds_backing, "slot size exceeds backing: the slot is larger than the region"},
        {Errc::zero_usable_slots, "zero usable slots: nothing usable fits the region"},
        {Errc::null_pointer, "null pointer: the region's address is null"},
        {Errc::out_of_memory, "out of memory: could not allocate the arena's backing memory"},
        {Errc::buffer_full, "buffer full: the data does not fit the remaining capacity"},
        {Errc::invalid_range, "invalid range: begin > end or end past the region's capacity"},
        {Errc::timed_out, "timed out: no capacity became free before the deadline"},
    };
    for (const auto& entry : expected) {
      const Errc code = entry.first;  // not a structured binding: INFO captures it (clang 14)
      const std::string text = entry.second;
      const std::string message = arena::make_error_code(code).message();
      INFO("code " << static_cast<int>(code));
      CHECK(message == text);
      CHECK(message.find('\n') == std::string::npos);
    }
    CHECK(arena::error_category().message(99) == "unknown arena error 99");
  }

  TEST_CASE("errors work as std::system_error (alloc_error_is_std_error)") {
    const std::system_error e(make_error_code(Errc::size_overflow));
    CHECK(e.code() == Errc::size_overflow);
    CHECK(std::string(e.what()).find("size overflow") != std::string::npos);
  }
}

TEST_SUITE("arena::Result") {
  TEST_CASE("a value: has_value, bool, value, *, ->, value_or, error") {
    Result<std::string> r(std::string("abc"));
    CHECK(r.has_value());
    CHECK(static_cast<bool>(r));
    CHECK(r.value() == "abc");
    CHECK(*r == "abc");
    CHECK(r->size() == 3u);
    CHECK_FALSE(r.error());
    const Result<std::string>& cr = r;
    CHECK(cr.value() == "abc");
    CHECK(*cr == "abc");
    CHECK(cr->size() == 3u);
    r.value() += "d";
    CHECK(*r == "abcd");
    CHECK(std::move(r).value_or("fallback") == "abcd");
  }

  TEST_CASE("an error: no value, error compares with Errc, value_or gives the fallback") {
    Result<int> r(Errc::arena_full);
    CHECK_FALSE(r.has_value());
    CHECK_FALSE(static_cast<bool>(r));
    CHECK(r.error() == Errc::arena_full);
    CHECK(r.error() != Errc::buffer_full);
    CHECK(r.error().message() == "arena full: no free slot or block of the requested size");
    CHECK(std::move(r).value_or(7) == 7);

    const Result<int> from_code(make_error_code(Errc::null_pointer));
    CHECK(from_code.error() == Errc::null_pointer);
  }

  TEST_CASE("a zero error_code becomes invalid_argument, never a value") {
    const Result<int> r{std::error_code()};
    CHECK_FALSE(r.has_value());
    CHECK(r.error() == Errc::invalid_argument);
    const Result<void> v{std::error_code()};
    CHECK_FALSE(v.has_value());
    CHECK(v.error() == Errc::invalid_argument);
  }

  TEST_CASE("move-only values: move construction, rvalue value() and value_or") {
    Result<std::unique_ptr<int>> r(std::make_unique<int>(5));
    REQUIRE(r.has_value());
    Result<std::unique_ptr<int>> moved(std::move(r));
    REQUIRE(moved.has_value());
    std::unique_ptr<int> p = std::move(moved).value();
    REQUIRE(p != nullptr);
    CHECK(*p == 5);

    Result<std::unique_ptr<int>> err(Errc::arena_full);
    std::unique_ptr<int> fallback = std::move(err).value_or(std::make_unique<int>(9));
    REQUIRE(fallback != nullptr);
    CHECK(*fallback == 9);

    Result<std::unique_ptr<int>> ok(std::make_unique<int>(3));
    std::unique_ptr<int> kept = std::move(ok).value_or(std::make_unique<int>(9));
    CHECK(*kept == 3);
    static_assert(!std::is_copy_constructible_v<Result<std::unique_ptr<int>>>);
  }

  TEST_CASE("assignment switches between value and error states") {
    Result<std::string> a(std::string(100, 'x'));  // heap-allocated string: a missed destroy leaks
    Result<std::string> b(Errc::buffer_full);
    SUBCASE("copy error over value") {
      a = b;
      CHECK_FALSE(a.has_value());
      CHECK(a.error() == Errc::buffer_full);
    }
    SUBCASE("copy value over error") {
      b = a;
      REQUIRE(b.has_value());
      CHECK(*b == std::string(100, 'x'));
      CHECK(*a == std::string(100, 'x'));
    }
    SUBCASE("move value over value") {
      Result<std::string> c(std::string("short"));
      c = std::move(a);
      REQUIRE(c.has_value());
      CHECK(*c == std::string(100, 'x'));
    }
    SUBCASE("self assignment keeps the value") {
      Result<std::string>& alias = a;
      a = alias;
      REQUIRE(a.has_value());
      CHECK(a->size() == 100u);
    }
  }

  TEST_CASE("Result<void>: success and error") {
    const Result<void> ok;
    CHECK(ok.has_value());
    CHECK(static_cast<bool>(ok));
    CHECK_FALSE(ok.error());
    ok.value();  // success: returns
    const Result<void> bad(Errc::buffer_full);
    CHECK_FALSE(bad.has_value());
    CHECK(bad.error() == Errc::buffer_full);
  }

  TEST_CASE("reading the value of an error terminates with the operation and the message") {
    SUBCASE("value()") {
      ARENA_CHECK_ABORTS_WITH([] {
        Result<int> r(Errc::arena_full);
        (void)r.value();
      }, "arena: Result::value called on a Result holding an error: arena full: no free slot or block of the requested size");
    }
    SUBCASE("value() on an rvalue") {
      ARENA_CHECK_ABORTS_WITH([] { (void)Result<int>(Errc::request_too_large).value(); },
                              "Result::value called on a Result holding an error: request too large");
    }
    SUBCASE("operator*") {
      ARENA_CHECK_ABORTS_WITH([] {
        Result<int> r(Errc::invalid_argument);
        (void)*r;
      }, "Result::operator* called on a Result holding an error: invalid argument");
    }
    SUBCASE("operator->") {
      ARENA_CHECK_ABORTS_WITH([] {
        Result<std::string> r(Errc::zero_usable_slots);
        (void)r->size();
      }, "Result::operator-> called on a Result holding an error: zero usable slots");
    }
    SUBCASE("Result<void>::value()") {
      ARENA_CHECK_ABORTS_WITH([] { Result<void>(Errc::buffer_full).value(); },
                              "Result<void>::value called on a Result holding an error: buffer full");
    }
    SUBCASE("a failed allocation's value()") {
      ARENA_CHECK_ABORTS_WITH([] {
        auto arena = arena::FixedArena::with_slot_capacity(1, 8).build().value();
        auto first = arena.allocate().value();
        (void)arena.allocate().value();
      }, "Result::value called on a Result holding an error: arena full");
    }
  }
}
