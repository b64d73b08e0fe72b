// gate_input (gate.hpp, gate_input.hpp): reads the gate's inputs. A file is checked before it is
// parsed (json_document.hpp: a regular file, at most kGateInputMaxBytes, nesting at most
// kJsonMaxDepth), then its kind is told by its keys: "schema_version" is an arena-bench report
// (read with report_from_json, which checks the version and every field), "benchmarks" a Google
// Benchmark file. Both become cases with a value per repetition for each metric; every error
// names the file and the field.
#include "gate_input.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "arena/workloads/input_error.hpp"
#include "arena/workloads/json_document.hpp"

namespace arena::workloads {
namespace detail {
namespace {

// Groups values by case name, keeping the order in which names first appear.
class CaseTable {
 public:
  GateCase& at(const std::string& name, unsigned threads) {
    const auto it = index_.find(name);
    if (it != index_.end()) return cases_[it->second];
    index_.emplace(name, cases_.size());
    GateCase& c = cases_.emplace_back();
    c.name = name;
    c.threads = threads;
    return c;
  }
  std::vector<GateCase> take() && { return std::move(cases_); }

 private:
  std::vector<GateCase> cases_;
  std::map<std::string, std::size_t> index_;
};

MetricSamples& metric(GateCase& c, const std::string& name, const std::string& unit, Better better,
                      bool deterministic = false) {
  for (MetricSamples& m : c.metrics) {
    if (m.metric == name) return m;
  }
  MetricSamples& m = c.metrics.emplace_back();
  m.metric = name;
  m.unit = unit;
  m.better = better;
  m.deterministic = deterministic;
  return m;
}

unsigned profile_threads(const nlohmann::json& profile) {
  const auto it = profile.find("threads");
  if (it == profile.end() || !it->is_number_unsigned()) return 1;
  const auto threads = it->get<std::uint64_t>();
  return threads == 0 ? 1u : static_cast<unsigned>(std::min<std::uint64_t>(threads, 1u << 20));
}

bool positive_number(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_number() && it->get<double>() > 0.0;
}

std::string describe(const nlohmann::json& value) {
  if (value.is_null()) return "null";
  if (value.is_object()) return "an object";
  if (value.is_array()) return "an array";
  std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

// Nanoseconds per unit of Google Benchmark's "time_unit".
double ns_per_unit(const std::string& unit) {
  if (unit == "ns") return 1.0;
  if (unit == "us") return 1e3;
  if (unit == "ms") return 1e6;
  if (unit == "s") return 1e9;
  return 0.0;
}

}  // namespace

std::string deterministic_profile_key(const nlohmann::json& profile) {
  if (!profile.is_object()) return {};
  if (profile_threads(profile) != 1) return {};
  if (!positive_number(profile, "operations") || profile.contains("duration_s")) return {};
  if (positive_number(profile, "warmup_s")) return {};
  if (const auto hold = profile.find("hold"); hold != profile.end() && hold->is_object()) {
    if (positive_number(*hold, "fraction") && positive_number(*hold, "time_us")) return {};
  }
  nlohmann::json key = profile;
  // What does not change the operations each allocator sees.
  for (const char* k : {"name", "description", "repetitions", "allocators", "sample_interval_ms"}) key.erase(k);
  return key.dump();
}

GateSide side_from_report(const Report& report, const std::string& source) {
  GateSide side;
  side.source = source;
  side.kind = "arena-bench report";
  side.deterministic_key = deterministic_profile_key(report.profile);
  side.context = nlohmann::json(to_json(report.context));
  const unsigned threads = profile_threads(report.profile);
  const bool deterministic = !side.deterministic_key.empty();
  if (!report.context.sanitizer.empty()) {
    side.notes.push_back(source + " was built with the " + report.context.sanitizer +
                         " sanitizer: its timings are not those of a normal build");
  }

  CaseTable table;
  for (const RunRecord& r : report.results) {
    GateCase& c = table.at(r.allocator, threads);
    if (r.status == RunRecord::Status::failed) {
      ++c.failed_runs;
      continue;
    }
    if (r.status == RunRecord::Status::skipped) {
      side.notes.push_back(source + ": " + r.allocator + " repetition " + std::to_string(r.repetition) +
                           " was skipped: " + r.error);
      continue;
    }
    ++c.repetitions;
    metric(c, "ops_per_s", "ops/s", Better::higher).values.push_back(r.ops_per_s);
    if (const auto it = r.latency.find("allocate"); it != r.latency.end() && it->second.count > 0) {
      metric(c, "allocate.p50_ns", "ns", Better::lower).values.push_back(static_cast<double>(it->second.p50_ns));
      metric(c, "allocate.p99_ns", "ns", Better::lower).values.push_back(static_cast<double>(it->second.p99_ns));
    }
    if (deterministic) {
      metric(c, "spills", "count", Better::lower, true).values.push_back(static_cast<double>(r.spills));
      metric(c, "failures", "count", Better::lower, true).values.push_back(static_cast<double>(r.failures));
      if (r.largest_free_block_min) {
        metric(c, "largest_free_block_min", "bytes", Better::higher, true)
            .values.push_back(static_cast<double>(*r.largest_free_block_min));
      }
      if (r.internal_fragmentation_bytes) {
        metric(c, "internal_fragmentation_bytes", "bytes", Better::lower, true)
            .values.push_back(static_cast<double>(*r.internal_fragmentation_bytes));
      }
    }
  }
  side.cases = std::move(table).take();
  return side;
}

GateSide side_from_google_benchmark(const nlohmann::json& json, const std::string& source) {
  GateSide side;
  side.source = source;
  side.kind = "Google Benchmark";
  if (const auto it = json.find("context"); it != json.end() && it->is_object()) side.context = *it;
  const auto benchmarks_it = json.find("benchmarks");
  if (benchmarks_it == json.end() || !benchmarks_it->is_array()) {
    throw InputError(source, "benchmarks", "an array", benchmarks_it == json.end() ? "nothing" : describe(*benchmarks_it));
  }
  const nlohmann::json& benchmarks = *benchmarks_it;
  if (benchmarks.empty()) throw InputError(source, "benchmarks", "at least one benchmark", "an empty array");

  CaseTable table;
  std::size_t aggregates = 0;
  std::size_t iterations = 0;
  for (std::size_t i = 0; i < benchmarks.size(); ++i) {
    const std::string path = "benchmarks[" + std::to_string(i) + "]";
    const nlohmann::json& b = benchmarks[i];
    if (!b.is_object()) throw InputError(source, path, "an object", describe(b));
    const auto string_field = [&](const char* key, const std::string& fallback) -> std::string {
      const auto it = b.find(key);
      if (it == b.end()) return fallback;
      if (!it->is_string()) throw InputError(source, path + "." + key, "a string", describe(*it));
      return it->get<std::string>();
    };
    const auto number_field = [&](const char* key, bool required) -> std::optional<double> {
      const auto it = b.find(key);
      if (it == b.end() || (!required && it->is_null())) {
        if (required) throw InputError(source, path + "." + key, "a number", "nothing");
        return std::nullopt;
      }
      if (!it->is_number()) throw InputError(source, path + "." + key, "a number", describe(*it));
      return it->get<double>();
    };

    const std::string name = string_field("name", "");
    if (name.empty()) throw InputError(source, path + ".name", "a benchmark name (a non-empty string)", "nothing");
    const std::string run_type = string_field("run_type", "iteration");
    if (run_type == "aggregate") {
      ++aggregates;
      continue;
    }
    if (run_type != "iteration") {
      throw InputError(source, path + ".run_type", "\"iteration\" or \"aggregate\"", describe(b.at("run_type")));
    }
    ++iterations;
    const std::string run_name = string_field("run_name", name);
    unsigned threads = 1;
    if (const auto it = b.find("threads"); it != b.end()) {
      if (!it->is_number_unsigned() || it->get<std::uint64_t>() == 0 || it->get<std::uint64_t>() > (1u << 20)) {
        throw InputError(source, path + ".threads", "a whole number >= 1", describe(*it));
      }
      threads = static_cast<unsigned>(it->get<std::uint64_t>());
    }
    GateCase& c = table.at(run_name, threads);
    if (const auto it = b.find("error_occurred"); it != b.end() && it->is_boolean() && it->get<bool>()) {
      ++c.failed_runs;
      continue;
    }
    const std::string unit = string_field("time_unit", "ns");
    const double scale = ns_per_unit(unit);
    if (scale == 0.0) throw InputError(source, path + ".time_unit", "one of ns, us, ms, s", describe(b.at("time_unit")));
    const double real_time = *number_field("real_time", true);
    const double cpu_time = *number_field("cpu_time", true);
    ++c.repetitions;
    metric(c, "real_time", "ns", Better::lower).values.push_back(real_time * scale);
    metric(c, "cpu_time", "ns", Better::lower).values.push_back(cpu_time * scale);
    if (const std::optional<double> items = number_field("items_per_second", false)) {
      metric(c, "items_per_second", "items/s", Better::higher).values.push_back(*items);
    }
  }
  if (iterations == 0 && aggregates > 0) {
    throw InputError(source, "benchmarks",
                     "results per repetition (run_type \"iteration\"; run with --benchmark_repetitions=N and without "
                     "--benchmark_report_aggregates_only)",
                     "only aggregates (mean, median, stddev)");
  }
  side.cases = std::move(table).take();
  return side;
}

std::string replace_non_finite(const std::string& text, std::size_t& replaced) {
  static constexpr std::array<std::string_view, 8> kTokens = {"-Infinity", "Infinity", "-NaN", "NaN",
                                                              "-inf",      "inf",      "-nan", "nan"};
  replaced = 0;
  std::string out;
  out.reserve(text.size());
  JsonStringTracker strings;  // the tokens hold no quote: skipping them leaves it in step
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (strings.in_string(c)) {
      out += c;
      ++i;
      continue;
    }
    bool matched = false;
    if (c == '-' || c == 'I' || c == 'N' || c == 'i' || c == 'n') {
      for (std::string_view token : kTokens) {
        if (text.compare(i, token.size(), token) != 0) continue;
        const std::size_t end = i + token.size();
        const bool word_end = end >= text.size() || !std::isalnum(static_cast<unsigned char>(text[end]));
        if (!word_end) continue;
        out += "null";
        i = end;
        ++replaced;
        matched = true;
        break;
      }
    }
    if (!matched) {
      out += c;
      ++i;
    }
  }
  return out;
}

}  // namespace detail

GateSide gate_side_from_json(const nlohmann::json& json, const std::string& source) {
  if (!json.is_object()) {
    throw InputError(source, "(document)",
                     "an arena-bench report or a Google Benchmark JSON file (an object)", detail::describe(json));
  }
  if (json.contains("schema_version")) return detail::side_from_report(report_from_json(json, source), source);
  if (json.contains("benchmarks")) return detail::side_from_google_benchmark(json, source);
  throw InputError(source, "(document)",
                   "an arena-bench report (with schema_version) or a Google Benchmark JSON file (with benchmarks)",
                   "an object with neither");
}

GateSide load_gate_side(const std::string& path) {
  JsonFileKind kind;
  kind.noun = "report";
  kind.max_bytes = kGateInputMaxBytes;
  std::size_t non_finite = 0;
  const std::string text = detail::replace_non_finite(read_json_file_text(path, kind), non_finite);
  return gate_side_from_json(parse_json_text(text, path, kind.max_depth), path);
}

}  // namespace arena::workloads
