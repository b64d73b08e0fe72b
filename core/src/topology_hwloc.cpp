// The hwloc backend of Topology: loading this machine or a synthetic description, nodes with
// their memory, cores and PUs, CPU -> node map, thread pinning and node-bound allocation. Memory
// binding is claimed only when hwloc's support flags say so for this (real) system.
#include <hwloc.h>

#include <string>

#include "arena/numa.hpp"
#include "topology_impl.hpp"

namespace arena {
namespace detail {
namespace {

hwloc_topology_t topo(const TopologyImpl& impl) noexcept { return static_cast<hwloc_topology_t>(impl.handle); }

Result<std::shared_ptr<TopologyImpl>> load(const char* synthetic) {
  auto impl = std::make_shared<TopologyImpl>();
  hwloc_topology_t t = nullptr;
  if (hwloc_topology_init(&t) != 0) return Errc::not_supported;
  impl->handle = t;  // freed by ~TopologyImpl from here on
  if (synthetic != nullptr && hwloc_topology_set_synthetic(t, synthetic) != 0) return Errc::invalid_argument;
  if (hwloc_topology_load(t) != 0) return synthetic != nullptr ? Errc::invalid_argument : Errc::not_supported;
  impl->synthetic = synthetic != nullptr;
  const unsigned version = hwloc_get_api_version();
  impl->backend = "hwloc API " + std::to_string(version >> 16) + "." + std::to_string((version >> 8) & 0xffu) + "." +
                  std::to_string(version & 0xffu);
  const int count = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_NUMANODE);
  for (int i = 0; i < count; ++i) {
    hwloc_obj_t node = hwloc_get_obj_by_type(t, HWLOC_OBJ_NUMANODE, static_cast<unsigned>(i));
    if (node == nullptr) continue;
    NodeInfo info;
    info.node = static_cast<unsigned>(i);
    info.os_index = node->os_index;
    info.memory_bytes = node->attr != nullptr ? node->attr->numanode.local_memory : 0;
    info.cores = static_cast<unsigned>(hwloc_get_nbobjs_inside_cpuset_by_type(t, node->cpuset, HWLOC_OBJ_CORE));
    info.pus = static_cast<unsigned>(hwloc_get_nbobjs_inside_cpuset_by_type(t, node->cpuset, HWLOC_OBJ_PU));
    impl->nodes.push_back(info);
    for (unsigned pu = 0; pu < info.pus; ++pu) {
      hwloc_obj_t p = hwloc_get_obj_inside_cpuset_by_type(t, node->cpuset, HWLOC_OBJ_PU, pu);
      if (p == nullptr) continue;
      if (impl->node_of_cpu.size() <= p->os_index) impl->node_of_cpu.resize(p->os_index + 1, 0);
      impl->node_of_cpu[p->os_index] = info.node;
    }
  }
  if (impl->nodes.empty()) impl->nodes.push_back(NodeInfo{});  // hwloc always reports one; be safe
  const hwloc_topology_support* support = hwloc_topology_get_support(t);
  impl->binds_memory = !impl->synthetic && hwloc_topology_is_thissystem(t) && support != nullptr &&
                       support->membind != nullptr && support->membind->alloc_membind != 0 &&
                       support->membind->bind_membind != 0;
  return impl;
}

}  // namespace

TopologyImpl::~TopologyImpl() {
  if (handle != nullptr) hwloc_topology_destroy(static_cast<hwloc_topology_t>(handle));
}

Result<void> TopologyImpl::pin(unsigned node) const {
  if (node >= nodes.size()) return Errc::invalid_argument;
  if (synthetic) return Errc::not_supported;
  hwloc_obj_t obj = hwloc_get_obj_by_type(topo(*this), HWLOC_OBJ_NUMANODE, node);
  if (obj == nullptr || hwloc_set_cpubind(topo(*this), obj->cpuset, HWLOC_CPUBIND_THREAD) != 0) return Errc::not_supported;
  return {};
}

std::byte* TopologyImpl::allocate_on(unsigned node, std::size_t size) const {
  hwloc_obj_t obj = hwloc_get_obj_by_type(topo(*this), HWLOC_OBJ_NUMANODE, node);
  if (obj == nullptr) return nullptr;
  void* memory = hwloc_alloc_membind(topo(*this), size, obj->nodeset, HWLOC_MEMBIND_BIND, HWLOC_MEMBIND_BYNODESET);
  return static_cast<std::byte*>(memory);
}

void TopologyImpl::free_on(std::byte* memory, std::size_t size) const { hwloc_free(topo(*this), memory, size); }

}  // namespace detail

Result<Topology> Topology::detect() {
  auto impl = detail::load(nullptr);
  if (!impl) return impl.error();
  return Topology(std::move(impl).value());
}

Result<Topology> Topology::synthetic(std::string_view description) {
  const std::string text(description);
  auto impl = detail::load(text.c_str());
  if (!impl) return impl.error();
  return Topology(std::move(impl).value());
}

}  // namespace arena
