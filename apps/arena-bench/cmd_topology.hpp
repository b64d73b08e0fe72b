// cmd_topology: `arena-bench topology` prints the machine's NUMA topology as hwloc sees it (nodes,
// cores, hardware threads, memory per node), as text or JSON (--json); --synthetic "pack:2 numa:2
// core:2 pu:1" describes another machine instead, for planning NUMA placement in profiles.
#pragma once

#include <string>

#include "cli_args.hpp"

namespace arena::bench {

struct TopologyCommandOptions {
  bool json = false;
  std::string synthetic;  // an hwloc synthetic description; empty: this machine
};

// Adds the `topology` subcommand to `app`.
Command setup_topology(CLI::App& app);
// Exit status 0; a synthetic description hwloc rejects is thrown as workloads::InputError, a
// machine hwloc cannot read as std::runtime_error.
int run_topology(const TopologyCommandOptions& options);

}  // namespace arena::bench
