// Rng: the deterministic random number generator shared by the workload drivers and the tests
// (xoshiro256**, seeded through splitmix64). Same seed, same sequence, on every machine: a profile
// with a seed replays exactly. One Rng per thread; it is not synchronized.
#pragma once

#include <cstdint>
#include <limits>

namespace arena::workloads {

class Rng {
 public:
  using result_type = std::uint64_t;

  explicit Rng(std::uint64_t seed) noexcept;
  // The generator of thread `thread_index` of a run seeded with `seed` (independent streams).
  static Rng for_thread(std::uint64_t seed, unsigned thread_index) noexcept;

  std::uint64_t next() noexcept;
  std::uint64_t operator()() noexcept { return next(); }
  static constexpr std::uint64_t min() noexcept { return 0; }
  static constexpr std::uint64_t max() noexcept { return std::numeric_limits<std::uint64_t>::max(); }

  // Uniform in [0, 1), 53 bits of precision.
  double uniform01() noexcept;
  // Uniform in [0, n) without modulo bias; 0 for n == 0.
  std::uint64_t below(std::uint64_t n) noexcept;
  // True with probability p (p <= 0: never, p >= 1: always).
  bool chance(double p) noexcept;

 private:
  std::uint64_t s_[4];
};

}  // namespace arena::workloads
