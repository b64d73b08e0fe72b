#!/usr/bin/env python3
# End-to-end tests of the arena-bench binary, run by CTest (tests/cli/CMakeLists.txt), one case per
# test: short `run` and `compare` produce reports with the keys docs/report.schema.json requires;
# every bad input (the profiles of tests/data/bad_profiles and the command-line mistakes below) exits
# 2 with ONE line on stderr holding the expected text, and leaves no output file behind.
# Standard library only; the harness and protocol (`--list` the CTest names, `--list-all` every
# case, `--case NAME` one case or group, repeatable) are in cli_harness.py, shared by all scripts.
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from cli_harness import MINIMAL, check, describe, expect_bad_input, main, read_json, read_text, run_good  # noqa: E402


# --- Bad input: exit 2, one line, the expected text, no output (cli_harness.expect_bad_input) ---

def bad_profile_case(stem):
    def case(ctx):
        expected = read_text(ctx.path("bad_profiles/%s.expect" % stem)).strip()
        profile = ctx.path("bad_profiles/%s.json" % stem)
        output = ctx.out()
        expect_bad_input(ctx, ["run", profile, "-o", output], expected, output)
    return case


def write_file(ctx, name, data):
    return ctx.write(os.path.join("inputs", name), data)


def minimal_bytes(ctx):
    with open(ctx.path(MINIMAL), "rb") as f:
        return f.read()


# Command-line mistakes: name -> function(ctx) returning (args, expected text). Runs with -o get
# their output path checked too.
def bad_cli_cases():
    def run_args(ctx, *extra):
        return ["run", ctx.path(MINIMAL), "-o", ctx.out()] + list(extra)

    def compare_args(ctx, *extra):
        return ["compare", ctx.path(MINIMAL), "-o", ctx.out()] + list(extra)

    return {
        "unknown_subcommand": lambda ctx: (["frobnicate"], 'unknown subcommand "frobnicate"'),
        "no_subcommand": lambda ctx: ([], "subcommand is required"),
        "unknown_flag": lambda ctx: (run_args(ctx, "--bogus"), "--bogus"),
        "extra_positional": lambda ctx: (run_args(ctx, "extra.json"), "extra.json"),
        "missing_profile": lambda ctx: (["run", "-o", ctx.out()], "PROFILE: expected a profile file or --preset NAME"),
        "missing_profile_compare": lambda ctx: (["compare", "--fixed", "64x4KiB", "-o", ctx.out()],
                                                "PROFILE: expected a profile file or --preset NAME"),
        "profile_and_preset": lambda ctx: (run_args(ctx, "--preset", "roundtrip"), "excludes --preset"),
        "unknown_preset": lambda ctx: (["run", "--preset", "no-such-preset", "-o", ctx.out()],
                                       'expected one of roundtrip'),
        "missing_file": lambda ctx: (["run", ctx.path("no_such_profile.json"), "-o", ctx.out()],
                                     "no_such_profile.json: expected a readable profile file"),
        "directory_profile": lambda ctx: (["run", ctx.data, "-o", ctx.out()], "expected a profile file (JSON), got a directory"),
        "empty_file": lambda ctx: (["run", write_file(ctx, "empty.json", b""), "-o", ctx.out()],
                                   "empty.json: line 1, column 1: expected valid JSON"),
        "binary_file": lambda ctx: (["run", write_file(ctx, "binary.json", bytes(range(256)) * 4), "-o", ctx.out()],
                                    "binary.json: line 1, column 1: expected valid JSON"),
        "truncated_file": lambda ctx: (["run", write_file(ctx, "truncated.json", minimal_bytes(ctx)[:40]), "-o", ctx.out()],
                                       "truncated.json: line"),
        "set_without_equals": lambda ctx: (run_args(ctx, "--set", "threads"), "--set: threads: expected KEY=VALUE"),
        "set_missing_value": lambda ctx: (["run", ctx.path(MINIMAL), "--set"], "--set"),
        "set_bad_value": lambda ctx: (run_args(ctx, "--set", "threads=0"),
                                      "--set: threads: expected a whole number in [1, 1024], got 0"),
        "set_unknown_key": lambda ctx: (run_args(ctx, "--set", "thread=2"), '--set: thread: expected a known key'),
        "set_bad_index": lambda ctx: (run_args(ctx, "--set", "allocators[5].slots=1"),
                                      "--set: allocators[5].slots: expected an index"),
        "set_bad_size": lambda ctx: (run_args(ctx, "--set", "sizes.size=lots"), "sizes.size: expected a byte size >= 1"),
        "threads_zero": lambda ctx: (run_args(ctx, "--threads", "0"),
                                     "--threads: expected a whole number in [1, 1024], got 0"),
        "threads_not_a_number": lambda ctx: (run_args(ctx, "--threads", "four"),
                                             '--threads: expected a whole number in [1, 1024], got "four"'),
        "duration_negative": lambda ctx: (run_args(ctx, "--duration", "-1"), "--duration: expected a number in (0, 86400]"),
        "duration_and_operations": lambda ctx: (run_args(ctx, "--duration", "1", "--operations", "5"),
                                                "--duration excludes --operations"),
        "operations_zero": lambda ctx: (run_args(ctx, "--operations", "0"), "--operations: expected a whole number >= 1"),
        "repetitions_zero": lambda ctx: (run_args(ctx, "--repetitions", "0"),
                                         "--repetitions: expected a whole number in [1, 1000], got 0"),
        "quiet_and_table": lambda ctx: (run_args(ctx, "--quiet", "--table"), "excludes"),
        "output_missing_directory": lambda ctx: (["run", ctx.path(MINIMAL), "-o", os.path.join(ctx.tmp, "no", "dir", "r.json")],
                                                 "-o: expected a file the report can be written to, got cannot create a file in"),
        "output_is_directory": lambda ctx: (["run", ctx.path(MINIMAL), "-o", ctx.tmp],
                                            "-o: expected a file the report can be written to, got a directory"),
        "output_unwritable": lambda ctx: (["run", ctx.path(MINIMAL), "-o", "/proc/arena-bench-test-report.json"],
                                          "/proc/arena-bench-test-report.json: -o: expected a file the report can be written to"),
        "fixed_without_x": lambda ctx: (compare_args(ctx, "--fixed", "64"), "--fixed 64: expected COUNTxSIZE"),
        "fixed_bad_size": lambda ctx: (compare_args(ctx, "--fixed", "64x4KiX"), "--fixed 64x4KiX: SIZE: expected a byte size >= 1"),
        "fixed_overflowing_size": lambda ctx: (compare_args(ctx, "--fixed", "1x99999999999TiB"),
                                               "--fixed 1x99999999999TiB: SIZE: expected a byte size"),
        "fixed_zero_count": lambda ctx: (compare_args(ctx, "--fixed", "0x4KiB"), "--fixed 0x4KiB: COUNT: expected a whole number >= 1"),
        "fixed_slot_too_small": lambda ctx: (compare_args(ctx, "--fixed", "64x128"),
                                             "--fixed 64x128: SIZE: expected at least the largest request (256 bytes"),
        "fixed_bad_option": lambda ctx: (compare_args(ctx, "--fixed", "64x4KiB,nearest"), "option: expected one of spill, zero"),
        "fixed_missing_value": lambda ctx: (compare_args(ctx, "--fixed"), "--fixed"),
        "buddy_without_slash": lambda ctx: (compare_args(ctx, "--buddy", "64MiB"), "--buddy 64MiB: expected TOTAL/MIN"),
        "buddy_min_not_power_of_two": lambda ctx: (compare_args(ctx, "--buddy", "64KiB/100"),
                                                   "--buddy 64KiB/100: MIN: expected a power of two"),
        "buddy_total_too_small": lambda ctx: (compare_args(ctx, "--buddy", "128/64"),
                                              "--buddy 128/64: TOTAL: expected at least the largest request"),
        "buddy_min_above_total": lambda ctx: (compare_args(ctx, "--buddy", "128/256"), "MIN: expected at most TOTAL (128)"),
        "buddy_bad_size": lambda ctx: (compare_args(ctx, "--buddy", "1GiB/-5"), "--buddy 1GiB/-5: MIN: expected a byte size"),
        "duplicate_geometry": lambda ctx: (compare_args(ctx, "--fixed", "64x4KiB", "--fixed", "64x4096"),
                                           '--fixed 64x4096: expected each geometry once, got "fixed 64x4KiB" twice'),
        "peers_unknown": lambda ctx: (compare_args(ctx, "--peers", "malloc,hoard"), '--peers: expected a comma-separated list'),
        "peers_arena": lambda ctx: (compare_args(ctx, "--peers", "fixed"), "arenas are given with --fixed and --buddy"),
        "peers_twice": lambda ctx: (compare_args(ctx, "--peers", "malloc,malloc"), "each allocator once"),
        "peers_and_no_peers": lambda ctx: (compare_args(ctx, "--peers", "malloc", "--no-peers"), "excludes"),
        "compare_nothing_to_run": lambda ctx: (compare_args(ctx, "--no-peers"), "at least one allocator"),
        "presets_show_unknown": lambda ctx: (["presets", "--show", "no-such-preset"], "expected one of roundtrip"),
        "topology_bad_synthetic": lambda ctx: (["topology", "--synthetic", "frobnicate:3"],
                                               "--synthetic: expected an hwloc synthetic description"),
    }


def bad_cli_case(make):
    def case(ctx):
        args, expected = make(ctx)
        output = args[args.index("-o") + 1] if "-o" in args else None
        if output is not None and os.path.isdir(output):
            output = None  # -o DIRECTORY: the directory stays, and nothing may appear in it
        expect_bad_input(ctx, args, expected, output)
    return case


def existing_output_kept(ctx):
    """A failed run must not touch an existing report either."""
    output = ctx.out("kept.json")
    with open(output, "w", encoding="utf-8") as f:
        f.write("previous report\n")
    code, out, err = ctx.run(["run", ctx.path("bad_profiles/zero_threads.json"), "-o", output])
    check(code == 2, describe([], code, out, err))
    with open(output, encoding="utf-8") as f:
        check(f.read() == "previous report\n", "the existing output file was changed by a failed run")
    check(sorted(os.listdir(ctx.tmp)) == ["kept.json"], "files left behind: %s" % os.listdir(ctx.tmp))


# --- Reports ---

def check_report(ctx, report):
    schema = read_json(ctx.schema)
    defs = schema["$defs"]
    for key in schema["required"]:
        check(key in report, "report lacks %r" % key)
    check(report["schema_version"] == 1, "schema_version is %r" % report["schema_version"])
    for key in defs["context"]["required"]:
        check(key in report["context"], "context lacks %r" % key)
    check(report["context"]["tool"] == "arena-bench", "context.tool is %r" % report["context"]["tool"])
    check(isinstance(report["profile"], dict) and "allocators" in report["profile"], "profile is not the profile")
    check(isinstance(report["results"], list) and report["results"], "results is empty")
    for i, record in enumerate(report["results"]):
        for key in defs["record"]["required"]:
            check(key in record, "results[%d] lacks %r" % (i, key))
        check(record["status"] in ("ok", "skipped", "failed"), "results[%d].status is %r" % (i, record["status"]))
        if record["status"] == "ok":
            check("error" not in record, "results[%d] is ok but has an error" % i)
            check(record["operations"] > 0, "results[%d] is ok but has no operations" % i)
            for op, summary in record["latency"].items():
                for key in defs["latency_summary"]["required"]:
                    check(key in summary, "results[%d].latency.%s lacks %r" % (i, op, key))
            for j, sample in enumerate(record["timeline"]):
                for key in defs["timeline_sample"]["required"]:
                    check(key in sample, "results[%d].timeline[%d] lacks %r" % (i, j, key))
        else:
            check(isinstance(record.get("error"), str) and record["error"], "results[%d] is %s without a reason" % (i, record["status"]))


def run_report(ctx):
    output = ctx.out("report.json")
    out, err = run_good(ctx, ["run", ctx.path(MINIMAL), "--set", "duration_s=0.2", "-o", output])
    check(out == "", "stdout should be empty with -o, got %r" % out[:200])
    check(err == "", "stderr should be empty when it is not a terminal, got %r" % err[:500])
    report = read_json(output)
    check_report(ctx, report)
    check([r["allocator"] for r in report["results"]] == ["malloc"], "expected one malloc record")
    check(report["profile"]["duration_s"] == 0.2, "the profile as run lacks the --set override")
    check(sorted(os.listdir(ctx.tmp)) == ["report.json"], "files left next to the report: %s" % os.listdir(ctx.tmp))


def run_stdout_and_table(ctx):
    args = ["run", ctx.path(MINIMAL), "--operations", "2000", "--threads", "2", "--repetitions", "2", "--table"]
    out, err = run_good(ctx, args)
    report = json.loads(out)
    check_report(ctx, report)
    check(len(report["results"]) == 2, "expected 2 records (2 repetitions), got %d" % len(report["results"]))
    check(report["profile"]["threads"] == 2 and report["profile"]["operations"] == 2000, "shorthand flags not applied")
    check("ops/s" in err and "p99.9" in err and "\nmalloc " in err, "expected the table on stderr, got %r" % err)
    code, out, err = ctx.run(["run", ctx.path(MINIMAL), "--operations", "100", "--quiet"])
    check(code == 0 and err == "" and json.loads(out)["results"], "--quiet: " + describe([], code, out, err))


def run_preset(ctx):
    output = ctx.out()
    run_good(ctx, ["run", "--preset", "rpc-small", "--operations", "300", "--repetitions", "1", "--set", "warmup_s=0",
                   "-o", output])
    report = read_json(output)
    check_report(ctx, report)
    check(report["profile"]["name"] == "rpc-small", "profile name %r" % report["profile"]["name"])


def compare_report(ctx):
    output = ctx.out()
    args = ["compare", ctx.path(MINIMAL), "--operations", "1000", "--repetitions", "2",
            "--fixed", "64x1KiB", "--fixed", "16x128,spill", "--buddy", "1MiB/256", "--buddy", "6000/768,nearest",
            "--table", "-o", output]
    out, err = run_good(ctx, args)
    report = read_json(output)
    check_report(ctx, report)
    expected_kinds = ["fixed", "fixed", "buddy", "buddy", "malloc", "shared_vector", "mimalloc", "jemalloc", "tcmalloc", "pmr"]
    names = []
    for record in report["results"]:
        if record["allocator"] not in names:
            names.append(record["allocator"])
    check(names[:4] == ["fixed 64x1KiB", "fixed 16x128,spill", "buddy 1MiB/256", "buddy 6000/768,nearest"],
          "arenas are named after their specs: %s" % names[:4])
    geometries = {r["allocator"]: r["geometry"] for r in report["results"]}
    check(geometries["fixed 64x1KiB"] == "64x1KiB" and geometries["buddy 1MiB/256"] == "1MiB/256 exact",
          "geometries %s" % geometries)
    kinds = {r["allocator"]: r["kind"] for r in report["results"]}
    check([kinds[n] for n in names] == expected_kinds, "allocators %s (kinds %s)" % (names, [kinds[n] for n in names]))
    pairs = sorted((r["allocator"], r["repetition"]) for r in report["results"])
    check(pairs == sorted((n, rep) for n in names for rep in (0, 1)), "expected one record per allocator per repetition: %s" % pairs)
    for record in report["results"]:
        if record["kind"] in ("fixed", "buddy", "malloc", "shared_vector", "pmr"):
            check(record["status"] == "ok", "%s: %s %s" % (record["allocator"], record["status"], record.get("error")))
    spill = [r for r in report["results"] if r["allocator"] == "fixed 16x128,spill"]
    check(spill and all(r["spills"] > 0 for r in spill), "the ,spill arena did not spill: %s" % spill[:1])
    for name in names:
        check("\n" + name + " " in err, "the table lacks a row for %r: %r" % (name, err))


def compare_peers(ctx):
    args = ["compare", "--preset", "rpc-small", "--operations", "200", "--repetitions", "1", "--set", "warmup_s=0",
            "--buddy", "16MiB/64", "--peers", "malloc,jemalloc,null", "--quiet"]
    out, _ = run_good(ctx, args)
    report = json.loads(out)
    check_report(ctx, report)
    check([r["kind"] for r in report["results"]] == ["buddy", "malloc", "jemalloc", "null"],
          "kinds %s" % [r["kind"] for r in report["results"]])
    # Without the static-TLS re-exec jemalloc may be skipped: a record with its reason, never a gap.
    out, _ = run_good(ctx, args, env={"ARENA_BENCH_NO_REEXEC": "1"})
    report = json.loads(out)
    check_report(ctx, report)
    check(len(report["results"]) == 4, "a peer record went missing: %s" % [r["allocator"] for r in report["results"]])
    out, _ = run_good(ctx, ["compare", ctx.path(MINIMAL), "--operations", "100", "--fixed", "8x256", "--no-peers", "--quiet"])
    check([r["allocator"] for r in json.loads(out)["results"]] == ["fixed 8x256"], "--no-peers still ran peers")


def presets_list(ctx):
    out, _ = run_good(ctx, ["presets"])
    lines = out.splitlines()
    check(len(lines) >= 8, "expected at least 8 presets, got %d" % len(lines))
    for line in lines:
        check(re.match(r"^[a-z0-9-]+  +\S", line), "not 'NAME  summary': %r" % line)


def presets_show_runs(ctx):
    out, _ = run_good(ctx, ["presets"])
    names = [line.split()[0] for line in out.splitlines()]
    for name in names:
        shown, _ = run_good(ctx, ["presets", "--show", name])
        profile = json.loads(shown)
        check(profile.get("name") == name and profile.get("allocators"), "presets --show %s: %r" % (name, shown[:200]))
        path = write_file(ctx, name + ".json", shown.encode("utf-8"))
        output = ctx.out(name + "-report.json")
        run_good(ctx, ["run", path, "--operations", "100", "--repetitions", "1", "--set", "warmup_s=0", "-o", output])
        check_report(ctx, read_json(output))


def topology_json(ctx):
    out, _ = run_good(ctx, ["topology", "--json"])
    topo = json.loads(out)
    check(topo["node_count"] >= 1 and len(topo["nodes"]) == topo["node_count"], "topology: %r" % topo)
    for node in topo["nodes"]:
        for key in ("node", "os_index", "cores", "pus", "memory_bytes"):
            check(key in node, "node lacks %r: %r" % (key, node))
    out, _ = run_good(ctx, ["topology"])
    check("NUMA node" in out and "memory" in out, "text topology: %r" % out)


def topology_synthetic(ctx):
    description = "pack:2 numa:2 core:2 pu:1"
    out, _ = run_good(ctx, ["topology", "--synthetic", description, "--json"])
    topo = json.loads(out)
    check(topo["node_count"] == 4 and len(topo["nodes"]) == 4, "expected 4 nodes: %r" % topo)
    check(topo["synthetic"] is True and topo["description"] == description, "%r" % topo)
    check(all(n["cores"] == 2 and n["pus"] == 2 for n in topo["nodes"]), "expected 2 cores per node: %r" % topo)
    out, _ = run_good(ctx, ["topology", "--synthetic", description])
    check("4 NUMA nodes" in out, "text: %r" % out)


def help_everywhere(ctx):
    for args in ([], ["run"], ["compare"], ["presets"], ["topology"]):
        out, err = run_good(ctx, args + ["--help"])
        check("Usage:" in out and "Examples:" in out, "%s --help: %r" % (args, out[:300]))
        check(err == "", "%s --help wrote to stderr: %r" % (args, err))
        out, _ = run_good(ctx, args + ["-h"])
        check("Usage:" in out, "%s -h" % args)


def version(ctx):
    for args in ([], ["run"], ["compare"], ["presets"], ["topology"]):
        out, _ = run_good(ctx, args + ["--version"])
        check(out.strip() == "arena-bench " + ctx.version, "%s --version printed %r" % (args, out))


def all_cases(data):
    cases = {
        "run_report": run_report,
        "run_stdout_and_table": run_stdout_and_table,
        "run_preset": run_preset,
        "compare_report": compare_report,
        "compare_peers": compare_peers,
        "presets_list": presets_list,
        "presets_show_runs": presets_show_runs,
        "topology_json": topology_json,
        "topology_synthetic": topology_synthetic,
        "help": help_everywhere,
        "version": version,
        "existing_output_kept": existing_output_kept,
    }
    for name, make in bad_cli_cases().items():
        cases["bad_args/" + name] = bad_cli_case(make)
    bad_dir = os.path.join(data, "bad_profiles")
    for entry in sorted(os.listdir(bad_dir)):
        stem, ext = os.path.splitext(entry)
        if ext == ".json" and os.path.exists(os.path.join(bad_dir, stem + ".expect")):
            cases["bad_profile/" + stem] = bad_profile_case(stem)
    return cases


# Groups run as one CTest test each (one Python start instead of dozens); `--case GROUP/NAME` runs
# one member alone.
GROUPS = {"bad_args": "bad_args/", "bad_profiles": "bad_profile/"}


if __name__ == "__main__":
    sys.exit(main(__doc__, all_cases, GROUPS, needs_schema=True, tmp_prefix="arena-bench-cli-"))
