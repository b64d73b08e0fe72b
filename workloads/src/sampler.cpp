// Sampler (sampler.hpp): a thread that calls a snapshot source at start + k * interval (missed
// ticks are skipped, never bunched up), until stop() takes the last sample and joins it. The
// timeline is only touched under the mutex; stop() is idempotent and safe from the destructor.
// The one thing not to get wrong: the source runs on the sampler thread while workers run, so it
// must only read counters that are safe to read concurrently (AllocatorSnapshot's contract).
#include "arena/workloads/sampler.hpp"

#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace arena::workloads {

struct Sampler::State {
  Source source;
  std::chrono::milliseconds interval{0};
  std::chrono::steady_clock::time_point start;
  std::mutex mutex;
  std::condition_variable wake;
  bool stopping = false;
  bool stopped = false;
  std::vector<TimelineSample> timeline;
  std::thread thread;

  // Takes one sample now (outside the lock: the source may take a while) and appends it.
  void sample() {
    AllocatorSnapshot snapshot = source();
    const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::lock_guard lock(mutex);
    timeline.push_back(TimelineSample{t, std::move(snapshot)});
  }

  void loop() {
    try {
      auto next = start + interval;
      std::unique_lock lock(mutex);
      while (!stopping) {
        if (wake.wait_until(lock, next, [this] { return stopping; })) break;
        lock.unlock();
        sample();
        lock.lock();
        const auto now = std::chrono::steady_clock::now();
        next += interval;
        while (next <= now) next += interval;  // a slow source skips ticks
      }
    } catch (...) {
      // A source that throws ends the timeline early; stop() still takes the last sample.
    }
  }
};

Sampler::Sampler(Source source, std::chrono::milliseconds interval) : state_(std::make_unique<State>()) {
  state_->source = std::move(source);
  state_->interval = interval;
  state_->start = std::chrono::steady_clock::now();
  state_->sample();
  if (interval.count() > 0) state_->thread = std::thread([s = state_.get()] { s->loop(); });
}

Sampler::~Sampler() {
  try {
    stop();
  } catch (...) {
    // A destructor does not throw; the timeline is lost with the sampler anyway.
  }
}

std::vector<TimelineSample> Sampler::stop() {
  State& s = *state_;
  {
    std::lock_guard lock(s.mutex);
    if (s.stopped) return s.timeline;
    s.stopping = true;
  }
  s.wake.notify_all();
  if (s.thread.joinable()) s.thread.join();
  s.sample();
  std::lock_guard lock(s.mutex);
  s.stopped = true;
  return s.timeline;
}

}  // namespace arena::workloads
