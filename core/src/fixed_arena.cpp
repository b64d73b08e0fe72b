// FixedArena's public surface: handles (copy = share), builders and their validation
// [R-FIX-1..4, R-RAW-1/2]. The mechanics live in fixed_state.cpp.
#include "arena/fixed_arena.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <new>
#include <string>

#include "arena/check.hpp"
#include "backing_memory.hpp"
#include "fixed_state.hpp"

namespace arena {
namespace {

constexpr std::size_t kMaxSize = static_cast<std::size_t>(PTRDIFF_MAX);
constexpr std::size_t kCacheLine = 64;
// FixedSlotMeta stores its bitmap word index in 32 bits.
constexpr std::size_t kMaxSlots = std::size_t{UINT32_MAX} * detail::kSlotsPerWord;

bool is_power_of_two(std::size_t x) noexcept { return x != 0 && std::has_single_bit(x); }

// Rounds `x` up to a multiple of the power of two `align`; false on overflow.
bool round_up(std::size_t x, std::size_t align, std::size_t* out) noexcept {
  if (x > static_cast<std::size_t>(-1) - (align - 1)) return false;
  *out = (x + align - 1) & ~(align - 1);
  return true;
}

Result<detail::FixedState*> make_state(const detail::FixedGeometry& geometry, detail::Backing backing,
                                       std::shared_ptr<Waiter> waiter) noexcept {
  try {
    return new detail::FixedState(geometry, std::move(backing), std::move(waiter));
  } catch (const std::bad_alloc&) {
    return Errc::out_of_memory;
  }
}

const char* to_string(InitPolicy policy) noexcept { return policy == InitPolicy::zero ? "zero" : "uninit"; }

}  // namespace

// --- Handles ---

FixedArena::FixedArena(const FixedArena& other) noexcept : core_(other.core_) {
  if (core_ != nullptr) detail::FixedState::of(*core_).add_handle();
}

FixedArena& FixedArena::operator=(const FixedArena& other) noexcept {
  FixedArena copy(other);
  std::swap(core_, copy.core_);
  return *this;
}

FixedArena& FixedArena::operator=(FixedArena&& other) noexcept {
  FixedArena moved(std::move(other));
  std::swap(core_, moved.core_);
  return *this;
}

FixedArena::~FixedArena() {
  if (core_ != nullptr) detail::FixedState::of(*core_).drop_handle();
}

Result<Buffer> FixedArena::allocate_wait(std::chrono::steady_clock::time_point deadline) {
  ARENA_CHECK(core_ != nullptr, "FixedArena::allocate_wait called on a moved-from arena");
  return detail::FixedState::of(*core_).allocate_wait(deadline);
}

namespace detail {

Result<Buffer> WaitHooks<FixedArena>::try_first(FixedArena& arena, std::size_t) { return arena.allocate(); }
Result<Buffer> WaitHooks<FixedArena>::try_again(FixedArena& arena, std::size_t) {
  return FixedState::of(*arena.core_).allocate_slow(false);
}
std::unique_ptr<Registration> WaitHooks<FixedArena>::make_registration(FixedArena& arena, std::size_t,
                                                                       std::chrono::steady_clock::time_point) {
  return FixedState::of(*arena.core_).waiter().make_registration();
}
void WaitHooks<FixedArena>::begin(FixedArena& arena) { FixedState::of(*arena.core_).begin_waiting(); }
void WaitHooks<FixedArena>::end(FixedArena& arena) { FixedState::of(*arena.core_).end_waiting(); }
void WaitHooks<FixedArena>::forward(FixedArena& arena, std::size_t) noexcept { FixedState::of(*arena.core_).waiter().wake(); }

}  // namespace detail

std::size_t FixedArena::slot_count() const noexcept { return core_->slot_count; }
std::size_t FixedArena::slot_capacity() const noexcept { return core_->slot_capacity; }
std::size_t FixedArena::alignment() const noexcept { return detail::FixedState::of(*core_).geometry().alignment; }
InitPolicy FixedArena::init_policy() const noexcept { return detail::FixedState::of(*core_).geometry().init; }
bool FixedArena::auto_spill_enabled() const noexcept { return core_->auto_spill; }

FixedMetrics FixedArena::metrics() const {
  ARENA_CHECK(core_ != nullptr, "FixedArena::metrics called on a moved-from arena");
  return detail::FixedState::of(*core_).metrics();
}

std::string FixedArena::describe() const {
  if (core_ == nullptr) return "FixedArena{moved-from}";
  const detail::FixedState& state = detail::FixedState::of(*core_);
  const detail::FixedGeometry& g = state.geometry();
  return "FixedArena{slots=" + std::to_string(g.slot_count) + ", slot_capacity=" + std::to_string(g.slot_capacity) +
         ", alignment=" + std::to_string(g.alignment) + ", init=" + to_string(g.init) +
         ", auto_spill=" + (g.auto_spill ? "on" : "off") + ", raw=" + (state.backing().self_allocated ? "no" : "yes") + "}";
}

// --- Builders ---

FixedArena::Builder FixedArena::with_slot_capacity(std::size_t slot_count, std::size_t slot_capacity) {
  return Builder(slot_count, slot_capacity, false);
}

FixedArena::Builder FixedArena::with_arena_capacity(std::size_t slot_count, std::size_t total_bytes) {
  return Builder(slot_count, total_bytes, true);
}

FixedArena::RawBuilder FixedArena::from_raw(void* ptr, std::size_t len, SlotSpec spec, Dealloc dealloc) {
  return RawBuilder(ptr, len, spec, std::move(dealloc));
}

FixedArena::RawBuilder FixedArena::from_static(std::span<std::byte> region, SlotSpec spec) {
  return RawBuilder(region.data(), region.size(), spec, Dealloc::none());
}

Result<detail::BackingRequest> FixedArena::Builder::backing_request() const {
  // Validation order of R-FIX-3, with the C++ zero-argument checks after the alignment.
  if (!is_power_of_two(alignment_)) return Errc::invalid_alignment;
  if (slot_count_ == 0 || size_ == 0 || page_.is_invalid()) return Errc::invalid_argument;
  const std::size_t requested = size_is_total_ ? size_ / slot_count_ + (size_ % slot_count_ != 0) : size_;
  std::size_t slot_capacity = 0;
  if (!round_up(requested, alignment_, &slot_capacity)) return Errc::size_overflow;
  if (slot_count_ > kMaxSize / slot_capacity) return Errc::size_overflow;
  const std::size_t total = slot_count_ * slot_capacity;
  const std::size_t backing_alignment = std::max(alignment_, kCacheLine);
  if (total > kMaxSize - (backing_alignment - 1)) return Errc::size_overflow;
  if (slot_count_ > kMaxSlots) return Errc::size_overflow;
  return detail::BackingRequest{total, backing_alignment, slot_capacity, page_.value()};
}

Result<FixedArena> FixedArena::Builder::build_over(std::byte* memory, const detail::BackingRequest& request,
                                                   Dealloc dealloc) const {
  detail::Backing backing;
  backing.base = memory;
  backing.size = request.size;
  backing.self_allocated = false;
  backing.raw_ptr = memory;
  backing.raw_len = request.size;
  backing.dealloc.emplace(std::move(dealloc));
  auto state = make_state({slot_count_, request.slot_capacity, alignment_, init_, auto_spill_}, std::move(backing),
                          waiter_);
  if (!state) return state.error();
  return FixedArena(*state);
}

Result<FixedArena> FixedArena::Builder::build_impl(bool prefault) const {
  const Result<detail::BackingRequest> request = backing_request();
  if (!request) return request.error();
  std::byte* base = detail::allocate_backing(request->size, request->alignment);
  if (base == nullptr) return Errc::out_of_memory;
  detail::Backing backing;
  backing.base = base;
  backing.size = request->size;
  backing.alignment = request->alignment;
  backing.self_allocated = true;
  auto state = make_state({slot_count_, request->slot_capacity, alignment_, init_, auto_spill_}, std::move(backing),
                          waiter_);
  if (!state) {
    detail::free_backing(base, request->size, request->alignment);
    return state.error();
  }
  if (prefault) detail::prefault(base, request->size, page_.value());
  return FixedArena(*state);
}

Result<FixedArena> FixedArena::Builder::build() const { return build_impl(true); }

Result<Unfaulted<FixedArena>> FixedArena::Builder::build_unfaulted() const {
  auto arena = build_impl(false);
  if (!arena) return arena.error();
  const detail::Backing& backing = detail::FixedState::of(*arena->core_).backing();
  std::byte* base = backing.base;
  const std::size_t size = backing.size;
  return Unfaulted<FixedArena>(detail::UnfaultedTag{}, std::move(arena).value(), base, size, page_.value());
}

Result<FixedArena> FixedArena::RawBuilder::build() {
  if (built_) return Errc::invalid_argument;  // the Dealloc already belongs to the first arena
  if (ptr_ == nullptr) return Errc::null_pointer;
  if (!is_power_of_two(alignment_)) return Errc::invalid_alignment;
  if (len_ == 0 || spec_.value() == 0) return Errc::invalid_argument;
  const std::size_t mask = ~(alignment_ - 1);
  std::size_t slot_count = 0;
  std::size_t slot_capacity = 0;
  if (spec_.kind() == SlotSpec::Kind::count) {
    slot_count = spec_.value();
    slot_capacity = (len_ / slot_count) & mask;
    if (slot_capacity == 0) return Errc::zero_usable_slots;
  } else {
    slot_capacity = spec_.value() & mask;
    if (slot_capacity == 0) return Errc::zero_usable_slots;
    if (slot_capacity > len_) return Errc::slot_size_exceeds_backing;
    slot_count = len_ / slot_capacity;  // the tail is unused
  }
  if (slot_count > kMaxSlots) return Errc::size_overflow;
  detail::Backing backing;
  backing.base = static_cast<std::byte*>(ptr_);
  backing.size = slot_count * slot_capacity;
  backing.self_allocated = false;
  backing.raw_ptr = ptr_;
  backing.raw_len = len_;
  backing.dealloc.emplace(std::move(dealloc_));
  auto state = make_state({slot_count, slot_capacity, alignment_, init_, false}, std::move(backing), waiter_);
  built_ = true;  // also on failure: the Dealloc went with the failed state, a retry would never free
  if (!state) return state.error();  // the Dealloc is dropped unrun: the caller keeps the memory
  return FixedArena(*state);
}

}  // namespace arena
