// Death tests: run a callable in a forked child and report how the child ended and what it wrote
// to stderr. Contract violations (writing past capacity, bad slice ranges, reading an error
// Result, double release) must terminate with one line naming the operation and the numbers; this
// is how the tests observe that without ending the test process.
//
// Use ARENA_CHECK_ABORTS_WITH(callable, "expected substring"). The child resets SIGABRT to its
// default action (doctest installs a crash handler), discards stdout and disables core dumps.
#pragma once

#include <doctest/doctest.h>

#include <csignal>
#include <functional>
#include <string>
#include <string_view>

namespace arena::test {

struct DeathOutcome {
  bool forked = false;    // fork() and pipe() worked
  bool signaled = false;  // the child was killed by a signal
  int signal = 0;         // which one (when signaled)
  bool exited = false;    // the child called exit/_exit
  int exit_code = 0;      // its status (when exited)
  std::string stderr_text;

  bool aborted() const noexcept { return signaled && signal == SIGABRT; }
  bool stderr_contains(std::string_view text) const noexcept { return stderr_text.find(text) != std::string::npos; }
  // True when stderr holds exactly one line (one '\n', at the very end).
  bool stderr_is_one_line() const noexcept {
    return !stderr_text.empty() && stderr_text.find('\n') == stderr_text.size() - 1;
  }
  std::string describe() const;
};

// Exit codes the child uses when the callable does not terminate the process.
inline constexpr int kChildReturned = 97;
inline constexpr int kChildThrew = 98;

// Runs `body` in a forked child, collects its stderr through a pipe and waits for it (the child
// is killed by SIGALRM after 20 s, so a hang is reported rather than waited for forever).
DeathOutcome run_in_child(const std::function<void()>& body);

}  // namespace arena::test

// Checks that `body` aborts (SIGABRT) and that its stderr is one line containing `expected`.
#define ARENA_CHECK_ABORTS_WITH(body, expected)                                                \
  do {                                                                                         \
    const ::arena::test::DeathOutcome arena_death_ = ::arena::test::run_in_child(body);        \
    INFO("child: " << arena_death_.describe());                                              \
    REQUIRE(arena_death_.forked);                                                              \
    CHECK(arena_death_.aborted());                                                             \
    CHECK(arena_death_.stderr_contains(expected));                                             \
    CHECK(arena_death_.stderr_is_one_line());                                                  \
  } while (false)
