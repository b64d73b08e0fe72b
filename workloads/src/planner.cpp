// planner (planner.hpp): turns a profile and targets into the smallest fixed and buddy geometries
// that meet them, using plan_simulation's model. Fixed: the slot size is the smallest write length
// whose spill count stays within the target (the lengths are the replayed size streams), the slot
// count the model's high-water mark of slots in use (or a binary search when failures are allowed).
// Buddy: for each candidate minimum block, the total starts at the power of two above an unlimited
// arena's high-water mark and doubles until the real arena meets the failure target. The one thing
// not to get wrong: every figure in the plan is computed for the same model setup that is printed
// with it, so a reader can reproduce it.
#include "arena/workloads/planner.hpp"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <thread>
#include <vector>

#include <sched.h>

#include "arena/workloads/input_error.hpp"
#include "arena/workloads/size_distribution.hpp"
#include "plan_simulation.hpp"

namespace arena::workloads {

using detail::SimulationResult;
using detail::SimulationSetup;

namespace {

constexpr double kAssumedOpsPerSecond = 1e6;      // when no rate could be measured
constexpr std::uint64_t kMaxBuddyMinBlocks = std::uint64_t{1} << 26;  // model limit (metadata ~128 MiB)
constexpr std::size_t kMaxMinBlockCandidates = 8;

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

// A plain decimal number (no sign, no exponent, no hex): what the flags accept.
std::optional<double> parse_decimal(const std::string& text) {
  if (text.empty()) return std::nullopt;
  bool digits = false, dot = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      digits = true;
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      return std::nullopt;
    }
  }
  if (!digits) return std::nullopt;
  std::istringstream in(text);
  in.imbue(std::locale::classic());
  double value = 0;
  in >> value;
  if (in.fail() || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::string bytes_cell(std::uint64_t b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(b);
  unsigned u = 0;
  while (v >= 1024.0 && u < 4) {
    v /= 1024.0;
    ++u;
  }
  std::ostringstream out;
  out.imbue(std::locale::classic());
  out.setf(std::ios::fixed);
  out.precision(u == 0 ? 0 : 1);
  out << v << " " << units[u];
  return out.str();
}

bool time_hold(const Profile& p) { return p.hold.fraction > 0 && p.hold.ops == 0 && p.hold.time_ns > 0; }

// Do the threads interact over time, so that the order they run in matters? Hand-offs (a buffer
// waits for its receiver) and time-based holds (a held buffer expires by the clock, which runs on
// while its thread waits for a CPU). Without them each thread's state depends on its own
// operations only.
bool interacts(const Profile& p) { return (p.threads > 1 && p.mix.handoff > 0) || time_hold(p); }

// Scheduling groups: 1 when every thread has a CPU or the order does not matter.
unsigned groups_of(const Profile& p, unsigned cpus) {
  const unsigned threads = std::max(p.threads, 1u);
  if (!interacts(p) || cpus == 0 || threads <= cpus) return 1;
  return (threads + cpus - 1) / cpus;
}

bool needs_rate(const Profile& p, unsigned cpus) {
  return !p.operations || (p.warmup_s > 0 && p.warmup_operations == 0) || time_hold(p) || p.sample_interval_ms > 0 ||
         groups_of(p, cpus) > 1;
}

// The model run for `profile` at `rate` operations per second per thread (wall clock: a thread
// sharing its CPU with others makes fewer of them), on `cpus` CPUs with `timeslice_ms` slices.
SimulationSetup model_setup(const Profile& p, double rate, std::uint64_t max_ops, unsigned cpus, double timeslice_ms,
                            PlanModel& model) {
  const unsigned threads = std::max(p.threads, 1u);
  const std::uint64_t cap = std::max<std::uint64_t>(max_ops / threads, 1);
  SimulationSetup s;
  // Scheduling: `groups` groups of `cpus` threads take turns, so one clock tick (one operation of
  // each running thread) lasts 1 / (rate x groups) seconds.
  const unsigned groups = groups_of(p, cpus);
  const double ticks_per_s = rate * static_cast<double>(groups);
  if (groups > 1) {
    s.cpus = cpus;
    s.slice_ops = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::llround(timeslice_ms * 1e-3 * ticks_per_s)));
    // A receiver that waits behind other work for several slices (more runnable threads than
    // CPUs) lets its inbox fill to the bound: the slice is at least long enough for the running
    // group to fill a waiting receiver's inbox.
    if (p.threads > 1 && p.mix.handoff > 0) {
      const double per_op = p.mix.handoff / static_cast<double>(threads - 1) * static_cast<double>(std::min(cpus, threads));
      const double fill = std::ceil(static_cast<double>(detail::handoff_inbox_bound(p)) / per_op);
      s.slice_ops = std::max(s.slice_ops, static_cast<std::uint64_t>(fill));
    }
  }
  s.hold_ops = p.hold.ops;
  if (time_hold(p)) {
    s.hold_on_clock = true;
    s.hold_ops = std::max<std::uint64_t>(
        1, static_cast<std::uint64_t>(std::ceil(static_cast<double>(p.hold.time_ns) * ticks_per_s / 1e9)));
  }
  double real_ops = 0;
  if (p.operations) {
    real_ops = static_cast<double>(*p.operations);
  } else {
    real_ops = rate * p.duration_s.value_or(1.0);
  }
  s.ops_per_thread = std::clamp<std::uint64_t>(static_cast<std::uint64_t>(real_ops), 1, cap);
  // The warm-up only has to bring the model to the steady state the real warm-up reaches.
  std::uint64_t horizon = std::max<std::uint64_t>(s.hold_ops, p.hold.max_live);
  if (p.sizes.kind() == SizeDistribution::Kind::trace) horizon = std::max<std::uint64_t>(horizon, cap / 4);
  const std::uint64_t warm_cap = std::max<std::uint64_t>(2 * horizon + 1024, cap / 4);
  if (p.warmup_operations > 0) {
    s.warmup_ops_per_thread = p.warmup_operations;
  } else if (p.warmup_s > 0) {
    s.warmup_ops_per_thread = std::min(static_cast<std::uint64_t>(rate * p.warmup_s), warm_cap);
  }
  // The sampler: one snapshot at the start, one per interval, one at the end.
  const double seconds = p.operations ? real_ops / std::max(rate, 1.0) : p.duration_s.value_or(1.0);
  std::uint64_t samples = 2;
  if (p.sample_interval_ms > 0) {
    samples += static_cast<std::uint64_t>(seconds * 1000.0 / static_cast<double>(p.sample_interval_ms));
  }
  s.samples = static_cast<unsigned>(std::min<std::uint64_t>({samples, s.ops_per_thread + 1, 100000}));
  model.threads = threads;
  model.cpus = cpus;
  model.interleaving = groups > 1 ? "time-sliced" : "round-robin";
  model.timeslice_ms = timeslice_ms;
  model.slice_ops = s.slice_ops;
  model.warmup_ops_per_thread = s.warmup_ops_per_thread;
  model.ops_per_thread = s.ops_per_thread;
  model.hold_ops = s.hold_ops;
  model.samples = s.samples;
  return s;
}

PlanFigures figures(const SimulationResult& r) {
  PlanFigures f;
  f.operations = r.operations;
  f.spills = r.spills;
  f.failures = r.failures;
  const double ops = static_cast<double>(std::max<std::uint64_t>(r.operations, 1));
  f.spill_rate = static_cast<double>(r.spills) / ops;
  f.failure_rate = static_cast<double>(r.failures) / ops;
  f.peak_bytes_live = r.peak_bytes_live;
  f.internal_fragmentation_bytes = r.internal_fragmentation_bytes;
  f.bytes_reserved = r.bytes_reserved;
  f.max_bytes_live = r.max_bytes_live;
  return f;
}

bool meets(const SimulationResult& r, const PlanTargets& t) {
  const double ops = static_cast<double>(std::max<std::uint64_t>(r.operations, 1));
  return static_cast<double>(r.failures) / ops <= t.max_failure_rate &&
         static_cast<double>(r.spills) / ops <= t.max_spill_rate;
}

// The write lengths (and request sizes) of the measured operations, replayed from the samplers.
struct LengthScan {
  std::map<std::size_t, std::uint64_t> lengths;  // length -> count, measured phase
  std::size_t max_request = 1;
  std::size_t min_request = std::numeric_limits<std::size_t>::max();
  std::uint64_t operations = 0;
};

LengthScan scan_lengths(const Profile& p, const SimulationSetup& s) {
  LengthScan scan;
  const double w = p.mix.write;
  auto length_of = [w](std::size_t n) -> std::size_t {
    if (w >= 1.0) return n;
    if (!(w > 0.0)) return 0;
    return std::min(n, static_cast<std::size_t>(std::llround(static_cast<double>(n) * w)));
  };
  const bool constant = p.sizes.kind() == SizeDistribution::Kind::constant;
  for (unsigned t = 0; t < std::max(p.threads, 1u); ++t) {
    SizeSampler sampler = p.sizes.sampler(p.seed, t, p.threads);
    for (std::uint64_t k = 0; k < s.warmup_ops_per_thread + s.ops_per_thread; ++k) {
      const std::size_t n = constant ? p.sizes.min_size() : sampler.next().size;
      if (k < s.warmup_ops_per_thread) continue;
      ++scan.lengths[length_of(n)];
      scan.max_request = std::max(scan.max_request, n);
      scan.min_request = std::min(scan.min_request, n);
      ++scan.operations;
    }
  }
  if (scan.min_request == std::numeric_limits<std::size_t>::max()) scan.min_request = 1;
  return scan;
}

std::string rate_text(double rate) {
  std::ostringstream out;
  out.imbue(std::locale::classic());
  out.setf(std::ios::fixed);
  if (rate * 100.0 >= 1.0 || rate == 0.0) {
    out.precision(rate == 0.0 ? 0 : 2);
  } else {
    out.precision(4);
  }
  out << rate * 100.0 << "%";
  return out.str();
}

// `units` scaled up by the headroom fraction, rounded up.
std::uint64_t with_headroom(std::uint64_t units, double headroom) {
  return static_cast<std::uint64_t>(std::ceil(static_cast<double>(units) * (1.0 + headroom)));
}

void plan_fixed(FixedPlan& plan, const Profile& profile, const PlanTargets& targets, const SimulationSetup& setup,
                double headroom) {
  const LengthScan scan = scan_lengths(profile, setup);
  const std::uint64_t allowed_spills =
      static_cast<std::uint64_t>(std::floor(targets.max_spill_rate * static_cast<double>(scan.operations)));
  // Smallest slot: spills(s) = operations writing more than s bytes.
  std::uint64_t above = 0;  // lengths larger than the candidate
  std::size_t slot = std::max<std::size_t>(scan.lengths.empty() ? 1 : scan.lengths.rbegin()->first, 1);
  for (auto it = scan.lengths.rbegin(); it != scan.lengths.rend(); ++it) {
    // Candidate: the next smaller distinct length; everything at it->first and above spills.
    above += it->second;
    auto next = std::next(it);
    const std::size_t candidate = next == scan.lengths.rend() ? 0 : next->first;
    if (candidate == 0 || above > allowed_spills) break;
    slot = candidate;
  }
  const std::size_t dist_max = profile.sizes.max_size();
  plan.auto_spill = slot < dist_max;
  if (!plan.auto_spill) slot = dist_max;
  plan.slot_size = slot;

  const SimulationResult unlimited = detail::simulate_fixed(profile, setup, slot, detail::kUnlimitedSlots, plan.auto_spill);
  std::size_t count = static_cast<std::size_t>(std::max<std::uint64_t>(unlimited.max_units_live, 1));
  SimulationResult best = detail::simulate_fixed(profile, setup, slot, count, plan.auto_spill);
  if (targets.max_failure_rate > 0 && count > 1) {
    // Failures fall as slots are added: the smallest count within the target (binary search).
    std::size_t lo = 1, hi = count;  // hi meets the target
    while (lo < hi) {
      const std::size_t mid = lo + (hi - lo) / 2;
      SimulationResult r = detail::simulate_fixed(profile, setup, slot, mid, plan.auto_spill);
      if (meets(r, targets)) {
        hi = mid;
        best = std::move(r);
      } else {
        lo = mid + 1;
      }
    }
    count = hi;  // `best` is the run of `hi`: the last count that met the target
  }
  if (headroom > 0) {
    count = static_cast<std::size_t>(with_headroom(count, headroom));
    best = detail::simulate_fixed(profile, setup, slot, count, plan.auto_spill);
  }
  plan.slot_count = count;
  plan.predicted = figures(best);
  plan.model.max_handoffs_in_flight = best.max_handoffs_in_flight;
  if (!meets(best, targets)) {
    plan.reason = "the model found no slot count meeting the targets (spill rate " +
                  rate_text(plan.predicted.spill_rate) + ", failure rate " + rate_text(plan.predicted.failure_rate) + ")";
    return;
  }
  if (targets.memory_budget_bytes && best.bytes_reserved > *targets.memory_budget_bytes) {
    plan.reason = "needs " + format_byte_size(static_cast<std::size_t>(best.bytes_reserved)) + " (" +
                  std::to_string(count) + " x " + std::to_string(slot) + " B), above the memory budget of " +
                  std::to_string(*targets.memory_budget_bytes) + " B";
    return;
  }
  plan.feasible = true;
}

void plan_buddy(BuddyPlan& plan, const Profile& profile, const PlanTargets& targets, const SimulationSetup& setup,
                double headroom) {
  const LengthScan scan = scan_lengths(profile, setup);
  const std::uint64_t largest = targets.max_failure_rate > 0 ? scan.max_request : std::max(scan.max_request, profile.sizes.max_size());
  const std::uint64_t floor_total = std::bit_ceil(largest);
  std::uint64_t first_min = std::max<std::uint64_t>(16, std::bit_ceil(std::uint64_t{scan.min_request}));
  first_min = std::min(first_min, floor_total);

  std::optional<SimulationResult> best;
  std::size_t best_total = 0, best_min = 0;
  std::string why_not;
  std::size_t tried = 0;
  for (std::uint64_t min_block = first_min; min_block <= floor_total && tried < kMaxMinBlockCandidates;
       min_block *= 2, ++tried) {
    const SimulationResult bound = detail::simulate_rounded(profile, setup, static_cast<std::size_t>(min_block));
    // Headroom: the total covers the high-water mark plus the headroom (so a doubling at most).
    auto needed = [headroom](std::uint64_t live) { return std::bit_ceil(std::max<std::uint64_t>(with_headroom(live, headroom), 1)); };
    std::uint64_t total = std::max({floor_total, min_block, needed(bound.max_bytes_live)});
    std::optional<SimulationResult> found;
    std::uint64_t found_total = 0;
    while (total / min_block <= kMaxBuddyMinBlocks) {
      SimulationResult r = detail::simulate_buddy(profile, setup, static_cast<std::size_t>(total), static_cast<std::size_t>(min_block));
      if (meets(r, targets) && (headroom <= 0 || total >= needed(r.max_bytes_live))) {
        found = std::move(r);
        found_total = total;
        break;
      }
      if (targets.memory_budget_bytes && total > *targets.memory_budget_bytes) break;
      total *= 2;
    }
    if (!found) {
      why_not = "no total up to " + format_byte_size(static_cast<std::size_t>(std::min(total, min_block * kMaxBuddyMinBlocks))) +
                " meets the failure target";
      continue;
    }
    // With failures allowed, a smaller total may do too.
    while (targets.max_failure_rate > 0 && found_total / 2 >= std::max<std::uint64_t>(min_block, std::bit_ceil(std::uint64_t{scan.max_request}))) {
      SimulationResult r = detail::simulate_buddy(profile, setup, static_cast<std::size_t>(found_total / 2), static_cast<std::size_t>(min_block));
      if (!meets(r, targets) || (headroom > 0 && found_total / 2 < needed(r.max_bytes_live))) break;
      found = std::move(r);
      found_total /= 2;
    }
    const std::uint64_t cost = found->bytes_reserved + found->metadata_bytes;
    if (!best || cost < best->bytes_reserved + best->metadata_bytes) {
      best = std::move(found);
      best_total = static_cast<std::size_t>(found_total);
      best_min = static_cast<std::size_t>(min_block);
    }
  }
  if (!best) {
    plan.reason = why_not.empty() ? "no minimum block candidate" : why_not;
    return;
  }
  plan.total = best_total;
  plan.min_block = best_min;
  plan.metadata_bytes = best->metadata_bytes;
  plan.predicted = figures(*best);
  plan.model.max_handoffs_in_flight = best->max_handoffs_in_flight;
  if (targets.memory_budget_bytes && best->bytes_reserved > *targets.memory_budget_bytes) {
    plan.reason = "needs " + format_byte_size(best_total) + ", above the memory budget of " +
                  std::to_string(*targets.memory_budget_bytes) + " B";
    return;
  }
  plan.feasible = true;
}

std::string fixed_text(const FixedPlan& f) {
  return std::to_string(f.slot_count) + " slots of " + bytes_cell(f.slot_size) + " (" +
         bytes_cell(f.predicted.bytes_reserved) + " reserved" +
         (f.auto_spill ? ", auto-spill on" : "") + ")";
}

std::string buddy_text(const BuddyPlan& b) {
  return "a " + bytes_cell(b.total) + " buddy arena with " + bytes_cell(b.min_block) + " minimum blocks";
}

void recommend(Plan& plan, const Profile& profile) {
  const FixedPlan& f = plan.fixed;
  const BuddyPlan& b = plan.buddy;
  std::string text;
  if (!f.feasible && !b.feasible) {
    plan.recommended = "none";
    text = "Neither arena meets the targets: fixed " + f.reason + "; buddy " + b.reason +
           ". Relax the spill or failure target, raise the memory budget, or change the profile.";
  } else {
    const bool pick_fixed =
        f.feasible && (!b.feasible || static_cast<double>(f.predicted.bytes_reserved) <=
                                          1.25 * static_cast<double>(b.predicted.bytes_reserved + b.metadata_bytes));
    plan.recommended = pick_fixed ? "fixed" : "buddy";
    if (pick_fixed) {
      text = "Use the fixed arena: " + fixed_text(f) + ", predicted spill rate " + rate_text(f.predicted.spill_rate) +
             " and failure rate " + rate_text(f.predicted.failure_rate) + ". ";
      if (b.feasible) {
        text += "It reserves " + bytes_cell(f.predicted.bytes_reserved) + " against " +
                bytes_cell(b.total) + " for " + buddy_text(b) +
                ", and its allocation is a lock-free slot claim with no fragmentation to drift over time. ";
      } else {
        text += "No buddy geometry meets the targets (" + b.reason + "). ";
      }
      if (f.predicted.spills > 0) text += "Spilled buffers are heap allocations: they cost a malloc and a copy each. ";
    } else {
      text = "Use " + buddy_text(b) + ": predicted failure rate " + rate_text(b.predicted.failure_rate) +
             ", peak live " + bytes_cell(b.predicted.peak_bytes_live) + " with " +
             bytes_cell(b.predicted.internal_fragmentation_bytes) +
             " lost to rounding. ";
      if (f.feasible) {
        text += "A fixed arena would need " + fixed_text(f) + ": the request sizes vary too much for one slot size. ";
      } else {
        text += "No fixed geometry meets the targets (" + f.reason + "). ";
      }
      text += "Buddy blocks never spill, but allocation takes a short lock. ";
    }
  }
  const PlanModel& m = plan.recommended == "buddy" ? plan.buddy.model : plan.fixed.model;
  if (profile.threads > 1 && m.interleaving == "time-sliced") {
    text += "The model runs the " + std::to_string(profile.threads) + " threads on " + std::to_string(m.cpus) +
            " CPU" + (m.cpus == 1 ? "" : "s") + " in time slices of " + std::to_string(m.slice_ops) +
            " operations, so a receiver that waits for a CPU lets its hand-offs pile up (at most " +
            std::to_string(m.max_handoffs_in_flight) +
            " in the model); the geometry adds " + std::to_string(std::lround(m.headroom * 100)) +
            "% headroom to the model's high-water mark for what the real scheduler adds: check with --verify, "
            "and plan with --cpus for another machine.";
  } else if (profile.threads > 1) {
    text += "The model interleaves the " + std::to_string(profile.threads) +
            " threads round-robin (" + std::to_string(m.cpus) + " CPU" + (m.cpus == 1 ? "" : "s") +
            " for them); real threads drift apart, so leave some headroom (10-20% more slots or one "
            "doubling of a tight buddy total) and check with --verify.";
    if (profile.mix.handoff > 0) {
      text += " Hand-offs make this plan optimistic when the machine is busier than planned: a receiver "
              "descheduled for a few milliseconds lets its inbox fill, and the arena must hold what piles up; "
              "plan with a smaller --cpus to model that.";
    }
  }
  if (plan.targets.max_latency_p99_ns) text += " The latency bound is not predicted: --verify measures it.";
  while (!text.empty() && text.back() == ' ') text.pop_back();
  plan.recommendation = text;
}

AllocatorSpec fallback_spec(const Profile& profile, AllocatorKind kind) {
  for (const AllocatorSpec& spec : profile.allocators) {
    if (spec.kind == kind) return spec;
  }
  AllocatorSpec spec;
  spec.kind = kind;
  const std::uint64_t per_thread = std::min<std::uint64_t>(profile.hold.max_live, 65536) + 1024;
  const std::uint64_t count = std::min<std::uint64_t>(per_thread * std::max(profile.threads, 1u), 1u << 20);
  if (kind == AllocatorKind::fixed) {
    spec.slot_size = std::min<std::size_t>(profile.sizes.max_size(), 64 << 10);
    spec.slot_count = static_cast<std::size_t>(count);
    spec.auto_spill = true;
  } else {
    const std::uint64_t mean = std::bit_ceil(static_cast<std::uint64_t>(std::max(profile.sizes.mean(), 1.0)));
    spec.total = static_cast<std::size_t>(std::clamp<std::uint64_t>(std::bit_ceil(count * mean * 2),
                                                                     std::bit_ceil(std::uint64_t{profile.sizes.max_size()}),
                                                                     std::uint64_t{1} << 30));
    spec.min_block = std::min<std::size_t>(64, spec.total);
  }
  spec.name = spec.geometry();
  return spec;
}

// The rate for one kind: given, or calibrated (once), or assumed.
double rate_for(const Profile& profile, AllocatorKind kind, const std::optional<double>& given, unsigned cpus,
                PlanModel& model) {
  if (!needs_rate(profile, cpus)) {
    model.rate_source = "profile";
    return kAssumedOpsPerSecond;
  }
  if (given && *given > 0) {
    model.ops_per_s_per_thread = *given;
    model.rate_source = "given";
    return *given;
  }
  const double rate = calibrate_ops_rate(profile, fallback_spec(profile, kind));
  if (rate > 0) {
    model.ops_per_s_per_thread = rate;
    model.rate_source = "calibrated";
    return rate;
  }
  model.ops_per_s_per_thread = kAssumedOpsPerSecond;
  model.rate_source = "assumed";
  return kAssumedOpsPerSecond;
}

PlanFigures measured_figures(const RunRecord& r, std::uint64_t reserved) {
  PlanFigures f;
  f.operations = r.operations;
  f.spills = r.spills;
  f.failures = r.failures;
  const double ops = static_cast<double>(std::max<std::uint64_t>(r.operations, 1));
  f.spill_rate = static_cast<double>(r.spills) / ops;
  f.failure_rate = static_cast<double>(r.failures) / ops;
  f.peak_bytes_live = r.peak_bytes_live;
  f.internal_fragmentation_bytes = r.internal_fragmentation_bytes.value_or(0);
  f.bytes_reserved = reserved;
  if (auto it = r.latency.find("allocate"); it != r.latency.end() && it->second.count > 0) {
    f.allocate_p99_ns = it->second.p99_ns;
  }
  return f;
}

template <class Json>
Json figures_json(const PlanFigures& f) {
  Json j;
  j["operations"] = f.operations;
  j["spills"] = f.spills;
  j["failures"] = f.failures;
  j["spill_rate"] = f.spill_rate;
  j["failure_rate"] = f.failure_rate;
  j["peak_bytes_live"] = f.peak_bytes_live;
  j["internal_fragmentation_bytes"] = f.internal_fragmentation_bytes;
  j["bytes_reserved"] = f.bytes_reserved;
  if (f.max_bytes_live) j["max_bytes_live"] = *f.max_bytes_live;
  if (f.allocate_p99_ns) j["allocate_p99_ns"] = *f.allocate_p99_ns;
  return j;
}

nlohmann::ordered_json model_json(const PlanModel& m) {
  nlohmann::ordered_json j;
  j["threads"] = m.threads;
  j["interleaving"] = m.interleaving;
  j["cpus"] = m.cpus;
  j["cpus_source"] = m.cpus_source;
  j["load_average"] = m.load_average ? nlohmann::ordered_json(*m.load_average) : nlohmann::ordered_json();
  j["timeslice_ms"] = m.timeslice_ms;
  j["slice_ops"] = m.slice_ops;
  j["max_handoffs_in_flight"] = m.max_handoffs_in_flight;
  j["headroom"] = m.headroom;
  j["warmup_ops_per_thread"] = m.warmup_ops_per_thread;
  j["ops_per_thread"] = m.ops_per_thread;
  j["hold_ops"] = m.hold_ops;
  j["samples"] = m.samples;
  j["ops_per_s_per_thread"] = m.ops_per_s_per_thread ? nlohmann::ordered_json(*m.ops_per_s_per_thread) : nlohmann::ordered_json();
  j["rate_source"] = m.rate_source;
  return j;
}

template <class P>
void add_verification(nlohmann::ordered_json& j, const P& p, const PlanTargets& t) {
  if (p.measured) {
    j["measured"] = figures_json<nlohmann::ordered_json>(*p.measured);
    j["measured_meets_targets"] = p.measured->spill_rate <= t.max_spill_rate &&
                                  p.measured->failure_rate <= t.max_failure_rate &&
                                  (!t.max_latency_p99_ns || (p.measured->allocate_p99_ns &&
                                                             *p.measured->allocate_p99_ns <= *t.max_latency_p99_ns));
  } else if (!p.measured_error.empty()) {
    j["measured_error"] = p.measured_error;
  }
}

// One kind's part of the plan: feasibility, the kind's own geometry fields (added by
// `geometry_fields`, in their documented place), then what both kinds share.
template <class P, class GeometryFields>
nlohmann::ordered_json kind_json(const P& p, const PlanTargets& targets, GeometryFields&& geometry_fields) {
  nlohmann::ordered_json j;
  j["feasible"] = p.feasible;
  if (!p.reason.empty()) j["reason"] = p.reason;
  geometry_fields(j);
  j["geometry"] = p.spec().geometry();
  if (p.feasible) j["compare_flag"] = p.compare_flag();
  j["model"] = model_json(p.model);
  j["predicted"] = figures_json<nlohmann::ordered_json>(p.predicted);
  add_verification(j, p, targets);
  return j;
}

}  // namespace

double parse_rate(const std::string& text, const std::string& source, const std::string& field) {
  const std::string t = trim(text);
  const bool percent = !t.empty() && t.back() == '%';
  const std::optional<double> value = parse_decimal(percent ? trim(t.substr(0, t.size() - 1)) : t);
  const std::string expected = "a rate such as 0.1% or 0.001 (a fraction in [0, 1])";
  if (!value) throw InputError(source, field, expected, "\"" + text + "\"");
  const double rate = percent ? *value / 100.0 : *value;
  if (rate < 0.0 || rate > 1.0) throw InputError(source, field, expected, "\"" + text + "\"");
  return rate;
}

std::uint64_t parse_duration_ns(const std::string& text, const std::string& source, const std::string& field) {
  const std::string t = trim(text);
  static const std::pair<const char*, double> kUnits[] = {{"ns", 1.0}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}};
  double scale = 1.0;
  std::string number = t;
  for (const auto& [unit, factor] : kUnits) {
    const std::string u = unit;
    if (t.size() > u.size() && t.compare(t.size() - u.size(), u.size(), u) == 0) {
      // "s" also ends "ns", "us", "ms": those were tried first.
      scale = factor;
      number = trim(t.substr(0, t.size() - u.size()));
      break;
    }
  }
  const std::optional<double> value = parse_decimal(number);
  const std::string expected = "a positive duration such as 200us, 1.5ms, 2s or 800ns";
  if (!value || *value <= 0.0 || *value * scale > 1e18) throw InputError(source, field, expected, "\"" + text + "\"");
  const double ns = std::round(*value * scale);
  if (ns < 1.0) throw InputError(source, field, expected, "\"" + text + "\"");
  return static_cast<std::uint64_t>(ns);
}

std::string FixedPlan::compare_flag() const {
  return "--fixed " + spec().geometry() + (auto_spill ? ",spill" : "");
}

std::string BuddyPlan::compare_flag() const {
  std::string g = spec().geometry();  // "TOTAL/MIN exact": compare's default is exact
  if (const auto space = g.find(' '); space != std::string::npos) g.resize(space);
  return "--buddy " + g;
}

unsigned usable_cpus(std::string* source, std::optional<double>* load) {
  unsigned cpus = 0;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) cpus = static_cast<unsigned>(CPU_COUNT(&set));
  if (cpus == 0) cpus = std::thread::hardware_concurrency();
  cpus = std::max(cpus, 1u);
  std::ifstream in("/proc/loadavg");
  in.imbue(std::locale::classic());
  double avg = 0;
  if (!(in >> avg) || !std::isfinite(avg) || avg < 0) {
    if (source) *source = "affinity";
    if (load) load->reset();
    return cpus;
  }
  if (source) *source = "affinity less load";
  if (load) *load = avg;
  const double free_cpus = std::round(static_cast<double>(cpus) - avg);
  return free_cpus < 1.0 ? 1u : std::min(cpus, static_cast<unsigned>(free_cpus));
}

AllocatorSpec FixedPlan::spec() const {
  AllocatorSpec s;
  s.name = "plan-fixed";
  s.kind = AllocatorKind::fixed;
  s.slot_size = slot_size;
  s.slot_count = slot_count;
  s.auto_spill = auto_spill;
  return s;
}

AllocatorSpec BuddyPlan::spec() const {
  AllocatorSpec s;
  s.name = "plan-buddy";
  s.kind = AllocatorKind::buddy;
  s.total = total;
  s.min_block = min_block;
  return s;
}

double calibrate_ops_rate(const Profile& profile, const AllocatorSpec& spec, double seconds) {
  Profile p = profile;
  p.operations.reset();
  p.duration_s = seconds;
  p.warmup_s = 0;
  p.warmup_operations = 0;
  p.repetitions = 1;
  p.sample_interval_ms = 0;
  const RunRecord r = run_once(p, spec);
  if (r.status != RunRecord::Status::ok || r.operations == 0) return 0.0;
  return r.ops_per_s / static_cast<double>(std::max(p.threads, 1u));
}

Plan plan_geometries(const Profile& profile, const PlanTargets& targets, const PlanOptions& options) {
  if (!(targets.max_spill_rate >= 0.0 && targets.max_spill_rate <= 1.0)) {
    throw InputError("plan", "max_spill_rate", "a fraction in [0, 1]", std::to_string(targets.max_spill_rate));
  }
  if (!(targets.max_failure_rate >= 0.0 && targets.max_failure_rate <= 1.0)) {
    throw InputError("plan", "max_failure_rate", "a fraction in [0, 1]", std::to_string(targets.max_failure_rate));
  }
  if (targets.memory_budget_bytes && *targets.memory_budget_bytes == 0) {
    throw InputError("plan", "memory_budget_bytes", "a positive number of bytes", "0");
  }
  const auto start = std::chrono::steady_clock::now();
  Plan plan;
  plan.profile_name = profile.name;
  plan.profile = to_json(profile);
  plan.targets = targets;
  const std::uint64_t max_ops = std::max<std::uint64_t>(options.max_modelled_operations, 1);

  if (options.cpus && *options.cpus == 0) throw InputError("plan", "cpus", "a positive number of CPUs", "0");
  if (options.headroom && !(*options.headroom >= 0.0 && *options.headroom <= 10.0)) {
    throw InputError("plan", "headroom", "a fraction in [0, 10]", std::to_string(*options.headroom));
  }
  if (!(options.timeslice_ms > 0.0 && options.timeslice_ms <= 1000.0)) {
    throw InputError("plan", "timeslice_ms", "a time slice in (0, 1000] ms", std::to_string(options.timeslice_ms));
  }
  std::string cpus_source = "given";
  std::optional<double> load;
  const unsigned cpus = options.cpus ? *options.cpus : usable_cpus(&cpus_source, &load);
  for (PlanModel* m : {&plan.fixed.model, &plan.buddy.model}) {
    m->cpus_source = cpus_source;
    m->load_average = load;
  }

  const double fixed_rate =
      rate_for(profile, AllocatorKind::fixed, options.fixed_ops_per_s_per_thread, cpus, plan.fixed.model);
  const SimulationSetup fixed_setup =
      model_setup(profile, fixed_rate, max_ops, cpus, options.timeslice_ms, plan.fixed.model);
  const auto headroom_for = [&options](const PlanModel& m) {
    return options.headroom ? *options.headroom : (m.interleaving == "time-sliced" ? kDefaultSlicedHeadroom : 0.0);
  };
  plan.fixed.model.headroom = headroom_for(plan.fixed.model);
  plan_fixed(plan.fixed, profile, targets, fixed_setup, plan.fixed.model.headroom);

  const double buddy_rate =
      rate_for(profile, AllocatorKind::buddy, options.buddy_ops_per_s_per_thread, cpus, plan.buddy.model);
  const SimulationSetup buddy_setup =
      model_setup(profile, buddy_rate, max_ops, cpus, options.timeslice_ms, plan.buddy.model);
  plan.buddy.model.headroom = headroom_for(plan.buddy.model);
  plan_buddy(plan.buddy, profile, targets, buddy_setup, plan.buddy.model.headroom);

  recommend(plan, profile);
  plan.planning_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return plan;
}

void verify_plan(Plan& plan, const Profile& profile, const std::function<void(double)>& progress) {
  const unsigned runs = (plan.fixed.feasible ? 1u : 0u) + (plan.buddy.feasible ? 1u : 0u);
  unsigned done = 0;
  auto one = [&](const AllocatorSpec& spec, std::uint64_t reserved, std::optional<PlanFigures>& measured,
                 std::string& error) {
    RunOptions options;
    if (progress) {
      const double base = static_cast<double>(done);
      options.progress = [&progress, base, runs](double f) { progress((base + f) / static_cast<double>(runs)); };
    }
    const RunRecord r = run_once(profile, spec, options);
    ++done;
    if (r.status != RunRecord::Status::ok) {
      error = r.error.empty() ? "the run did not complete" : r.error;
      return;
    }
    measured = measured_figures(r, reserved);
  };
  if (plan.fixed.feasible) {
    one(plan.fixed.spec(), plan.fixed.predicted.bytes_reserved, plan.fixed.measured, plan.fixed.measured_error);
  }
  if (plan.buddy.feasible) {
    one(plan.buddy.spec(), plan.buddy.predicted.bytes_reserved, plan.buddy.measured, plan.buddy.measured_error);
  }
  plan.verified = true;
  if (progress) progress(1.0);
}

nlohmann::ordered_json to_json(const Plan& plan) {
  nlohmann::ordered_json j;
  j["plan_version"] = 1;
  j["profile_name"] = plan.profile_name;
  nlohmann::ordered_json t;
  t["max_spill_rate"] = plan.targets.max_spill_rate;
  t["max_failure_rate"] = plan.targets.max_failure_rate;
  t["memory_budget_bytes"] = plan.targets.memory_budget_bytes ? nlohmann::ordered_json(*plan.targets.memory_budget_bytes)
                                                              : nlohmann::ordered_json();
  t["max_latency_p99_ns"] = plan.targets.max_latency_p99_ns ? nlohmann::ordered_json(*plan.targets.max_latency_p99_ns)
                                                            : nlohmann::ordered_json();
  j["targets"] = t;

  j["fixed"] = kind_json(plan.fixed, plan.targets, [&](nlohmann::ordered_json& f) {
    f["slot_size"] = plan.fixed.slot_size;
    f["slot_count"] = plan.fixed.slot_count;
    f["auto_spill"] = plan.fixed.auto_spill;
  });
  j["buddy"] = kind_json(plan.buddy, plan.targets, [&](nlohmann::ordered_json& b) {
    b["total"] = plan.buddy.total;
    b["min_block"] = plan.buddy.min_block;
    b["metadata_bytes"] = plan.buddy.metadata_bytes;
  });

  nlohmann::ordered_json r;
  r["kind"] = plan.recommended;
  r["text"] = plan.recommendation;
  j["recommendation"] = r;
  j["verified"] = plan.verified;
  j["planning_seconds"] = plan.planning_seconds;
  j["profile"] = plan.profile;
  return j;
}

namespace {

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}


void table_rows(std::ostringstream& out, const std::string& label, const PlanFigures& p,
                const std::optional<PlanFigures>& m, const std::string& error) {
  auto row = [&](const std::string& what, const PlanFigures& f) {
    out << "  " << pad(what, 10) << pad(rate_text(f.spill_rate), 12) << pad(rate_text(f.failure_rate), 12)
        << pad(bytes_cell(f.peak_bytes_live), 12) << pad(bytes_cell(f.internal_fragmentation_bytes), 12)
        << pad(bytes_cell(f.bytes_reserved), 12) << (f.allocate_p99_ns ? std::to_string(*f.allocate_p99_ns) + " ns" : "")
        << "\n";
  };
  out << label << "\n";
  row("predicted", p);
  if (m) row("measured", *m);
  if (!error.empty()) out << "  measured: " << error << "\n";
}

}  // namespace

std::string format_plan_table(const Plan& plan) {
  std::ostringstream out;
  out << "plan for " << plan.profile_name << ": spill <= " << rate_text(plan.targets.max_spill_rate)
      << ", failures <= " << rate_text(plan.targets.max_failure_rate);
  if (plan.targets.memory_budget_bytes) out << ", budget " << bytes_cell(*plan.targets.memory_budget_bytes);
  if (plan.targets.max_latency_p99_ns) out << ", allocate p99 <= " << *plan.targets.max_latency_p99_ns << " ns";
  out << "\n  " << pad("", 10) << pad("spill", 12) << pad("failure", 12) << pad("peak live", 12) << pad("int. frag", 12)
      << pad("reserved", 12) << (plan.verified ? "alloc p99" : "") << "\n";
  const FixedPlan& f = plan.fixed;
  table_rows(out,
             "fixed " + (f.feasible ? f.spec().geometry() + (f.auto_spill ? " auto-spill" : "") : "- " + f.reason),
             f.predicted, f.measured, f.measured_error);
  const BuddyPlan& b = plan.buddy;
  table_rows(out, "buddy " + (b.feasible ? b.spec().geometry() : "- " + b.reason), b.predicted, b.measured,
             b.measured_error);
  out << "recommendation (" << plan.recommended << "): " << plan.recommendation << "\n";
  return out.str();
}

}  // namespace arena::workloads
