// Randomized model test of BuddyArena (label "model"): seeded runs of allocate / write / freeze /
// slice / drop with random sizes (1M ops on exact over caller memory; a fifth each with the zero
// policy and on nearest), checked against an interval set of live blocks: no overlap, alignment,
// arena_full only when no aligned free block exists, content intact, metrics exactly the model's,
// and one max-order block at the end. ARENA_MODEL_OPS / ARENA_MODEL_SEED override length and seed;
// sanitizer builds run a fifth by default.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "arena/arena.hpp"
#include "rng.hpp"
#include "test_support.hpp"

using arena::BuddyArena;
using arena::BuddyGeometry;
using arena::BuddyHint;
using arena::BuddyMetrics;
using arena::Buffer;
using arena::Bytes;
using arena::Dealloc;
using arena::Errc;
using arena::InitPolicy;
using arena::test::take;

namespace {

#ifdef ARENA_SANITIZED
constexpr std::uint64_t kDefaultOps = 200'000;
#else
constexpr std::uint64_t kDefaultOps = 1'000'000;
#endif
constexpr std::uint64_t kDefaultSeed = 0x0B0DD7'5EED;
constexpr std::size_t kMaxWrite = 300;

std::uint64_t env_or(const char* name, std::uint64_t fallback) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return fallback;
  return std::strtoull(value, nullptr, 0);
}

// table[i] = i & 0xFF: the content of block `id` at position p is (id * 158 + p) & 0xFF, so any run
// of it is one memcmp against the table.
struct PatternTable {
  std::array<std::byte, 256 + 65536> bytes{};
  PatternTable() {
    for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::byte>(i & 0xFF);
  }
  const std::byte* at(std::uint64_t id, std::size_t position) const {
    return bytes.data() + ((id * 158 + position) & 0xFF);
  }
};
const PatternTable kPattern;

struct Handle {
  Bytes bytes;
  std::size_t content_offset;  // where bytes.data() sits in the block's written content
};

struct LiveBlock {
  std::uint64_t id = 0;
  std::size_t offset = 0;
  std::size_t block = 0;
  std::size_t requested = 0;
  std::size_t written = 0;
  std::optional<Buffer> buffer;  // until frozen
  std::vector<Handle> handles;   // after
};

struct Config {
  std::size_t total;
  std::size_t min_block;
  InitPolicy policy;
  bool nearest;  // false: exact geometry over caller memory (from_raw); true: nearest, self-allocated
  std::uint64_t ops;
  std::uint64_t seed;
};

class ModelRun {
 public:
  explicit ModelRun(const Config& config) : config_(config), rng_(config.seed) {
    if (config.nearest) {
      arena_.emplace(take(BuddyArena::builder(take(BuddyGeometry::nearest(config.total, config.min_block)))
                              .init_policy(config.policy)
                              .build()));
      // The base address: the one block of the empty arena.
      memory_ = take(arena_->allocate(config.total)).writable_span().data();
      allocs_ = frees_ = 1;
    } else {
      // Aligned to the total, so that blocks are aligned to their size in absolute terms too.
      memory_ = static_cast<std::byte*>(std::aligned_alloc(config.total, config.total));
      REQUIRE(memory_ != nullptr);
      arena_.emplace(take(BuddyArena::from_raw(memory_, config.total, BuddyHint::min_alloc(config.min_block),
                                               Dealloc::heap())
                              .init_policy(config.policy)
                              .build()));
    }
    REQUIRE(arena_->total_size() == config.total);
    max_order_ = arena_->max_order();
    peak_ = config.nearest ? config.total : 0;
    snapshot_peak_ = 0;  // the whole-arena allocation above (nearest) is not seen by a snapshot
  }

  void run() {
    // Phases in turn: fill up (allocations outpace releases), about steady, drain. A block lives
    // about 4 touches, so the arena grows while the allocation share exceeds ~0.2.
    const std::array<double, 3> shares{0.30, 0.18, 0.10};
    const std::uint64_t phase_length = std::clamp<std::uint64_t>(config_.ops / 30, 2000, 20000);
    double alloc_share = shares[0];
    for (op_ = 0; op_ < config_.ops; ++op_) {
      if (op_ % phase_length == 0) alloc_share = shares[(op_ / phase_length) % shares.size()];
      if (live_.empty() || static_cast<double>(rng_.below(1000)) < alloc_share * 1000.0) {
        allocate();
      } else {
        touch(static_cast<std::size_t>(rng_.below(live_.size())));
      }
      if (rng_.below(64) == 0) check_metrics();
    }
    check_metrics();
    MESSAGE("ops " << config_.ops << ", seed " << config_.seed << ": allocations " << allocs_ << ", arena_full "
                   << full_ << ", request_too_large " << too_large_ << ", freezes " << freezes_ << ", slices "
                   << slices_ << ", peak live " << peak_ << " bytes, max live blocks " << max_live_);
    CHECK(full_ > 0u);  // the run did reach a full arena
    CHECK(freezes_ > 0u);
    CHECK(slices_ > 0u);
    drop_all_and_check_whole();
  }

 private:
  // --- operations ---

  std::size_t random_length() {
    if (rng_.below(500) == 0) {  // a request that can never fit
      switch (rng_.below(4)) {
        case 0: return config_.total + 1;
        case 1: return std::numeric_limits<std::size_t>::max();
        case 2: return (std::size_t{1} << 63) + 1;
        default: return config_.total + 1 + static_cast<std::size_t>(rng_.below(config_.total * 4));
      }
    }
    // Order uniform over the lower orders (most blocks small, a few large), length uniform inside it.
    const unsigned top = max_order_ >= 4 ? max_order_ - 3 : max_order_;
    const auto k = static_cast<unsigned>(rng_.below(top + 1));
    const std::size_t high = config_.min_block << k;
    const std::size_t low = k == 0 ? 1 : high / 2 + 1;
    return low + static_cast<std::size_t>(rng_.below(high - low + 1));
  }

  void allocate() {
    const std::size_t len = random_length();
    auto r = arena_->allocate(len);
    if (len > config_.total) {
      if (r.has_value() || r.error() != Errc::request_too_large) FAIL("op " << op_ << ": len " << len << " not request_too_large");
      ++too_large_;
      ++fails_;
      return;
    }
    std::size_t block = config_.min_block;
    while (block < len) block *= 2;
    if (!r) {
      if (r.error() != Errc::arena_full) FAIL("op " << op_ << ": allocate(" << len << "): " << r.error().message());
      if (model_has_free(block)) FAIL("op " << op_ << ": arena_full for " << block << " but the model has a free block");
      ++full_;
      ++fails_;
      return;
    }
    Buffer b = std::move(r).value();
    const std::byte* data = b.written().data();
    const auto address = reinterpret_cast<std::uintptr_t>(data);
    if (data < memory_ || data + block > memory_ + config_.total) FAIL("op " << op_ << ": block outside the arena");
    const auto offset = static_cast<std::size_t>(data - memory_);
    const std::size_t capacity = config_.nearest ? std::min(len, block) : block;
    if (b.capacity() != capacity) FAIL("op " << op_ << ": capacity " << b.capacity() << " for " << len << " / " << block);
    if (offset % block != 0) FAIL("op " << op_ << ": block " << block << " at offset " << offset);
    if (!config_.nearest && address % block != 0) FAIL("op " << op_ << ": block " << block << " at address " << address);
    if (overlaps(offset, block)) FAIL("op " << op_ << ": block [" << offset << ", +" << block << ") overlaps a live one");
    if (config_.policy == InitPolicy::zero && arena::test::count_not(b.writable_span(), std::byte{0}) != 0) {
      FAIL("op " << op_ << ": zero policy, block at " << offset << " not zero");
    }
    intervals_.emplace(offset, block);
    LiveBlock live;
    live.id = next_id_++;
    live.offset = offset;
    live.block = block;
    live.requested = len;
    live.buffer.emplace(std::move(b));
    live_.push_back(std::move(live));
    ++allocs_;
    bytes_live_ += block;
    requested_live_ += len;
    peak_ = std::max(peak_, bytes_live_);
    max_live_ = std::max(max_live_, live_.size());
  }

  void touch(std::size_t index) {
    LiveBlock& lb = live_[index];
    const std::uint64_t dice = rng_.below(100);
    if (lb.buffer) {
      if (dice < 40) write(lb);
      else if (dice < 80) freeze(lb);
      else release(index);  // dropped unfrozen
    } else if (dice < 35) {
      slice(lb);
    } else {
      drop_handle(index);
    }
  }

  void write(LiveBlock& lb) {
    Buffer& b = *lb.buffer;
    const std::size_t room = b.remaining();
    if (room == 0) {
      if (b.try_put(kPattern.bytes).has_value()) FAIL("op " << op_ << ": try_put into a full buffer");
      return;
    }
    const std::size_t n = std::min(room, 1 + static_cast<std::size_t>(rng_.below(kMaxWrite)));
    const std::byte* src = kPattern.at(lb.id, lb.written);
    if (rng_.coin()) {
      b.put(std::span<const std::byte>(src, n));
    } else {
      std::memcpy(b.writable_span().data(), src, n);
      b.commit(n);
    }
    lb.written += n;
    if (b.size() != lb.written) FAIL("op " << op_ << ": size " << b.size() << ", model " << lb.written);
  }

  void freeze(LiveBlock& lb) {
    Bytes bytes = std::move(*lb.buffer).freeze();
    lb.buffer.reset();
    ++freezes_;
    if (bytes.size() != lb.written) FAIL("op " << op_ << ": frozen size " << bytes.size() << ", model " << lb.written);
    check_content(lb, bytes, 0);
    if (lb.written > 0 && bytes.data() != memory_ + lb.offset) FAIL("op " << op_ << ": freeze moved the bytes");
    lb.handles.push_back({std::move(bytes), 0});
  }

  void slice(LiveBlock& lb) {
    const Handle& h = lb.handles[static_cast<std::size_t>(rng_.below(lb.handles.size()))];
    const std::size_t size = h.bytes.size();
    const std::size_t begin = static_cast<std::size_t>(rng_.below(size + 1));
    const std::size_t end = begin + static_cast<std::size_t>(rng_.below(size - begin + 1));
    Bytes part = h.bytes.slice(begin, end);
    ++slices_;
    if (begin == end) {
      if (part.owns_memory() || !part.empty()) FAIL("op " << op_ << ": an empty slice pins its block");
      return;
    }
    const std::size_t content_offset = h.content_offset + begin;
    check_content(lb, part, content_offset);
    lb.handles.push_back({std::move(part), content_offset});
  }

  void drop_handle(std::size_t index) {
    LiveBlock& lb = live_[index];
    const auto which = static_cast<std::size_t>(rng_.below(lb.handles.size()));
    check_content(lb, lb.handles[which].bytes, lb.handles[which].content_offset);
    if (lb.handles.size() > 1) {
      lb.handles[which] = std::move(lb.handles.back());
      lb.handles.pop_back();
      return;
    }
    release(index);
  }

  // The last owner of live_[index] goes: the block returns to the arena (and leaves the model).
  void release(std::size_t index) {
    LiveBlock& lb = live_[index];
    for (const Handle& h : lb.handles) check_content(lb, h.bytes, h.content_offset);
    lb.buffer.reset();
    lb.handles.clear();
    intervals_.erase(lb.offset);
    bytes_live_ -= lb.block;
    requested_live_ -= lb.requested;
    ++frees_;
    if (index != live_.size() - 1) live_[index] = std::move(live_.back());
    live_.pop_back();
  }

  void check_content(const LiveBlock& lb, const Bytes& bytes, std::size_t content_offset) const {
    if (bytes.empty()) return;
    if (content_offset + bytes.size() > lb.written ||
        std::memcmp(bytes.data(), kPattern.at(lb.id, content_offset), bytes.size()) != 0) {
      FAIL("op " << op_ << ": content of block " << lb.id << " at [" << content_offset << ", +" << bytes.size()
                 << ") changed");
    }
  }

  // --- the model ---

  bool overlaps(std::size_t start, std::size_t size) const {
    auto it = intervals_.lower_bound(start);
    if (it != intervals_.end() && it->first < start + size) return true;
    if (it != intervals_.begin()) {
      --it;
      if (it->first + it->second > start) return true;
    }
    return false;
  }

  // Is some block of `size` (aligned to it) entirely free in the model?
  bool model_has_free(std::size_t size) const {
    std::size_t gap_start = 0;
    auto fits = [&](std::size_t from, std::size_t to) {
      const std::size_t aligned = (from + size - 1) / size * size;
      return aligned + size <= to;
    };
    for (const auto& [offset, block] : intervals_) {
      if (fits(gap_start, offset)) return true;
      gap_start = offset + block;
    }
    return fits(gap_start, config_.total);
  }

  // Free blocks per order of a fully coalesced buddy arena holding the model's live blocks.
  void model_free_blocks(unsigned order, std::size_t start, std::vector<std::uint64_t>& counts) const {
    const std::size_t size = config_.min_block << order;
    auto it = intervals_.lower_bound(start);
    const bool starts_here = it != intervals_.end() && it->first == start;
    if (starts_here && it->second == size) return;  // exactly one live block
    if (!overlaps(start, size)) {
      ++counts[order];
      return;
    }
    if (order == 0) return;
    model_free_blocks(order - 1, start, counts);
    model_free_blocks(order - 1, start + size / 2, counts);
  }

  void check_metrics() {
    // The arena reports the highest live total seen by any metrics() call (with thread caches,
    // frees that never take the lock cannot keep an exact running peak): the model's peak at
    // snapshots.
    snapshot_peak_ = std::max(snapshot_peak_, bytes_live_);
    const BuddyMetrics m = arena_->metrics();
    std::vector<std::uint64_t> counts(max_order_ + 1, 0);
    model_free_blocks(max_order_, 0, counts);
    std::uint64_t largest = 0;
    std::uint64_t free_blocks = 0;
    for (unsigned k = 0; k <= max_order_; ++k) {
      if (counts[k] != 0) largest = config_.min_block << k;
      free_blocks += counts[k];
    }
    const bool ok = m.allocations_ok == allocs_ && m.allocations_failed == fails_ && m.frees == frees_ &&
                    m.frozen == freezes_ && m.spills == 0 && m.blocks_live == live_.size() &&
                    m.bytes_live == bytes_live_ && m.bytes_requested_live == requested_live_ &&
                    m.internal_fragmentation_bytes == bytes_live_ - requested_live_ && m.peak_bytes_live == snapshot_peak_ &&
                    m.bytes_free == config_.total - bytes_live_ && m.bytes_reserved == config_.total &&
                    m.free_blocks_per_order == counts && m.largest_free_block == largest &&
                    m.splits - m.coalesces == live_.size() + free_blocks - 1;
    if (!ok) {
      std::string got;
      std::string want;
      for (unsigned k = 0; k <= max_order_; ++k) {
        got += std::to_string(m.free_blocks_per_order[k]) + " ";
        want += std::to_string(counts[k]) + " ";
      }
      FAIL("op " << op_ << ": metrics differ from the model. ok " << m.allocations_ok << "/" << allocs_ << ", failed "
                 << m.allocations_failed << "/" << fails_ << ", frees " << m.frees << "/" << frees_ << ", frozen "
                 << m.frozen << "/" << freezes_ << ", blocks " << m.blocks_live << "/" << live_.size() << ", live "
                 << m.bytes_live << "/" << bytes_live_ << ", requested " << m.bytes_requested_live << "/"
                 << requested_live_ << ", peak " << m.peak_bytes_live << "/" << snapshot_peak_ << ", largest "
                 << m.largest_free_block << "/" << largest << ", splits-coalesces " << m.splits - m.coalesces << "/"
                 << live_.size() + free_blocks - 1 << ", per order [" << got << "] / [" << want << "]");
    }
  }

  void drop_all_and_check_whole() {
    while (!live_.empty()) release(static_cast<std::size_t>(rng_.below(live_.size())));
    check_metrics();
    const BuddyMetrics m = arena_->metrics();
    std::vector<std::uint64_t> one_block(max_order_ + 1, 0);
    one_block.back() = 1;
    CHECK(m.free_blocks_per_order == one_block);
    CHECK(m.largest_free_block == config_.total);
    CHECK(m.bytes_live == 0u);
    Buffer whole = take(arena_->allocate(config_.total));
    CHECK(whole.written().data() == memory_);
  }

  Config config_;
  std::byte* memory_ = nullptr;  // the arena's base; owned by the arena (Dealloc::heap when from_raw)
  arena::test::Rng rng_;
  std::optional<BuddyArena> arena_;
  unsigned max_order_ = 0;
  std::uint64_t op_ = 0;

  std::map<std::size_t, std::size_t> intervals_;  // offset -> block size of every live block
  std::vector<LiveBlock> live_;
  std::uint64_t next_id_ = 1;
  std::uint64_t allocs_ = 0, fails_ = 0, full_ = 0, too_large_ = 0, frees_ = 0, freezes_ = 0, slices_ = 0;
  std::uint64_t bytes_live_ = 0, requested_live_ = 0, peak_ = 0, snapshot_peak_ = 0;
  std::size_t max_live_ = 0;
};

}  // namespace

TEST_SUITE("model: BuddyArena") {
  TEST_CASE("a million random operations on exact (1 MiB, 64) agree with the interval-set model") {
    const std::uint64_t ops = env_or("ARENA_MODEL_OPS", kDefaultOps);
    const std::uint64_t seed = env_or("ARENA_MODEL_SEED", kDefaultSeed);
    ModelRun run({std::size_t{1} << 20, 64, InitPolicy::uninit, false, ops, seed});
    run.run();
  }

  TEST_CASE("zero policy: random operations on exact (64 KiB, 32), every allocation observed all zero") {
    const std::uint64_t ops = env_or("ARENA_MODEL_OPS", kDefaultOps) / 5;
    const std::uint64_t seed = env_or("ARENA_MODEL_SEED", kDefaultSeed) + 1;
    ModelRun run({std::size_t{64} << 10, 32, InitPolicy::zero, false, ops, seed});
    run.run();
  }

  TEST_CASE("nearest geometry: random operations on nearest (256 KiB, 128), capacity capped to the request") {
    const std::uint64_t ops = env_or("ARENA_MODEL_OPS", kDefaultOps) / 5;
    const std::uint64_t seed = env_or("ARENA_MODEL_SEED", kDefaultSeed) + 2;
    ModelRun run({std::size_t{256} << 10, 128, InitPolicy::uninit, true, ops, seed});
    run.run();
  }
}
