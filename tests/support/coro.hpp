// Minimal C++20 coroutine machinery for the tests of allocate_async() and of Registration's
// awaitable side: a fire-and-forget coroutine (Detached), an owned coroutine that can be destroyed
// while suspended (Task: how a test cancels a wait), a bounded poll (eventually), a queue of
// coroutine handles run by hand (ManualExecutor) and a Waiter/BuddyWaiter decorator that hands
// fired waits to that queue instead of resuming them on the releasing thread (PostingWaiter).
// Nothing here waits without a bound: a hung test fails instead of hanging.
#pragma once

#include <atomic>
#include <chrono>
#include <coroutine>
#include <cstddef>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "arena/wait.hpp"

namespace arena::test {

// Polls `done` until it holds or `timeout` passes; true when it held.
template <class Pred>
bool eventually(Pred&& done, std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

// A coroutine that starts at once and frees its own frame when it ends. Report results through
// state the caller owns (and keeps alive until the coroutine has finished).
struct Detached {
  struct promise_type {
    Detached get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }
  };
};

// An owned coroutine: starts at once, stays suspended at its end until the Task goes, and can be
// destroyed while suspended anywhere (cancel()): this is how the tests cancel allocate_async().
// finished() is set after the coroutine has suspended for the last time, so once it reads true
// the frame may be destroyed from any thread.
class Task {
 public:
  struct promise_type {
    std::atomic<bool> finished{false};
    Task get_return_object() noexcept { return Task(std::coroutine_handle<promise_type>::from_promise(*this)); }
    std::suspend_never initial_suspend() noexcept { return {}; }
    auto final_suspend() noexcept {
      struct MarkFinished {
        bool await_ready() const noexcept { return false; }
        void await_suspend(std::coroutine_handle<promise_type> h) const noexcept {
          h.promise().finished.store(true, std::memory_order_release);  // nothing touches the frame after this
        }
        void await_resume() const noexcept {}
      };
      return MarkFinished{};
    }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }
  };

  Task() = default;
  Task(Task&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      cancel();
      handle_ = std::exchange(other.handle_, nullptr);
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() { cancel(); }

  bool finished() const noexcept { return handle_ && handle_.promise().finished.load(std::memory_order_acquire); }
  // Waits (bounded) for the coroutine to finish; false on timeout.
  bool wait_finished(std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) const {
    return eventually([&] { return finished(); }, timeout);
  }
  // Destroys the frame, wherever the coroutine is suspended. The caller must make sure nobody
  // resumes it concurrently (the tests cancel from the thread that does the releases, or while
  // no release is in flight).
  void cancel() noexcept {
    if (handle_) std::exchange(handle_, nullptr).destroy();
  }
  bool valid() const noexcept { return static_cast<bool>(handle_); }

 private:
  explicit Task(std::coroutine_handle<promise_type> h) noexcept : handle_(h) {}
  std::coroutine_handle<promise_type> handle_;
};

// A queue of coroutine handles that the test runs by hand, on the thread it chooses.
class ManualExecutor {
 public:
  void post(std::coroutine_handle<> h) {
    const std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(h);
  }
  std::size_t size() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return queue_.size();
  }
  // Resumes queued handles (including ones queued meanwhile) until the queue is empty; returns
  // how many it resumed.
  std::size_t run() {
    std::size_t n = 0;
    for (;;) {
      std::coroutine_handle<> h;
      {
        const std::lock_guard<std::mutex> lock(mutex_);
        if (queue_.empty()) return n;
        h = queue_.front();
        queue_.pop_front();
      }
      h.resume();
      ++n;
    }
  }

 private:
  mutable std::mutex mutex_;
  std::deque<std::coroutine_handle<>> queue_;
};

namespace detail_coro {

// A one-shot coroutine created suspended: resuming it posts `target` to `executor` and ends it
// (self-destroying). Its handle is what a fired registration resumes.
struct Trampoline {
  struct promise_type {
    Trampoline get_return_object() noexcept {
      return Trampoline{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }
  };
  std::coroutine_handle<promise_type> handle;
};

inline Trampoline post_later(ManualExecutor& executor, std::coroutine_handle<> target,
                             std::shared_ptr<std::atomic<bool>> started) {
  started->store(true, std::memory_order_release);
  executor.post(target);
  co_return;
}

// Registration decorator: suspend() gives the inner registration a trampoline instead of the
// waiting coroutine, so a fire only queues the coroutine on the executor. Everything else is
// forwarded, withdraw() included (a decorator that does not forward it leaks cancelled waits).
class PostingRegistration final : public Registration {
 public:
  PostingRegistration(std::unique_ptr<Registration> inner, ManualExecutor& executor)
      : inner_(std::move(inner)), executor_(executor) {}
  ~PostingRegistration() override {
    inner_.reset();  // ends the wait first (a fire after this point is impossible)
    if (trampoline_ && !started_->load(std::memory_order_acquire)) trampoline_.destroy();  // never fired
  }
  void prepare() override { inner_->prepare(); }
  void revoke() noexcept override { inner_->revoke(); }
  bool withdraw() noexcept override { return inner_->withdraw(); }
  bool wait_until(std::chrono::steady_clock::time_point deadline) override { return inner_->wait_until(deadline); }
  bool suspend(std::coroutine_handle<> h) override {
    started_ = std::make_shared<std::atomic<bool>>(false);
    trampoline_ = post_later(executor_, h, started_).handle;
    if (inner_->suspend(trampoline_)) return true;
    trampoline_.destroy();  // already fired: the waiting coroutine goes on at once
    trampoline_ = nullptr;
    return false;
  }

 private:
  std::unique_ptr<Registration> inner_;
  ManualExecutor& executor_;
  std::coroutine_handle<> trampoline_;
  std::shared_ptr<std::atomic<bool>> started_;
};

}  // namespace detail_coro

// Wraps a Waiter (fixed) and/or a BuddyWaiter: coroutines woken by a release are queued on
// `executor` rather than resumed by the releasing thread (the executor hop of arena/wait.hpp).
// Blocking waits (allocate_wait) are unaffected.
class PostingWaiter final : public Waiter, public BuddyWaiter {
 public:
  PostingWaiter(std::shared_ptr<Waiter> fixed, std::shared_ptr<BuddyWaiter> buddy, ManualExecutor& executor)
      : fixed_(std::move(fixed)), buddy_(std::move(buddy)), executor_(executor) {}
  std::unique_ptr<Registration> make_registration() override {
    return std::make_unique<detail_coro::PostingRegistration>(fixed_->make_registration(), executor_);
  }
  void wake() noexcept override { fixed_->wake(); }
  std::unique_ptr<Registration> make_registration(unsigned order) override {
    return std::make_unique<detail_coro::PostingRegistration>(buddy_->make_registration(order), executor_);
  }
  std::unique_ptr<Registration> make_registration(unsigned order,
                                                  std::chrono::steady_clock::time_point since) override {
    return std::make_unique<detail_coro::PostingRegistration>(buddy_->make_registration(order, since), executor_);
  }
  void wake(unsigned freed_order) noexcept override { buddy_->wake(freed_order); }

 private:
  std::shared_ptr<Waiter> fixed_;
  std::shared_ptr<BuddyWaiter> buddy_;
  ManualExecutor& executor_;
};

}  // namespace arena::test
