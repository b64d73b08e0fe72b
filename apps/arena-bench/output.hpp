// output: how arena-bench hands its results over. The JSON report goes to stdout or, with -o, to a
// file written atomically (a temporary file in the same directory, renamed at the end: readers
// never see half a report, and a failed or interrupted run leaves nothing behind). The human side
// goes to stderr: a summary table per allocator and a progress bar, both only when stderr is a
// terminal unless asked for. The one thing not to get wrong: the output path is opened BEFORE the
// workload runs, so that a long run never ends in "cannot write".
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "arena/workloads/driver.hpp"

namespace arena::bench {

bool stderr_is_terminal();

// Whether two paths name the same file (neither need exist yet: compared after resolving what
// exists of them, else lexically), e.g. -o and --html, or report's input and -o.
bool same_file(const std::string& a, const std::string& b);

// A file that appears under its name complete or not at all.
// Not copyable or movable; up to four at a time per process (e.g. -o and --html; they share the
// interrupt handlers, which remove every temporary file still open).
class AtomicOutputFile {
 public:
  // Creates the temporary file next to `path` now. Throws workloads::InputError(path, flag, ...)
  // when it cannot (no such directory, no permission, `path` is a directory, read-only file system);
  // `flag` is the option that named the file ("-o", "--html"), for the message.
  explicit AtomicOutputFile(std::string path, std::string flag = "-o");
  AtomicOutputFile(const AtomicOutputFile&) = delete;
  AtomicOutputFile& operator=(const AtomicOutputFile&) = delete;
  // Removes the temporary file unless commit() succeeded.
  ~AtomicOutputFile();

  // Writes `contents`, flushes it to disk and renames the temporary file to the final name.
  // Throws InputError (and removes the temporary file) when any step fails.
  void commit(std::string_view contents);
  const std::string& path() const noexcept { return path_; }

 private:
  void discard() noexcept;
  std::string path_;
  std::string flag_;
  std::string temp_path_;
  int fd_ = -1;
  int cleanup_slot_ = -1;  // its slot in the interrupt handler's list, or -1
};

// Writes all of `text` to stdout; InputError("stdout", ...) when it cannot.
void write_stdout(std::string_view text);

// The table of a run: one row per allocator (in the order of the records), figures over its
// repetitions: median ops/s and median p50 / p99 / p99.9 of "allocate", failures and spills
// summed, the highest peak live, the lowest largest-free-block; skipped and failed runs listed
// with their reason under the table.
std::string format_table(const std::vector<workloads::RunRecord>& records);

// Human-readable numbers: "45.2M" (SI), "812 ns" / "3.4 us", "12.5 MiB".
std::string format_si(double value);
std::string format_ns(std::uint64_t nanoseconds);
std::string format_bytes(std::uint64_t bytes);

// A one-line progress bar on stderr, redrawn at most ten times a second. With `delayed`, it
// appears only once the run has taken longer than a second (short runs stay silent).
class ProgressBar {
 public:
  ProgressBar(bool enabled, bool delayed);
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;
  ~ProgressBar();  // finish()

  // `fraction` of the whole work is done, in [0, 1].
  void update(double fraction);
  // Clears the bar from the line (idempotent).
  void finish();

 private:
  using Clock = std::chrono::steady_clock;
  bool enabled_;
  bool delayed_;
  bool terminal_;
  bool drawn_ = false;
  std::size_t width_ = 0;  // of the last line drawn
  Clock::time_point start_;
  Clock::time_point last_draw_;
};

}  // namespace arena::bench
