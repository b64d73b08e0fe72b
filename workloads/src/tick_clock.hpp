// TickClock: the cheap timestamp the drivers put around every timed operation. On x86-64 with an
// invariant TSC (constant_tsc + nonstop_tsc in /proc/cpuinfo) it is rdtsc, calibrated once per
// process against std::chrono::steady_clock; elsewhere it is steady_clock itself (nanoseconds).
// On virtual machines steady_clock may cost ~100 ns a read, rdtsc ~20 ns. The one thing not to
// get wrong: ticks are not nanoseconds; convert with ns_per_tick(), and subtract the measured cost
// of a back-to-back pair of reads (timer_overhead_ticks) from every sample.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define ARENA_WORKLOADS_HAVE_TSC 1
#else
#define ARENA_WORKLOADS_HAVE_TSC 0
#endif

namespace arena::workloads::detail {

class TickClock {
 public:
  // The process-wide clock (calibrated on first use, ~10 ms).
  static const TickClock& instance() {
    static const TickClock clock = calibrate();
    return clock;
  }

  std::uint64_t now() const noexcept {
#if ARENA_WORKLOADS_HAVE_TSC
    if (tsc_) return __rdtsc();
#endif
    return steady_ns();
  }
  double ns_per_tick() const noexcept { return ns_per_tick_; }
  bool uses_tsc() const noexcept { return tsc_; }

  // The median cost, in ticks, of two back-to-back now() calls: what a timed sample carries on
  // top of the operation itself.
  std::uint64_t timer_overhead_ticks(unsigned pairs = 2001) const {
    std::vector<std::uint64_t> deltas;
    deltas.reserve(pairs);
    for (unsigned i = 0; i < pairs; ++i) {
      const std::uint64_t a = now();
      const std::uint64_t b = now();
      deltas.push_back(b >= a ? b - a : 0);
    }
    std::nth_element(deltas.begin(), deltas.begin() + static_cast<std::ptrdiff_t>(pairs / 2), deltas.end());
    return deltas[pairs / 2];
  }

 private:
  static std::uint64_t steady_ns() noexcept {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
  }

  static bool invariant_tsc() {
#if ARENA_WORKLOADS_HAVE_TSC
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line;
    while (std::getline(cpuinfo, line)) {
      if (line.rfind("flags", 0) == 0) {
        return line.find(" constant_tsc") != std::string::npos && line.find(" nonstop_tsc") != std::string::npos;
      }
    }
#endif
    return false;
  }

  static TickClock calibrate() {
    TickClock clock;
    if (!invariant_tsc()) return clock;
#if ARENA_WORKLOADS_HAVE_TSC
    const std::uint64_t ns0 = steady_ns();
    const std::uint64_t t0 = __rdtsc();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const std::uint64_t ns1 = steady_ns();
    const std::uint64_t t1 = __rdtsc();
    if (t1 > t0 && ns1 > ns0) {
      clock.tsc_ = true;
      clock.ns_per_tick_ = static_cast<double>(ns1 - ns0) / static_cast<double>(t1 - t0);
    }
#endif
    return clock;
  }

  bool tsc_ = false;
  double ns_per_tick_ = 1.0;
};

}  // namespace arena::workloads::detail
