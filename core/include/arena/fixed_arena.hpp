// FixedArena: an arena of equal slots, claimed lock-free from an atomic bitmap [R-FIX-*, R-RAW-1/2].
//
// Design (also in docs/ARCHITECTURE.md):
//
//   backing  [ slot 0 | slot 1 | ... | slot n-1 ]        n * slot_capacity bytes, one allocation
//   bitmap   [ word 0 ][ word 1 ] ...                     one 64-byte line per word; a word holds
//            bits 0..61: slot free? bit 62: waiter flag,  62 slots and two flag bits
//            bit 63: arena dead (no handle left)
//   metadata [ FixedSlotMeta 0 ][ FixedSlotMeta 1 ] ...   one 64-byte line per slot: the owner
//            refs | ops | arena | allocs frees frozen     record (refcount) Bytes point at, plus
//            spills | word, bit | scrubbed                the slot's own metric counters
//   per thread, per arena: a start hint (bitmap word) and a one-slot cache cell
//
// * Allocate: (1) the slot in this thread's cache cell, if any: plain loads and stores; (2) the
//   lowest free bit of the thread's hinted word, claimed with one fetch_and (acq_rel: it acquires
//   the previous owner's writes); (3) a scan of every word from there, wrapping once; (4) a slot
//   cached by another thread (stolen, see below); only then Errc::arena_full.
// * Release (last Buffer/Bytes reference gone): scrub if InitPolicy::zero, bump the slot's counter,
//   then park the slot in this thread's cell if it is empty (so the next allocate here gets the
//   same, cache-hot slot back without an atomic read-modify-write), else publish the free bit with
//   one fetch_or. Nothing of the arena is touched after the publish unless the word says the arena
//   is dead (see lifetime).
// * Thread cache, and why no slot is ever stranded: a cached slot stays "taken" in the bitmap, and
//   its cell is reachable from the arena. The owner thread touches its cell with plain stores and a
//   compiler fence; anyone else (a thief, the arena's teardown, thread exit) takes the cell's admin
//   flag and issues membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED), which makes every thread of the
//   process execute a full barrier: the asymmetric Dekker pattern (core/src/slot_cache.cpp). So an
//   arena of N slots serves N live buffers at once, whichever threads freed them, even threads that
//   have exited (their cells are emptied at exit). Where membarrier is unavailable, or with the
//   environment variable ARENA_THREAD_CACHE=0, there is no cache and steps (2)-(3) do all the work.
// * Metrics: counters live in the slot's own metadata line and are written only by the slot's
//   current owner (claims and publishes order successive owners), so they are plain load+store
//   increments, never a shared read-modify-write. Failures, which own no slot, go to a few striped
//   atomics. metrics() sums the slots: O(slot_count), exact at quiescence.
// * Allocation-free: allocate, write, freeze, copy, slice and destroy make no heap allocation; the
//   refcount is the slot's metadata, and a sole owner releases without a read-modify-write.
// * Lifetime: arena handles are counted (only copies of the handle touch that count). When the
//   last handle goes, every bitmap word gets the dead flag by fetch_or; the words' previous values
//   say how many slots are still held (cached ones included: the teardown publishes them), and an
//   orphan counter waits for exactly those: a release whose publish returns a word with the dead
//   flag decrements it, and whoever brings it to zero frees the arena. So Bytes can outlive the
//   arena handle, at no cost to a release.
//
// Thread-safety: a FixedArena handle may be used from any number of threads at once; copies share
// one arena. ArenaFull is "no free slot seen in one pass", not a linearizable emptiness check:
// under concurrency it may be reported while another thread frees a slot behind the scan [R-FIX-6].
#pragma once

#include <chrono>
#include <cstddef>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <utility>

#include "arena/buffer.hpp"
#include "arena/check.hpp"
#include "arena/dealloc.hpp"
#include "arena/detail/async_allocation.hpp"
#include "arena/detail/backing_request.hpp"
#include "arena/detail/fixed_core.hpp"
#include "arena/error.hpp"
#include "arena/metrics.hpp"
#include "arena/options.hpp"
#include "arena/region_spec.hpp"
#include "arena/unfaulted.hpp"
#include "arena/wait.hpp"

namespace arena {

namespace detail {
class FixedState;
}  // namespace detail

class FixedArena {
 public:
  class Builder;
  class RawBuilder;

  // `slot_count` slots of `slot_capacity` bytes each (rounded up to the alignment) [R-FIX-1].
  static Builder with_slot_capacity(std::size_t slot_count, std::size_t slot_capacity);
  // `slot_count` slots sharing `total_bytes`: slot capacity = ceil(total_bytes / slot_count).
  static Builder with_arena_capacity(std::size_t slot_count, std::size_t total_bytes);
  // Over caller memory [ptr, ptr + len), freed by `dealloc` when the last owner goes [R-RAW-1/4].
  // The caller vouches that the region is valid, exclusive, and lives until `dealloc` runs.
  static RawBuilder from_raw(void* ptr, std::size_t len, SlotSpec spec, Dealloc dealloc);
  // Over a buffer the caller keeps alive for the arena's whole life (never freed by the arena).
  static RawBuilder from_static(std::span<std::byte> region, SlotSpec spec);

  // Copies share one arena; the arena's memory lives until the last handle, Buffer and Bytes go.
  FixedArena(const FixedArena& other) noexcept;
  FixedArena& operator=(const FixedArena& other) noexcept;
  FixedArena(FixedArena&& other) noexcept : core_(std::exchange(other.core_, nullptr)) {}
  FixedArena& operator=(FixedArena&& other) noexcept;
  ~FixedArena();

  // A Buffer over a free slot (capacity slot_capacity(), size 0), or Errc::arena_full [R-FIX-5].
  // Makes no heap allocation. Inline: the common case is one load and one fetch_and.
  Result<Buffer> allocate();

  // As allocate(), but waits for a slot until `deadline`: Errc::timed_out when none came free.
  // Only the first failed attempt counts in allocations_failed, not the retries (L-7).
  // Registering the wait may allocate (the default waiter's queue node): std::bad_alloc when the
  // heap refuses, with nothing left registered and the arena unchanged.
  Result<Buffer> allocate_wait(std::chrono::steady_clock::time_point deadline);

  // co_await arena.allocate_async() -> Buffer: waits as long as it takes [R-ASY-1]. The arena
  // handle is copied into the awaitable. By default the coroutine is resumed on the thread whose
  // release woke it (see arena/wait.hpp for hopping to an executor). Destroying the coroutine
  // while it waits cancels the wait and leaves nothing registered.
  using AllocateAwaitable = detail::AsyncAllocation<FixedArena, detail::AwaitMode::unwrap>;
  AllocateAwaitable allocate_async() { return AllocateAwaitable(*this, 0); }

  std::size_t slot_count() const noexcept;
  // The slot capacity in bytes, after rounding up to the alignment.
  std::size_t slot_capacity() const noexcept;
  std::size_t alignment() const noexcept;
  InitPolicy init_policy() const noexcept;
  bool auto_spill_enabled() const noexcept;
  // A snapshot of the counters and gauges; O(slot_count) (it sums per-slot counters) [R-MET-2].
  FixedMetrics metrics() const;
  // One line describing the geometry, e.g. "FixedArena{slots=4, slot_capacity=64, alignment=1,
  // init=uninit, auto_spill=off, raw=no}" [R-MISC-1].
  std::string describe() const;

  // True when both handles share one arena.
  friend bool operator==(const FixedArena& a, const FixedArena& b) noexcept { return a.core_ == b.core_; }

 private:
  friend class detail::FixedState;
  friend struct detail::WaitHooks<FixedArena>;
  explicit FixedArena(detail::FixedCore* core) noexcept : core_(core) {}
  detail::FixedCore* core_;  // a detail::FixedState
};

// Builder for arenas that allocate their own backing memory [R-FIX-2/3].
class FixedArena::Builder {
 public:
  // Slot alignment (power of two; default 1): each slot starts at a multiple of it and the slot
  // capacity is rounded up to it. Not a power of two: build() fails with Errc::invalid_alignment.
  Builder& alignment(std::size_t bytes) noexcept { alignment_ = bytes; return *this; }
  Builder& init_policy(InitPolicy policy) noexcept { init_ = policy; return *this; }
  // Prefault stride; default PageSize::detect().
  Builder& page_size(PageSize page) noexcept { page_ = page; return *this; }
  // Writes past capacity spill to the heap instead of terminating [R-SPL-*].
  Builder& auto_spill() noexcept { auto_spill_ = true; return *this; }
  // The wake strategy of allocate_wait / allocate_async (default: a NotifyWaiters per arena).
  // Arenas built from one Builder share this Waiter.
  Builder& waiter(std::shared_ptr<Waiter> strategy) noexcept { waiter_ = std::move(strategy); return *this; }

  // Validates, allocates the backing memory and prefaults it (when the page size is known).
  // Errors, checked in this order: invalid_alignment, invalid_argument (zero count or capacity,
  // PageSize::bytes(0)), size_overflow (rounding, count * capacity, or not allocatable), and
  // out_of_memory when the memory cannot be had.
  Result<FixedArena> build() const;
  // As build(), without touching the pages; see Unfaulted.
  Result<Unfaulted<FixedArena>> build_unfaulted() const;

 private:
  friend class FixedArena;
  friend class detail::NumaAccess;
  Builder(std::size_t slot_count, std::size_t size, bool size_is_total) noexcept
      : slot_count_(slot_count), size_(size), size_is_total_(size_is_total) {}
  Result<FixedArena> build_impl(bool prefault) const;
  // Validates and sizes the backing memory (all of build()'s checks).
  Result<detail::BackingRequest> backing_request() const;
  // Builds over `memory` (request.size bytes, request.alignment aligned), freed by `dealloc`. No prefault.
  Result<FixedArena> build_over(std::byte* memory, const detail::BackingRequest& request, Dealloc dealloc) const;

  std::size_t slot_count_;
  std::size_t size_;     // slot capacity, or total bytes when size_is_total_
  bool size_is_total_;
  std::size_t alignment_ = 1;
  InitPolicy init_ = InitPolicy::uninit;
  PageSize page_ = PageSize::detect();
  bool auto_spill_ = false;
  std::shared_ptr<Waiter> waiter_;
};

// Builder for arenas over caller memory: no prefault (caller memory is never written during
// build, [R-POL-4]), no auto-spill [R-RAW-1/2].
class FixedArena::RawBuilder {
 public:
  RawBuilder& alignment(std::size_t bytes) noexcept { alignment_ = bytes; return *this; }
  RawBuilder& init_policy(InitPolicy policy) noexcept { init_ = policy; return *this; }
  RawBuilder& waiter(std::shared_ptr<Waiter> strategy) noexcept { waiter_ = std::move(strategy); return *this; }

  // Errors, in order: null_pointer, invalid_alignment, invalid_argument (zero length, count or
  // size), zero_usable_slots, slot_size_exceeds_backing. On error the Dealloc is not run and the
  // caller still owns the memory. A RawBuilder builds once; a second build() is invalid_argument.
  Result<FixedArena> build();

 private:
  friend class FixedArena;
  RawBuilder(void* ptr, std::size_t len, SlotSpec spec, Dealloc dealloc) noexcept
      : ptr_(ptr), len_(len), spec_(spec), dealloc_(std::move(dealloc)) {}

  void* ptr_;
  std::size_t len_;
  SlotSpec spec_;
  Dealloc dealloc_;
  std::size_t alignment_ = 1;
  InitPolicy init_ = InitPolicy::uninit;
  std::shared_ptr<Waiter> waiter_;
  bool built_ = false;
};

// --- Implementation ---

namespace detail {

// The full claim (scan of every word) and failure accounting: core/src/fixed_state.cpp.
Result<Buffer> fixed_allocate_slow(FixedCore& core) noexcept;

// Hands out a slot just claimed (from the bitmap or a cache cell): count it, zero it if cold under
// InitPolicy::zero, wrap it.
ARENA_ALWAYS_INLINE Buffer fixed_take(FixedCore& core, FixedSlotMeta& meta) noexcept {
  meta.allocations.bump();
  std::byte* data = core.base + static_cast<std::size_t>(&meta - core.metas) * core.slot_capacity;
  if (core.zero_init && !meta.scrubbed) [[unlikely]] std::memset(data, 0, core.slot_capacity);  // cold slot
  meta.owner.refs.store(1, std::memory_order_relaxed);  // the Buffer's reference
  return BufferAccess::make(data, core.slot_capacity, &meta.owner, core.auto_spill);
}

// Fast path: this thread's cached slot, else one try at the lowest free bit of its hinted word;
// else the full claim (scan, then other threads' cached slots).
ARENA_ALWAYS_INLINE Result<Buffer> fixed_allocate(FixedCore& core) noexcept {
  const FixedThreadTable& table = t_fixed_threads;
  const unsigned entry = fixed_thread_entry(core.id);
  if (table.tag[entry] == core.id) [[likely]] {
    if (CacheCell* cell = table.cell[entry]) {
      if (FixedSlotMeta* meta = cell_pop(*cell)) return fixed_take(core, *meta);
    }
    const std::size_t word_index = table.word[entry];
    std::atomic<std::uint64_t>& word = core.words[word_index].bits;
    const std::uint64_t free_bits = word.load(std::memory_order_relaxed) & kSlotBitsMask;
    if (free_bits != 0) {
      const std::uint64_t bit = free_bits & (~free_bits + 1);  // lowest free slot
      // acq_rel: the acquire half sees every write of the slot's previous owner (and its wipe).
      if ((word.fetch_and(~bit, std::memory_order_acq_rel) & bit) != 0) {
        return fixed_take(core, core.metas[word_index * kSlotsPerWord + static_cast<std::size_t>(std::countr_zero(bit))]);
      }
    }
  }
  return fixed_allocate_slow(core);
}

// How allocate_async() waits on a fixed arena (core/src/fixed_arena.cpp).
template <>
struct WaitHooks<FixedArena> {
  static Result<Buffer> try_first(FixedArena& arena, std::size_t len);
  static Result<Buffer> try_again(FixedArena& arena, std::size_t len);
  static std::unique_ptr<Registration> make_registration(FixedArena& arena, std::size_t len,
                                                         std::chrono::steady_clock::time_point since);
  static void begin(FixedArena& arena);
  static void end(FixedArena& arena);
  static void forward(FixedArena& arena, std::size_t len) noexcept;
};

}  // namespace detail

inline Result<Buffer> FixedArena::allocate() {
  ARENA_CHECK(core_ != nullptr, "FixedArena::allocate called on a moved-from arena");
  return detail::fixed_allocate(*core_);
}

}  // namespace arena
