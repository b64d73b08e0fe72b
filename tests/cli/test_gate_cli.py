#!/usr/bin/env python3
# End-to-end tests of `arena-bench gate`, run by CTest (tests/cli/CMakeLists.txt), one case per
# test: a report compared with itself passes (exit 0); a report whose throughput was cut by 30%
# fails (exit 1) with the complete verdict JSON written; Google Benchmark files (with the bare NaN
# the library writes) are read; every bad input (truncated, binary, huge, not a report, wrong
# schema_version, aggregates only, mixed kinds, bad flags and configuration) exits 2 with ONE line
# naming the file, and leaves no output file. Standard library only; the harness and protocol are
# cli_harness.py's.
import copy
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from cli_harness import MINIMAL, Failure, check, describe, expect_bad_input, main, read_json  # noqa: E402


def real_report(ctx, repetitions=6):
    """A real, short report of the minimal profile (malloc; operation count, one thread)."""
    out = ctx.out("real.json")
    code, _, err = ctx.run(["run", ctx.path(MINIMAL), "--operations", "2000", "--repetitions", str(repetitions),
                            "--quiet", "-o", out])
    check(code == 0, "arena-bench run failed: %s" % err)
    return read_json(out)


def scaled(report, factor, seed_offset=0.0):
    """The report with every ops_per_s multiplied by factor (a synthetic shift)."""
    r = copy.deepcopy(report)
    for i, rec in enumerate(r["results"]):
        rec["ops_per_s"] = rec["ops_per_s"] * factor * (1.0 + seed_offset * ((i % 3) - 1))
    return r


def spread(report, base):
    """Replaces ops_per_s by base * (1 + 0.5% steps): distinct values, little noise."""
    r = copy.deepcopy(report)
    for i, rec in enumerate(r["results"]):
        rec["ops_per_s"] = base * (1.0 + 0.005 * ((i * 7) % 5 - 2))
    return r


def google_benchmark(times_ns, aggregates_only=False):
    """Google Benchmark JSON text, with the bare NaN the library writes for some aggregates."""
    entries = []
    if not aggregates_only:
        for i, t in enumerate(times_ns):
            entries.append('{"name": "BM_x", "run_name": "BM_x", "run_type": "iteration", "repetitions": %d, '
                           '"repetition_index": %d, "threads": 1, "iterations": 1000, "real_time": %r, '
                           '"cpu_time": %r, "time_unit": "ns", "items_per_second": %r}'
                           % (len(times_ns), i, t, t, 1e9 / t))
    entries.append('{"name": "BM_x_cv", "run_name": "BM_x", "run_type": "aggregate", "aggregate_name": "cv", '
                   '"threads": 1, "real_time": 0.01, "cpu_time": 0.01, "time_unit": "ns", "spills_per_op": NaN}')
    return '{"context": {"host_name": "test"}, "benchmarks": [%s]}' % ", ".join(entries)


# --- Cases ---

def gate_self_comparison(ctx):
    report = real_report(ctx)
    path = ctx.write_json("base.json", report)
    args = ["gate", path, path]
    code, out, err = ctx.run(args)
    info = describe(args, code, out, err)
    check(code == 0, "a report compared with itself must pass\n" + info)
    verdict = json.loads(out)
    check(verdict["verdict"] == "pass", info)
    check(verdict["counts"]["regressed"] == 0, info)
    check(all(c["verdict"] != "regressed" for c in verdict["comparisons"]), info)
    check(any(c["metric"] == "ops_per_s" for c in verdict["comparisons"]), info)
    check("gate: pass" in err and "ops_per_s" in err, "expected the table on stderr\n" + info)
    # --quiet: nothing on stderr
    code, out, err = ctx.run(args + ["--quiet"])
    check(code == 0 and err == "", describe(args + ["--quiet"], code, out, err))


def gate_regression_detected(ctx):
    report = real_report(ctx, repetitions=8)
    base = ctx.write_json("base.json", spread(report, 1.0e6))
    slow = ctx.write_json("slow.json", scaled(spread(report, 1.0e6), 0.7))
    fast = ctx.write_json("fast.json", scaled(spread(report, 1.0e6), 0.98))
    out_path = ctx.out("gate.json")
    args = ["gate", base, slow, "-o", out_path]
    code, out, err = ctx.run(args)
    info = describe(args, code, out, err)
    check(code == 1, "expected exit 1 for a 30% throughput regression\n" + info)
    check(out == "", "with -o nothing goes to stdout\n" + info)
    with open(out_path, encoding="utf-8") as f:
        verdict = json.load(f)
    check(verdict["verdict"] == "fail", info)
    ops = [c for c in verdict["comparisons"] if c["metric"] == "ops_per_s"]
    check(len(ops) == 1 and ops[0]["verdict"] == "regressed", "ops_per_s: %r" % ops)
    check(abs(ops[0]["change_percent"] + 30.0) < 0.5, "change: %r" % ops[0]["change_percent"])
    check(ops[0]["p_adjusted"] < 0.05 and ops[0]["test"] in ("exact", "normal"), "p: %r" % ops[0])
    check("REGRESSED" in err and "gate: FAIL" in err, "expected the regression in the table\n" + info)
    check(sorted(os.listdir(ctx.tmp)) == sorted(["real.json", "base.json", "slow.json", "fast.json", "gate.json"]),
          "files left behind: %s" % os.listdir(ctx.tmp))
    # 2% slower: within the 5% threshold; with --threshold 1 it is a regression.
    code, out, err = ctx.run(["gate", base, fast])
    check(code == 0, "a 2%% change must pass the 5%% threshold\n" + describe(["gate", base, fast], code, out, err))
    code, out, err = ctx.run(["gate", base, fast, "--threshold", "1"])
    check(code == 1, "a 2%% change must fail a 1%% threshold\n" + describe(["gate", "--threshold 1"], code, out, err))
    # A configuration that ignores ops_per_s lets the 30% pass.
    config = ctx.write_json("gate-config.json", {"metrics": {"ops_per_s": {"ignore": True}}})
    code, out, err = ctx.run(["gate", base, slow, "--config", config])
    check(code == 0, "ignored metric must not fail\n" + describe(["gate", "--config"], code, out, err))


def gate_google_benchmark(ctx):
    base = ctx.write("gb-base.json", google_benchmark([50.0 + 0.1 * i for i in range(8)]))
    slow = ctx.write("gb-slow.json", google_benchmark([65.0 + 0.1 * i for i in range(8)]))
    code, out, err = ctx.run(["gate", base, base])
    check(code == 0, describe(["gate", base, base], code, out, err))
    code, out, err = ctx.run(["gate", base, slow])
    info = describe(["gate", base, slow], code, out, err)
    check(code == 1, info)
    verdict = json.loads(out)
    check(verdict["kind"] == "Google Benchmark", info)
    real = [c for c in verdict["comparisons"] if c["metric"] == "real_time"]
    check(real and real[0]["verdict"] == "regressed", info)


def gate_bad_inputs(ctx):
    report = real_report(ctx, repetitions=2)
    good = ctx.write_json("good.json", report)
    text = json.dumps(report)
    wrong_version = dict(report)
    wrong_version["schema_version"] = 99
    huge = ctx.out("huge.json")
    with open(huge, "wb") as f:
        f.truncate(300 << 20)  # sparse: costs no disk
    inputs = {
        "truncated": (ctx.write("truncated.json", text[: len(text) // 2]), "truncated.json: line 1, column"),
        "binary": (ctx.write("binary.json", bytes(range(256)) * 8), "binary.json: line 1, column 1: expected valid JSON"),
        "empty": (ctx.write("empty.json", b""), "empty.json: line 1, column 1: expected valid JSON"),
        "huge": (huge, "huge.json: file: expected a report of at most 256 MiB"),
        "not_a_report": (ctx.write_json("other.json", {"name": "x", "values": [1, 2]}),
                         "other.json: (document): expected an arena-bench report (with schema_version) or a Google"),
        "array": (ctx.write_json("array.json", [1, 2, 3]), "array.json: (document): expected an arena-bench report"),
        "schema_version": (ctx.write_json("v99.json", wrong_version), "v99.json: schema_version: expected 1"),
        "missing_field": (ctx.write_json("field.json", dict(report, results=[{"allocator": "x"}])),
                          "field.json: results[0].kind: expected a string"),
        "aggregates_only": (ctx.write("agg.json", google_benchmark([1.0], aggregates_only=True)),
                            "agg.json: benchmarks: expected results per repetition"),
        "deep": (ctx.write("deep.json", "[" * 100000 + "]" * 100000), "deep.json: line 1, column 257: expected JSON nested"),
        "missing_file": (ctx.out("nope.json"), "nope.json: file: expected a readable report file"),
        "directory": (ctx.tmp, "file: expected a report file, got a directory"),
    }
    cases = []
    for name, (path, expected) in inputs.items():
        cases.append((name + " as CURRENT", ["gate", good, path], expected))
        cases.append((name + " as BASELINE", ["gate", path, good], expected))
    gb = ctx.write("gb.json", google_benchmark([50.0, 51.0, 52.0]))
    bad_config = ctx.write_json("bad-config.json", {"alpha": 3})
    typo_config = ctx.write_json("typo-config.json", {"treshold_percent": 3})
    cases += [
        ("mixed kinds", ["gate", good, gb], "gb.json: (document): expected the same kind of file as the baseline"),
        ("alpha", ["gate", good, good, "--alpha", "1.5"], "--alpha: expected a number in (0, 0.5], got \"1.5\""),
        ("alpha text", ["gate", good, good, "--alpha", "five"], "--alpha: expected a number"),
        ("threshold", ["gate", good, good, "--threshold", "-3"], "--threshold: expected a number in [0, 1000]"),
        ("threshold multi", ["gate", good, good, "--threshold-multi", "x"], "--threshold-multi: expected a number"),
        ("config value", ["gate", good, good, "--config", bad_config], "bad-config.json: alpha: expected a number in (0, 0.5], got 3"),
        ("config key", ["gate", good, good, "--config", typo_config], "typo-config.json: treshold_percent: expected one of the keys"),
        ("config missing", ["gate", good, good, "--config", ctx.out("none.json")], "none.json: file: expected a readable gate configuration"),
        ("one input", ["gate", good], "CURRENT is required"),
        ("output directory", ["gate", good, good, "-o", ctx.out("no/dir/g.json")], "-o: expected a file the report can be written to"),
    ]
    output = ctx.out("verdict.json")
    failures = []
    for name, args, expected in cases:
        try:
            expect_bad_input(ctx, args + (["-o", output] if "-o" not in args else []), expected, output)
        except Failure as e:
            failures.append("%s\n%s" % (name, e))
    check(not failures, "\n\n".join(failures))


def gate_help(ctx):
    code, out, err = ctx.run(["gate", "--help"])
    info = describe(["gate", "--help"], code, out, err)
    check(code == 0, info)
    for text in ("BASELINE", "CURRENT", "--config", "--alpha", "--threshold", "--threshold-multi", "-o", "Examples",
                 "Exit status"):
        check(text in out, "expected %r in --help\n%s" % (text, info))


CASES = {
    "gate_self_comparison": gate_self_comparison,
    "gate_regression_detected": gate_regression_detected,
    "gate_google_benchmark": gate_google_benchmark,
    "gate_bad_inputs": gate_bad_inputs,
    "gate_help": gate_help,
}


if __name__ == "__main__":
    sys.exit(main(__doc__, lambda data: CASES, tmp_prefix="arena-bench-gate-"))
