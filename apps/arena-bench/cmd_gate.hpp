// cmd_gate: `arena-bench gate BASELINE CURRENT`: compares two arena-bench reports (or two Google
// Benchmark JSON files) and fails (exit 1) when something regressed: significant (Mann-Whitney U
// over the repetitions, Holm-corrected) AND beyond a threshold, or a deterministic figure worse than
// its tolerance. The table goes to stderr (always, unless --quiet), the verdict as JSON to stdout
// or -o FILE. Exit 0 nothing regressed, 1 a regression, 2 bad input (nothing written).
#pragma once

#include <string>

#include "cli_args.hpp"

namespace arena::bench {

struct GateCommandOptions {
  std::string baseline;         // BASELINE (a report or Google Benchmark JSON)
  std::string current;          // CURRENT (the same kind)
  std::string config;           // --config FILE (docs/ci-gate.md)
  std::string alpha;            // --alpha A, kept as text and checked here
  std::string threshold;        // --threshold PCT (single-thread)
  std::string threshold_multi;  // --threshold-multi PCT (multi-thread)
  std::string output;           // -o FILE; empty: the JSON goes to stdout
  bool quiet = false;           // --quiet: no table on stderr
};

// Adds the `gate` subcommand to `app`.
Command setup_gate(CLI::App& app);
// Returns 0 (nothing regressed) or 1 (a regression); bad input is thrown as workloads::InputError
// (main prints it and exits 2).
int run_gate_command(const GateCommandOptions& options);

}  // namespace arena::bench
