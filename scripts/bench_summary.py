#!/usr/bin/env python3
"""Readable summary of an arena_microbench Google Benchmark JSON file.

Prints, per case, the median ns/op and ops/s of every allocator (subject) side by side, then the
issue's target ratios with PASS/MISS. Standard library only. Exit status: 0 whenever the file
could be read and summarised (a missed target is a finding, not a failure); 1 when the file is
missing, not Google Benchmark JSON, or holds no benchmark at all.

Usage: bench_summary.py MICROBENCH.json [--markdown]
"""

import argparse
import json
import statistics
import sys

SUBJECTS = ["arena", "shared_vector", "glibc_rc", "mimalloc_rc", "jemalloc_rc", "tcmalloc_rc", "fixed", "null"]
HEAP_PEERS = ["glibc_rc", "mimalloc_rc", "jemalloc_rc", "tcmalloc_rc"]  # malloc + refcount header
TIME_SUFFIXES = ("/real_time", "/manual_time")

# The targets: (label, kind, numerator case, denominator case, bound, comparison).
ROUNDTRIP_CASE = "fixed_roundtrip/256"
CONTENTION_T1 = "fixed_contention/slots_65536_hold_0pct/threads:1"
CONTENTION_T2 = "fixed_contention/slots_65536_hold_0pct/threads:2"
BUDDY_ROUNDTRIP = "buddy_roundtrip/%d"
BUDDY_SIZES = (256, 1024, 4096, 16384)
BUDDY_T1 = "buddy_contention/arena_64mb_hold_0pct/threads:1"
BUDDY_T2 = "buddy_contention/arena_64mb_hold_0pct/threads:2"
DRIVER_CASE = "driver_roundtrip/256"


def split_name(run_name):
    """'fixed_roundtrip/256/arena/real_time' -> ('fixed_roundtrip/256', 'arena')."""
    for suffix in TIME_SUFFIXES:
        if run_name.endswith(suffix):
            run_name = run_name[: -len(suffix)]
            break
    parts = [p for p in run_name.split("/") if not p.startswith("iterations:")]
    return "/".join(parts[:-1]), parts[-1]


def short_case(case):
    """Compact row label: 'fixed_contention/slots_65536_hold_0pct/threads:2' -> 'contention hold0 T2'."""
    if case.startswith("fixed_contention/"):
        parts = case.split("/")
        hold = parts[1].replace("slots_65536_hold_", "hold").replace("pct", "")
        return "contention %s T%s" % (hold, parts[2].split(":")[1])
    if case.startswith("buddy_contention/"):
        parts = case.split("/")
        hold = parts[1].replace("arena_64mb_hold_", "hold").replace("pct", "")
        return "buddy contention %s T%s" % (hold, parts[2].split(":")[1])
    return case.replace("fixed_", "")


class Result:
    """The median figures of one (case, subject), or why it did not run."""

    def __init__(self):
        self.ops_per_s = []  # one per repetition
        self.median_aggregate = None
        self.error = None

    def median_ops(self):
        if self.ops_per_s:
            return statistics.median(self.ops_per_s)
        return self.median_aggregate

    def ns_per_op(self):
        ops = self.median_ops()
        return 1e9 / ops if ops else None


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        sys.exit("bench_summary: cannot read %s: %s" % (path, e))
    if not isinstance(doc, dict) or not isinstance(doc.get("benchmarks"), list):
        sys.exit("bench_summary: %s is not Google Benchmark JSON (no 'benchmarks' list)" % path)
    if not doc["benchmarks"]:
        sys.exit("bench_summary: %s holds no benchmark results" % path)
    # What compare.py needs of every record (tools/gbench/report.py pairs records by name and
    # compares real_time/cpu_time in time_unit).
    for b in doc["benchmarks"]:
        missing = [k for k in ("name", "real_time", "cpu_time", "time_unit") if k not in b]
        if missing:
            sys.exit("bench_summary: record %r lacks %s: not compare.py-readable" % (b.get("name"), ", ".join(missing)))
    return doc


def collect(doc):
    """{(case, subject): Result}, using every repetition (or the median aggregate if only that)."""
    results = {}
    order = []
    for b in doc["benchmarks"]:
        run_name = b.get("run_name", b.get("name", ""))
        key = split_name(run_name)
        if key not in results:
            results[key] = Result()
            order.append(key)
        r = results[key]
        if b.get("error_occurred"):
            r.error = b.get("error_message", "error")
            continue
        ips = b.get("items_per_second")
        if ips is None:
            continue
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                r.median_aggregate = ips
        else:
            r.ops_per_s.append(ips)
    return results, order


def fmt_ns(ns):
    if ns is None:
        return "-"
    return "%.1f" % ns if ns < 1000 else "%.0f" % ns


def fmt_ops(ops):
    if ops is None:
        return "-"
    return "%.1fM" % (ops / 1e6)


def table(results, order, subjects, cell, markdown):
    cases = []
    for case, _ in order:
        if case not in cases:
            cases.append(case)
    header = ["case"] + subjects
    rows = []
    for case in cases:
        row = [short_case(case)]
        for s in subjects:
            r = results.get((case, s))
            if r is None:
                row.append("")
            elif r.error is not None and r.median_ops() is None:
                row.append("skipped")
            else:
                row.append(cell(r))
        rows.append(row)
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    lines = []
    if markdown:
        lines.append("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |")
        lines.append("|" + "|".join("-" * (w + 2) if i == 0 else "-" * (w + 1) + ":" for i, w in enumerate(widths)) + "|")
        for row in rows:
            lines.append("| " + " | ".join(
                (c.ljust(w) if i == 0 else c.rjust(w)) for i, (c, w) in enumerate(zip(row, widths))) + " |")
    else:
        lines.append("  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(header, widths))))
        for row in rows:
            lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))))
    return "\n".join(lines)


def targets(results):
    """[(label, value or None, bound, 'le'/'ge', detail)] for the issues' targets (2, 3 and 5)."""
    out = []
    arena_rt = results.get((ROUNDTRIP_CASE, "arena"))
    arena_ns = arena_rt.ns_per_op() if arena_rt else None

    heap = [(s, results[(ROUNDTRIP_CASE, s)].ns_per_op()) for s in HEAP_PEERS
            if (ROUNDTRIP_CASE, s) in results and results[(ROUNDTRIP_CASE, s)].ns_per_op()]
    if arena_ns and heap:
        name, ns = min(heap, key=lambda x: x[1])
        out.append(("fixed_roundtrip/256: arena / fastest malloc+refcount peer", arena_ns / ns, 1.0, "le",
                    "%s vs %s %s ns/op (%d heap peers ran)" % (fmt_ns(arena_ns), name, fmt_ns(ns), len(heap))))
    else:
        out.append(("fixed_roundtrip/256: arena / fastest malloc+refcount peer", None, 1.0, "le", "missing data"))

    sv = results.get((ROUNDTRIP_CASE, "shared_vector"))
    sv_ns = sv.ns_per_op() if sv else None
    if arena_ns and sv_ns:
        out.append(("fixed_roundtrip/256: arena / shared_vector", arena_ns / sv_ns, 0.5, "le",
                    "%s vs %s ns/op" % (fmt_ns(arena_ns), fmt_ns(sv_ns))))
    else:
        out.append(("fixed_roundtrip/256: arena / shared_vector", None, 0.5, "le", "missing data"))

    t1 = results.get((CONTENTION_T1, "arena"))
    t2 = results.get((CONTENTION_T2, "arena"))
    o1 = t1.median_ops() if t1 else None
    o2 = t2.median_ops() if t2 else None
    if o1 and o2:
        # Control: how well the peers scaled in the same run (a busy machine scales nothing).
        controls = []
        for s in HEAP_PEERS:
            p1, p2 = results.get((CONTENTION_T1, s)), results.get((CONTENTION_T2, s))
            if p1 and p2 and p1.median_ops() and p2.median_ops():
                controls.append("%s %.2fx" % (s, p2.median_ops() / p1.median_ops()))
        out.append(("fixed_contention hold0: arena 2-thread / 1-thread aggregate ops/s", o2 / o1, 1.6, "ge",
                    "%s vs %s ops/s%s" % (fmt_ops(o2), fmt_ops(o1),
                                          "; peers in this run: " + ", ".join(controls) if controls else "")))
    else:
        out.append(("fixed_contention hold0: arena 2-thread / 1-thread aggregate ops/s", None, 1.6, "ge",
                    "missing data"))
    out.extend(buddy_targets(results, arena_ns))
    out.append(driver_target(results))
    return out


def ns_of(results, case, subject):
    r = results.get((case, subject))
    return r.ns_per_op() if r else None


def buddy_targets(results, fixed_ns):
    """Issue 3: buddy_roundtrip/256 <= 3x fixed_roundtrip/256; buddy_contention hold0 scales >= 1.3x."""
    out = []
    label = "buddy_roundtrip/256 / fixed_roundtrip/256 (arena)"
    buddy_ns = ns_of(results, BUDDY_ROUNDTRIP % 256, "arena")
    if buddy_ns and fixed_ns:
        sizes = ", ".join("%d B %s" % (n, fmt_ns(ns_of(results, BUDDY_ROUNDTRIP % n, "arena"))) for n in BUDDY_SIZES)
        out.append((label, buddy_ns / fixed_ns, 3.0, "le",
                    "%s vs %s ns/op; buddy by size (payload write included): %s ns/op" % (
                        fmt_ns(buddy_ns), fmt_ns(fixed_ns), sizes)))
    else:
        out.append((label, None, 3.0, "le", "missing data"))
    label = "buddy_contention hold0: arena 2-thread / 1-thread aggregate ops/s"
    t1, t2 = results.get((BUDDY_T1, "arena")), results.get((BUDDY_T2, "arena"))
    if t1 and t2 and t1.median_ops() and t2.median_ops():
        out.append((label, t2.median_ops() / t1.median_ops(), 1.3, "ge",
                    "%s vs %s ops/s" % (fmt_ops(t2.median_ops()), fmt_ops(t1.median_ops()))))
    else:
        out.append((label, None, 1.3, "ge", "missing data"))
    return out


def driver_target(results):
    """Issue 5: arena-bench's driver with the do-nothing allocator costs < 10% of a fixed round trip."""
    label = "driver_roundtrip/256: null / fixed (arena-bench driver overhead)"
    null_ns, fixed_ns = ns_of(results, DRIVER_CASE, "null"), ns_of(results, DRIVER_CASE, "fixed")
    if null_ns and fixed_ns:
        return (label, null_ns / fixed_ns, 0.1, "le", "%s vs %s ns/op through workloads::run_once" % (
            fmt_ns(null_ns), fmt_ns(fixed_ns)))
    return (label, None, 0.1, "le", "missing data")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("json_file")
    parser.add_argument("--markdown", action="store_true", help="print the tables as Markdown")
    args = parser.parse_args()

    doc = load(args.json_file)
    ctx = doc.get("context", {})
    results, order = collect(doc)
    present = [s for s in SUBJECTS if any(k[1] == s for k in results)]
    present += sorted({k[1] for k in results} - set(present))

    print("arena_microbench summary: %s" % args.json_file)
    print("  date %s, host %s, %s CPUs @ %s MHz, load average %s" % (
        ctx.get("date", "?"), ctx.get("host_name", "?"), ctx.get("num_cpus", "?"), ctx.get("mhz_per_cpu", "?"),
        ", ".join("%.2f" % x for x in ctx.get("load_avg", [])) or "?"))
    print("  build: arena %s; libbenchmark reports '%s'" % (
        ctx.get("arena_build_type", "?"), ctx.get("library_build_type", "?")))
    print("  process malloc: %s" % ctx.get("process_malloc", "? (not recorded)"))
    for key in ("peer_mimalloc", "peer_jemalloc", "peer_tcmalloc"):
        if key in ctx:
            print("  %s: %s" % (key, ctx[key]))
    load_avg = ctx.get("load_avg", [])
    cpus = ctx.get("num_cpus", 0)
    if load_avg and cpus and load_avg[0] > 0.5 * cpus:
        print("  WARNING: the machine was busy when the run started (load %.2f on %d CPUs): figures are noisy,"
              " multi-thread ones especially" % (load_avg[0], cpus))
    reps = max((len(r.ops_per_s) for r in results.values()), default=0)
    print("  medians over %s repetition(s); contention ns/op and ops/s are aggregate over all threads" % (
        reps if reps else "aggregate"))
    print()
    print("Median ns/op (lower is better)")
    print(table(results, order, present, lambda r: fmt_ns(r.ns_per_op()), args.markdown))
    print()
    print("Median ops/s (higher is better)")
    print(table(results, order, present, lambda r: fmt_ops(r.median_ops()), args.markdown))

    noisy = [(statistics.pstdev(r.ops_per_s) / statistics.mean(r.ops_per_s), k) for k, r in results.items()
             if len(r.ops_per_s) >= 2]
    if noisy:
        cv, (case, subject) = max(noisy)
        print()
        print("Noise: largest spread between repetitions (coefficient of variation of ops/s) %.1f%% in %s %s"
              % (100 * cv, short_case(case), subject))

    skipped = sorted({(k[1], r.error) for k, r in results.items() if r.error and r.median_ops() is None})
    if skipped:
        print()
        for subject, err in skipped:
            print("skipped %s: %s" % (subject, err))

    print()
    print("Targets")
    for label, value, bound, cmp, detail in targets(results):
        if value is None:
            verdict, shown = "N/A ", "   -  "
        else:
            ok = value <= bound if cmp == "le" else value >= bound
            verdict, shown = ("PASS" if ok else "MISS"), "%5.2fx" % value
        print("  %s  %s  (target %s %.2fx)  %s: %s" % (verdict, shown, "<=" if cmp == "le" else ">=", bound, label,
                                                       detail))
    return 0


if __name__ == "__main__":
    sys.exit(main())
