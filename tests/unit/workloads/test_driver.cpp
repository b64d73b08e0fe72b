// Tests of arena/workloads/driver.hpp (workloads/src/driver.cpp, worker.hpp and the adapters in
// arena_adapters.hpp / heap_adapters.hpp, white-box where a figure must be checked against the
// allocator itself). Short operation-count runs (2 threads, a fraction of a second each): every
// kind gives an ok record with exact operation counts and bytes = the sum of the sizes the seed
// gives; a fixed arena too small fails its requests (counted), auto-spill spills them; the hold
// model keeps buffers (peak live > 0, bounded by max_live per thread); handoff moves buffers
// across threads and every one comes back; missing peers are skipped with their reason; bad
// geometry and bad NUMA nodes are failed records; repetitions interleave.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "arena/workloads/driver.hpp"
#include "arena/workloads/profile.hpp"
#include "arena/workloads/size_distribution.hpp"
#include "arena_adapters.hpp"
#include "heap_adapters.hpp"
#include "run_workers.hpp"

using arena::workloads::AllocatorKind;
using arena::workloads::AllocatorSnapshot;
using arena::workloads::AllocatorSpec;
using arena::workloads::availability;
using arena::workloads::NumaPlacement;
using arena::workloads::Profile;
using arena::workloads::run_once;
using arena::workloads::run_profile;
using arena::workloads::RunOptions;
using arena::workloads::RunRecord;
using arena::workloads::SizeDistribution;
using Status = arena::workloads::RunRecord::Status;

namespace {

constexpr std::uint64_t kOps = 2000;

AllocatorSpec spec_for(AllocatorKind kind) {
  AllocatorSpec s;
  s.kind = kind;
  s.name = std::string(arena::workloads::to_string(kind));
  if (kind == AllocatorKind::fixed) {
    s.slot_size = 1024;
    s.slot_count = 256;
  } else if (kind == AllocatorKind::buddy) {
    s.total = 1 << 20;
    s.min_block = 256;
  }
  return s;
}

Profile small_profile(AllocatorKind kind, SizeDistribution sizes = SizeDistribution::constant(256)) {
  Profile p;
  p.name = "test";
  p.seed = 42;
  p.threads = 2;
  p.operations = kOps;
  p.sizes = std::move(sizes);
  p.sample_interval_ms = 5;
  p.allocators = {spec_for(kind)};
  return p;
}

RunRecord run(const Profile& p, unsigned every = 1) {
  RunOptions options;
  options.latency_sample_every = every;
  return run_once(p, p.allocators.at(0), options);
}

// The bytes a run writes: the sizes each thread's sampler draws, once per operation.
std::uint64_t expected_bytes(const Profile& p) {
  std::uint64_t total = 0;
  for (unsigned t = 0; t < p.threads; ++t) {
    auto sampler = p.sizes.sampler(p.seed, t, p.threads);
    for (std::uint64_t i = 0; i < p.warmup_operations; ++i) (void)sampler.next();
    for (std::uint64_t i = 0; i < *p.operations; ++i) total += sampler.next().size;
  }
  return total;
}

void check_ok(const RunRecord& r, const Profile& p) {
  CAPTURE(r.allocator);
  CAPTURE(r.error);
  REQUIRE(r.status == Status::ok);
  CHECK(r.error.empty());
  CHECK(r.operations == *p.operations * p.threads);
  CHECK(r.bytes == expected_bytes(p));
  CHECK(r.seconds > 0.0);
  CHECK(r.ops_per_s == doctest::Approx(static_cast<double>(r.operations) / r.seconds));
  CHECK(r.bytes_per_s == doctest::Approx(static_cast<double>(r.bytes) / r.seconds));
  CHECK(r.failures == 0u);
  for (const char* op : {"allocate", "drop", "copy", "slice", "into_owned", "handoff"}) CHECK(r.latency.count(op) == 1u);
  CHECK(r.latency.at("allocate").count == r.operations);  // every operation timed
  CHECK(r.latency.at("allocate").p50_ns <= r.latency.at("allocate").p99_ns);
  CHECK(r.latency.at("allocate").p99_ns <= r.latency.at("allocate").max_ns);
  CHECK(r.timer_overhead_ns >= 0.0);
  CHECK(r.timeline.size() >= 2u);  // first and last sample at least
}

}  // namespace

TEST_SUITE("arena::workloads::run_once") {
  TEST_CASE("every kind: an ok record with exact operations and bytes (constant and uniform sizes)") {
    for (AllocatorKind kind : {AllocatorKind::fixed, AllocatorKind::buddy, AllocatorKind::shared_vector,
                               AllocatorKind::malloc_refcount, AllocatorKind::pmr_pool, AllocatorKind::null,
                               AllocatorKind::mimalloc, AllocatorKind::jemalloc, AllocatorKind::tcmalloc}) {
      for (bool uniform : {false, true}) {
        const Profile p = small_profile(kind, uniform ? SizeDistribution::uniform(1, 1024) : SizeDistribution::constant(256));
        CAPTURE(arena::workloads::to_string(kind));
        CAPTURE(uniform);
        const RunRecord r = run(p);
        CHECK(r.kind == kind);
        CHECK(r.allocator == std::string(arena::workloads::to_string(kind)));
        if (!availability(kind).available) {  // a peer that is not here: skipped, never replaced
          CHECK(r.status == Status::skipped);
          CHECK(r.error == availability(kind).reason);
          CHECK(!r.error.empty());
          CHECK(r.operations == 0u);
          continue;
        }
        check_ok(r, p);
        CHECK(r.latency.at("drop").count == r.operations);  // nothing held: every buffer dropped at once
        if (kind == AllocatorKind::fixed) {
          CHECK(r.largest_free_block_min == 1024u);
          CHECK(r.timeline.back().snapshot.bytes_reserved == 256u * 1024u);
          CHECK(r.timeline.back().snapshot.allocations == r.operations);  // relative to the measured start
        }
        if (kind == AllocatorKind::buddy) {
          REQUIRE(r.largest_free_block_min.has_value());
          CHECK(*r.largest_free_block_min > 0u);
          CHECK(*r.largest_free_block_min <= (1u << 20));
          CHECK(r.internal_fragmentation_bytes.has_value());
          CHECK(r.free_blocks_per_order.size() == 13u);  // orders 0..12 of 1 MiB / 256 B
        }
        if (kind == AllocatorKind::null) CHECK(r.peak_bytes_live == 0u);
      }
    }
  }

  TEST_CASE("the same seed gives the same bytes, another seed other bytes") {
    Profile p = small_profile(AllocatorKind::malloc_refcount, SizeDistribution::uniform(1, 4096));
    const RunRecord a = run(p);
    const RunRecord b = run(p);
    p.seed = 43;
    const RunRecord c = run(p);
    CHECK(a.bytes == b.bytes);
    CHECK(a.bytes != c.bytes);
    CHECK(c.bytes == expected_bytes(p));
  }

  TEST_CASE("warm-up operations are not measured") {
    Profile p = small_profile(AllocatorKind::fixed, SizeDistribution::uniform(1, 1000));
    p.warmup_operations = 500;
    const RunRecord r = run(p);
    check_ok(r, p);  // expected_bytes skips the warm-up draws
  }

  TEST_CASE("a fixed slot smaller than the requests: every request fails, counted, nothing written") {
    Profile p = small_profile(AllocatorKind::fixed, SizeDistribution::constant(300));
    p.allocators[0].slot_size = 256;
    const RunRecord r = run(p);
    REQUIRE(r.status == Status::ok);
    CHECK(r.operations == kOps * 2);
    CHECK(r.failures == kOps * 2);
    CHECK(r.bytes == 0u);
    CHECK(r.spills == 0u);
    CHECK(r.latency.at("allocate").count == 0u);
  }

  TEST_CASE("a fixed arena with too few slots: failures counted when the hold model fills it") {
    Profile p = small_profile(AllocatorKind::fixed);
    p.allocators[0].slot_count = 8;
    p.hold.fraction = 1.0;
    p.hold.ops = 1'000'000;  // never expire during the run
    p.hold.max_live = 64;    // more than the arena has
    const RunRecord r = run(p);
    REQUIRE(r.status == Status::ok);
    CHECK(r.failures > 0u);
    CHECK(r.failures <= r.operations);
    CHECK(r.largest_free_block_min == 0u);  // the arena was full at some sample
    CHECK(r.peak_bytes_live == 8u * 1024u);
  }

  TEST_CASE("auto-spill: requests larger than the slot spill to the heap, counted") {
    Profile p = small_profile(AllocatorKind::fixed, SizeDistribution::constant(300));
    p.allocators[0].slot_size = 256;
    p.allocators[0].auto_spill = true;
    const RunRecord r = run(p);
    check_ok(r, p);
    CHECK(r.spills == kOps * 2);
    CHECK(r.bytes == kOps * 2 * 300);
  }

  TEST_CASE("buddy: a request larger than the arena fails, counted") {
    Profile p = small_profile(AllocatorKind::buddy, SizeDistribution::constant(4096));
    p.allocators[0].total = 2048;
    p.allocators[0].min_block = 256;
    const RunRecord r = run(p);
    REQUIRE(r.status == Status::ok);
    CHECK(r.failures == kOps * 2);
    CHECK(r.bytes == 0u);
  }

  TEST_CASE("hold model: buffers are kept, peak live bounded by max_live per thread") {
    for (AllocatorKind kind : {AllocatorKind::fixed, AllocatorKind::buddy, AllocatorKind::malloc_refcount}) {
      CAPTURE(arena::workloads::to_string(kind));
      Profile p = small_profile(kind, SizeDistribution::constant(1024));
      p.hold.fraction = 1.0;
      p.hold.ops = 1'000'000;
      p.hold.max_live = 16;
      const RunRecord r = run(p);
      check_ok(r, p);
      // At the end of the measured phase every thread holds max_live buffers (the last sample is
      // taken before they are dropped); one more may be in flight per thread during the run.
      CHECK(r.peak_bytes_live >= 16u * 2u * 1024u);
      CHECK(r.peak_bytes_live <= 17u * 2u * 1024u);
      CHECK(r.timeline.back().snapshot.bytes_live == 16u * 2u * 1024u);
      CHECK(r.latency.at("drop").count == r.operations - 16u * 2u);  // the held ones go after the run
    }
  }

  TEST_CASE("hold model by operations: a buffer lives for exactly that many further operations") {
    Profile p = small_profile(AllocatorKind::fixed);
    p.hold.fraction = 1.0;
    p.hold.ops = 3;
    const RunRecord r = run(p);
    check_ok(r, p);
    CHECK(r.timeline.back().snapshot.bytes_live == 2u * 3u * 1024u);  // 3 per thread at the end
  }

  TEST_CASE("hold model by time: runs, keeps some buffers") {
    Profile p = small_profile(AllocatorKind::buddy);
    p.hold.fraction = 0.5;
    p.hold.time_ns = 2'000'000;  // 2 ms
    p.hold.max_live = 100;
    const RunRecord r = run(p);
    check_ok(r, p);
    CHECK(r.peak_bytes_live > 0u);
    CHECK(r.peak_bytes_live <= 2u * 101u * 256u);
  }

  TEST_CASE("operation mix: copy, slice and into_owned are each timed") {
    Profile p = small_profile(AllocatorKind::fixed, SizeDistribution::uniform(1, 1024));
    p.mix.copy = 1.0;
    p.mix.slice = 1.0;
    p.mix.into_owned = 1.0;
    const RunRecord r = run(p);
    REQUIRE(r.status == Status::ok);
    CHECK(r.latency.at("copy").count == r.operations);
    CHECK(r.latency.at("slice").count == r.operations);
    CHECK(r.latency.at("into_owned").count == r.operations);
    CHECK(r.latency.at("drop").count == 0u);  // into_owned consumed every handle
  }

  TEST_CASE("write fraction: half of each request is written") {
    Profile p = small_profile(AllocatorKind::fixed, SizeDistribution::constant(1000));
    p.mix.write = 0.5;
    const RunRecord r = run(p);
    REQUIRE(r.status == Status::ok);
    CHECK(r.bytes == kOps * 2 * 500);
  }

  TEST_CASE("latency sampling: about one operation in N is timed") {
    const Profile p = small_profile(AllocatorKind::null);
    const RunRecord r = run(p, 8);
    REQUIRE(r.status == Status::ok);
    CHECK(r.latency_sample_every == 8u);
    CHECK(r.operations == kOps * 2);
    const std::uint64_t timed = r.latency.at("allocate").count;
    CHECK(timed >= r.operations / 16);
    CHECK(timed <= r.operations / 4);
  }

  TEST_CASE("duration runs stop on time") {
    Profile p = small_profile(AllocatorKind::fixed);
    p.operations.reset();
    p.duration_s = 0.05;
    const RunRecord r = run(p);
    REQUIRE(r.status == Status::ok);
    CHECK(r.operations > 0u);
    CHECK(r.seconds >= 0.045);
    CHECK(r.seconds < 2.0);
    CHECK(r.bytes == r.operations * 256);
  }

  TEST_CASE("progress is reported from the driving thread, ending at 1") {
    Profile p = small_profile(AllocatorKind::fixed);
    std::vector<double> seen;
    RunOptions options;
    options.progress = [&seen](double f) { seen.push_back(f); };
    const RunRecord r = run_once(p, p.allocators[0], options);
    REQUIRE(r.status == Status::ok);
    REQUIRE(!seen.empty());
    CHECK(seen.back() == 1.0);
    for (std::size_t i = 1; i < seen.size(); ++i) CHECK(seen[i] >= seen[i - 1]);
    for (double f : seen) CHECK((f >= 0.0 && f <= 1.0));
  }

  TEST_CASE("a geometry that cannot be built is a failed record with the reason") {
    Profile p = small_profile(AllocatorKind::buddy);
    p.allocators[0].total = 3000;  // not a power-of-two multiple of the minimum block
    const RunRecord r = run(p);
    CHECK(r.status == Status::failed);
    CHECK(r.error.find("cannot build") != std::string::npos);
    CHECK(r.operations == 0u);

    Profile f = small_profile(AllocatorKind::fixed);
    f.allocators[0].slot_count = 0;
    const RunRecord rf = run(f);
    CHECK(rf.status == Status::failed);
    CHECK(!rf.error.empty());
  }

  TEST_CASE("NUMA placement: local and interleaved run on this machine's nodes, a missing node fails") {
    for (auto policy : {NumaPlacement::Policy::local, NumaPlacement::Policy::interleaved}) {
      for (AllocatorKind kind : {AllocatorKind::fixed, AllocatorKind::buddy, AllocatorKind::malloc_refcount}) {
        Profile p = small_profile(kind);
        p.numa = NumaPlacement{};
        p.numa->policy = policy;
        const RunRecord r = run(p);
        CAPTURE(arena::workloads::to_string(kind));
        check_ok(r, p);
      }
    }
    Profile bad = small_profile(AllocatorKind::fixed);
    bad.numa = NumaPlacement{};
    bad.numa->nodes = {4096};
    const RunRecord r = run(bad);
    CHECK(r.status == Status::failed);
    CHECK(r.error.find("numa.nodes") != std::string::npos);
  }

  TEST_CASE("trace replay with lifetimes: each buffer held for its own number of operations") {
    std::vector<arena::workloads::SizeSample> trace = {{100, 5}, {200, std::nullopt}, {300, 0}, {50, 2}};
    Profile p = small_profile(AllocatorKind::buddy, SizeDistribution::trace(trace));
    const RunRecord r = run(p);
    check_ok(r, p);
    CHECK(r.peak_bytes_live > 0u);
  }
}

TEST_SUITE("arena::workloads::run_profile") {
  TEST_CASE("repetitions interleave: rep 0 of every allocator, then rep 1") {
    Profile p = small_profile(AllocatorKind::fixed);
    p.operations = 200;
    p.repetitions = 2;
    p.allocators.push_back(spec_for(AllocatorKind::null));
    std::vector<double> seen;
    const std::vector<RunRecord> records = run_profile(p, [&seen](double f) { seen.push_back(f); });
    REQUIRE(records.size() == 4u);
    CHECK(records[0].kind == AllocatorKind::fixed);
    CHECK(records[0].repetition == 0u);
    CHECK(records[1].kind == AllocatorKind::null);
    CHECK(records[1].repetition == 0u);
    CHECK(records[2].kind == AllocatorKind::fixed);
    CHECK(records[2].repetition == 1u);
    CHECK(records[3].kind == AllocatorKind::null);
    CHECK(records[3].repetition == 1u);
    for (const RunRecord& r : records) CHECK(r.status == Status::ok);
    REQUIRE(!seen.empty());
    CHECK(seen.back() == 1.0);
    for (std::size_t i = 1; i < seen.size(); ++i) CHECK(seen[i] >= seen[i - 1]);
  }
}

// White-box: the adapters and the worker loop against the allocator's own view.
namespace wl = arena::workloads::detail;

TEST_SUITE("arena::workloads adapters") {
  TEST_CASE("handoff: buffers cross threads and every one comes back to the arena") {
    // Enough slots for every inbox full (3 x 1024) and one in flight per thread: no failure even
    // when a receiver is descheduled for a while.
    arena::FixedArena arena = arena::FixedArena::with_slot_capacity(4096, 256).build().value();
    wl::FixedAdapter adapter(arena);
    wl::RunPlan plan;
    plan.threads = 3;
    plan.ops_per_thread = 3000;
    plan.sizes = SizeDistribution::uniform(1, 256);
    plan.mix.handoff = 1.0;
    plan.hold.max_live = 16;
    const wl::RunOutcome out = wl::run_workers(adapter, plan);
    CHECK(out.error.empty());
    CHECK(out.operations == 9000u);
    CHECK(out.latency[wl::kHandoffOp].count() == 9000u);
    CHECK(out.latency[wl::kDropOp].count() > 0u);  // received handles, dropped by their receiver
    const arena::FixedMetrics m = arena.metrics();
    CHECK(m.allocations_ok == 9000u);
    CHECK(m.frees == 9000u);
    CHECK(m.bytes_live == 0u);
  }

  TEST_CASE("hold + handoff + slice on a buddy arena: nothing leaks") {
    // 16 MiB: room for both inboxes full of 4 KiB blocks (2 x 1024) and what is held, so that a
    // descheduled receiver cannot make an allocation fail.
    arena::BuddyArena arena =
        arena::BuddyArena::builder(arena::BuddyGeometry::exact(16 << 20, 256).value()).build().value();
    wl::BuddyAdapter adapter(arena);
    wl::RunPlan plan;
    plan.threads = 2;
    plan.ops_per_thread = 2000;
    plan.sizes = SizeDistribution::uniform(1, 4096);
    plan.mix.handoff = 0.3;
    plan.mix.slice = 0.5;
    plan.mix.copy = 0.5;
    plan.hold.fraction = 0.5;
    plan.hold.ops = 10;
    const wl::RunOutcome out = wl::run_workers(adapter, plan);
    CHECK(out.error.empty());
    const arena::BuddyMetrics m = arena.metrics();
    CHECK(m.allocations_ok == 4000u);
    CHECK(m.frees == 4000u);
    CHECK(m.bytes_live == 0u);
    CHECK(m.largest_free_block == (16u << 20));  // fully coalesced again
  }

  TEST_CASE("heap adapter: refcounted handles, slices share, the last one frees") {
    wl::HeapAdapter<wl::GlibcHeap> heap;
    using H = wl::HeapAdapter<wl::GlibcHeap>;
    auto w = heap.allocate(10);
    REQUIRE(w.has_value());
    const std::byte data[6] = {std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}, std::byte{5}, std::byte{6}};
    H::write(*w, data);
    H::Handle h = H::freeze(std::move(*w));
    CHECK(H::size(h) == 6u);
    CHECK(heap.snapshot().bytes_live == 10u);
    CHECK(heap.snapshot().allocations == 1u);
    H::Handle s = H::slice(h, 2, 5);
    CHECK(H::size(s) == 3u);
    {
      H::Handle copy = h;
      (void)copy;
    }
    h = H::Handle();
    CHECK(heap.snapshot().bytes_live == 10u);  // the slice keeps the block
    const std::vector<std::byte> owned = H::into_owned(std::move(s));
    REQUIRE(owned.size() == 3u);
    CHECK(owned[0] == std::byte{3});
    CHECK(owned[2] == std::byte{5});
    CHECK(heap.snapshot().bytes_live == 0u);
    // An unfrozen writer gives its block back.
    { auto unused = heap.allocate(100); }
    CHECK(heap.snapshot().bytes_live == 0u);
    CHECK(heap.snapshot().allocations == 2u);
  }

  TEST_CASE("shared_vector and pmr adapters share and release the same way") {
    wl::SharedVectorAdapter sv;
    using S = wl::SharedVectorAdapter;
    auto w = sv.allocate(8);
    REQUIRE(w.has_value());
    const std::byte data[4] = {std::byte{9}, std::byte{8}, std::byte{7}, std::byte{6}};
    S::write(*w, data);
    S::Handle h = S::freeze(std::move(*w));
    S::Handle tail = S::slice(h, 1, 4);
    h = S::Handle();
    CHECK(sv.snapshot().bytes_live == 8u);
    const std::vector<std::byte> owned = S::into_owned(std::move(tail));
    REQUIRE(owned.size() == 3u);
    CHECK(owned[0] == std::byte{8});
    CHECK(sv.snapshot().bytes_live == 0u);

    wl::HeapAdapter<wl::PmrHeap> pmr{std::in_place};
    using P = wl::HeapAdapter<wl::PmrHeap>;
    auto pw = pmr.allocate(64);
    REQUIRE(pw.has_value());
    P::write(*pw, data);
    P::Handle ph = P::freeze(std::move(*pw));
    CHECK(P::size(ph) == 4u);
    CHECK(pmr.snapshot().bytes_live == 64u);
    ph = P::Handle();
    CHECK(pmr.snapshot().bytes_live == 0u);
  }

  TEST_CASE("fixed adapter: a request above the slot is refused and counted, never written") {
    wl::FixedAdapter adapter(arena::FixedArena::with_slot_capacity(4, 128).build().value());
    CHECK(!adapter.allocate(129).has_value());
    CHECK(adapter.allocate(128).has_value());
    const AllocatorSnapshot s = adapter.snapshot();
    CHECK(s.failures == 1u);
    CHECK(s.allocations == 1u);
    CHECK(s.largest_free_block == 128u);
  }
}
