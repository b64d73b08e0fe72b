// Tests of arena/workloads/report.hpp (workloads/src/report.cpp, context.cpp): the report is a
// contract. to_json -> report_from_json -> to_json is identical (as objects and through text);
// keys come in the documented order; every key docs/report.schema.json requires is written and
// every key written is declared there; skipped and failed runs are records with status and error;
// bad documents give an InputError naming the field; numbers do not depend on the locale; the
// context block describes this build and machine.
#include <doctest/doctest.h>

#include <clocale>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <locale>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "arena/workloads/driver.hpp"
#include "arena/workloads/input_error.hpp"
#include "arena/workloads/report.hpp"

using arena::workloads::AllocatorKind;
using arena::workloads::collect_context;
using arena::workloads::InputError;
using arena::workloads::LatencySummary;
using arena::workloads::load_report;
using arena::workloads::Report;
using arena::workloads::report_from_json;
using arena::workloads::RunRecord;
using arena::workloads::TimelineSample;
using arena::workloads::to_json;
using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

namespace {

const std::string kSchemaPath = std::string(ARENA_TEST_DATA_DIR) + "/../../docs/report.schema.json";

RunRecord ok_record() {
  RunRecord r;
  r.allocator = "fixed-4k";
  r.kind = AllocatorKind::fixed;
  r.geometry = "65536x4KiB";
  r.repetition = 1;
  r.operations = 123456;
  r.bytes = 123456ull * 4096;
  r.seconds = 0.123456789012345;
  r.ops_per_s = 1000000.0 / 3.0;
  r.bytes_per_s = 4.25e9;
  r.latency_sample_every = 8;
  r.timer_overhead_ns = 19.7;
  r.latency["allocate"] = LatencySummary{15432, 71.25, 64, 90, 150, 900, 12000};
  r.latency["drop"] = LatencySummary{15432, 20.5, 18, 25, 40, 300, 5000};
  r.latency["handoff"] = LatencySummary{};
  r.spills = 3;
  r.failures = 2;
  r.peak_bytes_live = 65536;
  r.internal_fragmentation_bytes = std::nullopt;
  r.largest_free_block_min = 4096;
  TimelineSample a;
  a.t_s = 0.0;
  a.snapshot.allocations = 0;
  a.snapshot.bytes_reserved = 268435456;
  a.snapshot.largest_free_block = 4096;
  TimelineSample b;
  b.t_s = 0.1000001;
  b.snapshot.allocations = 100000;
  b.snapshot.failures = 2;
  b.snapshot.spills = 3;
  b.snapshot.bytes_live = 65536;
  b.snapshot.bytes_reserved = 268435456;
  b.snapshot.largest_free_block = 4096;
  r.timeline = {a, b};
  return r;
}

RunRecord buddy_record() {
  RunRecord r = ok_record();
  r.allocator = "buddy";
  r.kind = AllocatorKind::buddy;
  r.geometry = "64MiB/256 exact";
  r.repetition = 0;
  r.internal_fragmentation_bytes = 1234;
  r.free_blocks_per_order = {0, 1, 2, 0, 1};
  r.timeline[1].snapshot.internal_fragmentation = 1234;
  r.timeline[1].snapshot.peak_bytes_live = 70000;
  r.timeline[1].snapshot.free_blocks_per_order = {0, 1, 2, 0, 1};
  return r;
}

RunRecord skipped_record() {
  RunRecord r;
  r.allocator = "jemalloc";
  r.kind = AllocatorKind::jemalloc;
  r.geometry = "jemalloc";
  r.status = RunRecord::Status::skipped;
  r.error = "dlopen: libjemalloc.so.2: cannot allocate memory in static TLS block";
  return r;
}

RunRecord failed_record() {
  RunRecord r;
  r.allocator = "buddy-bad";
  r.kind = AllocatorKind::buddy;
  r.geometry = "3000/256 exact";
  r.status = RunRecord::Status::failed;
  r.error = "cannot build the buddy geometry: invalid geometry";
  return r;
}

Report sample_report() {
  Report report;
  report.context = collect_context("arena-bench run --preset rpc-small -o out.json");
  report.profile = json::parse(R"({"name": "rpc-small", "seed": 7, "threads": 2, "operations": 1000,
                                   "sizes": {"kind": "constant", "size": 256}})");
  report.results = {ok_record(), buddy_record(), skipped_record(), failed_record()};
  return report;
}

json load_schema() {
  std::ifstream in(kSchemaPath);
  REQUIRE_MESSAGE(in.good(), "cannot open " << kSchemaPath);
  return json::parse(in);
}

// `value` against the schema node `node`: every key `node` requires is present, every key present
// is declared (the format drifting from its schema is a test failure), recursively.
void check_against(const json& schema, const json& node, const ojson& value, const std::string& path) {
  if (node.contains("$ref")) {
    const std::string ref = node["$ref"].get<std::string>();
    REQUIRE(ref.rfind("#/$defs/", 0) == 0);
    check_against(schema, schema["$defs"][ref.substr(8)], value, path);
    return;
  }
  if (node.contains("required")) {
    REQUIRE_MESSAGE(value.is_object(), path << " is not an object");
    for (const auto& key : node["required"]) {
      CHECK_MESSAGE(value.contains(key.get<std::string>()), path << ": required key " << key << " missing");
    }
  }
  if (value.is_object() && node.contains("properties")) {
    for (auto it = value.begin(); it != value.end(); ++it) {
      CHECK_MESSAGE(node["properties"].contains(it.key()), path << "." << it.key() << " is not in the schema");
      if (node["properties"].contains(it.key())) check_against(schema, node["properties"][it.key()], it.value(), path + "." + it.key());
    }
  }
  if (value.is_object() && node.contains("additionalProperties") && node["additionalProperties"].is_object()) {
    for (auto it = value.begin(); it != value.end(); ++it) {
      check_against(schema, node["additionalProperties"], it.value(), path + "." + it.key());
    }
  }
  if (value.is_array() && node.contains("items")) {
    for (std::size_t i = 0; i < value.size(); ++i) check_against(schema, node["items"], value[i], path + "[" + std::to_string(i) + "]");
  }
  if (node.contains("const")) CHECK(json(value) == node["const"]);
  if (node.contains("enum")) {
    bool found = false;
    for (const auto& e : node["enum"]) found = found || json(value) == e;
    CHECK_MESSAGE(found, path << " = " << value.dump() << " is not one of " << node["enum"].dump());
  }
}

// The InputError that reading `doc` gives (REQUIREd to throw).
InputError error_of(const json& doc) {
  try {
    (void)report_from_json(doc, "r.json");
  } catch (const InputError& e) {
    return e;
  }
  FAIL("no InputError for " << doc.dump().substr(0, 200));
  return InputError("", "", "");
}

}  // namespace

TEST_SUITE("arena::workloads::Report") {
  TEST_CASE("round trip: to_json -> report_from_json -> to_json is identical") {
    const Report report = sample_report();
    const ojson first = to_json(report);
    SUBCASE("as objects") {
      const ojson second = to_json(report_from_json(first, "memory"));
      CHECK(second.dump() == first.dump());
    }
    SUBCASE("through text, read as sorted nlohmann::json") {
      const std::string text = first.dump(2);
      const ojson second = to_json(report_from_json(json::parse(text), "text"));
      CHECK(second.dump(2) == text);
    }
    SUBCASE("the fields come back") {
      const Report back = report_from_json(first, "memory");
      REQUIRE(back.results.size() == 4u);
      const RunRecord& r = back.results[0];
      CHECK(r.allocator == "fixed-4k");
      CHECK(r.kind == AllocatorKind::fixed);
      CHECK(r.repetition == 1u);
      CHECK(r.seconds == 0.123456789012345);  // exact: written with round-trip precision
      CHECK(r.ops_per_s == 1000000.0 / 3.0);
      CHECK(r.latency.at("allocate").p999_ns == 900u);
      CHECK(r.latency.at("allocate").mean_ns == 71.25);
      CHECK(!r.internal_fragmentation_bytes.has_value());
      CHECK(r.largest_free_block_min == 4096u);
      REQUIRE(r.timeline.size() == 2u);
      CHECK(r.timeline[1].t_s == 0.1000001);
      CHECK(r.timeline[1].snapshot.spills == 3u);
      CHECK(!r.timeline[1].snapshot.internal_fragmentation.has_value());
      CHECK(back.results[1].free_blocks_per_order == std::vector<std::uint64_t>{0, 1, 2, 0, 1});
      CHECK(back.results[1].timeline[1].snapshot.peak_bytes_live == 70000u);
      CHECK(back.results[2].status == RunRecord::Status::skipped);
      CHECK(back.results[2].error.find("static TLS") != std::string::npos);
      CHECK(back.results[3].status == RunRecord::Status::failed);
      CHECK(back.context.command == "arena-bench run --preset rpc-small -o out.json");
      CHECK(back.profile["name"] == "rpc-small");
    }
  }

  TEST_CASE("keys in the documented order: schema_version, context, profile, results") {
    const ojson j = to_json(sample_report());
    std::vector<std::string> keys;
    for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
    CHECK(keys == std::vector<std::string>{"schema_version", "context", "profile", "results"});
    const std::string text = j.dump();
    CHECK(text.rfind("{\"schema_version\":1,\"context\":{\"tool\":\"arena-bench\"", 0) == 0);
    const ojson& record = j["results"][0];
    CHECK(record.begin().key() == "allocator");
  }

  TEST_CASE("every key the schema requires is written, and every key written is in the schema") {
    const json schema = load_schema();
    CHECK(schema["$schema"] == "https://json-schema.org/draft/2020-12/schema");
    CHECK(schema["properties"]["schema_version"]["const"] == arena::workloads::kReportSchemaVersion);
    check_against(schema, schema, to_json(sample_report()), "report");
    // Also a report of a real run (all kinds of figure filled in by the driver).
    arena::workloads::Profile p;
    p.threads = 2;
    p.operations = 200;
    arena::workloads::AllocatorSpec spec;
    spec.kind = AllocatorKind::buddy;
    spec.name = "buddy";
    spec.total = 1 << 20;
    spec.min_block = 256;
    p.allocators = {spec};
    p.sample_interval_ms = 1;
    Report real;
    real.context = collect_context("test");
    real.profile = arena::workloads::to_json(p);
    real.results = arena::workloads::run_profile(p);
    REQUIRE(real.results.size() == 1u);
    CHECK(real.results[0].status == RunRecord::Status::ok);
    check_against(schema, schema, to_json(real), "real");
    CHECK(to_json(report_from_json(to_json(real), "real")).dump() == to_json(real).dump());
  }

  TEST_CASE("skipped and failed runs are records with status and error, ok records have no error") {
    const ojson j = to_json(sample_report());
    CHECK(j["results"][0]["status"] == "ok");
    CHECK(!j["results"][0].contains("error"));
    CHECK(j["results"][2]["status"] == "skipped");
    CHECK(j["results"][2]["error"] == skipped_record().error);
    CHECK(j["results"][3]["status"] == "failed");
    CHECK(j["results"][3]["error"] == failed_record().error);
    CHECK(j["results"][3]["operations"] == 0);  // every key is there, zero
    CHECK(j["results"][3]["largest_free_block_min"].is_null());
    CHECK(j["results"][0]["internal_fragmentation_bytes"].is_null());
    CHECK(j["results"][1]["internal_fragmentation_bytes"] == 1234);
  }

  TEST_CASE("bad documents: InputError naming the field") {
    const json good = json::parse(to_json(sample_report()).dump());

    SUBCASE("a newer schema_version") {
      json doc = good;
      doc["schema_version"] = 2;
      const InputError e = error_of(doc);
      CHECK(e.field() == "schema_version");
      CHECK(std::string(e.what()).find("r.json: schema_version: expected 1") == 0);
      CHECK(std::string(e.what()).find("got the number 2") != std::string::npos);
    }
    SUBCASE("schema_version missing or not a number") {
      json doc = good;
      doc.erase("schema_version");
      CHECK(error_of(doc).field() == "schema_version");
      doc["schema_version"] = "1";
      CHECK(error_of(doc).field() == "schema_version");
    }
    SUBCASE("not an object at all") { CHECK(error_of(json::array()).field() == "(document)"); }
    SUBCASE("a context key missing") {
      json doc = good;
      doc["context"].erase("cores");
      const InputError e = error_of(doc);
      CHECK(e.field() == "context.cores");
      CHECK(std::string(e.what()).find("got nothing") != std::string::npos);
    }
    SUBCASE("a negative count") {
      json doc = good;
      doc["results"][0]["operations"] = -1;
      CHECK(error_of(doc).field() == "results[0].operations");
    }
    SUBCASE("a latency figure of the wrong type") {
      json doc = good;
      doc["results"][1]["latency"]["allocate"]["p99_ns"] = "fast";
      const InputError e = error_of(doc);
      CHECK(e.field() == "results[1].latency.allocate.p99_ns");
      CHECK(e.expected() == "a whole number >= 0");
    }
    SUBCASE("a timeline sample key missing") {
      json doc = good;
      doc["results"][0]["timeline"][1].erase("bytes_live");
      CHECK(error_of(doc).field() == "results[0].timeline[1].bytes_live");
    }
    SUBCASE("an unknown status or kind") {
      json doc = good;
      doc["results"][2]["status"] = "maybe";
      CHECK(error_of(doc).field() == "results[2].status");
      doc = good;
      doc["results"][0]["kind"] = "hoard";
      CHECK(error_of(doc).field() == "results[0].kind");
    }
    SUBCASE("a skipped record without its error") {
      json doc = good;
      doc["results"][2].erase("error");
      CHECK(error_of(doc).field() == "results[2].error");
    }
    SUBCASE("results not an array, profile not an object") {
      json doc = good;
      doc["results"] = json::object();
      CHECK(error_of(doc).field() == "results");
      doc = good;
      doc["profile"] = 3;
      CHECK(error_of(doc).field() == "profile");
    }
    SUBCASE("unknown keys are ignored (additions within a major version)") {
      json doc = good;
      doc["extra"] = true;
      doc["results"][0]["new_figure"] = 1.5;
      CHECK(report_from_json(doc, "r.json").results.size() == 4u);
    }
  }

  TEST_CASE("load_report: a file, a file that is not JSON, no file") {
    const std::string dir = std::filesystem::temp_directory_path().string();
    const std::string good_path = dir + "/arena_test_report_good.json";
    const std::string bad_path = dir + "/arena_test_report_bad.json";
    {
      std::ofstream(good_path) << to_json(sample_report()).dump(2);
      std::ofstream(bad_path) << "{\n  \"schema_version\": 1,\n  \"context\": [1, 2,\n}\n";
    }
    CHECK(load_report(good_path).results.size() == 4u);
    try {
      (void)load_report(bad_path);
      FAIL("no error for a file that is not JSON");
    } catch (const InputError& e) {
      CHECK(e.source() == bad_path);
      CHECK(e.field() == "line 4, column 1");
      CHECK(e.expected() == "valid JSON");
    }
    try {
      (void)load_report("no/such/report.json");
      FAIL("no error for a missing file");
    } catch (const InputError& e) {
      CHECK(e.source() == "no/such/report.json");
      CHECK(e.field() == "file");
    }
    std::remove(good_path.c_str());
    std::remove(bad_path.c_str());
  }

  TEST_CASE("numbers do not depend on the locale") {
    struct CommaDecimal : std::numpunct<char> {
      char do_decimal_point() const override { return ','; }
      char do_thousands_sep() const override { return '.'; }
      std::string do_grouping() const override { return "\3"; }
    };
    const Report report = sample_report();
    const std::string before = to_json(report).dump();
    const std::locale previous = std::locale::global(std::locale(std::locale::classic(), new CommaDecimal));
    const char* c_locale = std::setlocale(LC_NUMERIC, "de_DE.UTF-8");  // when installed
    const std::string during = to_json(report).dump();
    const Report back = report_from_json(json::parse(during), "locale");
    std::setlocale(LC_NUMERIC, "C");
    std::locale::global(previous);
    CAPTURE(c_locale == nullptr ? "de_DE.UTF-8 not installed" : "de_DE.UTF-8");
    CHECK(during == before);
    CHECK(during.find("\"seconds\":0.123456789012345") != std::string::npos);
    CHECK(during.find("\"ops_per_s\":333333.3333333333") != std::string::npos);
    CHECK(back.results[0].seconds == 0.123456789012345);
  }

  TEST_CASE("collect_context describes this build and machine") {
    const auto c = collect_context("arena-bench run x");
    CHECK(c.tool == "arena-bench");
    CHECK(!c.tool_version.empty());
    CHECK(c.tool_version != "unknown");
    CHECK(!c.build_type.empty());
    CHECK((c.compiler.rfind("gcc ", 0) == 0 || c.compiler.rfind("clang ", 0) == 0));
#ifdef ARENA_SANITIZED
    CHECK(!c.sanitizer.empty());
#else
    CHECK(c.sanitizer.empty());
#endif
    CHECK(!c.host.empty());
    CHECK(c.os.rfind("Linux ", 0) == 0);
    CHECK(!c.cpu_model.empty());
    CHECK(c.cores >= 1u);
    CHECK(c.numa_nodes >= 1u);
    CHECK(!c.numa_backend.empty());
    CHECK(!c.timer.empty());
    CHECK(c.command == "arena-bench run x");
    // YYYY-MM-DDThh:mm:ssZ
    REQUIRE(c.date.size() == 20u);
    CHECK(c.date[4] == '-');
    CHECK(c.date[10] == 'T');
    CHECK(c.date[19] == 'Z');
    CHECK(c.date.rfind("20", 0) == 0);
  }
}
