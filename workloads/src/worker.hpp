// The per-thread loop of a run: what a worker thread does with a profile's operations against one
// WorkloadAllocator (a template over it, so an operation makes no virtual call), and the state it
// shares with the driving thread (run_workers.hpp). One operation: draw a size; allocate + write +
// freeze (timed "allocate"); maybe copy, slice; then exactly one of into_owned, handoff, hold or
// drop; then drop expired held buffers and received mail. The one thing not to get wrong: a worker
// goes through every barrier whatever fails, or the whole run hangs.
//
//   worker:  pin, set up ─▶ B1 ─ warm-up ─▶ B2a ─▶ B2b ─ measured ops ─▶ (receive until all done)
//            ─▶ B3 ─▶ B4 ─ drop what it holds
//
// Latency is recorded for one operation in `latency_sample_every` on average (randomly chosen),
// minus the timer overhead.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "arena/numa.hpp"
#include "arena/workloads/allocator_adapter.hpp"
#include "arena/workloads/driver.hpp"
#include "arena/workloads/histogram.hpp"
#include "arena/workloads/profile.hpp"
#include "arena/workloads/rng.hpp"
#include "arena/workloads/sampler.hpp"
#include "arena/workloads/size_distribution.hpp"
#include "handoff_inbox.hpp"
#include "hold_ring.hpp"
#include "tick_clock.hpp"
#include "worker_context.hpp"

namespace arena::workloads::detail {

enum OpType : unsigned { kAllocateOp, kDropOp, kCopyOp, kSliceOp, kIntoOwnedOp, kHandoffOp, kOpTypes };
inline constexpr std::array<const char*, kOpTypes> kOpNames = {"allocate", "drop", "copy", "slice", "into_owned", "handoff"};

// A profile turned into what the loop needs, validated.
struct RunPlan {
  unsigned threads = 1;
  std::optional<std::uint64_t> ops_per_thread;  // or
  double duration_s = 0.0;
  std::uint64_t warmup_ops = 0;
  double warmup_s = 0.0;
  std::uint64_t seed = 1;
  SizeDistribution sizes = SizeDistribution::constant(1);
  HoldModel hold;
  OperationMix mix;
  std::chrono::milliseconds sample_interval{0};
  unsigned latency_sample_every = 1;
  // NUMA: workers pinned to nodes[t % nodes.size()] when `topology` is set.
  std::optional<Topology> topology;
  std::vector<unsigned> nodes;
  std::function<void(double)> progress;
};

// What the workers of one run measured.
struct RunOutcome {
  std::string error;  // empty: the run completed
  std::uint64_t operations = 0;
  std::uint64_t bytes = 0;
  double seconds = 0.0;
  std::array<LatencyHistogram, kOpTypes> latency{};
  double timer_overhead_ns = 0.0;
  std::vector<TimelineSample> timeline;  // counters relative to the measured phase's start
};

// Shared by the driving thread and the workers of one run.
template <WorkloadAllocator A>
struct RunShared {
  using Handle = typename A::Handle;
  RunShared(A& a, const RunPlan& p, unsigned participants)
      : alloc(a), plan(p), clock(TickClock::instance()), barrier(static_cast<std::ptrdiff_t>(participants)) {}

  void abort(std::string why) {
    {
      std::lock_guard lock(mutex);
      if (error.empty()) error = std::move(why);
    }
    aborted.store(true, std::memory_order_relaxed);
    warm_stop.store(true, std::memory_order_relaxed);
    run_stop.store(true, std::memory_order_relaxed);
    done_cv.notify_all();
  }
  void worker_done() {
    {
      std::lock_guard lock(mutex);
      ++done;
    }
    finished.fetch_add(1, std::memory_order_release);
    done_cv.notify_all();
  }

  A& alloc;
  const RunPlan& plan;
  const TickClock& clock;
  std::uint64_t overhead_ticks = 0;
  std::barrier<> barrier;
  std::vector<std::unique_ptr<HandoffInbox<Handle>>> inboxes;
  std::atomic<bool> warm_stop{false};
  std::atomic<bool> run_stop{false};
  std::atomic<bool> aborted{false};
  std::mutex mutex;
  std::condition_variable done_cv;
  unsigned done = 0;        // workers whose measured phase is over (under `mutex`, for the driver)
  std::atomic<unsigned> finished{0};  // the same, for workers that keep receiving meanwhile
  unsigned running = 0;     // worker threads started (set before B1)
  std::string error;        // the first failure
};

template <WorkloadAllocator A>
class Worker {
  using Writer = typename A::Writer;
  using Handle = typename A::Handle;

 public:
  Worker(RunShared<A>& shared, unsigned index) : shared_(shared), plan_(shared.plan), index_(index) {}

  // The thread body. Never throws: a failure aborts the run (with its reason) and the worker still
  // goes through every barrier, so nobody waits forever.
  void main() noexcept {
    const unsigned node = plan_.nodes.empty() ? 0u : plan_.nodes[index_ % plan_.nodes.size()];
    WorkerScope scope(static_cast<int>(index_), node, plan_.nodes.empty() ? nullptr : &plan_.nodes);
    if (plan_.topology) (void)plan_.topology->pin_current_thread(node);  // not_supported: run unpinned
    guarded([this] { set_up(); });
    shared_.barrier.arrive_and_wait();  // B1
    if (ready_) guarded([this] { run_phase<false>(); });
    shared_.barrier.arrive_and_wait();  // B2a
    shared_.barrier.arrive_and_wait();  // B2b
    if (ready_) guarded([this] { run_phase<true>(); });
    end_ = std::chrono::steady_clock::now();
    progress_.store(operations_, std::memory_order_relaxed);
    shared_.worker_done();
    // Keep receiving until every worker is done: a sender must not fill the arena with handles
    // that a finished receiver no longer drops.
    if (plan_.mix.handoff > 0) {
      while (ready_ && shared_.finished.load(std::memory_order_acquire) < shared_.running) {
        guarded([this] { receive(false); });
        std::this_thread::sleep_for(std::chrono::microseconds(50));  // not a spin: others still work
      }
    }
    shared_.barrier.arrive_and_wait();  // B3
    shared_.barrier.arrive_and_wait();  // B4
    guarded([this] { drain(); });
  }

  std::uint64_t progress() const noexcept { return progress_.load(std::memory_order_relaxed); }
  std::uint64_t operations() const noexcept { return operations_; }
  std::uint64_t bytes() const noexcept { return bytes_; }
  std::chrono::steady_clock::time_point end() const noexcept { return end_; }
  // Null when the worker could not be set up.
  const std::array<LatencyHistogram, kOpTypes>* latency() const noexcept { return latency_.get(); }

 private:
  template <class Fn>
  void guarded(Fn&& fn) noexcept {
    try {
      fn();
    } catch (const std::exception& e) {
      ready_ = false;
      shared_.abort("worker " + std::to_string(index_) + ": " + e.what());
    } catch (...) {
      ready_ = false;
      shared_.abort("worker " + std::to_string(index_) + ": unknown exception");
    }
  }

  void set_up() {
    sizes_.emplace(plan_.sizes.sampler(plan_.seed, index_, plan_.threads));
    // Decisions and latency sampling draw from their own streams, so the sizes a seed gives do not
    // depend on the operation mix or the sampling rate.
    decide_.emplace(Rng::for_thread(plan_.seed ^ 0x6A09E667F3BCC909ull, index_));
    pick_.emplace(Rng::for_thread(plan_.seed ^ 0xBB67AE8584CAA73Bull, index_));
    latency_ = std::make_unique<std::array<LatencyHistogram, kOpTypes>>();
    pattern_.assign(std::clamp<std::size_t>(plan_.sizes.max_size(), 1, std::size_t{64} << 10),
                    static_cast<std::byte>(0xA0u + (index_ & 0x1Fu)));
    const HoldModel& hold = plan_.hold;
    time_hold_ = hold.fraction > 0 && hold.ops == 0 && hold.time_ns > 0;
    hold_until_ = time_hold_ ? static_cast<std::uint64_t>(static_cast<double>(hold.time_ns) / shared_.clock.ns_per_tick())
                             : hold.ops;
    max_live_ = std::max<std::uint64_t>(hold.max_live, 1);
    const std::size_t bound = static_cast<std::size_t>(max_live_);
    ring_.emplace(bound, false);
    if (plan_.sizes.kind() == SizeDistribution::Kind::trace) lifetimes_.emplace(bound, true);
    inbox_ = shared_.inboxes[index_].get();
    drained_.reserve(inbox_->bound());
    receives_ = plan_.mix.handoff > 0;  // nobody sends when the mix has no handoff
    const OperationMix& mix = plan_.mix;
    simple_ = mix.copy <= 0 && mix.slice <= 0 && mix.into_owned <= 0 && mix.handoff <= 0 && hold.fraction <= 0 && !lifetimes_;
    if (plan_.sizes.kind() == SizeDistribution::Kind::constant) constant_size_ = plan_.sizes.min_size();
    write_all_ = plan_.mix.write >= 1.0;
    every_ = std::max(1u, plan_.latency_sample_every);
    countdown_ = 1;
    ready_ = true;
  }

  template <bool Measured>
  void run_phase() {
    const std::atomic<bool>& stop = Measured ? shared_.run_stop : shared_.warm_stop;
    std::uint64_t limit = 0;
    if constexpr (Measured) {
      limit = plan_.ops_per_thread.value_or(std::numeric_limits<std::uint64_t>::max());
    } else {
      limit = plan_.warmup_ops > 0 ? plan_.warmup_ops
                                   : (plan_.warmup_s > 0 ? std::numeric_limits<std::uint64_t>::max() : 0);
    }
    // The counters every operation updates live in this local for the loop: as members, each
    // payload write (through std::byte*, which may alias anything) forced them back to memory,
    // three loop-carried load/store chains that were most of the driver's own cost.
    LoopCounters c{op_index_, countdown_, bytes_};
    std::uint64_t i = 0;
    for (; i < limit; ++i) {
      if (stop.load(std::memory_order_relaxed)) [[unlikely]] break;
      one_op<Measured>(c);
      if constexpr (Measured) {
        if ((i & 255u) == 255u) progress_.store(i + 1, std::memory_order_relaxed);
      }
    }
    op_index_ = c.op_index;
    countdown_ = c.countdown;
    bytes_ = c.bytes;
    if constexpr (Measured) operations_ = i;
  }

  struct LoopCounters {
    std::uint64_t op_index;   // operations of this thread so far (hold expiry in operations)
    std::uint64_t countdown;  // operations until the next timed one
    std::uint64_t bytes;      // payload bytes written in the measured phase
  };

  bool timed_pick(std::uint64_t& countdown) noexcept {
    if (every_ == 1) return true;
    if (--countdown != 0) return false;
    countdown = 1 + pick_->below(2 * std::uint64_t{every_} - 1);  // mean: every_
    return true;
  }

  void record(OpType type, std::uint64_t from, std::uint64_t to) noexcept {
    std::uint64_t d = to > from ? to - from : 0;
    d = d > shared_.overhead_ticks ? d - shared_.overhead_ticks : 0;
    (*latency_)[type].record(static_cast<std::uint64_t>(std::llround(static_cast<double>(d) * shared_.clock.ns_per_tick())));
  }

  std::size_t write_length(std::size_t n) const noexcept {
    if (write_all_) return n;
    const double w = plan_.mix.write;
    if (!(w > 0.0)) return 0;
    return std::min(n, static_cast<std::size_t>(std::llround(static_cast<double>(n) * w)));
  }

  void write_payload(Writer& w, std::size_t length) {
    while (length > 0) {
      const std::size_t chunk = std::min(length, pattern_.size());
      A::write(w, std::span<const std::byte>(pattern_.data(), chunk));
      length -= chunk;
    }
  }

  void drop(Handle&& h, bool timed) {
    if (!timed) {
      [[maybe_unused]] Handle gone(std::move(h));
      return;
    }
    const std::uint64_t t0 = shared_.clock.now();
    { [[maybe_unused]] Handle gone(std::move(h)); }
    record(kDropOp, t0, shared_.clock.now());
  }

  bool chance(double p) noexcept { return p > 0.0 && decide_->chance(p); }

  template <bool Measured>
  [[gnu::always_inline]] inline void one_op(LoopCounters& c) {
    ++c.op_index;
    const SizeSample sample = constant_size_ != 0 ? SizeSample{constant_size_, std::nullopt} : sizes_->next();
    const std::size_t n = sample.size;
    const std::size_t length = write_length(n);
    const bool timed = Measured && timed_pick(c.countdown);
    const OperationMix& mix = plan_.mix;

    std::uint64_t t = timed ? shared_.clock.now() : 0;
    std::optional<Writer> writer = shared_.alloc.allocate(n);
    if (!writer) [[unlikely]] {  // counted by the adapter
      if (!simple_) {
        op_index_ = c.op_index;  // what after_op's hold expiry reads
        after_op(timed);
      }
      return;
    }
    write_payload(*writer, length);
    Handle h = A::freeze(std::move(*writer));
    writer.reset();
    if (timed) {
      const std::uint64_t t1 = shared_.clock.now();
      record(kAllocateOp, t, t1);
      t = t1;
    }
    if constexpr (Measured) c.bytes += length;
    if (simple_) {  // allocate, write, freeze, drop: nothing held, nothing received
      drop(std::move(h), timed);
      return;
    }

    op_index_ = c.op_index;  // what dispose's and after_op's hold expiries read
    if (chance(mix.copy)) {
      if (timed) t = shared_.clock.now();
      { [[maybe_unused]] Handle copy(h); }
      if (timed) record(kCopyOp, t, shared_.clock.now());
    }
    if (chance(mix.slice)) {
      const std::size_t size = A::size(h);
      if (size > 0) {
        const std::size_t begin = static_cast<std::size_t>(decide_->below(size));
        const std::size_t end = begin + 1 + static_cast<std::size_t>(decide_->below(size - begin));
        if (timed) t = shared_.clock.now();
        h = A::slice(h, begin, end);  // the slice keeps the memory; the whole handle goes
        if (timed) record(kSliceOp, t, shared_.clock.now());
      }
    }
    dispose(std::move(h), sample, timed);
    after_op(timed);
  }

  void dispose(Handle&& h, const SizeSample& sample, bool timed) {
    const OperationMix& mix = plan_.mix;
    if (chance(mix.into_owned)) {
      const std::uint64_t t0 = timed ? shared_.clock.now() : 0;
      std::vector<std::byte> owned = A::into_owned(std::move(h));
      if (timed) record(kIntoOwnedOp, t0, shared_.clock.now());
      return;
    }
    if (chance(mix.handoff)) {
      const unsigned threads = plan_.threads;
      const unsigned target =
          threads == 1 ? index_ : static_cast<unsigned>((index_ + 1 + decide_->below(threads - 1)) % threads);
      const std::uint64_t t0 = timed ? shared_.clock.now() : 0;
      if (!shared_.inboxes[target]->push(h)) {  // full: the sender drops it itself
        [[maybe_unused]] Handle gone(std::move(h));
      }
      if (timed) record(kHandoffOp, t0, shared_.clock.now());
      return;
    }
    if (sample.lifetime_ops && lifetimes_) {  // trace replay: this buffer's own lifetime
      if (*sample.lifetime_ops > 0) {
        hold(*lifetimes_, std::move(h), op_index_ + *sample.lifetime_ops, timed);
      } else {
        drop(std::move(h), timed);
      }
      return;
    }
    if (chance(plan_.hold.fraction)) {
      hold(*ring_, std::move(h), (time_hold_ ? shared_.clock.now() : op_index_) + hold_until_, timed);
      return;
    }
    drop(std::move(h), timed);
  }

  // Keeps `h` until `expiry`; at the bound (max_live over both rings) the next to go goes now.
  void hold(HoldRing<Handle>& ring, Handle&& h, std::uint64_t expiry, bool timed) {
    const std::size_t live = ring_->size() + (lifetimes_ ? lifetimes_->size() : 0);
    if (live >= max_live_ || ring.full()) {
      HoldRing<Handle>& from = ring.empty() ? (&ring == &*ring_ ? *lifetimes_ : *ring_) : ring;
      drop(from.pop(), timed);
    }
    ring.push(std::move(h), expiry);
  }

  void after_op(bool timed) {
    if (!ring_->empty()) {
      const std::uint64_t now = time_hold_ ? shared_.clock.now() : op_index_;
      while (!ring_->empty() && ring_->next_expiry() <= now) drop(ring_->pop(), timed);
    }
    if (lifetimes_) {
      while (!lifetimes_->empty() && lifetimes_->next_expiry() <= op_index_) drop(lifetimes_->pop(), timed);
    }
    receive(timed);
  }

  // Drops the handles other workers handed to this one.
  void receive(bool timed) {
    if (!receives_) return;
    HandoffInbox<Handle>& inbox = *inbox_;
    if (inbox.has_mail()) [[unlikely]] {
      inbox.take(drained_);
      for (Handle& h : drained_) drop(std::move(h), timed);
      drained_.clear();
    }
  }

  // After the run: everything this worker still holds goes back (B4: nobody hands off any more).
  void drain() {
    if (ring_) {
      while (!ring_->empty()) drop(ring_->pop(), false);
    }
    if (lifetimes_) {
      while (!lifetimes_->empty()) drop(lifetimes_->pop(), false);
    }
    shared_.inboxes[index_]->take(drained_);
    drained_.clear();
  }

  RunShared<A>& shared_;
  const RunPlan& plan_;
  const unsigned index_;
  bool ready_ = false;
  std::optional<SizeSampler> sizes_;
  std::optional<Rng> decide_;
  std::optional<Rng> pick_;
  std::unique_ptr<std::array<LatencyHistogram, kOpTypes>> latency_;
  std::vector<std::byte> pattern_;
  bool time_hold_ = false;
  std::uint64_t hold_until_ = 0;  // ops, or ticks when time_hold_
  std::uint64_t max_live_ = 1;    // per worker, over both rings
  std::optional<HoldRing<Handle>> ring_;
  std::optional<HoldRing<Handle>> lifetimes_;
  HandoffInbox<Handle>* inbox_ = nullptr;  // this worker's
  std::vector<Handle> drained_;
  bool receives_ = false;
  bool write_all_ = true;           // mix.write >= 1: the whole request is written
  bool simple_ = false;             // no copy/slice/into_owned/handoff/hold: the round-trip fast path
  std::size_t constant_size_ = 0;   // the size of a constant distribution (no draw needed), else 0
  unsigned every_ = 1;
  std::uint64_t countdown_ = 1;
  std::uint64_t op_index_ = 0;
  std::uint64_t operations_ = 0;
  std::uint64_t bytes_ = 0;
  std::chrono::steady_clock::time_point end_{};
  alignas(64) std::atomic<std::uint64_t> progress_{0};
};

}  // namespace arena::workloads::detail
