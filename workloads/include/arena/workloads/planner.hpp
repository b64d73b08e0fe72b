// Planner: capacity planning from a workload profile to arena geometries (`arena-bench plan`).
// For the targets given (maximum spill rate, maximum failure rate, optional memory budget and
// latency bound) it finds the smallest fixed arena (slot size, then slot count) and the smallest
// buddy arena (total size, over candidate minimum blocks) that meet them, according to a fast
// deterministic model of the profile's run (docs/planning.md: replayed size and decision streams,
// threads interleaved round-robin, or in scheduler time slices when they outnumber the CPUs, the
// real BuddyArena for buddy accounting). verify_plan() runs
// the real workload with the planned geometries and puts the measured figures next to the
// predicted ones. The one thing not to get wrong: a prediction is the model's, not a guarantee;
// multi-threaded runs interleave differently and the plan says so.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "arena/workloads/driver.hpp"
#include "arena/workloads/profile.hpp"

namespace arena::workloads {

// How long a runnable thread keeps its CPU before another runnable thread gets it, in the model:
// Linux's fair scheduler gives a few milliseconds (a base slice of 0.75-3 ms, preempted at the next
// tick of 1-4 ms) and a thread waiting behind several others waits several such slices.
inline constexpr double kDefaultTimesliceMs = 3.0;
// The default headroom of a time-sliced plan: the real scheduler is not the model's, a receiver
// can be preempted while it drops a batch of hand-offs, and a full arena fails cheaply and so at
// many operations; 25% more than the model's high-water mark absorbed that in --verify on the
// hand-off presets (docs/planning.md).
inline constexpr double kDefaultSlicedHeadroom = 0.25;

// What the geometry must achieve. Rates are fractions of the measured operations (0.001 = 0.1%).
struct PlanTargets {
  double max_spill_rate = 0.0;    // spills / operations
  double max_failure_rate = 0.0;  // failed allocations / operations
  std::optional<std::uint64_t> memory_budget_bytes;  // bytes reserved by one arena, at most
  std::optional<std::uint64_t> max_latency_p99_ns;   // "allocate" p99: checked by verify_plan only
};

// How the model is sized.
struct PlanOptions {
  // Operations per second per worker thread, for the profile's time-based parts (duration_s,
  // warmup_s, hold.time_us, the sampling interval). Absent: measured by a short calibration run
  // of the real workload (calibrate_ops_rate) when the profile has such parts.
  std::optional<double> fixed_ops_per_s_per_thread;
  std::optional<double> buddy_ops_per_s_per_thread;
  // At most this many operations are modelled (measured, all threads); a longer run is modelled by
  // its first part (rates are per operation; the warm-up still brings the model to steady state).
  std::uint64_t max_modelled_operations = std::uint64_t{1} << 20;
  // CPUs the run's worker threads get at once. Absent: usable_cpus(). When the profile's threads
  // outnumber them and the threads interact over time (hand-offs, time-based holds), the model runs
  // them in time slices of `timeslice_ms` (docs/planning.md, "Scheduling").
  std::optional<unsigned> cpus;
  double timeslice_ms = kDefaultTimesliceMs;
  // Extra capacity beyond the model's high-water mark, as a fraction (0.25: 25% more slots; the
  // buddy total covers 1.25 x the high-water mark). Absent: kDefaultSlicedHeadroom for a
  // time-sliced model, 0 otherwise. The predicted figures are the model's for the larger geometry.
  std::optional<double> headroom;
};

// The model's figures for one geometry (and, after verify_plan, the real run's).
struct PlanFigures {
  std::uint64_t operations = 0;
  std::uint64_t spills = 0;
  std::uint64_t failures = 0;
  double spill_rate = 0.0;
  double failure_rate = 0.0;
  std::uint64_t peak_bytes_live = 0;  // as RunRecord::peak_bytes_live: the highest sampled bytes_live
  std::uint64_t internal_fragmentation_bytes = 0;  // granted - requested at that peak
  std::uint64_t bytes_reserved = 0;
  std::optional<std::uint64_t> max_bytes_live;     // predicted only: the high-water mark of every operation
  std::optional<std::uint64_t> allocate_p99_ns;    // measured only
};

// How the profile was turned into a model run (operations per thread and so on).
struct PlanModel {
  unsigned threads = 1;
  std::uint64_t warmup_ops_per_thread = 0;
  std::uint64_t ops_per_thread = 0;
  std::uint64_t hold_ops = 0;  // hold.ops, or hold.time_us converted with the operation rate
  unsigned samples = 0;        // sampler snapshots modelled for the peak
  std::optional<double> ops_per_s_per_thread;  // the rate used (null: none was needed)
  std::string rate_source;     // "profile" (not needed), "given", "calibrated"
  unsigned cpus = 1;           // CPUs the threads were modelled on
  std::string cpus_source;     // "given" (--cpus), "affinity", "affinity less load"
  std::optional<double> load_average;  // the 1-minute load average read for cpus (when read)
  std::string interleaving;    // "round-robin" (one operation per thread in turn) or "time-sliced"
  double timeslice_ms = kDefaultTimesliceMs;
  std::uint64_t slice_ops = 1;  // operations per thread per time slice (1: round-robin)
  std::uint64_t max_handoffs_in_flight = 0;  // the model's most handed-off buffers waiting at once
  double headroom = 0.0;       // the fraction added to the model's high-water mark
};

struct FixedPlan {
  bool feasible = false;
  std::string reason;  // why not, when not feasible
  std::size_t slot_size = 0;
  std::size_t slot_count = 0;
  bool auto_spill = false;
  PlanModel model;
  PlanFigures predicted;
  std::optional<PlanFigures> measured;  // verify_plan
  std::string measured_error;           // the real run failed or was skipped: why
  AllocatorSpec spec() const;           // name "plan-fixed"
  std::string compare_flag() const;     // for `arena-bench compare`, e.g. "--fixed 4096x1KiB,spill"
};

struct BuddyPlan {
  bool feasible = false;
  std::string reason;
  std::size_t total = 0;
  std::size_t min_block = 0;
  PlanModel model;
  PlanFigures predicted;
  std::uint64_t metadata_bytes = 0;  // the arena's bookkeeping memory beside `total`
  std::optional<PlanFigures> measured;
  std::string measured_error;
  AllocatorSpec spec() const;  // name "plan-buddy", exact geometry
  std::string compare_flag() const;  // for `arena-bench compare`, e.g. "--buddy 64MiB/256"
};

struct Plan {
  std::string profile_name;
  nlohmann::json profile;  // to_json(profile) as planned
  PlanTargets targets;
  FixedPlan fixed;
  BuddyPlan buddy;
  std::string recommended;     // "fixed", "buddy" or "none"
  std::string recommendation;  // one paragraph: which and why
  double planning_seconds = 0.0;
  bool verified = false;
};

// Parses a rate: "0.1%" (a percentage) or "0.001" (a fraction), in [0, 1]. Throws
// InputError(source, field, ...) otherwise (field: the flag, e.g. "--max-spill-rate").
double parse_rate(const std::string& text, const std::string& source, const std::string& field);
// Parses a duration: "200us", "1.5ms", "2s", "800ns" (a bare number is nanoseconds), positive.
// Throws InputError(source, field, ...) otherwise.
std::uint64_t parse_duration_ns(const std::string& text, const std::string& source, const std::string& field);

// Operations per second per worker thread of a short real run of `profile` (about `seconds`,
// no warm-up, one repetition) against `spec`. 0 when the run failed.
// CPUs a run started now can expect at once: the CPUs of this process's affinity mask
// (std::thread::hardware_concurrency when that cannot be read), less the 1-minute load average
// of /proc/loadavg (other work competing for them), rounded, at least 1. `source` and `load`
// receive how it was found ("affinity" when the load could not be read).
unsigned usable_cpus(std::string* source = nullptr, std::optional<double>* load = nullptr);

double calibrate_ops_rate(const Profile& profile, const AllocatorSpec& spec, double seconds = 0.15);

// Plans both arena kinds for `profile`. Needs no real run unless the profile has time-based parts
// and `options` gives no rate (then one short calibration run per kind). Throws InputError
// ("plan", field, ...) for targets out of range; an unreachable target is not an error but a plan
// whose `feasible` is false with the reason.
Plan plan_geometries(const Profile& profile, const PlanTargets& targets, const PlanOptions& options = {});

// Runs the profile once (one repetition, run_once) against each feasible planned geometry and
// fills `measured` (or `measured_error`); `progress` gets the fraction done.
void verify_plan(Plan& plan, const Profile& profile, const std::function<void(double)>& progress = {});

// The plan as JSON (docs/planning.md): targets, the model, fixed and buddy with their predicted
// (and measured) figures, the recommendation.
nlohmann::ordered_json to_json(const Plan& plan);
// A readable table of the plan (predicted, and measured after verify_plan), ending with the
// recommendation.
std::string format_plan_table(const Plan& plan);

}  // namespace arena::workloads
