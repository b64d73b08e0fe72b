// Topology's common part and the per-node arena sets: building one arena per node over memory
// bound to it (or first-touched from a thread pinned to it), local-first allocation with a bounded
// fallback, and per-node counts.
#include <sched.h>

#include <algorithm>
#include <thread>

#include "arena/check.hpp"
#include "arena/numa.hpp"
#include "backing_memory.hpp"
#include "striped_counter.hpp"
#include "topology_impl.hpp"

namespace arena {
namespace detail {

// Lets the sets size a builder's backing memory and build over memory they placed.
class NumaAccess {
 public:
  template <class Builder>
  static Result<BackingRequest> request(const Builder& builder) {
    return builder.backing_request();
  }
  template <class Builder>
  static auto build_over(const Builder& builder, std::byte* memory, const BackingRequest& request, Dealloc dealloc) {
    return builder.build_over(memory, request, std::move(dealloc));
  }
};

struct NumaSetImpl {
  struct Counters {
    StripedCounter local;
    StripedCounter remote;
    StripedCounter failed;
  };
  NumaSetImpl(Topology t, NumaOptions o) : topology(std::move(t)), options(o), counters(topology.node_count()) {}
  Topology topology;
  NumaOptions options;
  std::vector<Counters> counters;
};

namespace {

// Builds one arena per node with `build_one(node, memory_or_null, request)`, placing memory per
// the topology: bound allocation where supported, else first touch from a thread pinned there.
template <class Arena, class Builder>
Result<std::vector<Arena>> build_per_node(const Topology& topology, const std::shared_ptr<TopologyImpl>& impl,
                                          const Builder& per_node) {
  const Result<BackingRequest> request = NumaAccess::request(per_node);
  if (!request) return request.error();
  const std::size_t page = PageSize::detect().value();
  std::vector<Arena> arenas;
  arenas.reserve(topology.node_count());
  for (unsigned node = 0; node < topology.node_count(); ++node) {
    if (impl->binds_memory && page != 0 && request->alignment <= page) {
      std::byte* memory = impl->allocate_on(node, request->size);
      if (memory == nullptr) return Errc::out_of_memory;
      // The Dealloc keeps the topology (and hwloc) alive until the arena's memory goes back.
      Dealloc dealloc([impl, size = request->size](void* p, std::size_t) { impl->free_on(static_cast<std::byte*>(p), size); });
      auto arena = NumaAccess::build_over(per_node, memory, *request, std::move(dealloc));
      if (!arena) {
        impl->free_on(memory, request->size);
        return arena.error();
      }
      prefault(memory, request->size, request->page_size);  // bound: the pages land on `node`
      arenas.push_back(std::move(arena).value());
      continue;
    }
    auto unfaulted = per_node.build_unfaulted();
    if (!unfaulted) return unfaulted.error();
    if (topology.node_count() == 1 || impl->synthetic) {
      arenas.push_back(std::move(unfaulted).value().fault_pages());
      continue;
    }
    // No binding: place the pages by first touch from a thread running on the node.
    std::optional<Arena> placed;
    std::thread toucher([&] {
      (void)topology.pin_current_thread(node);  // best effort: without it, pages land wherever this runs
      placed.emplace(std::move(unfaulted).value().fault_pages());
    });
    toucher.join();
    arenas.push_back(std::move(*placed));
  }
  return arenas;
}

template <class Arena, class Allocate>
Result<Buffer> allocate_local_first(NumaSetImpl& impl, std::vector<Arena>& arenas, unsigned preferred, Allocate allocate) {
  const auto n = static_cast<unsigned>(arenas.size());
  if (preferred >= n) return Errc::invalid_argument;
  Result<Buffer> local = allocate(arenas[preferred]);
  if (local) {
    impl.counters[preferred].local.add(1);
    return local;
  }
  if (local.error() != Errc::arena_full) return local;  // request_too_large & co: no node can help
  const unsigned tries = std::min(impl.options.max_remote_nodes_per_call, n - 1);
  for (unsigned i = 1; i <= tries; ++i) {
    const unsigned node = (preferred + i) % n;
    Result<Buffer> remote = allocate(arenas[node]);
    if (remote) {
      impl.counters[node].remote.add(1);
      return remote;
    }
  }
  impl.counters[preferred].failed.add(1);
  return Errc::arena_full;
}

std::vector<NodeMetrics> node_metrics(const NumaSetImpl& impl) {
  std::vector<NodeMetrics> out;
  for (unsigned node = 0; node < impl.counters.size(); ++node) {
    out.push_back({node, impl.counters[node].local.read(), impl.counters[node].remote.read(), impl.counters[node].failed.read()});
  }
  return out;
}

}  // namespace
}  // namespace detail

// --- Topology (common) ---

unsigned Topology::node_count() const noexcept { return static_cast<unsigned>(impl_->nodes.size()); }
std::vector<NodeInfo> Topology::nodes() const { return impl_->nodes; }
bool Topology::binds_memory() const noexcept { return impl_->binds_memory; }
bool Topology::is_synthetic() const noexcept { return impl_->synthetic; }
std::string Topology::backend() const { return impl_->backend; }

unsigned Topology::current_node() const {
  const int cpu = ::sched_getcpu();
  if (cpu < 0 || static_cast<std::size_t>(cpu) >= impl_->node_of_cpu.size()) return 0;
  return impl_->node_of_cpu[static_cast<std::size_t>(cpu)];
}

Result<void> Topology::pin_current_thread(unsigned node) const { return impl_->pin(node); }

// --- NumaFixedArenas ---

Result<NumaFixedArenas> NumaFixedArenas::build(const Topology& topology, FixedArena::Builder per_node, NumaOptions options) {
  auto arenas = detail::build_per_node<FixedArena>(topology, topology.impl_, per_node);
  if (!arenas) return arenas.error();
  NumaFixedArenas set(std::make_shared<detail::NumaSetImpl>(topology, options));
  set.arenas_ = std::move(arenas).value();
  return set;
}

Result<Buffer> NumaFixedArenas::allocate() { return allocate_from(impl_->topology.current_node()); }
Result<Buffer> NumaFixedArenas::allocate_from(unsigned preferred_node) {
  return detail::allocate_local_first(*impl_, arenas_, preferred_node, [](FixedArena& a) { return a.allocate(); });
}
Result<Buffer> NumaFixedArenas::allocate_on(unsigned node) {
  if (node >= arenas_.size()) return Errc::invalid_argument;
  return arenas_[node].allocate();
}
unsigned NumaFixedArenas::node_count() const noexcept { return static_cast<unsigned>(arenas_.size()); }
FixedArena& NumaFixedArenas::arena(unsigned node) {
  ARENA_CHECK(node < arenas_.size(), "NumaFixedArenas::arena(%u): only %zu nodes", node, arenas_.size());
  return arenas_[node];
}
std::vector<NodeMetrics> NumaFixedArenas::metrics() const { return detail::node_metrics(*impl_); }
const Topology& NumaFixedArenas::topology() const noexcept { return impl_->topology; }

// --- NumaBuddyArenas ---

Result<NumaBuddyArenas> NumaBuddyArenas::build(const Topology& topology, BuddyArena::Builder per_node, NumaOptions options) {
  auto arenas = detail::build_per_node<BuddyArena>(topology, topology.impl_, per_node);
  if (!arenas) return arenas.error();
  NumaBuddyArenas set(std::make_shared<detail::NumaSetImpl>(topology, options));
  set.arenas_ = std::move(arenas).value();
  return set;
}

Result<Buffer> NumaBuddyArenas::allocate(std::size_t len) { return allocate_from(impl_->topology.current_node(), len); }
Result<Buffer> NumaBuddyArenas::allocate_from(unsigned preferred_node, std::size_t len) {
  return detail::allocate_local_first(*impl_, arenas_, preferred_node, [len](BuddyArena& a) { return a.allocate(len); });
}
Result<Buffer> NumaBuddyArenas::allocate_on(unsigned node, std::size_t len) {
  if (node >= arenas_.size()) return Errc::invalid_argument;
  return arenas_[node].allocate(len);
}
unsigned NumaBuddyArenas::node_count() const noexcept { return static_cast<unsigned>(arenas_.size()); }
BuddyArena& NumaBuddyArenas::arena(unsigned node) {
  ARENA_CHECK(node < arenas_.size(), "NumaBuddyArenas::arena(%u): only %zu nodes", node, arenas_.size());
  return arenas_[node];
}
std::vector<NodeMetrics> NumaBuddyArenas::metrics() const { return detail::node_metrics(*impl_); }
const Topology& NumaBuddyArenas::topology() const noexcept { return impl_->topology; }

}  // namespace arena
