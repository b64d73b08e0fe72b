// FixedState: the shared state behind every FixedArena handle, and the slot metadata that Buffers
// and Bytes point at. The design is described at the top of arena/fixed_arena.hpp; this file holds
// the mechanics: claim with a per-thread hint, release, metrics, and the orphan protocol that lets
// Bytes outlive the last arena handle.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "arena/buffer.hpp"
#include "arena/dealloc.hpp"
#include "arena/detail/owner.hpp"
#include "arena/error.hpp"
#include "arena/metrics.hpp"
#include "arena/options.hpp"
#include "slot_bitmap.hpp"

namespace arena::detail {

class FixedState;

// Single-writer counter: only the current owner of the slot (or thread) writes it, so an
// increment is a load and a store, not a locked read-modify-write; readers on other threads
// see a value that is at worst slightly old. Release/acquire keep a reader's view of two counters
// of one slot in program order (frees never ahead of allocations).
class OwnedCounter {
 public:
  void bump() noexcept { value_.store(value_.load(std::memory_order_relaxed) + 1, std::memory_order_release); }
  std::uint64_t read() const noexcept { return value_.load(std::memory_order_acquire); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

// One per slot, one cache line each: the owner record of the slot plus its own counters.
struct alignas(64) SlotMeta {
  Owner owner;                // refcount of the Buffer/Bytes holding the slot; ops = fixed-slot ops
  FixedState* state = nullptr;
  OwnedCounter allocations;   // times this slot was claimed
  OwnedCounter frees;         // times it was returned
  OwnedCounter frozen;        // freezes of a Buffer over it
  OwnedCounter spills;        // Buffers over it that spilled to the heap
  bool scrubbed = false;      // InitPolicy::zero: wiped by a return, so it holds zeros
};
static_assert(sizeof(SlotMeta) == 64, "one slot's metadata is one cache line");
static_assert(offsetof(SlotMeta, owner) == 0, "an Owner* and its SlotMeta* share an address");

// Counters that no slot owns (failed allocations), striped over cache lines by thread.
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

// Where the backing memory came from and how it goes back.
struct Backing {
  std::byte* base = nullptr;
  std::size_t size = 0;         // bytes used by slots (slot_count * slot_capacity)
  std::size_t alignment = 1;    // alignment passed to allocate_backing (self-allocated only)
  bool self_allocated = true;
  // Raw-backed: the caller's original region and its deallocator.
  void* raw_ptr = nullptr;
  std::size_t raw_len = 0;
  std::optional<Dealloc> dealloc;
};

struct FixedGeometry {
  std::size_t slot_count;
  std::size_t slot_capacity;  // aligned
  std::size_t alignment;
  InitPolicy init;
  bool auto_spill;
};

class FixedState {
 public:
  // Takes ownership of `backing` (on failure too: it is then released). Throws std::bad_alloc.
  FixedState(const FixedGeometry& geometry, Backing backing);
  FixedState(const FixedState&) = delete;
  FixedState& operator=(const FixedState&) = delete;

  const FixedGeometry& geometry() const noexcept { return geometry_; }
  const Backing& backing() const noexcept { return backing_; }

  Result<Buffer> allocate() noexcept;
  FixedMetrics metrics() const noexcept;

  // Handle counting. The last drop starts the orphan protocol (and may delete `this`).
  void add_handle() noexcept { handles_.fetch_add(1, std::memory_order_relaxed); }
  void drop_handle() noexcept;

  // The index of a slot's metadata.
  std::size_t slot_of(const SlotMeta& meta) const noexcept { return static_cast<std::size_t>(&meta - metas_.get()); }
  std::byte* slot_data(std::size_t slot) const noexcept { return backing_.base + slot * geometry_.slot_capacity; }

  // Owner operations of fixed slots (static: called through OwnerOps).
  static void last_release(Owner* owner) noexcept;
  static void note_frozen(Owner* owner) noexcept;
  static void spill_release(Owner* owner) noexcept;

  // Exposed for white-box tests.
  const SlotBitmap& bitmap() const noexcept { return bitmap_; }
  std::uint64_t id() const noexcept { return id_; }

 private:
  ~FixedState();
  std::size_t start_word() const noexcept;
  void remember_word(std::size_t word) const noexcept;
  void orphan_release_done() noexcept;

  FixedGeometry geometry_;
  Backing backing_;
  std::uint64_t id_;  // process-unique, never reused: tags this arena in threads' hint tables
  SlotBitmap bitmap_;
  std::unique_ptr<SlotMeta[]> metas_;
  StripedCounter failures_;
  alignas(64) std::atomic<std::uint32_t> handles_{1};
  std::atomic<std::int64_t> orphans_{0};  // slots still held after the last handle went (see .cpp)
};

}  // namespace arena::detail
