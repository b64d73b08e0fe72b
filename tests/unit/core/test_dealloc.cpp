// Tests of arena/dealloc.hpp (core/src/dealloc.cpp): the move-only, one-shot free(ptr, len)
// strategy owned by raw-backed arenas [R-RAW-4]. It runs at most once, with the arguments it is
// given, moves transfer it, destruction alone never runs it; heap() frees malloc'd memory (a leak
// would be caught by LeakSanitizer in the ASan build) and none() does nothing.
#include <doctest/doctest.h>

#include <cstdlib>
#include <memory>
#include <type_traits>

#include "arena/arena.hpp"

using arena::Dealloc;

namespace {
struct Calls {
  int count = 0;
  void* ptr = nullptr;
  std::size_t len = 0;
};

Dealloc recording(Calls& calls) {
  return Dealloc([&calls](void* p, std::size_t n) {
    ++calls.count;
    calls.ptr = p;
    calls.len = n;
  });
}

int g_plain_calls = 0;
void plain_free(void*, std::size_t) { ++g_plain_calls; }
}  // namespace

TEST_SUITE("arena::Dealloc") {
  TEST_CASE("Dealloc is move-only") {
    static_assert(!std::is_copy_constructible_v<Dealloc>);
    static_assert(!std::is_copy_assignable_v<Dealloc>);
    static_assert(std::is_nothrow_move_constructible_v<Dealloc>);
    static_assert(std::is_nothrow_move_assignable_v<Dealloc>);
  }

  TEST_CASE("a callable runs once with the pointer and length it is given") {
    Calls calls;
    Dealloc d = recording(calls);
    int target = 0;
    std::move(d)(&target, 123);
    CHECK(calls.count == 1);
    CHECK(calls.ptr == &target);
    CHECK(calls.len == 123u);
    std::move(d)(&target, 456);  // one-shot: a second call does nothing
    CHECK(calls.count == 1);
    CHECK(calls.len == 123u);
  }

  TEST_CASE("destroying an unrun Dealloc does not run it") {
    Calls calls;
    { Dealloc d = recording(calls); }
    CHECK(calls.count == 0);
  }

  TEST_CASE("moves transfer the strategy: the source does nothing, the target runs once") {
    Calls calls;
    Dealloc a = recording(calls);
    Dealloc b = std::move(a);
    std::move(a)(nullptr, 1);  // NOLINT(bugprone-use-after-move): moved-from does nothing
    CHECK(calls.count == 0);
    Calls other;
    Dealloc c = recording(other);
    c = std::move(b);  // c's own strategy is dropped unrun
    std::move(c)(nullptr, 2);
    CHECK(calls.count == 1);
    CHECK(calls.len == 2u);
    CHECK(other.count == 0);
  }

  TEST_CASE("function pointers and move-only functors are accepted") {
    g_plain_calls = 0;
    // api.md: Dealloc(F f) takes any F invocable as void(void*, size_t), function pointers included.
    // Direct-initialisation must work too (it picks the constructor overload set as written).
    CHECK(std::is_constructible_v<Dealloc, void (*)(void*, std::size_t)>);
    Dealloc p = &plain_free;  // copy-initialisation
    std::move(p)(nullptr, 0);
    CHECK(g_plain_calls == 1);

    std::size_t seen = 0;
    Dealloc m([held = std::make_unique<int>(5), &seen](void*, std::size_t n) { seen = n + static_cast<std::size_t>(*held); });
    std::move(m)(nullptr, 72);
    CHECK(seen == 77u);
  }

  TEST_CASE("none() does nothing") {
    int target = 5;
    Dealloc d = Dealloc::none();
    std::move(d)(&target, sizeof target);
    CHECK(target == 5);
  }

  TEST_CASE("heap() frees memory from malloc, calloc and aligned_alloc") {
    void* a = std::malloc(100);
    void* b = std::calloc(10, 10);
    void* c = std::aligned_alloc(64, 128);
    REQUIRE(a != nullptr);
    REQUIRE(b != nullptr);
    REQUIRE(c != nullptr);
    Dealloc::heap()(a, 100);
    Dealloc::heap()(b, 100);
    Dealloc::heap()(c, 128);
    // Nothing to observe here without a sanitizer: LeakSanitizer reports these blocks if they
    // were not freed, and ASan reports a double free if the one-shot ran twice.
    Dealloc once = Dealloc::heap();
    void* d = std::malloc(8);
    std::move(once)(d, 8);
    std::move(once)(d, 8);
  }
}
