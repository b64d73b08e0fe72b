// Buffer slow paths: auto-spill to the heap and heap growth, and the termination messages for
// writes past capacity. The fast paths (a write that fits, freeze) are inline in the header.
#include "arena/buffer.hpp"

#include <algorithm>
#include <cstring>

#include "arena/check.hpp"
#include "heap_block.hpp"

namespace arena {

void Buffer::grow_for(std::size_t extra) {
  ARENA_CHECK(extra <= static_cast<std::size_t>(-1) - size_, "Buffer: size overflow (%zu + %zu bytes)", size_, extra);
  const std::size_t needed = size_ + extra;
  const std::size_t doubled = size_ > static_cast<std::size_t>(-1) / 2 ? needed : 2 * size_;
  const std::size_t capacity = std::max({needed, doubled, std::size_t{16}});
  detail::HeapBlock* block = detail::HeapBlock::create(capacity);  // throws std::bad_alloc; Buffer unchanged
  if (size_ != 0) std::memcpy(block->data(), data_, size_);
  detail::Owner* previous = owner_;
  const std::byte* previous_data = data_;
  const std::uint64_t previous_tag = tag_;
  const bool was_spilled = spilled_;
  owner_ = &block->owner;
  tag_ = 0;
  data_ = block->data();
  storage_capacity_ = capacity;
  spilled_ = true;
  if (previous != nullptr) {
    // Arena storage: count the spill and give the slot back now [R-SPL-1]. Heap storage: free it.
    if (was_spilled) previous->ops->last_release(previous, previous_data, previous_tag);
    else previous->ops->spill_release(previous, previous_data, previous_tag);
  }
}

void Buffer::put_slow(const std::byte* src, std::size_t n) {
  if (!auto_spill_) {
    ARENA_CHECK(false, "Buffer::put: cannot write %zu bytes, %zu remaining (size %zu, capacity %zu)", n,
                storage_capacity_ - size_, size_, storage_capacity_);
  }
  // Fill what is left of the current storage first, then move to (larger) heap storage [R-SPL-2].
  const std::size_t head = storage_capacity_ - size_;
  if (head != 0) std::memcpy(data_ + size_, src, head);
  size_ += head;
  grow_for(n - head);
  std::memcpy(data_ + size_, src + head, n - head);
  size_ += n - head;
}

void Buffer::put_bytes_slow(std::byte value, std::size_t n) {
  if (!auto_spill_) {
    ARENA_CHECK(false, "Buffer::put_bytes: cannot write %zu bytes, %zu remaining (size %zu, capacity %zu)", n,
                storage_capacity_ - size_, size_, storage_capacity_);
  }
  const std::size_t head = storage_capacity_ - size_;
  if (head != 0) std::memset(data_ + size_, static_cast<int>(value), head);
  size_ += head;
  grow_for(n - head);
  std::memset(data_ + size_, static_cast<int>(value), n - head);
  size_ += n - head;
}

std::span<std::byte> Buffer::writable_span() {
  if (auto_spill_ && size_ == storage_capacity_ && owner_ != nullptr) grow_for(1);
  return {data_ + size_, storage_capacity_ - size_};
}

void Buffer::commit(std::size_t n) {
  ARENA_CHECK(n <= storage_capacity_ - size_, "Buffer::commit: cannot commit %zu bytes, %zu remaining (size %zu, capacity %zu)",
              n, storage_capacity_ - size_, size_, storage_capacity_);
  size_ += n;
}

}  // namespace arena
