// cmd_plan: `arena-bench plan PROFILE|--preset NAME`: capacity planning. Parses the targets
// (--max-spill-rate, --max-failure-rate, --memory-budget, --max-latency-p99) and the model's
// scheduling (--cpus, --timeslice-ms), asks the workloads
// planner for the smallest fixed and buddy geometries meeting them, optionally verifies them with
// real runs (--verify), and writes the plan as JSON (stdout or -o FILE) with a readable table on
// stderr. Every bad target is a workloads::InputError naming its flag (exit 2), raised before the
// output file is opened and before any work.
#pragma once

#include <string>

#include "cli_args.hpp"

namespace arena::bench {

struct PlanCommandOptions {
  ProfileArgs profile;
  OutputArgs output;
  std::string max_spill_rate = "0";  // "0.1%" or "0.001"
  std::string max_failure_rate = "0";
  std::string memory_budget;     // "256MiB"; empty: none
  std::string max_latency_p99;   // "20us"; empty: none
  std::string ops_rate;          // operations per second per thread; empty: calibrated
  std::string max_modelled_ops;  // empty: the planner's default
  std::string cpus;              // CPUs the threads get at once; empty: usable_cpus()
  std::string timeslice_ms;      // scheduler time slice of the model; empty: the default
  std::string headroom;          // "25%" or "0.25"; empty: the planner's default
  bool verify = false;
  std::string command_line;
};

// Adds the `plan` subcommand to `app`.
Command setup_plan(CLI::App& app);
// Exit status 0; bad input is thrown as workloads::InputError (main prints it and exits 2).
int run_plan(const PlanCommandOptions& options);

}  // namespace arena::bench
