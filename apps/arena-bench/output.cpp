// output (output.hpp): the atomic report file, stdout, the stderr table and the progress bar.
// The temporary file of an AtomicOutputFile is removed on every way out: failure (destructor),
// and SIGINT / SIGTERM / SIGHUP while a run is going on (a handler that unlinks it and re-raises
// the signal, so the process still ends the way the signal says).
#include "output.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <map>
#include <optional>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>
#include <utility>

#include "arena/workloads/input_error.hpp"
#include "arena/workloads/report.hpp"

namespace arena::bench {
namespace {

using workloads::InputError;
using workloads::RunRecord;

// --- Interrupt handling for the temporary files (async-signal-safe: fixed buffers and unlink) ---

constexpr std::array<int, 3> kSignals = {SIGINT, SIGTERM, SIGHUP};
constexpr std::size_t kCleanupSlots = 4;
char g_temp_paths[kCleanupSlots][4096];
volatile std::sig_atomic_t g_temp_armed[kCleanupSlots] = {};
std::size_t g_armed_count = 0;  // changed outside the handler only
std::array<struct sigaction, kSignals.size()> g_previous{};

extern "C" void remove_temp_and_reraise(int signal_number) {
  for (std::size_t i = 0; i < kCleanupSlots; ++i) {
    if (g_temp_armed[i] != 0) ::unlink(g_temp_paths[i]);
  }
  // SA_RESETHAND restored the default action: the re-raised signal ends the process after return.
  ::raise(signal_number);
}

// Registers `temp_path` for removal on an interrupt; returns its slot, or -1 when there is no room
// (then the file is not cleaned up on an interrupt, but still on every other way out).
int arm_interrupt_cleanup(const std::string& temp_path) {
  if (temp_path.size() >= sizeof g_temp_paths[0]) return -1;
  for (std::size_t i = 0; i < kCleanupSlots; ++i) {
    if (g_temp_armed[i] != 0) continue;
    std::memcpy(g_temp_paths[i], temp_path.c_str(), temp_path.size() + 1);
    g_temp_armed[i] = 1;
    if (g_armed_count++ == 0) {
      struct sigaction action {};
      action.sa_handler = remove_temp_and_reraise;
      sigemptyset(&action.sa_mask);
      action.sa_flags = static_cast<int>(SA_RESETHAND);
      for (std::size_t s = 0; s < kSignals.size(); ++s) ::sigaction(kSignals[s], &action, &g_previous[s]);
    }
    return static_cast<int>(i);
  }
  return -1;
}

void disarm_interrupt_cleanup(int& slot) {
  if (slot < 0) return;
  g_temp_armed[static_cast<std::size_t>(slot)] = 0;
  slot = -1;
  if (--g_armed_count == 0) {
    for (std::size_t s = 0; s < kSignals.size(); ++s) ::sigaction(kSignals[s], &g_previous[s], nullptr);
  }
}

std::string errno_text(int error) { return std::generic_category().message(error); }

// --- Table helpers ---

double median(std::vector<double> values) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const std::size_t mid = values.size() / 2;
  return values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2.0;
}

std::string fixed_decimals(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

// Cells of one table: the first column left-aligned, the others right-aligned.
std::string render(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()), 0);
    for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      const std::string pad(widths[c] - row[c].size(), ' ');
      if (c > 0) line += "  ";
      line += c == 0 ? row[c] + pad : pad + row[c];
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

}  // namespace

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

bool same_file(const std::string& a, const std::string& b) {
  namespace fs = std::filesystem;
  std::error_code error_a, error_b;
  const fs::path ca = fs::weakly_canonical(a, error_a);
  const fs::path cb = fs::weakly_canonical(b, error_b);
  if (error_a || error_b) return fs::path(a).lexically_normal() == fs::path(b).lexically_normal();
  return ca == cb;
}

// --- AtomicOutputFile ---

AtomicOutputFile::AtomicOutputFile(std::string path, std::string flag)
    : path_(std::move(path)), flag_(std::move(flag)) {
  namespace fs = std::filesystem;
  const std::string expected = "a file the report can be written to";
  if (path_.empty()) throw InputError(flag_, "", expected, "an empty path");
  std::error_code error;
  if (fs::is_directory(path_, error)) throw InputError(path_, flag_, expected, "a directory");
  const fs::path target(path_);
  if (target.filename().empty()) throw InputError(path_, flag_, expected, "a directory path");
  if (fs::exists(target, error) && ::access(path_.c_str(), W_OK) != 0) {
    throw InputError(path_, flag_, expected, "an existing file without write permission");
  }
  const fs::path directory = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  std::string pattern = (directory / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
  fd_ = ::mkstemp(pattern.data());
  if (fd_ < 0) {
    const int saved = errno;
    throw InputError(path_, flag_, expected,
                     "cannot create a file in " + directory.string() + ": " + errno_text(saved));
  }
  temp_path_ = pattern;
  // mkstemp makes the file 0600; a report is an ordinary file: 0666 less the umask.
  const mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd_, static_cast<mode_t>(0666) & ~mask);
  cleanup_slot_ = arm_interrupt_cleanup(temp_path_);
}

AtomicOutputFile::~AtomicOutputFile() { discard(); }

void AtomicOutputFile::discard() noexcept {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (!temp_path_.empty()) {
    ::unlink(temp_path_.c_str());
    temp_path_.clear();
  }
  disarm_interrupt_cleanup(cleanup_slot_);
}

void AtomicOutputFile::commit(std::string_view contents) {
  const std::string expected = "a file the report can be written to";
  auto fail = [&](const std::string& what) {
    const int saved = errno;
    discard();
    throw InputError(path_, flag_, expected, what + ": " + errno_text(saved));
  };
  if (fd_ < 0) throw InputError(path_, flag_, expected, "the file was already written");
  std::size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n = ::write(fd_, contents.data() + written, contents.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write failed");
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd_) != 0 && errno != EINVAL && errno != EROFS) fail("fsync failed");
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail("close failed");
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) fail("rename failed");
  temp_path_.clear();
  disarm_interrupt_cleanup(cleanup_slot_);
}

void write_stdout(std::string_view text) {
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0) {
    const int saved = errno;
    throw InputError("stdout", "", "a writable standard output", errno_text(saved));
  }
}

// --- Numbers ---

std::string format_si(double value) {
  static constexpr std::array<const char*, 5> kSuffix = {"", "k", "M", "G", "T"};
  std::size_t unit = 0;
  while (std::fabs(value) >= 1000.0 && unit + 1 < kSuffix.size()) {
    value /= 1000.0;
    ++unit;
  }
  const int decimals = unit == 0 ? 0 : (std::fabs(value) < 10.0 ? 2 : (std::fabs(value) < 100.0 ? 1 : 0));
  return fixed_decimals(value, decimals) + kSuffix[unit];
}

std::string format_ns(std::uint64_t nanoseconds) {
  const auto ns = static_cast<double>(nanoseconds);
  if (nanoseconds < 10'000) return std::to_string(nanoseconds) + " ns";
  if (nanoseconds < 10'000'000) return fixed_decimals(ns / 1e3, 1) + " us";
  if (nanoseconds < 10'000'000'000) return fixed_decimals(ns / 1e6, 1) + " ms";
  return fixed_decimals(ns / 1e9, 1) + " s";
}

std::string format_bytes(std::uint64_t bytes) {
  static constexpr std::array<const char*, 6> kUnit = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  auto value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < kUnit.size()) {
    value /= 1024.0;
    ++unit;
  }
  const bool whole = value == std::floor(value);
  return fixed_decimals(value, whole ? 0 : (value < 10.0 ? 2 : 1)) + " " + kUnit[unit];
}

// --- Table ---

std::string format_table(const std::vector<RunRecord>& records) {
  // Allocators in the order they first appear (the records interleave repetitions).
  std::vector<std::string> order;
  std::map<std::string, std::vector<const RunRecord*>> by_allocator;
  unsigned repetitions = 0;
  for (const RunRecord& r : records) {
    auto& list = by_allocator[r.allocator];
    if (list.empty()) order.push_back(r.allocator);
    list.push_back(&r);
    repetitions = std::max(repetitions, r.repetition + 1);
  }

  std::vector<std::vector<std::string>> rows = {
      {"allocator", "status", "ops/s", "p50", "p99", "p99.9", "failures", "spills", "peak live", "min largest free"}};
  std::string notes;
  for (const std::string& name : order) {
    const auto& list = by_allocator[name];
    std::vector<double> ops, p50, p99, p999;
    std::uint64_t failures = 0, spills = 0, peak = 0;
    std::optional<std::uint64_t> largest_free;
    std::size_t ok = 0;
    std::vector<std::pair<std::string, unsigned>> reasons;  // "status: error", how many repetitions
    for (const RunRecord* r : list) {
      if (r->status != RunRecord::Status::ok) {
        const std::string reason = std::string(to_string(r->status)) + ": " + r->error;
        auto same = std::find_if(reasons.begin(), reasons.end(), [&](const auto& n) { return n.first == reason; });
        if (same == reasons.end()) {
          reasons.emplace_back(reason, 1);
        } else {
          ++same->second;
        }
        continue;
      }
      ++ok;
      ops.push_back(r->ops_per_s);
      if (auto it = r->latency.find("allocate"); it != r->latency.end()) {
        p50.push_back(static_cast<double>(it->second.p50_ns));
        p99.push_back(static_cast<double>(it->second.p99_ns));
        p999.push_back(static_cast<double>(it->second.p999_ns));
      }
      failures += r->failures;
      spills += r->spills;
      peak = std::max(peak, r->peak_bytes_live);
      if (r->largest_free_block_min)
        largest_free = std::min(largest_free.value_or(*r->largest_free_block_min), *r->largest_free_block_min);
    }
    for (const auto& [reason, count] : reasons) {
      notes += "  " + name + " (" + std::to_string(count) + " of " + std::to_string(list.size()) +
               (list.size() == 1 ? " repetition" : " repetitions") + "): " + reason + "\n";
    }
    if (ok == 0) {
      rows.push_back({name, to_string(list.front()->status), "-", "-", "-", "-", "-", "-", "-", "-"});
      continue;
    }
    const auto ns = [](const std::vector<double>& v) {
      return v.empty() ? std::string("-") : format_ns(static_cast<std::uint64_t>(std::llround(median(v))));
    };
    rows.push_back({name, ok == list.size() ? "ok" : "ok " + std::to_string(ok) + "/" + std::to_string(list.size()),
                    format_si(median(ops)), ns(p50), ns(p99), ns(p999), std::to_string(failures),
                    std::to_string(spills), format_bytes(peak), largest_free ? format_bytes(*largest_free) : "-"});
  }
  std::string out = "ops/s and allocate latency (allocate + write + freeze): medians over " +
                    std::to_string(repetitions) + (repetitions == 1 ? " repetition" : " repetitions") +
                    "; failures, spills: totals; peak live: highest; min largest free: lowest\n";
  out += render(rows);
  if (!notes.empty()) out += "not measured:\n" + notes;
  return out;
}

// --- ProgressBar ---

ProgressBar::ProgressBar(bool enabled, bool delayed)
    : enabled_(enabled), delayed_(delayed), terminal_(stderr_is_terminal()), start_(Clock::now()) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::update(double fraction) {
  if (!enabled_) return;
  const Clock::time_point now = Clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  if (delayed_ && elapsed < 1.0) return;
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100) && fraction < 1.0) return;
  fraction = std::clamp(fraction, 0.0, 1.0);
  constexpr std::size_t kBar = 30;
  const auto filled = static_cast<std::size_t>(fraction * static_cast<double>(kBar));
  std::string line = "\r[" + std::string(filled, '#') + std::string(kBar - filled, '.') + "] " +
                     fixed_decimals(fraction * 100.0, 0) + "%  " + fixed_decimals(elapsed, 1) + " s";
  if (fraction > 0.02 && fraction < 1.0) {
    line += ", ~" + fixed_decimals(elapsed * (1.0 - fraction) / fraction, 0) + " s left";
  }
  const std::size_t visible = line.size() - 1;
  if (visible < width_) line += std::string(width_ - visible, ' ');
  width_ = std::max(width_, visible);
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
  drawn_ = true;
  last_draw_ = now;
}

void ProgressBar::finish() {
  if (!drawn_) return;
  if (terminal_) {
    std::fputs(("\r" + std::string(width_, ' ') + "\r").c_str(), stderr);
  } else {
    std::fputs("\n", stderr);
  }
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace arena::bench
