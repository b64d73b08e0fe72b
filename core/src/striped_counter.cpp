// StripedCounter: relaxed adds on the calling thread's stripe.
#include "striped_counter.hpp"

#include "thread_index.hpp"

namespace arena::detail {

void StripedCounter::add(std::uint64_t n) noexcept {
  stripes_[this_thread_index() % kStripes].value.fetch_add(n, std::memory_order_relaxed);
}

std::uint64_t StripedCounter::read() const noexcept {
  std::uint64_t sum = 0;
  for (const Stripe& s : stripes_) sum += s.value.load(std::memory_order_relaxed);
  return sum;
}

}  // namespace arena::detail
