// Tests of arena/workloads/profile.hpp (workloads/src/profile.cpp, json_fields.hpp, sizes_json.hpp):
// the bad-input corpus (every tests/data/bad_profiles/*.json throws one InputError line holding its
// .expect text), every example of tests/data/profiles/ parses and round-trips through to_json,
// defaults and units, malformed JSON with line and column, --set overrides, check_geometries.
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "arena/workloads/profile.hpp"

namespace fs = std::filesystem;
using arena::InitPolicy;
using arena::workloads::AllocatorKind;
using arena::workloads::AllocatorSpec;
using arena::workloads::apply_override;
using arena::workloads::check_geometries;
using arena::workloads::InputError;
using arena::workloads::load_profile;
using arena::workloads::NumaPlacement;
using arena::workloads::parse_profile;
using arena::workloads::Profile;
using arena::workloads::SizeDistribution;
using arena::workloads::to_json;
using nlohmann::json;

namespace {
const fs::path kData = ARENA_TEST_DATA_DIR;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<fs::path> files_in(const fs::path& dir, const std::string& extension) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == extension) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The message of the InputError `f` throws (REQUIREs one).
template <class F>
std::string input_error_of(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  FAIL("no InputError");
  return {};
}

json base_profile() {
  return json::parse(R"({"name": "t", "duration_s": 1, "sizes": {"kind": "constant", "size": 1024},
                         "allocators": [{"kind": "malloc"}]})");
}

// parse_profile(to_json(p)) describes the same profile: its JSON form is a fixed point.
void check_round_trip(const Profile& p, const std::string& source) {
  const json first = to_json(p);
  const Profile again = parse_profile(first, source);
  CHECK(to_json(again) == first);
  CHECK(to_json(parse_profile(json::parse(first.dump()), source)) == first);  // through text, too
}
}  // namespace

TEST_SUITE("arena::workloads::Profile") {
  TEST_CASE("every bad profile of tests/data/bad_profiles throws one InputError line with its .expect text") {
    const auto files = files_in(kData / "bad_profiles", ".json");
    CHECK(files.size() >= 25u);
    for (const fs::path& file : files) {
      CAPTURE(file.filename().string());
      fs::path expect_file = file;
      expect_file.replace_extension(".expect");
      REQUIRE(fs::exists(expect_file));
      std::string expected = read_text(expect_file);
      while (!expected.empty() && (expected.back() == '\n' || expected.back() == '\r')) expected.pop_back();
      REQUIRE_FALSE(expected.empty());
      bool threw = false;
      try {
        (void)load_profile(file.string());
      } catch (const InputError& e) {
        threw = true;
        const std::string what = e.what();
        CAPTURE(what);
        CHECK(what.find(expected) != std::string::npos);
        CHECK(what.find('\n') == std::string::npos);
        CHECK(what.rfind(file.string() + ": ", 0) == 0);  // names the file first
        CHECK(e.source() == file.string());
      } catch (const std::exception& e) {
        FAIL("not an InputError: " << e.what());
      }
      CHECK(threw);
    }
    // And no orphaned .expect file.
    for (const fs::path& expect : files_in(kData / "bad_profiles", ".expect")) {
      fs::path body = expect;
      body.replace_extension(".json");
      CHECK_MESSAGE(fs::exists(body), expect.string());
    }
  }

  TEST_CASE("every example of tests/data/profiles parses, passes check_geometries and round-trips") {
    const auto files = files_in(kData / "profiles", ".json");
    CHECK(files.size() >= 10u);
    std::vector<SizeDistribution::Kind> kinds;
    for (const fs::path& file : files) {
      CAPTURE(file.filename().string());
      const Profile p = load_profile(file.string());
      check_geometries(p, file.string());
      check_round_trip(p, file.string());
      kinds.push_back(p.sizes.kind());
    }
    // At least one example per distribution kind.
    for (int k = 0; k <= static_cast<int>(SizeDistribution::Kind::trace); ++k) {
      CHECK(std::count(kinds.begin(), kinds.end(), static_cast<SizeDistribution::Kind>(k)) >= 1);
    }
  }

  TEST_CASE("defaults: a minimal profile, its name is the file's stem") {
    const Profile p = load_profile((kData / "profiles" / "minimal.json").string());
    CHECK(p.name == "minimal");
    CHECK(p.description.empty());
    CHECK(p.seed == 1u);
    CHECK(p.threads == 1u);
    REQUIRE(p.duration_s.has_value());
    CHECK(*p.duration_s == 0.5);
    CHECK_FALSE(p.operations.has_value());
    CHECK(p.warmup_s == 0.0);
    CHECK(p.warmup_operations == 0u);
    CHECK(p.repetitions == 1u);
    CHECK(p.sizes.kind() == SizeDistribution::Kind::constant);
    CHECK(p.hold.fraction == 0.0);
    CHECK(p.hold.max_live == 1024u);
    CHECK(p.mix.write == 1.0);
    CHECK(p.mix.copy == 0.0);
    CHECK(p.mix.handoff == 0.0);
    CHECK_FALSE(p.numa.has_value());
    REQUIRE(p.allocators.size() == 1u);
    CHECK(p.allocators[0].name == "malloc");
    CHECK(p.allocators[0].kind == AllocatorKind::malloc_refcount);
    CHECK(p.sample_interval_ms == 100u);
  }

  TEST_CASE("every field set explicitly (full.json), units resolved") {
    const Profile p = load_profile((kData / "profiles" / "full.json").string());
    CHECK(p.name == "full");
    CHECK(p.description == "every field of the format, set explicitly");
    CHECK(p.seed == UINT64_MAX);
    CHECK(p.threads == 8u);
    CHECK(*p.duration_s == 2.5);
    CHECK(p.warmup_s == 0.25);
    CHECK(p.repetitions == 3u);
    CHECK(p.sizes.min_size() == 1024u);
    CHECK(p.sizes.max_size() == 2048u);
    CHECK(p.hold.fraction == 0.75);
    CHECK(p.hold.ops == 16384u);
    CHECK(p.hold.time_ns == 0u);
    CHECK(p.hold.max_live == 12288u);
    CHECK(p.mix.write == 0.5);
    CHECK(p.mix.copy == 0.25);
    CHECK(p.mix.slice == 0.125);
    CHECK(p.mix.into_owned == 0.0625);
    CHECK(p.mix.handoff == 1.0);
    REQUIRE(p.numa.has_value());
    CHECK(p.numa->nodes == std::vector<unsigned>{0, 1});
    CHECK(p.numa->policy == NumaPlacement::Policy::interleaved);
    CHECK(p.numa->max_remote == 0u);
    CHECK(p.sample_interval_ms == 0u);
    REQUIRE(p.allocators.size() == 9u);
    const AllocatorSpec& fixed = p.allocators[0];
    CHECK(fixed.kind == AllocatorKind::fixed);
    CHECK(fixed.slot_size == 4096u);
    CHECK(fixed.slot_count == 65536u);
    CHECK_FALSE(fixed.auto_spill);
    CHECK(fixed.init == InitPolicy::uninit);
    CHECK(fixed.geometry() == "65536x4KiB");
    const AllocatorSpec& buddy = p.allocators[1];
    CHECK(buddy.kind == AllocatorKind::buddy);
    CHECK(buddy.total == 64u << 20);
    CHECK(buddy.min_block == 256u);
    CHECK_FALSE(buddy.nearest);
    CHECK(buddy.auto_spill);
    CHECK(buddy.init == InitPolicy::zero);
    CHECK(buddy.geometry() == "64MiB/256 exact");
    const std::vector<AllocatorKind> kinds = {AllocatorKind::shared_vector, AllocatorKind::malloc_refcount,
                                              AllocatorKind::mimalloc,      AllocatorKind::jemalloc,
                                              AllocatorKind::tcmalloc,      AllocatorKind::pmr_pool,
                                              AllocatorKind::null};
    for (std::size_t i = 0; i < kinds.size(); ++i) {
      CHECK(p.allocators[i + 2].kind == kinds[i]);
      CHECK(p.allocators[i + 2].name == to_string(kinds[i]));
      CHECK(p.allocators[i + 2].geometry() == to_string(kinds[i]));
    }
  }

  TEST_CASE("allocator kinds: names both ways") {
    for (int k = 0; k <= static_cast<int>(AllocatorKind::null); ++k) {
      const auto kind = static_cast<AllocatorKind>(k);
      CHECK(arena::workloads::allocator_kind_from_string(to_string(kind)) == kind);
    }
    CHECK(to_string(AllocatorKind::malloc_refcount) == "malloc");
    CHECK(to_string(AllocatorKind::pmr_pool) == "pmr");
    CHECK_FALSE(arena::workloads::allocator_kind_from_string("Malloc").has_value());
    CHECK_FALSE(arena::workloads::allocator_kind_from_string("").has_value());
  }

  TEST_CASE("default allocator names carry the geometry and options, explicit names are kept") {
    json j = base_profile();
    j["allocators"] = json::parse(R"([
      {"kind": "fixed", "slot_size": "4KiB", "slots": 16},
      {"kind": "fixed", "slot_size": "4KiB", "slots": 16, "auto_spill": true},
      {"kind": "fixed", "slot_size": "4KiB", "slots": 16, "init": "zero"},
      {"kind": "buddy", "total": "1MiB", "min_block": "1KiB"},
      {"kind": "buddy", "total": 6000, "min_block": 768, "geometry": "nearest"},
      {"name": "mine", "kind": "malloc"}])");
    const Profile p = parse_profile(j, "mem");
    CHECK(p.allocators[0].name == "fixed 16x4KiB");
    CHECK(p.allocators[1].name == "fixed 16x4KiB spill");
    CHECK(p.allocators[2].name == "fixed 16x4KiB zero");
    CHECK(p.allocators[3].name == "buddy 1MiB/1KiB exact");
    CHECK(p.allocators[4].name == "buddy 6000/768 nearest");  // as written; the arena snaps to 8 KiB / 1 KiB
    CHECK(p.allocators[4].nearest);
    CHECK(p.allocators[5].name == "mine");
  }

  TEST_CASE("whole numbers may be written as reals without a fraction (1e6), sizes as numbers or units") {
    json j = base_profile();
    j.erase("duration_s");
    j["operations"] = 1e6;
    j["sizes"] = json::parse(R"({"kind": "uniform", "min": "0.5KiB", "max": 2048.0})");
    const Profile p = parse_profile(j, "mem");
    CHECK(*p.operations == 1000000u);
    CHECK(p.sizes.min_size() == 512u);
    CHECK(p.sizes.max_size() == 2048u);
  }

  TEST_CASE("hold time in microseconds (fractions allowed) round-trips through nanoseconds") {
    json j = base_profile();
    j["hold"] = json::parse(R"({"fraction": 0.5, "time_us": 1.5})");
    const Profile p = parse_profile(j, "mem");
    CHECK(p.hold.time_ns == 1500u);
    CHECK(p.hold.ops == 0u);
    CHECK(to_json(p)["hold"]["time_us"] == 1.5);
    check_round_trip(p, "mem");
    j["hold"]["time_us"] = 200;
    CHECK(to_json(parse_profile(j, "mem"))["hold"]["time_us"] == 200);
  }

  TEST_CASE("to_json writes every field (defaults too) and only one of each exclusive pair") {
    const json j = to_json(parse_profile(base_profile(), "mem"));
    for (const char* key : {"name", "description", "seed", "threads", "duration_s", "warmup_s", "repetitions", "sizes",
                            "hold", "mix", "allocators", "sample_interval_ms"}) {
      CHECK_MESSAGE(j.contains(key), key);
    }
    CHECK_FALSE(j.contains("operations"));
    CHECK_FALSE(j.contains("warmup_operations"));
    CHECK_FALSE(j.contains("numa"));
    CHECK(j["sizes"] == json::parse(R"({"kind": "constant", "size": 1024})"));
    CHECK(j["allocators"][0] == json::parse(R"({"name": "malloc", "kind": "malloc"})"));
  }

  TEST_CASE("every size distribution kind round-trips through its JSON form") {
    const std::vector<std::string> forms = {
        R"({"kind": "constant", "size": 64})",
        R"({"kind": "uniform", "min": 1, "max": 100})",
        R"({"kind": "normal", "mean": 500.5, "stddev": 20.25, "min": 1, "max": 1000})",
        R"({"kind": "lognormal", "mu": 6.5, "sigma": 0.75, "min": 2, "max": 100000})",
        R"({"kind": "pareto", "scale": 64.5, "shape": 1.5, "max": 100000})",
        R"({"kind": "zipf", "sizes": [10, 20, 30], "exponent": 0.5})",
        R"({"kind": "mixture", "components": [{"weight": 2, "kind": "constant", "size": 8}, {"weight": 1, "kind": "uniform", "min": 9, "max": 99}]})",
        R"({"kind": "empirical", "bins": [{"size": 64, "weight": 7}, {"size": 576, "weight": 4}]})",
        R"({"kind": "trace", "samples": [1, [2, 3], 4]})",
    };
    for (const std::string& form : forms) {
      CAPTURE(form);
      json j = base_profile();
      j["sizes"] = json::parse(form);
      const Profile p = parse_profile(j, "mem");
      CHECK(to_json(p.sizes) == json::parse(form));
      check_round_trip(p, "mem");
    }
  }

  TEST_CASE("lognormal by median: mu = ln(median)") {
    json j = base_profile();
    j["sizes"] = json::parse(R"({"kind": "lognormal", "median": "2KiB", "sigma": 0.5, "max": "1MiB"})");
    const Profile p = parse_profile(j, "mem");
    CHECK(to_json(p.sizes)["mu"].get<double>() == doctest::Approx(std::log(2048.0)));
    CHECK(to_json(p.sizes)["min"] == 1);
  }

  TEST_CASE("trace files resolve against the profile's directory and are written back absolute") {
    const Profile p = load_profile((kData / "profiles" / "trace_file.json").string());
    const json sizes = to_json(p.sizes);
    REQUIRE(sizes.contains("file"));
    const fs::path written = sizes["file"].get<std::string>();
    CHECK(written.is_absolute());
    CHECK(fs::equivalent(written, kData / "traces" / "small.trace"));
    CHECK(p.sizes.max_size() == 9000u);
    // The written form parses from anywhere (another source, another base directory).
    check_round_trip(p, "elsewhere/x.json");
    // parse_profile resolves a relative file against the directory of `source`.
    json j = base_profile();
    j["sizes"] = json::parse(R"({"kind": "trace", "file": "../traces/small.trace"})");
    j["allocators"] = json::parse(R"([{"kind": "malloc"}])");
    CHECK(parse_profile(j, (kData / "profiles" / "virtual.json").string()).sizes.max_size() == 9000u);
    CHECK(input_error_of([&] { (void)parse_profile(j, "/nonexistent/dir/p.json"); }).find("sizes.file") !=
          std::string::npos);
  }

  TEST_CASE("load_profile: a missing file or a directory is an InputError naming the path") {
    const std::string missing = (kData / "profiles" / "no_such_profile.json").string();
    const std::string message = input_error_of([&] { (void)load_profile(missing); });
    CHECK(message.rfind(missing + ": expected a readable profile file", 0) == 0);
    const std::string dir = (kData / "profiles").string();
    CHECK(input_error_of([&] { (void)load_profile(dir); }).rfind(dir + ": ", 0) == 0);
  }

  TEST_CASE("malformed JSON: line and column of the offending byte") {
    const fs::path dir = fs::temp_directory_path() / ("arena_profile_test_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const auto error_for = [&](const std::string& text) {
      const fs::path file = dir / "p.json";
      std::ofstream(file, std::ios::binary) << text;
      return input_error_of([&] { (void)load_profile(file.string()); });
    };
    CHECK(error_for("{\n  \"a\": 1,\n  \"b\": tru\n}").find("line 3, column 11") != std::string::npos);
    // The column is where the parser stopped: the end of the offending token (here the string "b").
    CHECK(error_for("{\"a\": 1 \"b\": 2}").find("line 1, column 11") != std::string::npos);
    CHECK(error_for("\n\n\n   x").find("line 4, column 4") != std::string::npos);
    CHECK(error_for("{\n\"a\":\n[1,\n2,\n").find("line 5, column 1") != std::string::npos);
    const std::string bad_number = error_for("{\"threads\": 1e999}");
    CHECK(bad_number.find("expected valid JSON") != std::string::npos);
    CHECK(bad_number.find('\n') == std::string::npos);
    fs::remove_all(dir);
  }

  TEST_CASE("unknown keys name the key and the allowed ones, at every level") {
    json j = base_profile();
    j["mix"] = json::parse(R"({"wirte": 1})");
    CHECK(input_error_of([&] { (void)parse_profile(j, "mem"); }) ==
          "mem: mix.wirte: expected a known key (write, copy, slice, into_owned, handoff), got unknown key \"wirte\"");
    j = base_profile();
    j["sizes"] = json::parse(R"({"kind": "constant", "size": 64, "max": 100})");
    CHECK(input_error_of([&] { (void)parse_profile(j, "mem"); }).find("sizes.max: expected a known key (kind, size)") !=
          std::string::npos);
    j = base_profile();
    j["numa"] = json::parse(R"({"node": [0]})");
    CHECK(input_error_of([&] { (void)parse_profile(j, "mem"); }).find("numa.node") != std::string::npos);
  }

  TEST_CASE("apply_override: dotted paths with indices, values as JSON or text") {
    Profile p = parse_profile(json::parse(R"({"name": "o", "operations": 100,
        "sizes": {"kind": "uniform", "min": 64, "max": 1024},
        "allocators": [{"kind": "fixed", "slot_size": "64KiB", "slots": 16}, {"kind": "malloc"}]})"),
                              "mem");
    apply_override(p, "threads=4");
    CHECK(p.threads == 4u);
    apply_override(p, "sizes.max=64KiB");
    CHECK(p.sizes.max_size() == 65536u);
    apply_override(p, "allocators[0].slots = 1024");
    CHECK(p.allocators[0].slot_count == 1024u);
    apply_override(p, "name=my run");
    CHECK(p.name == "my run");
    apply_override(p, "hold={\"fraction\": 0.5, \"ops\": 10}");
    CHECK(p.hold.fraction == 0.5);
    apply_override(p, "hold.time_us=20");  // replaces hold.ops
    CHECK(p.hold.ops == 0u);
    CHECK(p.hold.time_ns == 20000u);
    apply_override(p, "duration_s=2");  // replaces operations
    CHECK(*p.duration_s == 2.0);
    CHECK_FALSE(p.operations.has_value());
    apply_override(p, "numa.placement=interleaved");  // creates numa
    REQUIRE(p.numa.has_value());
    CHECK(p.numa->policy == NumaPlacement::Policy::interleaved);
    apply_override(p, "numa=null");  // removes it
    CHECK_FALSE(p.numa.has_value());
    apply_override(p, "allocators[2]={\"kind\": \"pmr\"}");  // appends
    REQUIRE(p.allocators.size() == 3u);
    CHECK(p.allocators[2].kind == AllocatorKind::pmr_pool);
    apply_override(p, "allocators[1]=null");  // removes
    REQUIRE(p.allocators.size() == 2u);
    CHECK(p.allocators[1].kind == AllocatorKind::pmr_pool);
    apply_override(p, "sizes={\"kind\": \"constant\", \"size\": 128}");
    CHECK(p.sizes.max_size() == 128u);
    apply_override(p, "allocators[0].auto_spill=true");
    CHECK(p.allocators[0].auto_spill);
  }

  TEST_CASE("apply_override: bad assignments are InputErrors from --set, the profile is unchanged") {
    Profile p = parse_profile(base_profile(), "mem");
    const json before = to_json(p);
    const auto error_for = [&](const char* assignment) {
      return input_error_of([&] { apply_override(p, assignment); });
    };
    CHECK(error_for("threads=0") == "--set: threads: expected a whole number in [1, 1024], got 0");
    CHECK(error_for("threads").rfind("--set: threads: expected KEY=VALUE", 0) == 0);
    CHECK(error_for("thread=2").rfind("--set: thread: expected a known key", 0) == 0);
    CHECK(error_for("allocators[5].kind=pmr").rfind("--set: allocators[5].kind: expected an index", 0) == 0);
    CHECK(error_for("a..b=1").rfind("--set: a..b: expected a dotted path", 0) == 0);
    CHECK(error_for("[0]=1").rfind("--set: [0]: expected a dotted path", 0) == 0);
    CHECK(error_for("allocators[x]=1").rfind("--set: allocators[x]: expected a dotted path", 0) == 0);
    CHECK(error_for("name.first=x").rfind("--set: name.first: expected a path through JSON objects", 0) == 0);
    CHECK(error_for("hold.fraction=0.5").rfind("--set: hold.ops: expected how long", 0) == 0);
    CHECK(error_for("sizes.size=4 KB B").find("sizes.size: expected a byte size") != std::string::npos);
    CHECK(error_for("allocators=[]").find("allocators: expected a non-empty array") != std::string::npos);
    CHECK(to_json(p) == before);
  }

  TEST_CASE("check_geometries: a fixed slot below the largest request needs auto_spill, a buddy total must hold it") {
    Profile p = parse_profile(base_profile(), "mem");
    p.sizes = SizeDistribution::uniform(1, 8192);
    AllocatorSpec fixed;
    fixed.name = "f";
    fixed.kind = AllocatorKind::fixed;
    fixed.slot_size = 4096;
    fixed.slot_count = 4;
    p.allocators = {p.allocators[0], fixed};
    CHECK(input_error_of([&] { check_geometries(p, "plan"); }) ==
          "plan: allocators[1].slot_size: expected at least the largest request (8192 bytes, from sizes) or "
          "\"auto_spill\": true, got 4096");
    p.allocators[1].auto_spill = true;
    check_geometries(p, "plan");
    p.allocators[1].auto_spill = false;
    p.allocators[1].slot_size = 8192;
    check_geometries(p, "plan");

    AllocatorSpec buddy;
    buddy.name = "b";
    buddy.kind = AllocatorKind::buddy;
    buddy.total = 4096;
    buddy.min_block = 256;
    p.allocators = {buddy};
    CHECK(input_error_of([&] { check_geometries(p, "plan"); }).find("allocators[0].total: expected at least the largest request (8192") !=
          std::string::npos);
    buddy.total = 6000;  // nearest snaps up to 8192
    buddy.nearest = true;
    p.allocators = {buddy};
    check_geometries(p, "plan");
  }

  TEST_CASE("parse_profile enforces check_geometries (a slot smaller than the sizes does not parse)") {
    json j = base_profile();
    j["allocators"] = json::parse(R"([{"kind": "fixed", "slot_size": 512, "slots": 8}])");
    CHECK(input_error_of([&] { (void)parse_profile(j, "mem"); }).find("allocators[0].slot_size") != std::string::npos);
    j["allocators"][0]["auto_spill"] = true;
    CHECK(parse_profile(j, "mem").allocators[0].auto_spill);
  }

  TEST_CASE("parse errors keep the value shown short and on one line") {
    json j = base_profile();
    j["threads"] = std::string(500, 'x') + "\n";
    const std::string message = input_error_of([&] { (void)parse_profile(j, "mem"); });
    CHECK(message.size() < 200u);
    CHECK(message.find('\n') == std::string::npos);
    CHECK(message.find("...") != std::string::npos);
  }
}
