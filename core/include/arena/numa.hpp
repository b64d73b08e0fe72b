// NUMA placement: a machine's topology (hwloc underneath) and sets of per-node arenas that
// allocate from the calling thread's node first and fall back to a bounded number of remote
// nodes. Include this header explicitly; the umbrella arena.hpp does not.
//
//   node 0: FixedArena (memory bound to node 0)     thread on node 1 -> allocate():
//   node 1: FixedArena (memory bound to node 1)       node 1 first, then at most
//   node 2: ...                                       max_remote_nodes_per_call others
//
// Each node's memory is bound to its node where the system supports it (hwloc's support flags,
// not return values, decide), otherwise it is placed by first touch from a thread pinned to the
// node. On a machine without NUMA (or a build without hwloc) there is one node and a set behaves
// as a plain arena. Synthetic topologies ("numa:2 core:2 pu:1") are for planning and tests: they
// bind nothing and pin nothing, and current_node() maps this machine's CPU numbers onto them.
//
// Thread-safety: Topology and the arena sets are safe to share between threads (copies share).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "arena/buddy_arena.hpp"
#include "arena/error.hpp"
#include "arena/fixed_arena.hpp"

namespace arena {

namespace detail {
struct TopologyImpl;
struct NumaSetImpl;
}  // namespace detail

// One NUMA node as the topology describes it.
struct NodeInfo {
  unsigned node = 0;               // logical index, 0..node_count()-1
  unsigned os_index = 0;           // the operating system's number for it
  std::uint64_t memory_bytes = 0;  // local memory (0 when unknown; synthetic topologies report
                                   // hwloc's default of 1 GiB unless the description sets it)
  unsigned cores = 0;
  unsigned pus = 0;                // hardware threads
};

class Topology {
 public:
  // This machine. Errc::not_supported when hwloc cannot load it.
  static Result<Topology> detect();
  // A described machine, e.g. "numa:2 core:2 pu:1" (2 nodes), "pack:2 numa:2 core:2 pu:1" (4).
  // Errc::invalid_argument when hwloc rejects the description.
  static Result<Topology> synthetic(std::string_view description);

  unsigned node_count() const noexcept;
  std::vector<NodeInfo> nodes() const;
  // True when memory can be bound to a node on this system (hwloc support flags).
  bool binds_memory() const noexcept;
  bool is_synthetic() const noexcept;
  // The node of the CPU the calling thread runs on (0 when unknown).
  unsigned current_node() const;
  // Binds the calling thread to the CPUs of `node`. invalid_argument for a bad node,
  // not_supported on synthetic topologies or when the system refuses.
  Result<void> pin_current_thread(unsigned node) const;
  // "hwloc API 2.8.0" (the API version of the loaded hwloc) or "none (single node)".
  std::string backend() const;

 private:
  friend class NumaFixedArenas;
  friend class NumaBuddyArenas;
  friend struct detail::NumaSetImpl;
  explicit Topology(std::shared_ptr<detail::TopologyImpl> impl) noexcept : impl_(std::move(impl)) {}
  std::shared_ptr<detail::TopologyImpl> impl_;
};

struct NumaOptions {
  unsigned max_remote_nodes_per_call = 1;  // 0: local only
};

// Counts of one node of a set, for allocate() / allocate_from() only (allocate_on() is an explicit
// placement and counts only in the node's arena metrics). `remote_allocations` are served by this
// node for threads of other nodes; `failed_allocations` are calls from this node's threads that no
// tried node could serve (arena_full; an error no node can help with, such as request_too_large,
// is returned at once and not counted here).
struct NodeMetrics {
  unsigned node = 0;
  std::uint64_t local_allocations = 0;
  std::uint64_t remote_allocations = 0;
  std::uint64_t failed_allocations = 0;
};

// One FixedArena per node, each built from `per_node` (so each has its geometry).
class NumaFixedArenas {
 public:
  static Result<NumaFixedArenas> build(const Topology& topology, FixedArena::Builder per_node, NumaOptions options = {});
  // The calling thread's node first, then up to max_remote_nodes_per_call other nodes (in node
  // order after it). Errc::arena_full when none could serve.
  Result<Buffer> allocate();
  // As allocate(), as if the calling thread ran on `preferred_node` (for callers that route work
  // by node themselves). invalid_argument for a bad node.
  Result<Buffer> allocate_from(unsigned preferred_node);
  // That node only (no fallback); invalid_argument for a bad node.
  Result<Buffer> allocate_on(unsigned node);
  unsigned node_count() const noexcept;
  FixedArena& arena(unsigned node);
  std::vector<NodeMetrics> metrics() const;
  const Topology& topology() const noexcept;

 private:
  explicit NumaFixedArenas(std::shared_ptr<detail::NumaSetImpl> impl) noexcept : impl_(std::move(impl)) {}
  std::shared_ptr<detail::NumaSetImpl> impl_;
  std::vector<FixedArena> arenas_;
};

// One BuddyArena per node, same shape as NumaFixedArenas.
class NumaBuddyArenas {
 public:
  static Result<NumaBuddyArenas> build(const Topology& topology, BuddyArena::Builder per_node, NumaOptions options = {});
  Result<Buffer> allocate(std::size_t len);
  Result<Buffer> allocate_from(unsigned preferred_node, std::size_t len);
  Result<Buffer> allocate_on(unsigned node, std::size_t len);
  unsigned node_count() const noexcept;
  BuddyArena& arena(unsigned node);
  std::vector<NodeMetrics> metrics() const;
  const Topology& topology() const noexcept;

 private:
  explicit NumaBuddyArenas(std::shared_ptr<detail::NumaSetImpl> impl) noexcept : impl_(std::move(impl)) {}
  std::shared_ptr<detail::NumaSetImpl> impl_;
  std::vector<BuddyArena> arenas_;
};

}  // namespace arena
