// BuddyArena's public surface: handles (copy = share), builders and their validation
// [R-BUD-1, R-RAW-3/4]. The mechanics live in buddy_state.cpp.
#include "arena/buddy_arena.hpp"

#include <algorithm>
#include <cstdint>
#include <new>
#include <string>

#include "arena/check.hpp"
#include "backing_memory.hpp"
#include "buddy_math.hpp"
#include "buddy_state.hpp"

namespace arena {
namespace {

constexpr std::size_t kMaxSize = static_cast<std::size_t>(PTRDIFF_MAX);
constexpr std::size_t kCacheLine = 64;

Result<detail::BuddyState*> make_state(const detail::BuddyConfig& config, detail::Backing backing,
                                       std::shared_ptr<BuddyWaiter> waiter) noexcept {
  try {
    return new detail::BuddyState(config, std::move(backing), std::move(waiter));
  } catch (const std::bad_alloc&) {
    return Errc::out_of_memory;
  }
}

detail::BuddyConfig config_of(std::size_t total, std::size_t min, std::size_t alignment, bool caps, InitPolicy init,
                              bool auto_spill) noexcept {
  return {total,     min,  detail::buddy::log2_exact(min), detail::buddy::log2_exact(total / min),
          alignment, caps, init,                           auto_spill};
}

}  // namespace

// --- Handles ---

BuddyArena::BuddyArena(const BuddyArena& other) noexcept : state_(other.state_) {
  if (state_ != nullptr) state_->add_handle();
}

BuddyArena& BuddyArena::operator=(const BuddyArena& other) noexcept {
  BuddyArena copy(other);
  std::swap(state_, copy.state_);
  return *this;
}

BuddyArena& BuddyArena::operator=(BuddyArena&& other) noexcept {
  BuddyArena moved(std::move(other));
  std::swap(state_, moved.state_);
  return *this;
}

BuddyArena::~BuddyArena() {
  if (state_ != nullptr) state_->drop_handle();
}

Result<Buffer> BuddyArena::allocate(std::size_t len) {
  ARENA_CHECK(state_ != nullptr, "BuddyArena::allocate called on a moved-from arena");
  return state_->allocate(len);
}

Result<Buffer> BuddyArena::allocate_wait(std::size_t len, std::chrono::steady_clock::time_point deadline) {
  ARENA_CHECK(state_ != nullptr, "BuddyArena::allocate_wait called on a moved-from arena");
  return state_->allocate_wait(len, deadline);
}

namespace detail {

Result<Buffer> WaitHooks<BuddyArena>::try_first(BuddyArena& arena, std::size_t len) { return arena.allocate(len); }
Result<Buffer> WaitHooks<BuddyArena>::try_again(BuddyArena& arena, std::size_t len) {
  Result<Buffer> attempt = arena.state_->allocate(len, false);
  if (attempt) arena.state_->pass_on_capacity();
  return attempt;
}
std::unique_ptr<Registration> WaitHooks<BuddyArena>::make_registration(BuddyArena& arena, std::size_t len,
                                                                       std::chrono::steady_clock::time_point since) {
  return arena.state_->waiter().make_registration(arena.state_->order_of(len), since);
}
void WaitHooks<BuddyArena>::begin(BuddyArena& arena) { arena.state_->begin_waiting(); }
void WaitHooks<BuddyArena>::end(BuddyArena& arena) { arena.state_->end_waiting(); }
void WaitHooks<BuddyArena>::forward(BuddyArena& arena, std::size_t len) noexcept {
  arena.state_->waiter().wake(arena.state_->order_of(len));
}

}  // namespace detail

std::size_t BuddyArena::total_size() const noexcept { return state_->config().total; }
std::size_t BuddyArena::min_block_size() const noexcept { return state_->config().min_block; }
unsigned BuddyArena::max_order() const noexcept { return state_->config().max_order; }

BuddyMetrics BuddyArena::metrics() const {
  ARENA_CHECK(state_ != nullptr, "BuddyArena::metrics called on a moved-from arena");
  return state_->metrics();
}

std::string BuddyArena::describe() const {
  if (state_ == nullptr) return "BuddyArena{moved-from}";
  const detail::BuddyConfig& c = state_->config();
  return "BuddyArena{total=" + std::to_string(c.total) + ", min_block=" + std::to_string(c.min_block) +
         ", max_order=" + std::to_string(c.max_order) + ", alignment=" + std::to_string(c.alignment) +
         ", capacity=" + (c.caps_capacity ? "nearest" : "exact") +
         ", init=" + (c.init == InitPolicy::zero ? "zero" : "uninit") + ", auto_spill=" + (c.auto_spill ? "on" : "off") +
         ", raw=" + (state_->backing().self_allocated ? "no" : "yes") + "}";
}

// --- Builders ---

BuddyArena::Builder BuddyArena::builder(BuddyGeometry geometry) { return Builder(geometry); }

BuddyArena::RawBuilder BuddyArena::from_raw(void* ptr, std::size_t len, BuddyHint hint, Dealloc dealloc) {
  return RawBuilder(ptr, len, hint, std::move(dealloc));
}

BuddyArena::RawBuilder BuddyArena::from_static(std::span<std::byte> region, BuddyHint hint) {
  return RawBuilder(region.data(), region.size(), hint, Dealloc::none());
}

Result<detail::BackingRequest> BuddyArena::Builder::backing_request() const {
  if (page_.is_invalid()) return Errc::invalid_argument;
  const std::size_t total = geometry_.total_size();
  const std::size_t backing_alignment = std::max(geometry_.alignment(), kCacheLine);
  if (total > kMaxSize - (backing_alignment - 1) || total >= detail::kMaxBuddyTotal) return Errc::size_overflow;
  if (geometry_.max_order() > 62) return Errc::size_overflow;
  return detail::BackingRequest{total, backing_alignment, geometry_.min_block_size(), page_.value()};
}

Result<BuddyArena> BuddyArena::Builder::build_over(std::byte* memory, const detail::BackingRequest& request,
                                                   Dealloc dealloc) const {
  detail::Backing backing;
  backing.base = memory;
  backing.size = request.size;
  backing.self_allocated = false;
  backing.raw_ptr = memory;
  backing.raw_len = request.size;
  backing.dealloc.emplace(std::move(dealloc));
  auto state = make_state(config_of(request.size, geometry_.min_block_size(), geometry_.alignment(),
                                    geometry_.caps_capacity(), init_, auto_spill_),
                          std::move(backing), waiter_);
  if (!state) return state.error();
  return BuddyArena(*state);
}

Result<BuddyArena> BuddyArena::Builder::build_impl(bool prefault) const {
  const Result<detail::BackingRequest> request = backing_request();
  if (!request) return request.error();
  const std::size_t total = request->size;
  std::byte* base = detail::allocate_backing(total, request->alignment);
  if (base == nullptr) return Errc::out_of_memory;
  detail::Backing backing;
  backing.base = base;
  backing.size = total;
  backing.alignment = request->alignment;
  backing.self_allocated = true;
  auto state = make_state(config_of(total, geometry_.min_block_size(), geometry_.alignment(), geometry_.caps_capacity(),
                                    init_, auto_spill_),
                          std::move(backing), waiter_);
  if (!state) {
    detail::free_backing(base, total, request->alignment);
    return state.error();
  }
  if (prefault) detail::prefault(base, total, page_.value());
  return BuddyArena(*state);
}

Result<BuddyArena> BuddyArena::Builder::build() const { return build_impl(true); }

Result<Unfaulted<BuddyArena>> BuddyArena::Builder::build_unfaulted() const {
  auto arena = build_impl(false);
  if (!arena) return arena.error();
  const detail::Backing& backing = arena->state_->backing();
  std::byte* base = backing.base;
  const std::size_t size = backing.size;
  return Unfaulted<BuddyArena>(detail::UnfaultedTag{}, std::move(arena).value(), base, size, page_.value());
}

Result<BuddyArena> BuddyArena::RawBuilder::build() {
  if (built_) return Errc::invalid_argument;  // the Dealloc already belongs to the first arena
  if (ptr_ == nullptr) return Errc::null_pointer;
  if (len_ == 0 || hint_.min_block_bytes() == 0) return Errc::invalid_argument;
  // min = next power of two >= hint; if that cannot fit, the largest power of two <= hint [R-RAW-3].
  const auto up = detail::buddy::next_pow2(hint_.min_block_bytes());
  std::size_t min = up && *up <= len_ ? *up : detail::buddy::prev_pow2(hint_.min_block_bytes());
  if (min > len_) return Errc::zero_usable_slots;
  const std::size_t total = min * detail::buddy::prev_pow2(len_ / min);  // largest min * 2^k <= len
  if (total >= detail::kMaxBuddyTotal) return Errc::size_overflow;
  detail::Backing backing;
  backing.base = static_cast<std::byte*>(ptr_);
  backing.size = total;
  backing.self_allocated = false;
  backing.raw_ptr = ptr_;
  backing.raw_len = len_;
  backing.dealloc.emplace(std::move(dealloc_));
  auto state = make_state(config_of(total, min, 1, false, init_, false), std::move(backing), waiter_);
  built_ = true;  // also on failure: the Dealloc went with the failed state, a retry would never free
  if (!state) return state.error();  // the Dealloc is dropped unrun: the caller keeps the memory
  return BuddyArena(*state);
}

}  // namespace arena
