// Buffer slow paths: auto-spill to the heap and heap growth, and the termination messages for
// writes past capacity. The fast paths (a write that fits, freeze) are inline in the header.
#include "arena/buffer.hpp"

#include <algorithm>
#include <cstring>

#include "arena/check.hpp"
#include "heap_block.hpp"

namespace arena {

Buffer::OldStorage Buffer::grow_for(std::size_t extra) {
  ARENA_CHECK(extra <= static_cast<std::size_t>(-1) - size_, "Buffer: size overflow (%zu + %zu bytes)", size_, extra);
  const std::size_t needed = size_ + extra;
  const std::size_t doubled = size_ > static_cast<std::size_t>(-1) / 2 ? needed : 2 * size_;
  const std::size_t capacity = std::max({needed, doubled, std::size_t{16}});
  detail::HeapBlock* block = detail::HeapBlock::create(capacity);  // throws std::bad_alloc; Buffer unchanged
  if (size_ != 0) std::memcpy(block->data(), data_, size_);
  const OldStorage old{owner_, data_, tag_, spilled_};
  owner_ = &block->owner;
  data_ = block->data();
  tag_ = 0;
  storage_capacity_ = capacity;
  spilled_ = true;
  return old;
}

void Buffer::release_old(const OldStorage& old) noexcept {
  if (old.owner == nullptr) return;
  // Arena storage: count the spill and give the slot back now [R-SPL-1]. Heap storage: free it.
  if (old.was_spilled) old.owner->ops->last_release(old.owner, old.data, old.tag);
  else old.owner->ops->spill_release(old.owner, old.data, old.tag);
}

void Buffer::put_slow(const std::byte* src, std::size_t n) {
  if (!auto_spill_) {
    ARENA_CHECK(false, "Buffer::put: cannot write %zu bytes, %zu remaining (size %zu, capacity %zu)", n,
                storage_capacity_ - size_, size_, storage_capacity_);
  }
  // The write does not fit: move to larger heap storage, write there, and only then give the old
  // storage back, since `src` may point into it (a buffer appending its own bytes). The result is
  // the same as filling the arena remainder first and spilling for the rest [R-SPL-2].
  const OldStorage old = grow_for(n);
  std::memcpy(data_ + size_, src, n);
  size_ += n;
  release_old(old);
}

void Buffer::put_bytes_slow(std::byte value, std::size_t n) {
  if (!auto_spill_) {
    ARENA_CHECK(false, "Buffer::put_bytes: cannot write %zu bytes, %zu remaining (size %zu, capacity %zu)", n,
                storage_capacity_ - size_, size_, storage_capacity_);
  }
  const OldStorage old = grow_for(n);
  std::memset(data_ + size_, static_cast<int>(value), n);
  size_ += n;
  release_old(old);
}

std::span<std::byte> Buffer::writable_span() {
  if (auto_spill_ && size_ == storage_capacity_ && owner_ != nullptr) release_old(grow_for(1));
  return {data_ + size_, storage_capacity_ - size_};
}

void Buffer::commit(std::size_t n) {
  ARENA_CHECK(n <= storage_capacity_ - size_, "Buffer::commit: cannot commit %zu bytes, %zu remaining (size %zu, capacity %zu)",
              n, storage_capacity_ - size_, size_, storage_capacity_);
  size_ += n;
}

}  // namespace arena
