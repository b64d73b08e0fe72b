// Tests of waiting for a block on BuddyArena: allocate_wait(len, deadline) and allocate_async(len),
// ported from the original crate's buddy async tests [R-ASY-1..3, R-ASY-6/7, H-1, H-2, H-6] plus
// what the C++ adds: deadlines, cancellation by destroying the coroutine, wake forwarding (L-4),
// waiters keeping their age across retries (L-5), custom and executor-hopping waiters, the thread a
// coroutine resumes on, and the wait metrics (L-7). Geometry exact(4096, 512) unless stated:
// orders 0..3 = 512, 1024, 2048, 4096. Every wait is bounded.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "arena/arena.hpp"
#include "arena/wait.hpp"
#include "coro.hpp"
#include "test_support.hpp"

using arena::BuddyArena;
using arena::BuddyGeometry;
using arena::BuddyHint;
using arena::BuddyNotifyWaiters;
using arena::BuddyWaiter;
using arena::Buffer;
using arena::Bytes;
using arena::Dealloc;
using arena::Errc;
using arena::Registration;
using arena::test::build;
using arena::test::eventually;
using arena::test::ManualExecutor;
using arena::test::PostingWaiter;
using arena::test::take;
using arena::test::Task;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

// Counts registrations and wakes, delegating to a BuddyNotifyWaiters (whose registrations are
// returned as they are, so withdraw() keeps working).
class CountingBuddyWaiter final : public BuddyWaiter {
 public:
  explicit CountingBuddyWaiter(unsigned order_count) : inner_(std::make_shared<BuddyNotifyWaiters>(order_count)) {}
  std::unique_ptr<Registration> make_registration(unsigned order) override {
    registrations.fetch_add(1, std::memory_order_relaxed);
    return inner_->make_registration(order);
  }
  std::unique_ptr<Registration> make_registration(unsigned order, Clock::time_point since) override {
    registrations.fetch_add(1, std::memory_order_relaxed);
    return inner_->make_registration(order, since);
  }
  void wake(unsigned freed_order) noexcept override {
    wakes.fetch_add(1, std::memory_order_relaxed);
    inner_->wake(freed_order);
  }
  BuddyNotifyWaiters& inner() { return *inner_; }
  std::size_t pending_total() const {
    std::size_t n = 0;
    for (unsigned k = 0; k < 8; ++k) n += inner_->pending(k);
    return n;
  }

  std::atomic<std::size_t> registrations{0};
  std::atomic<std::size_t> wakes{0};

 private:
  std::shared_ptr<BuddyNotifyWaiters> inner_;
};

struct Got {
  std::atomic<bool> done{false};
  std::error_code error;
  std::size_t capacity = 0;
  std::thread::id on;
  std::optional<Buffer> kept;
};

// Waits for `len` bytes; records the outcome and the thread it resumed on; keeps the Buffer if
// asked (otherwise it goes back to the arena when the coroutine ends).
Task wait_for_block(BuddyArena arena, std::size_t len, Got& got, bool keep = false) {
  arena::Result<Buffer> r = co_await arena.allocate_async(len);
  got.on = std::this_thread::get_id();
  if (r) {
    got.capacity = r->capacity();
    if (keep) got.kept.emplace(std::move(r).value());
  } else {
    got.error = r.error();
  }
  got.done.store(true, std::memory_order_release);
}

BuddyArena exact(std::size_t total, std::size_t min, std::shared_ptr<BuddyWaiter> waiter = nullptr) {
  BuddyArena::Builder builder = BuddyArena::builder(take(BuddyGeometry::exact(total, min)));
  if (waiter) builder.waiter(std::move(waiter));
  return build(builder);
}

// Caller memory whose Dealloc records that it ran: proves that no wait frame still holds the arena.
struct Region {
  std::vector<std::byte> bytes = std::vector<std::byte>(4096);
  std::shared_ptr<std::atomic<bool>> freed = std::make_shared<std::atomic<bool>>(false);
  Dealloc dealloc() {
    return Dealloc([f = freed](void*, std::size_t) { f->store(true); });
  }
};

std::vector<Buffer> fill(BuddyArena& arena, std::size_t len) {
  std::vector<Buffer> held;
  for (;;) {
    auto r = arena.allocate(len);
    if (!r) break;
    held.push_back(std::move(r).value());
  }
  return held;
}

}  // namespace

TEST_SUITE("arena::BuddyArena allocate_wait") {
  TEST_CASE("buddy allocate_wait: a free block comes back at once, without counting a wait") {
    BuddyArena arena = exact(4096, 512);
    const auto t0 = Clock::now();
    Buffer b = take(arena.allocate_wait(700, t0 + 10s));
    CHECK(Clock::now() - t0 < 1s);
    CHECK(b.capacity() == 1024u);
    CHECK(arena.metrics().waits == 0u);
  }

  TEST_CASE("buddy allocate_wait: full: timed_out, not before the deadline, nothing stays registered") {
    auto waiter = std::make_shared<BuddyNotifyWaiters>(4);
    BuddyArena arena = exact(4096, 512, waiter);
    Buffer held = take(arena.allocate(2048));
    const auto deadline = Clock::now() + 50ms;
    auto r = arena.allocate_wait(4096, deadline);
    CHECK(Clock::now() >= deadline);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == Errc::timed_out);
    CHECK(waiter->pending(3) == 0u);
    const auto m = arena.metrics();
    CHECK(m.waits == 1u);
    CHECK(m.wait_timeouts == 1u);
    CHECK(m.allocations_failed == 1u);
  }

  TEST_CASE("buddy allocate_wait: a deadline in the past: timed_out without blocking") {
    BuddyArena arena = exact(4096, 512);
    Buffer held = take(arena.allocate(4096));
    const auto t0 = Clock::now();
    auto r = arena.allocate_wait(512, t0 - 1s);
    CHECK(Clock::now() - t0 < 1s);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == Errc::timed_out);
  }

  TEST_CASE("buddy allocate_wait: a block released by another thread before the deadline is handed over") {
    BuddyArena arena = exact(4096, 512);
    Buffer a = take(arena.allocate(2048));
    Buffer b = take(arena.allocate(2048));
    std::thread releaser([x = std::move(a), y = std::move(b)]() mutable {
      std::this_thread::sleep_for(30ms);
      x = Buffer();  // one half: not enough for 4096
      std::this_thread::sleep_for(10ms);
      y = Buffer();  // coalesced: 4096 free
    });
    const auto t0 = Clock::now();
    auto r = arena.allocate_wait(4096, t0 + 10s);
    const auto waited = Clock::now() - t0;
    releaser.join();
    REQUIRE(r.has_value());
    CHECK(r.value().capacity() == 4096u);
    CHECK(waited < 10s);
    const auto m = arena.metrics();
    CHECK(m.waits == 1u);
    CHECK(m.wait_timeouts == 0u);
    CHECK(m.allocations_failed == 1u);  // not one per retry
  }

  TEST_CASE("buddy allocate_wait: request_too_large and invalid_argument at once, whatever the deadline (H-2)") {
    BuddyArena arena = exact(4096, 512);
    Buffer held = take(arena.allocate(4096));  // full, so a wait would block
    const auto t0 = Clock::now();
    auto big = arena.allocate_wait(8192, t0 + 10s);
    auto zero = arena.allocate_wait(0, t0 + 10s);
    CHECK(Clock::now() - t0 < 1s);
    REQUIRE_FALSE(big.has_value());
    CHECK(big.error() == Errc::request_too_large);
    REQUIRE_FALSE(zero.has_value());
    CHECK(zero.error() == Errc::invalid_argument);
    CHECK(arena.metrics().waits == 0u);
  }

  TEST_CASE("buddy allocate_wait: retries after spurious wakes are not counted as failures (L-7)") {
    auto counting = std::make_shared<CountingBuddyWaiter>(4);
    BuddyArena arena = exact(4096, 512, counting);
    Buffer held = take(arena.allocate(4096));
    std::atomic<bool> helper_ok{true};
    std::thread helper([&, b = std::move(held)]() mutable {
      for (int i = 0; i < 5; ++i) {
        if (!eventually([&] { return counting->inner().pending(0) == 1; })) helper_ok = false;
        counting->wake(3);
      }
      if (!eventually([&] { return counting->inner().pending(0) == 1; })) helper_ok = false;
      b = Buffer();
    });
    auto r = arena.allocate_wait(512, Clock::now() + 10s);
    helper.join();
    CHECK(helper_ok.load());
    REQUIRE(r.has_value());
    CHECK(counting->registrations.load() >= 6u);
    const auto m = arena.metrics();
    CHECK(m.allocations_failed == 1u);
    CHECK(m.waits == 1u);
    CHECK(m.wait_timeouts == 0u);
    CHECK(counting->pending_total() == 0u);
  }
}

TEST_SUITE("arena::BuddyArena allocate_async") {
  TEST_CASE("buddy allocate_async: waits, then succeeds when a block is released (resumed inside that release)") {
    auto counting = std::make_shared<CountingBuddyWaiter>(4);
    BuddyArena arena = exact(4096, 512, counting);
    Buffer held = take(arena.allocate(2048));
    Buffer other = take(arena.allocate(2048));
    Got got;
    Task task = wait_for_block(arena, 2048, got);
    CHECK_FALSE(task.finished());
    CHECK(counting->inner().pending(2) == 1u);
    held = Buffer();
    CHECK(task.finished());
    CHECK(got.capacity == 2048u);
    CHECK(got.on == std::this_thread::get_id());
    const auto m = arena.metrics();
    CHECK(m.waits == 1u);
    CHECK(m.allocations_failed == 1u);
  }

  TEST_CASE("buddy allocate_async: a free block is taken without suspending, the sync path still fails fast") {
    BuddyArena arena = exact(4096, 512);
    Got got;
    Task task = wait_for_block(arena, 4096, got, true);
    CHECK(task.finished());
    CHECK(got.capacity == 4096u);
    Got second;
    Task waiting = wait_for_block(arena, 512, second);
    const auto t0 = Clock::now();
    auto r = arena.allocate(512);
    CHECK(Clock::now() - t0 < 1s);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == Errc::arena_full);
    CHECK_FALSE(waiting.finished());
  }

  TEST_CASE("buddy allocate_async: H-2: an oversized request fails fast with request_too_large (within 1 s)") {
    BuddyArena arena = exact(4096, 512);
    Buffer held = take(arena.allocate(4096));
    const auto t0 = Clock::now();
    Got got;
    Task task = wait_for_block(arena, 8192, got);
    CHECK(task.wait_finished(1000ms));
    CHECK(Clock::now() - t0 < 1s);
    CHECK(got.error == Errc::request_too_large);
    CHECK(got.on == std::this_thread::get_id());  // never suspended
    const auto m = arena.metrics();
    CHECK(m.waits == 0u);
    CHECK(m.allocations_failed == 1u);  // counted through the sync path [R-ASY-1]
  }

  TEST_CASE("buddy allocate_async: multiple waiters all served (two 2048 waiters, two releases)") {
    BuddyArena arena = exact(4096, 512);
    Buffer b1 = take(arena.allocate(2048));
    Buffer b2 = take(arena.allocate(2048));
    Got g1, g2;
    Task t1 = wait_for_block(arena, 2048, g1, true);
    Task t2 = wait_for_block(arena, 2048, g2, true);
    b1 = Buffer();
    b2 = Buffer();
    REQUIRE(t1.finished());
    REQUIRE(t2.finished());
    CHECK(g1.capacity == 2048u);
    CHECK(g2.capacity == 2048u);
  }

  TEST_CASE("buddy allocate_async: H-6: the large waiter is not starved by a small one") {
    auto counting = std::make_shared<CountingBuddyWaiter>(4);
    BuddyArena arena = exact(4096, 512, counting);
    Buffer b1 = take(arena.allocate(2048));
    Buffer b2 = take(arena.allocate(2048));
    Got large, small;
    Task tl = wait_for_block(arena, 4096, large, true);
    Task ts = wait_for_block(arena, 512, small, true);
    b1 = Buffer();  // freed order 2: serves the small waiter (it splits that half)
    REQUIRE(ts.finished());
    CHECK(small.capacity == 512u);
    CHECK_FALSE(tl.finished());
    b2 = Buffer();  // freed order 2 again (its buddy is split): still nothing for 4096
    CHECK_FALSE(tl.finished());
    small.kept.reset();  // the rest comes back: 4096 coalesces
    REQUIRE(tl.finished());
    CHECK(large.capacity == 4096u);
    CHECK(counting->pending_total() == 0u);
  }

  TEST_CASE("buddy allocate_async: a large request unblocks only after the coalesce") {
    auto waiter = std::make_shared<BuddyNotifyWaiters>(4);
    BuddyArena arena = exact(4096, 512, waiter);
    Buffer b1 = take(arena.allocate(2048));
    Buffer b2 = take(arena.allocate(2048));
    Got got;
    Task task = wait_for_block(arena, 4096, got);
    CHECK(waiter->pending(3) == 1u);
    b1 = Buffer();  // one 2048 free: must NOT wake an order-3 waiter
    CHECK_FALSE(task.finished());
    CHECK(waiter->pending(3) == 1u);
    CHECK(waiter->queued(3) == 1u);
    b2 = Buffer();  // both: coalesced to 4096, wakes it
    REQUIRE(task.finished());
    CHECK(got.capacity == 4096u);
    CHECK(waiter->pending(3) == 0u);
  }

  TEST_CASE("buddy allocate_async: cancellation leaves nothing registered and leaks nothing") {
    Region region;
    auto waiter = std::make_shared<BuddyNotifyWaiters>(4);
    {
      BuddyArena arena = build(
          BuddyArena::from_raw(region.bytes.data(), region.bytes.size(), BuddyHint::min_alloc(512), region.dealloc())
              .waiter(waiter));
      REQUIRE(arena.total_size() == 4096u);
      Buffer held = take(arena.allocate(4096));
      Got got;
      Task task = wait_for_block(arena, 512, got);
      CHECK(waiter->pending(0) == 1u);
      task.cancel();
      CHECK(waiter->pending(0) == 0u);
      held = Buffer();
      Buffer whole = take(arena.allocate(4096));
      CHECK(arena.metrics().waits == 1u);
    }
    CHECK(region.freed->load());
  }

  TEST_CASE("buddy allocate_async: custom BuddyWaiter: a counting wrapper sees registrations and >= 1 wake") {
    auto counting = std::make_shared<CountingBuddyWaiter>(4);
    BuddyArena arena = exact(4096, 512, counting);
    Buffer held = take(arena.allocate(2048));
    Buffer other = take(arena.allocate(2048));
    const std::size_t baseline = counting->registrations.load();
    Got got;
    Task task = wait_for_block(arena, 2048, got);
    CHECK(counting->registrations.load() > baseline);
    held = Buffer();
    REQUIRE(task.finished());
    CHECK(got.capacity == 2048u);
    CHECK(counting->wakes.load() >= 1u);
  }

  TEST_CASE("buddy allocate_async: one freed 4096 serves a 2048 and a 512 waiter via split") {
    BuddyArena arena = exact(4096, 512);
    Buffer held = take(arena.allocate(4096));
    Got g2048, g512;
    Task t1 = wait_for_block(arena, 2048, g2048, true);
    Task t2 = wait_for_block(arena, 512, g512, true);
    held = Buffer();
    REQUIRE(t1.finished());
    REQUIRE(t2.finished());
    CHECK(g2048.capacity == 2048u);
    CHECK(g512.capacity == 512u);
  }

  TEST_CASE("buddy allocate_async: one freed block serves every same-order waiter it can hold") {
    // One release of 4096 frees room for eight 512 blocks; two 512 waiters both fit. The wake
    // serves one waiter per order [R-ASY-7]; nothing must leave the second asleep beside 3584 free
    // bytes ("a slot freed between the failed attempt and the wait is never missed", wait.hpp).
    auto waiter = std::make_shared<BuddyNotifyWaiters>(4);
    BuddyArena arena = exact(4096, 512, waiter);
    Buffer held = take(arena.allocate(4096));
    Got g1, g2;
    Task t1 = wait_for_block(arena, 512, g1, true);
    Task t2 = wait_for_block(arena, 512, g2, true);
    held = Buffer();
    CHECK(t1.finished());
    CHECK(t2.finished());
    INFO("free bytes: " << arena.metrics().bytes_free << ", waiters still registered: " << waiter->pending(0));
    CHECK(waiter->pending(0) == 0u);
  }

  TEST_CASE("buddy allocate_async: cancel/wake interleaving: 20 rounds of 4 waiters, 2 cancelled, 2 served") {
    auto waiter = std::make_shared<BuddyNotifyWaiters>(5);
    BuddyArena arena = exact(8192, 512, waiter);
    for (int round = 0; round < 20; ++round) {
      CAPTURE(round);
      std::vector<Buffer> held = fill(arena, 512);
      REQUIRE(held.size() == 16u);
      std::vector<Got> gots(4);
      std::vector<Task> tasks;
      for (Got& g : gots) tasks.push_back(wait_for_block(arena, 512, g, true));
      CHECK(waiter->pending(0) == 4u);
      tasks[0].cancel();
      tasks[1].cancel();
      CHECK(waiter->pending(0) == 2u);
      held.pop_back();
      held.pop_back();
      CHECK(tasks[2].finished());
      CHECK(tasks[3].finished());
      CHECK(waiter->pending(0) == 0u);
      // Tombstones (the cancelled entries, and the last registration of each served wait, revoked
      // after its successful retry) are popped by later wakes: they must not pile up across rounds.
      CHECK(waiter->queued(0) <= 2u);
      CHECK(gots[2].capacity == 512u);
      CHECK(gots[3].capacity == 512u);
      CHECK_FALSE(gots[0].done.load());
      CHECK_FALSE(gots[1].done.load());
    }
    Buffer whole = take(arena.allocate(8192));
    const auto m = arena.metrics();
    CHECK(m.waits == 80u);
    CHECK(m.allocations_ok - m.frees == 1u);
  }

  TEST_CASE("buddy allocate_async: teardown: arena handle dropped under live waiters, then they are cancelled") {
    auto counting = std::make_shared<CountingBuddyWaiter>(4);
    for (int round = 0; round < 20; ++round) {
      CAPTURE(round);
      Region region;
      std::vector<Got> gots(4);
      std::vector<Task> tasks;
      std::optional<Buffer> held;
      {
        BuddyArena arena = build(
            BuddyArena::from_raw(region.bytes.data(), region.bytes.size(), BuddyHint::min_alloc(512), region.dealloc())
                .waiter(counting));
        held.emplace(take(arena.allocate(4096)));
        for (Got& g : gots) tasks.push_back(wait_for_block(arena, 512, g, true));
      }
      CHECK(counting->inner().pending(0) == 4u);
      held.reset();  // some waiters may be served now; the others stay registered
      for (Task& t : tasks) t.cancel();
      CHECK(counting->pending_total() == 0u);
      std::size_t served = 0;
      for (const Got& g : gots) served += g.kept.has_value() ? 1u : 0u;
      CHECK(served >= 1u);
      CHECK_FALSE(region.freed->load());  // the served waiters' Buffers still hold the arena
      for (Got& g : gots) g.kept.reset();
      CHECK(region.freed->load());
    }
  }

  TEST_CASE("buddy allocate_async: a waiter behind 8 cancelled ones is served by one release (H-1 budget)") {
    // Each cancelled wait leaves a tombstone at its order; the pop budget (8) of one wake is spent on
    // them. The waiting coroutine must still get the freed block.
    auto waiter = std::make_shared<BuddyNotifyWaiters>(4);
    BuddyArena arena = exact(4096, 512, waiter);
    std::vector<Buffer> held = fill(arena, 512);
    REQUIRE(held.size() == 8u);
    std::vector<Got> gone(8);
    std::vector<Task> cancelled;
    for (Got& g : gone) cancelled.push_back(wait_for_block(arena, 512, g));
    for (Task& t : cancelled) t.cancel();
    Got got;
    Task live = wait_for_block(arena, 512, got, true);
    CHECK(waiter->pending(0) == 1u);
    held.pop_back();  // one 512 block free
    INFO("queued at order 0 after the release: " << waiter->queued(0));
    CHECK(live.finished());
    held.pop_back();  // a second release certainly delivers it (H-1: it was not dropped)
    CHECK(live.finished());
    CHECK(waiter->pending(0) == 0u);
  }

  TEST_CASE("buddy allocate_async: a waiter behind 8 timed-out waits is served by one release (H-1 budget)") {
    // Same stranding without any cancellation: each timeout leaves a tombstone, and wakes skip the
    // queues while nobody waits, so 8 timeouts put 8 tombstones ahead of the next waiter.
    auto waiter = std::make_shared<BuddyNotifyWaiters>(4);
    BuddyArena arena = exact(4096, 512, waiter);
    std::vector<Buffer> held = fill(arena, 512);
    REQUIRE(held.size() == 8u);
    for (int i = 0; i < 8; ++i) CHECK(arena.allocate_wait(512, Clock::now() + 1ms).error() == Errc::timed_out);
    CHECK(waiter->pending(0) == 0u);
    Got got;
    Task live = wait_for_block(arena, 512, got, true);
    held.pop_back();  // one 512 block free, one waiter: it must get it
    INFO("queued at order 0 after the release: " << waiter->queued(0) << ", free bytes " << arena.metrics().bytes_free);
    CHECK(live.finished());
    held.pop_back();
    CHECK(live.finished());
  }

  TEST_CASE("buddy allocate_async: fairness: 4096 not starved by 16 small frees one at a time (within 5 s)") {
    BuddyArena arena = exact(8192, 512);
    std::vector<Buffer> held = fill(arena, 512);
    REQUIRE(held.size() == 16u);
    const auto t0 = Clock::now();
    Got large, small;
    Task tl = wait_for_block(arena, 4096, large, true);
    Task ts = wait_for_block(arena, 512, small, true);
    for (Buffer& b : held) b = Buffer();  // lowest block first, one at a time
    CHECK(ts.finished());
    CHECK(small.capacity == 512u);
    small.kept.reset();
    REQUIRE(tl.wait_finished(5000ms));
    CHECK(Clock::now() - t0 < 5s);
    CHECK(large.capacity == 4096u);
  }

  TEST_CASE("buddy allocate_async: mixed sizes: 10 alternating 2048/512 rounds, each waiter served, no deadlock") {
    BuddyArena arena = exact(8192, 512);
    for (int round = 0; round < 10; ++round) {
      CAPTURE(round);
      const std::size_t size = round % 2 == 0 ? 2048 : 512;
      std::vector<Buffer> held = fill(arena, size);
      REQUIRE(held.size() == 8192 / size);
      Got got;
      Task task = wait_for_block(arena, size, got);
      CHECK_FALSE(task.finished());
      held.pop_back();
      REQUIRE(task.wait_finished(2000ms));
      CHECK(got.capacity == size);
    }
    Buffer whole = take(arena.allocate(8192));
  }

  TEST_CASE("buddy allocate_async: L-5: a waiter keeps its age across retries and stays ahead of younger ones") {
    auto counting = std::make_shared<CountingBuddyWaiter>(4);
    BuddyArena arena = exact(4096, 512, counting);
    std::vector<Buffer> held = fill(arena, 512);
    Got old_got, young_got;
    Task old_task = wait_for_block(arena, 512, old_got, true);
    std::this_thread::sleep_for(2ms);
    Task young_task = wait_for_block(arena, 512, young_got, true);
    counting->wake(0);  // spurious: the old one retries, fails and registers again
    CHECK(counting->registrations.load() == 3u);
    CHECK_FALSE(old_task.finished());
    held.pop_back();  // one block: the old waiter first
    CHECK(old_task.finished());
    CHECK_FALSE(young_task.finished());
    held.pop_back();
    CHECK(young_task.finished());
  }

  TEST_CASE("buddy allocate_async: L-4 closed: a woken coroutine cancelled before its retry passes the wake on") {
    ManualExecutor exec;
    auto inner = std::make_shared<BuddyNotifyWaiters>(4);
    BuddyArena arena = exact(4096, 512, std::make_shared<PostingWaiter>(nullptr, inner, exec));
    Buffer held = take(arena.allocate(4096));
    Got ga, gb;
    Task a = wait_for_block(arena, 2048, ga);
    Task b = wait_for_block(arena, 2048, gb, true);
    held = Buffer();  // wakes A only (one per order): queued, not yet retried
    CHECK(exec.size() == 1u);
    a.cancel();
    exec.run();  // A ends and forwards: B gets a block
    CHECK(b.finished());
    CHECK(gb.capacity == 2048u);
    CHECK(inner->pending(2) == 0u);
  }

  TEST_CASE("buddy allocate_async: Bytes released on another thread: the coroutine resumes on that thread") {
    // By default the releasing thread resumes the coroutine, inside the release (arena/wait.hpp).
    BuddyArena arena = exact(4096, 512);
    Buffer held = take(arena.allocate(4096));
    held.put("payload");
    Bytes frozen = std::move(held).freeze();
    Got got;
    Task task = wait_for_block(arena, 1024, got);
    REQUIRE_FALSE(task.finished());
    std::thread::id releaser_id;
    std::thread releaser([&, b = std::move(frozen)]() mutable {
      releaser_id = std::this_thread::get_id();
      b = Bytes();
    });
    releaser.join();
    REQUIRE(task.finished());
    CHECK(got.capacity == 1024u);
    CHECK(got.on == releaser_id);
  }

  TEST_CASE("buddy allocate_async: executor hop: with a posting waiter it resumes where the executor runs") {
    ManualExecutor exec;
    BuddyArena arena =
        exact(4096, 512, std::make_shared<PostingWaiter>(nullptr, std::make_shared<BuddyNotifyWaiters>(4), exec));
    Buffer held = take(arena.allocate(4096));
    Got got;
    Task task = wait_for_block(arena, 512, got);
    std::thread releaser([b = std::move(held)]() mutable { b = Buffer(); });
    releaser.join();
    CHECK_FALSE(task.finished());
    CHECK(exec.run() == 1u);
    REQUIRE(task.finished());
    CHECK(got.on == std::this_thread::get_id());
  }

  TEST_CASE("buddy allocate_async: metrics: a wait is counted once, its retries are not failures (L-7)") {
    auto counting = std::make_shared<CountingBuddyWaiter>(4);
    BuddyArena arena = exact(4096, 512, counting);
    Buffer held = take(arena.allocate(4096));
    Got got;
    Task task = wait_for_block(arena, 1024, got);
    for (int i = 0; i < 5; ++i) {
      REQUIRE(counting->inner().pending(1) == 1u);
      counting->wake(3);
      CHECK_FALSE(task.finished());
    }
    CHECK(counting->registrations.load() == 6u);
    held = Buffer();
    REQUIRE(task.finished());
    const auto m = arena.metrics();
    CHECK(m.waits == 1u);
    CHECK(m.wait_timeouts == 0u);
    CHECK(m.allocations_failed == 1u);
    CHECK(m.allocations_ok == 2u);
    CHECK(m.frees == 2u);
  }
}
