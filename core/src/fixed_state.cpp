// FixedState mechanics: the full claim scan, metrics, scrubbing, and the orphan protocol.
//
// Orphan protocol (Bytes outliving the last arena handle), in full:
//   last handle:  for each word: before = fetch_or(dead)    -> held += taken slots in `before`
//                 drain every thread cache cell (their slots count as taken: publish them)
//                 orphans.fetch_add(held); reached 0?        -> delete the state
//   release:      before = fetch_or(slot bit) on its word    (detail::fixed_release, inline)
//                 dead in `before`?  orphans.fetch_sub(1); reached 0? -> delete the state
// Every word's read-modify-writes are totally ordered, so each held slot is either counted by the
// handle pass (its release comes later and sees the dead flag) or released earlier (not counted,
// and that release sees no flag and never touches the state again). The counter may go negative
// while the handle pass runs; only the operation that brings it to exactly zero after the pass
// added `held` deletes. A release touches nothing of the state after its publish except in the
// dead case, where its own count keeps the state alive.
#include "fixed_state.hpp"

#include <cstring>

#include "arena/check.hpp"
#include "arena/fixed_arena.hpp"
#include "backing_memory.hpp"
#include "thread_index.hpp"

namespace arena::detail {

static_assert(offsetof(FixedSlotMeta, owner) == 0, "an Owner* and its FixedSlotMeta* share an address");

__thread FixedThreadTable t_fixed_threads __attribute__((tls_model("initial-exec")));

namespace {

void fixed_last_release(Owner* owner, const std::byte*, std::uint64_t) noexcept { fixed_release(fixed_meta_of(owner)); }
void fixed_note_frozen(Owner* owner, std::uint64_t) noexcept { fixed_meta_of(owner).frozen.bump(); }
void fixed_spill_release(Owner* owner, const std::byte*, std::uint64_t) noexcept {
  fixed_meta_of(owner).spills.bump();
  fixed_release(fixed_meta_of(owner));
}
void fixed_no_external(Owner*, const std::byte*, std::uint64_t) noexcept {
  ARENA_CHECK(false, "FixedArena: external reference count used on a fixed slot");
}

std::uint64_t next_arena_id() noexcept {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

// Spreads thread numbers over words (splitmix64 finaliser).
std::uint64_t mix(std::uint64_t x) noexcept {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace

const OwnerOps kFixedSlotOps{&fixed_last_release, &fixed_note_frozen, &fixed_spill_release, &fixed_no_external,
                             &fixed_no_external};

void fixed_scrub(FixedSlotMeta& meta) noexcept {
  FixedCore& core = *meta.core;
  const auto slot = static_cast<std::size_t>(&meta - core.metas);
  secure_zero(core.base + slot * core.slot_capacity, core.slot_capacity);  // before it is free [R-REL-1]
  meta.scrubbed = true;
}

void fixed_double_release(FixedCore& core, std::size_t slot) noexcept {
  ARENA_CHECK(false, "FixedArena: slot %zu of %zu released twice (a Buffer or Bytes was destroyed twice?)", slot,
              core.slot_count);
  __builtin_unreachable();
}

void fixed_orphan_release(FixedCore& core) noexcept { FixedState::of(core).orphan_release_done(); }

namespace {

// Publishes `meta` and wakes a waiter, holding a handle so that the arena outlives the wake.
void fixed_publish_and_wake(FixedSlotMeta& meta) noexcept {
  FixedState& state = FixedState::of(*meta.core);
  const bool held = state.try_add_handle();  // safe: the slot is still held, so the state is alive
  const std::uint64_t bit = std::uint64_t{1} << meta.bit;
  const std::size_t word = meta.word;
  const std::uint64_t before = state.words[word].bits.fetch_or(bit, std::memory_order_acq_rel);
  if ((before & bit) != 0) fixed_double_release(state, word * kSlotsPerWord + meta.bit);
  if (!held) {  // no handle left, so nobody can be waiting: only the orphan accounting remains
    if ((before & kDeadFlag) != 0) fixed_orphan_release(state);
    return;
  }
  state.waiter().wake();
  state.drop_handle();
}

}  // namespace

void fixed_publish(FixedSlotMeta& meta) noexcept {
  FixedCore& core = *meta.core;
  const std::uint64_t bit = std::uint64_t{1} << meta.bit;
  std::atomic<std::uint64_t>& word = core.words[meta.word].bits;
  std::uint64_t before = word.load(std::memory_order_relaxed);
  // A CAS rather than a fetch_or, so that the waiter flag is seen BEFORE the slot is published:
  // after the publish the arena may be gone, so the wake must be arranged while it is not.
  // acq_rel: release publishes this owner's writes (and the wipe) to the next claimer; acquire
  // orders the dead-flag check after it.
  do {
    if ((before & kWaiterFlag) != 0) [[unlikely]] return fixed_publish_and_wake(meta);
  } while (!word.compare_exchange_weak(before, before | bit, std::memory_order_acq_rel, std::memory_order_relaxed));
  if ((before & (bit | kDeadFlag)) != 0) [[unlikely]] {
    if ((before & bit) != 0) fixed_double_release(core, meta.word * kSlotsPerWord + meta.bit);
    fixed_orphan_release(core);
  }
}


Result<Buffer> fixed_allocate_slow(FixedCore& core) noexcept { return FixedState::of(core).allocate_slow(true); }

FixedState::FixedState(const FixedGeometry& geometry, Backing backing, std::shared_ptr<Waiter> waiter)
    : geometry_(geometry),
      backing_(std::move(backing)),
      bitmap_(geometry.slot_count),
      metas_(std::make_unique<FixedSlotMeta[]>(geometry.slot_count)),
      waiter_(waiter ? std::move(waiter) : std::make_shared<NotifyWaiters>()) {
  base = backing_.base;
  slot_capacity = geometry.slot_capacity;
  slot_count = geometry.slot_count;
  word_count = bitmap_.word_count();
  words = bitmap_.words();
  metas = metas_.get();
  id = next_arena_id();
  zero_init = geometry.init == InitPolicy::zero;
  auto_spill = geometry.auto_spill;
  for (std::size_t i = 0; i < geometry.slot_count; ++i) {
    metas_[i].owner.ops = &kFixedSlotOps;
    metas_[i].core = this;
    metas_[i].word = static_cast<std::uint32_t>(i / kSlotsPerWord);
    metas_[i].bit = static_cast<std::uint8_t>(i % kSlotsPerWord);
  }
}

FixedState::~FixedState() { release_backing(backing_); }

std::size_t FixedState::initial_word() const noexcept {
  return static_cast<std::size_t>(mix(this_thread_index()) % word_count);
}

Result<Buffer> FixedState::allocate_slow(bool count_failure) noexcept {
  const unsigned entry = fixed_thread_entry(id);
  if (t_fixed_threads.tag[entry] != id) claim_thread_entry(*this, entry);  // first use here (or a collision)
  const std::size_t slot = bitmap_.claim_any(t_fixed_threads.word[entry]);
  if (slot != SlotBitmap::kNone) {
    t_fixed_threads.word[entry] = SlotBitmap::word_of(slot);  // start here next time
    return fixed_take(*this, metas_[slot]);
  }
  // No free bit in a whole pass: take a slot another thread keeps cached before giving up.
  if (FixedSlotMeta* meta = steal_cached_slot(*this)) return fixed_take(*this, *meta);
  if (count_failure) failures_.add(1);
  return Errc::arena_full;
}

bool FixedState::try_add_handle() noexcept {
  std::uint32_t seen = handles_.load(std::memory_order_relaxed);
  do {
    if (seen == 0) return false;
  } while (!handles_.compare_exchange_weak(seen, seen + 1, std::memory_order_acq_rel, std::memory_order_relaxed));
  return true;
}

void FixedState::begin_waiting() noexcept {
  waits_.add(1);
  {
    std::lock_guard<std::mutex> lock(waiting_mutex_);
    if (waiting.fetch_add(1, std::memory_order_seq_cst) == 0) bitmap_.mark_all(kWaiterFlag);
  }
  // Pairs with the busy section of a cell push (cell_push reads `waiting` inside it): from here
  // on, a release either publishes through the bitmap (and sees the flag) or its cached slot is
  // visible to the steal in this waiter's retry.
  if (thread_cache_enabled()) heavy_fence();
}

void FixedState::end_waiting() noexcept {
  std::lock_guard<std::mutex> lock(waiting_mutex_);
  if (waiting.fetch_sub(1, std::memory_order_seq_cst) == 1) bitmap_.clear_all(kWaiterFlag);
}

Result<Buffer> FixedState::allocate_wait(std::chrono::steady_clock::time_point deadline) {
  Result<Buffer> first = fixed_allocate(*this);  // the common case: no wait at all
  if (first || first.error() != Errc::arena_full) return first;
  begin_waiting();
  struct EndWaiting {
    FixedState& state;
    ~EndWaiting() { state.end_waiting(); }
  } end{*this};
  for (;;) {
    std::unique_ptr<Registration> registration = waiter_->make_registration();
    registration->prepare();  // armed before the retry: a release after this fires it [R-ASY-2]
    Result<Buffer> attempt = allocate_slow(false);
    if (attempt) {
      registration->revoke();
      return attempt;
    }
    if (!registration->wait_until(deadline)) {
      registration.reset();  // withdraws it (forwarding a wake that raced in)
      Result<Buffer> last = allocate_slow(false);
      if (last) return last;
      timeouts_.add(1);
      return Errc::timed_out;
    }
  }
}

void FixedState::drop_handle() noexcept {
  if (handles_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  const auto held = static_cast<std::int64_t>(bitmap_.mark_all(SlotBitmap::kDeadFlag));
  drain_cells(*this);  // cached slots were counted in `held`; their publish sees the dead flag
  if (orphans_.fetch_add(held, std::memory_order_acq_rel) + held == 0) delete this;
}

void FixedState::orphan_release_done() noexcept {
  if (orphans_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
}

FixedMetrics FixedState::metrics() const noexcept {
  FixedMetrics m;
  for (std::size_t i = 0; i < geometry_.slot_count; ++i) {
    const FixedSlotMeta& meta = metas_[i];
    m.frees += meta.frees.read();  // frees before allocations: a reader never sees more frees
    m.allocations_ok += meta.allocations.read();
    m.frozen += meta.frozen.read();
    m.spills += meta.spills.read();
  }
  m.allocations_failed = failures_.read();
  m.waits = waits_.read();
  m.wait_timeouts = timeouts_.read();
  m.slot_count = geometry_.slot_count;
  m.slot_capacity = geometry_.slot_capacity;
  m.bytes_reserved = geometry_.slot_count * geometry_.slot_capacity;
  m.slots_live = m.allocations_ok - m.frees;
  m.bytes_live = m.slots_live * geometry_.slot_capacity;
  return m;
}

}  // namespace arena::detail
