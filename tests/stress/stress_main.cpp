// arena_stress: a long multi-thread stress run of one arena, for scripts/stress.sh (under TSan and
// ASan) and a one-second smoke case in ctest (label stress). Each thread loops: allocate (or wait
// for a slot/block), write a pattern that names the writer, sometimes spill past capacity, freeze,
// then copy / slice, keep it (hold %) or drop it, or hand it to the next thread (cross-thread
// Bytes), which checks the pattern and drops it there. When the arena is full a thread releases the
// oldest buffer it holds (the releasers of waiting threads). At the end every thread's holdings are
// dropped and the arena must be whole: every slot/block back, metrics balanced (R-MET-5).
//
// Usage: arena_stress --arena fixed|buddy [--threads N] [--hold PCT] [--ops N] [--seconds S]
//                     [--waiters on|off] [--seed N]
// Stops after --ops operations in total or --seconds, whichever comes first. Prints one line
// "stress: ... ops=N seconds=S ... ok" and exits 0, or names the broken invariant and exits 1.
#include <algorithm>
#include <bit>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "arena/arena.hpp"

namespace {

using arena::Buffer;
using arena::Bytes;
using arena::Errc;

struct Options {
  std::string arena = "fixed";
  unsigned threads = 2;
  unsigned hold_pct = 50;
  std::uint64_t ops = 1'000'000;
  double seconds = 10.0;
  bool waiters = true;
  std::uint64_t seed = 1;
};

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr, "arena_stress: %s\n", message.c_str());
  std::fprintf(stderr,
               "usage: arena_stress --arena fixed|buddy [--threads N] [--hold PCT] [--ops N] [--seconds S] "
               "[--waiters on|off] [--seed N]\n");
  std::exit(2);
}

std::uint64_t number(std::string_view flag, const char* text) {
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (end == text || *end != '\0') usage_error(std::string(flag) + ": expected a whole number, got " + text);
  return value;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc) usage_error(std::string(flag) + " needs a value");
    const char* value = argv[++i];
    if (flag == "--arena") o.arena = value;
    else if (flag == "--threads") o.threads = static_cast<unsigned>(number(flag, value));
    else if (flag == "--hold") o.hold_pct = static_cast<unsigned>(number(flag, value));
    else if (flag == "--ops") o.ops = number(flag, value);
    else if (flag == "--seconds") o.seconds = static_cast<double>(number(flag, value));
    else if (flag == "--seed") o.seed = number(flag, value);
    else if (flag == "--waiters") o.waiters = std::string_view(value) == "on";
    else usage_error("unknown flag " + std::string(flag));
  }
  if (o.arena != "fixed" && o.arena != "buddy") usage_error("--arena: fixed or buddy");
  if (o.threads < 1 || o.threads > 256) usage_error("--threads: 1 to 256");
  if (o.hold_pct > 100) usage_error("--hold: 0 to 100");
  return o;
}

std::atomic<bool> g_failed{false};
void fail(const char* what, std::uint64_t a = 0, std::uint64_t b = 0) {
  if (!g_failed.exchange(true)) {
    std::fprintf(stderr, "arena_stress: FAILED: %s (%llu, %llu)\n", what, static_cast<unsigned long long>(a),
                 static_cast<unsigned long long>(b));
  }
}

// The pattern of one payload: an 8-byte header (writer, serial, length) and bytes derived from it.
std::byte pattern_at(std::uint64_t key, std::size_t i) { return static_cast<std::byte>((key * 131 + i * 7) >> 3); }

void write_payload(Buffer& b, std::uint64_t key, std::size_t len) {
  b.put_u64(key);
  for (std::size_t i = 8; i < len; ++i) b.put_u8(static_cast<std::uint8_t>(pattern_at(key, i)));
}

// Checks a frozen payload (or a slice of it starting at `offset`).
void check_payload(const Bytes& bytes, std::size_t offset) {
  if (offset == 0 && bytes.size() >= 8) {
    std::uint64_t key = 0;
    for (std::size_t i = 0; i < 8; ++i) key = (key << 8) | static_cast<std::uint64_t>(bytes[i]);
    for (std::size_t i = 8; i < bytes.size(); ++i) {
      if (bytes[i] != pattern_at(key, i)) return fail("payload corrupted", key, i);
    }
  }
}

struct Inbox {
  std::mutex mutex;
  std::vector<Bytes> items;
};

class Xorshift {
 public:
  explicit Xorshift(std::uint64_t seed) : s_(seed * 0x9E3779B97F4A7C15ull + 1) {}
  std::uint64_t next() {
    s_ ^= s_ << 13;
    s_ ^= s_ >> 7;
    s_ ^= s_ << 17;
    return s_;
  }
  std::uint64_t below(std::uint64_t n) { return next() % n; }

 private:
  std::uint64_t s_;
};

// The arena under test behind one interface.
struct Target {
  std::optional<arena::FixedArena> fixed;
  std::optional<arena::BuddyArena> buddy;
  std::size_t max_len = 0;

  arena::Result<Buffer> allocate(std::size_t len) { return fixed ? fixed->allocate() : buddy->allocate(len); }
  arena::Result<Buffer> allocate_wait(std::size_t len, std::chrono::steady_clock::time_point deadline) {
    return fixed ? fixed->allocate_wait(deadline) : buddy->allocate_wait(len, deadline);
  }
};

struct Totals {
  std::atomic<std::uint64_t> ops{0}, full{0}, waits_ok{0}, spills{0}, handoffs{0};
};

void worker(unsigned index, const Options& o, Target& target, std::vector<Inbox>& inboxes, Totals& totals,
            std::uint64_t budget, std::chrono::steady_clock::time_point stop_at) {
  Xorshift rng(o.seed * 1000 + index);
  std::deque<Bytes> held;
  const std::size_t max_held = 64;
  Inbox& mine = inboxes[index];
  Inbox& next = inboxes[(index + 1) % inboxes.size()];
  std::vector<Bytes> received;
  std::uint64_t serial = 0;
  std::uint64_t done = 0;
  while (done < budget && !g_failed.load(std::memory_order_relaxed)) {
    if ((done & 255) == 0 && std::chrono::steady_clock::now() >= stop_at) break;
    ++done;
    // Cross-thread Bytes: check and drop what the previous thread handed over.
    if ((done & 7) == 0) {
      {
        std::lock_guard<std::mutex> lock(mine.mutex);
        received.swap(mine.items);
      }
      for (const Bytes& b : received) check_payload(b, 0);
      received.clear();
    }
    const std::size_t len = 1 + static_cast<std::size_t>(rng.below(target.max_len));
    arena::Result<Buffer> r = target.allocate(len);
    if (!r) {
      if (r.error() != Errc::arena_full) fail("allocate failed with an unexpected error", static_cast<std::uint64_t>(r.error().value()));
      totals.full.fetch_add(1, std::memory_order_relaxed);
      // Release one of ours (so that waiters elsewhere make progress), then maybe wait.
      if (!held.empty()) held.pop_front();
      if (o.waiters && (done & 3) == 0) {
        r = target.allocate_wait(len, std::chrono::steady_clock::now() + std::chrono::milliseconds(2));
        if (r) totals.waits_ok.fetch_add(1, std::memory_order_relaxed);
        else if (r.error() != Errc::timed_out) fail("allocate_wait failed with an unexpected error");
      }
      if (!r) continue;
    }
    Buffer b = std::move(r).value();
    const std::uint64_t key = (std::uint64_t{index} << 48) | (++serial & 0xFFFFFFFFFFFFull);
    std::size_t write_len = std::min(len, b.capacity());
    // Sometimes write past capacity: spills when the arena has auto-spill (else stays within).
    if (b.remaining() == static_cast<std::size_t>(-1) && rng.below(64) == 0) write_len = b.capacity() + 1 + len % 64;
    write_len = std::max<std::size_t>(write_len, 8);
    if (write_len > b.capacity() && b.remaining() != static_cast<std::size_t>(-1)) write_len = b.capacity();
    if (write_len < 8) {  // too small for the header: drop it unwritten
      continue;
    }
    write_payload(b, key, write_len);
    if (b.is_spilled()) totals.spills.fetch_add(1, std::memory_order_relaxed);
    Bytes frozen = std::move(b).freeze();
    if (frozen.size() != write_len) fail("frozen size", frozen.size(), write_len);
    switch (rng.below(8)) {
      case 0: {  // copy and slice, checked, dropped
        Bytes copy = frozen;
        check_payload(copy, 0);
        Bytes part = copy.slice(1, copy.size());
        if (part.size() + 1 != copy.size()) fail("slice size");
        break;
      }
      case 1: {  // hand it to the next thread
        std::lock_guard<std::mutex> lock(next.mutex);
        if (next.items.size() < 64) {
          next.items.push_back(std::move(frozen));
          totals.handoffs.fetch_add(1, std::memory_order_relaxed);
        }
        break;
      }
      case 2: {
        const std::vector<std::byte> owned = Bytes(frozen).into_owned();
        if (owned.size() != write_len) fail("into_owned size");
        break;
      }
      default: break;
    }
    if (frozen.owns_memory() && rng.below(100) < o.hold_pct) {
      held.push_back(std::move(frozen));
      if (held.size() > max_held) held.pop_front();
    }
  }
  for (const Bytes& b : held) check_payload(b, 0);
  totals.ops.fetch_add(done, std::memory_order_relaxed);
}

bool check_whole(Target& target) {
  if (target.fixed) {
    const arena::FixedMetrics m = target.fixed->metrics();
    if (m.slots_live != 0 || m.bytes_live != 0 || m.frees != m.allocations_ok) {
      std::fprintf(stderr, "arena_stress: FAILED: fixed not whole: slots_live %llu bytes_live %llu frees %llu ok %llu\n",
                   static_cast<unsigned long long>(m.slots_live), static_cast<unsigned long long>(m.bytes_live),
                   static_cast<unsigned long long>(m.frees), static_cast<unsigned long long>(m.allocations_ok));
      return false;
    }
    std::vector<Buffer> all;
    for (std::size_t i = 0; i < target.fixed->slot_count(); ++i) {
      auto r = target.fixed->allocate();
      if (!r) {
        std::fprintf(stderr, "arena_stress: FAILED: slot %zu of %zu missing\n", i, target.fixed->slot_count());
        return false;
      }
      all.push_back(std::move(r).value());
    }
    return true;
  }
  const arena::BuddyMetrics m = target.buddy->metrics();
  if (m.blocks_live != 0 || m.bytes_live != 0 || m.frees != m.allocations_ok ||
      m.largest_free_block != target.buddy->total_size() || m.bytes_free != target.buddy->total_size()) {
    std::fprintf(stderr,
                 "arena_stress: FAILED: buddy not whole: blocks_live %llu bytes_live %llu frees %llu ok %llu largest %llu\n",
                 static_cast<unsigned long long>(m.blocks_live), static_cast<unsigned long long>(m.bytes_live),
                 static_cast<unsigned long long>(m.frees), static_cast<unsigned long long>(m.allocations_ok),
                 static_cast<unsigned long long>(m.largest_free_block));
    return false;
  }
  return target.buddy->allocate(target.buddy->total_size()).has_value();
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  Target target;
  // Small arenas, so that they fill up and threads wait: about 16 buffers per thread.
  const std::size_t per_arena = std::size_t{16} * o.threads;
  if (o.arena == "fixed") {
    target.fixed.emplace(std::move(arena::FixedArena::with_slot_capacity(per_arena, 256).auto_spill().build()).value());
    target.max_len = 256;
  } else {
    const std::size_t total = std::bit_ceil(per_arena * 512);
    target.buddy.emplace(
        std::move(arena::BuddyArena::builder(std::move(arena::BuddyGeometry::exact(total, 64)).value()).auto_spill().build())
            .value());
    target.max_len = 2048;
  }
  Totals totals;
  std::vector<Inbox> inboxes(o.threads);
  const auto start = std::chrono::steady_clock::now();
  const auto stop_at = start + std::chrono::milliseconds(static_cast<std::int64_t>(o.seconds * 1000));
  {
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < o.threads; ++t) {
      threads.emplace_back(worker, t, std::cref(o), std::ref(target), std::ref(inboxes), std::ref(totals),
                           o.ops / o.threads + (t < o.ops % o.threads ? 1 : 0), stop_at);
    }
    for (std::thread& t : threads) t.join();
  }
  for (Inbox& inbox : inboxes) {
    for (const Bytes& b : inbox.items) check_payload(b, 0);
    inbox.items.clear();
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const bool whole = check_whole(target);
  std::printf("stress: arena=%s threads=%u hold=%u waiters=%s ops=%llu seconds=%.1f arena_full=%llu waits_ok=%llu "
              "spills=%llu handoffs=%llu %s\n",
              o.arena.c_str(), o.threads, o.hold_pct, o.waiters ? "on" : "off",
              static_cast<unsigned long long>(totals.ops.load()), seconds,
              static_cast<unsigned long long>(totals.full.load()), static_cast<unsigned long long>(totals.waits_ok.load()),
              static_cast<unsigned long long>(totals.spills.load()), static_cast<unsigned long long>(totals.handoffs.load()),
              whole && !g_failed.load() ? "ok" : "FAILED");
  return whole && !g_failed.load() ? 0 : 1;
}
