// Sampler: a background thread that snapshots an allocator's counters every interval while a
// workload runs, producing the metrics timeline of the report (live bytes, largest free block,
// spills, failures, free blocks per order over time).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "arena/workloads/allocator_adapter.hpp"

namespace arena::workloads {

struct TimelineSample {
  double t_s = 0.0;  // since the start of the measured run
  AllocatorSnapshot snapshot;
};

class Sampler {
 public:
  using Source = std::function<AllocatorSnapshot()>;
  // Starts sampling `source` every `interval` (no thread when interval is zero). A first sample is
  // taken at once.
  Sampler(Source source, std::chrono::milliseconds interval);
  Sampler(const Sampler&) = delete;
  Sampler& operator=(const Sampler&) = delete;
  ~Sampler();  // stops
  // Takes a last sample, stops the thread and returns the timeline (idempotent).
  std::vector<TimelineSample> stop();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace arena::workloads
