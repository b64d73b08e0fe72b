// Heap adapters: the general-purpose allocators doing the arenas' job, as WorkloadAllocators.
//   HeapAdapter<Heap>    one heap block per buffer: [ RefHeader (16 B) | payload ... ], the
//                        header's atomic reference count shared by every handle (copy = share,
//                        slice = share a sub-range), over a RawHeap: glibc malloc, mi_malloc,
//                        mallocx/dallocx, tc_malloc, or a std::pmr::synchronized_pool_resource.
//   SharedVectorAdapter  std::make_shared of a std::vector<std::byte> (+ offset/length handles).
// The one thing not to get wrong: peers are given the same deal as the arenas - the sole owner
// releases without a read-modify-write, writes never exceed the request, failures are counted.
#pragma once

#include <atomic>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <memory_resource>
#include <new>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "arena/check.hpp"
#include "arena/workloads/allocator_adapter.hpp"
#include "peer_libraries.hpp"
#include "worker_context.hpp"

namespace arena::workloads::detail {

// A raw heap object: n bytes, 16-byte aligned, nullptr on failure; deallocate gets the same n.
template <class H>
concept RawHeap = requires(H& h, void* p, std::size_t n) {
  { h.allocate(n) } -> std::same_as<void*>;
  { h.deallocate(p, n) } -> std::same_as<void>;
};

struct GlibcHeap {
  void* allocate(std::size_t n) noexcept { return std::malloc(n); }
  void deallocate(void* p, std::size_t) noexcept { std::free(p); }
};

// The dlopen'ed peers, through their non-replacing entry points (resolved once, copied here so
// the hot path makes one indirect call, no lookup). Construct only when the library is available.
struct MimallocHeap {
  void* (*alloc)(std::size_t) = peer_entry_points().mi_malloc;
  void (*release)(void*) = peer_entry_points().mi_free;
  void* allocate(std::size_t n) noexcept { return alloc(n); }
  void deallocate(void* p, std::size_t) noexcept { release(p); }
};
struct JemallocHeap {
  void* (*alloc)(std::size_t, int) = peer_entry_points().mallocx;
  void (*release)(void*, int) = peer_entry_points().dallocx;
  void* allocate(std::size_t n) noexcept { return alloc(n, 0); }  // flags 0: default arena, tcache
  void deallocate(void* p, std::size_t) noexcept { release(p, 0); }
};
struct TcmallocHeap {
  void* (*alloc)(std::size_t) = peer_entry_points().tc_malloc;
  void (*release)(void*) = peer_entry_points().tc_free;
  void* allocate(std::size_t n) noexcept { return alloc(n); }
  void deallocate(void* p, std::size_t) noexcept { release(p); }
};
// std::pmr::synchronized_pool_resource over new/delete (thread-safe pools per block size).
struct PmrHeap {
  std::pmr::synchronized_pool_resource pool;
  void* allocate(std::size_t n) noexcept {
    try {
      return pool.allocate(n, 16);
    } catch (const std::bad_alloc&) {
      return nullptr;
    }
  }
  void deallocate(void* p, std::size_t n) noexcept { pool.deallocate(p, n, 16); }
};

template <RawHeap Heap>
class HeapAdapter {
  struct alignas(16) RefHeader {
    std::atomic<std::uint64_t> refs;
    std::uint64_t size;  // the request, in bytes
  };
  static_assert(sizeof(RefHeader) == 16);

 public:
  class Handle;

  class Writer {
   public:
    Writer(Writer&& other) noexcept
        : owner_(other.owner_), header_(std::exchange(other.header_, nullptr)), size_(std::exchange(other.size_, 0)) {}
    Writer& operator=(Writer&& other) noexcept {
      if (this != &other) {
        reset();
        owner_ = other.owner_;
        header_ = std::exchange(other.header_, nullptr);
        size_ = std::exchange(other.size_, 0);
      }
      return *this;
    }
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;
    ~Writer() { reset(); }

   private:
    friend class HeapAdapter;
    Writer(HeapAdapter* owner, RefHeader* header) noexcept : owner_(owner), header_(header) {}
    std::byte* data() const noexcept { return reinterpret_cast<std::byte*>(header_ + 1); }
    void reset() noexcept {
      if (header_ != nullptr) owner_->release(std::exchange(header_, nullptr));
    }
    HeapAdapter* owner_;
    RefHeader* header_;
    std::size_t size_ = 0;
  };

  class Handle {
   public:
    Handle() noexcept = default;
    Handle(const Handle& other) noexcept
        : owner_(other.owner_), header_(other.header_), data_(other.data_), size_(other.size_) {
      if (header_ != nullptr) header_->refs.fetch_add(1, std::memory_order_relaxed);
    }
    Handle(Handle&& other) noexcept
        : owner_(other.owner_),
          header_(std::exchange(other.header_, nullptr)),
          data_(std::exchange(other.data_, nullptr)),
          size_(std::exchange(other.size_, 0)) {}
    Handle& operator=(Handle other) noexcept {
      std::swap(owner_, other.owner_);
      std::swap(header_, other.header_);
      std::swap(data_, other.data_);
      std::swap(size_, other.size_);
      return *this;
    }
    ~Handle() {
      if (header_ == nullptr) return;
      // The sole owner releases without a read-modify-write (nobody else can take a reference).
      if (header_->refs.load(std::memory_order_acquire) == 1 ||
          header_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        owner_->release(header_);
      }
    }

   private:
    friend class HeapAdapter;
    Handle(HeapAdapter* owner, RefHeader* header, const std::byte* data, std::size_t size) noexcept
        : owner_(owner), header_(header), data_(data), size_(size) {}
    HeapAdapter* owner_ = nullptr;
    RefHeader* header_ = nullptr;
    const std::byte* data_ = nullptr;
    std::size_t size_ = 0;
  };

  explicit HeapAdapter(Heap heap = Heap()) : heap_(std::move(heap)) {}
  template <class... Args>
  explicit HeapAdapter(std::in_place_t, Args&&... args) : heap_(std::forward<Args>(args)...) {}
  HeapAdapter(const HeapAdapter&) = delete;
  HeapAdapter& operator=(const HeapAdapter&) = delete;

  std::optional<Writer> allocate(std::size_t n) {
    void* p = heap_.allocate(n + sizeof(RefHeader));
    if (p == nullptr) [[unlikely]] {
      counters_.on_failure();
      return std::nullopt;
    }
    auto* header = ::new (p) RefHeader{{1}, n};
    counters_.on_allocate(n);
    return Writer(this, header);
  }

  static void write(Writer& w, std::span<const std::byte> data) {
    ARENA_CHECK(data.size() <= w.header_->size - w.size_, "heap adapter: write of %zu bytes past the request of %zu",
                data.size(), static_cast<std::size_t>(w.header_->size));
    if (!data.empty()) std::memcpy(w.data() + w.size_, data.data(), data.size());
    w.size_ += data.size();
  }

  static Handle freeze(Writer&& w) {
    RefHeader* header = std::exchange(w.header_, nullptr);
    const std::size_t size = std::exchange(w.size_, 0);
    return Handle(w.owner_, header, reinterpret_cast<const std::byte*>(header + 1), size);
  }

  static std::size_t size(const Handle& h) noexcept { return h.size_; }

  static Handle slice(const Handle& h, std::size_t begin, std::size_t end) {
    ARENA_CHECK(begin <= end && end <= h.size_, "heap adapter: slice [%zu, %zu) of %zu bytes", begin, end, h.size_);
    Handle out(h);
    out.data_ += begin;
    out.size_ = end - begin;
    return out;
  }

  static std::vector<std::byte> into_owned(Handle&& h) {
    Handle taken(std::move(h));
    return std::vector<std::byte>(taken.data_, taken.data_ + taken.size_);
  }

  AllocatorSnapshot snapshot() const {
    const StripedCounters::Totals t = counters_.totals();
    AllocatorSnapshot s;
    s.allocations = t.allocations;
    s.failures = t.failures;
    s.bytes_live = t.bytes_live;
    return s;
  }

 private:
  void release(RefHeader* header) noexcept {
    const std::uint64_t n = header->size;
    counters_.on_free(n);
    header->~RefHeader();
    heap_.deallocate(header, static_cast<std::size_t>(n) + sizeof(RefHeader));
  }

  Heap heap_;
  StripedCounters counters_;
};

// std::shared_ptr<std::vector<std::byte>> as the handle's owner, as a program without arenas
// would share a payload: make_shared (control block + vector object) plus the vector's storage.
class SharedVectorAdapter {
  struct Block {
    std::vector<std::byte> bytes;
    SharedVectorAdapter* owner = nullptr;
    std::size_t request = 0;
    Block() = default;
    Block(const Block&) = delete;
    Block& operator=(const Block&) = delete;
    ~Block() {
      if (owner != nullptr) owner->counters_.on_free(request);
    }
  };

 public:
  struct Writer {
    std::shared_ptr<Block> block;
  };
  struct Handle {
    std::shared_ptr<const Block> block;
    std::size_t offset = 0;
    std::size_t length = 0;
  };

  SharedVectorAdapter() = default;
  SharedVectorAdapter(const SharedVectorAdapter&) = delete;
  SharedVectorAdapter& operator=(const SharedVectorAdapter&) = delete;

  std::optional<Writer> allocate(std::size_t n) {
    try {
      auto block = std::make_shared<Block>();
      block->bytes.reserve(n);
      block->request = n;
      block->owner = this;
      counters_.on_allocate(n);
      return Writer{std::move(block)};
    } catch (const std::bad_alloc&) {
      counters_.on_failure();
      return std::nullopt;
    }
  }
  static void write(Writer& w, std::span<const std::byte> data) {
    std::vector<std::byte>& bytes = w.block->bytes;
    ARENA_CHECK(data.size() <= w.block->request - bytes.size(), "shared_vector adapter: write past the request of %zu",
                w.block->request);
    bytes.insert(bytes.end(), data.begin(), data.end());
  }
  static Handle freeze(Writer&& w) {
    const std::size_t n = w.block->bytes.size();
    return Handle{std::move(w.block), 0, n};
  }
  static std::size_t size(const Handle& h) noexcept { return h.length; }
  static Handle slice(const Handle& h, std::size_t begin, std::size_t end) {
    ARENA_CHECK(begin <= end && end <= h.length, "shared_vector adapter: slice [%zu, %zu) of %zu bytes", begin, end,
                h.length);
    return Handle{h.block, h.offset + begin, end - begin};
  }
  static std::vector<std::byte> into_owned(Handle&& h) {
    Handle taken(std::move(h));
    const std::byte* first = taken.block->bytes.data() + taken.offset;
    return std::vector<std::byte>(first, first + taken.length);
  }
  AllocatorSnapshot snapshot() const {
    const StripedCounters::Totals t = counters_.totals();
    AllocatorSnapshot s;
    s.allocations = t.allocations;
    s.failures = t.failures;
    s.bytes_live = t.bytes_live;
    return s;
  }

 private:
  StripedCounters counters_;
};

// Does nothing at all: what is left of a run is the driver's own cost.
class NullAdapter {
 public:
  struct Writer {
    std::size_t size = 0;
  };
  struct Handle {
    std::size_t size = 0;
  };
  std::optional<Writer> allocate(std::size_t) noexcept { return Writer{}; }
  static void write(Writer& w, std::span<const std::byte> data) noexcept { w.size += data.size(); }
  static Handle freeze(Writer&& w) noexcept { return Handle{w.size}; }
  static std::size_t size(const Handle& h) noexcept { return h.size; }
  static Handle slice(const Handle&, std::size_t begin, std::size_t end) noexcept { return Handle{end - begin}; }
  static std::vector<std::byte> into_owned(Handle&&) noexcept { return {}; }
  AllocatorSnapshot snapshot() const { return {}; }
};

static_assert(WorkloadAllocator<HeapAdapter<GlibcHeap>>);
static_assert(WorkloadAllocator<HeapAdapter<PmrHeap>>);
static_assert(WorkloadAllocator<SharedVectorAdapter>);
static_assert(WorkloadAllocator<NullAdapter>);

}  // namespace arena::workloads::detail
