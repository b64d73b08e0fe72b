// Tests of the death-test helper itself (tests/support/death_test.hpp): it must tell an abort from a
// normal return, an exit code or another signal, and capture the child's stderr; otherwise every
// contract-violation test built on it could pass vacuously.
#include "death_test.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

using arena::test::run_in_child;

TEST_SUITE("test::death_test") {
  TEST_CASE("an abort is reported with the child's stderr") {
    const auto outcome = run_in_child([] {
      std::fputs("about to abort: 42\n", stderr);
      std::abort();
    });
    REQUIRE(outcome.forked);
    CHECK(outcome.aborted());
    CHECK(outcome.stderr_text == "about to abort: 42\n");
    CHECK(outcome.stderr_contains("abort: 42"));
    CHECK_FALSE(outcome.stderr_contains("abort: 43"));
    CHECK(outcome.stderr_is_one_line());
  }

  TEST_CASE("a callable that returns is not a death") {
    const auto outcome = run_in_child([] {});
    REQUIRE(outcome.forked);
    CHECK_FALSE(outcome.aborted());
    CHECK(outcome.exited);
    CHECK(outcome.exit_code == arena::test::kChildReturned);
    CHECK(outcome.stderr_text.empty());
    CHECK_FALSE(outcome.stderr_is_one_line());
  }

  TEST_CASE("exit codes, exceptions and other signals are told apart") {
    SUBCASE("exit(3)") {
      const auto outcome = run_in_child([] { std::_Exit(3); });
      CHECK(outcome.exited);
      CHECK(outcome.exit_code == 3);
      CHECK_FALSE(outcome.aborted());
    }
    SUBCASE("an exception") {
      const auto outcome = run_in_child([] { throw std::runtime_error("no"); });
      CHECK(outcome.exited);
      CHECK(outcome.exit_code == arena::test::kChildThrew);
    }
    SUBCASE("SIGTERM") {
      const auto outcome = run_in_child([] { std::raise(SIGTERM); });
      CHECK(outcome.signaled);
      CHECK(outcome.signal == SIGTERM);
      CHECK_FALSE(outcome.aborted());
    }
    SUBCASE("two lines of stderr are not one line") {
      const auto outcome = run_in_child([] {
        std::fputs("one\ntwo\n", stderr);
        std::abort();
      });
      CHECK(outcome.aborted());
      CHECK_FALSE(outcome.stderr_is_one_line());
    }
  }
}
