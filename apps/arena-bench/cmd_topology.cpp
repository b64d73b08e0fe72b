// cmd_topology (cmd_topology.hpp): Topology::detect() or Topology::synthetic(), printed. Totals
// are sums over the nodes; a node's memory of 0 means hwloc does not know it.
#include "cmd_topology.hpp"

#include <cstdint>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

#include "arena/numa.hpp"
#include "arena/workloads/input_error.hpp"
#include "output.hpp"

namespace arena::bench {

Command setup_topology(CLI::App& app) {
  auto options = std::make_shared<TopologyCommandOptions>();
  CLI::App* sub = app.add_subcommand("topology", "Print the NUMA topology: nodes, cores, PUs and memory per node");
  sub->add_flag("--json", options->json, "Print JSON instead of text");
  sub->add_option("--synthetic", options->synthetic,
                  "Describe another machine in hwloc's synthetic syntax instead of this one")
      ->type_name("DESCRIPTION");
  sub->footer(R"(Examples:
  arena-bench topology
  arena-bench topology --json
  arena-bench topology --synthetic "pack:2 numa:2 core:2 pu:1"      # 4 nodes of 2 cores)");
  return {sub, [options](const std::string&) { return run_topology(*options); }};
}

int run_topology(const TopologyCommandOptions& options) {
  const bool synthetic = !options.synthetic.empty();
  Result<Topology> detected = synthetic ? Topology::synthetic(options.synthetic) : Topology::detect();
  if (!detected) {
    if (synthetic) {
      throw workloads::InputError("--synthetic", "",
                                  "an hwloc synthetic description such as \"pack:2 numa:2 core:2 pu:1\"",
                                  "\"" + options.synthetic + "\" (" + detected.error().message() + ")");
    }
    throw std::runtime_error("cannot read this machine's topology: " + detected.error().message());
  }
  const Topology& topology = detected.value();
  const std::vector<NodeInfo> nodes = topology.nodes();
  unsigned cores = 0, pus = 0;
  std::uint64_t memory = 0;
  for (const NodeInfo& n : nodes) {
    cores += n.cores;
    pus += n.pus;
    memory += n.memory_bytes;
  }

  if (options.json) {
    nlohmann::ordered_json j;
    j["synthetic"] = synthetic;
    j["description"] = synthetic ? nlohmann::ordered_json(options.synthetic) : nlohmann::ordered_json(nullptr);
    j["backend"] = topology.backend();
    j["binds_memory"] = topology.binds_memory();
    j["node_count"] = topology.node_count();
    j["cores"] = cores;
    j["pus"] = pus;
    j["memory_bytes"] = memory;
    j["nodes"] = nlohmann::ordered_json::array();
    for (const NodeInfo& n : nodes) {
      j["nodes"].push_back({{"node", n.node},
                            {"os_index", n.os_index},
                            {"cores", n.cores},
                            {"pus", n.pus},
                            {"memory_bytes", n.memory_bytes}});
    }
    write_stdout(j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n");
    return 0;
  }

  std::string text = synthetic ? "synthetic machine \"" + options.synthetic + "\"" : std::string("this machine");
  text += " (" + topology.backend() + "; memory binding " + (topology.binds_memory() ? "supported" : "not supported") +
          ")\n";
  text += std::to_string(topology.node_count()) + (topology.node_count() == 1 ? " NUMA node, " : " NUMA nodes, ") +
          std::to_string(cores) + " cores, " + std::to_string(pus) + " PUs, " + format_bytes(memory) + "\n\n";
  std::vector<std::vector<std::string>> rows = {{"node", "os index", "cores", "PUs", "memory"}};
  for (const NodeInfo& n : nodes) {
    rows.push_back({std::to_string(n.node), std::to_string(n.os_index), std::to_string(n.cores), std::to_string(n.pus),
                    n.memory_bytes == 0 ? "unknown" : format_bytes(n.memory_bytes)});
  }
  for (const auto& row : rows) {
    char line[160];
    std::snprintf(line, sizeof line, "%4s  %8s  %5s  %5s  %10s\n", row[0].c_str(), row[1].c_str(), row[2].c_str(),
                  row[3].c_str(), row[4].c_str());
    text += line;
  }
  write_stdout(text);
  return 0;
}

}  // namespace arena::bench
