// HeapBlock: one heap allocation holding an owner record followed by the bytes it owns. Used for
// spilled Buffers (which then freeze without another allocation) and for Bytes::copy_from.
//
//   [ Owner (refs, ops) | capacity | padding to 16 ][ capacity bytes ... ]
#pragma once

#include <cstddef>

#include "arena/detail/owner.hpp"

namespace arena::detail {

struct HeapBlock {
  Owner owner;
  std::size_t capacity;

  // A block with room for `capacity` bytes and one reference. Throws std::bad_alloc.
  static HeapBlock* create(std::size_t capacity);
  std::byte* data() noexcept;
  static HeapBlock* from_owner(Owner* owner) noexcept;
};

}  // namespace arena::detail
