# The shared harness of the end-to-end scripts tests/cli/test_*_cli.py (and test_cli.py): the
# Failure/check pair, the per-case Context (binary, data, a fresh directory, a run with a timeout),
# the bad-input expectation (exit 2, ONE "arena-bench: " line on stderr holding the expected text,
# nothing on stdout, no file left) and main(), the protocol every script speaks (--list, --list-all,
# --case, --binary, --data, --schema, --version). Standard library only. Not named test_*.py, so
# tests/cli/CMakeLists.txt does not register it as a script; scripts import it from their directory.
import argparse
import json
import os
import subprocess
import sys
import tempfile

TIMEOUT_S = 120
MINIMAL = "profiles/minimal.json"  # 256-byte requests, malloc only, relative to --data


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


class Context:
    """One case's world: the binary, tests/data, the schema and version flags, and a fresh
    directory `tmp` that is also the binary's working directory."""

    def __init__(self, args, tmp, timeout_s=TIMEOUT_S):
        self.binary = os.path.abspath(args.binary)
        self.data = os.path.abspath(args.data)
        self.schema = args.schema
        self.version = args.version
        self.tmp = tmp
        self.timeout_s = timeout_s

    def path(self, relative):
        """A path under --data (tests/data)."""
        return os.path.join(self.data, relative)

    def out(self, name="out.json"):
        """A path in the case's directory."""
        return os.path.join(self.tmp, name)

    def run(self, args, env=None, stdin=None):
        """Runs the binary in tmp with `env` added to the environment and `stdin` (bytes) as input;
        returns (exit code, stdout, stderr). Raises subprocess.TimeoutExpired after timeout_s."""
        full_env = dict(os.environ)
        if env:
            full_env.update(env)
        proc = subprocess.run([self.binary] + args, capture_output=True, timeout=self.timeout_s, env=full_env,
                              cwd=self.tmp, input=stdin)
        return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")

    def write(self, name, data):
        """Writes data (bytes or str) to tmp/name, creating its directories; returns the path."""
        path = self.out(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode("utf-8"))
        return path

    def write_json(self, name, document):
        return self.write(name, json.dumps(document, indent=1))


def describe(args, code, out, err):
    return "command: arena-bench %s\nexit code: %d\nstdout: %r\nstderr: %r" % (" ".join(args), code, out[:2000],
                                                                               err[:3000])


def read_text(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def run_good(ctx, args, env=None, stdin=None):
    """Runs args, checks exit 0; returns (stdout, stderr)."""
    code, out, err = ctx.run(args, env, stdin)
    check(code == 0, "expected exit code 0\n" + describe(args, code, out, err))
    return out, err


def expect_bad_input(ctx, args, expected, output=None, stdin=None):
    """Runs args; checks exit 2, nothing on stdout, exactly one short stderr line starting with
    'arena-bench: ' and containing `expected` (a string or a list of strings), that `output` (if
    given) does not exist, and that nothing new appeared in the case's directory."""
    before = set(os.listdir(ctx.tmp))
    code, out, err = ctx.run(args, stdin=stdin)
    info = describe(args, code, out, err)
    check(code == 2, "expected exit code 2\n" + info)
    check(out == "", "expected nothing on stdout\n" + info)
    check(err.endswith("\n") and err.count("\n") == 1, "expected exactly one line on stderr\n" + info)
    check(err.startswith("arena-bench: "), "expected the line to start with 'arena-bench: '\n" + info)
    for text in ([expected] if isinstance(expected, str) else expected):
        check(text in err, "expected the error to contain %r\n%s" % (text, info))
    check(len(err) < 1000, "expected a short line (the input must not be echoed)\n" + info)
    if output is not None:
        check(not os.path.exists(output), "the output file %s exists after a failed run\n%s" % (output, info))
    left = set(os.listdir(ctx.tmp)) - before
    check(not left, "files left behind after a failed run: %s\n%s" % (sorted(left), info))


# --- The protocol ---

def tests_for_ctest(cases, groups):
    """The CTest names: every case outside a group, then the groups (GROUP runs every case whose
    name starts with groups[GROUP])."""
    names = [name for name in cases if not any(name.startswith(prefix) for prefix in groups.values())]
    return names + list(groups)


def run_case(name, case, args, tmp_prefix, timeout_s):
    with tempfile.TemporaryDirectory(prefix=tmp_prefix) as tmp:
        try:
            case(Context(args, tmp, timeout_s))
            print("ok   %s" % name)
            return True
        except Failure as e:
            print("FAIL %s\n%s" % (name, e))
        except subprocess.TimeoutExpired as e:
            print("FAIL %s: timed out: %s" % (name, e))
        return False


def main(description, make_cases, groups=None, needs_schema=False, tmp_prefix="arena-bench-cli-",
         timeout_s=TIMEOUT_S):
    """Parses the protocol's flags and lists or runs cases. make_cases(data_dir) returns an ordered
    dict name -> function(Context). Returns the exit status: 0 all passed, 1 a case failed, 2 an
    unknown case."""
    groups = groups or {}
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--binary", help="the arena-bench executable")
    parser.add_argument("--data", required=True, help="tests/data")
    parser.add_argument("--schema", help="docs/report.schema.json (used by the scripts that check reports)")
    parser.add_argument("--version", default="", help="the project version --version must print")
    parser.add_argument("--case", action="append", default=[], help="a case or group to run (repeatable; default: all)")
    parser.add_argument("--list", action="store_true", help="print the CTest test names (cases and groups) and exit")
    parser.add_argument("--list-all", action="store_true", help="print every case name, group members included")
    args = parser.parse_args()

    cases = make_cases(args.data)
    if args.list:
        print("\n".join(tests_for_ctest(cases, groups)))
        return 0
    if args.list_all:
        print("\n".join(cases))
        return 0
    if not args.binary or (needs_schema and not args.schema):
        parser.error("--binary and --schema are required to run cases" if needs_schema
                     else "--binary is required to run cases")
    selected = []
    for name in args.case or tests_for_ctest(cases, groups):
        if name in groups:
            selected += [n for n in cases if n.startswith(groups[name])]
        elif name in cases:
            selected.append(name)
        else:
            print("unknown case %r (see --list-all)" % name, file=sys.stderr)
            return 2
    failed = [name for name in selected if not run_case(name, cases[name], args, tmp_prefix, timeout_s)]
    print("%d passed, %d failed%s" % (len(selected) - len(failed), len(failed),
                                       (": " + " ".join(failed)) if failed else ""))
    return 1 if failed else 0
