// Report (report.hpp): the report model to JSON and back. Writing builds an ordered_json with keys
// in the documented order (docs/report-format.md); nlohmann writes numbers itself, independent of
// the C and C++ locales. Reading checks schema_version, then every required key and its type,
// naming the path of the first bad field ("results[2].latency.allocate.p99_ns"). The one thing not
// to get wrong: to_json(report_from_json(to_json(r))) must equal to_json(r), so every field
// written is read back and optional values are written as null, never left out.
#include "arena/workloads/report.hpp"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "arena/workloads/input_error.hpp"
#include "arena/workloads/json_document.hpp"

namespace arena::workloads {
namespace {

using ojson = nlohmann::ordered_json;

template <class T>
ojson optional_number(const std::optional<T>& v) {
  return v ? ojson(*v) : ojson(nullptr);
}

ojson to_json(const LatencySummary& s) {
  ojson j;
  j["count"] = s.count;
  j["mean_ns"] = s.mean_ns;
  j["p50_ns"] = s.p50_ns;
  j["p90_ns"] = s.p90_ns;
  j["p99_ns"] = s.p99_ns;
  j["p999_ns"] = s.p999_ns;
  j["max_ns"] = s.max_ns;
  return j;
}

ojson to_json(const TimelineSample& sample) {
  const AllocatorSnapshot& s = sample.snapshot;
  ojson j;
  j["t_s"] = sample.t_s;
  j["allocations"] = s.allocations;
  j["failures"] = s.failures;
  j["spills"] = s.spills;
  j["bytes_live"] = s.bytes_live;
  j["bytes_reserved"] = s.bytes_reserved;
  j["largest_free_block"] = optional_number(s.largest_free_block);
  j["internal_fragmentation_bytes"] = optional_number(s.internal_fragmentation);
  j["peak_bytes_live"] = optional_number(s.peak_bytes_live);
  j["free_blocks_per_order"] = s.free_blocks_per_order;
  return j;
}

// --- Reading ---

// Reads fields of one JSON document, throwing InputError(source, path, expected, got).
template <class Json>
class Reader {
 public:
  explicit Reader(const std::string& source) : source_(source) {}

  [[noreturn]] void fail(const std::string& path, const std::string& expected, const Json* got) const {
    throw InputError(source_, path, expected, got == nullptr ? "nothing" : describe(*got));
  }

  static std::string describe(const Json& v) {
    std::string text;
    if (v.is_null()) return "null";
    if (v.is_object()) return "an object";
    if (v.is_array()) return "an array";
    text = v.dump();
    if (text.size() > 40) text = text.substr(0, 37) + "...";
    if (v.is_string()) return "the string " + text;
    if (v.is_boolean()) return text;
    return "the number " + text;
  }

  static std::string join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }
  static std::string index(const std::string& path, std::size_t i) { return path + "[" + std::to_string(i) + "]"; }

  const Json& object(const Json& v, const std::string& path) const {
    if (!v.is_object()) fail(path, "an object", &v);
    return v;
  }
  const Json& array(const Json& v, const std::string& path) const {
    if (!v.is_array()) fail(path, "an array", &v);
    return v;
  }
  // The member `key` of `obj` (an object at `path`): must be present.
  const Json& member(const Json& obj, const std::string& path, const char* key, const char* expected) const {
    const auto it = obj.find(key);
    if (it == obj.end()) fail(join(path, key), expected, nullptr);
    return *it;
  }

  std::uint64_t whole(const Json& v, const std::string& path) const {
    if (v.is_number_unsigned()) return v.template get<std::uint64_t>();
    if (v.is_number_integer() && v.template get<std::int64_t>() >= 0) {
      return static_cast<std::uint64_t>(v.template get<std::int64_t>());
    }
    fail(path, "a whole number >= 0", &v);
  }
  std::uint64_t whole(const Json& obj, const std::string& path, const char* key) const {
    return whole(member(obj, path, key, "a whole number >= 0"), join(path, key));
  }
  unsigned small_whole(const Json& obj, const std::string& path, const char* key) const {
    const std::uint64_t v = whole(obj, path, key);
    if (v > std::numeric_limits<unsigned>::max()) fail(join(path, key), "a whole number below 2^32", &obj.at(key));
    return static_cast<unsigned>(v);
  }
  std::optional<std::uint64_t> optional_whole(const Json& obj, const std::string& path, const char* key) const {
    const Json& v = member(obj, path, key, "a whole number >= 0 or null");
    if (v.is_null()) return std::nullopt;
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.template get<std::int64_t>() >= 0)) {
      fail(join(path, key), "a whole number >= 0 or null", &v);
    }
    return whole(v, join(path, key));
  }
  double number(const Json& obj, const std::string& path, const char* key) const {
    const Json& v = member(obj, path, key, "a number");
    if (!v.is_number()) fail(join(path, key), "a number", &v);
    return v.template get<double>();
  }
  std::string string(const Json& obj, const std::string& path, const char* key) const {
    const Json& v = member(obj, path, key, "a string");
    if (!v.is_string()) fail(join(path, key), "a string", &v);
    return v.template get<std::string>();
  }
  std::vector<std::uint64_t> wholes(const Json& obj, const std::string& path, const char* key) const {
    const std::string here = join(path, key);
    const Json& v = array(member(obj, path, key, "an array of whole numbers"), here);
    std::vector<std::uint64_t> out;
    out.reserve(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) out.push_back(whole(v[i], index(here, i)));
    return out;
  }

 private:
  const std::string& source_;
};

template <class Json>
ReportContext read_context(const Reader<Json>& r, const Json& j, const std::string& path) {
  r.object(j, path);
  ReportContext c;
  c.tool = r.string(j, path, "tool");
  c.tool_version = r.string(j, path, "tool_version");
  c.build_type = r.string(j, path, "build_type");
  c.compiler = r.string(j, path, "compiler");
  c.sanitizer = r.string(j, path, "sanitizer");
  c.host = r.string(j, path, "host");
  c.os = r.string(j, path, "os");
  c.cpu_model = r.string(j, path, "cpu_model");
  c.cores = r.small_whole(j, path, "cores");
  c.numa_nodes = r.small_whole(j, path, "numa_nodes");
  c.numa_backend = r.string(j, path, "numa_backend");
  c.timer = r.string(j, path, "timer");
  c.date = r.string(j, path, "date");
  c.command = r.string(j, path, "command");
  return c;
}

template <class Json>
LatencySummary read_summary(const Reader<Json>& r, const Json& j, const std::string& path) {
  r.object(j, path);
  LatencySummary s;
  s.count = r.whole(j, path, "count");
  s.mean_ns = r.number(j, path, "mean_ns");
  s.p50_ns = r.whole(j, path, "p50_ns");
  s.p90_ns = r.whole(j, path, "p90_ns");
  s.p99_ns = r.whole(j, path, "p99_ns");
  s.p999_ns = r.whole(j, path, "p999_ns");
  s.max_ns = r.whole(j, path, "max_ns");
  return s;
}

template <class Json>
TimelineSample read_sample(const Reader<Json>& r, const Json& j, const std::string& path) {
  r.object(j, path);
  TimelineSample t;
  t.t_s = r.number(j, path, "t_s");
  AllocatorSnapshot& s = t.snapshot;
  s.allocations = r.whole(j, path, "allocations");
  s.failures = r.whole(j, path, "failures");
  s.spills = r.whole(j, path, "spills");
  s.bytes_live = r.whole(j, path, "bytes_live");
  s.bytes_reserved = r.whole(j, path, "bytes_reserved");
  s.largest_free_block = r.optional_whole(j, path, "largest_free_block");
  s.internal_fragmentation = r.optional_whole(j, path, "internal_fragmentation_bytes");
  s.peak_bytes_live = r.optional_whole(j, path, "peak_bytes_live");
  s.free_blocks_per_order = r.wholes(j, path, "free_blocks_per_order");
  return t;
}

template <class Json>
RunRecord read_record(const Reader<Json>& r, const Json& j, const std::string& path) {
  r.object(j, path);
  RunRecord rec;
  rec.allocator = r.string(j, path, "allocator");
  const std::string kind = r.string(j, path, "kind");
  const std::optional<AllocatorKind> k = allocator_kind_from_string(kind);
  if (!k) {
    r.fail(Reader<Json>::join(path, "kind"),
           "one of fixed, buddy, shared_vector, malloc, mimalloc, jemalloc, tcmalloc, pmr, null", &j.at("kind"));
  }
  rec.kind = *k;
  rec.geometry = r.string(j, path, "geometry");
  rec.repetition = r.small_whole(j, path, "repetition");
  const std::string status = r.string(j, path, "status");
  if (status == "ok") {
    rec.status = RunRecord::Status::ok;
  } else if (status == "skipped") {
    rec.status = RunRecord::Status::skipped;
  } else if (status == "failed") {
    rec.status = RunRecord::Status::failed;
  } else {
    r.fail(Reader<Json>::join(path, "status"), "one of ok, skipped, failed", &j.at("status"));
  }
  if (rec.status != RunRecord::Status::ok) rec.error = r.string(j, path, "error");
  rec.operations = r.whole(j, path, "operations");
  rec.bytes = r.whole(j, path, "bytes");
  rec.seconds = r.number(j, path, "seconds");
  rec.ops_per_s = r.number(j, path, "ops_per_s");
  rec.bytes_per_s = r.number(j, path, "bytes_per_s");
  rec.latency_sample_every = r.small_whole(j, path, "latency_sample_every");
  rec.timer_overhead_ns = r.number(j, path, "timer_overhead_ns");
  const std::string latency_path = Reader<Json>::join(path, "latency");
  const Json& latency = r.object(r.member(j, path, "latency", "an object"), latency_path);
  for (auto it = latency.begin(); it != latency.end(); ++it) {
    rec.latency[it.key()] = read_summary(r, it.value(), Reader<Json>::join(latency_path, it.key()));
  }
  rec.spills = r.whole(j, path, "spills");
  rec.failures = r.whole(j, path, "failures");
  rec.peak_bytes_live = r.whole(j, path, "peak_bytes_live");
  rec.internal_fragmentation_bytes = r.optional_whole(j, path, "internal_fragmentation_bytes");
  rec.largest_free_block_min = r.optional_whole(j, path, "largest_free_block_min");
  rec.free_blocks_per_order = r.wholes(j, path, "free_blocks_per_order");
  const std::string timeline_path = Reader<Json>::join(path, "timeline");
  const Json& timeline = r.array(r.member(j, path, "timeline", "an array"), timeline_path);
  rec.timeline.reserve(timeline.size());
  for (std::size_t i = 0; i < timeline.size(); ++i) {
    rec.timeline.push_back(read_sample(r, timeline[i], Reader<Json>::index(timeline_path, i)));
  }
  return rec;
}

template <class Json>
Report read_report(const Json& j, const std::string& source) {
  const Reader<Json> r(source);
  r.object(j, "(document)");
  Report report;
  // The version first: a document of another major version is refused before anything else.
  const Json& version = r.member(j, "", "schema_version", "1");
  if (!version.is_number_integer() || version.template get<std::int64_t>() != kReportSchemaVersion) {
    r.fail("schema_version", std::to_string(kReportSchemaVersion), &version);
  }
  report.schema_version = kReportSchemaVersion;
  report.context = read_context(r, r.member(j, "", "context", "an object"), "context");
  report.profile = r.object(r.member(j, "", "profile", "an object"), "profile");
  const Json& results = r.array(r.member(j, "", "results", "an array"), "results");
  report.results.reserve(results.size());
  for (std::size_t i = 0; i < results.size(); ++i) {
    report.results.push_back(read_record(r, results[i], Reader<Json>::index("results", i)));
  }
  return report;
}

}  // namespace

nlohmann::ordered_json to_json(const ReportContext& c) {
  ojson j;
  j["tool"] = c.tool;
  j["tool_version"] = c.tool_version;
  j["build_type"] = c.build_type;
  j["compiler"] = c.compiler;
  j["sanitizer"] = c.sanitizer;
  j["host"] = c.host;
  j["os"] = c.os;
  j["cpu_model"] = c.cpu_model;
  j["cores"] = c.cores;
  j["numa_nodes"] = c.numa_nodes;
  j["numa_backend"] = c.numa_backend;
  j["timer"] = c.timer;
  j["date"] = c.date;
  j["command"] = c.command;
  return j;
}

nlohmann::ordered_json to_json(const RunRecord& r) {
  ojson j;
  j["allocator"] = r.allocator;
  j["kind"] = std::string(to_string(r.kind));
  j["geometry"] = r.geometry;
  j["repetition"] = r.repetition;
  j["status"] = to_string(r.status);
  if (r.status != RunRecord::Status::ok) j["error"] = r.error;
  j["operations"] = r.operations;
  j["bytes"] = r.bytes;
  j["seconds"] = r.seconds;
  j["ops_per_s"] = r.ops_per_s;
  j["bytes_per_s"] = r.bytes_per_s;
  j["latency_sample_every"] = r.latency_sample_every;
  j["timer_overhead_ns"] = r.timer_overhead_ns;
  ojson latency = ojson::object();
  for (const auto& [op, summary] : r.latency) latency[op] = to_json(summary);
  j["latency"] = std::move(latency);
  j["spills"] = r.spills;
  j["failures"] = r.failures;
  j["peak_bytes_live"] = r.peak_bytes_live;
  j["internal_fragmentation_bytes"] = optional_number(r.internal_fragmentation_bytes);
  j["largest_free_block_min"] = optional_number(r.largest_free_block_min);
  j["free_blocks_per_order"] = r.free_blocks_per_order;
  ojson timeline = ojson::array();
  for (const TimelineSample& s : r.timeline) timeline.push_back(to_json(s));
  j["timeline"] = std::move(timeline);
  return j;
}

nlohmann::ordered_json to_json(const Report& report) {
  ojson j;
  j["schema_version"] = report.schema_version;
  j["context"] = to_json(report.context);
  j["profile"] = report.profile.is_null() ? ojson::object() : ojson(report.profile);
  ojson results = ojson::array();
  for (const RunRecord& r : report.results) results.push_back(to_json(r));
  j["results"] = std::move(results);
  return j;
}

Report report_from_json(const nlohmann::json& json, const std::string& source) { return read_report(json, source); }

Report report_from_json(const nlohmann::ordered_json& json, const std::string& source) {
  return read_report(json, source);
}

Report load_report(const std::string& path) {
  JsonFileKind kind;
  kind.noun = "report";
  return report_from_json(read_json_file(path, kind), path);
}

const char* to_string(RunRecord::Status status) noexcept {
  switch (status) {
    case RunRecord::Status::ok:
      return "ok";
    case RunRecord::Status::skipped:
      return "skipped";
    case RunRecord::Status::failed:
      return "failed";
  }
  return "failed";
}

}  // namespace arena::workloads
