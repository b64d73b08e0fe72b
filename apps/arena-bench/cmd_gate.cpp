// cmd_gate (cmd_gate.hpp): the `gate` subcommand - parse the flags, load the configuration and the
// two inputs, call workloads::run_gate, write the verdict JSON and print the table. Order matters:
// the output file is opened first and every input is read before anything is written, so bad
// input (exit 2) leaves no file behind; a regression (exit 1) still writes the complete JSON.
#include "cmd_gate.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "arena/workloads/gate.hpp"
#include "output.hpp"

namespace arena::bench {
namespace {

constexpr int kExitRegression = 1;

// A number typed on the command line, in [min, max] (or (min, max] when min_open).
double parse_number(const std::string& flag, const std::string& text, double min, double max, bool min_open) {
  std::array<char, 64> range{};
  std::snprintf(range.data(), range.size(), "a number in %s%g, %g]", min_open ? "(" : "[", min, max);
  double value = 0.0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || !(min_open ? value > min : value >= min) || !(value <= max)) {
    throw workloads::InputError(flag, "", range.data(), "\"" + text + "\"");
  }
  return value;
}

std::string fixed(double value, int decimals) {
  std::array<char, 64> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "%.*f", decimals, value);
  return buffer.data();
}

// A value in its unit, short: "3.29M", "52.3 ns", "1.2 us", "16 KiB", "12".
std::string format_value(double value, const std::string& unit) {
  if (!std::isfinite(value)) return "-";
  if (unit == "ops/s" || unit == "items/s") return format_si(value);
  if (unit == "ns") {
    const double a = std::fabs(value);
    if (a < 10.0) return fixed(value, 2) + " ns";
    if (a < 1000.0) return fixed(value, a < 100.0 ? 1 : 0) + " ns";
    if (a < 1e6) return fixed(value / 1e3, 2) + " us";
    if (a < 1e9) return fixed(value / 1e6, 2) + " ms";
    return fixed(value / 1e9, 2) + " s";
  }
  if (unit == "bytes" && value >= 0.0 && value < 1.8e19)
    return format_bytes(static_cast<std::uint64_t>(std::llround(value)));
  return fixed(value, value == std::floor(value) ? 0 : 1);
}

std::string format_p(const std::optional<double>& p) {
  if (!p) return "-";
  if (*p < 0.0001) return "<0.0001";
  return fixed(*p, 4);
}

std::string pad_right(const std::string& text, std::size_t width) {
  return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}
std::string pad_left(const std::string& text, std::size_t width) {
  return text.size() >= width ? text : std::string(width - text.size(), ' ') + text;
}

// One row per comparison: case, metric, n, baseline and current medians, change, adjusted p,
// verdict; then the notes and a summary line.
std::string format_gate_table(const workloads::GateResult& result) {
  std::vector<std::array<std::string, 8>> rows;
  rows.push_back({"case", "metric", "n", "baseline", "current", "change", "p (Holm)", "verdict"});
  for (const workloads::Comparison& c : result.comparisons) {
    std::string verdict = workloads::to_string(c.verdict);
    if (c.verdict == workloads::Verdict::regressed) verdict = "REGRESSED";
    rows.push_back({c.case_name, c.metric, std::to_string(c.baseline.size()) + "/" + std::to_string(c.current.size()),
                    c.baseline.empty() ? "-" : format_value(c.baseline_median, c.unit),
                    c.current.empty() ? "-" : format_value(c.current_median, c.unit),
                    c.change_percent ? (*c.change_percent > 0 ? "+" : "") + fixed(*c.change_percent, 1) + "%" : "-",
                    format_p(c.p_adjusted), verdict});
  }
  std::array<std::size_t, 8> width{};
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  width[0] = std::min<std::size_t>(width[0], 48);
  std::string out = "gate: " + result.baseline_source + " -> " + result.current_source + " (" + result.kind + ")\n";
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      const bool left = i == 0 || i == 1 || i == 7;
      line += left ? pad_right(row[i], width[i]) : pad_left(row[i], width[i]);
      if (i + 1 < row.size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  // Why, for what needs attention; too few repetitions once (the reason is the same everywhere).
  const workloads::Comparison* too_few = nullptr;
  for (const workloads::Comparison& c : result.comparisons) {
    if (c.verdict == workloads::Verdict::regressed || c.verdict == workloads::Verdict::inconclusive) {
      out += "  " + c.case_name + " " + c.metric + ": " + workloads::to_string(c.verdict) + ": " + c.reason + "\n";
    }
    if (c.verdict == workloads::Verdict::too_few_repetitions && too_few == nullptr) too_few = &c;
  }
  if (too_few != nullptr) {
    out += "  too_few_repetitions (" + std::to_string(result.count(workloads::Verdict::too_few_repetitions)) +
           " comparisons), e.g. " + too_few->case_name + " " + too_few->metric + ": " + too_few->reason + "\n";
  }
  for (const std::string& note : result.notes) out += "note: " + note + "\n";
  std::string counts;
  for (workloads::Verdict v :
       {workloads::Verdict::regressed, workloads::Verdict::improved, workloads::Verdict::ok,
        workloads::Verdict::inconclusive, workloads::Verdict::too_few_repetitions, workloads::Verdict::missing,
        workloads::Verdict::added, workloads::Verdict::ignored, workloads::Verdict::not_comparable}) {
    const std::size_t n = result.count(v);
    if (n > 0) counts += (counts.empty() ? "" : ", ") + std::to_string(n) + " " + workloads::to_string(v);
  }
  std::array<char, 160> tail{};
  std::snprintf(tail.data(), tail.size(),
                " (U test, Holm over %zu tests, alpha %g; thresholds %g%% / %g%% multi-thread)", result.tests,
                result.config.alpha, result.config.threshold_percent, result.config.threshold_multi_thread_percent);
  out += std::string("gate: ") + (result.failed() ? "FAIL" : "pass") + ": " +
         (counts.empty() ? "nothing compared" : counts) + tail.data() + "\n";
  return out;
}

}  // namespace

Command setup_gate(CLI::App& app) {
  auto options = std::make_shared<GateCommandOptions>();
  CLI::App* sub = app.add_subcommand(
      "gate", "Compare two reports (or Google Benchmark JSON files); exit 1 when something regressed");
  sub->add_option("BASELINE", options->baseline, "The baseline: an arena-bench report or Google Benchmark JSON")
      ->required();
  sub->add_option("CURRENT", options->current, "The candidate: a file of the same kind")->required();
  sub->add_option("--config", options->config, "Gate configuration file (JSON, see docs/ci-gate.md)")
      ->type_name("FILE");
  sub->add_option("--alpha", options->alpha, "Significance level after the Holm correction (default 0.05)")
      ->type_name("A");
  sub->add_option("--threshold", options->threshold,
                  "Median change that counts for single-thread cases, in percent (default 5)")
      ->type_name("PCT");
  sub->add_option("--threshold-multi", options->threshold_multi,
                  "Median change that counts for multi-thread cases, in percent (default 10)")
      ->type_name("PCT");
  sub->add_option("-o,--output", options->output, "Write the verdict JSON to FILE (atomically) instead of stdout")
      ->type_name("FILE");
  sub->add_flag("-q,--quiet", options->quiet, "No table on stderr");
  sub->footer(R"(Examples:
  arena-bench run profile.json --repetitions 10 -o base.json     # on the baseline build
  arena-bench run profile.json --repetitions 10 -o cand.json     # on the candidate build
  arena-bench gate base.json cand.json -o gate.json
  arena-bench gate base.json cand.json --config ci/gate.json --threshold 3 --threshold-multi 8
  arena_microbench --benchmark_repetitions=10 --benchmark_format=json > bench.json   # twice, then:
  arena-bench gate bench-base.json bench-cand.json --quiet > gate.json

A figure regresses when the two-sided Mann-Whitney U test over the repetitions is significant
after the Holm correction (alpha) AND its median moved the wrong way beyond the threshold.
Deterministic figures of seeded single-thread runs (spills, failures, largest free block,
fragmentation) and failed runs are compared exactly or within the configured tolerance.
The table goes to stderr (unless --quiet); the verdict JSON to stdout, or to FILE with -o.
Exit status: 0 nothing regressed, 1 something regressed, 2 bad input (nothing written).
Method and configuration: docs/ci-gate.md.)");
  return {sub, [options](const std::string&) { return run_gate_command(*options); }};
}

int run_gate_command(const GateCommandOptions& options) {
  // Flags first (cheap), then the output path, then the inputs: nothing is written before all of
  // them are known to be good.
  workloads::GateConfig config;
  if (!options.config.empty()) config = workloads::load_gate_config(options.config);
  if (!options.alpha.empty()) config.alpha = parse_number("--alpha", options.alpha, 0.0, 0.5, true);
  if (!options.threshold.empty()) {
    config.threshold_percent = parse_number("--threshold", options.threshold, 0.0, 1000.0, false);
  }
  if (!options.threshold_multi.empty()) {
    config.threshold_multi_thread_percent =
        parse_number("--threshold-multi", options.threshold_multi, 0.0, 1000.0, false);
  }
  std::optional<AtomicOutputFile> file;
  if (!options.output.empty()) file.emplace(options.output);

  const workloads::GateSide baseline = workloads::load_gate_side(options.baseline);
  const workloads::GateSide current = workloads::load_gate_side(options.current);
  const workloads::GateResult result = workloads::run_gate(baseline, current, config);

  const std::string json =
      workloads::to_json(result).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  if (file) {
    file->commit(json);
  } else {
    write_stdout(json);
  }
  if (!options.quiet) {
    std::string table = format_gate_table(result);
    if (file) table += "verdict: " + file->path() + "\n";
    std::fputs(table.c_str(), stderr);
  }
  return result.failed() ? kExitRegression : 0;
}

}  // namespace arena::bench
