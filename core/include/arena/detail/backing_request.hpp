// BackingRequest: what an arena builder needs as backing memory, for arena sets that place that
// memory themselves (the NUMA sets bind it to a node) and then build over it. Not API.
#pragma once

#include <cstddef>

namespace arena::detail {

class NumaAccess;  // the NUMA sets: builders let it size and build over placed memory

struct BackingRequest {
  std::size_t size;           // bytes
  std::size_t alignment;      // of the start
  std::size_t slot_capacity;  // fixed: the aligned slot capacity; buddy: the minimum block
  std::size_t page_size;      // prefault stride (0: none)
};

}  // namespace arena::detail
