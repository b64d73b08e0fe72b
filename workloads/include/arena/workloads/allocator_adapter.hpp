// Allocators behind one small interface, so that the arenas and general-purpose allocators run
// the same workload side by side: allocate a writable buffer, write into it, freeze it into a
// shareable handle, copy / slice / copy out / drop handles, report counters.
//
// The contract is the WorkloadAllocator concept below; the driver is a template over it (no
// virtual call per operation). make_... functions build each adapter from an AllocatorSpec;
// peers whose library is missing report themselves unavailable (the run is recorded as skipped,
// never silently replaced by another allocator).
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace arena::workloads {

// What an allocator can say about itself at a point in time; fields it cannot know stay empty.
struct AllocatorSnapshot {
  std::uint64_t allocations = 0;  // successful allocations so far
  std::uint64_t failures = 0;     // allocations that failed (full, or a request it cannot hold)
  std::uint64_t spills = 0;       // buffers that moved to the heap (auto-spill)
  std::uint64_t bytes_live = 0;   // bytes held by live allocations (granted sizes)
  std::uint64_t bytes_reserved = 0;
  std::optional<std::uint64_t> largest_free_block;        // arenas
  std::optional<std::uint64_t> internal_fragmentation;    // buddy: granted - requested, live
  std::vector<std::uint64_t> free_blocks_per_order;       // buddy
  std::optional<std::uint64_t> peak_bytes_live;           // buddy: the arena's own high-water mark
};

// The interface every allocator adapter provides.
//   Writer: the writable buffer (move-only); Handle: the frozen, shareable handle (copy = share).
template <class A>
concept WorkloadAllocator = requires(A& a, const A& ca, typename A::Writer& w, typename A::Handle& h,
                                     const typename A::Handle& ch, std::size_t n, std::span<const std::byte> data) {
  typename A::Writer;
  typename A::Handle;
  // A buffer for a request of n bytes, or nothing (counted as a failure by the adapter).
  { a.allocate(n) } -> std::same_as<std::optional<typename A::Writer>>;
  // Appends data (never more than the request that allocated the writer).
  { A::write(w, data) } -> std::same_as<void>;
  { A::freeze(std::move(w)) } -> std::same_as<typename A::Handle>;
  { A::size(ch) } -> std::same_as<std::size_t>;
  // [begin, end) of a handle, sharing its memory.
  { A::slice(ch, n, n) } -> std::same_as<typename A::Handle>;
  // Copies the viewed bytes out and drops the handle.
  { A::into_owned(std::move(h)) } -> std::same_as<std::vector<std::byte>>;
  // Safe to call from a sampler thread while workers run.
  { ca.snapshot() } -> std::same_as<AllocatorSnapshot>;
};

// Whether a peer library can be used in this process, and if not, why (for "skipped" records).
struct PeerAvailability {
  bool available = false;
  std::string reason;  // e.g. "libjemalloc.so.2 not installed", "dlopen: cannot allocate memory in static TLS block"
};

}  // namespace arena::workloads
