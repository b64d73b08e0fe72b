// White-box tests of core/src/bit_tree.hpp: the hierarchical bitset (64-ary summary levels) that
// holds each buddy order's free blocks. Sizes at and around the word and summary boundaries (1, 63,
// 64, 65, 4096, 4097, 2^18), find_first through every level, idempotent set/clear, memory_bytes
// (which feeds BuddyMetrics::metadata_bytes), and seeded random set/clear checked after every step
// against a std::set model.
#include "bit_tree.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <set>
#include <vector>

#include "rng.hpp"

using arena::detail::BitTree;

namespace {

const std::vector<std::size_t> kSizes = {1, 2, 63, 64, 65, 127, 128, 4095, 4096, 4097, std::size_t{1} << 18};

// Positions worth probing in a tree of n bits: both ends and every word/summary boundary inside.
std::vector<std::size_t> probes(std::size_t n) {
  std::vector<std::size_t> out;
  for (std::size_t p : {std::size_t{0}, std::size_t{1}, std::size_t{62}, std::size_t{63}, std::size_t{64},
                        std::size_t{65}, std::size_t{127}, std::size_t{128}, std::size_t{4095}, std::size_t{4096},
                        std::size_t{4097}, std::size_t{262143}, n / 2, n - 1}) {
    if (p < n) out.push_back(p);
  }
  return out;
}

}  // namespace

TEST_SUITE("arena::detail::BitTree") {
  TEST_CASE("a new tree is all clear: find_first is none, every probe tests false") {
    for (std::size_t n : kSizes) {
      INFO("size " << n);
      const BitTree tree(n);
      CHECK(tree.size() == n);
      CHECK(tree.find_first() == BitTree::kNone);
      for (std::size_t p : probes(n)) CHECK_FALSE(tree.test(p));
    }
  }

  TEST_CASE("one bit set anywhere is found, and clearing it empties the tree again") {
    for (std::size_t n : kSizes) {
      for (std::size_t p : probes(n)) {
        INFO("size " << n << ", bit " << p);
        BitTree tree(n);
        tree.set(p);
        CHECK(tree.test(p));
        CHECK(tree.find_first() == p);
        tree.clear(p);
        CHECK_FALSE(tree.test(p));
        CHECK(tree.find_first() == BitTree::kNone);
      }
    }
  }

  TEST_CASE("every bit of small trees, one at a time") {
    for (std::size_t n : {std::size_t{1}, std::size_t{63}, std::size_t{64}, std::size_t{65}, std::size_t{200}}) {
      BitTree tree(n);
      for (std::size_t i = 0; i < n; ++i) {
        tree.set(i);
        REQUIRE(tree.find_first() == i);
        tree.clear(i);
        REQUIRE(tree.find_first() == BitTree::kNone);
      }
    }
  }

  TEST_CASE("all set, then cleared from the bottom: find_first walks up through every level") {
    for (std::size_t n : {std::size_t{65}, std::size_t{4096}, std::size_t{4097}, std::size_t{1} << 18}) {
      INFO("size " << n);
      BitTree tree(n);
      for (std::size_t i = 0; i < n; ++i) tree.set(i);
      for (std::size_t i = 0; i < n; ++i) {
        REQUIRE(tree.find_first() == i);
        tree.clear(i);
      }
      CHECK(tree.find_first() == BitTree::kNone);
    }
  }

  TEST_CASE("all set, then cleared from the top: the lowest stays found until it goes") {
    const std::size_t n = 4097;
    BitTree tree(n);
    for (std::size_t i = 0; i < n; ++i) tree.set(i);
    for (std::size_t i = n; i-- > 1;) {
      tree.clear(i);
      REQUIRE(tree.find_first() == 0u);
    }
    tree.clear(0);
    CHECK(tree.find_first() == BitTree::kNone);
  }

  TEST_CASE("set and clear are idempotent, and do not disturb neighbours") {
    BitTree tree(4096);
    tree.set(100);
    tree.set(100);
    tree.set(4000);
    CHECK(tree.find_first() == 100u);
    tree.clear(100);
    CHECK(tree.find_first() == 4000u);
    tree.clear(100);  // already clear
    tree.clear(101);  // never set, in the same word as a bit that was
    tree.clear(0);    // never set, in a word that is all zero
    CHECK(tree.find_first() == 4000u);
    CHECK(tree.test(4000));
    CHECK_FALSE(tree.test(100));
    tree.clear(4000);
    CHECK(tree.find_first() == BitTree::kNone);
  }

  TEST_CASE("a summary word shared by two data words stays set while either has a bit") {
    BitTree tree(1u << 18);
    tree.set(64 * 5 + 3);  // data word 5
    tree.set(64 * 6 + 1);  // data word 6: same summary word (bits 5 and 6)
    tree.clear(64 * 5 + 3);
    CHECK(tree.find_first() == 64u * 6 + 1);
    tree.set(64 * 64 * 2 + 7);  // another level-1 summary word
    tree.clear(64 * 6 + 1);
    CHECK(tree.find_first() == 64u * 64 * 2 + 7);
  }

  TEST_CASE("memory_bytes counts every level's words") {
    CHECK(BitTree(1).memory_bytes() == 8u);
    CHECK(BitTree(63).memory_bytes() == 8u);
    CHECK(BitTree(64).memory_bytes() == 8u);
    CHECK(BitTree(65).memory_bytes() == 24u);               // 2 words + 1 summary
    CHECK(BitTree(4096).memory_bytes() == 520u);            // 64 + 1
    CHECK(BitTree(4097).memory_bytes() == 544u);            // 65 + 2 + 1
    CHECK(BitTree(std::size_t{1} << 18).memory_bytes() == 33288u);  // 4096 + 64 + 1
  }

  TEST_CASE("random set/clear against a std::set model") {
    for (std::size_t n : kSizes) {
      INFO("size " << n);
      arena::test::Rng rng(0xB17'7EE0 + n);
      BitTree tree(n);
      std::set<std::size_t> model;
      const std::size_t steps = n < 256 ? 4000 : 30000;
      // Bias towards a small window now and then, so that words fill up and empty completely.
      for (std::size_t step = 0; step < steps; ++step) {
        const std::size_t window = rng.coin() ? n : (n < 130 ? n : 130);
        const std::size_t base = window == n ? 0 : static_cast<std::size_t>(rng.below(n - window + 1));
        const std::size_t i = base + static_cast<std::size_t>(rng.below(window));
        if (rng.below(100) < 55) {
          tree.set(i);
          model.insert(i);
        } else {
          tree.clear(i);
          model.erase(i);
        }
        const std::size_t expected = model.empty() ? BitTree::kNone : *model.begin();
        REQUIRE(tree.find_first() == expected);
        const std::size_t probe = static_cast<std::size_t>(rng.below(n));
        REQUIRE(tree.test(probe) == (model.count(probe) == 1));
      }
      // Drain through find_first: yields exactly the model, in order.
      std::vector<std::size_t> drained;
      for (std::size_t f = tree.find_first(); f != BitTree::kNone; f = tree.find_first()) {
        drained.push_back(f);
        tree.clear(f);
        REQUIRE(drained.size() <= model.size());
      }
      CHECK(drained == std::vector<std::size_t>(model.begin(), model.end()));
    }
  }
}
