// main: arena-bench's entry point. Builds the CLI11 application, registers one subcommand per file
// pair (cmd_*.cpp), runs the chosen one and maps the outcome to the exit status: 0 success (and
// --help / --version), 2 bad input or usage - ONE line on stderr, from a CLI11 parse error or a
// workloads::InputError - and 3 for anything unexpected. Nothing else happens here.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "arena/workloads/input_error.hpp"
#include "cli_args.hpp"
#include "cmd_compare.hpp"
#include "cmd_gate.hpp"
#include "cmd_plan.hpp"
#include "cmd_presets.hpp"
#include "cmd_report.hpp"
#include "cmd_run.hpp"
#include "cmd_topology.hpp"

namespace {

constexpr int kExitBadInput = 2;
constexpr int kExitInternal = 3;

// A message as one line (CLI11's may span several).
std::string one_line(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  std::string out;
  for (char c : text) {
    if (c == '\n') {
      out += "; ";
    } else if (c != '\r') {
      out += c;
    }
  }
  return out;
}

void print_error(const std::string& message) {
  std::fputs(("arena-bench: " + one_line(message) + "\n").c_str(), stderr);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace arena::bench;
  const std::string version = "arena-bench " ARENA_BENCH_VERSION;

  CLI::App app{
      "arena-bench: run workload profiles against memory arenas (fixed, buddy) and heap allocators "
      "side by side; JSON reports, tables on stderr.",
      "arena-bench"};
  app.set_version_flag("--version", version, "Print the version and exit");
  app.require_subcommand(1);
  app.footer(R"(Examples:
  arena-bench presets                                  # the built-in workloads
  arena-bench run --preset rpc-small -o report.json    # run one; the table appears on a terminal
  arena-bench compare --preset kv-values --fixed 65536x4KiB,spill --buddy 256MiB/64
  arena-bench topology --synthetic "pack:2 numa:2 core:2 pu:1"

Exit status: 0 success, 1 a regression found by gate, 2 bad input or usage (one line on stderr),
3 internal error.
Run 'arena-bench SUBCOMMAND --help' for each subcommand's options and examples.)");

  const std::vector<Command> commands = {setup_run(app),    setup_compare(app), setup_plan(app),    setup_gate(app),
                                         setup_report(app), setup_presets(app), setup_topology(app)};
  for (const Command& command : commands)
    command.app->set_version_flag("--version", version, "Print the version and exit");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);  // --help, --version
    std::string hint = "arena-bench --help";
    bool in_subcommand = false;
    for (const Command& command : commands) {
      if (command.app->parsed()) {
        hint = "arena-bench " + command.app->get_name() + " --help";
        in_subcommand = true;
      }
    }
    const bool known = std::any_of(commands.begin(), commands.end(),
                                   [&](const Command& c) { return argc > 1 && c.app->get_name() == argv[1]; });
    if (!in_subcommand && !known && argc > 1 && argv[1][0] != '-') {
      print_error("unknown subcommand \"" + std::string(argv[1]) +
                  "\": expected run, compare, plan, gate, report, presets or topology (see " + hint + ")");
      return kExitBadInput;
    }
    print_error(std::string(e.what()) + " (see " + hint + ")");
    return kExitBadInput;
  }

  try {
    const std::string line = command_line(argc, argv);
    for (const Command& command : commands) {
      if (command.app->parsed()) return command.action(line);
    }
    print_error("no subcommand (see arena-bench --help)");
    return kExitBadInput;
  } catch (const arena::workloads::InputError& e) {
    print_error(e.what());
    return kExitBadInput;
  } catch (const std::exception& e) {
    print_error(std::string("internal error: ") + e.what());
    return kExitInternal;
  }
}
