// Waiting for capacity: the pluggable wake strategy behind allocate_wait() (blocking, with a
// deadline) and allocate_async() (a C++20 awaitable) on both arenas [R-ASY-*].
//
// The wait loop every arena runs (R-ASY-2), and why it loses no wake-up:
//
//   loop: reg = waiter.make_registration()     one Registration per attempt
//         reg.prepare()                         armed: a wake() from now on can fire it
//         try to allocate  -> success: reg.revoke(); done
//         reg.wait_until(deadline) / co_await reg
//
// A release that happens after prepare() must be able to fire the registration, so a slot freed
// between the failed attempt and the wait is never missed. Allocation state is the truth; wakes
// are hints to retry.
//
// Guarantees of the built-in strategies (NotifyWaiters, BuddyNotifyWaiters), beyond the original:
// * wake() is called only when an arena knows somebody waits: a release costs one atomic load
//   when nobody does.
// * No wake is stored for a future waiter (it would make the next waiter spin on a full arena).
// * A registration that was woken but ends without consuming the wake (revoked after an immediate
//   success, timed out, destroyed, or its coroutine cancelled) passes the wake on to the next
//   waiter, on both arenas (the original forwarded on the fixed path only, L-4).
// * Buddy waiters keep their age across retries (L-5) and large requests are not starved by
//   streams of small ones (R-ASY-7).
//
// Coroutines: by default a coroutine suspended in allocate_async() is resumed on the thread whose
// release woke it, inside that release. Destroying a coroutine suspended in allocate_async()
// cancels its wait, provided no release can complete that wait at the same moment: destroy it
// from the thread (or executor) that would resume it, as with any coroutine. To continue on an executor instead, co_await the
// executor's scheduling operation right after allocate_async() returns (e.g.
// `Buffer b = co_await arena.allocate_async(); co_await pool.schedule();`), or plug in a Waiter
// whose Registration::suspend() posts the handle to the executor instead of keeping it.
#pragma once

#include <chrono>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace arena {

// One wait attempt. Implementations must make wake() -> fire safe against concurrent revoke(),
// destruction, wait_until() and suspend().
class Registration {
 public:
  Registration() = default;
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;
  // Destroying it with an unconsumed wake forwards that wake to another registration.
  virtual ~Registration() = default;
  // Arm: a wake() after prepare() must be able to fire this registration.
  virtual void prepare() = 0;
  // Withdraw after an immediate success (forwarding a wake that raced in).
  virtual void revoke() noexcept = 0;
  // Blocks until fired (true) or the deadline passes (false).
  virtual bool wait_until(std::chrono::steady_clock::time_point deadline) = 0;
  // Keeps `h` to resume when fired; false if already fired (then `h` is not suspended). Must not
  // resume `h` itself.
  virtual bool suspend(std::coroutine_handle<> h) = 0;
  // Cancels a suspended registration: true when the handle given to suspend() will never be
  // resumed (it had not fired), false when it fired (it is being, or will be, resumed). Used when
  // a coroutine waiting in allocate_async() is destroyed. The default revokes and answers false,
  // which is safe but costly: a cancelled wait that never fires then keeps its wait task, and
  // with it a handle on the arena (the arena's memory) and its waiting count, for good. Custom
  // registrations used with coroutines should override it.
  virtual bool withdraw() noexcept {
    revoke();
    return false;
  }

  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> h) { return suspend(h); }
  void await_resume() const noexcept {}
};

// Wake strategy of a fixed arena: wake() is called on releases while somebody waits.
class Waiter {
 public:
  Waiter() = default;
  Waiter(const Waiter&) = delete;
  Waiter& operator=(const Waiter&) = delete;
  virtual ~Waiter() = default;
  virtual std::unique_ptr<Registration> make_registration() = 0;
  // Called on the release path: must be cheap and must not throw.
  virtual void wake() noexcept = 0;
};

// Wake strategy of a buddy arena: registrations are per order (log2(block / min block)), and a
// release says which order of block became free (after coalescing).
class BuddyWaiter {
 public:
  BuddyWaiter() = default;
  BuddyWaiter(const BuddyWaiter&) = delete;
  BuddyWaiter& operator=(const BuddyWaiter&) = delete;
  virtual ~BuddyWaiter() = default;
  virtual std::unique_ptr<Registration> make_registration(unsigned order) = 0;
  // As make_registration(order), for a wait that began at `since`: the age used to order waiters
  // (the default ignores it). The arenas call this one, so that retries keep their age (L-5).
  virtual std::unique_ptr<Registration> make_registration(unsigned order, std::chrono::steady_clock::time_point since) {
    (void)since;
    return make_registration(order);
  }
  // Called on the release path: must be cheap and must not throw.
  virtual void wake(unsigned freed_order) noexcept = 0;
};

// The default fixed-arena strategy [R-ASY-5]: a FIFO of armed registrations and an atomic count;
// wake() fires the oldest one when the count is not zero and otherwise does nothing.
class NotifyWaiters final : public Waiter {
 public:
  NotifyWaiters();
  ~NotifyWaiters() override;
  std::unique_ptr<Registration> make_registration() override;
  void wake() noexcept override;
  // Armed registrations (for tests and diagnostics).
  std::size_t pending() const noexcept;

  struct State;  // shared with the registrations, which may outlive this object

 private:
  std::shared_ptr<State> state_;
};

// The default buddy strategy [R-ASY-6/7]: per order a FIFO of entries with their registration
// time; wake(f) serves at most one waiter per order 0..f, oldest-first with a bias towards larger
// orders and longer queues, never more than 8 queue pops per wake, and never 10 deliveries in a
// row to one order while others wait.
class BuddyNotifyWaiters final : public BuddyWaiter {
 public:
  // `order_count` = max_order + 1 of the arena; 0 terminates (a programming error).
  explicit BuddyNotifyWaiters(unsigned order_count);
  ~BuddyNotifyWaiters() override;
  std::unique_ptr<Registration> make_registration(unsigned order) override;
  std::unique_ptr<Registration> make_registration(unsigned order, std::chrono::steady_clock::time_point since) override;
  void wake(unsigned freed_order) noexcept override;
  // Live (armed, not fired, not revoked) entries of `order` (for tests and diagnostics).
  std::size_t pending(unsigned order) const noexcept;
  // Entries still queued at `order`, tombstones included (for tests of the pop budget, H-1).
  std::size_t queued(unsigned order) const noexcept;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace arena
