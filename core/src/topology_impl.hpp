// TopologyImpl: what the NUMA code knows of a machine, filled by one backend: hwloc
// (topology_hwloc.cpp, when built with ARENA_NUMA) or a single node (topology_single.cpp).
// Backends also provide pinning and node-bound allocation.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "arena/error.hpp"
#include "arena/numa.hpp"

namespace arena::detail {

struct TopologyImpl {
  TopologyImpl() = default;
  TopologyImpl(const TopologyImpl&) = delete;
  TopologyImpl& operator=(const TopologyImpl&) = delete;
  ~TopologyImpl();  // backend-specific

  std::vector<NodeInfo> nodes;
  std::vector<unsigned> node_of_cpu;  // indexed by the OS number of a CPU
  bool binds_memory = false;
  bool synthetic = false;
  std::string backend;
  void* handle = nullptr;  // hwloc_topology_t for the hwloc backend

  // Backend-specific.
  Result<void> pin(unsigned node) const;
  // `size` bytes bound to `node` (page-aligned), or nullptr.
  std::byte* allocate_on(unsigned node, std::size_t size) const;
  void free_on(std::byte* memory, std::size_t size) const;
};

}  // namespace arena::detail
