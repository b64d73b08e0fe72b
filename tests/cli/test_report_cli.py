#!/usr/bin/env python3
# End-to-end tests of `arena-bench report` and of --html on run and compare (CTest label cli):
# a page from a short real run (to a file, to stdout, from stdin), the same page written directly
# by run --html and compare --html, and every input that is not a report - truncated JSON, binary
# garbage, a huge file, JSON nested too deep, valid JSON that is not a report, a wrong
# schema_version, a missing file, a directory - and unwritable or clashing output paths: exit 2,
# ONE line on stderr naming the file (and the field), nothing written, no temporary file left.
# The harness and protocol (--list, --list-all, --case, --binary, --data, ...) are cli_harness.py's.
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from cli_harness import MINIMAL, check, expect_bad_input, main, read_text, run_good  # noqa: E402

QUICK = ["--operations", "2000", "--quiet"]


def check_page(page, names=(), charts=("bars", "lines")):
    check(page.startswith("<!DOCTYPE html>"), "not an HTML page: %r" % page[:200])
    check(page.rstrip().endswith("</html>"), "the page is not complete: %r" % page[-200:])
    check("<script" not in page.lower(), "the page holds a <script>")
    check(page.count("<svg") == page.count("</svg>") and page.count("<svg") >= 2, "expected SVG charts")
    for kind in charts:
        check(('class="chart %s"' % kind) in page, "no %s chart in the page" % kind)
    for name in names:
        check(name in page, "allocator %r is not in the page" % name)
    check("prefers-color-scheme: dark" in page, "no dark style")


def make_report(ctx, name="report.json"):
    report = ctx.out(name)
    run_good(ctx, ["run", ctx.path(MINIMAL)] + QUICK + ["-o", report])
    return report


# --- Cases ---

def report_to_file(ctx):
    report = make_report(ctx)
    page_path = ctx.out("page.html")
    out, err = run_good(ctx, ["report", report, "-o", page_path])
    check(out == "" and err == "", "expected silence with -o, got %r / %r" % (out, err))
    page = read_text(page_path)
    check_page(page, names=["malloc"])
    check(sorted(os.listdir(ctx.tmp)) == ["page.html", "report.json"], "stray files: %s" % os.listdir(ctx.tmp))


def report_stdout_and_stdin(ctx):
    report = make_report(ctx)
    from_file, _ = run_good(ctx, ["report", report])
    check_page(from_file, names=["malloc"])
    with open(report, "rb") as f:
        from_stdin, _ = run_good(ctx, ["report", "-"], stdin=f.read())
    check(from_stdin == from_file, "the page from stdin differs from the page from the file")
    again, _ = run_good(ctx, ["report", report])
    check(again == from_file, "the page is not deterministic")


def report_run_html(ctx):
    report, page_path = ctx.out("r.json"), ctx.out("r.html")
    run_good(ctx, ["run", ctx.path(MINIMAL)] + QUICK + ["-o", report, "--html", page_path])
    page = read_text(page_path)
    check_page(page, names=["malloc"])
    rendered, _ = run_good(ctx, ["report", report])
    check(rendered == page, "run --html and `report` of the same report give different pages")
    check(sorted(os.listdir(ctx.tmp)) == ["r.html", "r.json"], "stray files: %s" % os.listdir(ctx.tmp))


def report_compare_html(ctx):
    page_path = ctx.out("cmp.html")
    out, _ = run_good(ctx, ["compare", "--preset", "buddy-size-cycle", "--operations", "2000", "--repetitions", "1",
                            "--peers", "malloc", "--quiet", "--html", page_path])
    report = json.loads(out)  # the JSON still goes to stdout
    names = sorted({r["allocator"] for r in report["results"]})
    page = read_text(page_path)
    check_page(page, names=names, charts=("bars", "lines", "columns"))
    check("Free blocks per order" in page, "no free-block section")


def report_hostile_names(ctx):
    hostile = "</title><script>alert(1)</script><img src=x onerror=alert(2)>"
    report = ctx.out("r.json")
    run_good(ctx, ["run", ctx.path(MINIMAL)] + QUICK + ["--set", "name=" + hostile, "-o", report])
    page, _ = run_good(ctx, ["report", report])
    check(hostile not in page and "<img" not in page and "<script" not in page, "a hostile name reached the markup")
    check("&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page, "the hostile name is not shown escaped")


def html_unwritable_before_run(ctx):
    report = ctx.out("r.json")
    args = ["run", ctx.path(MINIMAL), "--duration", "3", "--quiet", "-o", report, "--html",
            ctx.out("no-such-dir/page.html")]
    start = time.monotonic()
    expect_bad_input(ctx, args, ["no-such-dir/page.html", "--html"], output=report)
    elapsed = time.monotonic() - start
    check(elapsed < 2.5, "the bad --html path was found only after %.1f s (the run takes 3 s)" % elapsed)


def html_clash_and_empty(ctx):
    report = ctx.out("r.json")
    expect_bad_input(ctx, ["run", ctx.path(MINIMAL)] + QUICK + ["-o", report, "--html", report],
                     ["--html", "the same file as -o"], output=report)
    expect_bad_input(ctx, ["compare", ctx.path(MINIMAL)] + QUICK + ["--html", ""], "--html")
    expect_bad_input(ctx, ["run", ctx.path(MINIMAL)] + QUICK + ["--html", ctx.tmp], ["--html", "a directory"])


def report_output_unwritable(ctx):
    report = make_report(ctx)
    expect_bad_input(ctx, ["report", report, "-o", ctx.out("missing/page.html")], ["missing/page.html", "-o"])
    expect_bad_input(ctx, ["report", report, "-o", report], ["-o", "the input itself"])
    check(json.loads(read_text(report))["schema_version"] == 1, "the input report was changed")
    expect_bad_input(ctx, ["report"], "REPORT")
    expect_bad_input(ctx, ["report", report, "extra"], "extra")


def good_report_text(ctx):
    return read_text(make_report(ctx, "good.json"))


def bad_input_cases():
    """name -> function(ctx, good_report_text) returning (input path, [expected texts])."""
    def truncated(ctx, good):
        return ctx.write("truncated.json", good[:len(good) // 2]), ["truncated.json", "line", "valid JSON"]

    def garbage(ctx, good):
        data = bytes((i * 7919 + 13) % 256 for i in range(4096))
        return ctx.write("garbage.json", data), ["garbage.json", "valid JSON"]

    def huge(ctx, good):
        path = ctx.out("huge.json")
        with open(path, "wb") as f:
            f.truncate(300 << 20)  # sparse: no disk space used
        return path, ["huge.json", "file", "at most 256 MiB"]

    def deep(ctx, good):
        return ctx.write("deep.json", "[" * 100000 + "]" * 100000), ["deep.json", "nested at most"]

    def not_a_report(ctx, good):
        return ctx.write("other.json", '{"benchmarks": []}'), ["other.json", "schema_version"]

    def array(ctx, good):
        return ctx.write("array.json", "[1, 2, 3]"), ["array.json", "JSON object", "array"]

    def wrong_version(ctx, good):
        doc = json.loads(good)
        doc["schema_version"] = 2
        return ctx.write("v2.json", json.dumps(doc)), ["v2.json", "schema_version: expected 1, got", "2"]

    def bad_field(ctx, good):
        doc = json.loads(good)
        doc["results"][0]["latency"] = "fast"
        return ctx.write("field.json", json.dumps(doc)), ["field.json", "results[0].latency"]

    def empty(ctx, good):
        return ctx.write("empty.json", ""), ["empty.json", "empty"]

    def missing(ctx, good):
        return ctx.out("missing.json"), ["missing.json", "No such file"]

    def directory(ctx, good):
        os.mkdir(ctx.out("dir.json"))
        return ctx.out("dir.json"), ["dir.json", "directory"]

    return {"truncated": truncated, "binary_garbage": garbage, "huge": huge, "deep": deep,
            "not_a_report": not_a_report, "array": array, "wrong_schema_version": wrong_version,
            "bad_field": bad_field, "empty": empty, "missing": missing, "directory": directory}


def bad_input_case(make):
    def case(ctx):
        good = good_report_text(ctx)
        path, expected = make(ctx, good)
        page = ctx.out("page.html")
        expect_bad_input(ctx, ["report", path, "-o", page], expected, output=page)
        expect_bad_input(ctx, ["report", path], expected)  # to stdout: nothing printed either
    return case


def bad_stdin(ctx):
    expect_bad_input(ctx, ["report", "-"], ["-", "valid JSON"], stdin=b"\x00\x01garbage")


def report_help(ctx):
    out, _ = run_good(ctx, ["report", "--help"])
    check("Examples:" in out and "report.json -o report.html" in out, "report --help has no examples:\n" + out)
    for sub in ("run", "compare"):
        out, _ = run_good(ctx, [sub, "--help"])
        check("--html" in out, "%s --help does not mention --html" % sub)


def all_cases():
    cases = {
        "report_to_file": report_to_file,
        "report_stdout_and_stdin": report_stdout_and_stdin,
        "report_run_html": report_run_html,
        "report_compare_html": report_compare_html,
        "report_hostile_names": report_hostile_names,
        "report_html_unwritable_before_run": html_unwritable_before_run,
        "report_html_clash_and_empty": html_clash_and_empty,
        "report_output_unwritable": report_output_unwritable,
        "report_bad_stdin": bad_stdin,
        "report_help": report_help,
    }
    for name, make in bad_input_cases().items():
        cases["report_bad_input/" + name] = bad_input_case(make)
    return cases


GROUPS = {"report_bad_inputs": "report_bad_input/"}


if __name__ == "__main__":
    sys.exit(main(__doc__, lambda data: all_cases(), GROUPS, tmp_prefix="arena-bench-report-"))
