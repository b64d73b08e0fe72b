// Tests of arena/workloads/presets.hpp (workloads/src/presets.cpp): every preset parses,
// round-trips through to_json/parse_profile, passes check_geometries, runs briefly, and compares
// arenas with heap peers; the crate's cases carry the crate's constants (spec section 4.1);
// find_preset names the choices when the name is unknown.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "arena/workloads/presets.hpp"

using arena::workloads::AllocatorKind;
using arena::workloads::AllocatorSpec;
using arena::workloads::find_preset;
using arena::workloads::InputError;
using arena::workloads::parse_profile;
using arena::workloads::Preset;
using arena::workloads::presets;
using arena::workloads::Profile;
using arena::workloads::SizeDistribution;
using arena::workloads::to_json;

namespace {
const AllocatorSpec* allocator_named(const Profile& p, const std::string& name) {
  for (const AllocatorSpec& spec : p.allocators) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

bool is_arena(const AllocatorSpec& spec) { return spec.kind == AllocatorKind::fixed || spec.kind == AllocatorKind::buddy; }
}  // namespace

TEST_SUITE("arena::workloads::presets") {
  TEST_CASE("the crate's four cases and four realistic shapes, each once") {
    std::set<std::string> names;
    for (const Preset& preset : presets()) CHECK(names.insert(preset.name).second);
    for (const char* name : {"roundtrip", "contention-hold", "auto-spill", "buddy-size-cycle", "rpc-small", "imix-packets",
                             "kv-values", "streaming-chunks"}) {
      CHECK_MESSAGE(names.count(name) == 1u, name);
    }
  }

  TEST_CASE("every preset: named as listed, one-line summary, parses back, round-trips, fits its geometries") {
    for (const Preset& preset : presets()) {
      CAPTURE(preset.name);
      CHECK(preset.profile.name == preset.name);
      CHECK_FALSE(preset.summary.empty());
      CHECK(preset.summary.find('\n') == std::string::npos);
      CHECK(preset.summary.size() <= 110u);
      CHECK_FALSE(preset.profile.description.empty());
      const nlohmann::json shown = to_json(preset.profile);
      const Profile again = parse_profile(shown, "preset " + preset.name);
      CHECK(to_json(again) == shown);
      CHECK(to_json(parse_profile(nlohmann::json::parse(shown.dump(2)), "show")) == shown);
      arena::workloads::check_geometries(preset.profile, preset.name);
    }
  }

  TEST_CASE("every preset runs briefly and puts arenas next to heap peers") {
    for (const Preset& preset : presets()) {
      CAPTURE(preset.name);
      const Profile& p = preset.profile;
      REQUIRE(p.duration_s.has_value());
      CHECK(*p.duration_s <= 2.0);
      CHECK(p.warmup_s <= 0.5);
      CHECK(p.repetitions >= 1u);
      CHECK(p.repetitions <= 3u);
      // Worst case: every allocator available and run in turn.
      const double seconds = static_cast<double>(p.allocators.size()) * p.repetitions * (*p.duration_s + p.warmup_s);
      CHECK(seconds <= 25.0);
      const auto arenas = std::count_if(p.allocators.begin(), p.allocators.end(), is_arena);
      CHECK(arenas >= 2);
      CHECK(static_cast<std::size_t>(arenas) < p.allocators.size());
      CHECK(std::any_of(p.allocators.begin(), p.allocators.end(),
                        [](const AllocatorSpec& s) { return s.kind == AllocatorKind::malloc_refcount; }));
      CHECK(p.threads <= 8u);
    }
  }

  TEST_CASE("roundtrip: the crate's fixed 65536 x 4096 arena and exact buddy (64 MiB, 256)") {
    const Profile& p = find_preset("roundtrip").profile;
    CHECK(p.threads == 1u);
    CHECK(p.hold.fraction == 0.0);
    CHECK(p.sizes.kind() == SizeDistribution::Kind::constant);
    CHECK(p.sizes.max_size() == 1024u);
    const AllocatorSpec* fixed = allocator_named(p, "fixed-4k");
    REQUIRE(fixed != nullptr);
    CHECK(fixed->slot_size == 4096u);
    CHECK(fixed->slot_count == 65536u);
    const AllocatorSpec* buddy = allocator_named(p, "buddy-64m");
    REQUIRE(buddy != nullptr);
    CHECK(buddy->total == 64u << 20);
    CHECK(buddy->min_block == 256u);
    CHECK_FALSE(buddy->nearest);
  }

  TEST_CASE("contention-hold: 1 KiB writes, 75% of the 65536 slots held across 4 threads") {
    const Profile& p = find_preset("contention-hold").profile;
    CHECK(p.sizes.max_size() == 1024u);
    CHECK(p.sizes.min_size() == 1024u);
    CHECK(p.hold.fraction == 0.75);
    // Live per thread in steady state: fraction x hold ops, bounded by max_live; in total 49152.
    const double live = std::min(p.hold.fraction * static_cast<double>(p.hold.ops), static_cast<double>(p.hold.max_live));
    CHECK(live * p.threads == 49152.0);
    const AllocatorSpec* fixed = allocator_named(p, "fixed-4k");
    REQUIRE(fixed != nullptr);
    CHECK(fixed->slot_count == 65536u);
  }

  TEST_CASE("auto-spill: a 65536 x 1024 arena with auto-spill receiving 2048 and 8192 byte writes") {
    const Profile& p = find_preset("auto-spill").profile;
    const AllocatorSpec* spill = allocator_named(p, "fixed-1k-spill");
    REQUIRE(spill != nullptr);
    CHECK(spill->slot_size == 1024u);
    CHECK(spill->slot_count == 65536u);
    CHECK(spill->auto_spill);
    auto sampler = p.sizes.sampler(p.seed, 0, 1);
    std::set<std::size_t> seen;
    for (int i = 0; i < 1000; ++i) seen.insert(sampler.next().size);
    CHECK(seen == std::set<std::size_t>{2048, 8192});
  }

  TEST_CASE("buddy-size-cycle: thread t of 4 cycles the crate's sizes starting at index t") {
    const Profile& p = find_preset("buddy-size-cycle").profile;
    REQUIRE(p.threads == 4u);
    const std::vector<std::size_t> cycle = {192, 768, 2048, 6144, 12288, 3072, 512, 16384};
    for (unsigned t = 0; t < 4; ++t) {
      auto sampler = p.sizes.sampler(p.seed, t, p.threads);
      for (std::size_t k = 0; k < 24; ++k) CHECK(sampler.next().size == cycle[(t + k) % 8]);
    }
    const AllocatorSpec* buddy = allocator_named(p, "buddy-64m");
    REQUIRE(buddy != nullptr);
    CHECK(buddy->total == 64u << 20);
    CHECK(buddy->min_block == 256u);
  }

  TEST_CASE("imix-packets: 7:4:1 of 64, 576 and 1500 bytes") {
    const Profile& p = find_preset("imix-packets").profile;
    CHECK(p.sizes.kind() == SizeDistribution::Kind::empirical);
    CHECK(p.sizes.mean() == doctest::Approx((7 * 64 + 4 * 576 + 1500) / 12.0));
  }

  TEST_CASE("find_preset: the preset, or an InputError listing the names") {
    CHECK(find_preset("rpc-small").name == "rpc-small");
    try {
      (void)find_preset("rpc");
      FAIL("no InputError");
    } catch (const InputError& e) {
      const std::string what = e.what();
      CHECK(what.rfind("preset: name: expected one of roundtrip, ", 0) == 0);
      CHECK(what.find("streaming-chunks") != std::string::npos);
      CHECK(what.find("got \"rpc\"") != std::string::npos);
    }
  }
}
