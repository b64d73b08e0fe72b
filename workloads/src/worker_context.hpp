// WorkerContext: who the calling thread is within a run (its worker index and NUMA node), set by
// the driver when a worker starts and cleared when it ends, and StripedCounters, the adapters'
// allocation counters: one cache line per worker, written only by that worker (plain load + store,
// no read-modify-write on the hot path), summed by snapshot(). The one thing not to get wrong: a
// thread that is not a registered worker (a test, the sampler) must use the shared stripe, which
// is updated with atomic read-modify-writes, or two writers would lose updates.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <vector>

namespace arena::workloads::detail {

struct WorkerContext {
  int index = -1;                              // worker index in the run; -1: not a worker
  unsigned node = 0;                           // NUMA node of the worker ("local" placement)
  const std::vector<unsigned>* nodes = nullptr;  // the placement's nodes ("interleaved")
  std::uint64_t cursor = 0;                    // round-robin position for "interleaved"
};

inline thread_local WorkerContext t_worker;

// Sets t_worker for the lifetime of the guard (one worker thread of one run).
class WorkerScope {
 public:
  WorkerScope(int index, unsigned node, const std::vector<unsigned>* nodes) noexcept {
    t_worker.index = index;
    t_worker.node = node;
    t_worker.nodes = nodes;
    t_worker.cursor = static_cast<std::uint64_t>(index);
  }
  WorkerScope(const WorkerScope&) = delete;
  WorkerScope& operator=(const WorkerScope&) = delete;
  ~WorkerScope() { t_worker = WorkerContext{}; }
};

class StripedCounters {
 public:
  struct Totals {
    std::uint64_t allocations = 0;
    std::uint64_t failures = 0;
    std::uint64_t bytes_live = 0;
  };

  void on_allocate(std::uint64_t bytes) noexcept {
    Stripe& s = mine();
    bump(s.allocations, 1);
    bump(s.bytes_in, bytes);
  }
  void on_failure() noexcept { bump(mine().failures, 1); }
  void on_free(std::uint64_t bytes) noexcept { bump(mine().bytes_out, bytes); }

  // Sums every stripe (relaxed reads: a snapshot during activity is not a consistent cut).
  Totals totals() const noexcept {
    std::uint64_t in = 0, out = 0;
    Totals t;
    for (const Stripe& s : stripes_) {
      t.allocations += s.allocations.load(std::memory_order_relaxed);
      t.failures += s.failures.load(std::memory_order_relaxed);
      in += s.bytes_in.load(std::memory_order_relaxed);
      out += s.bytes_out.load(std::memory_order_relaxed);
    }
    t.bytes_live = in >= out ? in - out : 0;  // frees on another stripe may be seen first
    return t;
  }

 private:
  static constexpr std::size_t kWorkerStripes = 64;
  struct alignas(64) Stripe {
    std::atomic<std::uint64_t> allocations{0};
    std::atomic<std::uint64_t> failures{0};
    std::atomic<std::uint64_t> bytes_in{0};
    std::atomic<std::uint64_t> bytes_out{0};
  };

  bool single_writer() const noexcept {
    return t_worker.index >= 0 && static_cast<std::size_t>(t_worker.index) < kWorkerStripes;
  }
  Stripe& mine() noexcept {
    return single_writer() ? stripes_[static_cast<std::size_t>(t_worker.index)] : stripes_[kWorkerStripes];
  }
  void bump(std::atomic<std::uint64_t>& counter, std::uint64_t by) noexcept {
    if (single_writer()) {
      counter.store(counter.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
    } else {
      counter.fetch_add(by, std::memory_order_relaxed);
    }
  }

  std::array<Stripe, kWorkerStripes + 1> stripes_{};  // the last one: shared by non-workers
};

}  // namespace arena::workloads::detail
