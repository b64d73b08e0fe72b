// Deterministic, seeded random numbers for tests: splitmix64 (to expand a seed) and xoshiro256**
// (the generator). Every randomized test takes an explicit seed so that a failure replays exactly;
// nothing here reads the clock [H-9].
//
// The one thing not to get wrong: a coin must come from the high bits of a full-period generator.
// (The original crate's multiply-add mixer with an even multiplier pinned the low bit, so one branch
// of its freeze-or-drop coin never ran; tests/unit/support/test_rng.cpp proves ours reaches both.)
#pragma once

#include <cstdint>

namespace arena::test {

// splitmix64 (Steele, Lea, Flood 2014): a 64-bit counter through a mixing function.
class SplitMix64 {
 public:
  explicit constexpr SplitMix64(std::uint64_t seed) noexcept : state_(seed) {}
  constexpr std::uint64_t next() noexcept {
    state_ += 0x9E3779B97F4A7C15ull;
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

 private:
  std::uint64_t state_;
};

// xoshiro256** (Blackman, Vigna 2018), state expanded from one 64-bit seed with splitmix64.
class Rng {
 public:
  explicit constexpr Rng(std::uint64_t seed) noexcept : s_{} {
    SplitMix64 expand(seed);
    for (std::uint64_t& word : s_) word = expand.next();
  }

  constexpr std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform-enough in [0, n) for tests (modulo bias below 2^-40 for the small n used here); n > 0.
  constexpr std::uint64_t below(std::uint64_t n) noexcept { return next() % n; }
  // A fair coin from the top bit.
  constexpr bool coin() noexcept { return (next() >> 63) != 0; }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

}  // namespace arena::test
