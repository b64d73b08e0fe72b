// The heap failing during the operations that use it: a spill (and the growth of a spilled
// buffer), into_owned, Bytes::copy_from / adopting a vector, and a waiting allocation. As the
// headers document, each throws std::bad_alloc and leaves its operand as it was: the Buffer keeps
// its bytes and its slot, the Bytes still owns its memory. The arena stays consistent: the same
// operation works once the heap does, the metrics balance, every slot/block comes back, nothing
// leaks.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "arena/arena.hpp"
#include "failing_new.hpp"
#include "test_support.hpp"

namespace fault = arena::test::fault;
using arena::BuddyArena;
using arena::BuddyGeometry;
using arena::Buffer;
using arena::Bytes;
using arena::Errc;
using arena::FixedArena;
using arena::test::bytes_of;
using arena::test::take;
using arena::test::text_of;

namespace {

FixedArena spill_fixed() { return take(FixedArena::with_slot_capacity(4, 8).auto_spill().build()); }
BuddyArena spill_buddy() { return take(BuddyArena::builder(take(BuddyGeometry::exact(4096, 512))).auto_spill().build()); }

// Runs `op` with the next allocation failing; true when it threw std::bad_alloc.
template <class Op>
bool throws_bad_alloc(Op&& op) {
  fault::FailAfter guard(0);
  try {
    op();
  } catch (const std::bad_alloc&) {
    return true;
  }
  return false;
}

template <class Arena>
void check_spill_failure(Arena arena, Buffer b) {
  const std::size_t cap = b.capacity();
  std::string text(cap, 'a');
  b.put(text);
  const std::int64_t live_before = fault::live_allocations();
  REQUIRE(b.size() == cap);
  // put, put_bytes and writable_span on a full buffer all need the heap: each fails cleanly.
  CHECK(throws_bad_alloc([&] { b.put(std::string_view("b")); }));
  CHECK(throws_bad_alloc([&] { b.put_bytes(std::byte{'c'}, 3); }));
  CHECK(throws_bad_alloc([&] { (void)b.writable_span(); }));
  CHECK(throws_bad_alloc([&] { (void)b.try_put(bytes_of("d")); }));
  CHECK_FALSE(b.is_spilled());
  CHECK(b.size() == cap);
  CHECK(text_of(b.written()) == text);
  CHECK(fault::live_allocations() == live_before);
  auto m = arena.metrics();
  CHECK(m.spills == 0);
  CHECK(m.frees == 0);
  // The heap works again: the same write spills.
  b.put(std::string_view("b"));
  CHECK(b.is_spilled());
  text += "b";
  // Growing the heap storage fails the same way: the spilled buffer keeps its bytes.
  const std::size_t heap_size = b.size();
  std::string big(4096, 'g');
  CHECK(throws_bad_alloc([&] { b.put(big); }));
  CHECK(b.size() == heap_size);
  CHECK(text_of(b.written()) == text);
  b.put(big);
  text += big;
  Bytes frozen = std::move(b).freeze();
  CHECK(text_of(frozen.span()) == text);
  m = arena.metrics();
  CHECK(m.spills == 1);
  CHECK(m.frees == 1);
  CHECK(m.allocations_ok == 1);
  CHECK(m.bytes_live == 0);
}

}  // namespace

TEST_CASE("fault ops - fixed spill: the heap failing throws bad_alloc and leaves the buffer as it was") {
  FixedArena arena = spill_fixed();
  check_spill_failure(arena, take(arena.allocate()));
  // Every slot is back.
  std::vector<Buffer> all;
  for (int i = 0; i < 4; ++i) all.push_back(take(arena.allocate()));
  CHECK(arena.allocate().error() == Errc::arena_full);
}

TEST_CASE("fault ops - buddy spill: the heap failing throws bad_alloc and leaves the buffer as it was") {
  BuddyArena arena = spill_buddy();
  check_spill_failure(arena, take(arena.allocate(700)));
  Buffer whole = take(arena.allocate(4096));
  CHECK(whole.capacity() == 4096);
}

TEST_CASE("fault ops - into_owned: bad_alloc leaves the Bytes owning its slot") {
  FixedArena arena = take(FixedArena::with_slot_capacity(2, 64).build());
  const std::int64_t live_before = fault::live_allocations();
  Buffer b = take(arena.allocate());
  b.put(std::string_view("hello world"));
  Bytes frozen = std::move(b).freeze();
  CHECK(throws_bad_alloc([&] { (void)std::move(frozen).into_owned(); }));
  CHECK(frozen.owns_memory());
  CHECK(frozen.as_string_view() == "hello world");
  CHECK(arena.metrics().slots_live == 1);
  const std::vector<std::byte> owned = std::move(frozen).into_owned();
  CHECK(text_of(owned) == "hello world");
  CHECK(arena.metrics().slots_live == 0);
  CHECK(arena.metrics().frees == 1);
  CHECK(fault::live_allocations() == live_before + 1);  // the owned copy
}

TEST_CASE("fault ops - buddy into_owned: bad_alloc leaves the Bytes owning its block") {
  BuddyArena arena = take(BuddyArena::builder(take(BuddyGeometry::exact(4096, 512))).build());
  Buffer b = take(arena.allocate(100));
  b.put(std::string_view("payload"));
  Bytes frozen = std::move(b).freeze();
  Bytes copy = frozen.slice(1, 4);
  CHECK(throws_bad_alloc([&] { (void)std::move(copy).into_owned(); }));
  CHECK(copy.as_string_view() == "ayl");
  frozen = Bytes();
  CHECK(arena.metrics().blocks_live == 1);  // the slice still pins it
  CHECK(text_of(std::move(copy).into_owned()) == "ayl");
  CHECK(arena.metrics().blocks_live == 0);
  CHECK(arena.metrics().largest_free_block == 4096);
}

TEST_CASE("fault ops - heap Bytes: copy_from and adopting a vector throw bad_alloc and leak nothing") {
  const std::int64_t live_before = fault::live_allocations();
  CHECK(throws_bad_alloc([&] { (void)Bytes::copy_from(std::string_view("abc")); }));
  std::vector<std::byte> v(10, std::byte{7});
  const std::int64_t with_vector = fault::live_allocations();
  CHECK(throws_bad_alloc([&] { Bytes adopted(std::move(v)); }));
  CHECK(v.size() == 10);  // not taken
  CHECK(fault::live_allocations() == with_vector);
  std::vector<std::byte>().swap(v);
  CHECK(fault::live_allocations() == live_before);
}

TEST_CASE("fault ops - fixed allocate_wait: the heap failing while it registers leaves waiting consistent") {
  FixedArena arena = take(FixedArena::with_slot_capacity(1, 64).build());
  Buffer held = take(arena.allocate());
  const auto soon = [] { return std::chrono::steady_clock::now() + std::chrono::milliseconds(2); };
  // Each of the first few allocations of a wait fails in turn: bad_alloc or timed_out, never a hang.
  for (std::uint64_t n = 0; n < 6; ++n) {
    CAPTURE(n);
    fault::FailAfter guard(n);
    try {
      const auto r = arena.allocate_wait(soon());
      CHECK(r.error() == Errc::timed_out);
    } catch (const std::bad_alloc&) {
    }
  }
  // Waiting still works: a waiter on another thread is woken by a release.
  std::atomic<bool> got{false};
  std::thread waiter([&] {
    auto r = arena.allocate_wait(std::chrono::steady_clock::now() + std::chrono::seconds(20));
    got = r.has_value();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  held = Buffer();
  waiter.join();
  CHECK(got.load());
  const auto m = arena.metrics();
  CHECK(m.slots_live == 0);
  CHECK(m.frees == m.allocations_ok);
}

TEST_CASE("fault ops - buddy allocate_wait: the heap failing while it registers leaves waiting consistent") {
  BuddyArena arena = take(BuddyArena::builder(take(BuddyGeometry::exact(4096, 512))).build());
  Buffer held = take(arena.allocate(4096));
  const auto soon = [] { return std::chrono::steady_clock::now() + std::chrono::milliseconds(2); };
  for (std::uint64_t n = 0; n < 6; ++n) {
    CAPTURE(n);
    fault::FailAfter guard(n);
    try {
      const auto r = arena.allocate_wait(512, soon());
      CHECK(r.error() == Errc::timed_out);
    } catch (const std::bad_alloc&) {
    }
  }
  std::atomic<bool> got{false};
  std::thread waiter([&] {
    auto r = arena.allocate_wait(1024, std::chrono::steady_clock::now() + std::chrono::seconds(20));
    got = r.has_value();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  held = Buffer();
  waiter.join();
  CHECK(got.load());
  const auto m = arena.metrics();
  CHECK(m.blocks_live == 0);
  CHECK(m.largest_free_block == 4096);
}
