// Example: waiting for capacity instead of failing with arena_full. allocate_wait(deadline) blocks
// the calling thread until a slot is released (or returns Errc::timed_out); allocate_async() is a
// C++20 awaitable that suspends a coroutine instead, which is resumed by default on the thread whose
// release made room. Exits non-zero if a waiter is not served as described.
#include <chrono>
#include <coroutine>
#include <cstdio>
#include <exception>
#include <thread>
#include <utility>

#include <arena/arena.hpp>

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A fire-and-forget coroutine type: starts at once, frees itself at the end.
struct Detached {
  struct promise_type {
    Detached get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }
  };
};

struct CoroutineReport {
  bool served = false;
  std::size_t capacity = 0;
  std::thread::id resumed_on;
};

// Waits for a 1000-byte block, then records where it was resumed and what it got.
Detached wait_for_block(arena::BuddyArena buddy, CoroutineReport& report) {
  arena::Result<arena::Buffer> block = co_await buddy.allocate_async(1000);
  report.resumed_on = std::this_thread::get_id();
  report.served = block.has_value();
  if (block) report.capacity = block->capacity();
}  // the block goes back to the arena here

}  // namespace

int main() {
  bool ok = true;

  // --- Blocking: one slot, held by another thread for 50 ms. ---
  arena::FixedArena pool = arena::FixedArena::with_slot_capacity(1, 64).build().value();
  arena::Buffer held = pool.allocate().value();
  std::thread holder([slot = std::move(held)]() mutable {
    std::this_thread::sleep_for(milliseconds(50));
    slot = arena::Buffer();  // release: wakes the waiting thread
  });
  const auto start = Clock::now();
  arena::Result<arena::Buffer> got = pool.allocate_wait(start + std::chrono::seconds(5));
  const auto waited = std::chrono::duration_cast<milliseconds>(Clock::now() - start).count();
  holder.join();
  std::printf("allocate_wait: %s after %lld ms\n", got ? "got the slot" : got.error().message().c_str(),
              static_cast<long long>(waited));
  ok = ok && got.has_value();

  // With the slot still held (by `got`), a short deadline passes: Errc::timed_out.
  const arena::Result<arena::Buffer> late = pool.allocate_wait(Clock::now() + milliseconds(20));
  std::printf("allocate_wait with a 20 ms deadline while full: %s\n",
              late ? "a slot?!" : late.error().message().c_str());
  ok = ok && !late && late.error() == arena::Errc::timed_out;
  const arena::FixedMetrics fm = pool.metrics();
  std::printf("fixed metrics: waits=%llu wait_timeouts=%llu allocations_failed=%llu\n",
              static_cast<unsigned long long>(fm.waits), static_cast<unsigned long long>(fm.wait_timeouts),
              static_cast<unsigned long long>(fm.allocations_failed));
  ok = ok && fm.waits == 2 && fm.wait_timeouts == 1;

  // --- Coroutine: a buddy arena whose whole 4096 bytes are held by one block. ---
  arena::BuddyArena buddy = arena::BuddyArena::builder(arena::BuddyGeometry::exact(4096, 512).value()).build().value();
  arena::Buffer whole = buddy.allocate(4096).value();
  CoroutineReport report;
  wait_for_block(buddy, report);  // suspends inside allocate_async: no block is free
  std::printf("coroutine suspended: served=%d\n", report.served ? 1 : 0);
  ok = ok && !report.served;

  std::thread::id releaser_id;
  std::thread releaser([&] {
    releaser_id = std::this_thread::get_id();
    whole = arena::Buffer();  // the release resumes the coroutine right here, on this thread
  });
  releaser.join();
  std::printf("coroutine resumed on the releasing thread: %s; got a block of %zu bytes\n",
              report.resumed_on == releaser_id ? "yes" : "no", report.capacity);
  ok = ok && report.served && report.capacity == 1024 && report.resumed_on == releaser_id;

  // A length that can never fit is not waited for: request_too_large at once.
  CoroutineReport too_large;
  [](arena::BuddyArena b, CoroutineReport& r) -> Detached {
    arena::Result<arena::Buffer> block = co_await b.allocate_async(8192);
    r.served = !block && block.error() == arena::Errc::request_too_large;
  }(buddy, too_large);
  std::printf("allocate_async(8192) on a 4096-byte arena: %s\n", too_large.served ? "request_too_large at once" : "?!");
  ok = ok && too_large.served;

  std::printf("%s\n", ok ? "OK" : "FAILED");
  return ok ? 0 : 1;
}
