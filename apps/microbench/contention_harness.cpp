// ContentionHarness mechanics. A round: the coordinator (participant 0) resets the counters,
// publishes the round number (helpers sleep on it with atomic wait, so idle helpers cost no CPU),
// spins until every helper has arrived, reads the clock and releases the barrier; everyone runs
// its operations and stamps its own finish time; the round's wall time is the latest stamp minus
// the release time, so no wake-up or join latency is counted.
#include "contention_harness.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

namespace microbench {
namespace {

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Spins (politely) until `done()` holds; yields the CPU once the wait is clearly not short, so an
// oversubscribed machine still makes progress.
template <class Pred>
void spin_until(Pred done) {
  for (unsigned i = 0; !done(); ++i) {
    if (i < 4096) cpu_relax();
    else std::this_thread::yield();
  }
}

std::int64_t now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

ContentionHarness::ContentionHarness(unsigned thread_count, Body body)
    : thread_count_(thread_count == 0 ? 1 : thread_count),
      body_(std::move(body)),
      finish_(std::make_unique<FinishTime[]>(thread_count_)) {
  helpers_.reserve(thread_count_ - 1);
  for (unsigned t = 1; t < thread_count_; ++t) helpers_.emplace_back([this, t] { helper_main(t); });
}

ContentionHarness::~ContentionHarness() {
  stop_.store(true, std::memory_order_release);
  round_.fetch_add(1, std::memory_order_acq_rel);
  round_.notify_all();
  for (std::thread& helper : helpers_) helper.join();
}

void ContentionHarness::record_finish(unsigned thread) noexcept {
  finish_[thread].ns.store(now_ns(), std::memory_order_relaxed);
  finished_.fetch_add(1, std::memory_order_release);  // publishes the stamp to the coordinator
}

void ContentionHarness::helper_main(unsigned thread) {
  std::uint32_t seen = 0;
  for (;;) {
    round_.wait(seen, std::memory_order_acquire);  // sleeps until a new round (or stop)
    seen = round_.load(std::memory_order_acquire);
    if (stop_.load(std::memory_order_acquire)) return;
    arrived_.fetch_add(1, std::memory_order_acq_rel);
    spin_until([&] { return go_.load(std::memory_order_acquire) == seen; });
    body_(thread, ops_);
    record_finish(thread);
  }
}

double ContentionHarness::run_round(std::uint64_t ops_per_thread) {
  const unsigned helpers = thread_count_ - 1;
  arrived_.store(0, std::memory_order_relaxed);
  finished_.store(0, std::memory_order_relaxed);
  ops_ = ops_per_thread;
  const std::uint32_t round = round_.load(std::memory_order_relaxed) + 1;
  round_.store(round, std::memory_order_release);  // publishes ops_ and the resets
  round_.notify_all();

  spin_until([&] { return arrived_.load(std::memory_order_acquire) == helpers; });
  const std::int64_t start = now_ns();
  go_.store(round, std::memory_order_release);  // the start barrier opens

  body_(0, ops_per_thread);
  record_finish(0);

  spin_until([&] { return finished_.load(std::memory_order_acquire) == thread_count_; });
  std::int64_t last = start;
  for (unsigned t = 0; t < thread_count_; ++t) last = std::max(last, finish_[t].ns.load(std::memory_order_relaxed));
  return static_cast<double>(last - start) * 1e-9;
}

}  // namespace microbench
