// Driver (driver.hpp): turns a profile and one allocator spec into a RunRecord - checks that the
// allocator can run here (peers: is the library loaded), builds it (arenas, per-node arena sets
// under NUMA placement), runs the worker loop of worker.hpp instantiated for that adapter type, and
// derives the record's figures from the outcome and the metrics timeline. The one thing not to
// get wrong: anything that goes wrong becomes a record (skipped or failed, with the reason), never
// an exception out of run_once and never a missing entry.
#include "arena/workloads/driver.hpp"

#include <algorithm>
#include <cstdint>
#include <exception>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "arena/buddy_arena.hpp"
#include "arena/fixed_arena.hpp"
#include "arena/numa.hpp"
#include "arena_adapters.hpp"
#include "heap_adapters.hpp"
#include "peer_libraries.hpp"
#include "run_workers.hpp"

namespace arena::workloads {
namespace {

using detail::RunOutcome;
using detail::RunPlan;

// A run that cannot go ahead: failed, with the reason.
struct RunFailure {
  std::string reason;
};

RunPlan make_plan(const Profile& profile, const RunOptions& options) {
  RunPlan plan;
  if (profile.threads == 0) throw RunFailure{"profile: threads must be at least 1"};
  plan.threads = profile.threads;
  if (profile.operations) {
    plan.ops_per_thread = *profile.operations;
  } else if (profile.duration_s && *profile.duration_s > 0) {
    plan.duration_s = *profile.duration_s;
  } else {
    throw RunFailure{"profile: neither operations nor a positive duration_s"};
  }
  plan.warmup_ops = profile.warmup_operations;
  plan.warmup_s = profile.warmup_s;
  plan.seed = profile.seed;
  plan.sizes = profile.sizes;
  plan.hold = profile.hold;
  plan.mix = profile.mix;
  plan.sample_interval = std::chrono::milliseconds(static_cast<std::int64_t>(
      std::min<std::uint64_t>(profile.sample_interval_ms, std::numeric_limits<std::int32_t>::max())));
  plan.latency_sample_every = std::max(1u, options.latency_sample_every);
  plan.progress = options.progress;
  if (profile.numa) {
    Result<Topology> topology = Topology::detect();
    if (!topology) throw RunFailure{"numa: cannot read the machine's topology: " + topology.error().message()};
    const unsigned count = topology->node_count();
    plan.nodes = profile.numa->nodes;
    if (plan.nodes.empty()) {
      for (unsigned n = 0; n < count; ++n) plan.nodes.push_back(n);
    }
    for (unsigned n : plan.nodes) {
      if (n >= count) {
        throw RunFailure{"numa.nodes: node " + std::to_string(n) + " does not exist (this machine has " +
                         std::to_string(count) + (count == 1 ? " node)" : " nodes)")};
      }
    }
    plan.topology = std::move(topology).value();
  }
  return plan;
}

template <class T>
T built(Result<T>&& r, const std::string& what) {
  if (!r) throw RunFailure{"cannot build " + what + ": " + r.error().message()};
  return std::move(r).value();
}

FixedArena::Builder fixed_builder(const AllocatorSpec& spec) {
  FixedArena::Builder b = FixedArena::with_slot_capacity(spec.slot_count, spec.slot_size);
  b.init_policy(spec.init);
  if (spec.auto_spill) b.auto_spill();
  return b;
}

BuddyArena::Builder buddy_builder(const AllocatorSpec& spec) {
  BuddyGeometry geometry = built(spec.nearest ? BuddyGeometry::nearest(spec.total, spec.min_block)
                                              : BuddyGeometry::exact(spec.total, spec.min_block),
                                 "the buddy geometry");
  BuddyArena::Builder b = BuddyArena::builder(geometry);
  b.init_policy(spec.init);
  if (spec.auto_spill) b.auto_spill();
  return b;
}

void fill(RunRecord& record, RunOutcome&& out, bool keep_timeline) {
  if (!out.error.empty()) {
    record.status = RunRecord::Status::failed;
    record.error = std::move(out.error);
  }
  record.operations = out.operations;
  record.bytes = out.bytes;
  record.seconds = out.seconds;
  record.ops_per_s = out.seconds > 0 ? static_cast<double>(out.operations) / out.seconds : 0.0;
  record.bytes_per_s = out.seconds > 0 ? static_cast<double>(out.bytes) / out.seconds : 0.0;
  record.timer_overhead_ns = out.timer_overhead_ns;
  for (unsigned k = 0; k < detail::kOpTypes; ++k) record.latency[detail::kOpNames[k]] = summarize(out.latency[k]);

  if (!out.timeline.empty()) {
    const AllocatorSnapshot& last = out.timeline.back().snapshot;
    record.spills = last.spills;
    record.failures = last.failures;
    record.free_blocks_per_order = last.free_blocks_per_order;
    const TimelineSample* peak = &out.timeline.front();
    for (const TimelineSample& s : out.timeline) {
      if (s.snapshot.bytes_live > peak->snapshot.bytes_live) peak = &s;
      if (s.snapshot.largest_free_block) {
        record.largest_free_block_min = std::min(record.largest_free_block_min.value_or(*s.snapshot.largest_free_block),
                                                 *s.snapshot.largest_free_block);
      }
    }
    record.peak_bytes_live = std::max(peak->snapshot.bytes_live, last.peak_bytes_live.value_or(0));
    record.internal_fragmentation_bytes = peak->snapshot.internal_fragmentation;
  }
  if (keep_timeline) record.timeline = std::move(out.timeline);
}

template <class A>
void drive(RunRecord& record, A& adapter, const RunPlan& plan) {
  const bool keep_timeline = plan.sample_interval.count() > 0;
  fill(record, detail::run_workers(adapter, plan), keep_timeline);
}

template <class Heap>
void drive_heap(RunRecord& record, const RunPlan& plan) {
  detail::HeapAdapter<Heap> adapter{std::in_place};
  drive(record, adapter, plan);
}

void dispatch(RunRecord& record, const Profile& profile, const AllocatorSpec& spec, const RunPlan& plan) {
  const bool numa_arenas = plan.topology.has_value();
  const bool interleaved = profile.numa && profile.numa->policy == NumaPlacement::Policy::interleaved;
  NumaOptions numa_options;
  if (profile.numa) numa_options.max_remote_nodes_per_call = profile.numa->max_remote;
  switch (spec.kind) {
    case AllocatorKind::fixed:
      if (numa_arenas) {
        detail::NumaFixedAdapter a(built(NumaFixedArenas::build(*plan.topology, fixed_builder(spec), numa_options),
                                         "the per-node fixed arenas " + record.geometry),
                                   interleaved);
        drive(record, a, plan);
      } else {
        detail::FixedAdapter a(built(fixed_builder(spec).build(), "the fixed arena " + record.geometry));
        drive(record, a, plan);
      }
      return;
    case AllocatorKind::buddy:
      if (numa_arenas) {
        detail::NumaBuddyAdapter a(built(NumaBuddyArenas::build(*plan.topology, buddy_builder(spec), numa_options),
                                         "the per-node buddy arenas " + record.geometry),
                                   interleaved);
        drive(record, a, plan);
      } else {
        detail::BuddyAdapter a(built(buddy_builder(spec).build(), "the buddy arena " + record.geometry));
        drive(record, a, plan);
      }
      return;
    case AllocatorKind::shared_vector: {
      detail::SharedVectorAdapter a;
      drive(record, a, plan);
      return;
    }
    case AllocatorKind::malloc_refcount:
      drive_heap<detail::GlibcHeap>(record, plan);
      return;
    case AllocatorKind::mimalloc:
      drive_heap<detail::MimallocHeap>(record, plan);
      return;
    case AllocatorKind::jemalloc:
      drive_heap<detail::JemallocHeap>(record, plan);
      return;
    case AllocatorKind::tcmalloc:
      drive_heap<detail::TcmallocHeap>(record, plan);
      return;
    case AllocatorKind::pmr_pool:
      drive_heap<detail::PmrHeap>(record, plan);
      return;
    case AllocatorKind::null: {
      detail::NullAdapter a;
      drive(record, a, plan);
      return;
    }
  }
  throw RunFailure{"unknown allocator kind"};
}

}  // namespace

LatencySummary summarize(const LatencyHistogram& histogram) {
  LatencySummary s;
  s.count = histogram.count();
  s.mean_ns = histogram.mean();
  s.p50_ns = histogram.percentile(0.50);
  s.p90_ns = histogram.percentile(0.90);
  s.p99_ns = histogram.percentile(0.99);
  s.p999_ns = histogram.percentile(0.999);
  s.max_ns = histogram.max();
  return s;
}

PeerAvailability availability(AllocatorKind kind) {
  switch (kind) {
    case AllocatorKind::mimalloc:
      return detail::peer_library(detail::PeerLibrary::mimalloc).availability;
    case AllocatorKind::jemalloc:
      return detail::peer_library(detail::PeerLibrary::jemalloc).availability;
    case AllocatorKind::tcmalloc:
      return detail::peer_library(detail::PeerLibrary::tcmalloc).availability;
    case AllocatorKind::malloc_refcount: {
      // "malloc" means glibc's: when something else serves malloc, that is not this peer.
      const detail::ProcessMalloc m = detail::process_malloc();
      if (m.is_glibc || m.sanitizer) return PeerAvailability{true, {}};
      return PeerAvailability{false, m.detail};
    }
    case AllocatorKind::fixed:
    case AllocatorKind::buddy:
    case AllocatorKind::shared_vector:
    case AllocatorKind::pmr_pool:
    case AllocatorKind::null:
      return PeerAvailability{true, {}};
  }
  return PeerAvailability{false, "unknown allocator kind"};
}

RunRecord run_once(const Profile& profile, const AllocatorSpec& spec, const RunOptions& options) {
  RunRecord record;
  record.kind = spec.kind;
  record.repetition = options.repetition;
  record.latency_sample_every = std::max(1u, options.latency_sample_every);
  try {
    record.allocator = spec.name.empty() ? std::string(to_string(spec.kind)) : spec.name;
    record.geometry = spec.geometry();
    const PeerAvailability available = availability(spec.kind);
    if (!available.available) {
      record.status = RunRecord::Status::skipped;
      record.error = available.reason;
      return record;
    }
    const RunPlan plan = make_plan(profile, options);
    dispatch(record, profile, spec, plan);
  } catch (const RunFailure& f) {
    record.status = RunRecord::Status::failed;
    record.error = f.reason;
  } catch (const std::exception& e) {
    record.status = RunRecord::Status::failed;
    record.error = e.what();
  }
  return record;
}

std::vector<RunRecord> run_profile(const Profile& profile, const RunOptions& options) {
  std::vector<RunRecord> records;
  const std::size_t total = static_cast<std::size_t>(profile.repetitions) * profile.allocators.size();
  records.reserve(total);
  for (unsigned rep = 0; rep < profile.repetitions; ++rep) {
    for (const AllocatorSpec& spec : profile.allocators) {
      RunOptions one = options;
      one.repetition = rep;
      if (options.progress) {
        const double done = static_cast<double>(records.size());
        one.progress = [&options, done, total](double f) { options.progress((done + f) / static_cast<double>(total)); };
      }
      records.push_back(run_once(profile, spec, one));
    }
  }
  return records;
}

std::vector<RunRecord> run_profile(const Profile& profile, const std::function<void(double)>& progress) {
  RunOptions options;
  options.progress = progress;
  return run_profile(profile, options);
}

}  // namespace arena::workloads
