// The heap failing while an arena is built: for every allocation a build makes, that allocation is
// made to fail in turn. Each attempt must end in Errc::out_of_memory (never a throw, a crash or a
// leak); the caller's memory of a raw build stays the caller's (its Dealloc does not run); and once
// the heap works again the same kind of build succeeds and the arena works.
#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>

#include "arena/arena.hpp"
#include "failing_new.hpp"
#include "test_support.hpp"

namespace fault = arena::test::fault;
using arena::BuddyArena;
using arena::BuddyGeometry;
using arena::Errc;
using arena::FixedArena;

namespace {

// Runs `build` with the Nth allocation failing, for N = 0, 1, ... until a build succeeds without
// reaching the failure. `build` returns the error of the attempt (0: success). Returns how many
// allocations a successful build makes.
std::uint64_t sweep_build(const std::function<std::error_code()>& build) {
  std::uint64_t n = 0;
  for (;; ++n) {
    REQUIRE_MESSAGE(n < 64, "a build makes more than 64 allocations?");
    const std::int64_t live_before = fault::live_allocations();
    const std::uint64_t failures_before = fault::failures();
    std::error_code error;
    bool threw = false;
    {
      fault::FailAfter guard(n);
      try {
        error = build();
      } catch (...) {
        threw = true;
      }
    }
    const bool failed_now = fault::failures() != failures_before;
    CHECK_MESSAGE(!threw, "allocation " << n << " failing: the build threw");
    CHECK_MESSAGE(fault::live_allocations() == live_before, "allocation " << n << " failing: leaked "
                                                                         << fault::live_allocations() - live_before);
    if (!failed_now) {
      CHECK_MESSAGE(!error, "a build that met no failure failed: " << error.message());
      return n;
    }
    CHECK_MESSAGE(error == Errc::out_of_memory, "allocation " << n << " failing: " << error.message());
  }
}

// A fixed arena that works: every slot once, then full, and the metrics balance.
void exercise(FixedArena& arena) {
  std::vector<arena::Buffer> held;
  for (std::size_t i = 0; i < arena.slot_count(); ++i) held.push_back(arena::test::take(arena.allocate()));
  CHECK(arena.allocate().error() == Errc::arena_full);
  held.clear();
  const arena::FixedMetrics m = arena.metrics();
  CHECK(m.slots_live == 0);
  CHECK(m.frees == m.allocations_ok);
}

void exercise(BuddyArena& arena) {
  { arena::Buffer whole = arena::test::take(arena.allocate(arena.total_size())); }
  const arena::BuddyMetrics m = arena.metrics();
  CHECK(m.blocks_live == 0);
  CHECK(m.largest_free_block == arena.total_size());
}

}  // namespace

TEST_CASE("fault build - fixed builder: every allocation failing in turn gives out_of_memory") {
  for (bool unfaulted : {false, true}) {
    CAPTURE(unfaulted);
    const std::uint64_t made = sweep_build([&]() -> std::error_code {
      auto builder = FixedArena::with_slot_capacity(100, 64);
      if (unfaulted) {
        auto r = builder.build_unfaulted();
        if (!r) return r.error();
        fault::disarm();  // the build is done: what follows must not fail
        FixedArena arena = std::move(r).value().fault_pages();
        exercise(arena);
        return {};
      }
      auto r = builder.build();
      if (!r) return r.error();
      fault::disarm();
      exercise(*r);
      return {};
    });
    CHECK(made >= 2);  // backing memory, state, metadata, waiter: each one was made to fail
  }
}

TEST_CASE("fault build - fixed raw builder: out_of_memory keeps the caller's memory, Dealloc unrun") {
  int deallocs = 0;
  std::uint64_t n = 0;
  for (;; ++n) {
    REQUIRE(n < 64);
    void* memory = std::malloc(4096);
    REQUIRE(memory != nullptr);
    arena::Dealloc dealloc = [&deallocs](void* p, std::size_t) {
      ++deallocs;
      std::free(p);
    };
    const std::uint64_t failures_before = fault::failures();
    arena::Result<FixedArena> r = Errc::invalid_argument;
    {
      fault::FailAfter guard(n);
      r = FixedArena::from_raw(memory, 4096, arena::SlotSpec::count(16), std::move(dealloc)).build();
    }
    if (fault::failures() == failures_before) {
      REQUIRE(r.has_value());
      exercise(*r);
      r = Errc::invalid_argument;  // drops the arena: the Dealloc runs now
      CHECK(deallocs == 1);
      break;
    }
    CHECK(r.error() == Errc::out_of_memory);
    CHECK(deallocs == 0);
    std::free(memory);  // still the caller's
  }
  CHECK(n >= 1);
}

TEST_CASE("fault build - a raw builder that failed for want of memory does not build again") {
  // Its Dealloc went with the failed attempt: a retry must refuse (invalid_argument, "builds
  // once") rather than build an arena that would never give the region back.
  int deallocs = 0;
  void* memory = std::malloc(4096);
  REQUIRE(memory != nullptr);
  auto fixed = FixedArena::from_raw(memory, 4096, arena::SlotSpec::count(16), [&deallocs](void* p, std::size_t) {
    ++deallocs;
    std::free(p);
  });
  auto buddy = BuddyArena::from_raw(memory, 4096, arena::BuddyHint::min_alloc(256), [&deallocs](void* p, std::size_t) {
    ++deallocs;
    std::free(p);
  });
  arena::Result<FixedArena> first = Errc::invalid_argument;
  arena::Result<BuddyArena> first_buddy = Errc::invalid_argument;
  {
    fault::FailAfter guard(0);
    first = fixed.build();
  }
  {
    fault::FailAfter guard(0);
    first_buddy = buddy.build();
  }
  CHECK(first.error() == Errc::out_of_memory);
  CHECK(first_buddy.error() == Errc::out_of_memory);
  CHECK(fixed.build().error() == Errc::invalid_argument);
  CHECK(buddy.build().error() == Errc::invalid_argument);
  CHECK(deallocs == 0);
  std::free(memory);  // still the caller's
}

TEST_CASE("fault build - buddy builders: every allocation failing in turn gives out_of_memory") {
  for (bool nearest : {false, true}) {
    CAPTURE(nearest);
    const std::uint64_t made = sweep_build([&]() -> std::error_code {
      auto geometry = nearest ? BuddyGeometry::nearest(60000, 200) : BuddyGeometry::exact(65536, 256);
      if (!geometry) return geometry.error();
      auto r = BuddyArena::builder(*geometry).auto_spill().build();
      if (!r) return r.error();
      fault::disarm();
      exercise(*r);
      return {};
    });
    CHECK(made >= 2);
  }
}

TEST_CASE("fault build - buddy raw builder: out_of_memory keeps the caller's memory, Dealloc unrun") {
  int deallocs = 0;
  std::uint64_t n = 0;
  for (;; ++n) {
    REQUIRE(n < 64);
    void* memory = std::aligned_alloc(4096, 8192);
    REQUIRE(memory != nullptr);
    arena::Dealloc dealloc = [&deallocs](void* p, std::size_t) {
      ++deallocs;
      std::free(p);
    };
    const std::uint64_t failures_before = fault::failures();
    arena::Result<BuddyArena> r = Errc::invalid_argument;
    {
      fault::FailAfter guard(n);
      r = BuddyArena::from_raw(memory, 8192, arena::BuddyHint::min_alloc(256), std::move(dealloc)).build();
    }
    if (fault::failures() == failures_before) {
      REQUIRE(r.has_value());
      exercise(*r);
      r = Errc::invalid_argument;
      CHECK(deallocs == 1);
      break;
    }
    CHECK(r.error() == Errc::out_of_memory);
    CHECK(deallocs == 0);
    std::free(memory);
  }
  CHECK(n >= 1);
}
