// Rng (rng.hpp): xoshiro256** (Blackman, Vigna 2018) with its state expanded from one 64-bit seed
// by splitmix64, plus the three derived draws the workloads need (uniform01, below, chance).
// Per-thread streams are the seed's stream advanced by `thread_index` xoshiro jumps of 2^128
// steps each, so threads never overlap. The one thing not to get wrong: nothing here may depend on
// the platform (no std:: distributions, whose output is implementation-defined).
#include "arena/workloads/rng.hpp"

#include <cstdint>

namespace arena::workloads {
namespace {

constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }

constexpr std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  state += 0x9E3779B97F4A7C15ull;
  std::uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// The high and low 64 bits of a 64 x 64 -> 128-bit product (portable, no __int128).
struct Wide {
  std::uint64_t high;
  std::uint64_t low;
};
constexpr Wide multiply_wide(std::uint64_t a, std::uint64_t b) noexcept {
  const std::uint64_t a_lo = a & 0xFFFFFFFFu;
  const std::uint64_t a_hi = a >> 32;
  const std::uint64_t b_lo = b & 0xFFFFFFFFu;
  const std::uint64_t b_hi = b >> 32;
  const std::uint64_t lo_lo = a_lo * b_lo;
  const std::uint64_t hi_lo = a_hi * b_lo;
  const std::uint64_t lo_hi = a_lo * b_hi;
  const std::uint64_t hi_hi = a_hi * b_hi;
  const std::uint64_t cross = (lo_lo >> 32) + (hi_lo & 0xFFFFFFFFu) + lo_hi;
  const std::uint64_t high = hi_hi + (hi_lo >> 32) + (cross >> 32);
  const std::uint64_t low = (cross << 32) | (lo_lo & 0xFFFFFFFFu);
  return {high, low};
}

// The xoshiro256 jump polynomial: advances the state by 2^128 calls of next().
constexpr std::uint64_t kJump[4] = {0x180EC6D33CFD0ABAull, 0xD5A61266F0C9392Cull, 0xA9582618E03FC9AAull,
                                    0x39ABDC4529B1661Cull};

}  // namespace

Rng::Rng(std::uint64_t seed) noexcept : s_{} {
  std::uint64_t state = seed;
  for (std::uint64_t& word : s_) word = splitmix64(state);
}

Rng Rng::for_thread(std::uint64_t seed, unsigned thread_index) noexcept {
  Rng rng(seed);
  for (unsigned jump = 0; jump < thread_index; ++jump) {
    std::uint64_t t[4] = {0, 0, 0, 0};
    for (std::uint64_t polynomial : kJump) {
      for (int bit = 0; bit < 64; ++bit) {
        if ((polynomial >> bit) & 1u) {
          for (int i = 0; i < 4; ++i) t[i] ^= rng.s_[i];
        }
        rng.next();
      }
    }
    for (int i = 0; i < 4; ++i) rng.s_[i] = t[i];
  }
  return rng;
}

std::uint64_t Rng::next() noexcept {
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

double Rng::uniform01() noexcept {
  // The top 53 bits scaled by 2^-53: every value k / 2^53, k in [0, 2^53), equally likely.
  return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

std::uint64_t Rng::below(std::uint64_t n) noexcept {
  if (n == 0) return 0;
  // Lemire's multiply-and-reject: the high word of x * n is uniform in [0, n) once the low words
  // that would over-represent some values (fewer than n of them) are redrawn.
  Wide product = multiply_wide(next(), n);
  if (product.low < n) {
    const std::uint64_t threshold = (0 - n) % n;  // 2^64 mod n
    while (product.low < threshold) product = multiply_wide(next(), n);
  }
  return product.high;
}

bool Rng::chance(double p) noexcept {
  if (!(p > 0.0)) return false;  // also NaN: never
  if (p >= 1.0) return true;
  return uniform01() < p;
}

}  // namespace arena::workloads
