// The awaitable behind FixedArena::allocate_async() and BuddyArena::allocate_async(): the wait loop
// of arena/wait.hpp run by a small internal coroutine, so that a wake that finds the arena taken
// again can register and suspend again without resuming the user's coroutine.
//
//   user coroutine --co_await--> AsyncAllocation --starts--> wait task (own frame, self-destroying)
//                                      ^                           | loop: register, retry, suspend
//                                      +---- resumes the user -----+ when a retry succeeds
//
// Cancellation (the user destroys its coroutine while suspended here): under the operation's
// mutex the awaitable marks it cancelled and withdraws the registration the task is suspended on.
// Withdrawn before it fired: the task will never be resumed, so the awaitable destroys the task's
// frame (which ends the wait and leaves nothing registered). Already fired: the task runs (or is
// about to), sees the mark, passes the wake on, and ends itself. Either way the user's coroutine
// is never resumed after it was destroyed.
#pragma once

#include <chrono>
#include <coroutine>
#include <cstddef>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#include "arena/buffer.hpp"
#include "arena/error.hpp"
#include "arena/wait.hpp"

namespace arena::detail {

// What the wait needs from an arena type A (specialised next to each arena):
//   static Result<Buffer> try_first(A&, std::size_t len);   // counted like allocate()
//   static Result<Buffer> try_again(A&, std::size_t len);   // a retry (not counted, L-7)
//   static std::unique_ptr<Registration> make_registration(A&, std::size_t len, steady_clock::time_point since);
//   static void begin(A&);  static void end(A&);            // waiting bookkeeping
//   static void forward(A&, std::size_t len) noexcept;      // pass on a wake nobody will use
template <class A>
struct WaitHooks;

// State shared by the awaitable (in the user's frame) and the wait task (in its own frame).
struct AsyncWaitState {
  std::mutex mutex;
  std::coroutine_handle<> continuation;  // the user's coroutine
  std::coroutine_handle<> task;          // the wait task, while it runs or is suspended
  Registration* suspended_on = nullptr;  // the registration the task is suspended on, if any
  std::optional<Result<Buffer>> result;
  bool user_suspended = false;  // await_suspend has returned true
  bool done = false;            // the task delivered a result
  bool cancelled = false;       // the awaitable was destroyed before the result
};

// The internal coroutine type: starts at once, destroys itself at the end, and continues with
// whatever its promise says (the user's coroutine, or nothing).
struct WaitTask {
  struct promise_type {
    std::coroutine_handle<> next = std::noop_coroutine();
    WaitTask get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    auto final_suspend() noexcept {
      struct Transfer {
        bool await_ready() noexcept { return false; }
        std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> self) noexcept {
          std::coroutine_handle<> continuation = self.promise().next;
          self.destroy();  // the frame ends here; nothing refers to it any more
          return continuation;
        }
        void await_resume() noexcept {}
      };
      return Transfer{};
    }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }
  };
};

// Suspends the task on a registration, recording where it waits (for cancellation). The hand-off
// happens under the operation's mutex, so a cancellation cannot withdraw the registration between
// "recorded" and "suspended"; a firer that resumes the task at once waits for the mutex first.
struct SuspendOn {
  AsyncWaitState& state;
  Registration& registration;
  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> self) {
    std::unique_lock<std::mutex> lock(state.mutex);
    if (state.cancelled) return false;  // no point waiting
    state.task = self;
    state.suspended_on = &registration;
    if (registration.suspend(self)) return true;  // from here on, nothing of the frame is touched
    state.suspended_on = nullptr;                 // already fired: continue at once
    return false;
  }
  void await_resume() const noexcept {}
};

// Makes final_suspend continue with `next` (by symmetric transfer: no stack growth).
struct ContinueWith {
  std::coroutine_handle<> next;
  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<WaitTask::promise_type> self) noexcept {
    self.promise().next = next;
    return false;
  }
  void await_resume() const noexcept {}
};

template <class A>
WaitTask run_wait(A arena, std::size_t len, std::shared_ptr<AsyncWaitState> state) {
  using Hooks = WaitHooks<A>;
  Hooks::begin(arena);
  struct EndWaiting {  // also runs when the awaitable destroys this frame while suspended
    A& arena;
    ~EndWaiting() { Hooks::end(arena); }
  } end_waiting{arena};
  const auto since = std::chrono::steady_clock::now();
  std::optional<Result<Buffer>> outcome;
  for (;;) {
    std::unique_ptr<Registration> registration = Hooks::make_registration(arena, len, since);
    registration->prepare();  // armed before the retry [R-ASY-2]
    Result<Buffer> attempt = Hooks::try_again(arena, len);
    if (attempt || attempt.error() != Errc::arena_full) {
      registration->revoke();
      outcome.emplace(std::move(attempt));
      break;
    }
    co_await SuspendOn{*state, *registration};
    bool cancelled;
    {
      std::lock_guard<std::mutex> lock(state->mutex);
      state->suspended_on = nullptr;
      cancelled = state->cancelled;
    }
    if (cancelled) {
      registration.reset();
      Hooks::forward(arena, len);  // this task may have consumed a wake it will not use: pass it on
      co_return;
    }
  }
  std::coroutine_handle<> resume_user;
  bool cancelled;
  {
    std::lock_guard<std::mutex> lock(state->mutex);
    state->done = true;
    state->task = nullptr;
    cancelled = state->cancelled;
    if (!cancelled) {
      state->result = std::move(outcome);
      if (state->user_suspended) resume_user = state->continuation;
    }
  }
  if (cancelled) outcome.reset();  // a Buffer nobody will take goes back to the arena
  if (resume_user) co_await ContinueWith{resume_user};
}

// The awaitable: Mode::unwrap gives a Buffer (fixed arenas wait until they get one), Mode::result
// a Result<Buffer> (buddy arenas fail at once with request_too_large).
enum class AwaitMode { unwrap, result };

template <class A, AwaitMode Mode>
class AsyncAllocation {
 public:
  AsyncAllocation(A arena, std::size_t len) : arena_(std::move(arena)), len_(len) {}
  AsyncAllocation(const AsyncAllocation&) = delete;
  AsyncAllocation& operator=(const AsyncAllocation&) = delete;
  ~AsyncAllocation() { cancel(); }

  bool await_ready() {
    Result<Buffer> first = WaitHooks<A>::try_first(arena_, len_);
    if (first || first.error() != Errc::arena_full) {
      ready_.emplace(std::move(first));
      return true;
    }
    return false;
  }
  bool await_suspend(std::coroutine_handle<> user) {
    state_ = std::make_shared<AsyncWaitState>();
    state_->continuation = user;
    run_wait<A>(arena_, len_, state_);  // runs until its first suspension, or to the end
    std::lock_guard<std::mutex> lock(state_->mutex);
    if (state_->done) return false;  // got it already: carry on without suspending
    state_->user_suspended = true;
    return true;
  }
  auto await_resume() {
    Result<Buffer> result = take();
    if constexpr (Mode == AwaitMode::unwrap) return std::move(result).value();
    else return result;
  }

 private:
  Result<Buffer> take() {
    if (ready_) return std::move(*ready_);
    std::lock_guard<std::mutex> lock(state_->mutex);
    return std::move(*state_->result);
  }
  void cancel() noexcept {
    if (!state_) return;
    std::coroutine_handle<> orphan_task;
    {
      std::lock_guard<std::mutex> lock(state_->mutex);
      if (state_->done) return;
      state_->cancelled = true;
      if (state_->suspended_on != nullptr && state_->suspended_on->withdraw()) {
        orphan_task = state_->task;  // withdrawn before it fired: nobody will ever resume it
        state_->task = nullptr;
        state_->suspended_on = nullptr;
      }
    }
    if (orphan_task) orphan_task.destroy();  // its locals end the wait: nothing stays registered
  }

  A arena_;
  std::size_t len_;
  std::optional<Result<Buffer>> ready_;
  std::shared_ptr<AsyncWaitState> state_;
};

}  // namespace arena::detail
