// Buffer: the writable side of an allocation. It exclusively owns one fixed slot or buddy block,
// takes appends (bytes, big- and little-endian integers, a direct writable span for recv()), and
// freeze() turns it into Bytes over the same memory without copying [R-BUF-*].
//
//   slot:  [ written (size()) | writable_span() ...................... ]
//          ^ data             ^ data + size()                           ^ data + capacity()
//
// Writing past capacity is a contract violation that terminates with one message naming the
// operation and the numbers, unless the arena was built with auto_spill(): then the first write
// that does not fit copies the written bytes to the heap, returns the slot to the arena at once,
// and continues on the heap, which grows as needed [R-SPL-*]. try_put() is the checked write.
//
// Heap failure: the only heap use is that spill and its growth. When the heap refuses, put(),
// put_bytes(), try_put() and writable_span() throw std::bad_alloc and the Buffer is unchanged
// (still in its slot, or on its old heap block, with everything written so far); the arena is
// unaffected (tests/fault).
//
// Thread-safety: move-only; a Buffer may move between threads but is not shared. Destroying an
// unfrozen Buffer returns its slot/block [R-BUF-8].
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <string_view>
#include <utility>

#include "arena/bytes.hpp"
#include "arena/detail/fixed_core.hpp"
#include "arena/detail/owner.hpp"
#include "arena/error.hpp"

namespace arena {

namespace detail {
struct BufferAccess;
}

class Buffer {
 public:
  // An empty buffer with no storage (capacity 0); what a moved-from Buffer looks like.
  Buffer() noexcept = default;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ARENA_ALWAYS_INLINE Buffer(Buffer&& other) noexcept { take(other); }
  Buffer& operator=(Buffer&& other) noexcept {
    if (this != &other) {
      reset();
      take(other);
    }
    return *this;
  }
  // An unfrozen buffer returns its slot/block to the arena.
  ARENA_ALWAYS_INLINE ~Buffer() { reset(); }

  // The capacity the arena granted (unchanged by a spill) [R-BUF-2].
  std::size_t capacity() const noexcept { return arena_capacity_; }
  // Bytes written so far (the heap length once spilled).
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  bool is_spilled() const noexcept { return spilled_; }
  // capacity() - size(); with auto-spill the largest std::size_t, before and after a spill [R-BUF-3].
  std::size_t remaining() const noexcept {
    return auto_spill_ ? std::numeric_limits<std::size_t>::max() : storage_capacity_ - size_;
  }
  // remaining() >= n (always true with auto-spill).
  bool will_fit(std::size_t n) const noexcept { return remaining() >= n; }
  // Read-only view of what was written so far (in the arena, or on the heap after a spill).
  std::span<const std::byte> written() const noexcept { return {data_, size_}; }

  // Checked write: Errc::buffer_full and nothing written when `data` does not fit [R-BUF-4].
  Result<void> try_put(std::span<const std::byte> data);
  // Appends. Past capacity: terminates (or spills, with auto-spill) [R-BUF-5]. Empty = no-op.
  void put(std::span<const std::byte> data);
  void put(std::string_view text) { put(std::as_bytes(std::span<const char>(text.data(), text.size()))); }
  // Appends `n` copies of `value`.
  void put_bytes(std::byte value, std::size_t n);
  // Integers, big-endian (network order).
  void put_u8(std::uint8_t v) { put_bytes(static_cast<std::byte>(v), 1); }
  void put_u16(std::uint16_t v) { put_be(v); }
  void put_u32(std::uint32_t v) { put_be(v); }
  void put_u64(std::uint64_t v) { put_be(v); }
  // Integers, little-endian.
  void put_u16_le(std::uint16_t v) { put_le(v); }
  void put_u32_le(std::uint32_t v) { put_le(v); }
  void put_u64_le(std::uint64_t v) { put_le(v); }

  // The uncommitted tail, to be filled directly (e.g. by recv()) and then commit()ted. With
  // auto-spill, asking for it on a full buffer spills (or grows the heap) first [R-BUF-6].
  std::span<std::byte> writable_span();
  // Marks `n` more bytes of the tail as written. Terminates if size() + n exceeds the storage.
  void commit(std::size_t n);

  // Consumes the buffer: Bytes over [data, data + size()) that now own the slot/block, no copy.
  // A spilled buffer freezes to heap Bytes. An empty buffer freezes to empty Bytes that still pin
  // the slot until destroyed [R-BUF-7].
  Bytes freeze() &&;

 private:
  friend struct detail::BufferAccess;

  template <class U>
  void put_be(U v) {
    std::byte out[sizeof(U)];
    for (std::size_t i = 0; i < sizeof(U); ++i) out[i] = static_cast<std::byte>(v >> (8 * (sizeof(U) - 1 - i)));
    put(std::span<const std::byte>(out, sizeof(U)));
  }
  template <class U>
  void put_le(U v) {
    std::byte out[sizeof(U)];
    for (std::size_t i = 0; i < sizeof(U); ++i) out[i] = static_cast<std::byte>(v >> (8 * i));
    put(std::span<const std::byte>(out, sizeof(U)));
  }

  // Out-of-line slow paths: spill/grow or terminate.
  void put_slow(const std::byte* src, std::size_t n);
  void put_bytes_slow(std::byte value, std::size_t n);
  // Makes room for `extra` more bytes (auto-spill only): moves to new heap storage and returns the
  // old storage, which the caller gives back with release_old() once it no longer reads from it.
  struct OldStorage {
    detail::Owner* owner;
    const std::byte* data;
    std::uint64_t tag;
    bool was_spilled;
  };
  OldStorage grow_for(std::size_t extra);
  static void release_old(const OldStorage& old) noexcept;

  ARENA_ALWAYS_INLINE void reset() noexcept {
    if (owner_ != nullptr) detail::release(std::exchange(owner_, nullptr), data_, tag_);
    data_ = nullptr;
    size_ = storage_capacity_ = arena_capacity_ = 0;
    tag_ = 0;
    spilled_ = false;
  }
  ARENA_ALWAYS_INLINE void take(Buffer& other) noexcept {
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    storage_capacity_ = std::exchange(other.storage_capacity_, 0);
    arena_capacity_ = std::exchange(other.arena_capacity_, 0);
    owner_ = std::exchange(other.owner_, nullptr);
    tag_ = std::exchange(other.tag_, 0);
    auto_spill_ = std::exchange(other.auto_spill_, false);
    spilled_ = std::exchange(other.spilled_, false);
  }

  std::byte* data_ = nullptr;         // start of the current storage (arena slot or heap block)
  std::size_t size_ = 0;              // bytes written
  std::size_t storage_capacity_ = 0;  // bytes the current storage holds
  std::size_t arena_capacity_ = 0;    // what capacity() reports
  detail::Owner* owner_ = nullptr;    // one reference on the storage's owner record
  std::uint64_t tag_ = 0;             // 0, or which buddy block (see Bytes)
  bool auto_spill_ = false;
  bool spilled_ = false;
};

// --- Implementation ---

namespace detail {
// How arenas (and hazmat regions) construct a Buffer over memory they own.
struct BufferAccess {
  static Buffer make(std::byte* data, std::size_t capacity, Owner* owner, bool auto_spill,
                     std::uint64_t tag = 0) noexcept {
    Buffer b;
    b.data_ = data;
    b.storage_capacity_ = b.arena_capacity_ = capacity;
    b.owner_ = owner;
    b.tag_ = tag;
    b.auto_spill_ = auto_spill;
    return b;
  }
  // Takes the allocation out of a Buffer that never spilled (hazmat raw regions), leaving it empty.
  static void disown(Buffer& b, std::byte** data, std::size_t* capacity, Owner** owner, std::uint64_t* tag) noexcept {
    *data = b.data_;
    *capacity = b.storage_capacity_;
    *owner = std::exchange(b.owner_, nullptr);
    *tag = b.tag_;
    b.reset();
  }
};
}  // namespace detail

ARENA_ALWAYS_INLINE void Buffer::put(std::span<const std::byte> data) {
  const std::size_t n = data.size();
  if (n <= storage_capacity_ - size_) [[likely]] {
    if (n != 0) std::memcpy(data_ + size_, data.data(), n);
    size_ += n;
    return;
  }
  put_slow(data.data(), n);
}

ARENA_ALWAYS_INLINE void Buffer::put_bytes(std::byte value, std::size_t n) {
  if (n <= storage_capacity_ - size_) [[likely]] {
    if (n != 0) std::memset(data_ + size_, static_cast<int>(value), n);
    size_ += n;
    return;
  }
  put_bytes_slow(value, n);
}

inline Result<void> Buffer::try_put(std::span<const std::byte> data) {
  if (!auto_spill_ && data.size() > storage_capacity_ - size_) return Errc::buffer_full;
  put(data);
  return {};
}

ARENA_ALWAYS_INLINE Bytes Buffer::freeze() && {
  detail::Owner* owner = std::exchange(owner_, nullptr);
  if (owner != nullptr && !spilled_) detail::note_frozen(owner, tag_);
  Bytes frozen(data_, size_, owner, std::exchange(tag_, 0));  // the Buffer's reference moves into the Bytes
  data_ = nullptr;
  size_ = storage_capacity_ = arena_capacity_ = 0;
  spilled_ = false;
  return frozen;
}

}  // namespace arena
