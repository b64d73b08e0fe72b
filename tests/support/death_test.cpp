// Death tests: fork, run the callable with stderr redirected into a pipe, read the pipe to its
// end, then wait for the child and decode its status.
#include "death_test.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

namespace arena::test {

std::string DeathOutcome::describe() const {
  std::string s;
  if (!forked) return "fork/pipe failed";
  if (signaled) s = "killed by signal " + std::to_string(signal) + (signal == SIGABRT ? " (SIGABRT)" : "");
  else if (exited) s = "exited with " + std::to_string(exit_code) +
                       (exit_code == kChildReturned ? " (the callable returned)"
                        : exit_code == kChildThrew  ? " (the callable threw)"
                                                    : "");
  else s = "ended in an unknown way";
  return s + "; stderr: \"" + stderr_text + "\"";
}

DeathOutcome run_in_child(const std::function<void()>& body) {
  DeathOutcome outcome;
  int fds[2];
  if (::pipe(fds) != 0) return outcome;
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return outcome;
  }
  if (pid == 0) {
    // Child: stderr into the pipe, stdout discarded, default SIGABRT, no core file, bounded time.
    ::close(fds[0]);
    ::dup2(fds[1], STDERR_FILENO);
    ::close(fds[1]);
    const int devnull = ::open("/dev/null", O_WRONLY);
    if (devnull >= 0) ::dup2(devnull, STDOUT_FILENO);
    struct sigaction action {};
    action.sa_handler = SIG_DFL;
    ::sigaction(SIGABRT, &action, nullptr);
    const struct rlimit no_core {0, 0};
    ::setrlimit(RLIMIT_CORE, &no_core);
    ::alarm(20);
    try {
      body();
    } catch (...) {
      ::_exit(kChildThrew);
    }
    ::_exit(kChildReturned);
  }
  ::close(fds[1]);
  outcome.forked = true;
  char chunk[512];
  for (;;) {
    const ssize_t n = ::read(fds[0], chunk, sizeof chunk);
    if (n > 0) outcome.stderr_text.append(chunk, static_cast<std::size_t>(n));
    else if (n == 0 || errno != EINTR) break;
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) {
    outcome.signaled = true;
    outcome.signal = WTERMSIG(status);
  } else if (WIFEXITED(status)) {
    outcome.exited = true;
    outcome.exit_code = WEXITSTATUS(status);
  }
  return outcome;
}

}  // namespace arena::test
