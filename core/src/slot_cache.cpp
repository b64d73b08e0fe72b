// Per-thread slot cache with asymmetric synchronisation.
//
// Why: a round trip through the bitmap costs two locked read-modify-writes (claim, publish). A
// thread that frees a slot and then allocates again can instead keep the slot in a one-slot cell
// of its own and take it back with plain loads and stores.
//
// The protocol (owner = the thread the cell is bound to; others = thieves, the arena teardown,
// binding and unbinding, which all first take the cell's `admin` flag with a CAS):
//   owner:  busy = 1; compiler fence; if admin == 0 { touch slot }; busy = 0 (release)
//   other:  CAS admin 0 -> 1; membarrier(); wait until busy == 0 (acquire); touch slot; admin = 0
// membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) makes every running thread of the process execute a
// full memory barrier before it returns. So for an owner section that overlaps: either the
// owner's busy=1 was globally visible before the barrier (the other party waits for busy == 0),
// or the owner's admin load comes after it and sees admin == 1 (the owner backs off). This is the
// classic asymmetric Dekker pattern: the frequent side pays nothing, the rare side pays ~1 us.
//
// No slot is stranded: a cached slot stays "taken" in the bitmap, and an allocation that finds no
// free bit in a full pass steals from the cells bound to the arena before reporting arena_full.
// Thread exit unbinds the thread's cells (publishing their slots); the arena's teardown drains
// whatever is left. Cells live in a static pool that is never freed, so a stale pointer to a cell
// is always safe to read; a cell's `arena_id` (checked under the protocol) says whom it serves.
// Arena ids are never reused, so a stale binding can never be mistaken for a live one.
#include "slot_cache.hpp"

#include <bit>
#include <cstdlib>
#include <cstring>
#include <pthread.h>

#include <cstdint>
#include <thread>

#include "arena/check.hpp"
#include "fixed_state.hpp"

#if defined(__linux__) && __has_include(<linux/membarrier.h>)
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>
#define ARENA_HAVE_MEMBARRIER 1
#endif

namespace arena::detail {
namespace {

// --- Cell pool: static storage, never freed ---

constexpr unsigned kPoolCells = 4096;
CacheCell g_cells[kPoolCells];
std::atomic<std::uint64_t> g_cells_used[kPoolCells / 64];  // bit set = cell in use

CacheCell* pool_acquire() noexcept {
  for (auto& word : g_cells_used) {
    std::uint64_t used = word.load(std::memory_order_relaxed);
    while (~used != 0) {
      const unsigned bit = static_cast<unsigned>(std::countr_zero(~used));
      const std::uint64_t mask = std::uint64_t{1} << bit;
      used = word.fetch_or(mask, std::memory_order_acquire);
      if ((used & mask) == 0) return &g_cells[static_cast<unsigned>(&word - g_cells_used) * 64 + bit];
    }
  }
  return nullptr;
}

void pool_release(CacheCell* cell) noexcept {
  const auto index = static_cast<std::size_t>(cell - g_cells);
  g_cells_used[index / 64].fetch_and(~(std::uint64_t{1} << (index % 64)), std::memory_order_release);
}

// --- The non-owner side of the protocol ---

void admin_lock(CacheCell& cell) noexcept {
  for (unsigned spins = 0;; ++spins) {
    std::uint32_t expected = 0;
    if (cell.admin.compare_exchange_weak(expected, 1, std::memory_order_acquire, std::memory_order_relaxed)) return;
    if (spins > 64) std::this_thread::yield();
  }
}

void admin_unlock(CacheCell& cell) noexcept { cell.admin.store(0, std::memory_order_release); }

// After admin_lock + heavy_fence: waits for an owner section in progress to end.
void wait_owner_quiet(const CacheCell& cell) noexcept {
  for (unsigned spins = 0; cell.busy.load(std::memory_order_acquire) != 0; ++spins) {
    if (spins > 64) std::this_thread::yield();
  }
}

// Takes the slot out of a cell this thread holds the admin flag of, if it still serves `arena_id`;
// `unbind` also detaches the cell from the arena.
FixedSlotMeta* take_locked(CacheCell& cell, std::uint64_t arena_id, bool unbind) noexcept {
  if (cell.arena_id.load(std::memory_order_relaxed) != arena_id) return nullptr;
  FixedSlotMeta* meta = cell.slot.load(std::memory_order_relaxed);
  cell.slot.store(nullptr, std::memory_order_relaxed);
  if (unbind) {
    cell.arena_id.store(0, std::memory_order_relaxed);
    cell.core.store(nullptr, std::memory_order_relaxed);
  }
  return meta;
}

// --- Thread exit ---

__thread bool t_exiting = false;

// Unbinds the cell of thread-table entry `entry`, publishing its cached slot. Owner thread only.
void release_thread_entry(unsigned entry) noexcept {
  FixedThreadTable& table = t_fixed_threads;
  CacheCell* cell = table.cell[entry];
  const std::uint64_t arena_id = table.tag[entry];
  table.cell[entry] = nullptr;
  table.tag[entry] = 0;
  if (cell == nullptr) return;
  admin_lock(*cell);  // our own busy flag is 0: no fence needed against ourselves
  FixedSlotMeta* meta = nullptr;
  if (cell->arena_id.load(std::memory_order_relaxed) == arena_id) {
    // Still bound, so the arena is alive: its teardown would need this admin flag to unbind it.
    FixedState& state = FixedState::of(*cell->core.load(std::memory_order_relaxed));
    meta = take_locked(*cell, arena_id, /*unbind=*/true);
    state.cell_registry().remove(cell);
  }
  admin_unlock(*cell);
  pool_release(cell);
  if (meta != nullptr) fixed_publish(*meta);  // the slot is held, so its arena is still alive
}

// Thread exit: a pthread key whose destructor unbinds the thread's cells. A key (created once per
// process) rather than a thread_local object with a destructor, because registering such a
// destructor allocates (__cxa_thread_atexit) and a thread's first allocation must not.
void unbind_all_at_exit(void*) noexcept {
  t_exiting = true;
  for (unsigned e = 0; e < FixedThreadTable::kEntries; ++e) release_thread_entry(e);
}

pthread_key_t exit_key() noexcept {
  static const pthread_key_t key = [] {
    pthread_key_t k{};
    const int rc = pthread_key_create(&k, &unbind_all_at_exit);
    ARENA_CHECK(rc == 0, "thread cache: pthread_key_create failed (%d)", rc);
    return k;
  }();
  return key;
}

CacheCell* bind_cell(FixedState& state) noexcept {
  if (t_exiting || !thread_cache_enabled()) return nullptr;
  CacheCell* cell = pool_acquire();
  if (cell == nullptr) return nullptr;  // pool exhausted: this thread works without a cache here
  admin_lock(*cell);                    // a stale thief may still be looking at a recycled cell
  cell->slot.store(nullptr, std::memory_order_relaxed);
  cell->core.store(&state, std::memory_order_relaxed);
  cell->arena_id.store(state.id, std::memory_order_relaxed);
  admin_unlock(*cell);
  if (!state.cell_registry().add(cell)) {
    admin_lock(*cell);
    take_locked(*cell, state.id, /*unbind=*/true);
    admin_unlock(*cell);
    pool_release(cell);
    return nullptr;  // the arena has as many cells as it keeps: no cache for this thread
  }
  // A non-null value makes the key's destructor run at thread exit (glibc keeps the first keys in
  // the thread descriptor: no allocation).
  pthread_setspecific(exit_key(), reinterpret_cast<void*>(std::uintptr_t{1}));
  return cell;
}

}  // namespace

// Makes every thread of the process execute a full barrier (see the protocol above).
void heavy_fence() noexcept {
#ifdef ARENA_HAVE_MEMBARRIER
  if (::syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0) return;
  // Not registered in this process (e.g. after an exec): register and retry once.
  ::syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0);
  const long again = ::syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
  ARENA_CHECK(again == 0, "thread cache: membarrier failed after it was found available");
#else
  ARENA_CHECK(false, "thread cache: no heavy fence on this platform (the cache should be disabled)");
#endif
}

bool CellRegistry::add(CacheCell* cell) noexcept {
  for (auto& slot : cells_) {
    CacheCell* expected = nullptr;
    if (slot.load(std::memory_order_relaxed) == nullptr &&
        slot.compare_exchange_strong(expected, cell, std::memory_order_acq_rel)) {
      return true;
    }
  }
  return false;
}

void CellRegistry::remove(CacheCell* cell) noexcept {
  for (auto& slot : cells_) {
    CacheCell* expected = cell;
    if (slot.compare_exchange_strong(expected, nullptr, std::memory_order_acq_rel)) return;
  }
}

bool thread_cache_enabled() noexcept {
  static const bool enabled = [] {
    if (const char* env = std::getenv("ARENA_THREAD_CACHE"); env != nullptr && std::strcmp(env, "0") == 0) return false;
#ifdef ARENA_HAVE_MEMBARRIER
    const long supported = ::syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
    if (supported < 0 || (supported & MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0) return false;
    return ::syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
#else
    return false;
#endif
  }();
  return enabled;
}

void claim_thread_entry(FixedState& state, unsigned entry) noexcept {
  release_thread_entry(entry);
  FixedThreadTable& table = t_fixed_threads;
  table.tag[entry] = state.id;
  table.word[entry] = state.initial_word();
  table.cell[entry] = bind_cell(state);
}

FixedSlotMeta* steal_cached_slot(FixedState& state) noexcept {
  const FixedThreadTable& table = t_fixed_threads;
  const unsigned entry = fixed_thread_entry(state.id);
  CacheCell* own = table.tag[entry] == state.id ? table.cell[entry] : nullptr;
  for (unsigned i = 0; i < CellRegistry::kMaxCells; ++i) {
    CacheCell* cell = state.cell_registry().at(i);
    if (cell == nullptr || cell->slot.load(std::memory_order_relaxed) == nullptr) continue;
    if (cell == own) {
      if (FixedSlotMeta* meta = cell_pop(*cell)) return meta;
      continue;
    }
    std::uint32_t expected = 0;
    if (!cell->admin.compare_exchange_strong(expected, 1, std::memory_order_acquire, std::memory_order_relaxed)) continue;
    heavy_fence();
    wait_owner_quiet(*cell);
    FixedSlotMeta* meta = take_locked(*cell, state.id, /*unbind=*/false);
    admin_unlock(*cell);
    if (meta != nullptr) return meta;
  }
  return nullptr;
}

void drain_cells(FixedState& state) noexcept {
  for (unsigned i = 0; i < CellRegistry::kMaxCells; ++i) {
    CacheCell* cell = state.cell_registry().take(i);
    if (cell == nullptr) continue;
    admin_lock(*cell);
    heavy_fence();
    wait_owner_quiet(*cell);
    FixedSlotMeta* meta = take_locked(*cell, state.id, /*unbind=*/true);
    admin_unlock(*cell);
    if (meta != nullptr) fixed_publish(*meta);  // sees the dead flag: one fewer orphan (never the last here)
  }
}

}  // namespace arena::detail
