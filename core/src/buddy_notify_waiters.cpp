// BuddyNotifyWaiters, the default buddy wake strategy [R-ASY-6/7], with the original's gaps
// closed: wakes are forwarded when a fired registration ends unobserved (L-4), waiters keep their
// age across retries and revocation refreshes the head timestamp (L-5).
//
// wake(f): the candidates are the orders 0..f that have live waiters. Each scores
//   head_age_ns - 50us * order - 5us * live_count   (saturating at 0; lower is served first)
// so that older heads, larger requests and longer queues go first. An order that has received 10
// deliveries in a row sits out a round when others wait (no starvation). At most one delivery per
// order, and at most 8 queue pops in the whole wake, the budget checked before each pop (H-1).
// Revocations leave tombstones (R-ASY-6), but never 8 in one queue: they are compacted away then.
#include <algorithm>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <mutex>
#include <vector>

#include "arena/check.hpp"
#include "arena/wait.hpp"
#include "full_fence.hpp"
#include "wait_ticket.hpp"

namespace arena {

namespace {
constexpr std::int64_t kNoHead = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kOrderBiasNs = 50'000;
constexpr std::int64_t kDepthBiasNs = 5'000;
constexpr unsigned kPopBudget = 8;
constexpr unsigned kStreakLimit = 10;
constexpr std::size_t kCompactAt = 64;  // entries beyond which enqueue compacts a mostly-dead queue
}  // namespace

struct BuddyNotifyWaiters::State {
  struct OrderQueue {
    std::mutex mutex;
    std::deque<std::shared_ptr<detail::Ticket>> queue;  // by age, oldest first; tombstones allowed
    std::atomic<std::size_t> live{0};
    std::atomic<std::int64_t> head_ns{kNoHead};
  };

  explicit State(unsigned order_count) : orders(order_count) {}

  std::vector<OrderQueue> orders;
  std::atomic<std::size_t> total_live{0};
  std::mutex streak_mutex;
  unsigned streak_order = 0;
  unsigned streak = 0;

  // Under q.mutex: the age of the first live entry, dropping dead ones in front of it.
  static void refresh_head(OrderQueue& q) {
    std::int64_t head = kNoHead;
    for (const auto& ticket : q.queue) {
      if (ticket->state.load(std::memory_order_acquire) == detail::TicketState::live) {
        head = ticket->since_ns;
        break;
      }
    }
    q.head_ns.store(head, std::memory_order_release);
  }

  void enqueue(const std::shared_ptr<detail::Ticket>& ticket) {
    OrderQueue& q = orders[ticket->order];
    std::lock_guard<std::mutex> lock(q.mutex);
    ticket->state.store(detail::TicketState::live, std::memory_order_relaxed);
    // Keep the queue ordered by age: a retry of an old wait goes in front of younger ones (L-5).
    auto it = std::find_if(q.queue.rbegin(), q.queue.rend(), [&](const auto& t) { return t->since_ns <= ticket->since_ns; });
    q.queue.insert(it.base(), ticket);
    q.live.fetch_add(1, std::memory_order_relaxed);
    total_live.fetch_add(1, std::memory_order_relaxed);
    refresh_head(q);
    if (q.queue.size() > kCompactAt && q.queue.size() > 2 * q.live.load(std::memory_order_relaxed)) {
      std::erase_if(q.queue, [](const auto& t) { return t->state.load(std::memory_order_acquire) != detail::TicketState::live; });
    }
  }

  // A live ticket was revoked: leave the tombstone queued, fix the counts and the head (L-5).
  // Once a queue holds as many tombstones as a wake may pop, they are dropped here (on the
  // waiter's side, never on the release path): so a live entry is always within one wake's
  // budget of the head, and timed-out or cancelled waits cannot make a release miss a waiter.
  void revoked(const std::shared_ptr<detail::Ticket>& ticket) {
    OrderQueue& q = orders[ticket->order];
    std::lock_guard<std::mutex> lock(q.mutex);
    const std::size_t live = q.live.fetch_sub(1, std::memory_order_acq_rel) - 1;
    total_live.fetch_sub(1, std::memory_order_acq_rel);
    if (q.queue.size() - live >= kPopBudget) {
      std::erase_if(q.queue, [](const auto& t) { return t->state.load(std::memory_order_acquire) != detail::TicketState::live; });
    }
    refresh_head(q);
  }

  void wake(unsigned freed_order) noexcept {
    detail::full_fence();  // pairs with the fence after prepare()
    if (total_live.load(std::memory_order_relaxed) == 0) return;
    const unsigned last = std::min<unsigned>(freed_order, static_cast<unsigned>(orders.size() - 1));
    struct Candidate {
      std::int64_t score;
      unsigned order;
    };
    Candidate candidates[64];
    unsigned count = 0;
    for (unsigned k = 0; k <= last && count < 64; ++k) {
      const std::size_t live = orders[k].live.load(std::memory_order_acquire);
      const std::int64_t head = orders[k].head_ns.load(std::memory_order_acquire);
      if (live == 0 || head == kNoHead) continue;
      std::int64_t score = head - kOrderBiasNs * static_cast<std::int64_t>(k) - kDepthBiasNs * static_cast<std::int64_t>(live);
      candidates[count++] = {score < 0 ? 0 : score, k};
    }
    if (count == 0) return;
    {
      std::lock_guard<std::mutex> lock(streak_mutex);
      if (streak >= kStreakLimit && count > 1) {  // let the others have this one
        auto* end = std::remove_if(candidates, candidates + count, [&](const Candidate& c) { return c.order == streak_order; });
        count = static_cast<unsigned>(end - candidates);
      }
    }
    std::sort(candidates, candidates + count, [](const Candidate& a, const Candidate& b) {
      return a.score != b.score ? a.score < b.score : a.order > b.order;
    });
    unsigned budget = kPopBudget;
    for (unsigned c = 0; c < count && budget > 0; ++c) {
      OrderQueue& q = orders[candidates[c].order];
      std::shared_ptr<detail::Ticket> chosen;
      {
        std::lock_guard<std::mutex> lock(q.mutex);
        while (!q.queue.empty()) {
          if (budget == 0) break;  // checked BEFORE popping: a live entry is never dropped (H-1)
          std::shared_ptr<detail::Ticket> ticket = std::move(q.queue.front());
          q.queue.pop_front();
          --budget;
          if (ticket->state.load(std::memory_order_acquire) != detail::TicketState::live) continue;  // tombstone
          ticket->freed_order = freed_order;
          chosen = std::move(ticket);
          break;
        }
      }
      if (!chosen) continue;
      if (!chosen->try_fire()) continue;  // revoked meanwhile: its revoke fixed the counts
      q.live.fetch_sub(1, std::memory_order_acq_rel);
      total_live.fetch_sub(1, std::memory_order_acq_rel);
      {
        std::lock_guard<std::mutex> lock(q.mutex);
        refresh_head(q);
      }
      std::lock_guard<std::mutex> lock(streak_mutex);
      if (streak_order == candidates[c].order) ++streak;
      else {
        streak_order = candidates[c].order;
        streak = 1;
      }
    }
  }
};

namespace {

class BuddyRegistration final : public Registration {
 public:
  BuddyRegistration(std::shared_ptr<BuddyNotifyWaiters::State> state, unsigned order, std::int64_t since_ns)
      : state_(std::move(state)), ticket_(std::make_shared<detail::Ticket>()) {
    ticket_->order = std::min<unsigned>(order, static_cast<unsigned>(state_->orders.size() - 1));  // clamp [R-ASY-6]
    ticket_->since_ns = since_ns;
  }
  ~BuddyRegistration() override { finish(); }

  void prepare() override {
    state_->enqueue(ticket_);
    detail::full_fence();  // see State::wake
  }
  void revoke() noexcept override { finish(); }
  bool withdraw() noexcept override {
    if (!ticket_->try_revoke()) return false;  // fired: its firer resumes the coroutine
      state_->revoked(ticket_);
    return true;
  }
  bool wait_until(std::chrono::steady_clock::time_point deadline) override { return ticket_->wait_until(deadline); }
  bool suspend(std::coroutine_handle<> h) override {
    std::shared_ptr<detail::Ticket> ticket = ticket_;
    return ticket->suspend(h);
  }

 private:
  void finish() noexcept {
    if (ticket_->try_revoke()) {
      state_->revoked(ticket_);
      return;
    }
    if (ticket_->end()) state_->wake(ticket_->freed_order);  // fired, never observed: pass it on (L-4)
  }

  std::shared_ptr<BuddyNotifyWaiters::State> state_;
  std::shared_ptr<detail::Ticket> ticket_;
};

}  // namespace

BuddyNotifyWaiters::BuddyNotifyWaiters(unsigned order_count) {
  ARENA_CHECK(order_count != 0, "BuddyNotifyWaiters: order_count must be at least 1 (max_order + 1)");
  state_ = std::make_shared<State>(order_count);
}

BuddyNotifyWaiters::~BuddyNotifyWaiters() = default;

std::unique_ptr<Registration> BuddyNotifyWaiters::make_registration(unsigned order) {
  return make_registration(order, std::chrono::steady_clock::now());
}

std::unique_ptr<Registration> BuddyNotifyWaiters::make_registration(unsigned order,
                                                                    std::chrono::steady_clock::time_point since) {
  return std::make_unique<BuddyRegistration>(state_, order, detail::steady_ns(since));
}

void BuddyNotifyWaiters::wake(unsigned freed_order) noexcept { state_->wake(freed_order); }

std::size_t BuddyNotifyWaiters::pending(unsigned order) const noexcept {
  if (order >= state_->orders.size()) return 0;
  return state_->orders[order].live.load(std::memory_order_acquire);
}

std::size_t BuddyNotifyWaiters::queued(unsigned order) const noexcept {
  if (order >= state_->orders.size()) return 0;
  State::OrderQueue& q = state_->orders[order];
  std::lock_guard<std::mutex> lock(q.mutex);
  return q.queue.size();
}

}  // namespace arena
