// Subjects: one adapter per allocator, so that every workload is one template run on each of them.
// A subject does what a producer of immutable shared bytes does: allocate, write, freeze into a
// refcounted handle; destroying the handle is the "drop". The arena does it with FixedArena ->
// Buffer -> Bytes; the peers with the closest heap idiom (shared_ptr<vector>, or a raw heap block
// with an atomic refcount header). Do not get wrong: every subject must do the same work per op.
#pragma once

#include <atomic>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "arena/arena.hpp"
#include "peer_allocators.hpp"

namespace microbench {

template <class S>
concept Subject = requires(S& s, const typename S::Frozen& f, std::byte fill, std::size_t len) {
  // The frozen handle: movable; destroying it drops one reference (the last one frees).
  requires std::movable<typename S::Frozen>;
  // Allocate `len` bytes, write `len` copies of `fill`, freeze. An invalid handle, with nothing
  // written, when the allocator is full (only an arena can be); the caller retries.
  { s.produce(fill, len) } -> std::same_as<typename S::Frozen>;
  // Allocate room for `len` bytes and freeze without writing: the long-lived holds.
  { s.hold(len) } -> std::same_as<typename S::Frozen>;
  { S::valid(f) } noexcept -> std::same_as<bool>;             // false only for "allocator full"
  { S::data(f) } noexcept -> std::same_as<const std::byte*>;  // the bytes, as a reader sees them
  { S::size(f) } noexcept -> std::same_as<std::size_t>;       // the length, as a reader sees it
};

// The arena: allocate a slot, write into the Buffer, freeze to Bytes (no copy, no heap).
class ArenaSubject {
 public:
  using Frozen = arena::Bytes;

  explicit ArenaSubject(arena::FixedArena arena) noexcept : arena_(std::move(arena)) {}

  Frozen produce(std::byte fill, std::size_t len) {
    arena::Result<arena::Buffer> allocated = arena_.allocate();
    if (!allocated) [[unlikely]] return Frozen();
    arena::Buffer& buffer = *allocated;
    buffer.put_bytes(fill, len);
    return std::move(buffer).freeze();
  }
  Frozen hold(std::size_t /*len: the slot is the unit*/) {
    arena::Result<arena::Buffer> allocated = arena_.allocate();
    if (!allocated) return Frozen();
    return std::move(*allocated).freeze();  // empty Bytes that still pin the slot [R-BUF-7]
  }
  static bool valid(const Frozen& f) noexcept { return f.owns_memory(); }
  static const std::byte* data(const Frozen& f) noexcept { return f.data(); }
  static std::size_t size(const Frozen& f) noexcept { return f.size(); }

  arena::FixedMetrics metrics() const { return arena_.metrics(); }

 private:
  arena::FixedArena arena_;
};

// std::make_shared<std::vector<std::byte>>: the shared_ptr is the frozen handle. Constructed as
// vector(len, fill), which writes each byte once (vector(len) then a fill would write twice).
class SharedVectorSubject {
 public:
  using Frozen = std::shared_ptr<const std::vector<std::byte>>;

  Frozen produce(std::byte fill, std::size_t len) { return std::make_shared<std::vector<std::byte>>(len, fill); }
  Frozen hold(std::size_t len) {
    auto v = std::make_shared<std::vector<std::byte>>();
    v->reserve(len);  // allocated, not written
    return v;
  }
  static bool valid(const Frozen& f) noexcept { return f != nullptr; }
  static const std::byte* data(const Frozen& f) noexcept { return f->data(); }
  static std::size_t size(const Frozen& f) noexcept { return f->size(); }
};

// A raw heap block with an atomic refcount header in front of the payload:
//
//   [ refs (atomic u32) | size (u32) | pad ][ payload: size bytes ... ]
//   ^ Heap::allocate(16 + len)              ^ 16-byte aligned
//
// The release protocol is the arena's own (detail::release): a sole owner that sees refs == 1
// frees without a read-modify-write; otherwise fetch_sub(acq_rel) and the one reaching zero frees.
// Same protocol on both sides, so the comparison measures the allocators, not a refcount trick.
struct alignas(16) RcHeader {
  std::atomic<std::uint32_t> refs{1};
  std::uint32_t size = 0;

  std::byte* payload() noexcept { return reinterpret_cast<std::byte*>(this + 1); }
  const std::byte* payload() const noexcept { return reinterpret_cast<const std::byte*>(this + 1); }
};
static_assert(sizeof(RcHeader) == 16);

template <RawHeap Heap>
class RcBytes {
 public:
  RcBytes() noexcept = default;
  explicit RcBytes(RcHeader* header) noexcept : header_(header) {}
  RcBytes(RcBytes&& other) noexcept : header_(std::exchange(other.header_, nullptr)) {}
  RcBytes& operator=(RcBytes&& other) noexcept {
    RcBytes moved(std::move(other));
    std::swap(header_, moved.header_);
    return *this;
  }
  RcBytes(const RcBytes&) = delete;  // the workloads never share; a copy would be a fetch_add
  RcBytes& operator=(const RcBytes&) = delete;
  ~RcBytes() {
    if (header_ != nullptr &&
        (header_->refs.load(std::memory_order_acquire) == 1 || header_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1)) {
      header_->~RcHeader();
      Heap::deallocate(header_);
    }
  }

  bool valid() const noexcept { return header_ != nullptr; }
  const std::byte* data() const noexcept { return header_->payload(); }
  std::size_t size() const noexcept { return header_->size; }

 private:
  RcHeader* header_ = nullptr;
};

template <RawHeap Heap>
class HeapRcSubject {
 public:
  using Frozen = RcBytes<Heap>;

  Frozen produce(std::byte fill, std::size_t len) {
    RcHeader* header = make(len);
    std::memset(header->payload(), static_cast<int>(fill), len);
    return Frozen(header);
  }
  Frozen hold(std::size_t len) { return Frozen(make(len)); }
  static bool valid(const Frozen& f) noexcept { return f.valid(); }
  static const std::byte* data(const Frozen& f) noexcept { return f.data(); }
  static std::size_t size(const Frozen& f) noexcept { return f.size(); }

 private:
  static RcHeader* make(std::size_t len) {
    void* memory = Heap::allocate(sizeof(RcHeader) + len);
    if (memory == nullptr) [[unlikely]] {
      std::fprintf(stderr, "arena_microbench: peer heap out of memory (%zu bytes)\n", len);
      std::abort();
    }
    auto* header = ::new (memory) RcHeader{};
    header->size = static_cast<std::uint32_t>(len);
    return header;
  }
};

static_assert(Subject<ArenaSubject>);
static_assert(Subject<SharedVectorSubject>);
static_assert(Subject<HeapRcSubject<GlibcHeap>>);

// Whether each peer runs, by name; an empty reason means it runs.
struct PeerStatus {
  std::string glibc_skip;
  std::string mimalloc_skip;
  std::string jemalloc_skip;
  std::string tcmalloc_skip;
};

// Calls f(std::type_identity<S>{}, subject_name, skip_reason) for each peer subject, in report
// order. The arena subject is not in the list: it needs the shape's arena.
template <class F>
void for_each_peer(const PeerStatus& status, F&& f) {
  f(std::type_identity<SharedVectorSubject>{}, "shared_vector", std::string());
  f(std::type_identity<HeapRcSubject<GlibcHeap>>{}, "glibc_rc", status.glibc_skip);
  f(std::type_identity<HeapRcSubject<MimallocHeap>>{}, "mimalloc_rc", status.mimalloc_skip);
  f(std::type_identity<HeapRcSubject<JemallocHeap>>{}, "jemalloc_rc", status.jemalloc_skip);
  f(std::type_identity<HeapRcSubject<TcmallocHeap>>{}, "tcmalloc_rc", status.tcmalloc_skip);
}

}  // namespace microbench
