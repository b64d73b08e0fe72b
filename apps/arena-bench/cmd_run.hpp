// cmd_run: `arena-bench run PROFILE|--preset NAME`: runs a workload profile against the allocators
// it lists and writes the JSON report (stdout or -o FILE), with a summary table and a progress
// bar on stderr. run_and_report() is the part compare shares: whatever chose the allocators, the
// output path is checked first, the profile runs, then the report is written.
#pragma once

#include <string>

#include "arena/workloads/profile.hpp"
#include "cli_args.hpp"

namespace arena::bench {

struct RunCommandOptions {
  ProfileArgs profile;
  OutputArgs output;
  std::string command_line;  // as typed, for the report's context
};

// Adds the `run` subcommand to `app`.
Command setup_run(CLI::App& app);
// Exit status 0; bad input is thrown as workloads::InputError (main prints it and exits 2).
int run_run(const RunCommandOptions& options);

// Opens the outputs (-o, --html) before anything runs, runs every allocator of `profile` for each
// repetition, writes the report (and its HTML page), and prints the table when asked or when
// stderr is a terminal. InputError when an output cannot be created or -o and --html name the same file.
int run_and_report(const workloads::Profile& profile, const OutputArgs& output, const std::string& command_line);

}  // namespace arena::bench
