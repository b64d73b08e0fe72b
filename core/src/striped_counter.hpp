// StripedCounter: a counter that many threads bump rarely-together (failed allocations, buddy
// freezes): one atomic per cache line, picked by thread number, summed on read. Exact at
// quiescence; a read during activity may miss increments in flight.
#pragma once

#include <atomic>
#include <cstdint>

namespace arena::detail {

class StripedCounter {
 public:
  void add(std::uint64_t n) noexcept;
  std::uint64_t read() const noexcept;

 private:
  static constexpr unsigned kStripes = 8;
  struct alignas(64) Stripe {
    std::atomic<std::uint64_t> value{0};
  };
  Stripe stripes_[kStripes];
};

}  // namespace arena::detail
