// The per-thread slot cache of fixed arenas: a pool of cache cells, binding a cell to a
// (thread, arena) pair, stealing cached slots from other threads, and draining every cell when
// the arena dies. The owner's fast paths (cell_pop / cell_push) are inline in
// arena/detail/fixed_core.hpp; the protocol is described in slot_cache.cpp.
#pragma once

#include <atomic>
#include <cstdint>

#include "arena/detail/fixed_core.hpp"

namespace arena::detail {

class FixedState;

// The cells bound to one arena (stale entries are possible and harmless: every user re-checks the
// cell's arena id under its admin lock).
class CellRegistry {
 public:
  static constexpr unsigned kMaxCells = 64;
  bool add(CacheCell* cell) noexcept;
  void remove(CacheCell* cell) noexcept;
  CacheCell* at(unsigned i) const noexcept { return cells_[i].load(std::memory_order_acquire); }
  CacheCell* take(unsigned i) noexcept { return cells_[i].exchange(nullptr, std::memory_order_acq_rel); }

 private:
  std::atomic<CacheCell*> cells_[kMaxCells]{};
};

// True when the cache can be used: Linux membarrier(PRIVATE_EXPEDITED) is available and the
// environment does not set ARENA_THREAD_CACHE=0. Decided once per process.
bool thread_cache_enabled() noexcept;

// Makes every running thread of the process execute a full memory barrier (membarrier). Only
// valid while thread_cache_enabled().
void heavy_fence() noexcept;

// Owner thread: gives entry `entry` of its thread table to `state`: unbinds the cell of the arena
// that held the entry (publishing its cached slot), then binds a fresh cell (or none).
void claim_thread_entry(FixedState& state, unsigned entry) noexcept;

// Any thread: takes a slot cached by another thread (or its own), or nullptr.
FixedSlotMeta* steal_cached_slot(FixedState& state) noexcept;

// The arena's last handle is gone: empties and unbinds every cell bound to it, publishing the
// slots they held (which sees the dead flag, see fixed_state.cpp).
void drain_cells(FixedState& state) noexcept;

}  // namespace arena::detail
