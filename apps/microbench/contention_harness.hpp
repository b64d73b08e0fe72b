// ContentionHarness: persistent worker threads that run rounds of a fixed number of operations
// each, released together by a start barrier, timed by the wall clock from the barrier's release
// to the last thread's finish. Threads are created once per harness (per benchmark case), never
// inside a timed round, and keep their allocator caches warm across rounds. The one thing not to
// get wrong: aggregate ops/s = thread_count * ops_per_thread / wall time of the round.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

namespace microbench {

class ContentionHarness {
 public:
  // What one participant does in one round: `ops` operations; `thread` in [0, thread_count).
  using Body = std::function<void(unsigned thread, std::uint64_t ops)>;

  // Starts thread_count - 1 helper threads; the thread calling run_round() is participant 0.
  ContentionHarness(unsigned thread_count, Body body);
  ContentionHarness(const ContentionHarness&) = delete;
  ContentionHarness& operator=(const ContentionHarness&) = delete;
  // Stops and joins the helpers (they are idle between rounds).
  ~ContentionHarness();

  // One round: every participant runs body(thread, ops_per_thread), all starting when the last
  // has arrived at the start barrier. Returns the wall time in seconds from the barrier's release
  // to the latest finish among all participants. Call from one thread at a time.
  double run_round(std::uint64_t ops_per_thread);

  unsigned thread_count() const noexcept { return thread_count_; }

 private:
  struct alignas(64) FinishTime {
    std::atomic<std::int64_t> ns{0};  // steady_clock, nanoseconds since its epoch
  };

  void helper_main(unsigned thread);
  void record_finish(unsigned thread) noexcept;

  unsigned thread_count_;
  Body body_;
  std::uint64_t ops_ = 0;  // written before a round is published, read by helpers after
  alignas(64) std::atomic<std::uint32_t> round_{0};     // bumped to start a round (helpers wait on it)
  alignas(64) std::atomic<unsigned> arrived_{0};        // helpers at the start barrier this round
  alignas(64) std::atomic<std::uint32_t> go_{0};        // == round_: the barrier is released
  alignas(64) std::atomic<unsigned> finished_{0};       // participants done this round
  std::atomic<bool> stop_{false};
  std::unique_ptr<FinishTime[]> finish_;
  std::vector<std::thread> helpers_;
};

}  // namespace microbench
