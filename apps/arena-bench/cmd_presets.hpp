// cmd_presets: `arena-bench presets` lists the built-in workload profiles, one line each (name and
// summary); `arena-bench presets --show NAME` prints one as profile JSON, which `arena-bench run`
// accepts as a file: the starting point for a profile of one's own.
#pragma once

#include <string>

#include "cli_args.hpp"

namespace arena::bench {

struct PresetsCommandOptions {
  std::string show;  // --show NAME; empty: list them all
};

// Adds the `presets` subcommand to `app`.
Command setup_presets(CLI::App& app);
// Exit status 0; an unknown NAME is thrown as workloads::InputError.
int run_presets(const PresetsCommandOptions& options);

}  // namespace arena::bench
