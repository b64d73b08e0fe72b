// plan_simulation: the deterministic model of one run that `arena-bench plan` searches with. It
// replays what the driver's workers do (worker.hpp) - the same size samplers and decision streams
// per thread (same seeds), the same hold ring, lifetimes and hand-off inboxes - with the threads'
// operations interleaved on the calling thread (round-robin, one operation each, when every thread
// has a CPU; in time slices of `slice_ops` operations, `cpus` threads at once, when the threads
// outnumber the CPUs), and accounts each allocation against a
// fixed-arena model (slots in use vs count; a write past the slot spills, a request past it without
// auto-spill fails) or a real BuddyArena. The one thing not to get wrong: every random draw the
// worker makes must be made here in the same order, or the streams drift apart.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "arena/workloads/profile.hpp"

namespace arena::workloads::detail {

// How long the modelled run is and how its time-based parts translate to operations.
struct SimulationSetup {
  std::uint64_t warmup_ops_per_thread = 0;  // run first, not counted (the state stays)
  std::uint64_t ops_per_thread = 1;         // measured
  std::uint64_t hold_ops = 0;               // the hold model in operations (time_ns converted)
  unsigned samples = 11;                    // metric samples over the measured phase, first and last included
  // Scheduling. With threads <= cpus (or cpus 0) the threads take turns one operation each, as if
  // all ran at once. With more threads than CPUs they run in groups of `cpus` threads (0-1, 2-3,
  // ...), each group for `slice_ops` operations per thread before the next group runs: a receiver
  // outside the running group lets its hand-off inbox fill, as a descheduled worker does.
  unsigned cpus = 0;
  std::uint64_t slice_ops = 1;
  // True when hold_ops is a time (hold.time_us converted): a held buffer then expires on the run's
  // clock (one tick per scheduling step, i.e. per operation of a running thread), which also runs
  // while its thread is descheduled, as the worker's steady clock does. False: on the thread's own
  // operation count, as hold.ops does.
  bool hold_on_clock = false;
};

// What one modelled run predicts, in RunRecord's terms.
struct SimulationResult {
  std::uint64_t operations = 0;  // measured, all threads (failed ones included, as the driver counts)
  std::uint64_t allocations = 0;  // successful, measured
  std::uint64_t spills = 0;
  std::uint64_t failures = 0;
  // The driver's peak_bytes_live: the highest bytes_live over `samples` snapshots evenly spaced in
  // the measured phase (the sampler's view, in-flight buffers included).
  std::uint64_t peak_bytes_live = 0;
  // The true high-water mark over every operation of the whole run (warm-up included).
  std::uint64_t max_bytes_live = 0;
  std::uint64_t max_units_live = 0;  // slots (fixed) or blocks (buddy) at their own high-water mark
  // Granted - requested bytes of the live buffers at the sampled peak.
  std::uint64_t internal_fragmentation_bytes = 0;
  std::uint64_t bytes_reserved = 0;  // slot_count * slot_size, or the buddy total
  std::uint64_t metadata_bytes = 0;  // buddy: the arena's bookkeeping memory
  // The most handed-off buffers waiting in inboxes at once (measured phase, after a step).
  std::uint64_t max_handoffs_in_flight = 0;
};

// The bound of each worker's hand-off inbox, as run_workers.hpp sizes it: a sender whose receiver
// already has this many waiting drops the buffer itself.
inline std::size_t handoff_inbox_bound(const Profile& profile) {
  return static_cast<std::size_t>(std::clamp<std::uint64_t>(profile.hold.max_live, 1024, 65536));
}

inline constexpr std::size_t kUnlimitedSlots = std::numeric_limits<std::size_t>::max();

// Models the profile against a fixed arena of `slot_count` slots of `slot_size` bytes
// (kUnlimitedSlots: never full; bytes_reserved is then 0). Deterministic for a profile and setup.
SimulationResult simulate_fixed(const Profile& profile, const SimulationSetup& setup, std::size_t slot_size,
                                std::size_t slot_count, bool auto_spill);

// Models the profile against an arena that never runs out and grants each request
// max(bit_ceil(size), min_block_bytes): a lower bound for a buddy arena's total (its
// max_bytes_live). Deterministic.
SimulationResult simulate_rounded(const Profile& profile, const SimulationSetup& setup, std::size_t min_block_bytes);

// Models the profile against a real BuddyArena of the exact geometry (total, min_block), used from
// this thread only. Throws std::invalid_argument when the geometry is invalid or cannot be built.
SimulationResult simulate_buddy(const Profile& profile, const SimulationSetup& setup, std::size_t total_bytes,
                                std::size_t min_block_bytes);

}  // namespace arena::workloads::detail
