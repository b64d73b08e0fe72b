// plan_simulation (plan_simulation.hpp): one modelled run. Each ThreadSim is a worker of
// worker.hpp with the clock taken out: same samplers, same decision stream, same hold rings and
// inboxes, same order of draws; the threads take turns, one operation each per round, or, when
// they outnumber the CPUs, in time slices of a group of `cpus` threads at a time. A Ledger
// counts live bytes the way the arenas' metrics do (granted sizes), and the accountants decide
// what one allocation costs: a slot count for the fixed arena, a real BuddyArena for buddy (so
// its splitting, parking and coalescing are the arena's own, not a re-implementation).
#include "plan_simulation.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "arena/buddy_arena.hpp"
#include "arena/buddy_geometry.hpp"
#include "arena/buffer.hpp"
#include "arena/workloads/rng.hpp"
#include "arena/workloads/size_distribution.hpp"
#include "hold_ring.hpp"

namespace arena::workloads::detail {
namespace {

// The same salts the worker seeds its decision stream with (worker.hpp, set_up).
constexpr std::uint64_t kDecideSalt = 0x6A09E667F3BCC909ull;

// Live bytes as the arenas count them, plus the measured counters.
struct Ledger {
  bool measured = false;
  std::uint64_t allocations = 0;
  std::uint64_t spills = 0;
  std::uint64_t failures = 0;
  std::uint64_t bytes_live = 0;      // granted sizes
  std::uint64_t requested_live = 0;  // requested sizes of the same buffers
  std::uint64_t units_live = 0;      // slots or blocks
  std::uint64_t max_bytes_live = 0;
  std::uint64_t max_units_live = 0;

  void on_allocated() noexcept { allocations += measured ? 1 : 0; }
  void on_spill() noexcept { spills += measured ? 1 : 0; }
  void on_failure() noexcept { failures += measured ? 1 : 0; }
  void add(std::uint64_t granted, std::uint64_t requested) noexcept {
    bytes_live += granted;
    requested_live += requested;
    ++units_live;
    max_bytes_live = std::max(max_bytes_live, bytes_live);
    max_units_live = std::max(max_units_live, units_live);
  }
  void remove(std::uint64_t granted, std::uint64_t requested) noexcept {
    bytes_live -= granted;
    requested_live -= requested;
    --units_live;
  }
};

// A live buffer of the model: gives its bytes back to the ledger when destroyed (a spilled buffer
// has no ledger: it lives on the heap). `Payload` is what the arena handed out (a Buffer for the
// buddy arena), destroyed with it.
template <class Payload>
class Token {
 public:
  Token(Ledger* ledger, std::uint64_t granted, std::uint64_t requested, std::optional<Payload> payload) noexcept
      : ledger_(ledger), granted_(granted), requested_(requested), payload_(std::move(payload)) {}
  Token(Token&& other) noexcept
      : ledger_(std::exchange(other.ledger_, nullptr)),
        granted_(other.granted_),
        requested_(other.requested_),
        payload_(std::move(other.payload_)) {
    other.payload_.reset();
  }
  Token& operator=(Token&& other) noexcept {
    if (this != &other) {
      release();
      ledger_ = std::exchange(other.ledger_, nullptr);
      granted_ = other.granted_;
      requested_ = other.requested_;
      payload_ = std::move(other.payload_);
      other.payload_.reset();
    }
    return *this;
  }
  Token(const Token&) = delete;
  Token& operator=(const Token&) = delete;
  ~Token() { release(); }

  std::uint64_t granted() const noexcept { return ledger_ != nullptr ? granted_ : 0; }
  std::uint64_t requested() const noexcept { return ledger_ != nullptr ? requested_ : 0; }

 private:
  void release() noexcept {
    if (ledger_ != nullptr) ledger_->remove(granted_, requested_);
    ledger_ = nullptr;
    payload_.reset();
  }
  Ledger* ledger_;
  std::uint64_t granted_;
  std::uint64_t requested_;
  std::optional<Payload> payload_;
};

// FixedAdapter + FixedArena: a request past the slot without auto-spill is refused (a failure);
// otherwise a slot is taken (none free: a failure), and a write past it spills, giving the slot
// back at once [R-SPL-1].
struct FixedAccountant {
  using Handle = Token<char>;
  Ledger& ledger;
  std::size_t slot_size;
  std::size_t slot_count;
  bool auto_spill;

  std::optional<Handle> allocate(std::size_t n, std::size_t length) {
    if ((n > slot_size && !auto_spill) || ledger.units_live >= slot_count) {
      ledger.on_failure();
      return std::nullopt;
    }
    ledger.on_allocated();
    if (length > slot_size) {
      ledger.on_spill();
      return Handle(nullptr, 0, 0, std::nullopt);
    }
    ledger.add(slot_size, n);
    return Handle(&ledger, slot_size, n, 'x');
  }
};

// BuddyAdapter: the arena's own allocate (arena_full and request_too_large are failures); the
// granted size is the block (exact geometry). A write never exceeds the request, so never spills.
struct BuddyAccountant {
  using Handle = Token<Buffer>;
  Ledger& ledger;
  BuddyArena& arena;

  std::optional<Handle> allocate(std::size_t n, std::size_t /*length*/) {
    Result<Buffer> r = arena.allocate(n);
    if (!r) {
      ledger.on_failure();
      return std::nullopt;
    }
    ledger.on_allocated();
    Buffer buffer = std::move(r).value();
    const std::uint64_t granted = buffer.capacity();
    ledger.add(granted, n);
    return Handle(&ledger, granted, n, std::optional<Buffer>(std::move(buffer)));
  }
};

// A buddy arena without limit: power-of-two blocks of at least `min_block`, never full.
struct RoundedAccountant {
  using Handle = Token<char>;
  Ledger& ledger;
  std::size_t min_block;

  std::optional<Handle> allocate(std::size_t n, std::size_t /*length*/) {
    ledger.on_allocated();
    const std::uint64_t granted = std::max<std::uint64_t>(std::bit_ceil(std::uint64_t{n}), min_block);
    ledger.add(granted, n);
    return Handle(&ledger, granted, n, 'x');
  }
};

template <class Handle>
struct Inbox {
  std::vector<Handle> items;
  std::size_t bound = 1024;
};

// One worker of worker.hpp, without clock, latency or payload bytes.
template <class Acc>
class ThreadSim {
  using Handle = typename Acc::Handle;

 public:
  ThreadSim(const Profile& profile, const SimulationSetup& setup, unsigned index, Acc& acc,
            std::vector<Inbox<Handle>>& inboxes, const std::uint64_t& clock)
      : profile_(profile),
        index_(index),
        clock_(clock),
        hold_on_clock_(setup.hold_on_clock),
        acc_(acc),
        inboxes_(inboxes),
        sizes_(profile.sizes.sampler(profile.seed, index, profile.threads)),
        decide_(Rng::for_thread(profile.seed ^ kDecideSalt, index)) {
    const HoldModel& hold = profile.hold;
    hold_until_ = setup.hold_ops;
    max_live_ = std::max<std::uint64_t>(hold.max_live, 1);
    ring_.emplace(static_cast<std::size_t>(max_live_), false);
    if (profile.sizes.kind() == SizeDistribution::Kind::trace) lifetimes_.emplace(static_cast<std::size_t>(max_live_), true);
    const OperationMix& mix = profile.mix;
    receives_ = mix.handoff > 0;
    simple_ = mix.copy <= 0 && mix.slice <= 0 && mix.into_owned <= 0 && mix.handoff <= 0 && hold.fraction <= 0 &&
              !lifetimes_;
    if (profile.sizes.kind() == SizeDistribution::Kind::constant) constant_size_ = profile.sizes.min_size();
    write_all_ = mix.write >= 1.0;
  }

  // Granted (and requested) bytes of this thread's last buffer when it did not outlive its
  // operation: in flight if the sampler looked during that operation.
  std::uint64_t transient_granted() const noexcept { return transient_granted_; }
  std::uint64_t transient_requested() const noexcept { return transient_requested_; }

  void one_op() {
    ++op_index_;
    in_flight_.reset();  // the previous operation's buffer is gone by now
    transient_granted_ = 0;
    transient_requested_ = 0;
    const SizeSample sample = constant_size_ != 0 ? SizeSample{constant_size_, std::nullopt} : sizes_.next();
    const std::size_t n = sample.size;
    const std::size_t length = write_length(n);
    std::optional<Handle> h = acc_.allocate(n, length);
    if (!h) {
      if (!simple_) after_op();
      return;
    }
    if (simple_) {
      gone(std::move(*h));
      return;
    }
    const OperationMix& mix = profile_.mix;
    (void)chance(mix.copy);  // a copy made and dropped: nothing to account
    if (chance(mix.slice) && length > 0) {  // the slice keeps the whole block: only the draws matter
      const std::uint64_t begin = decide_.below(length);
      (void)decide_.below(length - begin);
    }
    dispose(std::move(*h), sample);
    after_op();
  }

  // The end of the run: the last operation's buffer is gone too.
  void finish() { in_flight_.reset(); }

  // Drops what other threads handed to this one.
  void receive() {
    if (!receives_) return;
    inboxes_[index_].items.clear();
  }

 private:
  std::size_t write_length(std::size_t n) const noexcept {
    if (write_all_) return n;
    const double w = profile_.mix.write;
    if (!(w > 0.0)) return 0;
    return std::min(n, static_cast<std::size_t>(std::llround(static_cast<double>(n) * w)));
  }

  bool chance(double p) noexcept { return p > 0.0 && decide_.chance(p); }

  // The buffer of this operation, dropped before the operation ends. With one thread it goes at
  // once (the worker's exact order of releases); with several it stays until this thread's next
  // operation: real threads run at the same time, so each may have one buffer in flight while the
  // others allocate.
  void gone(Handle&& h) {
    if (profile_.threads > 1) {
      in_flight_.emplace(std::move(h));
      return;
    }
    transient_granted_ += h.granted();
    transient_requested_ += h.requested();
    [[maybe_unused]] Handle dropped(std::move(h));
  }

  void dispose(Handle&& h, const SizeSample& sample) {
    const OperationMix& mix = profile_.mix;
    if (chance(mix.into_owned)) {
      gone(std::move(h));
      return;
    }
    if (chance(mix.handoff)) {
      const unsigned threads = profile_.threads;
      const unsigned target =
          threads == 1 ? index_ : static_cast<unsigned>((index_ + 1 + decide_.below(threads - 1)) % threads);
      Inbox<Handle>& inbox = inboxes_[target];
      if (inbox.items.size() < inbox.bound) {
        inbox.items.push_back(std::move(h));
      } else {
        gone(std::move(h));
      }
      return;
    }
    if (sample.lifetime_ops && lifetimes_) {
      if (*sample.lifetime_ops > 0) {
        hold(*lifetimes_, std::move(h), op_index_ + *sample.lifetime_ops);
      } else {
        gone(std::move(h));
      }
      return;
    }
    if (chance(profile_.hold.fraction)) {
      hold(*ring_, std::move(h), (hold_on_clock_ ? clock_ : op_index_) + hold_until_);
      return;
    }
    gone(std::move(h));
  }

  void hold(HoldRing<Handle>& ring, Handle&& h, std::uint64_t expiry) {
    const std::size_t live = ring_->size() + (lifetimes_ ? lifetimes_->size() : 0);
    if (live >= max_live_ || ring.full()) {
      HoldRing<Handle>& from = ring.empty() ? (&ring == &*ring_ ? *lifetimes_ : *ring_) : ring;
      [[maybe_unused]] Handle dropped = from.pop();
    }
    ring.push(std::move(h), expiry);
  }

  void after_op() {
    const std::uint64_t now = hold_on_clock_ ? clock_ : op_index_;
    while (!ring_->empty() && ring_->next_expiry() <= now) {
      [[maybe_unused]] Handle dropped = ring_->pop();
    }
    if (lifetimes_) {
      while (!lifetimes_->empty() && lifetimes_->next_expiry() <= op_index_) {
        [[maybe_unused]] Handle dropped = lifetimes_->pop();
      }
    }
    receive();
  }

  const Profile& profile_;
  const unsigned index_;
  const std::uint64_t& clock_;  // the run's clock in scheduling steps (time-based holds)
  const bool hold_on_clock_;
  Acc& acc_;
  std::vector<Inbox<Handle>>& inboxes_;
  SizeSampler sizes_;
  Rng decide_;
  std::uint64_t hold_until_ = 0;
  std::uint64_t max_live_ = 1;
  std::optional<HoldRing<Handle>> ring_;
  std::optional<HoldRing<Handle>> lifetimes_;
  bool receives_ = false;
  bool simple_ = false;
  bool write_all_ = true;
  std::size_t constant_size_ = 0;
  std::uint64_t op_index_ = 0;
  std::uint64_t transient_granted_ = 0;
  std::uint64_t transient_requested_ = 0;
  std::optional<Handle> in_flight_;  // several threads: this thread's last buffer, until its next operation
};

// The driver's sampler, in operations: a snapshot after the warm-up, `samples - 2` evenly spaced
// ones during the measured phase (in-flight buffers included), and one at the end.
class PeakSampler {
 public:
  PeakSampler(std::uint64_t ops, unsigned samples) : ops_(ops), samples_(std::max(samples, 2u)) {}

  // Is round `k` (1-based, of `ops`) one at which a sample is taken during the run?
  bool due(std::uint64_t k) {
    while (next_ < samples_ - 1 && position(next_) < k) ++next_;
    if (next_ >= samples_ - 1 || position(next_) != k || k >= ops_) return false;
    ++next_;
    return true;
  }
  void take(std::uint64_t bytes_live, std::uint64_t fragmentation) {
    if (!taken_ || bytes_live > peak_) {
      peak_ = bytes_live;
      fragmentation_ = fragmentation;
      taken_ = true;
    }
  }
  std::uint64_t peak() const noexcept { return peak_; }
  std::uint64_t fragmentation() const noexcept { return fragmentation_; }

 private:
  std::uint64_t position(unsigned i) const noexcept {
    return static_cast<std::uint64_t>(static_cast<double>(ops_) * static_cast<double>(i) /
                                       static_cast<double>(samples_ - 1));
  }
  std::uint64_t ops_;
  unsigned samples_;
  unsigned next_ = 1;
  bool taken_ = false;
  std::uint64_t peak_ = 0;
  std::uint64_t fragmentation_ = 0;
};

// The order in which the threads run: `step` makes every running thread do one operation (one tick
// of the clock). All threads run at once when they have a CPU each; otherwise groups of `cpus`
// threads take turns, each for `slice_ops` steps.
template <class Sim>
class Schedule {
 public:
  Schedule(std::vector<std::unique_ptr<Sim>>& sims, const SimulationSetup& setup, std::uint64_t& clock)
      : sims_(sims), clock_(clock) {
    const std::size_t threads = sims.size();
    group_ = setup.cpus == 0 || setup.cpus >= threads ? threads : setup.cpus;
    groups_ = (threads + group_ - 1) / group_;
    slice_ = groups_ > 1 ? std::max<std::uint64_t>(setup.slice_ops, 1) : 1;
  }

  // Clock ticks for every thread to do `ops` operations.
  std::uint64_t steps_for(std::uint64_t ops) const noexcept { return ops * groups_; }

  // Every thread does `ops` operations; `tick(k)` is called after the k-th step (1-based).
  template <class Tick>
  void run(std::uint64_t ops, Tick&& tick) {
    std::uint64_t k = 0;
    for (std::uint64_t done = 0; done < ops;) {
      const std::uint64_t burst = std::min(slice_, ops - done);
      for (std::size_t g = 0; g < groups_; ++g) {
        const std::size_t first = g * group_, last = std::min(first + group_, sims_.size());
        for (std::uint64_t i = 0; i < burst; ++i) {
          ++clock_;
          for (std::size_t t = first; t < last; ++t) sims_[t]->one_op();
          tick(++k);
        }
      }
      done += burst;
    }
  }

 private:
  std::vector<std::unique_ptr<Sim>>& sims_;
  std::uint64_t& clock_;
  std::size_t group_ = 1;
  std::size_t groups_ = 1;
  std::uint64_t slice_ = 1;
};

template <class Acc>
SimulationResult run_model(const Profile& profile, const SimulationSetup& setup, Acc& acc, Ledger& ledger) {
  using Handle = typename Acc::Handle;
  const unsigned threads = std::max(profile.threads, 1u);
  std::vector<Inbox<Handle>> inboxes(threads);
  const std::size_t inbox_bound = handoff_inbox_bound(profile);
  for (Inbox<Handle>& inbox : inboxes) inbox.bound = inbox_bound;
  SimulationResult result;
  std::uint64_t clock = 0;
  {
    std::vector<std::unique_ptr<ThreadSim<Acc>>> sims;
    for (unsigned t = 0; t < threads; ++t) {
      sims.push_back(std::make_unique<ThreadSim<Acc>>(profile, setup, t, acc, inboxes, clock));
    }
    Schedule<ThreadSim<Acc>> schedule(sims, setup, clock);
    schedule.run(setup.warmup_ops_per_thread, [](std::uint64_t) {});
    ledger.measured = true;
    PeakSampler sampler(schedule.steps_for(setup.ops_per_thread), setup.samples);
    sampler.take(ledger.bytes_live, ledger.bytes_live - ledger.requested_live);
    std::uint64_t in_flight_max = 0;
    schedule.run(setup.ops_per_thread, [&](std::uint64_t k) {
      std::uint64_t in_flight = 0;
      for (const Inbox<Handle>& inbox : inboxes) in_flight += inbox.items.size();
      in_flight_max = std::max(in_flight_max, in_flight);
      if (!sampler.due(k)) return;
      std::uint64_t granted = ledger.bytes_live, requested = ledger.requested_live;
      for (const auto& sim : sims) {
        granted += sim->transient_granted();
        requested += sim->transient_requested();
      }
      sampler.take(granted, granted - requested);
    });
    result.max_handoffs_in_flight = in_flight_max;
    // The workers keep receiving until every one is done; then the last sample.
    for (auto& sim : sims) sim->finish();
    for (auto& sim : sims) sim->receive();
    sampler.take(ledger.bytes_live, ledger.bytes_live - ledger.requested_live);
    result.peak_bytes_live = sampler.peak();
    result.internal_fragmentation_bytes = sampler.fragmentation();
    for (Inbox<Handle>& inbox : inboxes) inbox.items.clear();
  }
  result.operations = setup.ops_per_thread * threads;
  result.allocations = ledger.allocations;
  result.spills = ledger.spills;
  result.failures = ledger.failures;
  result.max_bytes_live = ledger.max_bytes_live;
  result.max_units_live = ledger.max_units_live;
  return result;
}

}  // namespace

SimulationResult simulate_fixed(const Profile& profile, const SimulationSetup& setup, std::size_t slot_size,
                                std::size_t slot_count, bool auto_spill) {
  if (slot_size == 0 || slot_count == 0) throw std::invalid_argument("simulate_fixed: zero slot size or count");
  Ledger ledger;
  FixedAccountant acc{ledger, slot_size, slot_count, auto_spill};
  SimulationResult result = run_model(profile, setup, acc, ledger);
  result.bytes_reserved = slot_count == kUnlimitedSlots ? 0 : static_cast<std::uint64_t>(slot_size) * slot_count;
  return result;
}

SimulationResult simulate_rounded(const Profile& profile, const SimulationSetup& setup, std::size_t min_block_bytes) {
  Ledger ledger;
  RoundedAccountant acc{ledger, std::max<std::size_t>(min_block_bytes, 1)};
  return run_model(profile, setup, acc, ledger);
}

SimulationResult simulate_buddy(const Profile& profile, const SimulationSetup& setup, std::size_t total_bytes,
                                std::size_t min_block_bytes) {
  Result<BuddyGeometry> geometry = BuddyGeometry::exact(total_bytes, min_block_bytes);
  if (!geometry) {
    throw std::invalid_argument("simulate_buddy: geometry " + std::to_string(total_bytes) + "/" +
                                std::to_string(min_block_bytes) + ": " + geometry.error().message());
  }
  // Unfaulted: the model never writes a byte, so the pages stay untouched.
  Result<Unfaulted<BuddyArena>> built = BuddyArena::builder(*geometry).build_unfaulted();
  if (!built) throw std::invalid_argument("simulate_buddy: cannot build the arena: " + built.error().message());
  BuddyArena arena = std::move(built).value().into_inner();
  Ledger ledger;
  BuddyAccountant acc{ledger, arena};
  SimulationResult result = run_model(profile, setup, acc, ledger);
  const BuddyMetrics m = arena.metrics();
  result.bytes_reserved = m.bytes_reserved;
  result.metadata_bytes = m.metadata_bytes;
  return result;
}

}  // namespace arena::workloads::detail
