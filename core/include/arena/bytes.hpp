// Bytes: the frozen, immutable, shared handle on arena (or heap) memory [R-BYT-*].
//
// A Bytes is a view (pointer, length) plus one counted reference on the memory's owner record.
// Copying shares (O(1), no allocation); slice() shares a sub-range; the slot or block returns to
// its arena when the last Bytes referring to it is destroyed, on whatever thread that happens.
//
//       Buffer ──freeze()──▶ Bytes ──copy──▶ Bytes      all three point into one slot:
//                              │                        ┌──────────────────────────────┐
//                              └──slice(4, 9)──▶ Bytes  │ hdr │ payload  │ (unused)     │
//                                                       └──────────────────────────────┘
//                                                        slot metadata: refs = 3, owner = arena
//
// Thread-safety: the reference count is atomic; a single Bytes object is not otherwise
// synchronized (share copies between threads, not one object). The bytes themselves never change
// while any Bytes refers to them. Bytes may outlive every handle on the arena that produced them:
// the arena's memory lives until the last one is gone [R-BYT-4].
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "arena/detail/fixed_core.hpp"
#include "arena/detail/owner.hpp"

namespace arena {

class Buffer;
namespace hazmat {
class RawRegion;
}

class Bytes {
 public:
  // Empty; owns nothing.
  Bytes() noexcept = default;
  // Adopts a heap vector without copying its bytes (allocates one small owner record).
  // std::bad_alloc when that allocation fails; the vector is then not taken.
  explicit Bytes(std::vector<std::byte>&& heap);
  // A heap copy of `data` (one allocation holding both the owner record and the bytes);
  // std::bad_alloc when the heap refuses.
  static Bytes copy_from(std::span<const std::byte> data);
  static Bytes copy_from(std::string_view text);

  // Copies share the memory: O(1), one atomic increment, no allocation.
  Bytes(const Bytes& other) noexcept : data_(other.data_), size_(other.size_), owner_(other.owner_), tag_(other.tag_) {
    if (owner_ != nullptr) detail::retain(owner_, data_, tag_);
  }
  Bytes& operator=(const Bytes& other) noexcept {
    Bytes copy(other);
    swap(copy);
    return *this;
  }
  ARENA_ALWAYS_INLINE Bytes(Bytes&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)),
        size_(std::exchange(other.size_, 0)),
        owner_(std::exchange(other.owner_, nullptr)),
        tag_(std::exchange(other.tag_, 0)) {}
  Bytes& operator=(Bytes&& other) noexcept {
    Bytes moved(std::move(other));
    swap(moved);
    return *this;
  }
  // The last reference returns the slot/block to its arena (or frees the heap memory).
  ARENA_ALWAYS_INLINE ~Bytes() {
    if (owner_ != nullptr) detail::release(owner_, data_, tag_);
  }

  const std::byte* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  std::span<const std::byte> span() const noexcept { return {data_, size_}; }
  const std::byte* begin() const noexcept { return data_; }
  const std::byte* end() const noexcept { return data_ + size_; }
  std::string_view as_string_view() const noexcept {
    return {reinterpret_cast<const char*>(data_), size_};  // byte -> char view: both may alias anything
  }
  const std::byte& operator[](std::size_t i) const noexcept { return data_[i]; }

  // Bytes [begin, end) sharing this one's memory. Terminates on begin > end or end > size().
  // An empty slice (begin == end) is detached: it does not keep the memory alive [R-BYT-2].
  Bytes slice(std::size_t begin, std::size_t end) const;

  // Copies the viewed bytes into a new vector, then drops this reference (releasing the slot at
  // once when it was the last one). Always copies, whatever the backing [R-BYT-5].
  // std::bad_alloc when the vector cannot be allocated; this Bytes is then left as it was.
  std::vector<std::byte> into_owned() &&;

  // True when this handle keeps some memory alive (an arena slot/block or a heap block). An empty
  // Bytes from freezing an empty Buffer still pins its slot [R-BUF-7].
  bool owns_memory() const noexcept { return owner_ != nullptr; }

  void swap(Bytes& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    std::swap(owner_, other.owner_);
    std::swap(tag_, other.tag_);
  }

  // Content equality (not identity).
  friend bool operator==(const Bytes& a, const Bytes& b) noexcept;

 private:
  friend class Buffer;
  friend class hazmat::RawRegion;
  // Takes over one reference on `owner` (may be null for memory nobody owns).
  Bytes(const std::byte* data, std::size_t size, detail::Owner* owner, std::uint64_t tag = 0) noexcept
      : data_(data), size_(size), owner_(owner), tag_(tag) {}

  const std::byte* data_ = nullptr;
  std::size_t size_ = 0;
  detail::Owner* owner_ = nullptr;
  std::uint64_t tag_ = 0;  // 0, or which block of a buddy arena (order and requested length)
};

// --- Implementation ---

namespace detail {
[[noreturn]] void slice_out_of_range(std::size_t begin, std::size_t end, std::size_t size) noexcept;
}  // namespace detail

inline Bytes Bytes::slice(std::size_t begin, std::size_t end) const {
  if (begin > end || end > size_) [[unlikely]] detail::slice_out_of_range(begin, end, size_);
  if (begin == end) return Bytes();
  if (owner_ != nullptr) detail::retain(owner_, data_, tag_);
  return Bytes(data_ + begin, end - begin, owner_, tag_);
}

}  // namespace arena
