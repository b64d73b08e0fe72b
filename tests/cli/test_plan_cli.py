#!/usr/bin/env python3
# End-to-end tests of `arena-bench plan` (tests/cli/CMakeLists.txt runs one CTest test per case):
# a plan of a preset has the documented keys and a feasible geometry of each kind; -o writes the
# same JSON atomically and --table prints the table; --verify puts measured figures next to the
# predicted ones (and, on a preset without hand-offs, they agree within 10%); every bad target
# exits 2 with one line naming its flag and leaves no file behind. Standard library only; the
# protocol (--list, --list-all, --case, --binary, --data, --schema, --version) is test_cli.py's.
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from cli_harness import check, expect_bad_input, main, run_good  # noqa: E402


# Presets cut down to a fraction of a second: counted operations, counted warm-up, no sampler
# ticks, so the planner needs no calibration run.
FAST_KV = ["--preset", "kv-values", "--operations", "20000", "--set", "warmup_s=0",
           "--set", "warmup_operations=5000", "--set", "sample_interval_ms=0"]
FAST_HOLD = ["--preset", "contention-hold", "--operations", "20000", "--set", "warmup_s=0",
             "--set", "warmup_operations=20000", "--set", "sample_interval_ms=0"]

PLAN_KEYS = ["plan_version", "profile_name", "targets", "fixed", "buddy", "recommendation", "verified", "profile"]
FIGURE_KEYS = ["operations", "spills", "failures", "spill_rate", "failure_rate", "peak_bytes_live",
               "internal_fragmentation_bytes", "bytes_reserved"]
MODEL_KEYS = ["threads", "interleaving", "warmup_ops_per_thread", "ops_per_thread", "hold_ops", "samples",
              "ops_per_s_per_thread", "rate_source", "cpus", "cpus_source", "load_average", "timeslice_ms",
              "slice_ops", "max_handoffs_in_flight", "headroom"]


def check_plan(plan, verified):
    for key in PLAN_KEYS:
        check(key in plan, "plan lacks %r: %s" % (key, sorted(plan)))
    for key in ["max_spill_rate", "max_failure_rate", "memory_budget_bytes", "max_latency_p99_ns"]:
        check(key in plan["targets"], "targets lack %r" % key)
    check(plan["verified"] == verified, "verified is %r" % plan["verified"])
    check(plan["recommendation"]["kind"] in ("fixed", "buddy", "none"), "recommendation kind %r" % plan["recommendation"])
    check(len(plan["recommendation"]["text"]) > 40, "recommendation text too short")
    for kind, geometry_keys in (("fixed", ["slot_size", "slot_count", "auto_spill"]), ("buddy", ["total", "min_block"])):
        part = plan[kind]
        for key in ["feasible", "geometry", "model", "predicted"] + geometry_keys:
            check(key in part, "%s lacks %r" % (kind, key))
        for key in MODEL_KEYS:
            check(key in part["model"], "%s.model lacks %r" % (kind, key))
        if part["feasible"]:
            flag = part.get("compare_flag", "")
            check(flag.startswith("--%s " % kind) and "exact" not in flag, "%s compare_flag %r" % (kind, flag))
        for key in FIGURE_KEYS + ["max_bytes_live"]:
            check(key in part["predicted"], "%s.predicted lacks %r" % (kind, key))
        if verified and part["feasible"]:
            check("measured" in part, "%s lacks measured after --verify" % kind)
            for key in FIGURE_KEYS + ["allocate_p99_ns"]:
                check(key in part["measured"], "%s.measured lacks %r" % (kind, key))
        if not verified:
            check("measured" not in part, "%s has measured without --verify" % kind)


def plan_preset(ctx):
    args = ["plan"] + FAST_KV + ["--max-spill-rate", "1%"]
    out, err = run_good(ctx, args)
    plan = json.loads(out)
    check_plan(plan, False)
    check(plan["profile_name"] == "kv-values", "profile_name %r" % plan["profile_name"])
    check(abs(plan["targets"]["max_spill_rate"] - 0.01) < 1e-12, "target %r" % plan["targets"])
    fixed, buddy = plan["fixed"], plan["buddy"]
    check(fixed["feasible"] and buddy["feasible"], "expected both kinds feasible")
    check(fixed["predicted"]["spill_rate"] <= 0.01, "fixed spill rate above the target")
    check(fixed["auto_spill"] is True, "a slot below the largest size needs auto-spill")
    check(fixed["predicted"]["bytes_reserved"] == fixed["slot_size"] * fixed["slot_count"], "fixed reserved")
    check(buddy["total"] & (buddy["total"] - 1) == 0, "buddy total %d not a power of two" % buddy["total"])
    check(buddy["predicted"]["failures"] == 0, "buddy failures with a zero target")
    check(err == "", "stderr not empty without a terminal or --table: %r" % err)
    # Deterministic: the same plan again (the timing field aside).
    out2, _ = run_good(ctx, args)
    plan2 = json.loads(out2)
    for p in (plan, plan2):
        p.pop("planning_seconds")
        for kind in ("fixed", "buddy"):  # read from the machine's load at planning time
            p[kind]["model"].pop("load_average")
            p[kind]["model"].pop("cpus")
    check(plan == plan2, "two plans of the same profile differ")


def plan_output_and_table(ctx):
    path = ctx.out("plan.json")
    out, err = run_good(ctx, ["plan"] + FAST_KV + ["--max-spill-rate", "0.01", "-o", path, "--table"])
    check(out == "", "stdout not empty with -o: %r" % out[:200])
    with open(path, encoding="utf-8") as f:
        plan = json.load(f)
    check_plan(plan, False)
    for word in ["predicted", "fixed", "buddy", "recommendation", path]:
        check(word in err, "table lacks %r: %r" % (word, err))
    check(sorted(os.listdir(ctx.tmp)) == ["plan.json"], "left behind: %s" % os.listdir(ctx.tmp))


def plan_verify(ctx):
    path = ctx.out("plan.json")
    run_good(ctx, ["plan"] + FAST_HOLD + ["--verify", "--max-latency-p99", "1s", "-o", path])
    with open(path, encoding="utf-8") as f:
        plan = json.load(f)
    check_plan(plan, True)
    for kind in ("fixed", "buddy"):
        p, m = plan[kind]["predicted"], plan[kind]["measured"]
        check(p["operations"] == m["operations"], "%s operations %d vs %d" % (kind, p["operations"], m["operations"]))
        check(abs(p["peak_bytes_live"] - m["peak_bytes_live"]) <= 0.1 * max(m["peak_bytes_live"], 1),
              "%s peak live predicted %d, measured %d" % (kind, p["peak_bytes_live"], m["peak_bytes_live"]))
        check(abs(p["spill_rate"] - m["spill_rate"]) <= 0.001, "%s spill rate %r vs %r" % (kind, p, m))
        check("measured_meets_targets" in plan[kind], "%s lacks measured_meets_targets" % kind)
    check("--verify" in plan["recommendation"]["text"], "latency note missing from the recommendation")


def plan_no_geometry_within_budget(ctx):
    out, _ = run_good(ctx, ["plan"] + FAST_KV + ["--memory-budget", "1KiB"])
    plan = json.loads(out)
    check(not plan["fixed"]["feasible"] and not plan["buddy"]["feasible"], "expected nothing within 1 KiB")
    check("budget" in plan["fixed"]["reason"], "fixed reason %r" % plan["fixed"].get("reason"))
    check(plan["recommendation"]["kind"] == "none", "recommendation %r" % plan["recommendation"])


def plan_help(ctx):
    out, _ = run_good(ctx, ["plan", "--help"])
    for word in ["--max-spill-rate", "--max-failure-rate", "--memory-budget", "--max-latency-p99", "--verify",
                 "Examples:", "arena-bench plan --preset"]:
        check(word in out, "plan --help lacks %r" % word)


BAD_TARGETS = {
    "spill_word": (["--max-spill-rate", "lots"], "--max-spill-rate"),
    "spill_above_one": (["--max-spill-rate", "150%"], "--max-spill-rate"),
    "spill_fraction_above_one": (["--max-spill-rate", "2"], "--max-spill-rate"),
    "spill_negative": (["--max-spill-rate=-0.1"], "--max-spill-rate"),
    "failure_word": (["--max-failure-rate", "some"], "--max-failure-rate"),
    "budget_word": (["--memory-budget", "plenty"], "--memory-budget"),
    "budget_zero": (["--memory-budget", "0"], "--memory-budget"),
    "latency_word": (["--max-latency-p99", "fast"], "--max-latency-p99"),
    "latency_zero": (["--max-latency-p99", "0us"], "--max-latency-p99"),
    "ops_rate_zero": (["--ops-rate", "0"], "--ops-rate"),
    "model_ops_fraction": (["--model-operations", "1.5"], "--model-operations"),
    "cpus_zero": (["--cpus", "0"], "--cpus"),
    "cpus_fraction": (["--cpus", "1.5"], "--cpus"),
    "timeslice_zero": (["--timeslice-ms", "0"], "--timeslice-ms"),
    "timeslice_huge": (["--timeslice-ms", "5000"], "--timeslice-ms"),
    "headroom_word": (["--headroom", "lots"], "--headroom"),
    "unknown_preset": (["--preset", "no-such-preset"], "no-such-preset"),
}


def plan_cpus_time_slices(ctx):
    # imix-packets cut down: 2 threads handing off. On 1 CPU the model runs them in time slices and
    # the plan holds the pile-up; on 2 it interleaves them one operation each.
    base = ["plan", "--preset", "imix-packets", "--operations", "20000", "--set", "warmup_s=0",
            "--set", "warmup_operations=2000", "--set", "sample_interval_ms=0", "--ops-rate", "1000000"]
    one = json.loads(run_good(ctx, base + ["--cpus", "1", "--timeslice-ms", "2"])[0])
    two = json.loads(run_good(ctx, base + ["--cpus", "2"])[0])
    check_plan(one, False)
    m1, m2 = one["fixed"]["model"], two["fixed"]["model"]
    check(m1["interleaving"] == "time-sliced" and m1["cpus"] == 1 and m1["cpus_source"] == "given", "model %r" % m1)
    check(m1["timeslice_ms"] == 2, "timeslice_ms %r" % m1["timeslice_ms"])
    check(m1["max_handoffs_in_flight"] == 4096, "in flight %r (the inbox bound is 4096)" % m1)
    check(m2["interleaving"] == "round-robin" and m2["slice_ops"] == 1, "model %r" % m2)
    check(one["fixed"]["slot_count"] > two["fixed"]["slot_count"] + 4000,
          "slots %d vs %d" % (one["fixed"]["slot_count"], two["fixed"]["slot_count"]))
    check("time slices" in one["recommendation"]["text"], "recommendation %r" % one["recommendation"]["text"])
    check(m1["headroom"] == 0.25 and m2["headroom"] == 0, "headroom %r / %r" % (m1["headroom"], m2["headroom"]))
    bare = json.loads(run_good(ctx, base + ["--cpus", "1", "--timeslice-ms", "2", "--headroom", "0"])[0])
    check(one["fixed"]["slot_count"] == -(-bare["fixed"]["slot_count"] * 5 // 4),
          "25%% headroom: %d slots vs %d" % (one["fixed"]["slot_count"], bare["fixed"]["slot_count"]))


def bad_target_case(extra, expected):
    def case(ctx):
        output = ctx.out("plan.json")
        base = ["plan"] + (FAST_KV if "--preset" not in extra else [])
        expect_bad_input(ctx, base + extra + ["-o", output], expected, output)
    return case


def unwritable_output(ctx):
    output = os.path.join(ctx.tmp, "no", "such", "dir", "plan.json")
    expect_bad_input(ctx, ["plan"] + FAST_KV + ["-o", output], "-o", output)


def all_cases():
    cases = {
        "plan_preset": plan_preset,
        "plan_output_and_table": plan_output_and_table,
        "plan_verify": plan_verify,
        "plan_no_geometry_within_budget": plan_no_geometry_within_budget,
        "plan_help": plan_help,
        "plan_cpus_time_slices": plan_cpus_time_slices,
        "plan_bad/unwritable_output": unwritable_output,
    }
    for name, (extra, expected) in BAD_TARGETS.items():
        cases["plan_bad/" + name] = bad_target_case(extra, expected)
    return cases


GROUPS = {"plan_bad_targets": "plan_bad/"}


if __name__ == "__main__":
    sys.exit(main(__doc__, lambda data: all_cases(), GROUPS, tmp_prefix="arena-bench-plan-cli-"))
