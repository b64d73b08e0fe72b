// Dealloc::heap(): the std::free strategy for from_raw memory.
#include "arena/dealloc.hpp"

#include <cstdlib>

namespace arena {

Dealloc Dealloc::heap() noexcept {
  return Dealloc(PlainTag{}, +[](void* ptr, std::size_t) { std::free(ptr); });
}

}  // namespace arena
