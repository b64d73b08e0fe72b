#!/usr/bin/env python3
# Bad input files given to `run` and `compare` (docs/reliability.md): a profile truncated at
# several points, a huge (50 MB) file, binary garbage, an empty file, invalid UTF-8, deep nesting,
# a NUL byte inside, a directory and a FIFO-less missing file. Each must exit 2 with ONE line on
# stderr naming the file, print nothing on stdout, leave no output file behind, and finish quickly.
# Standard library only; the harness and protocol (--list, --list-all, --case NAME) are cli_harness.py's.
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from cli_harness import MINIMAL, check, expect_bad_input, main  # noqa: E402

TIMEOUT_S = 60


def expect_bad_file(ctx, command, content, name="profile.json", expected=None, extra=()):
    """Writes `content` to inputs/name in the case's directory (None: no file), runs `command` on it
    with -o, and checks exit 2, one stderr line naming the file (and holding `expected`), nothing on
    stdout, no output file, no file left, and that it took less than 30 s."""
    path = ctx.out(os.path.join("inputs", name))
    if content is not None:
        ctx.write(os.path.join("inputs", name), content)
    output = ctx.out("out.json")
    start = time.monotonic()
    expect_bad_input(ctx, [command, path, "-o", output, "--quiet"] + list(extra),
                     [name] + ([expected] if expected is not None else []), output)
    elapsed = time.monotonic() - start
    check(elapsed < 30, "took %.1f s: %s %s" % (elapsed, command, path))


def minimal(data):
    with open(os.path.join(data, MINIMAL), "rb") as f:
        return f.read()


def truncated(fraction):
    def make(data):
        full = minimal(data)
        return full[: max(1, int(len(full) * fraction))]
    return make


def huge(data):
    # 50 MB: a valid JSON prefix followed by a very long string that never closes.
    return b'{"name": "' + b"x" * (50 * 1024 * 1024)


def huge_valid_whitespace(data):
    # 50 MB of whitespace around a valid profile: it parses; the run is bounded by --operations.
    return minimal(data) + b" " * (50 * 1024 * 1024) + b"}"


def binary_garbage(data):
    state = 12345
    out = bytearray()
    for _ in range(65536):
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        out.append(state >> 16 & 0xFF)
    return bytes(out)


def nul_inside(data):
    full = minimal(data)
    return full[:10] + b"\x00" + full[10:]


def bad_utf8(data):
    return b'{"name": "\xff\xfe\xc3", "threads": 1}'


def deep_nesting(data):
    return b"[" * 100000 + b"]" * 100000


INPUTS = {
    "truncated_1": (truncated(0.01), None),
    "truncated_half": (truncated(0.5), None),
    "truncated_last_byte": (lambda d: minimal(d)[:-2], None),
    "empty": (lambda d: b"", None),
    "huge_50mb": (huge, None),
    "huge_trailing_garbage": (huge_valid_whitespace, None),
    "binary": (binary_garbage, None),
    "nul_byte": (nul_inside, None),
    "bad_utf8": (bad_utf8, None),
    "deep_nesting": (deep_nesting, None),
}


def file_case(command, make, expected):
    def case(ctx):
        expect_bad_file(ctx, command, make(ctx.data), expected=expected)
    return case


def missing_case(command):
    def case(ctx):
        expect_bad_file(ctx, command, None, name="missing.json")
    return case


def all_cases(data):
    cases = {}
    for command in ("run", "compare"):
        for name, (make, expected) in INPUTS.items():
            cases["badinput_%s_%s" % (command, name)] = file_case(command, make, expected)
        cases["badinput_%s_missing" % command] = missing_case(command)
    return cases


if __name__ == "__main__":
    sys.exit(main(__doc__, all_cases, tmp_prefix="arena-bench-badinput-", timeout_s=TIMEOUT_S))
