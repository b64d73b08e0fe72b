// Tests of waiting for a slot on FixedArena: allocate_wait(deadline) (blocking, Errc::timed_out)
// and allocate_async() (a C++20 awaitable), ported from the original crate's async tests
// [R-ASY-1..5, H-5] plus what the C++ adds: deadlines, cancellation by destroying the coroutine,
// custom and executor-hopping Waiters, the thread a coroutine resumes on, and the wait metrics
// (waits, wait_timeouts, retries not counted as failures: L-7). Every wait is bounded.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "arena/arena.hpp"
#include "arena/wait.hpp"
#include "coro.hpp"
#include "test_support.hpp"

using arena::Buffer;
using arena::Bytes;
using arena::Dealloc;
using arena::Errc;
using arena::FixedArena;
using arena::NotifyWaiters;
using arena::Registration;
using arena::SlotSpec;
using arena::Waiter;
using arena::test::build;
using arena::test::eventually;
using arena::test::ManualExecutor;
using arena::test::PostingWaiter;
using arena::test::take;
using arena::test::Task;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

// Counts registrations and wakes, delegating to a NotifyWaiters (its registrations are returned
// as they are, so withdraw() keeps working).
class CountingWaiter final : public Waiter {
 public:
  explicit CountingWaiter(std::shared_ptr<NotifyWaiters> inner) : inner_(std::move(inner)) {}
  std::unique_ptr<Registration> make_registration() override {
    registrations.fetch_add(1, std::memory_order_relaxed);
    return inner_->make_registration();
  }
  void wake() noexcept override {
    wakes.fetch_add(1, std::memory_order_relaxed);
    inner_->wake();
  }
  NotifyWaiters& inner() { return *inner_; }

  std::atomic<std::size_t> registrations{0};
  std::atomic<std::size_t> wakes{0};

 private:
  std::shared_ptr<NotifyWaiters> inner_;
};

struct Got {
  std::atomic<bool> done{false};
  std::size_t capacity = 0;
  std::thread::id on;
  std::optional<Buffer> kept;
};

// Waits for a slot; records its capacity and the thread it resumed on; keeps the Buffer if asked
// (otherwise it goes back to the arena when the coroutine ends).
Task wait_for_slot(FixedArena arena, Got& got, bool keep = false) {
  Buffer b = co_await arena.allocate_async();
  got.capacity = b.capacity();
  got.on = std::this_thread::get_id();
  if (keep) got.kept.emplace(std::move(b));
  got.done.store(true, std::memory_order_release);
}

FixedArena one_slot(std::shared_ptr<Waiter> waiter = nullptr) {
  FixedArena::Builder builder = FixedArena::with_slot_capacity(1, 32);
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

}  // namespace

TEST_SUITE("arena::FixedArena allocate_wait") {
  TEST_CASE("fixed allocate_wait: a free slot comes back at once, without counting a wait") {
    FixedArena arena = build(FixedArena::with_slot_capacity(2, 32));
    const auto t0 = Clock::now();
    Buffer b = take(arena.allocate_wait(t0 + 10s));
    CHECK(Clock::now() - t0 < 1s);
    CHECK(b.capacity() == 32u);
    const auto m = arena.metrics();
    CHECK(m.waits == 0u);
    CHECK(m.allocations_failed == 0u);
    CHECK(m.allocations_ok == 1u);
  }

  TEST_CASE("fixed allocate_wait: full: timed_out, not before the deadline, nothing stays registered") {
    auto waiter = std::make_shared<NotifyWaiters>();
    FixedArena arena = one_slot(waiter);
    Buffer held = take(arena.allocate());
    const auto deadline = Clock::now() + 50ms;
    auto r = arena.allocate_wait(deadline);
    CHECK(Clock::now() >= deadline);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == Errc::timed_out);
    CHECK(waiter->pending() == 0u);
    const auto m = arena.metrics();
    CHECK(m.waits == 1u);
    CHECK(m.wait_timeouts == 1u);
    CHECK(m.allocations_failed == 1u);  // the first attempt only
    CHECK(m.allocations_ok == 1u);
  }

  TEST_CASE("fixed allocate_wait: a deadline in the past: timed_out without blocking") {
    FixedArena arena = one_slot();
    Buffer held = take(arena.allocate());
    const auto t0 = Clock::now();
    auto r = arena.allocate_wait(t0 - 1s);
    CHECK(Clock::now() - t0 < 1s);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == Errc::timed_out);
  }

  TEST_CASE("fixed allocate_wait: a slot released by another thread before the deadline is handed over") {
    FixedArena arena = one_slot();
    Buffer held = take(arena.allocate());
    held.put("first");
    Bytes frozen = std::move(held).freeze();
    std::thread releaser([b = std::move(frozen)]() mutable {
      std::this_thread::sleep_for(30ms);
      b = Bytes();  // the last reference: the slot goes back and wakes the waiter
    });
    const auto t0 = Clock::now();
    auto r = arena.allocate_wait(t0 + 10s);
    const auto waited = Clock::now() - t0;
    releaser.join();
    REQUIRE(r.has_value());
    CHECK(r.value().capacity() == 32u);
    CHECK(waited < 10s);
    const auto m = arena.metrics();
    CHECK(m.waits == 1u);
    CHECK(m.wait_timeouts == 0u);
    CHECK(m.allocations_failed == 1u);
    CHECK(m.allocations_ok == 2u);
    CHECK(m.frees == 1u);
  }

  TEST_CASE("fixed allocate_wait: retries after spurious wakes are not counted as failures (L-7)") {
    auto counting = std::make_shared<CountingWaiter>(std::make_shared<NotifyWaiters>());
    FixedArena arena = one_slot(counting);
    Buffer held = take(arena.allocate());
    std::atomic<bool> helper_ok{true};
    std::thread helper([&, b = std::move(held)]() mutable {
      for (int i = 0; i < 5; ++i) {  // the arena stays full: each wake makes the waiter retry and fail
        if (!eventually([&] { return counting->inner().pending() == 1; })) helper_ok = false;
        counting->wake();
      }
      if (!eventually([&] { return counting->inner().pending() == 1; })) helper_ok = false;
      b = Buffer();
    });
    auto r = arena.allocate_wait(Clock::now() + 10s);
    helper.join();
    CHECK(helper_ok.load());
    REQUIRE(r.has_value());
    CHECK(counting->registrations.load() >= 6u);  // one per attempt: 5 spurious wakes + the real one
    const auto m = arena.metrics();
    CHECK(m.allocations_failed == 1u);
    CHECK(m.waits == 1u);
    CHECK(m.wait_timeouts == 0u);
    CHECK(counting->inner().pending() == 0u);
  }

  TEST_CASE("fixed allocate_wait: waits and timeouts are counted per call") {
    FixedArena arena = one_slot();
    {
      Buffer held = take(arena.allocate());
      CHECK(arena.allocate_wait(Clock::now() + 5ms).error() == Errc::timed_out);
      CHECK(arena.allocate_wait(Clock::now() + 5ms).error() == Errc::timed_out);
    }
    Buffer b = take(arena.allocate_wait(Clock::now() + 10s));  // free: no wait
    const auto m = arena.metrics();
    CHECK(m.waits == 2u);
    CHECK(m.wait_timeouts == 2u);
    CHECK(m.allocations_failed == 2u);
    CHECK(m.allocations_ok == 2u);
  }
}

TEST_SUITE("arena::FixedArena allocate_async") {
  TEST_CASE("fixed allocate_async: basic: a free slot is taken without suspending") {
    FixedArena arena = one_slot();
    Got got;
    Task task = wait_for_slot(arena, got, true);
    CHECK(task.finished());
    CHECK(got.capacity == 32u);
    REQUIRE(got.kept.has_value());
    got.kept->put("data");
    Bytes bytes = std::move(*got.kept).freeze();
    got.kept.reset();
    CHECK(arena.metrics().waits == 0u);
    bytes = Bytes();
    Got again;
    Task second = wait_for_slot(arena, again);
    CHECK(second.finished());
  }

  TEST_CASE("fixed allocate_async: waits, then succeeds when the Buffer is dropped: resumed inside that release") {
    auto waiter = std::make_shared<NotifyWaiters>();
    FixedArena arena = one_slot(waiter);
    Buffer held = take(arena.allocate());
    Got got;
    Task task = wait_for_slot(arena, got);
    CHECK_FALSE(task.finished());
    CHECK(waiter->pending() == 1u);
    held = Buffer();  // this thread releases, so this thread resumes the coroutine, before returning here
    CHECK(task.finished());
    CHECK(got.capacity == 32u);
    CHECK(got.on == std::this_thread::get_id());
    CHECK(waiter->pending() == 0u);
    const auto m = arena.metrics();
    CHECK(m.waits == 1u);
    CHECK(m.wait_timeouts == 0u);
    CHECK(m.allocations_failed == 1u);
    CHECK(m.allocations_ok == 2u);
  }

  TEST_CASE("fixed allocate_async: sync allocate still fails fast while a coroutine waits") {
    FixedArena arena = one_slot();
    Buffer held = take(arena.allocate());
    Got got;
    Task task = wait_for_slot(arena, got);
    const auto t0 = Clock::now();
    auto r = arena.allocate();
    CHECK(Clock::now() - t0 < 1s);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == Errc::arena_full);
    CHECK_FALSE(task.finished());
  }

  TEST_CASE("fixed allocate_async: multiple waiters all served (2 slots, 2 waiters)") {
    FixedArena arena = build(FixedArena::with_slot_capacity(2, 32));
    Buffer b1 = take(arena.allocate());
    Buffer b2 = take(arena.allocate());
    Got g1, g2;
    Task t1 = wait_for_slot(arena, g1, true);
    Task t2 = wait_for_slot(arena, g2, true);
    CHECK_FALSE(t1.finished());
    CHECK_FALSE(t2.finished());
    b1 = Buffer();
    CHECK(t1.finished());  // FIFO: the first waiter first
    CHECK_FALSE(t2.finished());
    b2 = Buffer();
    CHECK(t2.finished());
    CHECK(g1.capacity == 32u);
    CHECK(g2.capacity == 32u);
    CHECK(arena.metrics().slots_live == 2u);
  }

  TEST_CASE("fixed allocate_async: cancelling (destroying the coroutine) leaves nothing registered, leaks nothing") {
    Region region;
    auto waiter = std::make_shared<NotifyWaiters>();
    {
      FixedArena arena =
          build(FixedArena::from_raw(region.bytes.data(), region.bytes.size(), SlotSpec::count(1), region.dealloc())
                    .waiter(waiter));
      Buffer held = take(arena.allocate());
      std::vector<Task> tasks;
      std::vector<Got> gots(8);
      for (Got& g : gots) tasks.push_back(wait_for_slot(arena, g));
      CHECK(waiter->pending() == 8u);
      for (Task& t : tasks) t.cancel();
      CHECK(waiter->pending() == 0u);
      held = Buffer();
      Buffer again = take(arena.allocate());  // the slot is free
      const auto m = arena.metrics();
      CHECK(m.waits == 8u);
      CHECK(m.allocations_ok == 2u);
      CHECK(m.frees == 1u);
      for (const Got& g : gots) CHECK_FALSE(g.done.load());
    }
    CHECK(region.freed->load());  // no cancelled wait kept a handle of the arena
  }

  TEST_CASE("fixed allocate_async: H-5: woken, then cancelled before its retry: the wake goes to the next waiter") {
    // The posting Waiter queues a woken wait on `exec` instead of resuming it, so the test can
    // cancel A between its wake and its retry.
    ManualExecutor exec;
    auto inner = std::make_shared<NotifyWaiters>();
    FixedArena arena = one_slot(std::make_shared<PostingWaiter>(inner, nullptr, exec));
    Buffer held = take(arena.allocate());
    Got ga, gb;
    Task a = wait_for_slot(arena, ga);
    Task b = wait_for_slot(arena, gb, true);
    CHECK(inner->pending() == 2u);
    held = Buffer();  // wakes A (the oldest): queued, not yet retried
    CHECK(exec.size() == 1u);
    CHECK(inner->pending() == 1u);
    a.cancel();  // A consumed the wake and will never use it
    exec.run();  // A's wait ends and forwards the wake: B retries and gets the slot
    CHECK(b.finished());
    CHECK_FALSE(ga.done.load());
    CHECK(gb.capacity == 32u);
    CHECK(inner->pending() == 0u);
  }

  TEST_CASE("fixed allocate_async: H-5: when the cancelled one was the last waiter, no wake is stored") {
    ManualExecutor exec;
    auto inner = std::make_shared<NotifyWaiters>();
    FixedArena arena = one_slot(std::make_shared<PostingWaiter>(inner, nullptr, exec));
    Buffer held = take(arena.allocate());
    Got ga;
    Task a = wait_for_slot(arena, ga);
    held = Buffer();
    CHECK(exec.size() == 1u);
    a.cancel();
    exec.run();  // forwards to nobody
    CHECK(inner->pending() == 0u);
    held = take(arena.allocate());
    Got gc;
    Task c = wait_for_slot(arena, gc);
    CHECK(inner->pending() == 1u);
    CHECK(exec.size() == 0u);  // not woken by a stored wake
    exec.run();
    CHECK_FALSE(c.finished());
    held = Buffer();
    CHECK(exec.run() == 1u);
    CHECK(c.finished());
  }

  TEST_CASE("fixed allocate_async: custom Waiter: a counting wrapper sees the registrations and at least one wake") {
    auto counting = std::make_shared<CountingWaiter>(std::make_shared<NotifyWaiters>());
    FixedArena arena = one_slot(counting);
    Buffer held = take(arena.allocate());
    const std::size_t baseline = counting->registrations.load();
    Got got;
    Task task = wait_for_slot(arena, got);
    CHECK(counting->registrations.load() > baseline);
    held = Buffer();
    REQUIRE(task.finished());
    CHECK(got.capacity == 32u);
    CHECK(counting->wakes.load() >= 1u);
  }

  TEST_CASE("fixed allocate_async: Bytes released on another thread: the coroutine resumes on that thread") {
    // By default the releasing thread resumes the coroutine, inside the release (arena/wait.hpp).
    FixedArena arena = one_slot();
    Buffer held = take(arena.allocate());
    held.put("payload");
    Bytes frozen = std::move(held).freeze();
    Got got;
    Task task = wait_for_slot(arena, got);
    REQUIRE_FALSE(task.finished());
    std::thread::id releaser_id;
    std::thread releaser([&, b = std::move(frozen)]() mutable {
      releaser_id = std::this_thread::get_id();
      b = Bytes();
    });
    releaser.join();
    REQUIRE(task.finished());
    CHECK(got.on == releaser_id);
    CHECK(got.on != std::this_thread::get_id());
  }

  TEST_CASE("fixed allocate_async: executor hop: with a posting Waiter it resumes where the executor runs") {
    ManualExecutor exec;
    auto inner = std::make_shared<NotifyWaiters>();
    FixedArena arena = one_slot(std::make_shared<PostingWaiter>(inner, nullptr, exec));
    Buffer held = take(arena.allocate());
    Got got;
    Task task = wait_for_slot(arena, got);
    std::thread releaser([b = std::move(held)]() mutable { b = Buffer(); });
    releaser.join();
    CHECK_FALSE(task.finished());
    CHECK(exec.size() == 1u);
    exec.run();
    REQUIRE(task.finished());
    CHECK(got.on == std::this_thread::get_id());
  }

  TEST_CASE("fixed allocate_async: teardown: arena handle dropped under live waiters, then they are cancelled") {
    Region region;
    auto waiter = std::make_shared<NotifyWaiters>();
    std::vector<Got> gots(4);
    std::vector<Task> tasks;
    std::optional<Buffer> held;
    {
      FixedArena arena =
          build(FixedArena::from_raw(region.bytes.data(), region.bytes.size(), SlotSpec::count(1), region.dealloc())
                    .waiter(waiter));
      held.emplace(take(arena.allocate()));
      for (Got& g : gots) tasks.push_back(wait_for_slot(arena, g, true));
    }  // the test's handle is gone; the waits hold theirs
    CHECK_FALSE(region.freed->load());
    held.reset();  // serves the first waiter, which keeps the slot
    CHECK(tasks[0].finished());
    for (std::size_t i = 1; i < tasks.size(); ++i) CHECK_FALSE(tasks[i].finished());
    CHECK(waiter->pending() == 3u);
    for (Task& t : tasks) t.cancel();
    CHECK(waiter->pending() == 0u);
    CHECK_FALSE(region.freed->load());  // the kept Buffer still holds the arena
    gots[0].kept.reset();
    CHECK(region.freed->load());
  }

  TEST_CASE("fixed allocate_async: metrics: a wait is counted once, its retries are not failures (L-7)") {
    auto counting = std::make_shared<CountingWaiter>(std::make_shared<NotifyWaiters>());
    FixedArena arena = one_slot(counting);
    Buffer held = take(arena.allocate());
    Got got;
    Task task = wait_for_slot(arena, got);
    for (int i = 0; i < 5; ++i) {
      REQUIRE(counting->inner().pending() == 1u);
      counting->wake();  // resumes the wait here: it retries, fails, registers again
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
    CHECK(m.frees == 2u);  // held, and the coroutine's Buffer when it ended
  }
}
