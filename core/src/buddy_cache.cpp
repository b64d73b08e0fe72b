// Buddy thread cache: the cell pool, binding cells to (thread, arena), the owner's pop and push,
// and unbinding at thread exit or when a thread-table entry is taken over. The protocol and its
// reasoning are those of slot_cache.cpp; the lock order is a cell's admin flag, then the arena.
#include "buddy_cache.hpp"

#include <pthread.h>

#include <bit>
#include <thread>

#include "arena/check.hpp"
#include "buddy_state.hpp"
#include "slot_cache.hpp"

namespace arena::detail {
namespace {

// Per-thread, per-arena cells (direct-mapped by arena id), like FixedThreadTable.
struct BuddyThreadTable {
  static constexpr unsigned kEntries = 8;
  std::uint64_t tag[kEntries];
  BuddyCell* cell[kEntries];
};
__thread BuddyThreadTable t_buddy_threads __attribute__((tls_model("initial-exec")));
__thread bool t_buddy_exiting = false;

unsigned entry_of(std::uint64_t arena_id) noexcept { return static_cast<unsigned>(arena_id % BuddyThreadTable::kEntries); }

// --- Pool: static storage, never freed (a stale cell pointer is always safe to read) ---

constexpr unsigned kPoolCells = 1024;
BuddyCell g_buddy_cells[kPoolCells];
std::atomic<std::uint64_t> g_buddy_used[kPoolCells / 64];

BuddyCell* pool_acquire() noexcept {
  for (auto& word : g_buddy_used) {
    std::uint64_t used = word.load(std::memory_order_relaxed);
    while (~used != 0) {
      const unsigned bit = static_cast<unsigned>(std::countr_zero(~used));
      const std::uint64_t mask = std::uint64_t{1} << bit;
      used = word.fetch_or(mask, std::memory_order_acquire);
      if ((used & mask) == 0) return &g_buddy_cells[static_cast<unsigned>(&word - g_buddy_used) * 64 + bit];
    }
  }
  return nullptr;
}

void pool_release(BuddyCell* cell) noexcept {
  const auto index = static_cast<std::size_t>(cell - g_buddy_cells);
  g_buddy_used[index / 64].fetch_and(~(std::uint64_t{1} << (index % 64)), std::memory_order_release);
}

// Owner thread: unbinds the cell of `entry`, giving its blocks and counts back to its arena.
void release_entry(unsigned entry) noexcept {
  BuddyThreadTable& table = t_buddy_threads;
  BuddyCell* cell = table.cell[entry];
  const std::uint64_t arena_id = table.tag[entry];
  table.cell[entry] = nullptr;
  table.tag[entry] = 0;
  if (cell == nullptr) return;
  buddy_admin_lock(*cell);  // our own busy flag is 0
  if (cell->arena_id.load(std::memory_order_relaxed) == arena_id) {
    // Still bound, so the arena is alive: its teardown needs this admin flag to finish. Everything
    // that touches the arena happens before the cell leaves the registry (see buddy_cache.hpp).
    BuddyState& state = *cell->state.load(std::memory_order_relaxed);
    state.absorb_cell(*cell);
    cell->arena_id.store(0, std::memory_order_relaxed);
    cell->state.store(nullptr, std::memory_order_relaxed);
    state.cell_registry().remove(cell);
  }
  buddy_admin_unlock(*cell);
  pool_release(cell);
}

void unbind_all_at_exit(void*) noexcept {
  t_buddy_exiting = true;
  for (unsigned e = 0; e < BuddyThreadTable::kEntries; ++e) release_entry(e);
}

pthread_key_t exit_key() noexcept {
  static const pthread_key_t key = [] {
    pthread_key_t k{};
    const int rc = pthread_key_create(&k, &unbind_all_at_exit);
    ARENA_CHECK(rc == 0, "buddy thread cache: pthread_key_create failed (%d)", rc);
    return k;
  }();
  return key;
}

BuddyCell* bind_cell(BuddyState& state) noexcept {
  if (t_buddy_exiting || !thread_cache_enabled()) return nullptr;
  BuddyCell* cell = pool_acquire();
  if (cell == nullptr) return nullptr;
  buddy_admin_lock(*cell);  // a stale drainer may still be looking at a recycled cell
  for (auto& slot : cell->slots) slot.store(0, std::memory_order_relaxed);
  cell->state.store(&state, std::memory_order_relaxed);
  cell->arena_id.store(state.id(), std::memory_order_relaxed);
  buddy_admin_unlock(*cell);
  if (!state.cell_registry().add(cell)) {
    buddy_admin_lock(*cell);
    cell->arena_id.store(0, std::memory_order_relaxed);
    cell->state.store(nullptr, std::memory_order_relaxed);
    buddy_admin_unlock(*cell);
    pool_release(cell);
    return nullptr;
  }
  pthread_setspecific(exit_key(), reinterpret_cast<void*>(std::uintptr_t{1}));
  return cell;
}

}  // namespace

bool BuddyCellRegistry::add(BuddyCell* cell) noexcept {
  for (auto& slot : cells_) {
    BuddyCell* expected = nullptr;
    if (slot.load(std::memory_order_relaxed) == nullptr &&
        slot.compare_exchange_strong(expected, cell, std::memory_order_acq_rel)) {
      return true;
    }
  }
  return false;
}

void BuddyCellRegistry::remove(BuddyCell* cell) noexcept {
  for (auto& slot : cells_) {
    BuddyCell* expected = cell;
    if (slot.compare_exchange_strong(expected, nullptr, std::memory_order_acq_rel)) return;
  }
}

void buddy_admin_lock(BuddyCell& cell) noexcept {
  for (unsigned spins = 0;; ++spins) {
    std::uint32_t expected = 0;
    if (cell.admin.compare_exchange_weak(expected, 1, std::memory_order_acquire, std::memory_order_relaxed)) return;
    if (spins > 64) std::this_thread::yield();
  }
}

void buddy_admin_unlock(BuddyCell& cell) noexcept { cell.admin.store(0, std::memory_order_release); }

void buddy_wait_owner_quiet(const BuddyCell& cell) noexcept {
  for (unsigned spins = 0; cell.busy.load(std::memory_order_acquire) != 0; ++spins) {
    if (spins > 64) std::this_thread::yield();
  }
}

bool buddy_cell_any(const BuddyCell& cell) noexcept {
  for (const auto& slot : cell.slots) {
    if (slot.load(std::memory_order_relaxed) != 0) return true;
  }
  return false;
}

void buddy_heavy_fence() noexcept { heavy_fence(); }

BuddyCell* buddy_own_cell(std::uint64_t arena_id) noexcept {
  const BuddyThreadTable& table = t_buddy_threads;
  const unsigned entry = entry_of(arena_id);
  return table.tag[entry] == arena_id ? table.cell[entry] : nullptr;
}

BuddyCell* buddy_thread_cell(BuddyState& state, bool bind) noexcept {
  BuddyThreadTable& table = t_buddy_threads;
  const unsigned entry = entry_of(state.id());
  if (table.tag[entry] == state.id()) return table.cell[entry];
  if (!bind) return nullptr;
  release_entry(entry);
  table.tag[entry] = state.id();
  table.cell[entry] = bind_cell(state);
  return table.cell[entry];
}

std::size_t buddy_cell_pop(BuddyCell& cell, unsigned order) noexcept {
  std::atomic<std::uint64_t>& slot = cell.slots[order];
  if (slot.load(std::memory_order_relaxed) == 0) return kNoUnit;
  cell.busy.store(1, std::memory_order_relaxed);
  std::atomic_signal_fence(std::memory_order_seq_cst);  // CPU order: the drainer's membarrier
  std::uint64_t value = 0;
  if (cell.admin.load(std::memory_order_relaxed) == 0) {
    value = slot.load(std::memory_order_relaxed);
    slot.store(0, std::memory_order_relaxed);
  }
  cell.busy.store(0, std::memory_order_release);
  return value == 0 ? kNoUnit : static_cast<std::size_t>(value - 1);
}

}  // namespace arena::detail
