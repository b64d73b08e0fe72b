// Raw region access (namespace arena::hazmat): a slot or block handed out as plain writable memory
// for registered-buffer I/O (io_uring fixed buffers, RDMA, DMA), without a Buffer's length
// tracking [R-HAZ-*]. Include this header explicitly; the umbrella arena.hpp does not.
//
// Hazards, all the caller's to manage:
// * The memory is uninitialised under InitPolicy::uninit: freeze(begin, end) asserts that
//   [begin, end) was written. Freezing bytes nobody wrote exposes a previous user's data.
// * No length is tracked and nothing spills: writes past capacity() are out of bounds (undefined
//   behaviour, unlike Buffer, which checks).
// * The region may be read and written by a device until it is frozen or destroyed; the arena does
//   not know about the device. Destroying a region the device still writes is a use-after-free.
//
//   raw_alloc --> RawRegion --freeze(4, 9)--> Bytes over [4, 9) (a length header skipped)
//                     |                        (the whole slot stays owned until the Bytes go)
//                     +--destroy--> slot/block back to the arena
//
// Thread-safety: a RawRegion is move-only; it may move between threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

#include "arena/buddy_arena.hpp"
#include "arena/bytes.hpp"
#include "arena/error.hpp"
#include "arena/fixed_arena.hpp"

namespace arena::hazmat {

class RawRegion {
 public:
  // Empty (capacity 0); what a moved-from region looks like.
  RawRegion() noexcept = default;
  RawRegion(const RawRegion&) = delete;
  RawRegion& operator=(const RawRegion&) = delete;
  RawRegion(RawRegion&& other) noexcept { take(other); }
  RawRegion& operator=(RawRegion&& other) noexcept {
    if (this != &other) {
      reset();
      take(other);
    }
    return *this;
  }
  // Returns the slot/block to its arena unless frozen.
  ~RawRegion() { reset(); }

  // The visible capacity: slot capacity, block size (exact buddy), or min(len, block) (nearest).
  std::size_t capacity() const noexcept { return capacity_; }
  std::byte* data() noexcept { return data_; }
  const std::byte* data() const noexcept { return data_; }
  std::span<std::byte> span() noexcept { return {data_, capacity_}; }

  // Consumes the region: Bytes over [begin, end) that own the whole allocation (frozen +1). The
  // caller asserts those bytes were written. On begin > end or end > capacity(): Errc::invalid_range,
  // and the region is released all the same (it cannot be retried) [R-HAZ-4]. An empty range
  // gives empty Bytes that still pin the allocation.
  Result<Bytes> freeze(std::size_t begin, std::size_t end) &&;

 private:
  friend Result<RawRegion> raw_alloc(FixedArena& arena);
  friend Result<RawRegion> raw_alloc(BuddyArena& arena, std::size_t len);
  RawRegion(std::byte* data, std::size_t capacity, detail::Owner* owner, std::uint64_t tag) noexcept
      : data_(data), capacity_(capacity), owner_(owner), tag_(tag) {}

  void reset() noexcept {
    if (owner_ != nullptr) detail::release(std::exchange(owner_, nullptr), data_, tag_);
    data_ = nullptr;
    capacity_ = 0;
    tag_ = 0;
  }
  void take(RawRegion& other) noexcept {
    data_ = std::exchange(other.data_, nullptr);
    capacity_ = std::exchange(other.capacity_, 0);
    owner_ = std::exchange(other.owner_, nullptr);
    tag_ = std::exchange(other.tag_, 0);
  }

  std::byte* data_ = nullptr;
  std::size_t capacity_ = 0;
  detail::Owner* owner_ = nullptr;
  std::uint64_t tag_ = 0;
};

// A raw region over one slot (same errors, InitPolicy and metrics as FixedArena::allocate).
Result<RawRegion> raw_alloc(FixedArena& arena);
// A raw region over a block for `len` bytes (same errors, InitPolicy and metrics as
// BuddyArena::allocate). Example: exact(4096, 256): raw_alloc(300) -> capacity 512; nearest -> 300.
Result<RawRegion> raw_alloc(BuddyArena& arena, std::size_t len);

}  // namespace arena::hazmat
