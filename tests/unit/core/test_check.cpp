// Tests of arena/check.hpp (core/src/check.cpp): ARENA_CHECK is always on and prints exactly one
// line "arena: <message> [<file>:<line> <function>]" before aborting; ARENA_ASSERT is the same in
// debug builds and compiles away (condition not even evaluated) under NDEBUG.
#include "arena/check.hpp"

#include <doctest/doctest.h>

#include <string>

#include "death_test.hpp"

namespace {
constexpr int kCheckLine = __LINE__ + 1;
void failing_check_in_named_function(int value) { ARENA_CHECK(value < 0, "value %d is not negative", value); }
}  // namespace

TEST_SUITE("arena::check") {
  TEST_CASE("ARENA_CHECK aborts with one line naming the message, file, line and function") {
    ARENA_CHECK_ABORTS_WITH([] { failing_check_in_named_function(42); }, "arena: value 42 is not negative [");
    ARENA_CHECK_ABORTS_WITH([] { failing_check_in_named_function(42); },
                            std::string(__FILE__) + ":" + std::to_string(kCheckLine) + " failing_check_in_named_function]");
  }

  TEST_CASE("a passing ARENA_CHECK does nothing") {
    int evaluated = 0;
    ARENA_CHECK(++evaluated == 1, "never printed");
    CHECK(evaluated == 1);
  }

  TEST_CASE("ARENA_ASSERT follows NDEBUG") {
    int evaluated = 0;
#ifdef NDEBUG
    ARENA_ASSERT(++evaluated < 0, "compiled away");
    CHECK(evaluated == 0);
#else
    ARENA_ASSERT(++evaluated == 1, "holds");
    CHECK(evaluated == 1);
    ARENA_CHECK_ABORTS_WITH([] { ARENA_ASSERT(false, "debug assert %s", "fired"); }, "arena: debug assert fired [");
#endif
  }
}
