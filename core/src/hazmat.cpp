// Raw regions: allocation through the arenas' normal paths, then the Buffer's ownership is taken
// over without its length tracking; freeze of a sub-range.
#include "arena/hazmat.hpp"

namespace arena::hazmat {

Result<RawRegion> raw_alloc(FixedArena& arena) {
  Result<Buffer> buffer = arena.allocate();
  if (!buffer) return buffer.error();
  std::byte* data = nullptr;
  std::size_t capacity = 0;
  detail::Owner* owner = nullptr;
  std::uint64_t tag = 0;
  detail::BufferAccess::disown(*buffer, &data, &capacity, &owner, &tag);
  return RawRegion(data, capacity, owner, tag);
}

Result<RawRegion> raw_alloc(BuddyArena& arena, std::size_t len) {
  Result<Buffer> buffer = arena.allocate(len);
  if (!buffer) return buffer.error();
  std::byte* data = nullptr;
  std::size_t capacity = 0;
  detail::Owner* owner = nullptr;
  std::uint64_t tag = 0;
  detail::BufferAccess::disown(*buffer, &data, &capacity, &owner, &tag);
  return RawRegion(data, capacity, owner, tag);
}

Result<Bytes> RawRegion::freeze(std::size_t begin, std::size_t end) && {
  RawRegion consumed(std::move(*this));  // released on every error path below [R-HAZ-4]
  if (begin > end || end > consumed.capacity_) return Errc::invalid_range;
  detail::Owner* owner = std::exchange(consumed.owner_, nullptr);
  detail::note_frozen(owner, consumed.tag_);
  // An empty range is anchored at the region's start: the owner finds its block from the data
  // pointer, and begin == end == capacity would point one past the block (at its neighbour).
  const std::byte* data = begin == end ? consumed.data_ : consumed.data_ + begin;
  return Bytes(data, end - begin, owner, consumed.tag_);
}

}  // namespace arena::hazmat
