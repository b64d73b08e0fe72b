// Example: a BuddyArena serving variable sizes from power-of-two blocks, with its metrics showing
// each split (a block halved to fit a smaller request) and each coalesce (two free buddies merged
// back) as they happen. The arena is 4096 bytes with 512-byte minimum blocks, so orders 0..3 are
// blocks of 512, 1024, 2048 and 4096 bytes. Exits non-zero if a count differs from the expected one.
#include <cstdint>
#include <cstdio>
#include <string>

#include <arena/arena.hpp>

namespace {

int failures = 0;

// Prints the buddy metrics after `what` and checks the three numbers the step should produce.
void show(const arena::BuddyArena& buddy, const char* what, std::uint64_t splits, std::uint64_t coalesces,
          std::uint64_t largest_free) {
  const arena::BuddyMetrics m = buddy.metrics();
  std::string free_per_order;
  for (std::uint64_t count : m.free_blocks_per_order) free_per_order += " " + std::to_string(count);
  const bool as_expected = m.splits == splits && m.coalesces == coalesces && m.largest_free_block == largest_free;
  std::printf("%-26s splits=%llu coalesces=%llu largest_free=%-4llu free blocks per order [%s ] live=%llu%s\n", what,
              static_cast<unsigned long long>(m.splits), static_cast<unsigned long long>(m.coalesces),
              static_cast<unsigned long long>(m.largest_free_block), free_per_order.c_str(),
              static_cast<unsigned long long>(m.bytes_live), as_expected ? "" : "   <-- unexpected");
  if (!as_expected) ++failures;
}

}  // namespace

int main() {
  const arena::BuddyGeometry geometry = arena::BuddyGeometry::exact(4096, 512).value();
  arena::BuddyArena buddy = arena::BuddyArena::builder(geometry).build().value();
  show(buddy, "new arena", 0, 0, 4096);

  // 700 bytes need a 1024 block: 4096 -> 2048 + 2048, then 2048 -> 1024 + 1024 (two splits).
  arena::Buffer a = buddy.allocate(700).value();
  show(buddy, "allocate(700) -> 1024", 2, 0, 2048);

  // 300 bytes need 512: the free 1024 splits once more.
  arena::Buffer b = buddy.allocate(300).value();
  show(buddy, "allocate(300) -> 512", 3, 0, 2048);

  // 2000 bytes take the free 2048 block as it is: no split.
  arena::Buffer c = buddy.allocate(2000).value();
  show(buddy, "allocate(2000) -> 2048", 3, 0, 512);

  // Only one 512 block is left: a 1024 request fails (transient: arena_full, not request_too_large).
  const arena::Result<arena::Buffer> d = buddy.allocate(1024);
  std::printf("allocate(1024) -> %s\n", d ? "a block?!" : d.error().message().c_str());
  if (d || d.error() != arena::Errc::arena_full) ++failures;
  if (a.capacity() != 1024 || b.capacity() != 512 || c.capacity() != 2048) ++failures;

  // Releases merge a block with its free buddy, level by level, as far as they can.
  b = arena::Buffer();  // 512 + its free buddy -> 1024; that 1024's buddy (a) is held: stop
  show(buddy, "release the 512", 3, 1, 1024);
  a = arena::Buffer();  // 1024 + 1024 -> 2048; its buddy (c) is held: stop
  show(buddy, "release the 1024", 3, 2, 2048);
  c = arena::Buffer();  // 2048 + 2048 -> 4096: the arena is whole again
  show(buddy, "release the 2048", 3, 3, 4096);

  std::printf("%s\n", failures == 0 ? "OK" : "FAILED");
  return failures == 0 ? 0 : 1;
}
