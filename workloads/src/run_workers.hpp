// run_workers: the driving thread's side of a run - spawns the workers of worker.hpp, releases
// them together, waits for a timed warm-up, takes the metrics baseline and starts the sampler,
// reports progress, takes the last sample while held buffers are still live, and collects the
// outcome. The one thing not to get wrong: the measured wall time ends at the last worker's last
// operation, not when the driving thread notices, and this thread reaches every barrier whatever
// throws (the workers wait on them).
//
//   driver:  spawn ─▶ B1 ─ (warm-up by time) ─▶ B2a ─ baseline, sampler, t0 ─▶ B2b ─ progress ─▶ B3
//            ─ last sample (held buffers still live) ─▶ B4 ─ join
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "arena/workloads/allocator_adapter.hpp"
#include "arena/workloads/sampler.hpp"
#include "handoff_inbox.hpp"
#include "worker.hpp"

namespace arena::workloads::detail {

// Counters of `s` relative to `base` (gauges stay absolute).
inline AllocatorSnapshot relative_to(AllocatorSnapshot s, const AllocatorSnapshot& base) {
  auto since = [](std::uint64_t now, std::uint64_t then) { return now >= then ? now - then : 0; };
  s.allocations = since(s.allocations, base.allocations);
  s.failures = since(s.failures, base.failures);
  s.spills = since(s.spills, base.spills);
  return s;
}

// Runs `plan` against `alloc` once: the driving thread's side of the diagram above.
template <WorkloadAllocator A>
RunOutcome run_workers(A& alloc, const RunPlan& plan) {
  using Handle = typename A::Handle;
  const unsigned threads = plan.threads;
  RunShared<A> shared(alloc, plan, threads + 1);
  shared.overhead_ticks = shared.clock.timer_overhead_ticks();
  const std::size_t inbox_bound = static_cast<std::size_t>(std::clamp<std::uint64_t>(plan.hold.max_live, 1024, 65536));
  for (unsigned t = 0; t < threads; ++t) shared.inboxes.push_back(std::make_unique<HandoffInbox<Handle>>(inbox_bound));

  std::vector<std::unique_ptr<Worker<A>>> workers;
  for (unsigned t = 0; t < threads; ++t) workers.push_back(std::make_unique<Worker<A>>(shared, t));
  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (unsigned t = 0; t < threads; ++t) {
    try {
      pool.emplace_back([w = workers[t].get()] { w->main(); });
    } catch (const std::system_error& e) {
      shared.abort(std::string("cannot start worker thread: ") + e.what());
      for (unsigned missing = t; missing < threads; ++missing) shared.barrier.arrive_and_drop();
      break;
    }
  }
  const unsigned running = static_cast<unsigned>(pool.size());
  shared.running = running;  // published to the workers by B1
  // From here on the driving thread must reach every barrier whatever happens (workers wait on
  // them): anything that throws aborts the run with its reason instead of unwinding.
  auto guarded = [&shared](const char* what, auto&& fn) noexcept {
    try {
      fn();
    } catch (const std::exception& e) {
      shared.abort(std::string(what) + ": " + e.what());
    } catch (...) {
      shared.abort(std::string(what) + ": unknown exception");
    }
  };
  auto report = [&](double fraction) {
    if (plan.progress) guarded("progress callback", [&] { plan.progress(std::clamp(fraction, 0.0, 1.0)); });
  };

  shared.barrier.arrive_and_wait();  // B1: every worker set up and pinned
  if (plan.warmup_ops == 0 && plan.warmup_s > 0) {
    std::unique_lock lock(shared.mutex);
    shared.done_cv.wait_for(lock, std::chrono::duration<double>(plan.warmup_s),
                            [&] { return shared.aborted.load(std::memory_order_relaxed); });
    lock.unlock();
    shared.warm_stop.store(true, std::memory_order_relaxed);
  }
  shared.barrier.arrive_and_wait();  // B2a: warm-up over, workers quiescent

  AllocatorSnapshot base;
  std::optional<Sampler> sampler;
  guarded("metrics sampler", [&] {
    base = alloc.snapshot();
    sampler.emplace([&alloc, base] { return relative_to(alloc.snapshot(), base); }, plan.sample_interval);
  });
  const auto start = std::chrono::steady_clock::now();
  shared.barrier.arrive_and_wait();  // B2b: go

  const std::uint64_t total_ops = plan.ops_per_thread ? *plan.ops_per_thread * threads : 0;
  const auto deadline = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                    std::chrono::duration<double>(plan.ops_per_thread ? 0.0 : plan.duration_s));
  {
    std::unique_lock lock(shared.mutex);
    while (shared.done < running) {
      const auto now = std::chrono::steady_clock::now();
      if (!plan.ops_per_thread && now >= deadline) {
        shared.run_stop.store(true, std::memory_order_relaxed);
        shared.done_cv.wait(lock, [&] { return shared.done >= running; });
        break;
      }
      auto wake = now + std::chrono::milliseconds(50);
      if (!plan.ops_per_thread) wake = std::min(wake, deadline);
      shared.done_cv.wait_until(lock, wake, [&] { return shared.done >= running; });
      lock.unlock();
      if (plan.ops_per_thread) {
        std::uint64_t done_ops = 0;
        for (const auto& w : workers) done_ops += w->progress();
        report(total_ops == 0 ? 1.0 : static_cast<double>(done_ops) / static_cast<double>(total_ops));
      } else {
        report(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / plan.duration_s);
      }
      lock.lock();
    }
  }
  shared.barrier.arrive_and_wait();  // B3: measured phase over everywhere

  RunOutcome out;
  if (sampler) {
    guarded("metrics sampler", [&] { out.timeline = sampler->stop(); });  // the last sample: held buffers still live
    sampler.reset();
  }
  shared.barrier.arrive_and_wait();  // B4: workers drop what they hold
  for (std::thread& th : pool) th.join();

  auto end = start;
  for (unsigned t = 0; t < running; ++t) {
    const Worker<A>& w = *workers[t];
    out.operations += w.operations();
    out.bytes += w.bytes();
    end = std::max(end, w.end());
    if (const auto* latency = w.latency()) {
      for (unsigned k = 0; k < kOpTypes; ++k) out.latency[k].merge((*latency)[k]);
    }
  }
  out.seconds = std::chrono::duration<double>(end - start).count();
  out.timer_overhead_ns = static_cast<double>(shared.overhead_ticks) * shared.clock.ns_per_tick();
  out.error = shared.error;
  report(1.0);
  return out;
}

}  // namespace arena::workloads::detail
