// Driver: runs one profile against one allocator once (one repetition). Worker threads (pinned
// with hwloc where the profile asks for NUMA placement) start together on a barrier; each draws
// request sizes from its own deterministic sampler, allocates, writes, freezes, then copies /
// slices / copies out / hands off / holds per the profile's mix and hold model, and records the
// latency of each operation in log-linear histograms. Timer overhead is measured first and
// subtracted from every sample. A sampler records the allocator's metrics timeline.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "arena/workloads/allocator_adapter.hpp"
#include "arena/workloads/histogram.hpp"
#include "arena/workloads/profile.hpp"
#include "arena/workloads/sampler.hpp"

namespace arena::workloads {

struct LatencySummary {
  std::uint64_t count = 0;
  double mean_ns = 0;
  std::uint64_t p50_ns = 0, p90_ns = 0, p99_ns = 0, p999_ns = 0, max_ns = 0;
};
LatencySummary summarize(const LatencyHistogram& histogram);

// One allocator, one repetition. A run that could not happen is a record too (status skipped or
// failed, with the reason), never a missing entry.
struct RunRecord {
  enum class Status { ok, skipped, failed };
  std::string allocator;  // the spec's name
  AllocatorKind kind = AllocatorKind::fixed;
  std::string geometry;
  unsigned repetition = 0;
  Status status = Status::ok;
  std::string error;  // why skipped / failed

  std::uint64_t operations = 0;  // measured operations, all threads
  std::uint64_t bytes = 0;       // bytes written in them
  double seconds = 0.0;          // wall time of the measured part
  double ops_per_s = 0.0;        // real aggregate throughput (not multiplied by threads)
  double bytes_per_s = 0.0;
  // Per operation type: "allocate" (allocate + write + freeze), "drop", "copy", "slice",
  // "into_owned", "handoff".
  std::map<std::string, LatencySummary> latency;
  std::uint64_t spills = 0;
  std::uint64_t failures = 0;
  std::uint64_t peak_bytes_live = 0;
  std::optional<std::uint64_t> internal_fragmentation_bytes;  // at peak live (buddy)
  std::optional<std::uint64_t> largest_free_block_min;        // the minimum over the run (arenas)
  std::vector<std::uint64_t> free_blocks_per_order;           // at the end (buddy)
  std::vector<TimelineSample> timeline;
  double timer_overhead_ns = 0.0;  // subtracted from every latency sample
  unsigned latency_sample_every = 1;  // latency timed for one operation in this many (on average)
};

// By default one operation in 64 is timed: a timed operation costs three clock reads (~20 ns
// each with rdtsc on a VM), which timing every operation would add to the throughput figures.
inline constexpr unsigned kDefaultLatencySampleEvery = 64;

struct RunOptions {
  unsigned repetition = 0;
  // Called now and then from the driving thread with the fraction done, in [0, 1].
  std::function<void(double)> progress;
  // Latency is timed for one operation in this many, chosen at random (1: every operation).
  unsigned latency_sample_every = kDefaultLatencySampleEvery;
};

// Runs `profile` against `spec` once. Never throws for allocator trouble: that is a record.
RunRecord run_once(const Profile& profile, const AllocatorSpec& spec, const RunOptions& options = {});

// Every allocator of the profile, each repetition (interleaved: rep 0 of each, then rep 1...).
std::vector<RunRecord> run_profile(const Profile& profile, const std::function<void(double)>& progress = {});
// The same, with options for every run (`repetition` is set per run; `progress` gets the fraction
// of the whole profile).
std::vector<RunRecord> run_profile(const Profile& profile, const RunOptions& options);

// Whether `kind` can run in this process (peers: is the library loadable).
PeerAvailability availability(AllocatorKind kind);

}  // namespace arena::workloads
