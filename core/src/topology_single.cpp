// The fallback backend of Topology when the library is built without hwloc (ARENA_NUMA=OFF): one
// node holding every CPU, nothing bound, nothing pinned. Synthetic descriptions are not
// understood without hwloc.
#include <thread>

#include "arena/numa.hpp"
#include "topology_impl.hpp"

namespace arena {
namespace detail {

TopologyImpl::~TopologyImpl() = default;
Result<void> TopologyImpl::pin(unsigned node) const { return node == 0 ? Errc::not_supported : Errc::invalid_argument; }
std::byte* TopologyImpl::allocate_on(unsigned, std::size_t) const { return nullptr; }
void TopologyImpl::free_on(std::byte*, std::size_t) const {}

}  // namespace detail

Result<Topology> Topology::detect() {
  auto impl = std::make_shared<detail::TopologyImpl>();
  NodeInfo node;
  node.pus = std::thread::hardware_concurrency();
  node.cores = node.pus;
  impl->nodes.push_back(node);
  impl->backend = "none (single node)";
  return Topology(std::move(impl));
}

Result<Topology> Topology::synthetic(std::string_view) { return Errc::not_supported; }

}  // namespace arena
