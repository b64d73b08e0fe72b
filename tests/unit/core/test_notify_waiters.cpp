// Tests of the built-in wake strategies of arena/wait.hpp, driven directly (no arena):
// NotifyWaiters [R-ASY-5, H-5] and BuddyNotifyWaiters [R-ASY-6/7, H-1, L-4, L-5]. Registrations
// are armed, revoked, fired, awaited (wait_until, co_await) and withdrawn by hand; pending() and
// queued() show what stays registered, tombstones included. The arenas' use of them is in
// test_fixed_wait.cpp and test_buddy_wait.cpp.
#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "arena/wait.hpp"
#include "coro.hpp"
#include "death_test.hpp"

using arena::BuddyNotifyWaiters;
using arena::NotifyWaiters;
using arena::Registration;
using arena::test::Detached;
using arena::test::Task;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

// True when `r` has fired (observing it: a wake seen here is consumed, not forwarded).
bool fired(Registration& r) { return r.wait_until(Clock::now()); }
// True when `r` stays unfired for `d` (a live registration stays live).
bool quiet_for(Registration& r, std::chrono::milliseconds d = 30ms) { return !r.wait_until(Clock::now() + d); }

std::unique_ptr<Registration> armed(NotifyWaiters& w) {
  std::unique_ptr<Registration> r = w.make_registration();
  r->prepare();
  return r;
}
std::unique_ptr<Registration> armed(BuddyNotifyWaiters& w, unsigned order, Clock::time_point since) {
  std::unique_ptr<Registration> r = w.make_registration(order, since);
  r->prepare();
  return r;
}

struct Resumed {
  std::atomic<bool> done{false};
  std::thread::id on;
};

Detached await_detached(Registration& r, Resumed& out) {
  co_await r;
  out.on = std::this_thread::get_id();
  out.done.store(true, std::memory_order_release);
}

Task await_task(Registration& r, Resumed& out) {
  co_await r;
  out.on = std::this_thread::get_id();
  out.done.store(true, std::memory_order_release);
}

}  // namespace

TEST_SUITE("arena::NotifyWaiters") {
  TEST_CASE("NotifyWaiters: prepare arms a registration, revoke and destruction withdraw it") {
    NotifyWaiters w;
    CHECK(w.pending() == 0u);
    std::unique_ptr<Registration> a = w.make_registration();
    CHECK(w.pending() == 0u);  // made, not armed
    a->prepare();
    CHECK(w.pending() == 1u);
    std::unique_ptr<Registration> b = armed(w);
    CHECK(w.pending() == 2u);
    a->revoke();
    CHECK(w.pending() == 1u);
    a->revoke();  // twice: harmless
    CHECK(w.pending() == 1u);
    b.reset();
    CHECK(w.pending() == 0u);
    { std::unique_ptr<Registration> never_armed = w.make_registration(); }
    CHECK(w.pending() == 0u);
    // A revoked registration is not fired by a later wake, and the wake is not kept either.
    w.wake();
    std::unique_ptr<Registration> c = armed(w);
    CHECK(quiet_for(*c));
  }

  TEST_CASE("NotifyWaiters: wake fires the oldest armed registration, one per wake") {
    NotifyWaiters w;
    auto a = armed(w);
    auto b = armed(w);
    auto c = armed(w);
    w.wake();
    CHECK(w.pending() == 2u);
    CHECK(fired(*a));
    CHECK_FALSE(fired(*b));
    CHECK_FALSE(fired(*c));
    w.wake();
    CHECK(fired(*b));
    CHECK_FALSE(fired(*c));
    w.wake();
    CHECK(fired(*c));
    CHECK(w.pending() == 0u);
  }

  TEST_CASE("NotifyWaiters: no wake is stored for a future waiter") {
    NotifyWaiters w;
    SUBCASE("wakes with nobody armed") {
      w.wake();
      w.wake();
      auto r = armed(w);
      const auto t0 = Clock::now();
      CHECK_FALSE(r->wait_until(t0 + 30ms));
      CHECK(Clock::now() >= t0 + 30ms);
      CHECK(w.pending() == 1u);
    }
    SUBCASE("the woken registration was the last and ended unobserved (H-5)") {
      auto a = armed(w);
      w.wake();
      a.reset();  // fired, never observed: forwards, but there is nobody to forward to
      CHECK(w.pending() == 0u);
      auto b = armed(w);
      CHECK(quiet_for(*b));
      CHECK(w.pending() == 1u);
      w.wake();  // a real wake still reaches it
      CHECK(fired(*b));
    }
  }

  TEST_CASE("NotifyWaiters: a fired registration that ends without observing the wake forwards it (H-5)") {
    NotifyWaiters w;
    SUBCASE("destroyed") {
      auto a = armed(w);
      auto b = armed(w);
      w.wake();
      a.reset();
      CHECK(fired(*b));
      CHECK(w.pending() == 0u);
    }
    SUBCASE("revoked after an immediate success") {
      auto a = armed(w);
      auto b = armed(w);
      w.wake();
      a->revoke();
      CHECK(fired(*b));
    }
    SUBCASE("timed out, then fired before it was destroyed") {
      auto a = armed(w);
      auto b = armed(w);
      CHECK_FALSE(a->wait_until(Clock::now() + 5ms));  // still armed after the timeout
      w.wake();                                        // so a, the oldest, takes this one
      CHECK_FALSE(fired(*b));
      a.reset();
      CHECK(fired(*b));
    }
    SUBCASE("revoked registrations are skipped") {
      auto a = armed(w);
      auto b = armed(w);
      auto c = armed(w);
      w.wake();
      b->revoke();
      a.reset();
      CHECK(fired(*c));
    }
    SUBCASE("an observed wake is not forwarded") {
      auto a = armed(w);
      auto b = armed(w);
      w.wake();
      CHECK(fired(*a));  // consumed
      a.reset();
      CHECK(quiet_for(*b));
      CHECK(w.pending() == 1u);
    }
  }

  TEST_CASE("NotifyWaiters: wait_until blocks until a wake from another thread, or returns false at the deadline") {
    NotifyWaiters w;
    SUBCASE("deadline: false, not before it") {
      auto r = armed(w);
      const auto deadline = Clock::now() + 40ms;
      CHECK_FALSE(r->wait_until(deadline));
      CHECK(Clock::now() >= deadline);
      CHECK(w.pending() == 1u);  // still armed
    }
    SUBCASE("a deadline in the past does not block") {
      auto r = armed(w);
      const auto t0 = Clock::now();
      CHECK_FALSE(r->wait_until(t0 - 1s));
      CHECK(Clock::now() - t0 < 1s);
    }
    SUBCASE("woken by another thread") {
      auto r = armed(w);
      std::thread waker([&] {
        std::this_thread::sleep_for(20ms);
        w.wake();
      });
      const auto t0 = Clock::now();
      const bool woken = r->wait_until(t0 + 10s);
      waker.join();
      CHECK(woken);
      CHECK(Clock::now() - t0 < 10s);
    }
    SUBCASE("fired before the wait") {
      auto r = armed(w);
      w.wake();
      CHECK(r->wait_until(Clock::now() + 10s));
    }
  }

  TEST_CASE("NotifyWaiters: co_await a registration: resumed by the thread that wakes it") {
    NotifyWaiters w;
    SUBCASE("suspends, then resumes on the waking thread") {
      auto r = armed(w);
      Resumed out;
      await_detached(*r, out);
      CHECK_FALSE(out.done.load());
      std::thread::id waker_id;
      std::thread waker([&] {
        waker_id = std::this_thread::get_id();
        w.wake();  // resumes the coroutine inside this call
      });
      waker.join();
      REQUIRE(out.done.load(std::memory_order_acquire));
      CHECK(out.on == waker_id);
      CHECK(w.pending() == 0u);
      r.reset();  // observed: nothing forwarded
    }
    SUBCASE("already fired: suspend() declines and the coroutine goes on at once") {
      auto r = armed(w);
      w.wake();
      Resumed out;
      await_detached(*r, out);
      CHECK(out.done.load());
      CHECK(out.on == std::this_thread::get_id());
      CHECK_FALSE(r->suspend(std::noop_coroutine()));  // fired: never suspends
    }
  }

  TEST_CASE("NotifyWaiters: withdraw: true while suspended and unfired (never resumed), false once fired") {
    NotifyWaiters w;
    SUBCASE("unfired") {
      auto r = armed(w);
      Resumed out;
      Task task = await_task(*r, out);
      CHECK(r->withdraw());
      CHECK(w.pending() == 0u);
      w.wake();  // nothing armed: the withdrawn coroutine stays suspended
      CHECK_FALSE(out.done.load());
      CHECK_FALSE(task.finished());
      task.cancel();
    }
    SUBCASE("fired") {
      auto r = armed(w);
      Resumed out;
      Task task = await_task(*r, out);
      w.wake();
      CHECK(task.finished());
      CHECK_FALSE(r->withdraw());
    }
  }

  TEST_CASE("NotifyWaiters: registrations outlive the NotifyWaiters that made them") {
    auto w = std::make_unique<NotifyWaiters>();
    auto a = armed(*w);
    auto b = armed(*w);
    w->wake();  // a fired, unobserved
    w.reset();
    a.reset();  // forwards to b through the shared state
    CHECK(fired(*b));
    auto c = std::make_unique<NotifyWaiters>();
    auto d = c->make_registration();
    c.reset();
    d->prepare();
    d->revoke();
  }
}

TEST_SUITE("arena::BuddyNotifyWaiters") {
  TEST_CASE("BuddyNotifyWaiters: registrations per order: pending() counts live entries, queued() tombstones too") {
    BuddyNotifyWaiters w(4);
    const auto t0 = Clock::now();
    std::unique_ptr<Registration> r = w.make_registration(2, t0);
    CHECK(w.pending(2) == 0u);
    CHECK(w.queued(2) == 0u);
    r->prepare();
    CHECK(w.pending(2) == 1u);
    CHECK(w.queued(2) == 1u);
    CHECK(w.pending(1) == 0u);
    r->revoke();
    CHECK(w.pending(2) == 0u);
    CHECK(w.queued(2) == 1u);   // a tombstone [R-ASY-6]
    CHECK(w.pending(4) == 0u);  // past the last order: 0
    CHECK(w.queued(99) == 0u);
    w.wake(2);  // nobody live: returns at once, touching no queue
    CHECK(w.queued(2) == 1u);
    auto s = armed(w, 2, t0 + 1ms);
    CHECK(quiet_for(*s));  // and that wake stored nothing
    CHECK(w.queued(2) == 2u);
    w.wake(2);  // pops the tombstone, then fires s
    CHECK(fired(*s));
    CHECK(w.queued(2) == 0u);
  }

  TEST_CASE("BuddyNotifyWaiters: wake(f) serves orders 0..f only, oldest first, one waiter per order") {
    BuddyNotifyWaiters w(4);
    const auto t0 = Clock::now();
    auto young = armed(w, 1, t0 + 1ms);  // armed first, but younger
    auto old = armed(w, 1, t0);
    auto big = armed(w, 3, t0 - 1s);
    w.wake(2);
    CHECK(fired(*old));
    CHECK_FALSE(fired(*young));
    CHECK_FALSE(fired(*big));  // order 3 > 2
    CHECK(w.pending(1) == 1u);
    CHECK(w.pending(3) == 1u);
    w.wake(2);
    CHECK(fired(*young));
    CHECK_FALSE(fired(*big));
    w.wake(3);
    CHECK(fired(*big));
    for (unsigned k = 0; k < 4; ++k) CHECK(w.pending(k) == 0u);
  }

  TEST_CASE("BuddyNotifyWaiters: one wake serves one waiter in every eligible order (a freed block splits)") {
    BuddyNotifyWaiters w(4);
    const auto t0 = Clock::now();
    std::vector<std::unique_ptr<Registration>> regs;
    for (unsigned k = 0; k < 4; ++k) regs.push_back(armed(w, k, t0));
    SUBCASE("wake(3): all four") {
      w.wake(3);
      for (auto& r : regs) CHECK(fired(*r));
    }
    SUBCASE("wake(1): orders 0 and 1") {
      w.wake(1);
      CHECK(fired(*regs[0]));
      CHECK(fired(*regs[1]));
      CHECK_FALSE(fired(*regs[2]));
      CHECK_FALSE(fired(*regs[3]));
    }
  }

  TEST_CASE("BuddyNotifyWaiters: no wake is stored for a future waiter") {
    BuddyNotifyWaiters w(4);
    w.wake(3);
    w.wake(0);
    auto r = armed(w, 0, Clock::now());
    CHECK(quiet_for(*r));
    CHECK(w.pending(0) == 1u);
  }

  TEST_CASE("BuddyNotifyWaiters: a fired registration that ends unobserved forwards the wake (L-4 closed)") {
    BuddyNotifyWaiters w(4);
    const auto t0 = Clock::now();
    SUBCASE("destroyed") {
      auto a = armed(w, 1, t0);
      auto b = armed(w, 1, t0 + 1ms);
      w.wake(1);
      CHECK(w.pending(1) == 1u);
      a.reset();
      CHECK(fired(*b));
      CHECK(w.pending(1) == 0u);
    }
    SUBCASE("revoked") {
      auto a = armed(w, 1, t0);
      auto b = armed(w, 1, t0 + 1ms);
      w.wake(1);
      a->revoke();
      CHECK(fired(*b));
    }
    SUBCASE("timed out, then fired before it was destroyed") {
      auto a = armed(w, 1, t0);
      auto b = armed(w, 1, t0 + 1ms);
      CHECK_FALSE(a->wait_until(Clock::now() + 5ms));
      w.wake(1);
      CHECK_FALSE(fired(*b));
      a.reset();
      CHECK(fired(*b));
    }
    SUBCASE("the forwarded wake keeps the freed order") {
      auto a = armed(w, 1, t0);
      w.wake(3);                       // a fired by a freed order-3 block
      auto b = armed(w, 3, t0 + 1ms);  // armed after that wake
      a.reset();                       // forwards wake(3), not wake(1)
      CHECK(fired(*b));
    }
    SUBCASE("observed: not forwarded") {
      auto a = armed(w, 1, t0);
      auto b = armed(w, 1, t0 + 1ms);
      w.wake(1);
      CHECK(fired(*a));
      a.reset();
      CHECK(quiet_for(*b));
    }
    SUBCASE("the last one: nothing stored") {
      auto a = armed(w, 1, t0);
      w.wake(1);
      a.reset();
      auto c = armed(w, 1, t0 + 1ms);
      CHECK(quiet_for(*c));
    }
  }

  TEST_CASE("BuddyNotifyWaiters: H-1: the pop budget is checked before popping, so a live entry is never dropped") {
    // Order 1: a live entry Y, much older: visited first (1 pop). Order 0: 7 tombstones in front
    // of a live X (the most a queue keeps: an 8th is compacted away). The 8-pop budget ends just
    // before X: it must stay queued and live (the original popped and dropped it), and the next
    // wake delivers it.
    BuddyNotifyWaiters w(4);
    const auto t0 = Clock::now();
    auto y = armed(w, 1, t0 - 1s);
    std::vector<std::unique_ptr<Registration>> dead;
    for (int i = 0; i < 7; ++i) dead.push_back(armed(w, 0, t0 + std::chrono::microseconds(i)));
    auto x = armed(w, 0, t0 + 100us);
    for (auto& r : dead) r->revoke();
    dead.clear();
    CHECK(w.pending(0) == 1u);
    CHECK(w.queued(0) == 8u);  // 7 tombstones in front of the live entry
    w.wake(1);                 // Y (1 pop), then the 7 tombstones: budget spent
    CHECK(fired(*y));
    CHECK(w.queued(0) == 1u);
    CHECK(w.pending(0) == 1u);
    CHECK_FALSE(fired(*x));
    w.wake(0);
    CHECK(fired(*x));
    CHECK(w.pending(0) == 0u);
    CHECK(w.queued(0) == 0u);
  }

  TEST_CASE("BuddyNotifyWaiters: tombstones are compacted when they reach the pop budget") {
    // 8 timed-out or cancelled waits in front of a live one must not cost a release its waiter.
    BuddyNotifyWaiters w(4);
    const auto t0 = Clock::now();
    std::vector<std::unique_ptr<Registration>> dead;
    for (int i = 0; i < 8; ++i) dead.push_back(armed(w, 1, t0 + std::chrono::microseconds(i)));
    auto live = armed(w, 1, t0 + 100us);
    for (auto& r : dead) r->revoke();
    dead.clear();
    CHECK(w.pending(1) == 1u);
    CHECK(w.queued(1) == 1u);  // the 8th revocation dropped every tombstone
    w.wake(1);
    CHECK(fired(*live));
    CHECK(w.queued(1) == 0u);
  }

  TEST_CASE("BuddyNotifyWaiters: the pop budget is per wake, across orders") {
    BuddyNotifyWaiters w(4);
    const auto t0 = Clock::now();
    std::vector<std::unique_ptr<Registration>> dead;
    for (int i = 0; i < 7; ++i) dead.push_back(armed(w, 0, t0 + std::chrono::microseconds(i)));
    auto live0 = armed(w, 0, t0 + 100us);
    auto live1 = armed(w, 1, t0 + 1s);  // much younger: order 0 is visited first
    for (auto& r : dead) r->revoke();
    w.wake(1);
    CHECK(fired(*live0));        // 7 tombstones + live0: the whole budget
    CHECK_FALSE(fired(*live1));  // no budget left for order 1
    CHECK(w.queued(1) == 1u);
    w.wake(1);
    CHECK(fired(*live1));
  }

  TEST_CASE("BuddyNotifyWaiters: scores: older heads first, larger orders ahead by 50us per order") {
    // Order 0: 7 tombstones, then X (armed at t0). Order 2: Y alone. The budget (8) covers either
    // Y (1 pop) then 7 tombstones, or 7 tombstones + X; whichever order is visited first wins.
    BuddyNotifyWaiters w(4);
    const auto t0 = Clock::now();
    std::vector<std::unique_ptr<Registration>> dead;
    for (int i = 0; i < 7; ++i) dead.push_back(armed(w, 0, t0 - 1ms + std::chrono::microseconds(i)));
    auto x = armed(w, 0, t0);
    for (auto& r : dead) r->revoke();
    SUBCASE("Y 60us younger: its order bias (100us) puts it first") {
      auto y = armed(w, 2, t0 + 60us);
      w.wake(2);
      CHECK(fired(*y));
      CHECK_FALSE(fired(*x));
    }
    SUBCASE("Y 200us younger: X's age wins") {
      auto y = armed(w, 2, t0 + 200us);
      w.wake(2);
      CHECK(fired(*x));
      CHECK_FALSE(fired(*y));
    }
  }

  TEST_CASE("BuddyNotifyWaiters: streak: after 10 deliveries in a row, an order sits out a round") {
    BuddyNotifyWaiters w(4);
    const auto t0 = Clock::now();
    int run = 0;
    SUBCASE("10 in a row: sits out") { run = 10; }
    SUBCASE("9 in a row: still served") { run = 9; }
    for (int i = 0; i < run; ++i) {
      auto r = armed(w, 0, t0);
      w.wake(0);
      REQUIRE(fired(*r));
    }
    auto x = armed(w, 0, t0);
    auto y = armed(w, 1, t0);
    w.wake(1);
    CHECK(fired(*y));
    if (run == 10) {
      CHECK_FALSE(fired(*x));
      w.wake(1);  // the streak is broken: order 0 is served again
      CHECK(fired(*x));
    } else {
      CHECK(fired(*x));
    }
  }

  TEST_CASE("BuddyNotifyWaiters: orders past the last are clamped to it") {
    BuddyNotifyWaiters w(4);
    auto r = armed(w, 10, Clock::now());
    CHECK(w.pending(3) == 1u);
    CHECK(w.queued(3) == 1u);
    w.wake(2);
    CHECK_FALSE(fired(*r));
    w.wake(99);  // a freed order past the last serves up to the last
    CHECK(fired(*r));
    BuddyNotifyWaiters one(1);
    auto s = armed(one, 5, Clock::now());
    CHECK(one.pending(0) == 1u);
    one.wake(0);
    CHECK(fired(*s));
  }

  TEST_CASE("BuddyNotifyWaiters: make_registration(order) without an age uses now") {
    BuddyNotifyWaiters w(4);
    auto old = armed(w, 0, Clock::now() - 1s);
    std::unique_ptr<Registration> fresh = w.make_registration(0);
    fresh->prepare();
    w.wake(0);
    CHECK(fired(*old));  // the explicitly older one first
    CHECK_FALSE(fired(*fresh));
  }

  TEST_CASE("BuddyNotifyWaiters: co_await a buddy registration: resumed by the waking thread, withdraw") {
    BuddyNotifyWaiters w(4);
    SUBCASE("resumed on the waker") {
      auto r = armed(w, 2, Clock::now());
      Resumed out;
      await_detached(*r, out);
      CHECK_FALSE(out.done.load());
      std::thread::id waker_id;
      std::thread waker([&] {
        waker_id = std::this_thread::get_id();
        w.wake(3);
      });
      waker.join();
      REQUIRE(out.done.load(std::memory_order_acquire));
      CHECK(out.on == waker_id);
      CHECK(w.pending(2) == 0u);
    }
    SUBCASE("withdrawn before it fired: never resumed") {
      auto r = armed(w, 2, Clock::now());
      Resumed out;
      Task task = await_task(*r, out);
      CHECK(r->withdraw());
      CHECK(w.pending(2) == 0u);
      w.wake(3);
      CHECK_FALSE(task.finished());
      task.cancel();
    }
    SUBCASE("fired: withdraw says so") {
      auto r = armed(w, 2, Clock::now());
      Resumed out;
      Task task = await_task(*r, out);
      w.wake(2);
      CHECK(task.finished());
      CHECK_FALSE(r->withdraw());
    }
  }

  TEST_CASE("BuddyNotifyWaiters: BuddyNotifyWaiters(0) is a programming error: terminates with one line") {
    ARENA_CHECK_ABORTS_WITH([] { BuddyNotifyWaiters w(0); }, "order_count must be at least 1");
  }
}
