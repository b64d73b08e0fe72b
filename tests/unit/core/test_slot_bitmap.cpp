// White-box tests of core/src/slot_bitmap.hpp: the fixed arena's free-slot bitmap with 62 slot bits
// and 2 flag bits (waiter, dead) per word. The original crate's bitmap cases adapted to 62 slots per
// word (partial last word at 63, exact boundary at 62 and 124; the crate's 64/65/128/7168 still
// work), the flag bits never being handed out as slots, and double/out-of-range release aborting in
// every build type.
#include "slot_bitmap.hpp"

#include <doctest/doctest.h>

#include <set>
#include <vector>

#include "death_test.hpp"

using arena::detail::SlotBitmap;

namespace {

// Claims until the bitmap reports none; returns the claimed slots in order.
std::vector<std::size_t> drain(SlotBitmap& bitmap, std::size_t start_word = 0) {
  std::vector<std::size_t> got;
  for (;;) {
    const std::size_t slot = bitmap.claim_any(start_word);
    if (slot == SlotBitmap::kNone) break;
    got.push_back(slot);
    REQUIRE(got.size() <= bitmap.slot_count());
  }
  return got;
}

// Every slot exactly once.
void check_each_once(const std::vector<std::size_t>& got, std::size_t slot_count) {
  REQUIRE(got.size() == slot_count);
  const std::set<std::size_t> unique(got.begin(), got.end());
  CHECK(unique.size() == slot_count);
  if (!unique.empty()) CHECK(*unique.rbegin() == slot_count - 1);
}

}  // namespace

TEST_SUITE("arena::detail::SlotBitmap") {
  TEST_CASE("the word layout: 62 slot bits, waiter bit 62, dead bit 63") {
    CHECK(SlotBitmap::kSlotsPerWord == 62u);
    CHECK(SlotBitmap::kSlotMask == 0x3FFFFFFFFFFFFFFFull);
    CHECK(SlotBitmap::kWaiterFlag == 0x4000000000000000ull);
    CHECK(SlotBitmap::kDeadFlag == 0x8000000000000000ull);
    CHECK(SlotBitmap::word_of(61) == 0u);
    CHECK(SlotBitmap::word_of(62) == 1u);
  }

  TEST_CASE("claim_any returns every slot exactly once (128)") {
    SlotBitmap bitmap(128);
    CHECK(bitmap.word_count() == 3u);
    CHECK(bitmap.free_count() == 128u);
    check_each_once(drain(bitmap), 128);
  }

  TEST_CASE("claim_any returns none when full") {
    SlotBitmap bitmap(10);
    check_each_once(drain(bitmap), 10);
    CHECK(bitmap.claim_any(0) == SlotBitmap::kNone);
    CHECK(bitmap.free_count() == 0u);
    CHECK_FALSE(bitmap.any_free());
  }

  TEST_CASE("a released slot becomes available again and is reclaimed") {
    SlotBitmap bitmap(100);
    check_each_once(drain(bitmap), 100);
    CHECK_FALSE(bitmap.is_free(37));
    bitmap.release(37);
    CHECK(bitmap.is_free(37));
    CHECK(bitmap.free_count() == 1u);
    CHECK(bitmap.any_free());
    CHECK(bitmap.claim_any(0) == 37u);  // found from any start word
    bitmap.release(37);
    CHECK(bitmap.claim_any(1) == 37u);
    CHECK(bitmap.claim_any(0) == SlotBitmap::kNone);
  }

  TEST_CASE("a bitmap built all-taken starts with no free slot") {
    SlotBitmap bitmap(100, false);
    CHECK(bitmap.free_count() == 0u);
    CHECK_FALSE(bitmap.any_free());
    CHECK(bitmap.claim_any(0) == SlotBitmap::kNone);
    bitmap.release(99);
    CHECK(bitmap.claim_any(0) == 99u);
  }

  TEST_CASE("alloc/free cycle: the freed slot is the one reclaimed") {
    SlotBitmap bitmap(4);
    const std::vector<std::size_t> all = drain(bitmap);
    check_each_once(all, 4);
    for (int round = 0; round < 100; ++round) {
      const std::size_t slot = all[static_cast<std::size_t>(round) % all.size()];
      bitmap.release(slot);
      CHECK(bitmap.claim_any(0) == slot);
    }
  }

  TEST_CASE("partial last word: 63 slots = 62 + 1, highest index 62, no phantom slot") {
    SlotBitmap bitmap(63);
    CHECK(bitmap.word_count() == 2u);
    const std::vector<std::size_t> got = drain(bitmap);
    check_each_once(got, 63);
  }

  TEST_CASE("the crate's partial word: 65 slots, highest index 64") {
    SlotBitmap bitmap(65);
    CHECK(bitmap.word_count() == 2u);
    check_each_once(drain(bitmap), 65);
  }

  TEST_CASE("exact word boundaries: 62 is one full word, 124 two") {
    SlotBitmap one(62);
    CHECK(one.word_count() == 1u);
    check_each_once(drain(one), 62);
    SlotBitmap two(124);
    CHECK(two.word_count() == 2u);
    check_each_once(drain(two), 124);
    SlotBitmap crate_word(64);  // the crate's exact boundary: two words here
    CHECK(crate_word.word_count() == 2u);
    check_each_once(drain(crate_word), 64);
  }

  TEST_CASE("a single-slot bitmap") {
    SlotBitmap bitmap(1);
    CHECK(bitmap.word_count() == 1u);
    CHECK(bitmap.claim_any(0) == 0u);
    CHECK(bitmap.claim_any(0) == SlotBitmap::kNone);
    bitmap.release(0);
    CHECK(bitmap.claim_any(0) == 0u);
  }

  TEST_CASE("free all then claim all again (128)") {
    SlotBitmap bitmap(128);
    const std::vector<std::size_t> first = drain(bitmap);
    for (std::size_t slot : first) bitmap.release(slot);
    CHECK(bitmap.free_count() == 128u);
    check_each_once(drain(bitmap, 2), 128);
  }

  TEST_CASE("a zero-slot bitmap has no words and nothing to claim") {
    SlotBitmap bitmap(0);
    CHECK(bitmap.word_count() == 0u);
    CHECK(bitmap.slot_count() == 0u);
    CHECK(bitmap.claim_any(0) == SlotBitmap::kNone);
    CHECK(bitmap.free_count() == 0u);
    CHECK_FALSE(bitmap.any_free());
    CHECK(bitmap.mark_all(SlotBitmap::kDeadFlag) == 0u);
  }

  TEST_CASE("a large bitmap (7168 slots, 116 words)") {
    SlotBitmap bitmap(7168);
    CHECK(bitmap.word_count() == 116u);
    check_each_once(drain(bitmap, 57), 7168);
  }

  TEST_CASE("claim_any starts at the given word and wraps") {
    SlotBitmap bitmap(200);  // words: 0..61, 62..123, 124..185, 186..199
    CHECK(bitmap.claim_any(2) == 124u);
    CHECK(bitmap.claim_any(3) == 186u);
    CHECK(bitmap.claim_any(1) == 62u);
    // Only slot 5 free: found from the last word by wrapping.
    SlotBitmap sparse(200, false);
    sparse.release(5);
    CHECK(sparse.claim_any(3) == 5u);
  }

  TEST_CASE("claim of one exact slot succeeds only while it is free") {
    SlotBitmap bitmap(70);
    CHECK(bitmap.claim(64));
    CHECK_FALSE(bitmap.claim(64));
    CHECK_FALSE(bitmap.is_free(64));
    CHECK(bitmap.free_count() == 69u);
    bitmap.release(64);
    CHECK(bitmap.claim(64));
    // claim_any skips the exactly claimed slot.
    const std::vector<std::size_t> rest = drain(bitmap);
    CHECK(rest.size() == 69u);
    CHECK(std::set<std::size_t>(rest.begin(), rest.end()).count(64) == 0u);
  }

  TEST_CASE("flags ride on the words but are never slots") {
    SlotBitmap bitmap(130);  // three words, the last with 6 slots
    std::vector<std::size_t> claimed;
    for (int i = 0; i < 5; ++i) claimed.push_back(bitmap.claim_any(0));
    SUBCASE("mark_all returns the number of taken slots") {
      CHECK(bitmap.mark_all(SlotBitmap::kDeadFlag) == 5u);
      CHECK(bitmap.free_count() == 125u);  // the flags are not counted as free slots
      // release returns the word's previous value, flags included.
      const std::uint64_t before = bitmap.release(claimed[0]);
      CHECK((before & SlotBitmap::kDeadFlag) != 0u);
      CHECK((before & SlotBitmap::kWaiterFlag) == 0u);
      CHECK(bitmap.mark_all(SlotBitmap::kWaiterFlag) == 4u);
      CHECK((bitmap.release(claimed[1]) & SlotBitmap::kWaiterFlag) != 0u);
    }
    SUBCASE("with both flags on every word, claim_any still hands out only real slots") {
      bitmap.mark_all(SlotBitmap::kDeadFlag | SlotBitmap::kWaiterFlag);
      const std::vector<std::size_t> rest = drain(bitmap, 2);
      CHECK(rest.size() == 125u);
      for (std::size_t slot : rest) CHECK(slot < 130u);
      CHECK_FALSE(bitmap.any_free());
      CHECK(bitmap.mark_all(SlotBitmap::kDeadFlag) == 130u);
    }
    SUBCASE("release without flags returns no flags") {
      const std::uint64_t before = bitmap.release(claimed[2]);
      CHECK((before & ~SlotBitmap::kSlotMask) == 0u);
      CHECK((before & (std::uint64_t{1} << claimed[2])) == 0u);  // it was taken before the release
    }
  }

  TEST_CASE("double release and out-of-range slots abort in every build type") {
    SUBCASE("releasing a free slot") {
      ARENA_CHECK_ABORTS_WITH([] {
        SlotBitmap bitmap(8);
        bitmap.release(3);
      }, "arena: SlotBitmap::release: slot 3 released twice");
    }
    SUBCASE("releasing a slot twice after a claim") {
      ARENA_CHECK_ABORTS_WITH([] {
        SlotBitmap bitmap(100);
        REQUIRE(bitmap.claim(70));
        bitmap.release(70);
        bitmap.release(70);
      }, "SlotBitmap::release: slot 70 released twice");
    }
    SUBCASE("releasing out of range") {
      ARENA_CHECK_ABORTS_WITH([] {
        SlotBitmap bitmap(65);
        bitmap.release(70);
      }, "arena: SlotBitmap::release: slot 70 out of range (65 slots)");
    }
    SUBCASE("claiming out of range") {
      ARENA_CHECK_ABORTS_WITH([] {
        SlotBitmap bitmap(5);
        (void)bitmap.claim(9);
      }, "SlotBitmap::claim: slot 9 out of range (5 slots)");
    }
  }
}
