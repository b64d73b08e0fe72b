// The per-thread block cache of buddy arenas: each thread keeps, per arena, a cell with one free
// block per order (orders 0..15), so that a thread that frees a block and allocates the same
// order again takes no lock at all (the buddy_contention size cycle runs entirely out of the
// cell). The protocol is the fixed arena's (core/src/slot_cache.cpp): the owner touches its cell
// with plain stores and a compiler fence; anyone else takes the cell's admin flag and issues a
// process-wide barrier (membarrier). Cached blocks never hide memory: a failed allocation,
// metrics(), a waiter's retry, thread exit and the arena's teardown drain the cells into the
// buddy trees (with coalescing), so observable behaviour is that of a fully coalesced arena.
//
// Lock order: a cell's admin flag, then the arena's lock; never the other way round.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "arena/detail/fixed_core.hpp"

namespace arena::detail {

class BuddyState;

inline constexpr unsigned kBuddyCachedOrders = 16;

struct alignas(64) BuddyCell {
  std::atomic<std::uint32_t> busy{0};
  std::atomic<std::uint32_t> admin{0};
  std::atomic<std::uint64_t> arena_id{0};    // bound arena; 0 = unbound
  std::atomic<BuddyState*> state{nullptr};   // valid while arena_id matches
  std::atomic<std::uint64_t> slots[kBuddyCachedOrders] = {};  // unit + 1 of a free block; 0 = empty
  // Written only by the owner thread: what it allocated from / freed into this arena without the
  // lock. metrics() adds them to the arena's own counts; unbinding folds them into the arena.
  OwnedCounter allocations, frees, spills;
  OwnedCounter bytes_in, bytes_out;          // granted block bytes allocated / freed
  OwnedCounter requested_in, requested_out;  // requested lengths allocated / freed
};

// The cells bound to one arena.
class BuddyCellRegistry {
 public:
  static constexpr unsigned kMaxCells = 64;
  bool add(BuddyCell* cell) noexcept;
  void remove(BuddyCell* cell) noexcept;
  BuddyCell* at(unsigned i) const noexcept { return cells_[i].load(std::memory_order_acquire); }

 private:
  std::atomic<BuddyCell*> cells_[kMaxCells]{};
};

// The calling thread's cell for `state` (binding one when `bind` and there is none), or null.
BuddyCell* buddy_thread_cell(BuddyState& state, bool bind) noexcept;

// Owner side: a cached block of `order` (its unit), or kNoUnit.
inline constexpr std::size_t kNoUnit = static_cast<std::size_t>(-1);
std::size_t buddy_cell_pop(BuddyCell& cell, unsigned order) noexcept;
// Owner side: caches the free block at `unit`, calling `count(cell)` inside the busy section just
// before the block becomes visible (so that whoever drains or folds the cell sees both); false
// when the slot is taken, the cell is being drained, or somebody waits (`waiting`, read inside
// the section: see cell_push in arena/detail/fixed_core.hpp), and then the caller frees through
// the lock. After a true return the arena may already be torn down: touch nothing of it.
template <class Count>
bool buddy_cell_push(BuddyCell& cell, unsigned order, std::size_t unit, std::uint64_t arena_id,
                     const std::atomic<std::uint32_t>& waiting, Count count) noexcept {
  std::atomic<std::uint64_t>& slot = cell.slots[order];
  if (slot.load(std::memory_order_relaxed) != 0) return false;
  cell.busy.store(1, std::memory_order_relaxed);
  std::atomic_signal_fence(std::memory_order_seq_cst);  // CPU order: the drainer's membarrier
  bool pushed = false;
  if (cell.admin.load(std::memory_order_relaxed) == 0 && cell.arena_id.load(std::memory_order_relaxed) == arena_id &&
      waiting.load(std::memory_order_relaxed) == 0) {
    count(cell);
    slot.store(static_cast<std::uint64_t>(unit) + 1, std::memory_order_relaxed);
    pushed = true;
  }
  cell.busy.store(0, std::memory_order_release);  // a drainer's acquire of busy==0 sees block and counts
  return pushed;
}

// A drained block: where it is and its order.
struct DrainedBlock {
  std::size_t unit;
  unsigned order;
};

// Takes every block out of every cell bound to `state` (the calling thread's own without a
// barrier, the others with one) and hands them to `sink(block)`. Returns how many.
template <class Sink>
std::size_t drain_buddy_cells(BuddyState& state, BuddyCellRegistry& registry, std::uint64_t arena_id, Sink sink);

// The arena's teardown: drains and unbinds every cell, folding their counters into the arena
// through `fold(cell)` (called under the cell's admin flag) before the blocks go to `sink`.
template <class Sink, class Fold>
void unbind_buddy_cells(BuddyCellRegistry& registry, std::uint64_t arena_id, Sink sink, Fold fold);

// Used by the templates (buddy_cache.cpp).
void buddy_admin_lock(BuddyCell& cell) noexcept;
void buddy_admin_unlock(BuddyCell& cell) noexcept;
void buddy_wait_owner_quiet(const BuddyCell& cell) noexcept;
bool buddy_cell_any(const BuddyCell& cell) noexcept;
BuddyCell* buddy_own_cell(std::uint64_t arena_id) noexcept;
void buddy_heavy_fence() noexcept;

// --- Implementation of the templates ---

template <class Sink>
std::size_t drain_buddy_cells(BuddyState& state, BuddyCellRegistry& registry, std::uint64_t arena_id, Sink sink) {
  (void)state;
  std::size_t drained = 0;
  BuddyCell* own = buddy_own_cell(arena_id);
  for (unsigned i = 0; i < BuddyCellRegistry::kMaxCells; ++i) {
    BuddyCell* cell = registry.at(i);
    if (cell == nullptr || !buddy_cell_any(*cell)) continue;
    if (cell == own) {  // the owner needs no barrier against itself
      for (unsigned order = 0; order < kBuddyCachedOrders; ++order) {
        const std::size_t unit = buddy_cell_pop(*cell, order);
        if (unit != kNoUnit) {
          sink(DrainedBlock{unit, order});
          ++drained;
        }
      }
      continue;
    }
    buddy_admin_lock(*cell);
    buddy_heavy_fence();
    buddy_wait_owner_quiet(*cell);
    if (cell->arena_id.load(std::memory_order_relaxed) == arena_id) {
      for (unsigned order = 0; order < kBuddyCachedOrders; ++order) {
        const std::uint64_t value = cell->slots[order].exchange(0, std::memory_order_relaxed);
        if (value != 0) {
          sink(DrainedBlock{static_cast<std::size_t>(value - 1), order});
          ++drained;
        }
      }
    }
    buddy_admin_unlock(*cell);
  }
  return drained;
}

template <class Sink, class Fold>
void unbind_buddy_cells(BuddyCellRegistry& registry, std::uint64_t arena_id, Sink sink, Fold fold) {
  for (unsigned i = 0; i < BuddyCellRegistry::kMaxCells; ++i) {
    BuddyCell* cell = registry.at(i);
    if (cell == nullptr) continue;
    buddy_admin_lock(*cell);
    buddy_heavy_fence();
    buddy_wait_owner_quiet(*cell);
    if (cell->arena_id.load(std::memory_order_relaxed) == arena_id) {
      for (unsigned order = 0; order < kBuddyCachedOrders; ++order) {
        const std::uint64_t value = cell->slots[order].exchange(0, std::memory_order_relaxed);
        if (value != 0) sink(DrainedBlock{static_cast<std::size_t>(value - 1), order});
      }
      fold(*cell);
      cell->arena_id.store(0, std::memory_order_relaxed);
      cell->state.store(nullptr, std::memory_order_relaxed);
    }
    registry.remove(cell);
    buddy_admin_unlock(*cell);
  }
}

}  // namespace arena::detail
