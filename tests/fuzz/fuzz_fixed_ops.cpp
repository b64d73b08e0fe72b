// Fuzz target: operation sequences on a FixedArena checked against the reference model of
// ops_model.hpp. The first bytes choose the geometry (1-130 slots, so that bitmaps span several
// words; capacity 1-200; alignment 1-64), the init policy, auto-spill, and self-allocated or raw
// memory (from_raw with a counting Dealloc, which must run exactly once, after the last handle).
// Model rules specific to fixed arenas: allocate succeeds iff fewer than slot_count slots are held
// (one thread: the scan is exact), every slot lies at base + i * capacity, and the metrics match.
#include <cstddef>
#include <cstdint>
#include <algorithm>
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

class FixedOps {
 public:
  FixedOps(arena::FixedArena arena, const std::byte* low, std::size_t count, std::size_t capacity, bool zero)
      : arena_(std::move(arena)), low_(low), count_(count), capacity_(capacity), zero_(zero),
        spill_(arena_->auto_spill_enabled()), alignment_(arena_->alignment()) {}

  bool alive() const { return arena_.has_value(); }
  void drop_handle() { arena_.reset(); }
  bool zero_policy() const { return zero_; }
  bool auto_spill() const { return spill_; }
  std::size_t largest() const { return capacity_; }
  std::size_t typical() const { return capacity_; }

  arena::Result<arena::Buffer> allocate(std::size_t) { return arena_->allocate(); }
  arena::Result<arena::hazmat::RawRegion> raw(std::size_t) { return arena::hazmat::raw_alloc(*arena_); }
  // The length is ignored: any request gets a whole slot, or arena_full when all are held.
  Prediction predict(std::size_t, const std::map<const std::byte*, Live>& live) const {
    if (live.size() >= count_) return {Errc::arena_full, capacity_, capacity_};
    return {Errc{}, capacity_, capacity_};
  }
  // Raw: slots tile [memory, memory + count * capacity). Self-allocated (base unknown): every slot
  // seen lies a multiple of the capacity away from the first, within count * capacity bytes.
  bool inside(const std::byte* p, std::size_t block) {
    if (low_ != nullptr) return p >= low_ && p + block <= low_ + count_ * capacity_;
    if (first_ == nullptr) first_ = lowest_ = highest_ = p;
    lowest_ = std::min(lowest_, p);
    highest_ = std::max(highest_, p);
    return static_cast<std::size_t>(highest_ - lowest_) + capacity_ <= count_ * capacity_;
  }
  bool aligned(const std::byte* p, std::size_t) const {
    const std::byte* anchor = low_ != nullptr ? low_ : first_;
    const std::size_t distance = static_cast<std::size_t>(p > anchor ? p - anchor : anchor - p);
    return reinterpret_cast<std::uintptr_t>(p) % alignment_ == 0 && distance % capacity_ == 0;
  }
  void check_metrics(const Counters& c, const std::map<const std::byte*, Live>& live) const {
    const arena::FixedMetrics m = arena_->metrics();
    expect(m.allocations_ok == c.ok, "metrics allocations_ok", m.allocations_ok, c.ok);
    expect(m.allocations_failed == c.failed, "metrics allocations_failed", m.allocations_failed, c.failed);
    expect(m.frees == c.frees, "metrics frees", m.frees, c.frees);
    expect(m.frozen == c.frozen, "metrics frozen", m.frozen, c.frozen);
    expect(m.spills == c.spills, "metrics spills", m.spills, c.spills);
    expect(m.slots_live == live.size(), "metrics slots_live", m.slots_live, live.size());
    expect(m.bytes_live == live.size() * capacity_, "metrics bytes_live", m.bytes_live, live.size() * capacity_);
    expect(m.bytes_reserved == count_ * capacity_, "metrics bytes_reserved", m.bytes_reserved, count_ * capacity_);
    expect(m.frees <= m.allocations_ok, "metrics frees > allocations_ok");  // R-MET-5
  }
  // Every slot can be had again, each once, and then the arena is full.
  void check_whole() {
    std::vector<arena::Buffer> all;
    for (std::size_t i = 0; i < count_; ++i) {
      arena::Result<arena::Buffer> r = arena_->allocate();
      expect(r.has_value(), "whole arena: slot missing", i, count_);
      all.push_back(std::move(r).value());
    }
    expect(!arena_->allocate().has_value(), "whole arena: more slots than slot_count");
  }

 private:
  std::optional<arena::FixedArena> arena_;
  const std::byte* low_;  // raw: the caller's region; else nullptr
  const std::byte* first_ = nullptr;
  const std::byte* lowest_ = nullptr;
  const std::byte* highest_ = nullptr;
  std::size_t count_;
  std::size_t capacity_;
  bool zero_;
  bool spill_;
  std::size_t alignment_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const std::size_t count = in.ConsumeIntegralInRange<std::size_t>(1, 130);
  const std::size_t requested = in.ConsumeIntegralInRange<std::size_t>(1, 200);
  const std::size_t alignment = std::size_t{1} << in.ConsumeIntegralInRange<unsigned>(0, 6);
  const bool zero = in.ConsumeBool();
  const bool spill = in.ConsumeBool();
  const bool raw = in.ConsumeBool();
  const arena::InitPolicy policy = zero ? arena::InitPolicy::zero : arena::InitPolicy::uninit;
  const std::size_t capacity = (requested + alignment - 1) / alignment * alignment;

  g_deallocs = 0;
  std::byte* memory = nullptr;
  std::optional<arena::FixedArena> built;
  if (raw) {
    // Slots of `capacity` bytes and an unusable tail shorter than one slot.
    const std::size_t tail = in.ConsumeIntegralInRange<std::size_t>(0, capacity - 1);
    const std::size_t len = count * capacity + tail;
    memory = static_cast<std::byte*>(std::aligned_alloc(64, (len + 63) / 64 * 64));
    auto r = arena::FixedArena::from_raw(memory, len, arena::SlotSpec::size(capacity),
                                         [len, memory](void* p, std::size_t n) {
                                           expect(p == memory && n == len, "Dealloc got another region");
                                           ++g_deallocs;
                                           std::free(p);
                                         })
                 .alignment(alignment)
                 .init_policy(policy)
                 .build();
    expect(r.has_value(), "raw build failed", count, capacity);
    built.emplace(std::move(r).value());
  } else {
    auto builder = arena::FixedArena::with_slot_capacity(count, requested);
    builder.alignment(alignment).init_policy(policy);
    if (spill) builder.auto_spill();
    auto r = builder.build();
    expect(r.has_value(), "build failed", count, requested);
    built.emplace(std::move(r).value());
  }
  expect(built->slot_count() == count && built->slot_capacity() == capacity, "geometry", built->slot_capacity(), capacity);
  {
    FixedOps ops(std::move(*built), memory, count, capacity, zero);
    built.reset();
    arena::fuzz::OpsModel<FixedOps> model(ops, in);
    model.run();
  }
  if (raw) expect(g_deallocs == 1, "raw Dealloc did not run exactly once", static_cast<unsigned long long>(g_deallocs));
  return 0;
}
