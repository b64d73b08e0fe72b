// BuddyArena: variable-size allocations from one region, as power-of-two blocks that split on
// allocation and coalesce on release [R-BUD-*, R-RAW-3].
//
//   order 3  [                         4096                          ]
//   order 2  [           2048            ][           2048            ]
//   order 1  [    1024    ][    1024    ][    1024    ][    1024    ]
//   order 0  [ 512 ][ 512 ][ 512 ][ 512 ][ 512 ][ 512 ][ 512 ][ 512 ]
//   allocate(700) on exact(4096, 512): 700 -> 1024 (order 1); 4096 splits twice; the lower 1024
//   is handed out, the upper 1024 and the upper 2048 become free.
//
// Design (details in core/src/buddy_state.hpp and docs/ARCHITECTURE.md):
// * Every operation is O(log n) in the number of minimum blocks, under one short spin lock: a
//   hierarchical bitmap per order finds a free block in a few word reads, exact per-order free
//   counts and a bitmask of non-empty orders find the order with one bit instruction, and no path
//   scans the arena or a whole order, metrics included.
// * Coalescing is complete: a released block merges with its free buddy level by level under the
//   lock, so no two free buddies are ever left unmerged (the original's L-1 race). The most recent
//   release of each order is kept whole ("parked") for the next allocation of that order, and
//   merged as soon as an allocation needs a larger block or metrics() is read.
// * Buffers and Bytes of a block carry its order and requested length; the block's reference
//   count is 16 bits of arena-side metadata per minimum block (a side table takes counts past
//   65534). Metadata stays under 1% of the arena for 256-byte minimum blocks.
// * The arena's memory lives until the last handle, Buffer and Bytes are gone.
//
// Thread-safety: a BuddyArena handle may be used from any number of threads at once; copies share
// one arena. A Bytes over a block is shared as any Bytes.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <utility>

#include "arena/buddy_geometry.hpp"
#include "arena/buffer.hpp"
#include "arena/dealloc.hpp"
#include "arena/detail/async_allocation.hpp"
#include "arena/detail/backing_request.hpp"
#include "arena/error.hpp"
#include "arena/metrics.hpp"
#include "arena/options.hpp"
#include "arena/region_spec.hpp"
#include "arena/unfaulted.hpp"
#include "arena/wait.hpp"

namespace arena {

namespace detail {
class BuddyState;
}  // namespace detail

class BuddyArena {
 public:
  class Builder;
  class RawBuilder;

  // An arena of the given geometry, allocating its own memory.
  static Builder builder(BuddyGeometry geometry);
  // Over caller memory [ptr, ptr + len): exact geometry from the hint, alignment 1, the tail past
  // the largest power-of-two multiple of the minimum block unused; freed by `dealloc` (with the
  // original ptr and len) when the last owner goes [R-RAW-3/4].
  static RawBuilder from_raw(void* ptr, std::size_t len, BuddyHint hint, Dealloc dealloc);
  static RawBuilder from_static(std::span<std::byte> region, BuddyHint hint);

  BuddyArena(const BuddyArena& other) noexcept;
  BuddyArena& operator=(const BuddyArena& other) noexcept;
  BuddyArena(BuddyArena&& other) noexcept : state_(std::exchange(other.state_, nullptr)) {}
  BuddyArena& operator=(BuddyArena&& other) noexcept;
  ~BuddyArena();

  // A Buffer over a block of the smallest order that holds `len` bytes: capacity = the block size
  // (exact geometry) or min(len, block size) (nearest). Errors: invalid_argument for 0,
  // request_too_large when `len` exceeds the arena (permanent), arena_full when no block of a
  // large enough order is free (transient). Makes no heap allocation.
  Result<Buffer> allocate(std::size_t len);

  // As allocate(), but waits until `deadline` for a block: Errc::timed_out when none came free;
  // request_too_large (and invalid_argument) at once. Only the first failed attempt counts in
  // allocations_failed (L-7).
  // Registering the wait may allocate (the default waiter's queue node): std::bad_alloc when the
  // heap refuses, with nothing left registered and the arena unchanged.
  Result<Buffer> allocate_wait(std::size_t len, std::chrono::steady_clock::time_point deadline);

  // co_await arena.allocate_async(len) -> Result<Buffer>: request_too_large at once for a length
  // that can never fit (H-2), otherwise waits as long as it takes. The arena handle is copied into
  // the awaitable; the coroutine is resumed on the releasing thread by default (arena/wait.hpp).
  // Destroying the coroutine while it waits cancels the wait and leaves nothing registered.
  using AllocateAwaitable = detail::AsyncAllocation<BuddyArena, detail::AwaitMode::result>;
  AllocateAwaitable allocate_async(std::size_t len) { return AllocateAwaitable(*this, len); }

  std::size_t total_size() const noexcept;
  std::size_t min_block_size() const noexcept;
  unsigned max_order() const noexcept;
  // A consistent snapshot (taken under the lock), O(max_order) [R-MET-3].
  BuddyMetrics metrics() const;
  // One line, e.g. "BuddyArena{total=4096, min_block=512, max_order=3, alignment=1,
  // capacity=exact, init=uninit, auto_spill=off, raw=no}" [R-MISC-1].
  std::string describe() const;

  friend bool operator==(const BuddyArena& a, const BuddyArena& b) noexcept { return a.state_ == b.state_; }

 private:
  friend class detail::BuddyState;
  friend struct detail::WaitHooks<BuddyArena>;
  explicit BuddyArena(detail::BuddyState* state) noexcept : state_(state) {}
  detail::BuddyState* state_;
};

// Builder for arenas that allocate their own backing memory [R-BUD-1].
class BuddyArena::Builder {
 public:
  Builder& init_policy(InitPolicy policy) noexcept { init_ = policy; return *this; }
  Builder& page_size(PageSize page) noexcept { page_ = page; return *this; }
  Builder& auto_spill() noexcept { auto_spill_ = true; return *this; }
  // The wake strategy of allocate_wait / allocate_async (default: a BuddyNotifyWaiters per arena).
  Builder& waiter(std::shared_ptr<BuddyWaiter> strategy) noexcept { waiter_ = std::move(strategy); return *this; }

  // Errors: invalid_argument (PageSize::bytes(0)), size_overflow (not allocatable with the
  // geometry's alignment), out_of_memory.
  Result<BuddyArena> build() const;
  Result<Unfaulted<BuddyArena>> build_unfaulted() const;

 private:
  friend class BuddyArena;
  friend class detail::NumaAccess;
  explicit Builder(BuddyGeometry geometry) noexcept : geometry_(geometry) {}
  Result<BuddyArena> build_impl(bool prefault) const;
  Result<detail::BackingRequest> backing_request() const;
  Result<BuddyArena> build_over(std::byte* memory, const detail::BackingRequest& request, Dealloc dealloc) const;

  BuddyGeometry geometry_;
  InitPolicy init_ = InitPolicy::uninit;
  PageSize page_ = PageSize::detect();
  bool auto_spill_ = false;
  std::shared_ptr<BuddyWaiter> waiter_;
};

// Builder for arenas over caller memory: no prefault, no auto-spill [R-RAW-3].
class BuddyArena::RawBuilder {
 public:
  RawBuilder& init_policy(InitPolicy policy) noexcept { init_ = policy; return *this; }
  RawBuilder& waiter(std::shared_ptr<BuddyWaiter> strategy) noexcept { waiter_ = std::move(strategy); return *this; }

  // Errors, in order: null_pointer, invalid_argument (zero length or hint), zero_usable_slots
  // (no minimum block fits). On error the Dealloc is not run. Builds once.
  Result<BuddyArena> build();

 private:
  friend class BuddyArena;
  RawBuilder(void* ptr, std::size_t len, BuddyHint hint, Dealloc dealloc) noexcept
      : ptr_(ptr), len_(len), hint_(hint), dealloc_(std::move(dealloc)) {}

  void* ptr_;
  std::size_t len_;
  BuddyHint hint_;
  Dealloc dealloc_;
  InitPolicy init_ = InitPolicy::uninit;
  std::shared_ptr<BuddyWaiter> waiter_;
  bool built_ = false;
};

namespace detail {
// How allocate_async() waits on a buddy arena (core/src/buddy_arena.cpp).
template <>
struct WaitHooks<BuddyArena> {
  static Result<Buffer> try_first(BuddyArena& arena, std::size_t len);
  static Result<Buffer> try_again(BuddyArena& arena, std::size_t len);
  static std::unique_ptr<Registration> make_registration(BuddyArena& arena, std::size_t len,
                                                         std::chrono::steady_clock::time_point since);
  static void begin(BuddyArena& arena);
  static void end(BuddyArena& arena);
  static void forward(BuddyArena& arena, std::size_t len) noexcept;
};
}  // namespace detail

}  // namespace arena
