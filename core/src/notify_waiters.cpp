// NotifyWaiters, the default fixed-arena wake strategy [R-ASY-5]: a FIFO of live tickets and a
// count of them. wake() fires the oldest live ticket when the count is not zero; registrations
// that end with an unobserved wake forward it (H-5); nothing is ever stored for a future waiter.
#include <algorithm>
#include <deque>
#include <memory>
#include <mutex>

#include "arena/wait.hpp"
#include "full_fence.hpp"
#include "wait_ticket.hpp"

namespace arena {

struct NotifyWaiters::State {
  std::mutex mutex;
  std::deque<std::shared_ptr<detail::Ticket>> queue;  // live tickets, oldest first
  std::atomic<std::size_t> live{0};

  void wake() noexcept {
    // A seq_cst fence before the count: pairs with the fence after prepare() (store-buffer
    // pattern), so a waiter that armed before this release's publish is seen here.
    detail::full_fence();
    if (live.load(std::memory_order_relaxed) == 0) return;  // never stored for a future waiter
    std::shared_ptr<detail::Ticket> chosen;
    {
      std::lock_guard<std::mutex> lock(mutex);
      while (!queue.empty()) {
        std::shared_ptr<detail::Ticket> ticket = std::move(queue.front());
        queue.pop_front();
        if (ticket->state.load(std::memory_order_acquire) == detail::TicketState::live) {
          chosen = std::move(ticket);
          break;
        }
      }
    }
    // Fire outside the lock: firing may resume a coroutine, which may register again.
    while (chosen && !chosen->try_fire()) {
      // Revoked between the check and the fire: its revoke already left the count; try the next.
      std::lock_guard<std::mutex> lock(mutex);
      chosen.reset();
      while (!queue.empty() && !chosen) {
        std::shared_ptr<detail::Ticket> ticket = std::move(queue.front());
        queue.pop_front();
        if (ticket->state.load(std::memory_order_acquire) == detail::TicketState::live) chosen = std::move(ticket);
      }
    }
    if (chosen) live.fetch_sub(1, std::memory_order_acq_rel);
  }

  void withdraw(const std::shared_ptr<detail::Ticket>& ticket) {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = std::find(queue.begin(), queue.end(), ticket);
    if (it != queue.end()) queue.erase(it);
  }
};

namespace {

class NotifyRegistration final : public Registration {
 public:
  explicit NotifyRegistration(std::shared_ptr<NotifyWaiters::State> state)
      : state_(std::move(state)), ticket_(std::make_shared<detail::Ticket>()) {}
  ~NotifyRegistration() override { finish(); }

  void prepare() override {
    {
      std::lock_guard<std::mutex> lock(state_->mutex);
      ticket_->state.store(detail::TicketState::live, std::memory_order_relaxed);
      state_->queue.push_back(ticket_);
      state_->live.fetch_add(1, std::memory_order_relaxed);
    }
    detail::full_fence();  // see State::wake
  }
  void revoke() noexcept override { finish(); }
  bool withdraw() noexcept override {
    if (!ticket_->try_revoke()) return false;  // fired: its firer resumes the coroutine
      state_->live.fetch_sub(1, std::memory_order_acq_rel);
      state_->withdraw(ticket_);
    return true;
  }
  bool wait_until(std::chrono::steady_clock::time_point deadline) override { return ticket_->wait_until(deadline); }
  bool suspend(std::coroutine_handle<> h) override {
    std::shared_ptr<detail::Ticket> ticket = ticket_;  // keeps the ticket alive if `this` dies meanwhile
    return ticket->suspend(h);
  }

 private:
  void finish() noexcept {
    if (ticket_->try_revoke()) {  // still armed: withdraw it
      state_->live.fetch_sub(1, std::memory_order_acq_rel);
      state_->withdraw(ticket_);
      return;
    }
    if (ticket_->end()) state_->wake();  // fired but never observed: pass it on [H-5]
  }

  std::shared_ptr<NotifyWaiters::State> state_;
  std::shared_ptr<detail::Ticket> ticket_;
};

}  // namespace

NotifyWaiters::NotifyWaiters() : state_(std::make_shared<State>()) {}
NotifyWaiters::~NotifyWaiters() = default;

std::unique_ptr<Registration> NotifyWaiters::make_registration() {
  return std::make_unique<NotifyRegistration>(state_);
}

void NotifyWaiters::wake() noexcept { state_->wake(); }

std::size_t NotifyWaiters::pending() const noexcept { return state_->live.load(std::memory_order_acquire); }

}  // namespace arena
