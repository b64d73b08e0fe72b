// tests/consumer/main.cpp: a downstream program using the installed library the way a user would
// (#include <arena/arena.hpp>, link arena::core). Its usage_example() is the example of README.md,
// kept here verbatim so that the README's code is compiled and run by scripts/test.sh: keep the
// two in sync. Prints "consumer ok" and returns 0; any mismatch prints what differed and returns 1.
#include <cstdio>
#include <string_view>
#include <utility>

#include <arena/arena.hpp>

namespace {

int failures = 0;

void expect(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "consumer: check failed: %s\n", what);
    ++failures;
  }
}

// ---- README example (begin) ----
void usage_example() {
  // 1024 slots of 4 KiB, allocated and prefaulted once. build() returns Result<FixedArena>.
  arena::FixedArena pool = arena::FixedArena::with_slot_capacity(1024, 4096).build().value();

  // allocate() never blocks and never touches the heap: a Buffer over a free slot, or an error.
  arena::Result<arena::Buffer> r = pool.allocate();
  if (!r) {
    // r.error() == arena::Errc::arena_full when every slot is in use.
    std::fprintf(stderr, "allocate: %s\n", r.error().message().c_str());
    return;
  }
  arena::Buffer buf = std::move(r).value();
  buf.put("hello");  // bytes
  buf.put_u8(' ');
  buf.put_u32(2024);  // big-endian; put_u32_le for little-endian

  // freeze(): the slot now belongs to the Bytes, no copy. Copies and slices share it (refcount).
  arena::Bytes msg = std::move(buf).freeze();
  arena::Bytes word = msg.slice(0, 5);
  expect(word.as_string_view() == "hello", "slice content");
  expect(msg.size() == 10, "frozen size");
  // The slot returns to the arena when the last of msg/word (and their copies) is destroyed,
  // on whichever thread that happens; Bytes may even outlive `pool`.

  // Auto-spill: a write that does not fit moves the buffer to the heap instead of terminating.
  arena::FixedArena small = arena::FixedArena::with_slot_capacity(4, 8).auto_spill().build().value();
  arena::Buffer big = small.allocate().value();
  big.put(std::string_view("more than eight bytes"));  // the slot goes back to the arena at once
  expect(big.is_spilled(), "auto-spill");
  arena::Bytes spilled = std::move(big).freeze();  // heap-backed Bytes, same API
  expect(spilled.size() == 21, "spilled size");

  // Varying sizes: a buddy arena of 1 MiB in power-of-two blocks of at least 256 bytes.
  arena::BuddyGeometry geometry = arena::BuddyGeometry::exact(1 << 20, 256).value();
  arena::BuddyArena buddy = arena::BuddyArena::builder(geometry).build().value();
  arena::Buffer request = buddy.allocate(700).value();  // a 1024-byte block (capacity() == 1024)
  expect(request.capacity() == 1024, "buddy block size");

  // Metrics: plain snapshot structs (counters and gauges).
  arena::FixedMetrics m = pool.metrics();
  std::printf("pool: %llu allocations, %llu frozen, %llu bytes live\n",
              static_cast<unsigned long long>(m.allocations_ok), static_cast<unsigned long long>(m.frozen),
              static_cast<unsigned long long>(m.bytes_live));
  expect(small.metrics().spills == 1, "spill counted");
  expect(buddy.metrics().largest_free_block == (1u << 19), "buddy largest free block");
}
// ---- README example (end) ----

// What the brief of this consumer asks for, checked strictly: allocate, write, freeze, compare.
void hello_roundtrip() {
  arena::Result<arena::FixedArena> built = arena::FixedArena::with_slot_capacity(2, 64).build();
  expect(built.has_value(), "FixedArena build");
  if (!built) return;
  arena::FixedArena pool = std::move(built).value();
  expect(pool.slot_count() == 2 && pool.slot_capacity() == 64, "geometry");

  arena::Result<arena::Buffer> r = pool.allocate();
  expect(r.has_value(), "allocate");
  if (!r) return;
  arena::Buffer buf = std::move(r).value();
  buf.put(std::string_view("hello"));
  expect(buf.size() == 5, "size after put");
  arena::Bytes bytes = std::move(buf).freeze();
  expect(bytes.as_string_view() == "hello", "frozen content");
  expect(bytes == arena::Bytes::copy_from(std::string_view("hello")), "content equality with a heap copy");
  expect(pool.metrics().slots_live == 1, "one slot live while the Bytes exist");

  // Bytes outlive the arena handle: the slot memory stays valid until the last Bytes goes.
  pool = arena::FixedArena::with_slot_capacity(1, 8).build().value();  // drops the only handle
  expect(bytes.as_string_view() == "hello", "Bytes readable after the arena handle is gone");
}

}  // namespace

int main() {
  usage_example();
  hello_roundtrip();
  if (failures != 0) {
    std::fprintf(stderr, "consumer: %d check(s) failed\n", failures);
    return 1;
  }
  std::puts("consumer ok");
  return 0;
}
