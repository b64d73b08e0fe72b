// Bytes: heap-backed construction (adopting a vector, copy_from), into_owned and equality. The
// inline parts (copy, slice, destroy) are in the header.
#include "arena/bytes.hpp"

#include <algorithm>
#include <cstring>
#include <memory>

#include "arena/check.hpp"
#include "heap_block.hpp"

namespace arena {
namespace {

// Owner record for an adopted std::vector: the vector's buffer is used in place.
struct VectorOwner {
  detail::Owner owner;
  std::vector<std::byte> bytes;
};
static_assert(offsetof(VectorOwner, owner) == 0);

void vector_last_release(detail::Owner* owner, const std::byte*, std::uint64_t) noexcept {
  delete reinterpret_cast<VectorOwner*>(owner);  // `owner` is the first member (offset 0)
}
void vector_not_arena(detail::Owner*, std::uint64_t) noexcept {}
void vector_no_external(detail::Owner*, const std::byte*, std::uint64_t) noexcept {
  ARENA_CHECK(false, "Bytes: external reference count used on a vector owner");
}
const detail::OwnerOps kVectorOps{&vector_last_release, &vector_not_arena, &vector_last_release, &vector_no_external,
                                  &vector_no_external};

}  // namespace

Bytes::Bytes(std::vector<std::byte>&& heap) {
  if (heap.empty()) return;  // nothing to own
  auto holder = std::make_unique<VectorOwner>();
  holder->bytes = std::move(heap);
  holder->owner.refs.store(1, std::memory_order_relaxed);
  holder->owner.ops = &kVectorOps;
  data_ = holder->bytes.data();
  size_ = holder->bytes.size();
  owner_ = &holder.release()->owner;
}

Bytes Bytes::copy_from(std::span<const std::byte> data) {
  if (data.empty()) return Bytes();
  detail::HeapBlock* block = detail::HeapBlock::create(data.size());
  std::memcpy(block->data(), data.data(), data.size());
  return Bytes(block->data(), data.size(), &block->owner);
}

Bytes Bytes::copy_from(std::string_view text) {
  return copy_from(std::as_bytes(std::span<const char>(text.data(), text.size())));
}

std::vector<std::byte> Bytes::into_owned() && {
  std::vector<std::byte> copy(data_, data_ + size_);
  Bytes dropped(std::move(*this));  // released when `dropped` goes out of scope, after the copy
  return copy;
}

bool operator==(const Bytes& a, const Bytes& b) noexcept {
  return a.size_ == b.size_ && (a.data_ == b.data_ || a.size_ == 0 || std::memcmp(a.data_, b.data_, a.size_) == 0);
}

}  // namespace arena
