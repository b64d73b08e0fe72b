// The hot part of a fixed arena's state, visible to the inline fast paths: the bitmap word
// layout, the per-slot metadata (owner record + single-writer counters), the per-thread start
// hints, and the release of a slot. Not API: use FixedArena. The design is described at the top of
// arena/fixed_arena.hpp; the slow paths live in core/src/fixed_state.cpp.
//
// What must not go wrong here: after a release publishes the free bit, nothing of the arena may
// be touched unless the word came back with the dead flag (the arena may already be gone).
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>

#include "arena/detail/owner.hpp"

namespace arena::detail {

// Bitmap word layout: bits 0..61 = slot free?, bit 62 = waiter flag, bit 63 = arena dead.
inline constexpr unsigned kSlotsPerWord = 62;
inline constexpr std::uint64_t kSlotBitsMask = (std::uint64_t{1} << kSlotsPerWord) - 1;
inline constexpr std::uint64_t kWaiterFlag = std::uint64_t{1} << 62;
inline constexpr std::uint64_t kDeadFlag = std::uint64_t{1} << 63;

// One bitmap word per 64-byte line: words claimed by different threads never share a line.
struct alignas(64) BitmapWord {
  std::atomic<std::uint64_t> bits{0};
};

// Single-writer counter: only the current owner of the slot writes it (ownership passes from one
// owner to the next through the bitmap's release/acquire), so an increment is a load and a store,
// never a locked read-modify-write. Release stores and acquire loads keep a reader's view of two
// counters of one slot in program order (it never sees more frees than allocations).
class OwnedCounter {
 public:
  void bump() noexcept { add(1); }
  void add(std::uint64_t n) noexcept { value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_release); }
  // Takes the value out (the owner, or anyone holding the owner off: the buddy cell's admin flag).
  std::uint64_t take() noexcept { return value_.exchange(0, std::memory_order_acq_rel); }
  std::uint64_t read() const noexcept { return value_.load(std::memory_order_acquire); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

struct FixedCore;

// One per slot, one cache line each: the slot's owner record plus its own counters.
struct alignas(64) FixedSlotMeta {
  Owner owner;               // refcount of the Buffer/Bytes holding the slot
  FixedCore* core = nullptr;
  OwnedCounter allocations;  // times this slot was claimed
  OwnedCounter frees;        // times it was returned
  OwnedCounter frozen;       // freezes of a Buffer over it
  OwnedCounter spills;       // Buffers over it that spilled to the heap
  std::uint32_t word = 0;    // bitmap word of this slot (slot / 62, precomputed: no division on release)
  std::uint8_t bit = 0;      // bit in that word (slot % 62)
  bool scrubbed = false;     // InitPolicy::zero: wiped by a return, so it holds zeros
};
static_assert(sizeof(FixedSlotMeta) == 64, "one slot's metadata is one cache line");

// What the fast paths read; immutable after build except through the atomics.
struct FixedCore {
  std::byte* base = nullptr;
  std::size_t slot_capacity = 0;  // aligned
  std::size_t slot_count = 0;
  std::size_t word_count = 0;
  BitmapWord* words = nullptr;
  FixedSlotMeta* metas = nullptr;
  std::uint64_t id = 0;  // process-unique, never reused: tags this arena in threads' hint tables
  bool zero_init = false;
  bool auto_spill = false;
  // Threads inside allocate_wait / allocate_async. Written only when a wait starts or ends.
  std::atomic<std::uint32_t> waiting{0};
};

// A one-slot per-thread cache cell (see core/src/slot_cache.cpp for the protocol). Cells live in a
// process-wide pool that is never freed, so a thread may read a cell it once owned even after the
// arena is gone. A cached slot stays "taken" in the bitmap; the cell holds its metadata record.
//   busy  - written only by the owning thread: 1 while it touches `slot`
//   admin - taken (CAS) by anyone else who touches the cell: a thief, the arena's teardown, binding
// The owner's fast path is plain stores and a compiler fence; a thief pays a process-wide barrier
// (membarrier) instead, so either the owner sees `admin` or the thief sees `busy`.
struct alignas(64) CacheCell {
  std::atomic<std::uint32_t> busy{0};
  std::atomic<std::uint32_t> admin{0};
  std::atomic<std::uint64_t> arena_id{0};    // bound arena; 0 = unbound
  std::atomic<FixedCore*> core{nullptr};     // bound arena's state (valid while arena_id matches)
  std::atomic<FixedSlotMeta*> slot{nullptr}; // the cached slot, or null
};

// Per-thread, per-arena data: a tiny direct-mapped table keyed by arena id holding the word of the
// thread's last successful claim in that arena (its start hint) and its cache cell there. Plain
// zero-initialised thread-local data (no constructor, no guard); initial-exec so that reaching it
// is one segment-relative load.
struct FixedThreadTable {
  static constexpr unsigned kEntries = 16;
  std::uint64_t tag[kEntries];
  std::size_t word[kEntries];
  CacheCell* cell[kEntries];
};
extern __thread FixedThreadTable t_fixed_threads __attribute__((tls_model("initial-exec")));

inline unsigned fixed_thread_entry(std::uint64_t arena_id) noexcept {
  return static_cast<unsigned>(arena_id % FixedThreadTable::kEntries);
}

// The owner's side of the cell protocol. Orders busy=1 before the admin check for the compiler
// only: the CPU-level store->load order is enforced by the thief's membarrier.
ARENA_ALWAYS_INLINE FixedSlotMeta* cell_pop(CacheCell& cell) noexcept {
  if (cell.slot.load(std::memory_order_relaxed) == nullptr) return nullptr;
  cell.busy.store(1, std::memory_order_relaxed);
  std::atomic_signal_fence(std::memory_order_seq_cst);
  FixedSlotMeta* meta = nullptr;
  if (cell.admin.load(std::memory_order_relaxed) == 0) {
    meta = cell.slot.load(std::memory_order_relaxed);
    cell.slot.store(nullptr, std::memory_order_relaxed);
  }
  cell.busy.store(0, std::memory_order_release);  // a thief's acquire of busy==0 sees the slot's state
  return meta;
}

// Caches `meta` unless the cell is taken, being drained, or somebody waits for a slot. `waiting`
// is read INSIDE the busy section: a waiter raises it, then issues a process-wide barrier and
// drains the cells, so either this read sees it (the slot goes to the bitmap, which wakes) or the
// waiter's drain, which waits for busy == 0, finds the slot here. Reading it in the section also
// keeps the arena alive for the read: its teardown waits for busy == 0 too.
ARENA_ALWAYS_INLINE bool cell_push(CacheCell& cell, FixedSlotMeta& meta, std::uint64_t arena_id,
                                   const std::atomic<std::uint32_t>& waiting) noexcept {
  if (cell.slot.load(std::memory_order_relaxed) != nullptr) return false;
  cell.busy.store(1, std::memory_order_relaxed);
  std::atomic_signal_fence(std::memory_order_seq_cst);
  bool pushed = false;
  if (cell.admin.load(std::memory_order_relaxed) == 0 && cell.arena_id.load(std::memory_order_relaxed) == arena_id &&
      waiting.load(std::memory_order_relaxed) == 0) {
    cell.slot.store(&meta, std::memory_order_relaxed);
    pushed = true;
  }
  cell.busy.store(0, std::memory_order_release);  // publishes the slot's contents to a later thief
  return pushed;
}

extern const OwnerOps kFixedSlotOps;

// Slow paths (core/src/fixed_state.cpp).
void fixed_scrub(FixedSlotMeta& meta) noexcept;  // InitPolicy::zero: wipe the slot, mark it scrubbed
[[noreturn]] void fixed_double_release(FixedCore& core, std::size_t slot) noexcept;
void fixed_orphan_release(FixedCore& core) noexcept;  // a release on a dead arena: maybe free it

ARENA_ALWAYS_INLINE FixedSlotMeta& fixed_meta_of(Owner* owner) noexcept {
  // `owner` is the first member of a FixedSlotMeta (checked in fixed_state.cpp), so the addresses
  // coincide; kFixedSlotOps is only installed on such records.
  return *reinterpret_cast<FixedSlotMeta*>(owner);
}

// Publishes a slot's free bit (core/src/fixed_state.cpp), waking a waiter when the word carries
// the waiter flag. After this, hands off the arena unless the word came back dead. Out of line:
// the thread cache keeps it off the common path.
void fixed_publish(FixedSlotMeta& meta) noexcept;

// Returns a slot whose last reference is gone: scrub (zero policy), count, then keep it in this
// thread's cache cell for the arena (hot for the next allocation here) or publish its free bit.
ARENA_ALWAYS_INLINE void fixed_release(FixedSlotMeta& meta) noexcept {
  FixedCore& core = *meta.core;
  if (core.zero_init) [[unlikely]] fixed_scrub(meta);
  meta.frees.bump();
  const FixedThreadTable& table = t_fixed_threads;
  const unsigned entry = fixed_thread_entry(core.id);
  if (table.tag[entry] == core.id && table.cell[entry] != nullptr &&
      cell_push(*table.cell[entry], meta, core.id, core.waiting)) {
    return;  // hands off the arena from here: it may already be torn down
  }
  fixed_publish(meta);
}

// Buffer::freeze on arena memory: count the freeze (fixed slots inline).
ARENA_ALWAYS_INLINE void note_frozen(Owner* owner, std::uint64_t tag) noexcept {
  if (owner->ops == &kFixedSlotOps) fixed_meta_of(owner).frozen.bump();
  else owner->ops->note_frozen(owner, tag);
}

// The one release every Buffer and Bytes goes through; fixed slots are handled inline.
ARENA_ALWAYS_INLINE void release(Owner* owner, const std::byte* data, std::uint64_t tag) noexcept {
  if (tag != 0) [[unlikely]] {
    owner->ops->release_external(owner, data, tag);
  } else if (owner->refs.load(std::memory_order_acquire) == 1 ||
             owner->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    if (owner->ops == &kFixedSlotOps) fixed_release(fixed_meta_of(owner));
    else owner->ops->last_release(owner, data, tag);
  }
}

}  // namespace arena::detail
