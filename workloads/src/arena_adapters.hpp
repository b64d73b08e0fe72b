// Arena adapters: FixedArena and BuddyArena (and their per-NUMA-node sets) as WorkloadAllocators.
// Writer = arena::Buffer, Handle = arena::Bytes: the driver exercises exactly the public API a
// server would. The one thing not to get wrong: a request larger than a fixed slot, without
// auto-spill, is refused here and counted as a failure - writing it would terminate the process
// (a write past capacity is a contract violation) [R-BUF-5].
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "arena/buddy_arena.hpp"
#include "arena/fixed_arena.hpp"
#include "arena/numa.hpp"
#include "arena/workloads/allocator_adapter.hpp"
#include "worker_context.hpp"

namespace arena::workloads::detail {

// What every arena adapter does the same way.
struct ArenaAdapterBase {
  using Writer = arena::Buffer;
  using Handle = arena::Bytes;
  static void write(Writer& w, std::span<const std::byte> data) { w.put(data); }
  static Handle freeze(Writer&& w) { return std::move(w).freeze(); }
  static std::size_t size(const Handle& h) noexcept { return h.size(); }
  static Handle slice(const Handle& h, std::size_t begin, std::size_t end) { return h.slice(begin, end); }
  static std::vector<std::byte> into_owned(Handle&& h) { return std::move(h).into_owned(); }

  static std::optional<Writer> unwrap(Result<Buffer>&& r) {
    if (!r) [[unlikely]] return std::nullopt;  // counted by the arena (allocations_failed)
    return std::optional<Writer>(std::move(r).value());
  }
};

inline void add_fixed(AllocatorSnapshot& s, const FixedMetrics& m) {
  s.allocations += m.allocations_ok;
  s.failures += m.allocations_failed;
  s.spills += m.spills;
  s.bytes_live += m.bytes_live;
  s.bytes_reserved += m.bytes_reserved;
  const std::uint64_t free_slot = m.slots_live < m.slot_count ? m.slot_capacity : 0;
  s.largest_free_block = std::max(s.largest_free_block.value_or(0), free_slot);
}

inline void add_buddy(AllocatorSnapshot& s, const BuddyMetrics& m) {
  s.allocations += m.allocations_ok;
  s.failures += m.allocations_failed;
  s.spills += m.spills;
  s.bytes_live += m.bytes_live;
  s.bytes_reserved += m.bytes_reserved;
  s.largest_free_block = std::max(s.largest_free_block.value_or(0), m.largest_free_block);
  s.internal_fragmentation = s.internal_fragmentation.value_or(0) + m.internal_fragmentation_bytes;
  s.peak_bytes_live = s.peak_bytes_live.value_or(0) + m.peak_bytes_live;
  if (s.free_blocks_per_order.size() < m.free_blocks_per_order.size()) {
    s.free_blocks_per_order.resize(m.free_blocks_per_order.size(), 0);
  }
  for (std::size_t i = 0; i < m.free_blocks_per_order.size(); ++i) s.free_blocks_per_order[i] += m.free_blocks_per_order[i];
}

// Requests larger than the slot without auto-spill: refused and counted.
class TooLargeCounter {
 public:
  void bump() noexcept { count_.fetch_add(1, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return count_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> count_{0};
};

class FixedAdapter : public ArenaAdapterBase {
 public:
  explicit FixedAdapter(FixedArena arena)
      : arena_(std::move(arena)), slot_capacity_(arena_.slot_capacity()), auto_spill_(arena_.auto_spill_enabled()) {}
  FixedAdapter(const FixedAdapter&) = delete;
  FixedAdapter& operator=(const FixedAdapter&) = delete;

  std::optional<Writer> allocate(std::size_t n) {
    if (n > slot_capacity_ && !auto_spill_) [[unlikely]] {
      too_large_.bump();
      return std::nullopt;
    }
    return unwrap(arena_.allocate());
  }
  AllocatorSnapshot snapshot() const {
    AllocatorSnapshot s;
    add_fixed(s, arena_.metrics());
    s.failures += too_large_.value();
    return s;
  }

 private:
  FixedArena arena_;
  std::size_t slot_capacity_;
  bool auto_spill_;
  TooLargeCounter too_large_;
};

class BuddyAdapter : public ArenaAdapterBase {
 public:
  explicit BuddyAdapter(BuddyArena arena) : arena_(std::move(arena)) {}
  BuddyAdapter(const BuddyAdapter&) = delete;
  BuddyAdapter& operator=(const BuddyAdapter&) = delete;

  // Too large for the arena: request_too_large, counted by the arena itself.
  std::optional<Writer> allocate(std::size_t n) { return unwrap(arena_.allocate(n)); }
  AllocatorSnapshot snapshot() const {
    AllocatorSnapshot s;
    add_buddy(s, arena_.metrics());
    return s;
  }

 private:
  BuddyArena arena_;
};

// The node a worker allocates from: its own ("local") or the next of the placement's nodes
// ("interleaved", round-robin per operation).
inline unsigned allocation_node(bool interleaved) noexcept {
  WorkerContext& w = t_worker;
  if (interleaved && w.nodes != nullptr && !w.nodes->empty()) {
    return (*w.nodes)[static_cast<std::size_t>(w.cursor++ % w.nodes->size())];
  }
  return w.node;
}

inline std::uint64_t set_failures(const std::vector<NodeMetrics>& nodes) {
  std::uint64_t n = 0;
  for (const NodeMetrics& m : nodes) n += m.failed_allocations;
  return n;
}

class NumaFixedAdapter : public ArenaAdapterBase {
 public:
  NumaFixedAdapter(NumaFixedArenas set, bool interleaved) : set_(std::move(set)), interleaved_(interleaved) {
    for (unsigned i = 0; i < set_.node_count(); ++i) arenas_.push_back(set_.arena(i));
    slot_capacity_ = arenas_.empty() ? 0 : arenas_.front().slot_capacity();
    auto_spill_ = !arenas_.empty() && arenas_.front().auto_spill_enabled();
  }
  NumaFixedAdapter(const NumaFixedAdapter&) = delete;
  NumaFixedAdapter& operator=(const NumaFixedAdapter&) = delete;

  std::optional<Writer> allocate(std::size_t n) {
    if (n > slot_capacity_ && !auto_spill_) [[unlikely]] {
      too_large_.bump();
      return std::nullopt;
    }
    return unwrap(set_.allocate_from(allocation_node(interleaved_)));
  }
  // Failures are the set's (one per call no tried node could serve), not the sum of the nodes'
  // arenas (one per node tried).
  AllocatorSnapshot snapshot() const {
    AllocatorSnapshot s;
    for (const FixedArena& a : arenas_) add_fixed(s, a.metrics());
    s.failures = set_failures(set_.metrics()) + too_large_.value();
    return s;
  }

 private:
  NumaFixedArenas set_;
  bool interleaved_;
  std::vector<FixedArena> arenas_;  // copies share the set's arenas (for const metrics)
  std::size_t slot_capacity_ = 0;
  bool auto_spill_ = false;
  TooLargeCounter too_large_;
};

class NumaBuddyAdapter : public ArenaAdapterBase {
 public:
  NumaBuddyAdapter(NumaBuddyArenas set, bool interleaved) : set_(std::move(set)), interleaved_(interleaved) {
    for (unsigned i = 0; i < set_.node_count(); ++i) arenas_.push_back(set_.arena(i));
  }
  NumaBuddyAdapter(const NumaBuddyAdapter&) = delete;
  NumaBuddyAdapter& operator=(const NumaBuddyAdapter&) = delete;

  std::optional<Writer> allocate(std::size_t n) { return unwrap(set_.allocate_from(allocation_node(interleaved_), n)); }
  AllocatorSnapshot snapshot() const {
    AllocatorSnapshot s;
    for (const BuddyArena& a : arenas_) add_buddy(s, a.metrics());
    s.failures = set_failures(set_.metrics());
    return s;
  }

 private:
  NumaBuddyArenas set_;
  bool interleaved_;
  std::vector<BuddyArena> arenas_;
};

static_assert(WorkloadAllocator<FixedAdapter>);
static_assert(WorkloadAllocator<BuddyAdapter>);
static_assert(WorkloadAllocator<NumaFixedAdapter>);
static_assert(WorkloadAllocator<NumaBuddyAdapter>);

}  // namespace arena::workloads::detail
