// gate: the regression gate - compares a baseline and a current set of benchmark results case by
// case and metric by metric, and says which got worse. A throughput or latency figure regresses
// only when BOTH hold: the two-sided Mann-Whitney U test over the repetitions is significant after
// the Holm correction for all the tests of the run (alpha 0.05 by default), AND the median moved
// the wrong way by more than a threshold (5% single-thread, 10% multi-thread by default, per case
// and metric configurable). Deterministic figures (spills, failures, largest free block,
// fragmentation of seeded single-thread runs, failed runs) are compared exactly or against a
// tolerance. Inputs are arena-bench reports or Google Benchmark JSON files (load_gate_side);
// docs/ci-gate.md is the user's guide.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace arena::workloads {

// --- The data compared ---

enum class Better { higher, lower };

// One figure of one case on one side: a value per repetition.
struct MetricSamples {
  std::string metric;          // "ops_per_s", "allocate.p99_ns", "real_time", "spills", ...
  std::string unit;            // "ops/s", "ns", "items/s", "count", "bytes"
  Better better = Better::higher;
  bool deterministic = false;  // compared against a tolerance, not with the U test
  std::vector<double> values;  // one per usable repetition
};

// One benchmark case: an allocator of an arena-bench report, a run_name of Google Benchmark.
struct GateCase {
  std::string name;
  unsigned threads = 1;          // > 1: the multi-thread threshold applies
  std::size_t repetitions = 0;   // usable repetitions (status ok / no error)
  std::size_t failed_runs = 0;   // repetitions that failed (status failed / error_occurred)
  std::vector<MetricSamples> metrics;
};

// One input file, as loaded.
struct GateSide {
  std::string source;  // the file name
  std::string kind;    // "arena-bench report" or "Google Benchmark"
  // Deterministic figures are compared only when both sides have the same key (for reports: the
  // profile as run without "repetitions", when it is a seeded single-thread operation-count run;
  // empty: not deterministic).
  std::string deterministic_key;
  std::vector<GateCase> cases;
  std::vector<std::string> notes;  // about this input (sanitizer builds, skipped runs, ...)
  nlohmann::json context;          // what the file says about where it was run (may be null)
};

// --- Configuration ---

// A per-case or per-metric override: what is set replaces the level below.
struct GateOverride {
  std::optional<double> threshold_percent;
  std::optional<bool> ignore;
};

// Allowed worsening of a deterministic figure: max(absolute, relative_percent% of the baseline).
struct GateTolerance {
  double absolute = 0.0;
  double relative_percent = 0.0;
};

struct GateCaseConfig {
  GateOverride self;                              // "threshold_percent", "ignore" of the case
  std::map<std::string, GateOverride> metrics;    // "metrics": {NAME: {...}}
  std::map<std::string, GateTolerance> tolerances;
};

struct GateConfig {
  double alpha = 0.05;                          // family-wise, after Holm
  double threshold_percent = 5.0;               // single-thread cases
  double threshold_multi_thread_percent = 10.0;  // cases with threads > 1
  std::map<std::string, GateOverride> metrics;  // per metric name, every case
  std::map<std::string, GateTolerance> tolerances;  // deterministic figures, every case
  std::map<std::string, GateCaseConfig> cases;  // per case name
  std::string source;                           // the configuration file ("" = defaults)
};

// Parses the configuration file format of docs/ci-gate.md. Unknown keys are errors. Throws
// InputError(source, field, expected, got), e.g. "gate.json: alpha: expected a number in (0, 0.5],
// got 2".
GateConfig gate_config_from_json(const nlohmann::json& json, const std::string& source);
// Reads and parses a configuration file (InputError naming the file, the line and column of bad
// JSON, or the field).
GateConfig load_gate_config(const std::string& path);

// --- Loading the inputs (gate_input.cpp) ---

// Inputs larger than this are refused (a report is a few MiB; this keeps a wrong file from eating
// the machine's memory).
inline constexpr std::size_t kGateInputMaxBytes = std::size_t{256} << 20;

// Reads an arena-bench report or a Google Benchmark JSON file and extracts its cases. Throws
// InputError(path, field, expected, got) when the file cannot be read, is not a regular file, is
// larger than kGateInputMaxBytes, is not JSON (line and column), nests deeper than 256 levels, is
// JSON of neither kind, has the wrong schema_version, or (Google Benchmark) holds only aggregates.
GateSide load_gate_side(const std::string& path);
// The same from a parsed document (the kind is detected: "schema_version" -> report, "benchmarks"
// -> Google Benchmark).
GateSide gate_side_from_json(const nlohmann::json& json, const std::string& source);

// --- The verdict ---

enum class Verdict {
  ok,                   // no significant change beyond the threshold (or within tolerance)
  improved,             // significant and beyond the threshold, the good way
  regressed,            // significant and beyond the threshold, the bad way: the gate fails
  inconclusive,         // the median moved the bad way beyond the threshold, but not significantly
  too_few_repetitions,  // no p-value below alpha is possible with this many repetitions and tests
  missing,              // in the baseline only (no usable values in the current input)
  added,                // in the current input only
  ignored,              // switched off by the configuration
  not_comparable,       // deterministic figure of runs that are not the same seeded run
};
const char* to_string(Verdict verdict) noexcept;

struct Comparison {
  std::string case_name;
  std::string metric;
  std::string unit;
  Better better = Better::higher;
  bool deterministic = false;
  unsigned threads = 1;
  std::vector<double> baseline, current;
  double baseline_median = 0.0, current_median = 0.0;
  std::optional<double> change_percent;  // (current - baseline) / |baseline| * 100; none when baseline is 0
  double threshold_percent = 0.0;        // statistical: the threshold applied
  std::optional<GateTolerance> tolerance;  // deterministic: the tolerance applied
  std::optional<double> p_value;           // the U test's raw p-value
  std::optional<double> p_adjusted;        // after Holm
  std::string test;                        // "exact" or "normal" (U test), "" when none ran
  Verdict verdict = Verdict::ok;
  std::string reason;  // one sentence: why this verdict
};

struct GateResult {
  std::string baseline_source, current_source, kind;
  GateConfig config;
  std::size_t tests = 0;  // U tests in the Holm family
  std::vector<Comparison> comparisons;
  std::vector<std::string> notes;
  // True when some comparison regressed.
  bool failed() const noexcept;
  std::size_t count(Verdict verdict) const noexcept;
};

// Compares the two sides. Never throws for data trouble (that is a verdict); throws InputError
// when the two sides are of different kinds ("arena-bench report" vs "Google Benchmark").
GateResult run_gate(const GateSide& baseline, const GateSide& current, const GateConfig& config);

// The result as JSON (docs/ci-gate.md, "JSON output"): gate_version, verdict "pass"/"fail",
// counts per verdict, the configuration, notes and one entry per comparison.
inline constexpr int kGateOutputVersion = 1;
nlohmann::ordered_json to_json(const GateResult& result);

}  // namespace arena::workloads
