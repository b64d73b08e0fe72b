// Metrics snapshots: plain structs returned by value by each arena's metrics() (FixedMetrics,
// BuddyMetrics).
//
// Counters only grow (allocations, frees, spills...); gauges go up and down (bytes live). Each field
// is read independently, so a snapshot taken during activity is not a consistent cut; at
// quiescence the invariant holds: allocations_ok - frees = live allocations, bytes_live = the sum
// of their capacities, frees <= allocations_ok [R-MET-1/5]. `version` is bumped on any
// incompatible change of a struct's meaning.
#pragma once

#include <cstdint>
#include <vector>

namespace arena {

inline constexpr std::uint32_t kMetricsVersion = 1;

struct FixedMetrics {
  // Counters.
  std::uint64_t allocations_ok = 0;      // successful allocations (Buffers and raw regions)
  std::uint64_t allocations_failed = 0;  // failed attempts (arena_full); a wait counts its first
                                         // failure only, not its retries (the original counted
                                         // every retry, inflating failure rates: L-7)
  std::uint64_t frees = 0;               // slots returned to the arena
  std::uint64_t frozen = 0;              // freezes of arena-backed Buffers (spilled ones excluded)
  std::uint64_t spills = 0;              // Buffers that moved to the heap
  // Gauges.
  std::uint64_t bytes_reserved = 0;  // slot_count * slot_capacity (constant)
  std::uint64_t bytes_live = 0;      // capacity of the slots currently held (frozen ones included)
  // Added beside api.md's fields.
  std::uint64_t slots_live = 0;  // slots currently held (allocations_ok - frees)
  std::uint64_t slot_count = 0;
  std::uint64_t slot_capacity = 0;
  std::uint64_t waits = 0;          // allocate_wait / allocate_async calls that had to wait
  std::uint64_t wait_timeouts = 0;  // ... of which ended with timed_out
  std::uint32_t version = kMetricsVersion;
};

struct BuddyMetrics {
  // Counters (as in FixedMetrics).
  std::uint64_t allocations_ok = 0;      // successful allocations (Buffers and raw regions)
  std::uint64_t allocations_failed = 0;  // failed attempts: arena_full and request_too_large
  std::uint64_t frees = 0;               // blocks returned to the arena
  std::uint64_t frozen = 0;              // freezes of arena-backed Buffers (spilled ones excluded)
  std::uint64_t spills = 0;              // Buffers that moved to the heap
  // Gauges (as in FixedMetrics).
  std::uint64_t bytes_reserved = 0;  // usable total of the arena (constant)
  std::uint64_t bytes_live = 0;      // full block sizes currently held (nearest capping included)
  // Buddy counters.
  std::uint64_t splits = 0;     // one per level split
  std::uint64_t coalesces = 0;  // one per level merged
  // Buddy gauges, of the fully coalesced arena.
  std::uint64_t largest_free_block = 0;                // bytes of the largest free block; 0 if none
  std::vector<std::uint64_t> free_blocks_per_order;   // index = order (like /proc/buddyinfo)
  // Added beside api.md's fields.
  std::uint64_t blocks_live = 0;                   // blocks currently held
  std::uint64_t bytes_requested_live = 0;          // sum of the lengths asked for by live blocks
  std::uint64_t internal_fragmentation_bytes = 0;  // bytes_live - bytes_requested_live: the cost of rounding
  std::uint64_t peak_bytes_live = 0;               // the highest bytes_live any metrics() call saw
                                                   // (lock-free cached frees keep no running peak)
  std::uint64_t bytes_free = 0;                    // sum over orders of free blocks' sizes
  std::uint64_t metadata_bytes = 0;                // bookkeeping memory besides the arena itself
  std::uint64_t min_block_size = 0;
  std::uint64_t waits = 0;          // allocate_wait / allocate_async calls that had to wait
  std::uint64_t wait_timeouts = 0;  // ... of which ended with timed_out
  std::uint32_t max_order = 0;
  std::uint32_t version = kMetricsVersion;
};

}  // namespace arena
