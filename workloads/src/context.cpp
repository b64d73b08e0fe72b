// collect_context (report.hpp): the report's context block, gathered from the build (tool version,
// build type, compiler, sanitizer: compile definitions and predefined macros) and from the machine
// (host name, kernel, CPU model from /proc/cpuinfo, usable CPUs, NUMA nodes through
// arena::Topology, the latency timer, the date in UTC). The one thing not to get wrong: nothing
// here may fail a run - whatever cannot be found is reported as "unknown".
#include <sched.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <string>
#include <thread>

#include "arena/numa.hpp"
#include "arena/workloads/report.hpp"
#include "tick_clock.hpp"

#ifndef ARENA_VERSION
#define ARENA_VERSION "unknown"
#endif
#ifndef ARENA_BUILD_TYPE
#define ARENA_BUILD_TYPE "unknown"
#endif

namespace arena::workloads {
namespace {

std::string compiler() {
#if defined(__clang__)
  return std::string("clang ") + __clang_version__;
#elif defined(__GNUC__)
  return std::string("gcc ") + __VERSION__;
#else
  return "unknown";
#endif
}

std::string sanitizer() {
#if defined(__SANITIZE_ADDRESS__)
  return "address";
#elif defined(__SANITIZE_THREAD__)
  return "thread";
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  return "address";
#elif __has_feature(thread_sanitizer)
  return "thread";
#else
  return "";
#endif
#else
  return "";
#endif
}

std::string trim(std::string s) {
  const auto first = s.find_first_not_of(" \t");
  const auto last = s.find_last_not_of(" \t\r");
  return first == std::string::npos ? std::string() : s.substr(first, last - first + 1);
}

// "model name" (x86), else "Model"/"cpu model"/"Hardware" (other architectures), else the machine.
std::string cpu_model(const std::string& machine) {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  std::string fallback;
  while (std::getline(in, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = trim(line.substr(0, colon));
    const std::string value = trim(line.substr(colon + 1));
    if (value.empty()) continue;
    if (key == "model name") return value;
    if (fallback.empty() && (key == "Model" || key == "cpu model" || key == "Hardware" || key == "cpu")) fallback = value;
  }
  if (!fallback.empty()) return fallback;
  return machine.empty() ? "unknown" : machine;
}

unsigned usable_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return static_cast<unsigned>(n);
  }
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  if (gmtime_r(&now, &utc) == nullptr) return "unknown";
  std::array<char, 32> text{};
  const std::size_t n = std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return n == 0 ? "unknown" : std::string(text.data(), n);
}

std::string timer() {
  const detail::TickClock& clock = detail::TickClock::instance();
  if (!clock.uses_tsc()) return "steady_clock";
  std::array<char, 64> text{};
  std::snprintf(text.data(), text.size(), "tsc (invariant, %.0f MHz)", 1000.0 / clock.ns_per_tick());
  return text.data();
}

}  // namespace

ReportContext collect_context(const std::string& command) {
  ReportContext c;
  c.tool_version = ARENA_VERSION;
  c.build_type = ARENA_BUILD_TYPE;
  c.compiler = compiler();
  c.sanitizer = sanitizer();
  std::array<char, 256> host{};
  c.host = gethostname(host.data(), host.size() - 1) == 0 ? std::string(host.data()) : "unknown";
  std::string machine;
  utsname u{};
  if (uname(&u) == 0) {
    machine = u.machine;
    c.os = std::string(u.sysname) + " " + u.release + " " + u.machine;
  } else {
    c.os = "unknown";
  }
  c.cpu_model = cpu_model(machine);
  c.cores = usable_cpus();
  if (Result<Topology> topology = Topology::detect()) {
    c.numa_nodes = topology->node_count();
    c.numa_backend = topology->backend();
  } else {
    c.numa_nodes = 1;
    c.numa_backend = "unavailable: " + topology.error().message();
  }
  c.timer = timer();
  c.date = utc_now();
  c.command = command;
  return c;
}

}  // namespace arena::workloads
