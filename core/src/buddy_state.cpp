// BuddyState mechanics: allocation with split, release with complete coalescing, parked blocks,
// 16-bit per-block reference counts with a side table past 0xFFFE, zero policy, metrics and
// lifetime. The structures are described in buddy_state.hpp.
#include "buddy_state.hpp"

#include <bit>
#include <cstring>

#include "arena/check.hpp"
#include "buddy_math.hpp"
#include "slot_cache.hpp"

namespace arena::detail {
namespace {

constexpr std::uint16_t kSaturated = 0xFFFF;  // the true count is in the side table
constexpr std::size_t kNone = BitTree::kNone;

void buddy_last_release(Owner* owner, const std::byte* data, std::uint64_t tag) noexcept {
  BuddyState::of(owner).release(data, tag);
}
void buddy_note_frozen(Owner* owner, std::uint64_t) noexcept { BuddyState::of(owner).note_frozen(); }
void buddy_spill_release(Owner* owner, const std::byte* data, std::uint64_t tag) noexcept {
  BuddyState::of(owner).spill(data, tag);
}
void buddy_retain(Owner* owner, const std::byte* data, std::uint64_t tag) noexcept {
  BuddyState::of(owner).retain(data, tag);
}

const OwnerOps kBuddyOps{&buddy_last_release, &buddy_note_frozen, &buddy_spill_release, &buddy_retain,
                         &buddy_last_release};

std::uint64_t next_buddy_id() noexcept {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

BuddyState::BuddyState(const BuddyConfig& config, Backing backing, std::shared_ptr<BuddyWaiter> waiter)
    : config_(config),
      backing_(std::move(backing)),
      refs_(std::make_unique<std::atomic<std::uint16_t>[]>(config.total >> config.min_shift)),
      counts_(config.max_order + 1, 0),
      parked_(config.max_order + 1, kNone) {
  owner_.ops = &kBuddyOps;
  owner_.state = this;
  id_ = next_buddy_id();
  waiter_ = waiter ? std::move(waiter) : std::make_shared<BuddyNotifyWaiters>(config.max_order + 1);
  const std::size_t units = config.total >> config.min_shift;
  free_.reserve(config.max_order + 1);
  for (unsigned k = 0; k <= config.max_order; ++k) free_.emplace_back(units >> k);
  insert_free(config.max_order, 0);  // one block: the whole arena
  metadata_bytes_ = units * sizeof(std::atomic<std::uint16_t>) + sizeof(BuddyState) +
                    (config.max_order + 1) * (sizeof(BitTree) + 2 * sizeof(std::uint64_t));
  for (const BitTree& tree : free_) metadata_bytes_ += tree.memory_bytes();
  if (config.init == InitPolicy::zero) {
    scrubbed_.assign((units + 63) / 64, 0);
    cold_units_ = units;
    metadata_bytes_ += scrubbed_.size() * sizeof(std::uint64_t);
  }
}

BuddyState::~BuddyState() { release_backing(backing_); }

std::size_t BuddyState::unit_of(const std::byte* data, unsigned order) const noexcept {
  const auto offset = static_cast<std::size_t>(data - backing_.base);
  return (offset >> config_.min_shift) & ~((std::size_t{1} << order) - 1);
}

// --- Free structure (under lock_) ---

void BuddyState::insert_free(unsigned order, std::size_t index) noexcept {
  free_[order].set(index);
  if (counts_[order]++ == 0) nonempty_ |= std::uint64_t{1} << order;
}

void BuddyState::remove_free(unsigned order, std::size_t index) noexcept {
  free_[order].clear(index);
  if (--counts_[order] == 0) nonempty_ &= ~(std::uint64_t{1} << order);
}

unsigned BuddyState::coalesce_insert(unsigned order, std::size_t index) noexcept {
  while (order < config_.max_order && free_[order].test(buddy::buddy_of(index))) {
    remove_free(order, buddy::buddy_of(index));
    index >>= 1;
    ++order;
    ++coalesces_;
  }
  insert_free(order, index);
  return order;
}

void BuddyState::flush_parked() noexcept {
  // Increasing order: a block merged upwards can meet a parked block of a higher order later.
  while (parked_mask_ != 0) {
    const auto order = static_cast<unsigned>(std::countr_zero(parked_mask_));
    parked_mask_ &= parked_mask_ - 1;
    const std::size_t index = parked_[order];
    parked_[order] = kNone;
    coalesce_insert(order, index);
  }
}

std::size_t BuddyState::take_block(unsigned target) noexcept {
  if (parked_[target] != kNone) {
    const std::size_t index = parked_[target];
    parked_[target] = kNone;
    parked_mask_ &= ~(std::uint64_t{1} << target);
    return index;
  }
  std::uint64_t candidates = nonempty_ & (~std::uint64_t{0} << target);
  if (candidates == 0 && parked_mask_ != 0) {
    flush_parked();  // parked blocks may merge into (or be) a large enough block
    candidates = nonempty_ & (~std::uint64_t{0} << target);
  }
  if (candidates == 0) return kNone;
  auto order = static_cast<unsigned>(std::countr_zero(candidates));
  std::size_t index = free_[order].find_first();
  remove_free(order, index);
  while (order > target) {  // split, keeping the lower half, freeing the upper [R-ALG-B3]
    --order;
    index <<= 1;
    insert_free(order, index | 1);
    ++splits_;
  }
  return index;
}

bool BuddyState::units_scrubbed(std::size_t first, std::size_t count) const noexcept {
  if (cold_units_ == 0) return true;
  for (std::size_t u = first; u < first + count;) {
    const std::size_t bit = u % 64;
    const std::size_t n = std::min<std::size_t>(64 - bit, first + count - u);
    const std::uint64_t mask = (n == 64 ? ~std::uint64_t{0} : ((std::uint64_t{1} << n) - 1)) << bit;
    if ((scrubbed_[u / 64] & mask) != mask) return false;
    u += n;
  }
  return true;
}

void BuddyState::mark_scrubbed(std::size_t first, std::size_t count) noexcept {
  for (std::size_t u = first; u < first + count;) {
    const std::size_t bit = u % 64;
    const std::size_t n = std::min<std::size_t>(64 - bit, first + count - u);
    const std::uint64_t mask = (n == 64 ? ~std::uint64_t{0} : ((std::uint64_t{1} << n) - 1)) << bit;
    cold_units_ -= static_cast<std::size_t>(std::popcount(mask & ~scrubbed_[u / 64]));
    scrubbed_[u / 64] |= mask;
    u += n;
  }
}

// --- Allocation ---

unsigned BuddyState::order_of(std::size_t len) const noexcept {
  const std::optional<unsigned> order = buddy::order_for(len == 0 ? 1 : len, config_.min_block, config_.total);
  return order ? *order : config_.max_order + 1;
}

Result<BuddyBlock> BuddyState::allocate_block(std::size_t len, bool count_failure) noexcept {
  if (len == 0) return Errc::invalid_argument;
  const std::optional<unsigned> order = buddy::order_for(len, config_.min_block, config_.total);
  if (!order) {
    failures_.add(1);
    return Errc::request_too_large;  // never fits, whatever is freed [R-BUD-2, L-3]
  }
  const std::size_t bytes = block_bytes(*order);
  BuddyCell* cell = *order < kBuddyCachedOrders ? buddy_thread_cell(*this, true) : nullptr;
  if (cell != nullptr) {
    // Lock-free: a block of this order this thread freed before (scrubbed then, if zero policy).
    const std::size_t cached = buddy_cell_pop(*cell, *order);
    if (cached != kNoUnit) {
      cell->allocations.bump();
      cell->bytes_in.add(bytes);
      cell->requested_in.add(len);
      std::byte* data = backing_.base + (cached << config_.min_shift);
      refs_at(cached).store(1, std::memory_order_relaxed);
      const std::size_t capacity = config_.caps_capacity && len < bytes ? len : bytes;
      return BuddyBlock{data, capacity, make_buddy_tag(*order, len)};
    }
  }
  std::size_t index = kNone;
  bool cold = false;
  for (int attempt = 0; attempt < 2 && index == kNone; ++attempt) {
    // Second attempt: blocks kept in threads' cells go back to the trees first.
    if (attempt == 1 && drain_cells() == 0) break;
    SpinGuard guard(lock_);
    index = take_block(*order);
    if (index != kNone) {
      ++allocations_ok_;
      ++live_blocks_;
      bytes_live_ += static_cast<std::int64_t>(bytes);
      bytes_requested_live_ += static_cast<std::int64_t>(len);
      if (config_.init == InitPolicy::zero) cold = !units_scrubbed(index << *order, std::size_t{1} << *order);
    }
  }
  if (index == kNone) {
    if (count_failure) failures_.add(1);
    return Errc::arena_full;
  }
  const std::size_t unit = index << *order;
  std::byte* data = backing_.base + (unit << config_.min_shift);
  if (cold) std::memset(data, 0, bytes);  // any unit never scrubbed: zero the whole block [H-8]
  refs_at(unit).store(1, std::memory_order_relaxed);  // published with the Buffer that carries it
  const std::size_t capacity = config_.caps_capacity && len < bytes ? len : bytes;
  return BuddyBlock{data, capacity, make_buddy_tag(*order, len)};
}

Result<Buffer> BuddyState::allocate(std::size_t len, bool count_failure) noexcept {
  Result<BuddyBlock> block = allocate_block(len, count_failure);
  if (!block) return block.error();
  return BufferAccess::make(block->data, block->capacity, &owner_, config_.auto_spill, block->tag);
}

// --- Release ---

void BuddyState::free_block(std::size_t unit, unsigned order, std::size_t requested, bool spilled) noexcept {
  const std::size_t bytes = block_bytes(order);
  if (config_.init == InitPolicy::zero) {
    secure_zero(backing_.base + (unit << config_.min_shift), bytes);  // whole block, before it is free [R-REL-2]
  }
  if (order < kBuddyCachedOrders) {
    if (BuddyCell* cell = buddy_thread_cell(*this, false); cell != nullptr) {
      const bool cached = buddy_cell_push(*cell, order, unit, id_, waiting_, [&](BuddyCell& c) {
        c.frees.bump();
        if (spilled) c.spills.bump();
        c.bytes_out.add(bytes);
        c.requested_out.add(requested);
      });
      if (cached) return;  // hands off the arena from here: it may already be torn down
    }
  }
  bool destroy = false;
  bool wake = false;
  unsigned freed_order = order;
  {
    SpinGuard guard(lock_);
    ++frees_;
    if (spilled) ++spills_;
    --live_blocks_;
    bytes_live_ -= static_cast<std::int64_t>(bytes);
    bytes_requested_live_ -= static_cast<std::int64_t>(requested);
    if (config_.init == InitPolicy::zero) mark_scrubbed(unit, std::size_t{1} << order);
    if (waiting_.load(std::memory_order_relaxed) != 0) {
      // Somebody waits: merge now, so that the wake names the order that really became free, and
      // hold a handle so that the arena outlives the wake below.
      freed_order = coalesce_insert(order, unit >> order);
      wake = try_add_handle();
    } else {
      // Park the block whole for the next allocation of its order; merge the one parked before.
      const std::size_t previous = parked_[order];
      parked_[order] = unit >> order;
      parked_mask_ |= std::uint64_t{1} << order;
      if (previous != kNone) coalesce_insert(order, previous);
    }
    destroy = orphaned_ && live_blocks_ == 0;
  }
  if (wake) {
    waiter_->wake(freed_order);
    drop_handle();
    return;
  }
  if (destroy) delete this;  // the last block of an arena with no handle left
}

bool BuddyState::try_add_handle() noexcept {
  std::uint32_t seen = handles_.load(std::memory_order_relaxed);
  do {
    if (seen == 0) return false;
  } while (!handles_.compare_exchange_weak(seen, seen + 1, std::memory_order_acq_rel, std::memory_order_relaxed));
  return true;
}

void BuddyState::begin_waiting() noexcept {
  waits_.add(1);
  waiting_.fetch_add(1, std::memory_order_seq_cst);
  // Pairs with the busy section of a cell push (buddy_cell_push reads `waiting_` inside it): from
  // here on a release either goes through the lock (and wakes) or its cached block is visible to
  // this waiter's drain.
  if (thread_cache_enabled()) heavy_fence();
}

void BuddyState::pass_on_capacity() noexcept {
  unsigned order = 0;
  bool wake = false;
  {
    SpinGuard guard(lock_);
    if (waiting_.load(std::memory_order_relaxed) > 1 && (nonempty_ | parked_mask_) != 0) {
      flush_parked();
      order = static_cast<unsigned>(63 - std::countl_zero(nonempty_));
      wake = try_add_handle();
    }
  }
  if (!wake) return;
  waiter_->wake(order);
  drop_handle();
}

void BuddyState::end_waiting() noexcept { waiting_.fetch_sub(1, std::memory_order_seq_cst); }

// --- Thread cache cells ---

void BuddyState::insert_drained(const DrainedBlock& block) noexcept {
  const std::size_t units = std::size_t{1} << block.order;
  if (config_.init == InitPolicy::zero) mark_scrubbed(block.unit, units);  // wiped when it was cached
  coalesce_insert(block.order, block.unit >> block.order);
}

std::size_t BuddyState::drain_cells() noexcept {
  return drain_buddy_cells(*this, cells_, id_, [this](const DrainedBlock& block) {
    SpinGuard guard(lock_);
    insert_drained(block);
  });
}

void BuddyState::fold_cell(BuddyCell& cell) noexcept {
  const std::uint64_t allocations = cell.allocations.take();
  const std::uint64_t frees = cell.frees.take();
  allocations_ok_ += allocations;
  frees_ += frees;
  spills_ += cell.spills.take();
  live_blocks_ += static_cast<std::int64_t>(allocations) - static_cast<std::int64_t>(frees);
  bytes_live_ += static_cast<std::int64_t>(cell.bytes_in.take()) - static_cast<std::int64_t>(cell.bytes_out.take());
  bytes_requested_live_ +=
      static_cast<std::int64_t>(cell.requested_in.take()) - static_cast<std::int64_t>(cell.requested_out.take());
}

void BuddyState::absorb_cell(BuddyCell& cell) noexcept {
  SpinGuard guard(lock_);
  for (unsigned order = 0; order < kBuddyCachedOrders; ++order) {
    const std::uint64_t value = cell.slots[order].exchange(0, std::memory_order_relaxed);
    if (value != 0) insert_drained(DrainedBlock{static_cast<std::size_t>(value - 1), order});
  }
  fold_cell(cell);
}

Result<Buffer> BuddyState::allocate_wait(std::size_t len, std::chrono::steady_clock::time_point deadline) {
  Result<Buffer> first = allocate(len);
  if (first || first.error() != Errc::arena_full) return first;  // request_too_large at once [H-2]
  begin_waiting();
  struct EndWaiting {
    BuddyState& state;
    ~EndWaiting() { state.end_waiting(); }
  } end{*this};
  const unsigned order = order_of(len);
  const auto since = std::chrono::steady_clock::now();  // the wait's age, kept across retries (L-5)
  for (;;) {
    std::unique_ptr<Registration> registration = waiter_->make_registration(order, since);
    registration->prepare();  // armed before the retry [R-ASY-2]
    Result<Buffer> attempt = allocate(len, false);
    if (attempt) {
      registration->revoke();
      pass_on_capacity();
      return attempt;
    }
    if (!registration->wait_until(deadline)) {
      registration.reset();
      Result<Buffer> last = allocate(len, false);
      if (last) return last;
      timeouts_.add(1);
      return Errc::timed_out;
    }
  }
}

void BuddyState::retain(const std::byte* data, std::uint64_t tag) noexcept {
  const std::size_t unit = unit_of(data, tag_order(tag));
  std::atomic<std::uint16_t>& refs = refs_at(unit);
  std::uint16_t seen = refs.load(std::memory_order_relaxed);
  do {
    if (seen >= kSaturated - 1) return retain_saturated(unit);
  } while (!refs.compare_exchange_weak(seen, static_cast<std::uint16_t>(seen + 1), std::memory_order_relaxed));
}

void BuddyState::release(const std::byte* data, std::uint64_t tag) noexcept {
  const unsigned order = tag_order(tag);
  const std::size_t unit = unit_of(data, order);
  std::atomic<std::uint16_t>& refs = refs_at(unit);
  for (;;) {
    // acquire: seeing 1 means every other holder's decrement (release) happened before.
    std::uint16_t seen = refs.load(std::memory_order_acquire);
    if (seen == 1) return free_block(unit, order, tag_requested(tag), false);  // the sole holder
    if (seen == kSaturated) {
      if (release_saturated(unit)) return;
      continue;
    }
    ARENA_CHECK(seen != 0, "BuddyArena: block at unit %zu released with no reference left", unit);
    if (refs.compare_exchange_weak(seen, static_cast<std::uint16_t>(seen - 1), std::memory_order_acq_rel)) return;
  }
}

void BuddyState::spill(const std::byte* data, std::uint64_t tag) noexcept {
  const unsigned order = tag_order(tag);
  free_block(unit_of(data, order), order, tag_requested(tag), true);  // a spilling Buffer is the sole holder
}

void BuddyState::retain_saturated(std::size_t unit) noexcept {
  std::atomic<std::uint16_t>& refs = refs_at(unit);
  std::lock_guard<std::mutex> guard(saturated_mutex_);
  for (;;) {
    std::uint16_t seen = refs.load(std::memory_order_relaxed);
    if (seen == kSaturated) {
      ++saturated_[unit];
      return;
    }
    if (seen < kSaturated - 1) {
      if (refs.compare_exchange_weak(seen, static_cast<std::uint16_t>(seen + 1), std::memory_order_relaxed)) return;
      continue;
    }
    // 0xFFFE -> saturated: the side table now holds the count (0xFFFE + 1).
    if (refs.compare_exchange_weak(seen, kSaturated, std::memory_order_relaxed)) {
      saturated_[unit] = std::uint64_t{kSaturated};
      return;
    }
  }
}

bool BuddyState::release_saturated(std::size_t unit) noexcept {
  std::atomic<std::uint16_t>& refs = refs_at(unit);
  std::lock_guard<std::mutex> guard(saturated_mutex_);
  if (refs.load(std::memory_order_relaxed) != kSaturated) return false;
  std::uint64_t& count = saturated_[unit];
  if (--count == kSaturated - 1) {  // back in range: the 16-bit count takes over again
    saturated_.erase(unit);
    refs.store(kSaturated - 1, std::memory_order_release);
  }
  return true;
}

// --- Metrics, lifetime, white-box ---

BuddyMetrics BuddyState::metrics() noexcept {
  BuddyMetrics m;
  m.free_blocks_per_order.resize(config_.max_order + 1);
  drain_cells();  // cached blocks are free memory: report the arena fully coalesced
  // Lock-free counts kept by the cells bound to this arena (exact at quiescence).
  std::uint64_t cell_allocations = 0, cell_frees = 0, cell_spills = 0;
  std::int64_t cell_bytes = 0, cell_requested = 0;
  for (unsigned i = 0; i < BuddyCellRegistry::kMaxCells; ++i) {
    BuddyCell* cell = cells_.at(i);
    if (cell == nullptr || cell->arena_id.load(std::memory_order_acquire) != id_) continue;
    cell_frees += cell->frees.read();  // frees before allocations: never more frees than allocations
    cell_allocations += cell->allocations.read();
    cell_spills += cell->spills.read();
    cell_bytes -= static_cast<std::int64_t>(cell->bytes_out.read());
    cell_bytes += static_cast<std::int64_t>(cell->bytes_in.read());
    cell_requested -= static_cast<std::int64_t>(cell->requested_out.read());
    cell_requested += static_cast<std::int64_t>(cell->requested_in.read());
  }
  auto clamp = [](std::int64_t v) { return v < 0 ? std::uint64_t{0} : static_cast<std::uint64_t>(v); };
  {
    SpinGuard guard(lock_);
    flush_parked();
    m.allocations_ok = allocations_ok_ + cell_allocations;
    m.frees = frees_ + cell_frees;
    m.spills = spills_ + cell_spills;
    m.splits = splits_;
    m.coalesces = coalesces_;
    m.blocks_live = clamp(live_blocks_ + static_cast<std::int64_t>(cell_allocations) - static_cast<std::int64_t>(cell_frees));
    m.bytes_live = clamp(bytes_live_ + cell_bytes);
    m.bytes_requested_live = clamp(bytes_requested_live_ + cell_requested);
    if (m.bytes_live > peak_bytes_live_) peak_bytes_live_ = m.bytes_live;
    m.peak_bytes_live = peak_bytes_live_;
    for (unsigned k = 0; k <= config_.max_order; ++k) {
      m.free_blocks_per_order[k] = counts_[k];
      m.bytes_free += counts_[k] * block_bytes(k);
    }
    m.largest_free_block = nonempty_ == 0 ? 0 : block_bytes(static_cast<unsigned>(63 - std::countl_zero(nonempty_)));
  }
  m.allocations_failed = failures_.read();
  m.frozen = frozen_.read();
  m.waits = waits_.read();
  m.wait_timeouts = timeouts_.read();
  m.bytes_reserved = config_.total;
  m.internal_fragmentation_bytes = m.bytes_live - m.bytes_requested_live;
  m.metadata_bytes = metadata_bytes_;
  m.min_block_size = config_.min_block;
  m.max_order = config_.max_order;
  return m;
}

void BuddyState::drop_handle() noexcept {
  if (handles_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  // Teardown: every cell gives its blocks back and its counts to the arena, and is unbound, so
  // that from here on every release goes through the lock and the live count is exact.
  unbind_buddy_cells(
      cells_, id_,
      [this](const DrainedBlock& block) {
        SpinGuard guard(lock_);
        insert_drained(block);
      },
      [this](BuddyCell& cell) {
        SpinGuard guard(lock_);
        fold_cell(cell);
      });
  bool destroy = false;
  {
    SpinGuard guard(lock_);
    orphaned_ = true;
    destroy = live_blocks_ == 0;
  }
  if (destroy) delete this;
}

bool BuddyState::is_free_in_tree(unsigned order, std::size_t index) noexcept {
  SpinGuard guard(lock_);
  return free_[order].test(index);
}

void BuddyState::merge_parked() noexcept {
  drain_cells();
  SpinGuard guard(lock_);
  flush_parked();
}

}  // namespace arena::detail
