// Metrics snapshots: plain structs returned by value by each arena's metrics().
//
// Counters only grow (allocations, frees, spills...); gauges go up and down (bytes live). Each field
// is read independently, so a snapshot taken during activity is not a consistent cut; at
// quiescence the invariant holds: allocations_ok - frees = live allocations, bytes_live = the sum
// of their capacities, frees <= allocations_ok [R-MET-1/5]. `version` is bumped on any
// incompatible change of a struct's meaning.
#pragma once

#include <cstdint>

namespace arena {

inline constexpr std::uint32_t kMetricsVersion = 1;

struct FixedMetrics {
  // Counters.
  std::uint64_t allocations_ok = 0;      // successful allocations (Buffers and raw regions)
  std::uint64_t allocations_failed = 0;  // failed attempts (arena_full), including retries while waiting
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
  std::uint32_t version = kMetricsVersion;
};

}  // namespace arena
