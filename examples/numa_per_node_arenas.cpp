// Example: one arena per NUMA node (arena/numa.hpp). Topology::detect() describes this machine;
// a synthetic topology ("pack:2 numa:2 core:2 pu:1": 4 nodes) lets the fallback be seen on any
// machine. A NumaFixedArenas set allocates from the caller's node first and, when that node is
// full, from at most max_remote_nodes_per_call other nodes: a bounded fallback, counted per node
// so that a deployment can watch remote / total (and rebalance work when it stays above a few %).
// Exits non-zero if an allocation is not served where the rules say.
#include <cstdio>
#include <thread>
#include <utility>
#include <vector>

#include <arena/arena.hpp>
#include <arena/numa.hpp>

namespace {

void print_topology(const char* name, const arena::Topology& topology) {
  std::printf("%s: %u node(s), %s, binds_memory=%s\n", name, topology.node_count(), topology.backend().c_str(),
              topology.binds_memory() ? "yes" : "no");
  for (const arena::NodeInfo& n : topology.nodes()) {
    std::printf("  node %u (os %u): %llu MiB, %u cores, %u PUs\n", n.node, n.os_index,
                static_cast<unsigned long long>(n.memory_bytes >> 20), n.cores, n.pus);
  }
}

void print_metrics(const std::vector<arena::NodeMetrics>& metrics) {
  for (const arena::NodeMetrics& m : metrics) {
    std::printf(
        "  node %u: local=%llu remote=%llu failed=%llu\n", m.node, static_cast<unsigned long long>(m.local_allocations),
        static_cast<unsigned long long>(m.remote_allocations), static_cast<unsigned long long>(m.failed_allocations));
  }
}

}  // namespace

int main() {
  bool ok = true;

  // --- This machine: a worker pinned to each node allocates from its own node's arena. ---
  arena::Result<arena::Topology> here = arena::Topology::detect();
  if (!here) {
    std::printf("detect: %s\n", here.error().message().c_str());
    return 1;
  }
  print_topology("this machine", *here);
  arena::NumaFixedArenas local_sets =
      arena::NumaFixedArenas::build(*here, arena::FixedArena::with_slot_capacity(64, 4096)).value();
  std::vector<std::thread> workers;
  for (unsigned node = 0; node < here->node_count(); ++node) {
    workers.emplace_back([&, node] {
      const arena::Result<void> pinned = here->pin_current_thread(node);  // not_supported: runs unpinned
      arena::Result<arena::Buffer> buffer = local_sets.allocate();        // this thread's node first
      std::printf("  worker for node %u: pinned=%s, running on node %u, allocate: %s\n", node,
                  pinned ? "yes" : pinned.error().message().c_str(), here->current_node(), buffer ? "ok" : "failed");
    });
  }
  for (std::thread& w : workers) w.join();
  unsigned long long served_here = 0;
  for (const arena::NodeMetrics& m : local_sets.metrics()) served_here += m.local_allocations + m.remote_allocations;
  ok = ok && served_here == here->node_count();

  // --- A synthetic 4-node machine: 2 slots per node, one remote node allowed per call. ---
  const arena::Topology four = arena::Topology::synthetic("pack:2 numa:2 core:2 pu:1").value();
  print_topology("synthetic", four);
  arena::NumaFixedArenas sets = arena::NumaFixedArenas::build(four, arena::FixedArena::with_slot_capacity(2, 1024),
                                                              arena::NumaOptions{.max_remote_nodes_per_call = 1})
                                    .value();
  std::vector<arena::Buffer> held;
  auto from = [&](unsigned node) {
    arena::Result<arena::Buffer> b = sets.allocate_from(node);  // as if the caller ran on `node`
    if (b) held.push_back(std::move(b).value());
    return b.has_value();
  };
  const bool node1_twice = from(1) && from(1);  // node 1's two slots: local
  const bool spilled_to_2 = from(1);            // node 1 full: served by node 2 (remote)
  const bool node2_local = from(2);             // node 2's last slot, local
  const bool refused = !from(1);                // nodes 1 and 2 full; node 3 is not tried: arena_full
  std::printf(
      "allocate_from(1) x2 local: %s; 3rd goes remote to node 2: %s; node 2 fills up: %s; "
      "4th from node 1 refused (fallback bounded to 1 node): %s\n",
      node1_twice ? "ok" : "no", spilled_to_2 ? "ok" : "no", node2_local ? "ok" : "no", refused ? "ok" : "no");
  const std::vector<arena::NodeMetrics> m = sets.metrics();
  print_metrics(m);
  std::printf("  remote share: %llu of %zu served\n", static_cast<unsigned long long>(m[2].remote_allocations),
              held.size());

  ok = ok && node1_twice && spilled_to_2 && node2_local && refused && m[1].local_allocations == 2 &&
       m[1].failed_allocations == 1 && m[2].remote_allocations == 1 && m[2].local_allocations == 1 &&
       m[0].local_allocations + m[3].local_allocations + m[0].remote_allocations + m[3].remote_allocations == 0;
  std::printf("%s\n", ok ? "OK" : "FAILED");
  return ok ? 0 : 1;
}
