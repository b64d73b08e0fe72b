// Example: a custom wake strategy. An arena::Waiter decides whom a release wakes while threads
// wait in allocate_wait() or coroutines in allocate_async(). This one keeps the armed
// registrations on a lock-free Treiber stack (newest first, so the most recently armed waiter,
// whose cache is warmest, is served first) and plugs in with FixedArena::...waiter(ptr). It shows
// what every strategy must get right: arm in prepare(), fire each registration at most once, skip
// withdrawn ones, and pass on a wake that its receiver never observed. Exits non-zero if a waiter
// is not served.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <coroutine>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include <arena/arena.hpp>

namespace {

// A full barrier (prepare() and wake() form a store-buffer pattern with the arena's release).
// ThreadSanitizer does not model standalone fences, and g++ warns about them under it.
void full_fence() noexcept {
#if defined(__SANITIZE_THREAD__)
  static std::atomic<int> dummy{0};
  dummy.fetch_add(0, std::memory_order_seq_cst);
#else
  std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
}

// One wait attempt:  idle -prepare-> armed -wake-> fired -seen by its waiter-> observed
//                                    armed -revoke / timeout / withdraw / destroy-> revoked
// Only one CAS out of `armed` wins, so a node fires at most once and a revoked node never.
struct Node {
  enum State : int { idle, armed, fired, observed, revoked };
  std::atomic<int> state{idle};
  std::atomic<void*> coroutine{nullptr};  // a suspended coroutine to resume when fired
  std::mutex mutex;                       // for blocking waits
  std::condition_variable woken;
  Node* next = nullptr;       // stack link, written before the node's one and only push
  Node* next_made = nullptr;  // every node made, freed with the waiter

  bool move(int from, int to) noexcept { return state.compare_exchange_strong(from, to, std::memory_order_acq_rel); }
  bool fire() noexcept {
    if (!move(armed, fired)) return false;  // revoked after its push: a tombstone
    if (void* handle = coroutine.exchange(nullptr, std::memory_order_acq_rel)) {
      state.store(observed, std::memory_order_release);  // resuming it is observing it
      std::coroutine_handle<>::from_address(handle).resume();
      return true;
    }
    std::lock_guard<std::mutex> lock(mutex);
    woken.notify_all();
    return true;
  }
};

// ABA safety, kept simple: a node is pushed once and freed only with the waiter, so a popped node
// never becomes the head again and reading `next` of a node another thread popped is harmless. The
// price is one small node per wait attempt until the waiter goes; a long-lived server would
// recycle nodes through a tagged-pointer free list instead.
class StackWaiter final : public arena::Waiter, public std::enable_shared_from_this<StackWaiter> {
 public:
  ~StackWaiter() override {
    for (Node* n = made_.load(std::memory_order_acquire); n != nullptr;) delete std::exchange(n, n->next_made);
  }
  std::unique_ptr<arena::Registration> make_registration() override;

  // Called by the arena on releases while somebody waits: fire the newest armed registration.
  void wake() noexcept override {
    full_fence();  // pairs with prepare(): we see its push, or its retry sees our release
    while (Node* n = pop()) {
      if (n->fire()) return (void)fired.fetch_add(1, std::memory_order_relaxed);
      tombstones.fetch_add(1, std::memory_order_relaxed);
    }
  }

  Node* make_node() {
    auto* n = new Node;
    Node* first = made_.load(std::memory_order_relaxed);
    do {
      n->next_made = first;
    } while (!made_.compare_exchange_weak(first, n, std::memory_order_acq_rel, std::memory_order_relaxed));
    return n;
  }
  void push(Node* n) noexcept {
    Node* top = head_.load(std::memory_order_relaxed);
    do {
      n->next = top;
    } while (!head_.compare_exchange_weak(top, n, std::memory_order_acq_rel, std::memory_order_relaxed));
    pushed.fetch_add(1, std::memory_order_relaxed);
  }

  std::atomic<std::uint64_t> pushed{0}, fired{0}, tombstones{0};

 private:
  Node* pop() noexcept {
    Node* top = head_.load(std::memory_order_acquire);
    while (top != nullptr &&
           !head_.compare_exchange_weak(top, top->next, std::memory_order_acq_rel, std::memory_order_acquire)) {
      // the failed CAS reloaded `top`: try again with the new head
    }
    return top;
  }
  std::atomic<Node*> head_{nullptr};
  std::atomic<Node*> made_{nullptr};
};

class StackRegistration final : public arena::Registration {
 public:
  explicit StackRegistration(std::shared_ptr<StackWaiter> waiter)
      : waiter_(std::move(waiter)), node_(waiter_->make_node()) {}
  ~StackRegistration() override { finish(); }

  // Arm HERE, not when first waited on: the arena retries its allocation right after prepare(),
  // and a release between that failed retry and the wait must find this node on the stack. (The
  // original crate's Treiber-stack example pushed on first poll, leaving exactly that window for a
  // lost wake-up: L-6.)
  void prepare() override {
    node_->state.store(Node::armed, std::memory_order_relaxed);
    waiter_->push(node_);
    full_fence();  // pairs with wake()
  }
  void revoke() noexcept override { finish(); }
  // For a cancelled coroutine: true when the node had not fired (its handle will never be resumed).
  bool withdraw() noexcept override { return node_->move(Node::armed, Node::revoked); }
  bool wait_until(std::chrono::steady_clock::time_point deadline) override {
    std::unique_lock<std::mutex> lock(node_->mutex);
    auto not_armed = [&] { return node_->state.load(std::memory_order_acquire) != Node::armed; };
    if (!node_->woken.wait_until(lock, deadline, not_armed)) return false;  // finish() handles a late fire
    node_->move(Node::fired, Node::observed);
    return true;
  }
  bool suspend(std::coroutine_handle<> h) override {
    Node* node = node_;  // once `h` is handed over, the firer may resume it and destroy `this`
    node->coroutine.store(h.address(), std::memory_order_release);
    if (node->state.load(std::memory_order_acquire) == Node::armed) return true;               // the firer resumes h
    if (node->coroutine.exchange(nullptr, std::memory_order_acq_rel) == nullptr) return true;  // it took h
    node->move(Node::fired, Node::observed);  // fired before we suspended: carry on at once
    return false;
  }

 private:
  // Ends the attempt: withdraw the node if still armed; if it fired but nobody observed the wake
  // (timed out, revoked after an immediate success), pass the wake on to another waiter.
  void finish() noexcept {
    if (node_->move(Node::armed, Node::revoked)) return;
    if (node_->move(Node::fired, Node::observed)) waiter_->wake();
  }
  std::shared_ptr<StackWaiter> waiter_;
  Node* node_;
};

std::unique_ptr<arena::Registration> StackWaiter::make_registration() {
  return std::make_unique<StackRegistration>(shared_from_this());
}

struct Detached {  // a fire-and-forget coroutine
  struct promise_type {
    Detached get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }
  };
};

Detached await_slot(arena::FixedArena pool, bool& served) {
  arena::Buffer slot = co_await pool.allocate_async();
  served = slot.capacity() == pool.slot_capacity();
}

}  // namespace

int main() {
  using namespace std::chrono_literals;
  auto waiter = std::make_shared<StackWaiter>();
  arena::FixedArena pool = arena::FixedArena::with_slot_capacity(2, 64).waiter(waiter).build().value();

  // 1. A thread blocked in allocate_wait is served by a release once its node is on the stack.
  arena::Buffer a = pool.allocate().value();
  arena::Buffer b = pool.allocate().value();
  arena::Buffer got;
  std::thread blocked([&] { got = pool.allocate_wait(std::chrono::steady_clock::now() + 5s).value(); });
  while (waiter->pushed.load() == 0) std::this_thread::yield();
  a = arena::Buffer();  // release -> wake() pops the node and fires it
  blocked.join();
  const bool blocked_served = got.capacity() == 64;
  std::printf("blocked thread served: %s (pushed=%llu fired=%llu)\n", blocked_served ? "yes" : "no",
              static_cast<unsigned long long>(waiter->pushed.load()),
              static_cast<unsigned long long>(waiter->fired.load()));

  // 2. A coroutine suspended in allocate_async is resumed by a release on another thread.
  bool coroutine_served = false;
  await_slot(pool, coroutine_served);
  std::thread releaser([&] { b = arena::Buffer(); });
  releaser.join();
  std::printf("suspended coroutine served: %s (fired=%llu)\n", coroutine_served ? "yes" : "no",
              static_cast<unsigned long long>(waiter->fired.load()));
  got = arena::Buffer();

  // 3. Four threads share the two slots; a lost wake-up would show as a timeout.
  constexpr int kThreads = 4, kRounds = 500;
  std::atomic<int> served{0}, timed_out{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&] {
      for (int i = 0; i < kRounds; ++i) {
        arena::Result<arena::Buffer> slot = pool.allocate_wait(std::chrono::steady_clock::now() + 10s);
        if (!slot) {
          timed_out.fetch_add(1);
          continue;
        }
        slot->put_u32(static_cast<std::uint32_t>(i));
        std::this_thread::sleep_for(20us);  // hold it a moment, so that others must wait
        served.fetch_add(1);
      }
    });
  }
  for (std::thread& w : workers) w.join();
  const arena::FixedMetrics m = pool.metrics();
  std::printf(
      "%d threads x %d allocate_wait on 2 slots: %d served, %d timed out; arena waits=%llu; "
      "stack pushed=%llu fired=%llu tombstones=%llu\n",
      kThreads, kRounds, served.load(), timed_out.load(), static_cast<unsigned long long>(m.waits),
      static_cast<unsigned long long>(waiter->pushed.load()), static_cast<unsigned long long>(waiter->fired.load()),
      static_cast<unsigned long long>(waiter->tombstones.load()));

  const bool ok = blocked_served && coroutine_served && served.load() == kThreads * kRounds && timed_out.load() == 0 &&
                  waiter->fired.load() >= 2 && m.slots_live == 0;
  std::printf("%s\n", ok ? "OK" : "FAILED");
  return ok ? 0 : 1;
}
