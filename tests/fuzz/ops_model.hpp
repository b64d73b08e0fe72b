// The reference model behind fuzz_fixed_ops and fuzz_buddy_ops: a fuzzer-chosen sequence of
// allocate, write (put, put_bytes, try_put, integers, writable_span + commit), freeze, copy, slice,
// drop, into_owned, spill, raw alloc and raw freeze with arbitrary ranges, and dropping the arena
// handle early, run on a real arena while the model tracks every live allocation (its base
// address and how many handles pin it) and every handle's expected content. After every operation:
// no two live allocations overlap, results and errors are the ones the model predicts, contents are
// intact, and the metrics equal the model's counters exactly (single thread, so quiescent). At the
// end everything is dropped and the arena must be whole again. A violation aborts (a finding).
//
// `Arena` is an adapter (FixedOps / BuddyOps in the fuzzers) with: allocate(len), raw(len),
// predict(len) -> Prediction, check_metrics(model), check_whole(), and the geometry below.
#pragma once

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "arena/arena.hpp"
#include "arena/hazmat.hpp"

namespace arena::fuzz {

[[noreturn]] inline void finding(const char* what, unsigned long long a = 0, unsigned long long b = 0) {
  std::fprintf(stderr, "ops model: %s (%llu, %llu)\n", what, a, b);
  std::abort();
}
inline void expect(bool ok, const char* what, unsigned long long a = 0, unsigned long long b = 0) {
  if (!ok) finding(what, a, b);
}

// What the model says allocate(len) must do.
struct Prediction {
  Errc error{};              // Errc{} (0): success
  std::size_t block = 0;     // bytes the allocation occupies in the arena
  std::size_t capacity = 0;  // what Buffer::capacity() / RawRegion::capacity() must say
};

// The model's counters, compared with the arena's metrics.
struct Counters {
  std::uint64_t ok = 0, failed = 0, frees = 0, frozen = 0, spills = 0;
};

struct Live {
  std::size_t block = 0;
  std::size_t requested = 0;
  int pins = 0;
};

template <class Arena>
class OpsModel {
 public:
  OpsModel(Arena& arena, FuzzedDataProvider& in) : arena_(arena), in_(in) {}

  void run() {
    for (int step = 0; step < 400 && in_.remaining_bytes() > 0; ++step) {
      switch (in_.ConsumeIntegralInRange<int>(0, 12)) {
        case 0: case 1: allocate(); break;
        case 2: case 3: write(); break;
        case 4: freeze(); break;
        case 5: copy(); break;
        case 6: slice(); break;
        case 7: drop(); break;
        case 8: into_owned(); break;
        case 9: raw_alloc(); break;
        case 10: raw_freeze(); break;
        case 11: writable_span_commit(); break;
        default: if (in_.ConsumeIntegralInRange<int>(0, 15) == 0) arena_.drop_handle(); break;
      }
      check();
    }
    finish();
  }

  const Counters& counters() const { return counters_; }
  const std::map<const std::byte*, Live>& live() const { return live_; }

 private:
  struct BufferObj {
    Buffer buffer;
    std::vector<std::byte> content;
    const std::byte* base = nullptr;  // the allocation it pins; nullptr once spilled
  };
  struct BytesObj {
    Bytes bytes;
    std::vector<std::byte> content;
    const std::byte* base = nullptr;  // nullptr: heap-backed or detached
  };
  struct RawObj {
    hazmat::RawRegion region;
    std::vector<std::byte> content;  // what was written over the whole capacity
    const std::byte* base = nullptr;
  };

  // --- the model ---

  void pin(const std::byte* base) {
    if (base != nullptr) ++live_.at(base).pins;
  }
  void unpin(const std::byte* base) {
    if (base == nullptr) return;
    auto it = live_.find(base);
    expect(it != live_.end() && it->second.pins > 0, "unpin of an allocation the model does not hold");
    if (--it->second.pins == 0) {
      live_.erase(it);
      ++counters_.frees;
    }
  }
  // Registers a fresh allocation after checking that it is where and what the model allows.
  void admit(const std::byte* base, std::size_t capacity, const Prediction& p, std::size_t len,
             std::span<const std::byte> fresh) {
    expect(capacity == p.capacity, "capacity differs from the model", capacity, p.capacity);
    expect(arena_.inside(base, p.block), "allocation outside the arena");
    expect(arena_.aligned(base, p.block), "allocation misaligned");
    auto next = live_.lower_bound(base);
    if (next != live_.end()) expect(base + p.block <= next->first, "allocation overlaps a live one (above)");
    if (next != live_.begin()) {
      auto prev = std::prev(next);
      expect(prev->first + prev->second.block <= base, "allocation overlaps a live one (below)");
    }
    if (arena_.zero_policy()) {
      for (std::byte b : fresh) expect(b == std::byte{0}, "zero policy: fresh memory not zero");
    }
    live_.emplace(base, Live{p.block, len, 1});
    ++counters_.ok;
  }
  // An allocation that failed: the model must agree.
  void refuse(std::error_code error, const Prediction& p, std::size_t len) {
    expect(p.error != Errc{}, "allocation failed where the model has room", len);
    expect(error == p.error, "allocation failed with another error", static_cast<unsigned long long>(error.value()),
           static_cast<unsigned long long>(p.error));
    if (p.error != Errc::invalid_argument) ++counters_.failed;
  }

  std::size_t length() {
    switch (in_.ConsumeIntegralInRange<int>(0, 15)) {
      case 0: return 0;
      case 1: return static_cast<std::size_t>(-1);
      case 2: return arena_.largest() + 1;
      case 3: return arena_.largest();
      default: return in_.ConsumeIntegralInRange<std::size_t>(1, arena_.typical());
    }
  }
  std::byte fill() { return static_cast<std::byte>(in_.ConsumeIntegral<std::uint8_t>()); }

  template <class T>
  std::size_t pick(const std::vector<T>& v) {
    return in_.ConsumeIntegralInRange<std::size_t>(0, v.size() - 1);
  }

  // --- operations ---

  void allocate() {
    if (!arena_.alive()) return;
    const std::size_t len = length();
    const Prediction p = arena_.predict(len, live_);
    Result<Buffer> r = arena_.allocate(len);
    if (!r) return refuse(r.error(), p, len);
    expect(p.error == Errc{}, "allocation succeeded where the model has no room", len,
           static_cast<unsigned long long>(p.error));
    Buffer b = std::move(r).value();
    expect(b.size() == 0 && !b.is_spilled(), "fresh buffer not empty");
    const std::byte* base = b.written().data();
    const std::span<const std::byte> fresh(base, b.capacity());
    admit(base, b.capacity(), p, len, fresh);
    buffers_.push_back(BufferObj{std::move(b), {}, base});
  }

  // Bookkeeping after `n` more bytes went into buffer `o` by a write that may spill.
  void after_write(BufferObj& o, std::size_t old_size, std::size_t n, bool could_spill) {
    if (o.base != nullptr && could_spill) {
      expect(o.buffer.is_spilled(), "write past capacity did not spill", old_size, n);
      ++counters_.spills;
      unpin(std::exchange(o.base, nullptr));
    }
    expect(o.buffer.size() == o.content.size(), "buffer size differs from the model", o.buffer.size(), o.content.size());
    const auto written = o.buffer.written();
    expect(std::equal(written.begin(), written.end(), o.content.begin(), o.content.end()), "buffer content differs");
  }

  void write() {
    if (buffers_.empty()) return;
    BufferObj& o = buffers_[pick(buffers_)];
    const std::size_t old_size = o.buffer.size();
    const std::size_t cap = o.buffer.capacity();
    const bool spill = arena_.auto_spill();
    const std::size_t room = o.base != nullptr ? cap - old_size : static_cast<std::size_t>(-1);
    std::size_t n = in_.ConsumeIntegralInRange<std::size_t>(0, cap + 16);
    const std::byte value = fill();
    const int how = in_.ConsumeIntegralInRange<int>(0, 3);
    if (how == 3) n = 4;  // put_u32
    if (n > room && !spill) {
      // Only the checked write may be tried: nothing is written, buffer_full.
      std::vector<std::byte> data(n, value);
      const Result<void> r = o.buffer.try_put(data);
      expect(!r && r.error() == Errc::buffer_full, "try_put past capacity did not fail with buffer_full", n, room);
      after_write(o, old_size, 0, false);
      return;
    }
    const bool could_spill = n > room;
    std::vector<std::byte> data(n, value);
    for (std::size_t i = 0; i < n; ++i) data[i] = static_cast<std::byte>(static_cast<unsigned>(value) + i);
    switch (how) {
      case 0: o.buffer.put(data); break;
      case 1: o.buffer.put_bytes(value, n); std::fill(data.begin(), data.end(), value); break;
      case 2: {
        const Result<void> r = o.buffer.try_put(data);
        expect(r.has_value(), "try_put that fits failed", n, room);
        break;
      }
      default: {
        const std::uint32_t v = 0x01020304u * static_cast<std::uint32_t>(value);
        o.buffer.put_u32(v);
        for (std::size_t i = 0; i < 4; ++i) data[i] = static_cast<std::byte>(v >> (8 * (3 - i)));
        break;
      }
    }
    o.content.insert(o.content.end(), data.begin(), data.end());
    after_write(o, old_size, n, could_spill);
  }

  void writable_span_commit() {
    if (buffers_.empty()) return;
    BufferObj& o = buffers_[pick(buffers_)];
    const std::size_t old_size = o.buffer.size();
    const bool full = o.base != nullptr && old_size == o.buffer.capacity();
    const std::span<std::byte> tail = o.buffer.writable_span();
    // With auto-spill, asking for the tail of a full buffer spills it [R-BUF-6].
    const bool spilled_now = arena_.auto_spill() && full;
    const std::size_t n = tail.empty() ? 0 : in_.ConsumeIntegralInRange<std::size_t>(0, tail.size());
    const std::byte value = fill();
    for (std::size_t i = 0; i < n; ++i) tail[i] = value;
    o.buffer.commit(n);
    o.content.insert(o.content.end(), n, value);
    after_write(o, old_size, n, spilled_now);
  }

  void freeze() {
    if (buffers_.empty()) return;
    const std::size_t i = pick(buffers_);
    BufferObj o = std::move(buffers_[i]);
    buffers_.erase(buffers_.begin() + static_cast<std::ptrdiff_t>(i));
    const bool arena_backed = o.base != nullptr;
    Bytes b = std::move(o.buffer).freeze();
    if (arena_backed) ++counters_.frozen;
    expect(b.owns_memory() == (arena_backed || !o.content.empty()), "frozen Bytes ownership");
    expect(std::equal(b.begin(), b.end(), o.content.begin(), o.content.end()), "frozen content differs");
    bytes_.push_back(BytesObj{std::move(b), std::move(o.content), o.base});  // the pin moves along
  }

  void copy() {
    if (bytes_.empty()) return;
    const BytesObj& o = bytes_[pick(bytes_)];
    BytesObj c{o.bytes, o.content, o.base};
    pin(c.base);
    expect(c.bytes == o.bytes && c.bytes.data() == o.bytes.data(), "copy does not share");
    bytes_.push_back(std::move(c));
  }

  void slice() {
    if (bytes_.empty()) return;
    const BytesObj& o = bytes_[pick(bytes_)];
    const std::size_t size = o.bytes.size();
    const std::size_t begin = in_.ConsumeIntegralInRange<std::size_t>(0, size);
    const std::size_t end = in_.ConsumeIntegralInRange<std::size_t>(begin, size);
    Bytes s = o.bytes.slice(begin, end);
    expect(s.size() == end - begin, "slice size");
    if (begin == end) {
      expect(!s.owns_memory(), "empty slice pins memory");  // detached [R-BYT-2]
      return;
    }
    expect(s.data() == o.bytes.data() + begin, "slice does not share");
    std::vector<std::byte> content(o.content.begin() + static_cast<std::ptrdiff_t>(begin),
                                   o.content.begin() + static_cast<std::ptrdiff_t>(end));
    pin(o.base);
    bytes_.push_back(BytesObj{std::move(s), std::move(content), o.base});
  }

  void drop() {
    switch (in_.ConsumeIntegralInRange<int>(0, 2)) {
      case 0:
        if (buffers_.empty()) return;
        drop_from(buffers_, pick(buffers_));
        break;
      case 1:
        if (bytes_.empty()) return;
        drop_from(bytes_, pick(bytes_));
        break;
      default:
        if (raws_.empty()) return;
        drop_from(raws_, pick(raws_));
        break;
    }
  }
  template <class T>
  void drop_from(std::vector<T>& v, std::size_t i) {
    const std::byte* base = v[i].base;
    v.erase(v.begin() + static_cast<std::ptrdiff_t>(i));  // destroys the handle: releases if last
    unpin(base);
  }

  void into_owned() {
    if (bytes_.empty()) return;
    const std::size_t i = pick(bytes_);
    BytesObj o = std::move(bytes_[i]);
    bytes_.erase(bytes_.begin() + static_cast<std::ptrdiff_t>(i));
    const std::vector<std::byte> owned = std::move(o.bytes).into_owned();
    expect(owned == o.content, "into_owned content differs");
    expect(!o.bytes.owns_memory(), "into_owned left the handle owning");
    unpin(o.base);
  }

  void raw_alloc() {
    if (!arena_.alive()) return;
    const std::size_t len = length();
    const Prediction p = arena_.predict(len, live_);
    Result<hazmat::RawRegion> r = arena_.raw(len);
    if (!r) return refuse(r.error(), p, len);
    expect(p.error == Errc{}, "raw allocation succeeded where the model has no room", len);
    hazmat::RawRegion region = std::move(r).value();
    const std::byte* base = region.data();
    admit(base, region.capacity(), p, len, region.span());
    std::vector<std::byte> content(region.capacity());
    const std::byte value = fill();
    for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<std::byte>(static_cast<unsigned>(value) ^ i);
    if (!content.empty()) std::memcpy(region.data(), content.data(), content.size());
    raws_.push_back(RawObj{std::move(region), std::move(content), base});
  }

  void raw_freeze() {
    if (raws_.empty()) return;
    const std::size_t i = pick(raws_);
    RawObj o = std::move(raws_[i]);
    raws_.erase(raws_.begin() + static_cast<std::ptrdiff_t>(i));
    const std::size_t cap = o.region.capacity();
    auto bound = [&]() -> std::size_t {
      switch (in_.ConsumeIntegralInRange<int>(0, 5)) {
        case 0: return static_cast<std::size_t>(-1);
        case 1: return in_.ConsumeIntegral<std::size_t>();
        case 2: return cap + 1;
        default: return in_.ConsumeIntegralInRange<std::size_t>(0, cap);
      }
    };
    const std::size_t begin = bound();
    const std::size_t end = bound();
    Result<Bytes> r = std::move(o.region).freeze(begin, end);
    if (begin > end || end > cap) {
      expect(!r && r.error() == Errc::invalid_range, "raw freeze of a bad range did not fail", begin, end);
      unpin(o.base);  // released all the same [R-HAZ-4]
      return;
    }
    expect(r.has_value(), "raw freeze of a good range failed", begin, end);
    ++counters_.frozen;
    Bytes b = std::move(r).value();
    std::vector<std::byte> content(o.content.begin() + static_cast<std::ptrdiff_t>(begin),
                                   o.content.begin() + static_cast<std::ptrdiff_t>(end));
    expect(b.owns_memory(), "raw-frozen Bytes do not pin the allocation");
    expect(std::equal(b.begin(), b.end(), content.begin(), content.end()), "raw-frozen content differs");
    bytes_.push_back(BytesObj{std::move(b), std::move(content), o.base});
  }

  void check() {
    for (const BytesObj& o : bytes_) {
      expect(std::equal(o.bytes.begin(), o.bytes.end(), o.content.begin(), o.content.end()), "Bytes content changed");
    }
    if (arena_.alive()) arena_.check_metrics(counters_, live_);
  }

  void finish() {
    buffers_.clear();
    bytes_.clear();
    raws_.clear();
    // Every handle is gone: the model's pins go with them.
    counters_.frees += live_.size();
    live_.clear();
    if (arena_.alive()) {
      arena_.check_metrics(counters_, live_);
      arena_.check_whole();
    }
  }

  Arena& arena_;
  FuzzedDataProvider& in_;
  Counters counters_;
  std::map<const std::byte*, Live> live_;
  std::vector<BufferObj> buffers_;
  std::vector<BytesObj> bytes_;
  std::vector<RawObj> raws_;
};

}  // namespace arena::fuzz
