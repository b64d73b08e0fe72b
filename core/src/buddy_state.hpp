// BuddyState: the shared state behind every BuddyArena handle. Power-of-two blocks carved from
// one region, split on allocation and coalesced on release, every operation O(log n) under one
// short spin lock, and coalescing complete (no missed merge, unlike the lock-free original, L-1).
//
// Structures (N = total / min_block minimum blocks, "units"):
//   free_[k]     BitTree over the 2^(max-k) blocks of order k: bit i = block (k, i) is free
//   counts_[k]   exact number of free blocks of order k; nonempty_ has bit k set iff counts_[k] > 0,
//                so "smallest order >= t with a free block" is one count-trailing-zeros
//   parked_[k]   one recently released block of order k, kept whole instead of merged (a hot block
//                for the next allocation of that order); merged on demand (see below)
//   refs_[u]     16-bit reference count of the block starting at unit u (Bytes and Buffers of buddy
//                blocks carry the block's order and requested length in their tag); counts past
//                0xFFFE move to a side table
//   scrubbed_    one bit per unit (InitPolicy::zero): wiped by a return
// Metadata: ~2.4 bytes per unit (0.94% of the arena with 256-byte units), counted in metrics.
//
// Parked blocks never hide memory: an allocation that finds no free block of a large enough
// order merges every parked block into the trees first and retries, and metrics() does the same
// before it reports, so largest_free_block and free_blocks_per_order are those of a fully
// coalesced arena.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "arena/buffer.hpp"
#include "arena/detail/owner.hpp"
#include "arena/error.hpp"
#include "arena/metrics.hpp"
#include "arena/options.hpp"
#include "arena/wait.hpp"
#include "backing_memory.hpp"
#include "bit_tree.hpp"
#include "buddy_cache.hpp"
#include "spin_lock.hpp"
#include "striped_counter.hpp"

namespace arena::detail {

struct BuddyConfig {
  std::size_t total;  // usable bytes: min_block << max_order
  std::size_t min_block;
  unsigned min_shift;  // log2(min_block)
  unsigned max_order;
  std::size_t alignment;
  bool caps_capacity;  // nearest geometry: capacity = min(requested, block)
  InitPolicy init;
  bool auto_spill;
};

// A block handed out: where it is, how much of it is visible, and the tag its handles carry.
struct BuddyBlock {
  std::byte* data;
  std::size_t capacity;
  std::uint64_t tag;
};

// The tag of a buddy handle: bits 0..5 the block's order, bits 6..63 the requested length (>= 1,
// so a buddy tag is never 0). The block itself is found from the handle's data pointer.
inline constexpr unsigned kTagOrderBits = 6;
inline constexpr std::uint64_t make_buddy_tag(unsigned order, std::size_t requested) noexcept {
  return (static_cast<std::uint64_t>(requested) << kTagOrderBits) | order;
}
inline constexpr unsigned tag_order(std::uint64_t tag) noexcept { return static_cast<unsigned>(tag & 63u); }
inline constexpr std::size_t tag_requested(std::uint64_t tag) noexcept { return static_cast<std::size_t>(tag >> kTagOrderBits); }
// Requests (and so totals) must leave room for the order bits.
inline constexpr std::size_t kMaxBuddyTotal = std::size_t{1} << (64 - kTagOrderBits - 1);

class BuddyState;

// The one Owner record of a buddy arena, with the way back to its state (a static_cast from the
// Owner* that handles carry: no layout assumption).
struct BuddyOwner : Owner {
  BuddyState* state = nullptr;
};

class BuddyState {
 public:
  // Does not take over the backing on failure (throws std::bad_alloc): the caller still owns it.
  // `waiter` null: a BuddyNotifyWaiters over max_order + 1 orders.
  BuddyState(const BuddyConfig& config, Backing backing, std::shared_ptr<BuddyWaiter> waiter);
  BuddyState(const BuddyState&) = delete;
  BuddyState& operator=(const BuddyState&) = delete;

  static BuddyState& of(Owner* owner) noexcept { return *static_cast<BuddyOwner*>(owner)->state; }

  const BuddyConfig& config() const noexcept { return config_; }
  // Process-unique, never reused: tags this arena in threads' cache tables.
  std::uint64_t id() const noexcept { return id_; }
  BuddyCellRegistry& cell_registry() noexcept { return cells_; }
  // A thread giving up its cell (thread exit, table entry taken over), holding the cell's admin
  // flag: its blocks go back to the trees and its counts into the arena's.
  void absorb_cell(BuddyCell& cell) noexcept;
  const Backing& backing() const noexcept { return backing_; }
  Owner* owner() noexcept { return &owner_; }

  // A block for `len` bytes (its reference count set to 1), or request_too_large / arena_full.
  // A failure is counted unless `count_failure` is false (retries while waiting, L-7).
  Result<BuddyBlock> allocate_block(std::size_t len, bool count_failure = true) noexcept;
  Result<Buffer> allocate(std::size_t len, bool count_failure = true) noexcept;
  // Blocks until a block for `len` is free or `deadline` passes (Errc::timed_out);
  // request_too_large at once.
  Result<Buffer> allocate_wait(std::size_t len, std::chrono::steady_clock::time_point deadline);

  // Waiting bookkeeping (under the lock): while anybody waits, releases coalesce at once instead
  // of parking, and wake the waiter strategy with the order of the block that became free.
  void begin_waiting() noexcept;
  void end_waiting() noexcept;
  // After a waiter's retry succeeded: when others still wait and a free block remains, wake
  // again with its order (a wake serves one waiter per order; one freed block can serve several).
  void pass_on_capacity() noexcept;
  BuddyWaiter& waiter() noexcept { return *waiter_; }
  // The order a request of `len` bytes needs (max_order + 1 when it can never fit).
  unsigned order_of(std::size_t len) const noexcept;

  // Reference counting of handles (Owner ops for tag != 0).
  void retain(const std::byte* data, std::uint64_t tag) noexcept;
  void release(const std::byte* data, std::uint64_t tag) noexcept;
  // Auto-spill: the sole owner gives the block back at once and counts a spill.
  void spill(const std::byte* data, std::uint64_t tag) noexcept;
  void note_frozen() noexcept { frozen_.add(1); }

  // Merges parked blocks, then reports (O(max_order)).
  BuddyMetrics metrics() noexcept;

  void add_handle() noexcept { handles_.fetch_add(1, std::memory_order_relaxed); }
  // A new handle if the arena still has one (false once the last handle is gone).
  bool try_add_handle() noexcept;
  // The last handle: the state is deleted now, or by the release of the last live block.
  void drop_handle() noexcept;

  // White-box tests: is block (order, index) free in the trees (parked blocks are not)?
  bool is_free_in_tree(unsigned order, std::size_t index) noexcept;
  // White-box tests: merges parked blocks now.
  void merge_parked() noexcept;

 private:
  ~BuddyState();

  std::size_t block_bytes(unsigned order) const noexcept { return config_.min_block << order; }
  std::size_t unit_of(const std::byte* data, unsigned order) const noexcept;
  std::atomic<std::uint16_t>& refs_at(std::size_t unit) noexcept { return refs_[unit]; }

  // Under lock_.
  void insert_free(unsigned order, std::size_t index) noexcept;
  void remove_free(unsigned order, std::size_t index) noexcept;
  unsigned coalesce_insert(unsigned order, std::size_t index) noexcept;  // returns the final order
  std::size_t take_block(unsigned order) noexcept;  // index at `order`, or BitTree::kNone
  void flush_parked() noexcept;
  bool units_scrubbed(std::size_t first, std::size_t count) const noexcept;
  void mark_scrubbed(std::size_t first, std::size_t count) noexcept;

  // Puts a block that came out of a cell back into the trees (under lock_).
  void insert_drained(const DrainedBlock& block) noexcept;
  // Drains every cell bound to this arena into the trees; how many blocks.
  std::size_t drain_cells() noexcept;
  void fold_cell(BuddyCell& cell) noexcept;  // under lock_

  // The last reference to the block at `unit` is gone.
  void free_block(std::size_t unit, unsigned order, std::size_t requested, bool spilled) noexcept;
  void retain_saturated(std::size_t unit) noexcept;
  bool release_saturated(std::size_t unit) noexcept;  // false: the count left the side table; retry

  BuddyOwner owner_;  // the Owner every handle of this arena points at
  BuddyConfig config_;
  Backing backing_;
  std::unique_ptr<std::atomic<std::uint16_t>[]> refs_;

  SpinLock lock_;
  // --- guarded by lock_ ---
  std::vector<BitTree> free_;
  std::vector<std::uint64_t> counts_;
  std::uint64_t nonempty_ = 0;
  std::vector<std::size_t> parked_;
  std::uint64_t parked_mask_ = 0;
  std::vector<std::uint64_t> scrubbed_;  // one bit per unit; empty unless InitPolicy::zero
  std::size_t cold_units_ = 0;           // units never scrubbed yet (0: skip the checks)
  // Counts of the locked paths (and of unbound cells, folded in). Cells count their own lock-free
  // allocations and frees, so these may go below zero while cells hold the matching ones.
  std::uint64_t allocations_ok_ = 0, frees_ = 0, spills_ = 0, splits_ = 0, coalesces_ = 0;
  std::int64_t live_blocks_ = 0, bytes_live_ = 0, bytes_requested_live_ = 0;
  std::uint64_t peak_bytes_live_ = 0;  // the highest total seen by metrics()
  bool orphaned_ = false;
  // --- end guarded ---

  StripedCounter failures_;
  StripedCounter frozen_;
  StripedCounter waits_;
  StripedCounter timeouts_;
  std::atomic<std::uint32_t> waiting_{0};  // threads in a wait loop (read lock-free by cell pushes)
  std::uint64_t id_ = 0;
  BuddyCellRegistry cells_;
  std::shared_ptr<BuddyWaiter> waiter_;
  std::atomic<std::uint32_t> handles_{1};
  std::mutex saturated_mutex_;
  std::unordered_map<std::size_t, std::uint64_t> saturated_;  // unit -> true count, when refs_ == 0xFFFF
  std::size_t metadata_bytes_ = 0;
};

}  // namespace arena::detail
