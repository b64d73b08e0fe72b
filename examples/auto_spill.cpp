// Example: auto-spill. In an arena built with auto_spill(), a write that does not fit the slot
// moves the buffer to the heap instead of terminating: the bytes written so far are copied once,
// the slot goes back to the arena at that moment, and the buffer keeps growing on the heap. Its
// frozen Bytes look like any other. Exits non-zero if the spilled content is not what was written
// or the metrics do not show the spill.
#include <cstdio>
#include <string>
#include <string_view>

#include <arena/arena.hpp>

int main() {
  // Two slots of 16 bytes: room for a short header, not for a long payload.
  arena::FixedArena pool = arena::FixedArena::with_slot_capacity(2, 16).auto_spill().build().value();

  // A message that fits stays in its slot.
  arena::Buffer small = pool.allocate().value();
  small.put("short");
  const arena::Bytes in_arena = std::move(small).freeze();

  // One that does not: the first write past 16 bytes spills.
  arena::Buffer big = pool.allocate().value();
  big.put("header:");  // 7 bytes, still in the slot
  const std::string payload(100, 'x');
  big.put(payload);  // does not fit: copied to the heap, the slot is returned right now
  const arena::FixedMetrics during = pool.metrics();
  const bool was_spilled = big.is_spilled();
  const std::size_t capacity_after_spill = big.capacity();  // still what the arena granted
  std::printf("after the spill: is_spilled=%d size=%zu capacity=%zu; arena slots_live=%llu spills=%llu\n",
              was_spilled ? 1 : 0, big.size(), capacity_after_spill, static_cast<unsigned long long>(during.slots_live),
              static_cast<unsigned long long>(during.spills));

  // The returned slot is free for others while the spilled buffer lives on.
  const bool slot_reusable = pool.allocate().has_value();

  const arena::Bytes spilled = std::move(big).freeze();  // heap-backed Bytes, same API
  const std::string expected = "header:" + payload;
  const bool content_ok = spilled.as_string_view() == expected && in_arena.as_string_view() == "short";
  std::printf("frozen: %zu bytes from the heap (content %s), %zu bytes from the arena\n", spilled.size(),
              content_ok ? "intact" : "WRONG", in_arena.size());

  const arena::FixedMetrics m = pool.metrics();
  std::printf("metrics: allocations_ok=%llu spills=%llu frozen=%llu (spilled buffers are not counted) frees=%llu\n",
              static_cast<unsigned long long>(m.allocations_ok), static_cast<unsigned long long>(m.spills),
              static_cast<unsigned long long>(m.frozen), static_cast<unsigned long long>(m.frees));

  // Expected: 3 allocations (small, big, the reuse probe), 1 spill, 1 freeze of arena memory, and
  // the spilled slot and the probe's slot back (the frozen "short" still holds its slot).
  const bool ok = content_ok && slot_reusable && was_spilled && capacity_after_spill == 16 && during.spills == 1 &&
                  during.slots_live == 1 && m.allocations_ok == 3 && m.spills == 1 && m.frozen == 1 && m.frees == 2;
  std::printf("%s\n", ok ? "OK" : "FAILED");
  return ok ? 0 : 1;
}
