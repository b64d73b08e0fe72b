// Multi-thread stress of waiting for capacity (label concurrency, run under ThreadSanitizer):
// blocking waiters (allocate_wait, some with deadlines short enough to time out while releases
// race in) and coroutine waiters (allocate_async, resumed on whichever thread releases) against
// releaser threads, on arenas of 3 slots / 8 minimum blocks. Afterwards every waiter was served,
// nothing stays registered, the metrics add up and every slot/block is allocatable again.
// Bounded: each phase has a deadline, a stuck wait fails the case instead of hanging it.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "arena/arena.hpp"
#include "arena/wait.hpp"
#include "coro.hpp"
#include "rng.hpp"
#include "test_support.hpp"

using arena::BuddyArena;
using arena::BuddyGeometry;
using arena::BuddyNotifyWaiters;
using arena::Buffer;
using arena::Bytes;
using arena::Errc;
using arena::FixedArena;
using arena::NotifyWaiters;
using arena::test::build;
using arena::test::Detached;
using arena::test::eventually;
using arena::test::Rng;
using arena::test::take;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

constexpr int kBlockingThreads = 4;
constexpr int kBlockingOps = 500;
constexpr int kDrivers = 2;
constexpr int kCoroutinesPerDriver = 500;
constexpr std::size_t kInFlightPerDriver = 3;
constexpr int kReleasers = 2;
constexpr auto kPhaseBound = 60s;  // far beyond a normal run (about a second, a few under TSan)

// Everything a coroutine touches lives here, owned by shared_ptr: a coroutine stuck past the
// test's end (a failure) keeps it alive instead of touching a dead stack frame.
struct Shared {
  std::mutex mutex;
  std::deque<Bytes> inbox;  // frozen buffers for the releasers
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> bad{0};            // wrong contents, unexpected errors
  std::atomic<std::uint64_t> long_timeouts{0};  // waits with a 10 s deadline that timed out
  std::atomic<std::uint64_t> short_timeouts{0};
  std::atomic<std::uint64_t> served_blocking{0};
  std::atomic<std::uint64_t> coro_done[kDrivers] = {};

  void push(Bytes b) {
    const std::lock_guard<std::mutex> lock(mutex);
    inbox.push_back(std::move(b));
  }
  std::deque<Bytes> take_all() {
    const std::lock_guard<std::mutex> lock(mutex);
    return std::exchange(inbox, {});
  }
};

// Message: u32 tag, u32 ~tag.
void stamp(Buffer& b, std::uint32_t tag) {
  b.put_u32(tag);
  b.put_u32(~tag);
}
bool stamped(const Bytes& b) {
  if (b.size() != 8) return false;
  auto u32 = [&](std::size_t at) {
    return (std::to_integer<std::uint32_t>(b[at]) << 24) | (std::to_integer<std::uint32_t>(b[at + 1]) << 16) |
           (std::to_integer<std::uint32_t>(b[at + 2]) << 8) | std::to_integer<std::uint32_t>(b[at + 3]);
  };
  return u32(4) == ~u32(0);
}

// Releasers: drain the inbox, keep a few Bytes for a little while (so that waiters really wait),
// verify and drop them. Coroutines waiting in allocate_async resume inside these drops.
void releaser(std::shared_ptr<Shared> s, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<Bytes> kept;
  const auto bound = Clock::now() + kPhaseBound;
  for (;;) {
    std::deque<Bytes> batch = s->take_all();
    for (Bytes& b : batch) {
      if (!stamped(b)) s->bad.fetch_add(1);
      if (rng.coin()) kept.push_back(std::move(b));
    }
    batch.clear();  // drops (some coroutines resume here)
    if (!kept.empty() && rng.below(4) == 0)
      kept.erase(kept.begin() + static_cast<std::ptrdiff_t>(rng.below(kept.size())));
    if (kept.size() > 2 || (s->stop.load() && !kept.empty())) kept.clear();
    if (s->stop.load()) {
      const std::lock_guard<std::mutex> lock(s->mutex);
      if (s->inbox.empty() && kept.empty()) return;
    }
    if (Clock::now() > bound) {
      s->bad.fetch_add(1);
      return;
    }
    std::this_thread::yield();
  }
}

// Starts kCoroutinesPerDriver coroutines from `launch`, at most kInFlightPerDriver at once.
template <class Launch>
void driver(std::shared_ptr<Shared> s, int index, Launch launch) {
  const auto bound = Clock::now() + kPhaseBound;
  for (int launched = 0; launched < kCoroutinesPerDriver;) {
    if (static_cast<std::uint64_t>(launched) - s->coro_done[index].load() < kInFlightPerDriver) {
      launch(static_cast<std::uint32_t>(index * 100000 + launched));
      ++launched;
    } else if (Clock::now() > bound) {
      return;
    } else {
      std::this_thread::yield();
    }
  }
}

Detached fixed_coroutine(FixedArena arena, std::shared_ptr<Shared> s, int driver_index, std::uint32_t tag) {
  Buffer b = co_await arena.allocate_async();
  stamp(b, tag);
  s->push(std::move(b).freeze());
  s->coro_done[driver_index].fetch_add(1);
}

Detached buddy_coroutine(BuddyArena arena, std::shared_ptr<Shared> s, int driver_index, std::uint32_t tag,
                         std::size_t len) {
  arena::Result<Buffer> r = co_await arena.allocate_async(len);
  if (r) {
    if (r->capacity() < len) s->bad.fetch_add(1);
    stamp(*r, tag);
    s->push(std::move(r).value().freeze());
  } else {
    s->bad.fetch_add(1);
  }
  s->coro_done[driver_index].fetch_add(1);
}

// A blocking waiter: one op in 4 uses a deadline of 0-2 ms (it may time out while a release
// races in: that wake must be passed on, H-5/L-4), the rest 10 s (must never time out).
using WaitFn = std::function<arena::Result<Buffer>(Rng&, Clock::time_point)>;

void blocking_waiter(std::shared_ptr<Shared> s, std::uint64_t seed, WaitFn wait) {
  Rng rng(seed);
  const auto bound = Clock::now() + kPhaseBound;
  for (int i = 0; i < kBlockingOps && Clock::now() < bound; ++i) {
    const bool short_deadline = rng.below(4) == 0;
    const auto deadline = Clock::now() + (short_deadline ? std::chrono::microseconds(rng.below(2000)) : 10s);
    arena::Result<Buffer> r = wait(rng, deadline);
    if (!r) {
      if (r.error() != Errc::timed_out)
        s->bad.fetch_add(1);
      else if (short_deadline)
        s->short_timeouts.fetch_add(1);
      else
        s->long_timeouts.fetch_add(1);
      continue;
    }
    s->served_blocking.fetch_add(1);
    Buffer b = std::move(r).value();
    stamp(b, static_cast<std::uint32_t>(i));
    if (rng.coin())
      s->push(std::move(b).freeze());  // released by a releaser thread
    else
      std::this_thread::yield();  // released here
  }
}

std::uint64_t total_coroutines_done(const Shared& s) {
  std::uint64_t n = 0;
  for (const auto& c : s.coro_done) n += c.load();
  return n;
}

}  // namespace

TEST_SUITE("waiting, threads") {
  TEST_CASE("fixed, 3 slots: blocking and coroutine waiters against releasers, every waiter served") {
    auto waiter = std::make_shared<NotifyWaiters>();
    FixedArena arena = build(FixedArena::with_slot_capacity(3, 64).waiter(waiter));
    auto s = std::make_shared<Shared>();
    std::vector<std::thread> threads;
    for (int r = 0; r < kReleasers; ++r) threads.emplace_back(releaser, s, 0x5EED0000u + static_cast<unsigned>(r));
    std::vector<std::thread> workers;
    for (int t = 0; t < kBlockingThreads; ++t) {
      workers.emplace_back(
          blocking_waiter, s, 0xB10C0000u + static_cast<unsigned>(t),
          WaitFn([arena](Rng&, Clock::time_point deadline) mutable { return arena.allocate_wait(deadline); }));
    }
    for (int d = 0; d < kDrivers; ++d) {
      workers.emplace_back(
          [s, d, arena] { driver(s, d, [&](std::uint32_t tag) { fixed_coroutine(arena, s, d, tag); }); });
    }
    for (std::thread& t : workers) t.join();
    const bool coroutines_done = eventually(
        [&] { return total_coroutines_done(*s) == std::uint64_t{kDrivers} * kCoroutinesPerDriver; }, 30000ms);
    s->stop.store(true);
    for (std::thread& t : threads) t.join();

    CHECK(coroutines_done);
    CHECK(s->bad.load() == 0u);
    CHECK(s->long_timeouts.load() == 0u);
    INFO("short-deadline timeouts: " << s->short_timeouts.load());
    CHECK(s->served_blocking.load() + s->short_timeouts.load() == std::uint64_t{kBlockingThreads} * kBlockingOps);
    CHECK(waiter->pending() == 0u);
    const auto m = arena.metrics();
    MESSAGE("waits " << m.waits << ", timeouts " << m.wait_timeouts << ", failed " << m.allocations_failed << ", ok "
                     << m.allocations_ok);
    CHECK(m.allocations_ok - m.frees == 0u);
    CHECK(m.allocations_ok == s->served_blocking.load() + total_coroutines_done(*s));
    CHECK(m.waits > 0u);
    CHECK(m.wait_timeouts == s->short_timeouts.load());
    CHECK(m.allocations_failed >= m.waits);  // each wait counts its first failure, retries never
    std::vector<Buffer> all;
    for (std::size_t i = 0; i < 3; ++i) all.push_back(take(arena.allocate()));
    CHECK(arena.allocate().error() == Errc::arena_full);
  }

  TEST_CASE("buddy exact(4096, 512): mixed-size blocking and coroutine waiters against releasers") {
    auto waiter = std::make_shared<BuddyNotifyWaiters>(4);
    BuddyArena arena = build(BuddyArena::builder(take(BuddyGeometry::exact(4096, 512))).waiter(waiter));
    auto s = std::make_shared<Shared>();
    // Mostly 512..2048, now and then the whole arena.
    auto pick = [](Rng& rng) -> std::size_t {
      const std::uint64_t r = rng.below(32);
      if (r == 0) return 4096;
      return std::size_t{300} << rng.below(3);  // 300 (512), 600 (1024), 1200 (2048)
    };
    std::vector<std::thread> threads;
    for (int r = 0; r < kReleasers; ++r) threads.emplace_back(releaser, s, 0xBEEF0000u + static_cast<unsigned>(r));
    std::vector<std::thread> workers;
    for (int t = 0; t < kBlockingThreads; ++t) {
      workers.emplace_back(blocking_waiter, s, 0xB0DD0000u + static_cast<unsigned>(t),
                           WaitFn([arena, pick](Rng& rng, Clock::time_point deadline) mutable {
                             return arena.allocate_wait(pick(rng), deadline);
                           }));
    }
    for (int d = 0; d < kDrivers; ++d) {
      workers.emplace_back([s, d, arena, pick] {
        Rng rng(0xC0C0u + static_cast<unsigned>(d));
        driver(s, d, [&](std::uint32_t tag) { buddy_coroutine(arena, s, d, tag, pick(rng)); });
      });
    }
    for (std::thread& t : workers) t.join();
    const bool coroutines_done = eventually(
        [&] { return total_coroutines_done(*s) == std::uint64_t{kDrivers} * kCoroutinesPerDriver; }, 30000ms);
    s->stop.store(true);
    for (std::thread& t : threads) t.join();

    CHECK(coroutines_done);
    CHECK(s->bad.load() == 0u);
    CHECK(s->long_timeouts.load() == 0u);
    INFO("short-deadline timeouts: " << s->short_timeouts.load());
    CHECK(s->served_blocking.load() + s->short_timeouts.load() == std::uint64_t{kBlockingThreads} * kBlockingOps);
    for (unsigned k = 0; k < 4; ++k) CHECK(waiter->pending(k) == 0u);
    const auto m = arena.metrics();
    MESSAGE("waits " << m.waits << ", timeouts " << m.wait_timeouts << ", failed " << m.allocations_failed << ", ok "
                     << m.allocations_ok);
    CHECK(m.allocations_ok - m.frees == 0u);
    CHECK(m.blocks_live == 0u);
    CHECK(m.allocations_ok == s->served_blocking.load() + total_coroutines_done(*s));
    CHECK(m.waits > 0u);
    CHECK(m.wait_timeouts == s->short_timeouts.load());
    CHECK(m.allocations_failed >= m.waits);
    CHECK(m.largest_free_block == 4096u);
    Buffer whole = take(arena.allocate(4096));  // fully coalesced
    CHECK(whole.capacity() == 4096u);
  }

  TEST_CASE("blocking waiters only, one slot, deadlines racing releases: no wake lost, none stored") {
    // Every thread takes the slot, holds it briefly and releases it itself, so a release always
    // comes from a waiter that just won; short deadlines time out concurrently with those wakes.
    auto waiter = std::make_shared<NotifyWaiters>();
    FixedArena arena = build(FixedArena::with_slot_capacity(1, 16).waiter(waiter));
    std::atomic<std::uint64_t> served{0}, timeouts{0}, bad{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t) {
      threads.emplace_back([&, t] {
        Rng rng(0x0E5Eu + static_cast<unsigned>(t));
        for (int i = 0; i < 300; ++i) {
          const bool short_deadline = rng.below(3) == 0;
          auto r =
              arena.allocate_wait(Clock::now() + (short_deadline ? std::chrono::microseconds(rng.below(500)) : 10s));
          if (r) {
            served.fetch_add(1);
            if (rng.coin()) std::this_thread::yield();
          } else if (r.error() == Errc::timed_out && short_deadline) {
            timeouts.fetch_add(1);
          } else {
            bad.fetch_add(1);
          }
        }
      });
    }
    for (std::thread& t : threads) t.join();
    CHECK(bad.load() == 0u);
    CHECK(served.load() + timeouts.load() == 6u * 300u);
    CHECK(waiter->pending() == 0u);
    const auto m = arena.metrics();
    CHECK(m.allocations_ok == served.load());
    CHECK(m.frees == served.load());
    CHECK(m.wait_timeouts == timeouts.load());
    Buffer last = take(arena.allocate());
  }
}
