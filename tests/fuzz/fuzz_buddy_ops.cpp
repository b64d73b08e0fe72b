// Fuzz target: operation sequences on a BuddyArena checked against the reference model of
// ops_model.hpp. The first bytes choose the geometry: exact over caller memory (from_raw, counting
// Dealloc that must run exactly once), or self-allocated exact or nearest (any total / min block,
// snapped), with auto-spill and the zero policy at will; 1 to 128 minimum blocks. Model rules of a
// buddy arena: a request takes the smallest power-of-two block >= len (>= the minimum block);
// 0 is invalid_argument (not counted), more than the total request_too_large, and arena_full
// exactly when no block-aligned run of that size is free in the model (coalescing is complete);
// capacity = the block (exact) or min(len, block) (nearest); metrics equal the model's.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>

#include "arena/arena.hpp"
#include "arena/hazmat.hpp"
#include "ops_model.hpp"

namespace {

using arena::Errc;
using arena::fuzz::Counters;
using arena::fuzz::expect;
using arena::fuzz::Live;
using arena::fuzz::Prediction;

int g_deallocs = 0;

class BuddyOps {
 public:
  BuddyOps(arena::BuddyArena arena, const std::byte* base, bool nearest, bool zero)
      : arena_(std::move(arena)), base_(base), total_(arena_->total_size()), min_(arena_->min_block_size()),
        nearest_(nearest), zero_(zero), spill_(false) {
    if (base_ == nullptr) {
      // Self-allocated: the one block of the empty arena is its base.
      arena::Result<arena::Buffer> whole = arena_->allocate(total_);
      expect(whole.has_value(), "the empty arena has no whole block");
      base_ = whole->written().data();
      spill_ = whole->remaining() == static_cast<std::size_t>(-1);
      pre_ok_ = pre_frees_ = 1;
    }
  }

  bool alive() const { return arena_.has_value(); }
  void drop_handle() { arena_.reset(); }
  bool zero_policy() const { return zero_; }
  bool auto_spill() const { return spill_; }
  std::size_t largest() const { return total_; }
  std::size_t typical() const { return std::max<std::size_t>(total_ / 4, min_ * 2); }

  arena::Result<arena::Buffer> allocate(std::size_t len) { return arena_->allocate(len); }
  arena::Result<arena::hazmat::RawRegion> raw(std::size_t len) { return arena::hazmat::raw_alloc(*arena_, len); }

  Prediction predict(std::size_t len, const std::map<const std::byte*, Live>& live) const {
    if (len == 0) return {Errc::invalid_argument, 0, 0};
    if (len > total_) return {Errc::request_too_large, 0, 0};
    std::size_t block = min_;
    while (block < len) block *= 2;
    const std::size_t capacity = nearest_ ? std::min(len, block) : block;
    for (std::size_t offset = 0; offset < total_; offset += block) {
      const std::byte* p = base_ + offset;
      auto next = live.lower_bound(p);
      bool free = next == live.end() || p + block <= next->first;
      if (free && next != live.begin()) {
        auto prev = std::prev(next);
        free = prev->first + prev->second.block <= p;
      }
      if (free) return {Errc{}, block, capacity};
    }
    return {Errc::arena_full, block, capacity};
  }
  bool inside(const std::byte* p, std::size_t block) const { return p >= base_ && p + block <= base_ + total_; }
  bool aligned(const std::byte* p, std::size_t block) const { return static_cast<std::size_t>(p - base_) % block == 0; }

  void check_metrics(const Counters& c, const std::map<const std::byte*, Live>& live) const {
    const arena::BuddyMetrics m = arena_->metrics();
    std::uint64_t bytes = 0, requested = 0;
    for (const auto& [p, l] : live) {
      bytes += l.block;
      requested += l.requested;
    }
    expect(m.allocations_ok == c.ok + pre_ok_, "metrics allocations_ok", m.allocations_ok, c.ok + pre_ok_);
    expect(m.allocations_failed == c.failed, "metrics allocations_failed", m.allocations_failed, c.failed);
    expect(m.frees == c.frees + pre_frees_, "metrics frees", m.frees, c.frees + pre_frees_);
    expect(m.frozen == c.frozen, "metrics frozen", m.frozen, c.frozen);
    expect(m.spills == c.spills, "metrics spills", m.spills, c.spills);
    expect(m.blocks_live == live.size(), "metrics blocks_live", m.blocks_live, live.size());
    expect(m.bytes_live == bytes, "metrics bytes_live", m.bytes_live, bytes);
    expect(m.bytes_requested_live == requested, "metrics bytes_requested_live", m.bytes_requested_live, requested);
    expect(m.bytes_reserved == total_, "metrics bytes_reserved", m.bytes_reserved, total_);
    expect(m.bytes_free + m.bytes_live == total_, "metrics bytes_free + bytes_live != total", m.bytes_free, m.bytes_live);
    expect(m.frees <= m.allocations_ok, "metrics frees > allocations_ok");  // R-MET-5
  }
  // Fully coalesced: one free block of the top order, and it can be allocated whole.
  void check_whole() {
    const arena::BuddyMetrics m = arena_->metrics();
    expect(m.largest_free_block == total_, "not whole: largest free block", m.largest_free_block, total_);
    expect(m.free_blocks_per_order.size() == m.max_order + 1u && m.free_blocks_per_order.back() == 1,
           "not whole: free blocks of the top order");
    arena::Result<arena::Buffer> whole = arena_->allocate(total_);
    expect(whole.has_value(), "not whole: allocate(total) failed");
  }

 private:
  std::optional<arena::BuddyArena> arena_;
  const std::byte* base_;
  std::size_t total_;
  std::size_t min_;
  bool nearest_;
  bool zero_;
  bool spill_;
  std::uint64_t pre_ok_ = 0;
  std::uint64_t pre_frees_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const int mode = in.ConsumeIntegralInRange<int>(0, 2);  // 0 raw exact, 1 exact, 2 nearest
  const bool zero = in.ConsumeBool();
  const bool spill = in.ConsumeBool();
  const arena::InitPolicy policy = zero ? arena::InitPolicy::zero : arena::InitPolicy::uninit;
  const std::size_t min_block = std::size_t{1} << in.ConsumeIntegralInRange<unsigned>(0, 8);
  const std::size_t total = min_block << in.ConsumeIntegralInRange<unsigned>(0, 7);

  g_deallocs = 0;
  std::byte* memory = nullptr;
  std::optional<arena::BuddyArena> built;
  if (mode == 0) {
    const std::size_t tail = in.ConsumeIntegralInRange<std::size_t>(0, min_block - 1);
    const std::size_t len = total + tail;
    const std::size_t align = std::max<std::size_t>(total, 64);
    memory = static_cast<std::byte*>(std::aligned_alloc(align, (len + align - 1) / align * align));
    auto r = arena::BuddyArena::from_raw(memory, len, arena::BuddyHint::min_alloc(min_block),
                                         [len, memory](void* p, std::size_t n) {
                                           expect(p == memory && n == len, "Dealloc got another region");
                                           ++g_deallocs;
                                           std::free(p);
                                         })
                 .init_policy(policy)
                 .build();
    expect(r.has_value(), "raw build failed", total, min_block);
    built.emplace(std::move(r).value());
    expect(built->total_size() == total && built->min_block_size() == min_block, "raw geometry");
  } else {
    arena::Result<arena::BuddyGeometry> geometry = arena::BuddyGeometry::exact(total, min_block);
    if (mode == 2) {
      // Any numbers: nearest snaps them (kept small so that the arena stays small).
      const std::size_t t = in.ConsumeIntegralInRange<std::size_t>(1, 16384);
      const std::size_t m = in.ConsumeIntegralInRange<std::size_t>(1, 256);
      geometry = arena::BuddyGeometry::nearest(t, m);
    }
    expect(geometry.has_value(), "geometry refused");
    auto builder = arena::BuddyArena::builder(*geometry);
    builder.init_policy(policy);
    if (spill) builder.auto_spill();
    auto r = builder.build();
    expect(r.has_value(), "build failed");
    built.emplace(std::move(r).value());
  }
  {
    BuddyOps ops(std::move(*built), memory, mode == 2, zero);
    built.reset();
    arena::fuzz::OpsModel<BuddyOps> model(ops, in);
    model.run();
  }
  if (mode == 0) expect(g_deallocs == 1, "raw Dealloc did not run exactly once", static_cast<unsigned long long>(g_deallocs));
  return 0;
}
