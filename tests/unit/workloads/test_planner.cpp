// Tests of arena/workloads/planner.hpp (workloads/src/planner.cpp) and the model behind it
// (workloads/src/plan_simulation.cpp): the model is deterministic for a seed and follows the seed;
// the search returns the smallest geometry meeting the targets (one byte less of slot spills more,
// one slot less fails, half the buddy total fails); the budget and the rate parsers reject what
// they should; and the accuracy target: on two presets without hand-offs (kv-values, contention-hold) cut down to a fraction of a
// second,
// predicted spill rate and peak live bytes are within 10% (or 0.1 percentage points) of a real run;
// and the scheduling model: more threads than CPUs run in time slices, so hand-offs pile up in a
// waiting receiver's inbox up to its bound, which a plan for fewer CPUs must hold.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <string>

#include "arena/workloads/driver.hpp"
#include "arena/workloads/input_error.hpp"
#include "arena/workloads/planner.hpp"
#include "arena/workloads/presets.hpp"
#include "arena/workloads/profile.hpp"
#include "arena/workloads/size_distribution.hpp"
#include "plan_simulation.hpp"

using arena::workloads::find_preset;
using arena::workloads::InputError;
using arena::workloads::Plan;
using arena::workloads::PlanFigures;
using arena::workloads::PlanOptions;
using arena::workloads::PlanTargets;
using arena::workloads::Profile;
using arena::workloads::SizeDistribution;
using arena::workloads::detail::SimulationResult;
using arena::workloads::detail::SimulationSetup;
using arena::workloads::detail::simulate_buddy;
using arena::workloads::detail::simulate_fixed;

namespace {

// Two threads, request sizes that vary, a quarter held for 200 operations, some hand-offs: every
// path of the model, operation counts only (no rate needed).
Profile varied_profile(std::uint64_t seed = 7) {
  Profile p;
  p.name = "planner-test";
  p.seed = seed;
  p.threads = 2;
  p.operations = 20000;
  p.warmup_operations = 2000;
  p.sample_interval_ms = 0;
  p.sizes = SizeDistribution::lognormal(6.0, 0.9, 32, 8192);
  p.hold.fraction = 0.25;
  p.hold.ops = 200;
  p.hold.max_live = 1024;
  p.mix.slice = 0.3;
  p.mix.handoff = 0.2;
  return p;
}

SimulationSetup setup_of(const Profile& p) {
  SimulationSetup s;
  s.warmup_ops_per_thread = p.warmup_operations;
  s.ops_per_thread = *p.operations;
  s.hold_ops = p.hold.ops;
  s.samples = 2;
  return s;
}

// The model's options with every thread on its own CPU (round-robin), whatever the machine's load.
PlanOptions on_cpus(unsigned cpus) {
  PlanOptions o;
  o.cpus = cpus;
  return o;
}

bool same(const SimulationResult& a, const SimulationResult& b) {
  return a.operations == b.operations && a.allocations == b.allocations && a.spills == b.spills &&
         a.failures == b.failures && a.peak_bytes_live == b.peak_bytes_live && a.max_bytes_live == b.max_bytes_live &&
         a.internal_fragmentation_bytes == b.internal_fragmentation_bytes;
}

// Within 10% (relative) or 0.1 percentage points (rates).
void check_rate(double predicted, double measured, const char* what) {
  INFO(what << ": predicted " << predicted << ", measured " << measured);
  CHECK((std::abs(predicted - measured) <= 0.001 || std::abs(predicted - measured) <= 0.1 * measured));
}
void check_bytes(std::uint64_t predicted, std::uint64_t measured, const char* what) {
  INFO(what << ": predicted " << predicted << ", measured " << measured);
  const double p = static_cast<double>(predicted), m = static_cast<double>(measured);
  CHECK(std::abs(p - m) <= 0.1 * std::max(m, 1.0));
}

// A preset cut down to a fraction of a second: counted operations and warm-up, no sampler ticks.
Profile reduced_preset(const char* name, std::uint64_t ops, std::uint64_t warmup) {
  Profile p = find_preset(name).profile;
  p.duration_s.reset();
  p.operations = ops;
  p.warmup_s = 0;
  p.warmup_operations = warmup;
  p.sample_interval_ms = 0;
  p.repetitions = 1;
  return p;
}

void check_accuracy(const Profile& profile, const PlanTargets& targets) {
  PlanOptions options;
  options.max_modelled_operations = 1 << 20;
  Plan plan = arena::workloads::plan_geometries(profile, targets, options);
  REQUIRE(plan.fixed.feasible);
  REQUIRE(plan.buddy.feasible);
  arena::workloads::verify_plan(plan, profile);
  REQUIRE(plan.fixed.measured.has_value());
  REQUIRE(plan.buddy.measured.has_value());
  const PlanFigures& pf = plan.fixed.predicted;
  const PlanFigures& mf = *plan.fixed.measured;
  const PlanFigures& pb = plan.buddy.predicted;
  const PlanFigures& mb = *plan.buddy.measured;
  CHECK(pf.operations == mf.operations);
  check_rate(pf.spill_rate, mf.spill_rate, "fixed spill rate");
  check_rate(pf.failure_rate, mf.failure_rate, "fixed failure rate");
  check_bytes(pf.peak_bytes_live, mf.peak_bytes_live, "fixed peak live");
  check_rate(pb.spill_rate, mb.spill_rate, "buddy spill rate");
  check_rate(pb.failure_rate, mb.failure_rate, "buddy failure rate");
  check_bytes(pb.peak_bytes_live, mb.peak_bytes_live, "buddy peak live");
}

}  // namespace

TEST_SUITE("arena::workloads::planner") {
  TEST_CASE("the model is deterministic for a seed and follows the seed") {
    const Profile p = varied_profile();
    const SimulationSetup s = setup_of(p);
    const SimulationResult f1 = simulate_fixed(p, s, 512, 300, true);
    const SimulationResult f2 = simulate_fixed(p, s, 512, 300, true);
    CHECK(same(f1, f2));
    CHECK(f1.operations == 2 * 20000);
    CHECK(f1.spills > 0);
    CHECK(f1.peak_bytes_live > 0);
    const SimulationResult b1 = simulate_buddy(p, s, 1 << 20, 64);
    const SimulationResult b2 = simulate_buddy(p, s, 1 << 20, 64);
    CHECK(same(b1, b2));
    CHECK(b1.spills == 0);
    CHECK(b1.internal_fragmentation_bytes > 0);
    const SimulationResult other = simulate_fixed(varied_profile(8), s, 512, 300, true);
    CHECK_FALSE(same(f1, other));
  }

  TEST_CASE("fixed accounting: a small arena fails, a small slot spills or fails") {
    const Profile p = varied_profile();
    const SimulationSetup s = setup_of(p);
    const SimulationResult roomy = simulate_fixed(p, s, 8192, arena::workloads::detail::kUnlimitedSlots, false);
    CHECK(roomy.failures == 0);
    CHECK(roomy.spills == 0);
    const SimulationResult tight = simulate_fixed(p, s, 8192, roomy.max_units_live / 2, false);
    CHECK(tight.failures > 0);
    const SimulationResult refuse = simulate_fixed(p, s, 256, arena::workloads::detail::kUnlimitedSlots, false);
    const SimulationResult spill = simulate_fixed(p, s, 256, arena::workloads::detail::kUnlimitedSlots, true);
    CHECK(refuse.failures > 0);
    CHECK(refuse.spills == 0);
    CHECK(spill.failures == 0);
    CHECK(spill.spills == refuse.failures);  // the same requests are too large for the slot
  }

  TEST_CASE("the search returns the smallest geometry meeting the targets") {
    const Profile p = varied_profile();
    PlanTargets targets;
    targets.max_spill_rate = 0.02;
    const Plan plan = arena::workloads::plan_geometries(p, targets, on_cpus(2));
    CHECK(plan.fixed.model.interleaving == "round-robin");
    REQUIRE(plan.fixed.feasible);
    REQUIRE(plan.buddy.feasible);
    const SimulationSetup s = setup_of(p);
    const std::uint64_t ops = plan.fixed.predicted.operations;
    // Fixed: the plan meets the targets; a byte less of slot spills too much, a slot less fails.
    CHECK(plan.fixed.auto_spill);
    CHECK(plan.fixed.predicted.spill_rate <= 0.02);
    CHECK(plan.fixed.predicted.failures == 0);
    const SimulationResult smaller_slot = simulate_fixed(p, s, plan.fixed.slot_size - 1, plan.fixed.slot_count, true);
    CHECK(static_cast<double>(smaller_slot.spills) / static_cast<double>(ops) > 0.02);
    const SimulationResult fewer = simulate_fixed(p, s, plan.fixed.slot_size, plan.fixed.slot_count - 1, true);
    CHECK(fewer.failures > 0);
    // Buddy: no failure; half the total fails (the largest request still fits in it).
    CHECK(plan.buddy.predicted.failures == 0);
    CHECK(plan.buddy.predicted.spills == 0);
    REQUIRE(plan.buddy.total / 2 >= 8192);
    const SimulationResult half = simulate_buddy(p, s, plan.buddy.total / 2, plan.buddy.min_block);
    CHECK(half.failures > 0);
    CHECK(plan.buddy.predicted.peak_bytes_live <= plan.buddy.total);
    CHECK_FALSE(plan.recommendation.empty());
    CHECK((plan.recommended == "fixed" || plan.recommended == "buddy"));
  }

  TEST_CASE("a failure target lets the fixed count shrink, a budget can rule a kind out") {
    const Profile p = varied_profile();
    PlanTargets strict;
    strict.max_spill_rate = 0.02;
    const Plan exact = arena::workloads::plan_geometries(p, strict, on_cpus(2));
    PlanTargets loose = strict;
    loose.max_failure_rate = 0.01;
    const Plan relaxed = arena::workloads::plan_geometries(p, loose, on_cpus(2));
    REQUIRE(relaxed.fixed.feasible);
    CHECK(relaxed.fixed.slot_count < exact.fixed.slot_count);
    CHECK(relaxed.fixed.predicted.failure_rate <= 0.01);
    const SimulationResult fewer =
        simulate_fixed(p, setup_of(p), relaxed.fixed.slot_size, relaxed.fixed.slot_count - 1, true);
    CHECK(static_cast<double>(fewer.failures) / static_cast<double>(fewer.operations) > 0.01);

    PlanTargets tight = strict;
    tight.memory_budget_bytes = 1024;
    const Plan none = arena::workloads::plan_geometries(p, tight, on_cpus(2));
    CHECK_FALSE(none.fixed.feasible);
    CHECK_FALSE(none.buddy.feasible);
    CHECK(none.recommended == "none");
    CHECK(none.fixed.reason.find("budget") != std::string::npos);
  }

  TEST_CASE("time slices: hand-offs pile up to the inbox bound on fewer CPUs than threads") {
    const Profile p = varied_profile();  // 2 threads, 20% handed off, inbox bound 1024
    REQUIRE(arena::workloads::detail::handoff_inbox_bound(p) == 1024);
    SimulationSetup both = setup_of(p);
    both.cpus = 2;
    both.slice_ops = 8000;  // ignored: every thread has a CPU
    SimulationSetup one = setup_of(p);
    one.cpus = 1;
    one.slice_ops = 8000;  // 20% of 8000 > 1024: a waiting receiver's inbox fills
    const auto unlimited = arena::workloads::detail::kUnlimitedSlots;
    const SimulationResult rr = simulate_fixed(p, setup_of(p), 8192, unlimited, false);
    const SimulationResult two = simulate_fixed(p, both, 8192, unlimited, false);
    const SimulationResult sliced = simulate_fixed(p, one, 8192, unlimited, false);
    CHECK(same(rr, two));  // threads <= cpus: today's one-operation interleaving
    CHECK(two.max_handoffs_in_flight <= 2);
    CHECK(sliced.max_handoffs_in_flight == 1024);  // capped by the bound: the sender drops the rest
    CHECK(sliced.max_units_live > two.max_units_live + 900);
    CHECK(sliced.operations == two.operations);
    // A shorter slice piles up less than the bound.
    SimulationSetup short_slice = one;
    short_slice.slice_ops = 1000;
    const SimulationResult partial = simulate_fixed(p, short_slice, 8192, unlimited, false);
    CHECK(partial.max_handoffs_in_flight > 100);
    CHECK(partial.max_handoffs_in_flight < 1024);
    // The arena the round-robin model sizes fails under the sliced one.
    CHECK(simulate_fixed(p, one, 8192, static_cast<std::size_t>(two.max_units_live), false).failures > 0);

    // The planner: on one CPU the plan is time-sliced and holds the pile-up; on two it is not.
    PlanTargets targets;
    targets.max_spill_rate = 0.02;
    PlanOptions single = on_cpus(1);
    single.fixed_ops_per_s_per_thread = 1e6;  // no calibration run
    single.buddy_ops_per_s_per_thread = 1e6;
    const Plan sliced_plan = arena::workloads::plan_geometries(p, targets, single);
    const Plan rr_plan = arena::workloads::plan_geometries(p, targets, on_cpus(2));
    CHECK(sliced_plan.fixed.model.interleaving == "time-sliced");
    CHECK(sliced_plan.fixed.model.cpus == 1);
    CHECK(sliced_plan.fixed.model.cpus_source == "given");
    CHECK(sliced_plan.fixed.model.slice_ops >= 5120);  // at least long enough to fill an inbox (1024 / 0.2)
    CHECK(sliced_plan.fixed.model.max_handoffs_in_flight == 1024);
    CHECK(rr_plan.fixed.model.interleaving == "round-robin");
    REQUIRE(sliced_plan.fixed.feasible);
    REQUIRE(rr_plan.fixed.feasible);
    CHECK(sliced_plan.fixed.slot_count > rr_plan.fixed.slot_count + 900);
    CHECK(sliced_plan.buddy.total > rr_plan.buddy.total);
    CHECK(sliced_plan.fixed.compare_flag().rfind("--fixed ", 0) == 0);
    CHECK(sliced_plan.buddy.compare_flag().rfind("--buddy ", 0) == 0);
    CHECK(sliced_plan.buddy.compare_flag().find("exact") == std::string::npos);
    // Headroom: 25% by default on a time-sliced plan, none on a round-robin one.
    CHECK(sliced_plan.fixed.model.headroom == doctest::Approx(0.25));
    CHECK(rr_plan.fixed.model.headroom == 0.0);
    PlanOptions bare = single;
    bare.headroom = 0.0;
    const Plan bare_plan = arena::workloads::plan_geometries(p, targets, bare);
    CHECK(sliced_plan.fixed.slot_count ==
          static_cast<std::size_t>(std::ceil(static_cast<double>(bare_plan.fixed.slot_count) * 1.25)));
    CHECK(static_cast<double>(sliced_plan.buddy.total) >=
          1.25 * static_cast<double>(*sliced_plan.buddy.predicted.max_bytes_live));
    CHECK(sliced_plan.fixed.predicted.failures == 0);
    PlanOptions bad_headroom = single;
    bad_headroom.headroom = -0.5;
    CHECK_THROWS_AS((void)arena::workloads::plan_geometries(p, targets, bad_headroom), InputError);
    PlanOptions zero = on_cpus(0);
    CHECK_THROWS_AS((void)arena::workloads::plan_geometries(p, targets, zero), InputError);
  }

  TEST_CASE("rates and durations parse, bad ones name the flag") {
    CHECK(arena::workloads::parse_rate("0.1%", "--max-spill-rate", "") == doctest::Approx(0.001));
    CHECK(arena::workloads::parse_rate("0.001", "--max-spill-rate", "") == doctest::Approx(0.001));
    CHECK(arena::workloads::parse_rate("0", "--max-spill-rate", "") == 0.0);
    CHECK(arena::workloads::parse_rate("100%", "--max-spill-rate", "") == 1.0);
    for (const char* bad : {"", "-1", "1.5", "101%", "abc", "0.1%%", "1e-3", "nan"}) {
      CAPTURE(bad);
      try {
        (void)arena::workloads::parse_rate(bad, "--max-spill-rate", "");
        FAIL("accepted");
      } catch (const InputError& e) {
        CHECK(std::string(e.what()).find("--max-spill-rate") != std::string::npos);
      }
    }
    CHECK(arena::workloads::parse_duration_ns("20us", "--max-latency-p99", "") == 20000);
    CHECK(arena::workloads::parse_duration_ns("1.5ms", "--max-latency-p99", "") == 1500000);
    CHECK(arena::workloads::parse_duration_ns("800", "--max-latency-p99", "") == 800);
    CHECK(arena::workloads::parse_duration_ns("2s", "--max-latency-p99", "") == 2000000000);
    for (const char* bad : {"", "0us", "-5us", "fast", "5 parsecs"}) {
      CAPTURE(bad);
      CHECK_THROWS_AS((void)arena::workloads::parse_duration_ns(bad, "--max-latency-p99", ""), InputError);
    }
  }

  TEST_CASE("accuracy on kv-values: predicted spill rate and peak live within 10% of a real run") {
    PlanTargets targets;
    targets.max_spill_rate = 0.01;
    check_accuracy(reduced_preset("kv-values", 40000, 20000), targets);
  }

  TEST_CASE("accuracy on contention-hold: predicted spill rate and peak live within 10% of a real run") {
    PlanTargets targets;
    check_accuracy(reduced_preset("contention-hold", 20000, 20000), targets);
  }
}
