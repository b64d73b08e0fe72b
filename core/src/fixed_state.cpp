// FixedState mechanics: claim with a per-thread start hint, release, metrics, and the orphan
// protocol.
//
// Orphan protocol (Bytes outliving the last arena handle), in full:
//   last handle:  for each word: before = fetch_or(dead)    -> held += taken slots in `before`
//                 orphans.fetch_add(held); reached 0?        -> delete the state
//   release:      before = fetch_or(slot bit) on its word
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
#include "backing_memory.hpp"
#include "thread_index.hpp"

namespace arena::detail {
namespace {

constexpr OwnerOps kSlotOps{&FixedState::last_release, &FixedState::note_frozen, &FixedState::spill_release};

// Per-thread start hints, a tiny direct-mapped table keyed by arena id: the word of the thread's
// last successful claim in that arena. Plain thread-local data (zero-initialised, no guard, no
// destructor); initial-exec so that reaching it is one segment-relative load.
struct HintTable {
  static constexpr unsigned kEntries = 16;
  std::uint64_t tag[kEntries];
  std::size_t word[kEntries];
};
thread_local HintTable t_hints __attribute__((tls_model("initial-exec")));

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

void StripedCounter::add(std::uint64_t n) noexcept {
  stripes_[this_thread_index() % kStripes].value.fetch_add(n, std::memory_order_relaxed);
}

std::uint64_t StripedCounter::read() const noexcept {
  std::uint64_t sum = 0;
  for (const Stripe& s : stripes_) sum += s.value.load(std::memory_order_relaxed);
  return sum;
}

FixedState::FixedState(const FixedGeometry& geometry, Backing backing)
    : geometry_(geometry),
      backing_(std::move(backing)),
      id_(next_arena_id()),
      bitmap_(geometry.slot_count),
      metas_(std::make_unique<SlotMeta[]>(geometry.slot_count)) {
  for (std::size_t i = 0; i < geometry.slot_count; ++i) {
    metas_[i].owner.ops = &kSlotOps;
    metas_[i].state = this;
  }
}

FixedState::~FixedState() {
  if (backing_.self_allocated) {
    free_backing(backing_.base, backing_.size, backing_.alignment);
  } else if (backing_.dealloc) {
    std::move (*backing_.dealloc)(backing_.raw_ptr, backing_.raw_len);  // the ORIGINAL region [R-RAW-4]
  }
}

std::size_t FixedState::start_word() const noexcept {
  const unsigned entry = static_cast<unsigned>(id_ % HintTable::kEntries);
  if (t_hints.tag[entry] == id_) return t_hints.word[entry];
  return static_cast<std::size_t>(mix(this_thread_index()) % bitmap_.word_count());
}

void FixedState::remember_word(std::size_t word) const noexcept {
  const unsigned entry = static_cast<unsigned>(id_ % HintTable::kEntries);
  t_hints.tag[entry] = id_;
  t_hints.word[entry] = word;
}

Result<Buffer> FixedState::allocate() noexcept {
  const std::size_t slot = bitmap_.claim_any(start_word());
  if (slot == SlotBitmap::kNone) [[unlikely]] {
    failures_.add(1);
    return Errc::arena_full;
  }
  remember_word(SlotBitmap::word_of(slot));
  SlotMeta& meta = metas_[slot];
  meta.allocations.bump();
  std::byte* data = slot_data(slot);
  if (geometry_.init == InitPolicy::zero && !meta.scrubbed) std::memset(data, 0, geometry_.slot_capacity);  // cold slot
  meta.owner.refs.store(1, std::memory_order_relaxed);  // published to other threads by whoever moves the Buffer
  return BufferAccess::make(data, geometry_.slot_capacity, &meta.owner, geometry_.auto_spill);
}

void FixedState::last_release(Owner* owner) noexcept {
  SlotMeta& meta = *reinterpret_cast<SlotMeta*>(owner);  // Owner is SlotMeta's first member
  FixedState& state = *meta.state;
  const std::size_t slot = state.slot_of(meta);
  if (state.geometry_.init == InitPolicy::zero) {
    secure_zero(state.slot_data(slot), state.geometry_.slot_capacity);  // scrub before it is free [R-REL-1]
    meta.scrubbed = true;
  }
  meta.frees.bump();
  const std::uint64_t before = state.bitmap_.release(slot);  // publish: after this, hands off
  if ((before & SlotBitmap::kDeadFlag) != 0) [[unlikely]] state.orphan_release_done();
}

void FixedState::note_frozen(Owner* owner) noexcept { reinterpret_cast<SlotMeta*>(owner)->frozen.bump(); }

void FixedState::spill_release(Owner* owner) noexcept {
  reinterpret_cast<SlotMeta*>(owner)->spills.bump();
  last_release(owner);
}

void FixedState::drop_handle() noexcept {
  if (handles_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  const auto held = static_cast<std::int64_t>(bitmap_.mark_all(SlotBitmap::kDeadFlag));
  if (orphans_.fetch_add(held, std::memory_order_acq_rel) + held == 0) delete this;
}

void FixedState::orphan_release_done() noexcept {
  if (orphans_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
}

FixedMetrics FixedState::metrics() const noexcept {
  FixedMetrics m;
  for (std::size_t i = 0; i < geometry_.slot_count; ++i) {
    const SlotMeta& meta = metas_[i];
    m.frees += meta.frees.read();  // frees before allocations: a reader never sees more frees
    m.allocations_ok += meta.allocations.read();
    m.frozen += meta.frozen.read();
    m.spills += meta.spills.read();
  }
  m.allocations_failed = failures_.read();
  m.slot_count = geometry_.slot_count;
  m.slot_capacity = geometry_.slot_capacity;
  m.bytes_reserved = geometry_.slot_count * geometry_.slot_capacity;
  m.slots_live = m.allocations_ok - m.frees;
  m.bytes_live = m.slots_live * geometry_.slot_capacity;
  return m;
}

}  // namespace arena::detail
