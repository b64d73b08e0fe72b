// test_gate: the regression gate on synthetic inputs with known shifts (none, 3% with noise, 20%),
// made by a seeded generator: verdicts, thresholds (single / multi-thread, per case), the Holm
// family, deterministic figures and tolerances, failed runs, the configuration file, Google
// Benchmark files, and the refusal of inputs that are not reports (one InputError naming the file).
#include "arena/workloads/gate.hpp"

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "arena/workloads/input_error.hpp"
#include "arena/workloads/report.hpp"
#include "gate_input.hpp"
#include "rng.hpp"

namespace {

using namespace arena::workloads;
using Json = nlohmann::json;

// Roughly normal noise (sum of four uniforms, unit variance) from the tests' seeded generator.
double noise(arena::test::Rng& rng) {
  double sum = 0.0;
  for (int i = 0; i < 4; ++i) sum += static_cast<double>(rng.next() >> 11) * 0x1.0p-53;
  return (sum - 2.0) * std::sqrt(3.0);
}

struct Shape {
  double slowdown = 0.0;   // 0.2: 20% fewer ops/s and 20% more latency
  double noise = 0.01;     // relative standard deviation per repetition
  unsigned repetitions = 10;
  unsigned threads = 1;
  bool operations = true;  // an operation count (deterministic figures) rather than a duration
  std::uint64_t spills = 100;
  unsigned failed = 0;     // failed records per allocator, besides the ok ones
};

Report synthetic_report(std::uint64_t seed, const Shape& shape) {
  arena::test::Rng rng(seed);
  Report report;
  report.context.tool_version = "test";
  report.profile = Json{{"name", "synthetic"}, {"seed", 1},       {"threads", shape.threads},
                        {"repetitions", shape.repetitions},      {"hold", {{"fraction", 0.5}, {"ops", 10}}},
                        {"sizes", {{"kind", "constant"}, {"size", 256}}}};
  if (shape.operations) {
    report.profile["operations"] = 10000;
  } else {
    report.profile["duration_s"] = 1.0;
  }
  const std::vector<std::pair<std::string, double>> allocators = {{"fixed", 5e6}, {"malloc", 3e6}};
  for (unsigned rep = 0; rep < shape.repetitions + shape.failed; ++rep) {
    for (const auto& [name, ops] : allocators) {
      RunRecord r;
      r.allocator = name;
      r.kind = name == "fixed" ? AllocatorKind::fixed : AllocatorKind::malloc_refcount;
      r.repetition = rep;
      if (rep >= shape.repetitions) {
        r.status = RunRecord::Status::failed;
        r.error = "synthetic failure";
        report.results.push_back(r);
        continue;
      }
      r.ops_per_s = ops * (1.0 - shape.slowdown) * (1.0 + shape.noise * noise(rng));
      LatencySummary lat;
      lat.count = 1000;
      lat.p50_ns = static_cast<std::uint64_t>(std::llround(1000.0 * (1.0 + shape.slowdown) * (1.0 + shape.noise * noise(rng))));
      lat.p99_ns = static_cast<std::uint64_t>(std::llround(5000.0 * (1.0 + shape.slowdown) * (1.0 + shape.noise * noise(rng))));
      r.latency["allocate"] = lat;
      r.spills = shape.spills;
      r.failures = 0;
      if (name == "fixed") r.largest_free_block_min = 4096;
      report.results.push_back(r);
    }
  }
  return report;
}

// Through JSON and back, as the CLI reads it.
GateSide side_of(const Report& report, const std::string& source) {
  return gate_side_from_json(Json::parse(to_json(report).dump()), source);
}

const Comparison& find(const GateResult& result, const std::string& case_name, const std::string& metric) {
  for (const Comparison& c : result.comparisons) {
    if (c.case_name == case_name && c.metric == metric) return c;
  }
  FAIL("no comparison " << case_name << " " << metric);
  throw 0;
}

std::string temp_file(const std::string& name, const std::string& contents) {
  const std::string path = (std::filesystem::temp_directory_path() / ("arena_test_gate_" + name)).string();
  std::ofstream(path, std::ios::binary) << contents;
  return path;
}

// The InputError a load throws (fails the test when none is thrown).
InputError load_error(const std::string& path) {
  try {
    (void)load_gate_side(path);
  } catch (const InputError& e) {
    return e;
  }
  FAIL("no InputError for " << path);
  throw 0;
}

Json google_benchmark(const std::vector<double>& real_times_ns, unsigned threads, bool aggregates_only = false) {
  Json benchmarks = Json::array();
  for (std::size_t i = 0; i < real_times_ns.size() && !aggregates_only; ++i) {
    benchmarks.push_back({{"name", "BM_alloc/64"}, {"run_name", "BM_alloc/64"}, {"run_type", "iteration"},
                          {"repetitions", real_times_ns.size()}, {"repetition_index", i}, {"threads", threads},
                          {"iterations", 1000}, {"real_time", real_times_ns[i] / 1000.0},
                          {"cpu_time", real_times_ns[i] / 1000.0}, {"time_unit", "us"},
                          {"items_per_second", 1e9 / real_times_ns[i]}});
  }
  benchmarks.push_back({{"name", "BM_alloc/64_mean"}, {"run_name", "BM_alloc/64"}, {"run_type", "aggregate"},
                        {"aggregate_name", "mean"}, {"threads", threads}, {"real_time", 1.0},
                        {"cpu_time", 1.0}, {"time_unit", "us"}});
  return Json{{"context", {{"host_name", "test"}}}, {"benchmarks", benchmarks}};
}

}  // namespace

TEST_SUITE("arena::workloads::gate") {
  TEST_CASE("no shift, 3% with noise, 20%: ok, ok, regressed") {
    const GateConfig config;
    const GateSide base = side_of(synthetic_report(1, {}), "base.json");
    CHECK(base.kind == "arena-bench report");
    REQUIRE(base.cases.size() == 2u);
    CHECK(base.cases[0].name == "fixed");
    CHECK(base.cases[0].repetitions == 10u);

    SUBCASE("no shift") {
      const GateResult r = run_gate(base, side_of(synthetic_report(2, {}), "cur.json"), config);
      CHECK_FALSE(r.failed());
      CHECK(r.count(Verdict::regressed) == 0u);
      CHECK(find(r, "fixed", "ops_per_s").verdict == Verdict::ok);
      CHECK(r.tests == 6u);  // 2 allocators x (ops/s, p50, p99)
    }
    SUBCASE("3% slower with 1% noise: significant, but within the 5% threshold") {
      Shape shape;
      shape.slowdown = 0.03;
      const GateResult r = run_gate(base, side_of(synthetic_report(3, shape), "cur.json"), config);
      CHECK_FALSE(r.failed());
      const Comparison& ops = find(r, "fixed", "ops_per_s");
      CHECK(ops.verdict == Verdict::ok);
      REQUIRE(ops.change_percent);
      CHECK(*ops.change_percent == doctest::Approx(-3.0).epsilon(0.5));
      REQUIRE(ops.p_adjusted);
      CHECK(*ops.p_adjusted < 0.05);  // the shift is real, only small
    }
    SUBCASE("20% slower: every throughput and latency figure regressed") {
      Shape shape;
      shape.slowdown = 0.2;
      const GateResult r = run_gate(base, side_of(synthetic_report(4, shape), "cur.json"), config);
      CHECK(r.failed());
      for (const char* alloc : {"fixed", "malloc"}) {
        for (const char* metric : {"ops_per_s", "allocate.p50_ns", "allocate.p99_ns"}) {
          CAPTURE(alloc);
          CAPTURE(metric);
          CHECK(find(r, alloc, metric).verdict == Verdict::regressed);
        }
      }
      CHECK(find(r, "fixed", "spills").verdict == Verdict::ok);
      const nlohmann::ordered_json j = to_json(r);
      CHECK(j["verdict"] == "fail");
      CHECK(j["counts"]["regressed"] == 6);
      CHECK(j["comparisons"][0]["case"] == "fixed");
      CHECK(j["comparisons"][0]["baseline"]["n"] == 10);
    }
    SUBCASE("20% faster: improved, the gate passes") {
      Shape shape;
      shape.slowdown = -0.2;
      const GateResult r = run_gate(base, side_of(synthetic_report(5, shape), "cur.json"), config);
      CHECK_FALSE(r.failed());
      CHECK(find(r, "malloc", "ops_per_s").verdict == Verdict::improved);
      CHECK(to_json(r)["verdict"] == "pass");
    }
  }

  TEST_CASE("a report compared with itself never fails") {
    for (std::uint64_t seed = 10; seed < 20; ++seed) {
      Shape shape;
      shape.noise = 0.2;
      shape.repetitions = static_cast<unsigned>(2 + seed % 9);
      const GateSide side = side_of(synthetic_report(seed, shape), "same.json");
      const GateResult r = run_gate(side, side, GateConfig{});
      CHECK_FALSE(r.failed());
      for (const Comparison& c : r.comparisons) {
        CHECK(c.verdict != Verdict::regressed);
        CHECK(c.verdict != Verdict::improved);
        if (c.p_value) CHECK(*c.p_value == doctest::Approx(1.0));
      }
    }
  }

  TEST_CASE("thresholds: multi-thread, command-line style overrides, per case and metric") {
    Shape base_shape;
    base_shape.threads = 4;
    Shape cur_shape = base_shape;
    cur_shape.slowdown = 0.08;
    const GateSide base = side_of(synthetic_report(21, base_shape), "b");
    const GateSide cur = side_of(synthetic_report(22, cur_shape), "c");
    GateConfig config;
    SUBCASE("8% is within the 10% multi-thread threshold") {
      const GateResult r = run_gate(base, cur, config);
      CHECK_FALSE(r.failed());
      CHECK(find(r, "fixed", "ops_per_s").threshold_percent == 10.0);
      CHECK(find(r, "fixed", "ops_per_s").threads == 4u);
    }
    SUBCASE("but beyond a 6% multi-thread threshold") {
      config.threshold_multi_thread_percent = 6.0;
      CHECK(run_gate(base, cur, config).failed());
    }
    SUBCASE("a case override wins over the global threshold, a metric override over the case") {
      config.threshold_multi_thread_percent = 6.0;
      config.cases["fixed"].self.threshold_percent = 20.0;
      config.cases["fixed"].metrics["allocate.p99_ns"].threshold_percent = 1.0;
      config.cases["malloc"].self.ignore = true;
      const GateResult r = run_gate(base, cur, config);
      CHECK(find(r, "fixed", "ops_per_s").verdict == Verdict::ok);
      CHECK(find(r, "fixed", "allocate.p99_ns").verdict == Verdict::regressed);
      CHECK(find(r, "malloc", "ops_per_s").verdict == Verdict::ignored);
      CHECK(r.tests == 3u);  // ignored figures are not tested
    }
  }

  TEST_CASE("too few repetitions: never significant, never failing, says how many are needed") {
    Shape shape;
    shape.repetitions = 3;
    Shape slow = shape;
    slow.slowdown = 0.5;
    const GateResult r = run_gate(side_of(synthetic_report(30, shape), "b"), side_of(synthetic_report(31, slow), "c"),
                                  GateConfig{});
    CHECK_FALSE(r.failed());
    const Comparison& ops = find(r, "fixed", "ops_per_s");
    CHECK(ops.verdict == Verdict::too_few_repetitions);
    // 6 tests: 4 repetitions give 2 / C(8, 4) * 6 = 0.17 >= 0.05, 5 give 2 / C(10, 5) * 6 = 0.048.
    CAPTURE(ops.reason);
    CHECK(ops.reason.find("run at least 5 repetitions") != std::string::npos);
  }

  TEST_CASE("deterministic figures: exact, tolerance, not comparable, ranges") {
    Shape shape;
    Shape more = shape;
    more.spills = 103;
    const GateSide base = side_of(synthetic_report(40, shape), "b");
    const GateSide cur = side_of(synthetic_report(41, more), "c");
    REQUIRE_FALSE(base.deterministic_key.empty());
    GateConfig config;
    SUBCASE("3 more spills regress under an exact comparison") {
      const GateResult r = run_gate(base, cur, config);
      CHECK(r.failed());
      CHECK(find(r, "fixed", "spills").verdict == Verdict::regressed);
      CHECK(find(r, "fixed", "largest_free_block_min").verdict == Verdict::ok);
    }
    SUBCASE("within a tolerance of 5% of the baseline") {
      config.tolerances["spills"].relative_percent = 5.0;
      CHECK_FALSE(run_gate(base, cur, config).failed());
    }
    SUBCASE("fewer spills are an improvement") {
      const GateResult r = run_gate(cur, base, config);
      CHECK(find(r, "fixed", "spills").verdict == Verdict::improved);
    }
    SUBCASE("a duration-based profile has no deterministic figures") {
      Shape timed = more;
      timed.operations = false;
      const GateSide t = side_of(synthetic_report(42, timed), "t");
      CHECK(t.deterministic_key.empty());
      const GateResult r = run_gate(base, t, config);
      CHECK_FALSE(r.failed());
      CHECK(find(r, "fixed", "spills").verdict == Verdict::not_comparable);
    }
    SUBCASE("a figure that varies between repetitions is compared by ranges") {
      GateSide b = base;
      GateSide c = cur;
      b.cases[0].metrics[3].values = {100, 104, 100};  // spills
      REQUIRE(b.cases[0].metrics[3].metric == "spills");
      c.cases[0].metrics[3].values = {103, 103, 102};
      CHECK(find(run_gate(b, c, config), "fixed", "spills").verdict == Verdict::ok);  // overlapping
      c.cases[0].metrics[3].values = {110, 111, 109};
      CHECK(find(run_gate(b, c, config), "fixed", "spills").verdict == Verdict::regressed);
    }
  }

  TEST_CASE("failed runs in the current input regress, cases only on one side do not") {
    Shape shape;
    Shape failing = shape;
    failing.failed = 2;
    const GateResult r =
        run_gate(side_of(synthetic_report(50, shape), "b"), side_of(synthetic_report(51, failing), "c"), GateConfig{});
    CHECK(r.failed());
    const Comparison& failed = find(r, "fixed", "failed_runs");
    CHECK(failed.verdict == Verdict::regressed);
    CHECK(failed.current_median == 2.0);

    GateSide base = side_of(synthetic_report(52, shape), "b");
    GateSide cur = base;
    cur.cases.erase(cur.cases.begin());  // "fixed" gone
    base.cases.pop_back();                // "malloc" new
    const GateResult r2 = run_gate(base, cur, GateConfig{});
    CHECK_FALSE(r2.failed());
    CHECK(find(r2, "fixed", "ops_per_s").verdict == Verdict::missing);
    CHECK(find(r2, "malloc", "ops_per_s").verdict == Verdict::added);
  }

  TEST_CASE("Google Benchmark files: repetitions by run_name, units, aggregates-only refused") {
    std::vector<double> base_ns, slow_ns;
    arena::test::Rng rng(60);
    for (int i = 0; i < 8; ++i) {
      base_ns.push_back(50.0 * (1.0 + 0.01 * noise(rng)));
      slow_ns.push_back(60.0 * (1.0 + 0.01 * noise(rng)));
    }
    const GateSide base = gate_side_from_json(google_benchmark(base_ns, 1), "gb-base.json");
    CHECK(base.kind == "Google Benchmark");
    REQUIRE(base.cases.size() == 1u);
    CHECK(base.cases[0].name == "BM_alloc/64");
    CHECK(base.cases[0].repetitions == 8u);
    REQUIRE(base.cases[0].metrics.size() == 3u);
    CHECK(base.cases[0].metrics[0].values[0] == doctest::Approx(base_ns[0]));  // us -> ns

    const GateResult r = run_gate(base, gate_side_from_json(google_benchmark(slow_ns, 1), "gb-cur.json"), GateConfig{});
    CHECK(r.failed());
    CHECK(find(r, "BM_alloc/64", "real_time").verdict == Verdict::regressed);
    CHECK(find(r, "BM_alloc/64", "items_per_second").verdict == Verdict::regressed);

    // 20% slower with 4 threads: beyond 10% too.
    const GateResult mt = run_gate(gate_side_from_json(google_benchmark(base_ns, 4), "b"),
                                   gate_side_from_json(google_benchmark(slow_ns, 4), "c"), GateConfig{});
    CHECK(find(mt, "BM_alloc/64", "real_time").threshold_percent == 10.0);

    try {
      (void)gate_side_from_json(google_benchmark(base_ns, 1, true), "agg.json");
      FAIL("aggregates only accepted");
    } catch (const InputError& e) {
      CHECK(std::string(e.what()).find("agg.json: benchmarks: expected results per repetition") == 0);
      CHECK(std::string(e.what()).find("only aggregates") != std::string::npos);
    }
    // Mixing kinds is bad input.
    const GateSide report = side_of(synthetic_report(61, {}), "r.json");
    CHECK_THROWS_AS((void)run_gate(base, report, GateConfig{}), InputError);
  }

  TEST_CASE("Google Benchmark's NaN and Infinity become null") {
    std::size_t replaced = 0;
    const std::string text = R"({"a": NaN, "b": -Infinity, "c": "NaN in a string", "d": [inf, -nan, 1]})";
    const std::string fixed = detail::replace_non_finite(text, replaced);
    CHECK(replaced == 4u);
    const Json j = Json::parse(fixed);
    CHECK(j["a"].is_null());
    CHECK(j["b"].is_null());
    CHECK(j["c"] == "NaN in a string");
    CHECK(j["d"][2] == 1);
  }

  TEST_CASE("configuration file: fields, overrides and errors naming the field") {
    const Json good = Json::parse(R"({
      "alpha": 0.01, "threshold_percent": 3, "threshold_multi_thread_percent": 8,
      "metrics": {"allocate.p99_ns": {"threshold_percent": 25}, "cpu_time": {"ignore": true}},
      "tolerances": {"spills": {"absolute": 2, "relative_percent": 1}},
      "cases": {"fixed": {"threshold_percent": 4, "metrics": {"ops_per_s": {"ignore": true}},
                          "tolerances": {"failures": {"absolute": 1}}}}})");
    const GateConfig c = gate_config_from_json(good, "gate.json");
    CHECK(c.alpha == 0.01);
    CHECK(c.threshold_percent == 3.0);
    CHECK(c.threshold_multi_thread_percent == 8.0);
    CHECK(*c.metrics.at("allocate.p99_ns").threshold_percent == 25.0);
    CHECK(*c.metrics.at("cpu_time").ignore);
    CHECK(c.tolerances.at("spills").absolute == 2.0);
    CHECK(*c.cases.at("fixed").self.threshold_percent == 4.0);
    CHECK(*c.cases.at("fixed").metrics.at("ops_per_s").ignore);
    CHECK(c.cases.at("fixed").tolerances.at("failures").absolute == 1.0);

    const auto error_of = [](const std::string& text) -> std::string {
      try {
        (void)gate_config_from_json(Json::parse(text), "gate.json");
      } catch (const InputError& e) {
        return e.what();
      }
      return "no error";
    };
    CHECK(error_of(R"({"alpha": 2})") == "gate.json: alpha: expected a number in (0, 0.5], got 2");
    CAPTURE(error_of(R"({"alpah": 0.1})"));
    CHECK(error_of(R"({"alpah": 0.1})").find("gate.json: alpah: expected one of the keys") == 0);
    CHECK(error_of(R"({"metrics": {"ops": {}}})").find("gate.json: metrics.ops: expected a metric") == 0);
    CHECK(error_of(R"({"tolerances": {"ops_per_s": {}}})").find("expected a deterministic figure") !=
          std::string::npos);
    CHECK(error_of(R"({"cases": {"x": {"threshold_percent": -1}}})") ==
          "gate.json: cases.x.threshold_percent: expected a number in [0, 1000], got -1");
    CHECK(error_of("[]") == "gate.json: (document): expected an object, got []");
  }

  TEST_CASE("files that are not reports: one InputError naming the file, never a crash") {
    const Report report = synthetic_report(70, {});
    const std::string good = to_json(report).dump(1);
    SUBCASE("a good report loads") {
      CHECK(load_gate_side(temp_file("good.json", good)).cases.size() == 2u);
    }
    SUBCASE("truncated") {
      const std::string path = temp_file("truncated.json", good.substr(0, good.size() / 2));
      const InputError e = load_error(path);
      CHECK(e.source() == path);
      CHECK(e.expected() == "valid JSON");
      CHECK(e.field().find("line ") == 0);
    }
    SUBCASE("binary garbage") {
      std::string bytes;
      for (int i = 0; i < 1024; ++i) bytes += static_cast<char>(i * 37 % 256);
      const InputError e = load_error(temp_file("binary.json", bytes));
      CHECK(e.expected() == "valid JSON");
      CHECK(std::string(e.what()).find('\n') == std::string::npos);
    }
    SUBCASE("empty") { CHECK(load_error(temp_file("empty.json", "")).expected() == "valid JSON"); }
    SUBCASE("valid JSON that is not a report") {
      CHECK(load_error(temp_file("other.json", R"({"name": "x"})")).field() == "(document)");
      CHECK(load_error(temp_file("array.json", "[1, 2]")).field() == "(document)");
    }
    SUBCASE("a report with another schema_version") {
      Json j = Json::parse(good);
      j["schema_version"] = 2;
      const InputError e = load_error(temp_file("v2.json", j.dump()));
      CHECK(e.field() == "schema_version");
      CHECK(std::string(e.what()).find("expected 1, got the number 2") != std::string::npos);
    }
    SUBCASE("a report missing a field") {
      Json j = Json::parse(good);
      j["results"][1].erase("ops_per_s");
      CHECK(load_error(temp_file("field.json", j.dump())).field() == "results[1].ops_per_s");
    }
    SUBCASE("nested too deep") {
      const std::string deep = "{\"schema_version\": 1, \"profile\": " + std::string(100000, '[') +
                               std::string(100000, ']') + "}";
      const InputError e = load_error(temp_file("deep.json", deep));
      CHECK(e.expected().find("nested at most 256 levels") != std::string::npos);
    }
    SUBCASE("no file, a directory") {
      CHECK(load_error("/nonexistent/arena/gate.json").field() == "file");
      CHECK(std::string(load_error(std::filesystem::temp_directory_path().string()).what()).find("got a directory") !=
            std::string::npos);
    }
  }
}
