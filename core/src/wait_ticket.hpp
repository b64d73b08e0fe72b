// Ticket: the shared state of one wait attempt (one Registration), between the registration, the
// queue of its waiter strategy and whoever fires it. Used by NotifyWaiters and
// BuddyNotifyWaiters.
//
// States: idle -(prepare)-> live -(fire)-> woken -(the waiter observes it)-> consumed
//                            live -(revoke / destroy / timeout)-> revoked
// Only one CAS out of `live` wins, so a ticket is fired at most once and a revoked one never. A
// ticket that ends `woken` but not `consumed` (its waiter left without seeing the wake) forwards
// the wake to another waiter: no wake is lost, none is stored.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <coroutine>
#include <cstdint>
#include <mutex>

namespace arena::detail {

enum class TicketState : int { idle, live, woken, consumed, revoked };

struct Ticket {
  std::atomic<TicketState> state{TicketState::idle};
  std::atomic<void*> coroutine{nullptr};  // a suspended coroutine to resume when fired
  std::mutex mutex;                       // for blocking waits
  std::condition_variable fired;
  std::int64_t since_ns = 0;  // age, for buddy ordering
  unsigned order = 0;         // buddy: the order waited for
  unsigned freed_order = 0;   // buddy: the order of the release that fired it

  // live -> revoked. True when this call withdrew the ticket (it was live).
  bool try_revoke() noexcept {
    TicketState expected = TicketState::live;
    return state.compare_exchange_strong(expected, TicketState::revoked, std::memory_order_acq_rel);
  }
  // live -> woken, then wakes the waiter (resuming its coroutine on this thread, or notifying a
  // blocked thread). False when the ticket was not live.
  bool try_fire() noexcept {
    TicketState expected = TicketState::live;
    if (!state.compare_exchange_strong(expected, TicketState::woken, std::memory_order_acq_rel)) return false;
    if (void* handle = coroutine.exchange(nullptr, std::memory_order_acq_rel)) {
      state.store(TicketState::consumed, std::memory_order_release);  // resuming it is observing it
      std::coroutine_handle<>::from_address(handle).resume();
      return true;
    }
    std::lock_guard<std::mutex> lock(mutex);  // pairs with the predicate check in wait_until
    fired.notify_all();
    return true;
  }
  // Ends the ticket's life from the waiter's side: true when a wake arrived and nobody observed it
  // (the caller must forward it). Leaves the ticket revoked or consumed.
  bool end() noexcept {
    if (try_revoke()) return false;
    TicketState expected = TicketState::woken;
    return state.compare_exchange_strong(expected, TicketState::consumed, std::memory_order_acq_rel);
  }
  // Blocks until fired (true, consumed) or the deadline (false, still live).
  bool wait_until(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mutex);
    const bool woken = fired.wait_until(lock, deadline, [&] { return state.load(std::memory_order_acquire) != TicketState::live; });
    if (!woken) return false;
    TicketState expected = TicketState::woken;
    state.compare_exchange_strong(expected, TicketState::consumed, std::memory_order_acq_rel);
    return true;
  }
  // Keeps `h` for the firer; false when already fired (h must not suspend; the wake is consumed).
  // Touches nothing but the ticket after handing `h` over: the coroutine (and the Registration in
  // its frame) may be resumed and destroyed by the firer before this returns.
  bool suspend(std::coroutine_handle<> h) noexcept {
    coroutine.store(h.address(), std::memory_order_release);
    if (state.load(std::memory_order_acquire) == TicketState::live) return true;
    if (coroutine.exchange(nullptr, std::memory_order_acq_rel) == nullptr) return true;  // the firer has it
    TicketState expected = TicketState::woken;
    state.compare_exchange_strong(expected, TicketState::consumed, std::memory_order_acq_rel);
    return false;
  }
};

inline std::int64_t steady_ns(std::chrono::steady_clock::time_point t) noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

}  // namespace arena::detail
