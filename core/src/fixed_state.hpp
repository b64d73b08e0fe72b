// FixedState: the shared state behind every FixedArena handle. Its first base, FixedCore (in
// arena/detail/fixed_core.hpp), is what the inline fast paths read; this class adds what only the
// slow paths need: the bitmap object, the metadata array, failure counters, the backing memory
// and its deallocator, and the handle/orphan counts that decide when the state is freed.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <chrono>
#include <mutex>
#include <optional>

#include "arena/buffer.hpp"
#include "arena/dealloc.hpp"
#include "arena/detail/fixed_core.hpp"
#include "arena/error.hpp"
#include "arena/metrics.hpp"
#include "arena/options.hpp"
#include "arena/wait.hpp"
#include "backing_memory.hpp"
#include "slot_bitmap.hpp"
#include "slot_cache.hpp"
#include "striped_counter.hpp"

namespace arena::detail {

struct FixedGeometry {
  std::size_t slot_count;
  std::size_t slot_capacity;  // aligned
  std::size_t alignment;
  InitPolicy init;
  bool auto_spill;
};

class FixedState : public FixedCore {
 public:
  // Does not take over the backing on failure (throws std::bad_alloc): the caller still owns it.
  // `waiter` null: a NotifyWaiters.
  FixedState(const FixedGeometry& geometry, Backing backing, std::shared_ptr<Waiter> waiter);
  FixedState(const FixedState&) = delete;
  FixedState& operator=(const FixedState&) = delete;

  static FixedState& of(FixedCore& core) noexcept { return static_cast<FixedState&>(core); }
  static const FixedState& of(const FixedCore& core) noexcept { return static_cast<const FixedState&>(core); }

  const FixedGeometry& geometry() const noexcept { return geometry_; }
  const Backing& backing() const noexcept { return backing_; }

  // The full claim: a scan of every word from the thread's start word, then other threads'
  // cached slots; counts a failure unless `count_failure` is false (retries while waiting, L-7).
  Result<Buffer> allocate_slow(bool count_failure = true) noexcept;
  // Blocks until a slot is free or `deadline` passes (Errc::timed_out).
  Result<Buffer> allocate_wait(std::chrono::steady_clock::time_point deadline);

  // Waiting bookkeeping: the first waiter sets the waiter flag on every bitmap word (the last one
  // clears it), then a process-wide barrier pairs with cell pushes (see fixed_release).
  void begin_waiting() noexcept;
  void end_waiting() noexcept;
  Waiter& waiter() noexcept { return *waiter_; }
  // A new handle if the arena still has one (false once the last handle is gone).
  bool try_add_handle() noexcept;
  FixedMetrics metrics() const noexcept;

  // Handle counting. The last drop starts the orphan protocol (and may delete `this`).
  void add_handle() noexcept { handles_.fetch_add(1, std::memory_order_relaxed); }
  void drop_handle() noexcept;
  // A release that found the dead flag: one fewer orphaned slot (may delete `this`).
  void orphan_release_done() noexcept;

  // Where a thread without a hint starts its scans (threads spread over the words).
  std::size_t initial_word() const noexcept;
  CellRegistry& cell_registry() noexcept { return cells_; }

  // Exposed for white-box tests.
  const SlotBitmap& bitmap() const noexcept { return bitmap_; }
  void note_timeout() noexcept { timeouts_.add(1); }

 private:
  ~FixedState();

  FixedGeometry geometry_;
  Backing backing_;
  SlotBitmap bitmap_;
  std::unique_ptr<FixedSlotMeta[]> metas_;
  StripedCounter failures_;
  StripedCounter waits_;     // allocate_wait / allocate_async calls that had to wait
  StripedCounter timeouts_;  // ... and ended with timed_out
  CellRegistry cells_;
  std::shared_ptr<Waiter> waiter_;
  std::mutex waiting_mutex_;  // orders the 0 <-> 1 transitions of `waiting` and the flag passes
  alignas(64) std::atomic<std::uint32_t> handles_{1};
  std::atomic<std::int64_t> orphans_{0};  // slots still held after the last handle went (see .cpp)
};

}  // namespace arena::detail
