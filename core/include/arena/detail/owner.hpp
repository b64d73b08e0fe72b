// The owner record a Buffer or Bytes points at: a reference count plus a table of what to do when
// the allocation is frozen, spilled, or released by its last reference.
//
// For arena memory the record lives in arena-side metadata (one per fixed slot), so allocate,
// freeze, copy, slice and destroy make no heap allocation. Heap-backed Bytes (spilled buffers,
// copy_from, adopted vectors) use a record at the head of their own heap block.
//
// Reference counting, and why each ordering is enough:
//   * retain: relaxed. A new reference is made from an existing one, which already keeps the owner
//     alive; nothing is published by the increment.
//   * release: if an acquire load sees 1, this handle is the only reference left: no other thread
//     can increment (it would need a reference) and every earlier decrement, made with release
//     ordering, happens-before this load, so their reads of the memory are done. That skips the
//     read-modify-write for the common single-owner case. Otherwise fetch_sub(acq_rel): the release
//     half publishes this owner's reads, the acquire half (for the one that reaches zero) sees all
//     of the others' before the memory is returned [R-BYT-3].
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

// Forces inlining of the few functions on the allocate/freeze/release fast path: without it GCC
// keeps them out of line at their size, and a Result<Buffer> then round-trips through memory.
#define ARENA_ALWAYS_INLINE __attribute__((always_inline)) inline

namespace arena::detail {

struct Owner;

// What an owner kind does at each step of an allocation's life. Functions never throw.
// `data` and `tag` are the handle's view and tag: owners that keep their reference counts
// outside the Owner record (buddy blocks: tag != 0) find the allocation from them.
struct OwnerOps {
  void (*last_release)(Owner*, const std::byte* data, std::uint64_t tag) noexcept;   // last reference gone
  void (*note_frozen)(Owner*, std::uint64_t tag) noexcept;                           // a Buffer was frozen
  void (*spill_release)(Owner*, const std::byte* data, std::uint64_t tag) noexcept;  // auto-spill returns it early
  void (*retain_external)(Owner*, const std::byte* data, std::uint64_t tag) noexcept;   // tag != 0 only
  void (*release_external)(Owner*, const std::byte* data, std::uint64_t tag) noexcept;  // tag != 0 only
};

// The record every Buffer and Bytes points at. Fixed slots and heap blocks count references in
// `refs` (their handles carry tag 0); a buddy arena has one Owner for all its blocks and counts
// per block in its own metadata (its handles carry a non-zero tag naming the block).
struct Owner {
  std::atomic<std::uint32_t> refs{0};  // references held by Buffers and Bytes (tag 0 owners)
  const OwnerOps* ops = nullptr;
};

// Terminates: a reference count would wrap (more than 2^32 - 1 live references to one owner).
[[noreturn]] void refcount_overflow() noexcept;

ARENA_ALWAYS_INLINE void retain(Owner* owner, const std::byte* data, std::uint64_t tag) noexcept {
  if (tag == 0) [[likely]] {
    if (owner->refs.fetch_add(1, std::memory_order_relaxed) == UINT32_MAX) [[unlikely]] refcount_overflow();
  } else {
    owner->ops->retain_external(owner, data, tag);
  }
}

// release(Owner*, data, tag) is in arena/detail/fixed_core.hpp: it handles fixed slots inline.

}  // namespace arena::detail
