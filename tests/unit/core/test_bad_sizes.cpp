// Every public entry point of core that takes a size, with zero, the maximum and overflowing
// values: builders (fixed, buddy, raw, geometry, alignment, page size), allocation, writes,
// commit, slice, raw freeze. Each gives its documented error value (or terminates with one line
// where the header calls it a contract violation), never a crash, a hang or a wrong result, and
// the arena keeps working afterwards.
#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <new>
#include <vector>

#include "arena/arena.hpp"
#include "arena/hazmat.hpp"
#include "death_test.hpp"
#include "test_support.hpp"

using arena::BuddyArena;
using arena::BuddyGeometry;
using arena::BuddyHint;
using arena::Buffer;
using arena::Bytes;
using arena::Dealloc;
using arena::Errc;
using arena::FixedArena;
using arena::PageSize;
using arena::SlotSpec;
using arena::test::take;

namespace {

constexpr std::size_t kMax = std::numeric_limits<std::size_t>::max();
constexpr std::size_t kTop = std::size_t{1} << 63;  // the largest power of two

// The value, hidden from the optimiser: g++ would otherwise see a constant SIZE_MAX reach the
// inline memset of a write and warn about it, though the write never gets there.
std::size_t opaque(std::size_t x) {
  volatile std::size_t v = x;
  return v;
}

template <class T>
std::error_code error_of(const arena::Result<T>& r) {
  return r.error();
}

}  // namespace

TEST_CASE("bad sizes - fixed builder: zero, maximum and overflowing counts and capacities") {
  CHECK(error_of(FixedArena::with_slot_capacity(0, 64).build()) == Errc::invalid_argument);
  CHECK(error_of(FixedArena::with_slot_capacity(4, 0).build()) == Errc::invalid_argument);
  CHECK(error_of(FixedArena::with_slot_capacity(0, 0).build()) == Errc::invalid_argument);
  CHECK(error_of(FixedArena::with_slot_capacity(kMax, 64).build()) == Errc::size_overflow);
  CHECK(error_of(FixedArena::with_slot_capacity(2, kMax).build()) == Errc::size_overflow);
  CHECK(error_of(FixedArena::with_slot_capacity(1, kMax).build()) == Errc::size_overflow);
  CHECK(error_of(FixedArena::with_slot_capacity(kMax, kMax).build()) == Errc::size_overflow);
  CHECK(error_of(FixedArena::with_slot_capacity(kTop, 2).build()) == Errc::size_overflow);
  // Rounding the capacity up to a huge alignment overflows.
  CHECK(error_of(FixedArena::with_slot_capacity(1, 3).alignment(kTop).build()) == Errc::size_overflow);
  CHECK(error_of(FixedArena::with_slot_capacity(1, kMax).alignment(64).build()) == Errc::size_overflow);
  CHECK(error_of(FixedArena::with_slot_capacity(1, 64).alignment(0).build()) == Errc::invalid_alignment);
  CHECK(error_of(FixedArena::with_slot_capacity(1, 64).alignment(kMax).build()) == Errc::invalid_alignment);
  CHECK(error_of(FixedArena::with_slot_capacity(1, 64).page_size(PageSize::bytes(0)).build()) == Errc::invalid_argument);
  // The build_unfaulted path validates the same way.
  CHECK(error_of(FixedArena::with_slot_capacity(kMax, kMax).build_unfaulted()) == Errc::size_overflow);
  CHECK(error_of(FixedArena::with_slot_capacity(0, 1).build_unfaulted()) == Errc::invalid_argument);
}

TEST_CASE("bad sizes - fixed builder: total capacity overflowing, and the smallest arena") {
  CHECK(error_of(FixedArena::with_arena_capacity(0, 4096).build()) == Errc::invalid_argument);
  CHECK(error_of(FixedArena::with_arena_capacity(4, 0).build()) == Errc::invalid_argument);
  CHECK(error_of(FixedArena::with_arena_capacity(kMax, kMax).build()) == Errc::size_overflow);
  CHECK(error_of(FixedArena::with_arena_capacity(3, kMax).build()) == Errc::size_overflow);
  // More slots than bytes: each slot still gets one byte, which overflows nothing but needs memory.
  FixedArena tiny = take(FixedArena::with_slot_capacity(1, 1).build());
  CHECK(tiny.slot_capacity() == 1);
  Buffer b = take(tiny.allocate());
  b.put_u8(0xAB);
  CHECK(b.remaining() == 0);
  CHECK(b.try_put(arena::test::bytes_of("x")).error() == Errc::buffer_full);
}

TEST_CASE("bad sizes - fixed builder: a huge page stride prefaults once and stops") {
  FixedArena a = take(FixedArena::with_slot_capacity(4, 64).page_size(PageSize::bytes(kMax)).build());
  CHECK(take(a.allocate()).capacity() == 64);
  FixedArena b = take(FixedArena::with_slot_capacity(4, 64).page_size(PageSize::bytes(kTop)).build());
  CHECK(b.metrics().bytes_reserved == 256);
}

TEST_CASE("bad sizes - fixed raw builder: null, zero and oversized specs") {
  std::vector<std::byte> region(4096);
  CHECK(error_of(FixedArena::from_raw(nullptr, 4096, SlotSpec::count(4), Dealloc::none()).build()) == Errc::null_pointer);
  CHECK(error_of(FixedArena::from_static({region.data(), 0}, SlotSpec::count(4)).build()) == Errc::invalid_argument);
  CHECK(error_of(FixedArena::from_static(region, SlotSpec::count(0)).build()) == Errc::invalid_argument);
  CHECK(error_of(FixedArena::from_static(region, SlotSpec::size(0)).build()) == Errc::invalid_argument);
  CHECK(error_of(FixedArena::from_static(region, SlotSpec::count(kMax)).build()) == Errc::zero_usable_slots);
  CHECK(error_of(FixedArena::from_static(region, SlotSpec::count(4097)).build()) == Errc::zero_usable_slots);
  CHECK(error_of(FixedArena::from_static(region, SlotSpec::size(kMax)).build()) == Errc::slot_size_exceeds_backing);
  CHECK(error_of(FixedArena::from_static(region, SlotSpec::size(4097)).build()) == Errc::slot_size_exceeds_backing);
  // Rounded down to the alignment, a slot smaller than it is nothing.
  CHECK(error_of(FixedArena::from_static(region, SlotSpec::size(63)).alignment(64).build()) == Errc::zero_usable_slots);
  CHECK(error_of(FixedArena::from_static(region, SlotSpec::size(64)).alignment(kMax).build()) == Errc::invalid_alignment);
  // One byte per slot is the most slots a region can give.
  FixedArena most = take(FixedArena::from_static(region, SlotSpec::count(4096)).build());
  CHECK(most.slot_count() == 4096);
  CHECK(most.slot_capacity() == 1);
}

TEST_CASE("bad sizes - buddy geometry: zero, maximum and overflowing totals and blocks") {
  CHECK(error_of(BuddyGeometry::exact(0, 512)) == Errc::invalid_argument);
  CHECK(error_of(BuddyGeometry::exact(4096, 0)) == Errc::invalid_argument);
  CHECK(error_of(BuddyGeometry::exact(kMax, 1)) == Errc::invalid_geometry);
  CHECK(error_of(BuddyGeometry::exact(4096, kMax)) == Errc::invalid_geometry);
  CHECK(error_of(BuddyGeometry::nearest(0, 512)) == Errc::invalid_argument);
  CHECK(error_of(BuddyGeometry::nearest(4096, 0)) == Errc::invalid_argument);
  CHECK(error_of(BuddyGeometry::nearest(kMax, 1)) == Errc::size_overflow);
  CHECK(error_of(BuddyGeometry::nearest(1, kMax)) == Errc::size_overflow);
  CHECK(error_of(BuddyGeometry::nearest(kTop + 1, 512)) == Errc::size_overflow);
  const BuddyGeometry g = take(BuddyGeometry::exact(4096, 512));
  CHECK(error_of(g.with_alignment(0)) == Errc::invalid_alignment);
  CHECK(error_of(g.with_alignment(kMax)) == Errc::invalid_alignment);
  CHECK(error_of(g.with_alignment(kTop)) == Errc::invalid_geometry);
  const BuddyGeometry n = take(BuddyGeometry::nearest(4096, 512));
  // A nearest geometry grows to the alignment: 2^63 still fits, as one block.
  const BuddyGeometry aligned = take(n.with_alignment(kTop));
  CHECK(aligned.min_block_size() == kTop);
  CHECK(aligned.total_size() == kTop);
  // The largest exact geometry is valid, but no arena of it can be built.
  const BuddyGeometry huge = take(BuddyGeometry::exact(kTop, kTop));
  const auto built = BuddyArena::builder(huge).build();
  REQUIRE_FALSE(built.has_value());
  CHECK((built.error() == Errc::size_overflow || built.error() == Errc::out_of_memory));
  CHECK(error_of(BuddyArena::builder(g).page_size(PageSize::bytes(0)).build()) == Errc::invalid_argument);
}

TEST_CASE("bad sizes - buddy allocate: zero, one past the total and the maximum") {
  BuddyArena arena = take(BuddyArena::builder(take(BuddyGeometry::exact(4096, 512))).build());
  CHECK(error_of(arena.allocate(0)) == Errc::invalid_argument);
  CHECK(error_of(arena.allocate(4097)) == Errc::request_too_large);
  CHECK(error_of(arena.allocate(kMax)) == Errc::request_too_large);
  CHECK(error_of(arena.allocate(kTop)) == Errc::request_too_large);
  CHECK(error_of(arena.allocate(kTop + 1)) == Errc::request_too_large);
  const auto far = std::chrono::steady_clock::now() + std::chrono::hours(1);
  CHECK(error_of(arena.allocate_wait(kMax, far)) == Errc::request_too_large);  // at once, no wait
  CHECK(error_of(arena.allocate_wait(0, far)) == Errc::invalid_argument);
  CHECK(error_of(arena::hazmat::raw_alloc(arena, 0)) == Errc::invalid_argument);
  CHECK(error_of(arena::hazmat::raw_alloc(arena, kMax)) == Errc::request_too_large);
  // invalid_argument is not a failed allocation; request_too_large is (6 of them above).
  const arena::BuddyMetrics m = arena.metrics();
  CHECK(m.allocations_failed == 6);
  CHECK(m.allocations_ok == 0);
  // The whole arena is still there.
  CHECK(take(arena.allocate(4096)).capacity() == 4096);
}

TEST_CASE("bad sizes - buddy raw builder: null, zero and oversized hints") {
  alignas(64) static std::byte region[4096];
  CHECK(error_of(BuddyArena::from_raw(nullptr, 4096, BuddyHint::min_alloc(256), Dealloc::none()).build()) ==
        Errc::null_pointer);
  CHECK(error_of(BuddyArena::from_static({region, 0}, BuddyHint::min_alloc(256)).build()) == Errc::invalid_argument);
  CHECK(error_of(BuddyArena::from_static(region, BuddyHint::min_alloc(0)).build()) == Errc::invalid_argument);
  // A hint larger than the region: the largest power of two <= hint does not fit either.
  CHECK(error_of(BuddyArena::from_static(region, BuddyHint::min_alloc(kMax)).build()) == Errc::zero_usable_slots);
  CHECK(error_of(BuddyArena::from_static({region, 100}, BuddyHint::min_alloc(128)).build()) == Errc::zero_usable_slots);
  // The smallest: one byte, one block of one byte.
  BuddyArena one = take(BuddyArena::from_static({region, 1}, BuddyHint::min_alloc(1)).build());
  CHECK(one.total_size() == 1);
  CHECK(take(one.allocate(1)).capacity() == 1);
  CHECK(error_of(one.allocate(2)) == Errc::request_too_large);
}

TEST_CASE("bad sizes - Buffer: zero-length writes are no-ops, overflowing ones fail or terminate") {
  FixedArena arena = take(FixedArena::with_slot_capacity(2, 16).build());
  Buffer b = take(arena.allocate());
  b.put(std::span<const std::byte>());
  b.put_bytes(std::byte{1}, 0);
  b.commit(0);
  CHECK(b.try_put(std::span<const std::byte>()).has_value());
  CHECK(b.size() == 0);
  std::vector<std::byte> big(17, std::byte{2});
  CHECK(b.try_put(big).error() == Errc::buffer_full);
  CHECK(b.size() == 0);
  CHECK_FALSE(b.will_fit(kMax));
  ARENA_CHECK_ABORTS_WITH([&] { b.put_bytes(std::byte{1}, opaque(kMax)); }, "Buffer::put_bytes");
  ARENA_CHECK_ABORTS_WITH([&] { b.commit(opaque(kMax)); }, "Buffer::commit");
  ARENA_CHECK_ABORTS_WITH([&] { b.commit(17); }, "Buffer::commit");
  b.put_bytes(std::byte{3}, 16);
  ARENA_CHECK_ABORTS_WITH([&] { b.put_u8(1); }, "Buffer::put");
  CHECK(b.size() == 16);
}

TEST_CASE("bad sizes - Buffer with auto-spill: a write of the maximum size throws bad_alloc, the buffer unchanged") {
  FixedArena arena = take(FixedArena::with_slot_capacity(1, 16).auto_spill().build());
  Buffer b = take(arena.allocate());
  CHECK(b.will_fit(kMax));
  CHECK_THROWS_AS(b.put_bytes(std::byte{1}, opaque(kMax)), std::bad_alloc);
  CHECK(b.size() == 0);
  CHECK_FALSE(b.is_spilled());
  b.put(std::string_view("abc"));
  // size + n overflows std::size_t: a contract violation naming the numbers.
  ARENA_CHECK_ABORTS_WITH([&] { b.put_bytes(std::byte{1}, opaque(kMax)); }, "size overflow");
  CHECK(b.size() == 3);
  Bytes frozen = std::move(b).freeze();
  CHECK(frozen.as_string_view() == "abc");
}

TEST_CASE("bad sizes - Bytes slice and heap copies at the edges") {
  Bytes empty = Bytes::copy_from(std::span<const std::byte>());
  CHECK(empty.empty());
  CHECK_FALSE(empty.owns_memory());
  CHECK(empty.slice(0, 0).empty());
  Bytes adopted{std::vector<std::byte>()};
  CHECK_FALSE(adopted.owns_memory());
  Bytes text = Bytes::copy_from(std::string_view("hello"));
  CHECK(text.slice(5, 5).empty());
  CHECK(text.slice(0, 5).as_string_view() == "hello");
  ARENA_CHECK_ABORTS_WITH([&] { (void)text.slice(0, kMax); }, "slice");
  ARENA_CHECK_ABORTS_WITH([&] { (void)text.slice(kMax, kMax); }, "slice");
  ARENA_CHECK_ABORTS_WITH([&] { (void)text.slice(6, 6); }, "slice");
  ARENA_CHECK_ABORTS_WITH([&] { (void)text.slice(3, 2); }, "slice");
  CHECK(std::move(empty).into_owned().empty());
}

TEST_CASE("bad sizes - raw freeze: ranges at and past the capacity, each releasing the region") {
  FixedArena arena = take(FixedArena::with_slot_capacity(1, 64).build());
  const std::size_t bad[][2] = {{0, 65}, {65, 65}, {kMax, kMax}, {0, kMax}, {64, 63}, {kMax, 0}};
  for (const auto& range : bad) {
    CAPTURE(range[0]);
    CAPTURE(range[1]);
    arena::hazmat::RawRegion region = take(arena::hazmat::raw_alloc(arena));
    CHECK(error_of(std::move(region).freeze(range[0], range[1])) == Errc::invalid_range);
    CHECK(arena.metrics().slots_live == 0);  // released all the same
  }
  arena::hazmat::RawRegion region = take(arena::hazmat::raw_alloc(arena));
  Bytes whole = take(std::move(region).freeze(0, 64));
  CHECK(whole.size() == 64);
  whole = Bytes();
  region = take(arena::hazmat::raw_alloc(arena));
  Bytes none = take(std::move(region).freeze(64, 64));
  CHECK(none.empty());
  CHECK(none.owns_memory());  // an empty range still pins the slot
  CHECK(error_of(arena.allocate()) == Errc::arena_full);
}
