// gate (gate.hpp): the gate configuration file, the comparison of two GateSides and the verdict as
// JSON. Order of work in run_gate: pair the cases and metrics of both sides, run one U test per
// statistical pair, adjust all their p-values together (Holm), then decide each verdict from the
// adjusted p-value and the median change. The one thing not to get wrong: a regression needs
// BOTH significance and a change beyond the threshold - one alone is noise or an effect too small
// to matter. (Near 600 lines because the configuration reader lives here too; it could move to a
// gate_config.cpp of its own.)
#include "arena/workloads/gate.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <set>
#include <string>
#include <utility>

#include "arena/workloads/input_error.hpp"
#include "arena/workloads/json_document.hpp"
#include "arena/workloads/statistics.hpp"

namespace arena::workloads {
namespace {

using Json = nlohmann::json;

// Metrics the configuration may name (statistical ones of both input kinds, deterministic ones).
const std::set<std::string>& known_metrics() {
  static const std::set<std::string> names = {
      "ops_per_s", "allocate.p50_ns", "allocate.p99_ns", "real_time", "cpu_time", "items_per_second",
      "spills",    "failures",        "largest_free_block_min", "internal_fragmentation_bytes", "failed_runs"};
  return names;
}
const std::set<std::string>& deterministic_metrics() {
  static const std::set<std::string> names = {"spills", "failures", "largest_free_block_min",
                                              "internal_fragmentation_bytes", "failed_runs"};
  return names;
}

std::string shown(const Json& value) {
  std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

std::string join(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }

// --- Configuration reading ---

class ConfigReader {
 public:
  explicit ConfigReader(const std::string& source) : source_(source) {}

  [[noreturn]] void fail(const std::string& path, const std::string& expected, const Json& got) const {
    throw InputError(source_, path, expected, shown(got));
  }
  void object(const Json& v, const std::string& path, std::initializer_list<const char*> allowed) const {
    if (!v.is_object()) fail(path.empty() ? "(document)" : path, "an object", v);
    for (auto it = v.begin(); it != v.end(); ++it) {
      const bool known = std::any_of(allowed.begin(), allowed.end(), [&](const char* k) { return it.key() == k; });
      if (!known) {
        std::string keys;
        for (const char* k : allowed) keys += std::string(keys.empty() ? "" : ", ") + k;
        throw InputError(source_, join(path, it.key()), "one of the keys " + keys, "an unknown key");
      }
    }
  }
  double number(const Json& v, const std::string& path, double min, double max, bool min_open) const {
    const std::string expected = std::string("a number in ") + (min_open ? "(" : "[") + number_text(min) + ", " +
                                 number_text(max) + "]";
    if (!v.is_number()) fail(path, expected, v);
    const double x = v.get<double>();
    if (!(min_open ? x > min : x >= min) || !(x <= max)) fail(path, expected, v);
    return x;
  }
  bool boolean(const Json& v, const std::string& path) const {
    if (!v.is_boolean()) fail(path, "true or false", v);
    return v.get<bool>();
  }
  void metric_name(const std::string& name, const std::string& path, const Json& value, bool deterministic_only) const {
    const auto& names = deterministic_only ? deterministic_metrics() : known_metrics();
    if (names.count(name) != 0) return;
    std::string list;
    for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
    (void)value;
    throw InputError(source_, path, (deterministic_only ? "a deterministic figure: " : "a metric: ") + list,
                     "\"" + name + "\"");
  }

  GateOverride override_of(const Json& v, const std::string& path, std::initializer_list<const char*> allowed) const {
    object(v, path, allowed);
    GateOverride o;
    if (const auto it = v.find("threshold_percent"); it != v.end()) {
      o.threshold_percent = number(*it, join(path, "threshold_percent"), 0.0, 1000.0, false);
    }
    if (const auto it = v.find("ignore"); it != v.end()) o.ignore = boolean(*it, join(path, "ignore"));
    return o;
  }
  std::map<std::string, GateOverride> metric_overrides(const Json& v, const std::string& path) const {
    if (!v.is_object()) fail(path, "an object", v);
    std::map<std::string, GateOverride> out;
    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string here = join(path, it.key());
      metric_name(it.key(), here, it.value(), false);
      out[it.key()] = override_of(it.value(), here, {"threshold_percent", "ignore"});
    }
    return out;
  }
  std::map<std::string, GateTolerance> tolerances(const Json& v, const std::string& path) const {
    if (!v.is_object()) fail(path, "an object", v);
    std::map<std::string, GateTolerance> out;
    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string here = join(path, it.key());
      metric_name(it.key(), here, it.value(), true);
      object(it.value(), here, {"absolute", "relative_percent"});
      GateTolerance t;
      if (const auto a = it.value().find("absolute"); a != it.value().end()) {
        t.absolute = number(*a, join(here, "absolute"), 0.0, 1e18, false);
      }
      if (const auto r = it.value().find("relative_percent"); r != it.value().end()) {
        t.relative_percent = number(*r, join(here, "relative_percent"), 0.0, 1000.0, false);
      }
      out[it.key()] = t;
    }
    return out;
  }

  static std::string number_text(double x) {
    std::string text = Json(x).dump();
    if (text.size() > 2 && text.compare(text.size() - 2, 2, ".0") == 0) text.resize(text.size() - 2);
    return text;
  }

 private:
  const std::string& source_;
};

// --- Comparison ---

// The threshold and whether to skip, from the most specific level that says so:
// case.metrics[m] > case > metrics[m] > the global single/multi-thread threshold.
struct Effective {
  double threshold_percent = 0.0;
  bool ignore = false;
  GateTolerance tolerance;
};

Effective effective(const GateConfig& config, const std::string& case_name, const std::string& metric,
                    unsigned threads) {
  Effective e;
  e.threshold_percent = threads > 1 ? config.threshold_multi_thread_percent : config.threshold_percent;
  const auto apply = [&](const GateOverride& o) {
    if (o.threshold_percent) e.threshold_percent = *o.threshold_percent;
    if (o.ignore) e.ignore = *o.ignore;
  };
  if (const auto it = config.metrics.find(metric); it != config.metrics.end()) apply(it->second);
  if (const auto t = config.tolerances.find(metric); t != config.tolerances.end()) e.tolerance = t->second;
  if (const auto c = config.cases.find(case_name); c != config.cases.end()) {
    apply(c->second.self);
    if (const auto m = c->second.metrics.find(metric); m != c->second.metrics.end()) apply(m->second);
    if (const auto t = c->second.tolerances.find(metric); t != c->second.tolerances.end()) e.tolerance = t->second;
  }
  return e;
}

std::string percent_text(double x) {
  std::array<char, 32> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "%.1f%%", x);
  return buffer.data();
}
std::string number_text(double x) {
  std::array<char, 32> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "%.6g", x);
  return buffer.data();
}
std::string p_text(double p) {
  std::array<char, 32> buffer{};
  std::snprintf(buffer.data(), buffer.size(), p < 0.001 ? "%.2g" : "%.3f", p);
  return buffer.data();
}

const GateCase* find_case(const GateSide& side, const std::string& name) {
  for (const GateCase& c : side.cases) {
    if (c.name == name) return &c;
  }
  return nullptr;
}
const MetricSamples* find_metric(const GateCase* c, const std::string& name) {
  if (c == nullptr) return nullptr;
  for (const MetricSamples& m : c->metrics) {
    if (m.metric == name) return &m;
  }
  return nullptr;
}

// How much worse `current` is than `baseline` (> 0 worse, < 0 better), in the metric's units.
double worsening(Better better, double baseline, double current) {
  return better == Better::higher ? baseline - current : current - baseline;
}

// Deterministic figures: when every repetition of both sides agrees, the medians are compared
// against the tolerance. When some side's repetitions differ (the figure depends on timing after
// all: e.g. the metrics sampler drains the buddy arena's per-thread caches at moments that vary),
// a change counts only when the two ranges are apart by more than the tolerance.
void decide_deterministic(Comparison& c, const GateTolerance& tolerance) {
  c.tolerance = tolerance;
  const double allowed = std::max(tolerance.absolute, tolerance.relative_percent / 100.0 * std::abs(c.baseline_median));
  const std::string allowed_text = allowed == 0.0 ? "exact comparison" : "tolerance " + number_text(allowed);
  const auto [b_min, b_max] = std::minmax_element(c.baseline.begin(), c.baseline.end());
  const auto [c_min, c_max] = std::minmax_element(c.current.begin(), c.current.end());
  const bool constant = *b_min == *b_max && *c_min == *c_max;
  const bool higher = c.better == Better::higher;
  // Worst and best value of each side, the way the metric is read.
  const double b_worst = higher ? *b_min : *b_max;
  const double b_best = higher ? *b_max : *b_min;
  const double c_worst = higher ? *c_min : *c_max;
  const double c_best = higher ? *c_max : *c_min;
  const double worse = constant ? worsening(c.better, c.baseline_median, c.current_median)
                                : worsening(c.better, b_worst, c_best);  // every current value worse by this
  const double better = constant ? -worse : -worsening(c.better, b_best, c_worst);
  const std::string how = constant ? "" : " (the figure varies between repetitions: ranges compared)";
  if (worse > allowed) {
    c.verdict = Verdict::regressed;
    c.reason = "worse by " + number_text(worse) + " (" + allowed_text + ")" + how;
  } else if (better > allowed) {
    c.verdict = Verdict::improved;
    c.reason = "better by " + number_text(better) + " (" + allowed_text + ")" + how;
  } else {
    c.verdict = Verdict::ok;
    c.reason = constant && worse == 0.0 ? "unchanged" : "within " + allowed_text + how;
  }
}

// Smallest n (both samples) whose smallest possible p-value, times `tests`, is below alpha.
std::size_t repetitions_needed(double alpha, std::size_t tests) {
  for (std::size_t n = 2; n <= 100; ++n) {
    if (smallest_possible_p(n, n) * static_cast<double>(tests) < alpha) return n;
  }
  return 100;
}

}  // namespace

const char* to_string(Verdict verdict) noexcept {
  switch (verdict) {
    case Verdict::ok: return "ok";
    case Verdict::improved: return "improved";
    case Verdict::regressed: return "regressed";
    case Verdict::inconclusive: return "inconclusive";
    case Verdict::too_few_repetitions: return "too_few_repetitions";
    case Verdict::missing: return "missing";
    case Verdict::added: return "added";
    case Verdict::ignored: return "ignored";
    case Verdict::not_comparable: return "not_comparable";
  }
  return "ok";
}

GateConfig gate_config_from_json(const nlohmann::json& json, const std::string& source) {
  const ConfigReader r(source);
  GateConfig config;
  config.source = source;
  r.object(json, "",
           {"$schema", "description", "alpha", "threshold_percent", "threshold_multi_thread_percent", "metrics",
            "tolerances", "cases"});
  if (const auto it = json.find("description"); it != json.end() && !it->is_string()) {
    r.fail("description", "a string", *it);
  }
  if (const auto it = json.find("alpha"); it != json.end()) config.alpha = r.number(*it, "alpha", 0.0, 0.5, true);
  if (const auto it = json.find("threshold_percent"); it != json.end()) {
    config.threshold_percent = r.number(*it, "threshold_percent", 0.0, 1000.0, false);
  }
  if (const auto it = json.find("threshold_multi_thread_percent"); it != json.end()) {
    config.threshold_multi_thread_percent = r.number(*it, "threshold_multi_thread_percent", 0.0, 1000.0, false);
  }
  if (const auto it = json.find("metrics"); it != json.end()) config.metrics = r.metric_overrides(*it, "metrics");
  if (const auto it = json.find("tolerances"); it != json.end()) config.tolerances = r.tolerances(*it, "tolerances");
  if (const auto it = json.find("cases"); it != json.end()) {
    if (!it->is_object()) r.fail("cases", "an object (case name -> settings)", *it);
    for (auto c = it->begin(); c != it->end(); ++c) {
      const std::string path = "cases." + c.key();
      GateCaseConfig cc;
      cc.self = r.override_of(c.value(), path, {"threshold_percent", "ignore", "metrics", "tolerances"});
      if (const auto m = c.value().find("metrics"); m != c.value().end()) {
        cc.metrics = r.metric_overrides(*m, path + ".metrics");
      }
      if (const auto t = c.value().find("tolerances"); t != c.value().end()) {
        cc.tolerances = r.tolerances(*t, path + ".tolerances");
      }
      config.cases[c.key()] = std::move(cc);
    }
  }
  return config;
}

GateConfig load_gate_config(const std::string& path) {
  JsonFileKind kind;
  kind.noun = "gate configuration";
  kind.max_bytes = std::size_t{16} << 20;
  return gate_config_from_json(read_json_file(path, kind), path);
}

bool GateResult::failed() const noexcept { return count(Verdict::regressed) > 0; }

std::size_t GateResult::count(Verdict verdict) const noexcept {
  return static_cast<std::size_t>(std::count_if(comparisons.begin(), comparisons.end(),
                                                [&](const Comparison& c) { return c.verdict == verdict; }));
}

GateResult run_gate(const GateSide& baseline, const GateSide& current, const GateConfig& config) {
  if (baseline.kind != current.kind) {
    throw InputError(current.source, "(document)", "the same kind of file as the baseline (" + baseline.kind + ")",
                     current.kind == "arena-bench report" ? "an arena-bench report" : "a " + current.kind + " file");
  }
  GateResult result;
  result.baseline_source = baseline.source;
  result.current_source = current.source;
  result.kind = baseline.kind;
  result.config = config;
  for (const std::string& n : baseline.notes) result.notes.push_back(n);
  for (const std::string& n : current.notes) result.notes.push_back(n);

  // Timings of different machines or build types say little about the code.
  for (const char* key : {"host", "host_name", "cpu_model", "build_type"}) {
    const auto b = baseline.context.is_object() ? baseline.context.find(key) : baseline.context.end();
    const auto c = current.context.is_object() ? current.context.find(key) : current.context.end();
    if (baseline.context.is_object() && current.context.is_object() && b != baseline.context.end() &&
        c != current.context.end() && b->is_string() && c->is_string() && *b != *c) {
      result.notes.push_back(std::string("the inputs differ in ") + key + ": " + b->get<std::string>() + " vs " +
                             c->get<std::string>());
    }
  }
  const bool deterministic_comparable =
      !baseline.deterministic_key.empty() && baseline.deterministic_key == current.deterministic_key;
  if (!baseline.deterministic_key.empty() && !current.deterministic_key.empty() && !deterministic_comparable) {
    result.notes.push_back("the two reports ran different profiles (seed, operations, sizes, hold or mix differ): "
                           "deterministic figures are not compared");
  }

  // Cases in the baseline's order, then those only the current input has.
  std::vector<std::string> names;
  for (const GateCase& c : baseline.cases) names.push_back(c.name);
  for (const GateCase& c : current.cases) {
    if (find_case(baseline, c.name) == nullptr) names.push_back(c.name);
  }
  for (const auto& [name, settings] : config.cases) {
    if (find_case(baseline, name) == nullptr && find_case(current, name) == nullptr) {
      result.notes.push_back("the configuration names the case \"" + name + "\", which neither input has");
    }
  }

  std::vector<std::size_t> tested;  // indices of comparisons with a U test
  std::vector<double> raw_p;
  for (const std::string& name : names) {
    const GateCase* b = find_case(baseline, name);
    const GateCase* c = find_case(current, name);
    std::vector<std::string> metrics;
    for (const GateCase* side : {b, c}) {
      if (side == nullptr) continue;
      for (const MetricSamples& m : side->metrics) {
        if (std::find(metrics.begin(), metrics.end(), m.metric) == metrics.end()) metrics.push_back(m.metric);
      }
    }
    const unsigned threads = b != nullptr ? b->threads : c->threads;
    for (const std::string& metric : metrics) {
      const MetricSamples* bm = find_metric(b, metric);
      const MetricSamples* cm = find_metric(c, metric);
      const MetricSamples& any = bm != nullptr ? *bm : *cm;
      Comparison cmp;
      cmp.case_name = name;
      cmp.metric = metric;
      cmp.unit = any.unit;
      cmp.better = any.better;
      cmp.deterministic = any.deterministic;
      cmp.threads = threads;
      if (bm != nullptr) cmp.baseline = bm->values;
      if (cm != nullptr) cmp.current = cm->values;
      cmp.baseline_median = cmp.baseline.empty() ? 0.0 : median(cmp.baseline);
      cmp.current_median = cmp.current.empty() ? 0.0 : median(cmp.current);
      if (!cmp.baseline.empty() && !cmp.current.empty() && cmp.baseline_median != 0.0) {
        cmp.change_percent = (cmp.current_median - cmp.baseline_median) / std::abs(cmp.baseline_median) * 100.0;
      } else if (!cmp.baseline.empty() && !cmp.current.empty() && cmp.current_median == 0.0) {
        cmp.change_percent = 0.0;
      }
      const Effective e = effective(config, name, metric, threads);
      cmp.threshold_percent = e.threshold_percent;
      if (e.ignore) {
        cmp.verdict = Verdict::ignored;
        cmp.reason = "ignored by the configuration";
      } else if (cmp.deterministic && !deterministic_comparable) {
        cmp.verdict = Verdict::not_comparable;
        cmp.reason = "not the same seeded single-thread run (operation count, no time-based hold) in both inputs";
      } else if (cmp.baseline.empty() && cmp.current.empty()) {
        cmp.verdict = Verdict::missing;
        cmp.reason = "no usable repetition in either input";
      } else if (cmp.current.empty()) {
        cmp.verdict = Verdict::missing;
        cmp.reason = c == nullptr ? "only in the baseline" : "no usable repetition in the current input";
      } else if (cmp.baseline.empty()) {
        cmp.verdict = Verdict::added;
        cmp.reason = b == nullptr ? "only in the current input" : "no usable repetition in the baseline";
      } else if (cmp.deterministic) {
        decide_deterministic(cmp, e.tolerance);
      } else {
        const MannWhitneyResult u = mann_whitney_u(cmp.baseline, cmp.current);
        cmp.p_value = u.p_value;
        cmp.test = u.method == MannWhitneyResult::Method::exact ? "exact" : "normal";
        tested.push_back(result.comparisons.size());
        raw_p.push_back(u.p_value);
      }
      result.comparisons.push_back(std::move(cmp));
    }
    // Failed repetitions: counted like a deterministic figure (lower is better), whatever the run.
    const std::size_t failed_b = b != nullptr ? b->failed_runs : 0;
    const std::size_t failed_c = c != nullptr ? c->failed_runs : 0;
    if (failed_b > 0 || failed_c > 0) {
      Comparison cmp;
      cmp.case_name = name;
      cmp.metric = "failed_runs";
      cmp.unit = "runs";
      cmp.better = Better::lower;
      cmp.deterministic = true;
      cmp.threads = threads;
      cmp.baseline = {static_cast<double>(failed_b)};
      cmp.current = {static_cast<double>(failed_c)};
      cmp.baseline_median = static_cast<double>(failed_b);
      cmp.current_median = static_cast<double>(failed_c);
      if (failed_b > 0) cmp.change_percent = (cmp.current_median - cmp.baseline_median) / cmp.baseline_median * 100.0;
      const Effective e = effective(config, name, "failed_runs", threads);
      if (e.ignore) {
        cmp.verdict = Verdict::ignored;
        cmp.reason = "ignored by the configuration";
      } else {
        decide_deterministic(cmp, e.tolerance);
      }
      result.comparisons.push_back(std::move(cmp));
    }
  }

  // Holm over every U test of the run; then the verdicts.
  result.tests = tested.size();
  const std::vector<double> adjusted = holm_adjust(raw_p);
  double best_possible = 1.0;  // the smallest p-value any test of the family could reach
  for (std::size_t i : tested) {
    const Comparison& c = result.comparisons[i];
    best_possible = std::min(best_possible, smallest_possible_p(c.baseline.size(), c.current.size()));
  }
  const bool family_hopeless = best_possible * static_cast<double>(tested.size()) >= config.alpha;
  for (std::size_t k = 0; k < tested.size(); ++k) {
    Comparison& c = result.comparisons[tested[k]];
    c.p_adjusted = adjusted[k];
    const double possible = smallest_possible_p(c.baseline.size(), c.current.size());
    const bool significant = adjusted[k] < config.alpha;
    double worse_percent = 0.0;  // > 0: the bad way
    if (c.change_percent) {
      worse_percent = c.better == Better::higher ? -*c.change_percent : *c.change_percent;
    } else {
      const double w = worsening(c.better, c.baseline_median, c.current_median);
      worse_percent = w > 0 ? HUGE_VAL : (w < 0 ? -HUGE_VAL : 0.0);
    }
    const bool beyond_bad = worse_percent > c.threshold_percent;
    const bool beyond_good = -worse_percent > c.threshold_percent;
    const std::string change = c.change_percent ? percent_text(*c.change_percent) : std::string("a change from 0");
    const std::string n_text =
        "n = " + std::to_string(c.baseline.size()) + " / " + std::to_string(c.current.size());
    if (possible >= config.alpha || family_hopeless) {
      c.verdict = Verdict::too_few_repetitions;
      c.reason = n_text + " repetitions: no p-value below alpha " + number_text(config.alpha) + " is possible over " +
                 std::to_string(tested.size()) + " tests; run at least " +
                 std::to_string(repetitions_needed(config.alpha, tested.size())) + " repetitions";
    } else if (significant && beyond_bad) {
      c.verdict = Verdict::regressed;
      c.reason = change + " beyond the threshold of " + percent_text(c.threshold_percent) + ", p = " +
                 p_text(*c.p_adjusted) + " < alpha " + number_text(config.alpha);
    } else if (significant && beyond_good) {
      c.verdict = Verdict::improved;
      c.reason = change + " beyond the threshold of " + percent_text(c.threshold_percent) + ", p = " +
                 p_text(*c.p_adjusted) + " < alpha " + number_text(config.alpha);
    } else if (beyond_bad) {
      c.verdict = Verdict::inconclusive;
      c.reason = change + " beyond the threshold of " + percent_text(c.threshold_percent) + " but p = " +
                 p_text(*c.p_adjusted) + " is not below alpha " + number_text(config.alpha) + " (noise?)";
    } else {
      c.verdict = Verdict::ok;
      c.reason = significant ? change + " is significant but within the threshold of " +
                                   percent_text(c.threshold_percent)
                             : change + " is not significant (p = " + p_text(*c.p_adjusted) + ")";
    }
  }
  return result;
}

nlohmann::ordered_json to_json(const GateResult& result) {
  using ojson = nlohmann::ordered_json;
  const auto finite = [](double x) { return std::isfinite(x) ? ojson(x) : ojson(nullptr); };
  ojson j;
  j["gate_version"] = kGateOutputVersion;
  j["verdict"] = result.failed() ? "fail" : "pass";
  j["kind"] = result.kind;
  j["baseline"] = result.baseline_source;
  j["current"] = result.current_source;
  ojson config;
  config["source"] = result.config.source.empty() ? ojson(nullptr) : ojson(result.config.source);
  config["alpha"] = result.config.alpha;
  config["threshold_percent"] = result.config.threshold_percent;
  config["threshold_multi_thread_percent"] = result.config.threshold_multi_thread_percent;
  config["correction"] = "holm";
  config["tests"] = result.tests;
  j["config"] = std::move(config);
  ojson counts = ojson::object();
  for (Verdict v : {Verdict::regressed, Verdict::improved, Verdict::ok, Verdict::inconclusive,
                    Verdict::too_few_repetitions, Verdict::missing, Verdict::added, Verdict::ignored,
                    Verdict::not_comparable}) {
    counts[to_string(v)] = result.count(v);
  }
  j["counts"] = std::move(counts);
  j["notes"] = result.notes;
  ojson comparisons = ojson::array();
  for (const Comparison& c : result.comparisons) {
    ojson e;
    e["case"] = c.case_name;
    e["metric"] = c.metric;
    e["unit"] = c.unit;
    e["better"] = c.better == Better::higher ? "higher" : "lower";
    e["kind"] = c.deterministic ? "deterministic" : "statistical";
    e["threads"] = c.threads;
    ojson values_b = ojson::array();
    for (double v : c.baseline) values_b.push_back(finite(v));
    ojson values_c = ojson::array();
    for (double v : c.current) values_c.push_back(finite(v));
    e["baseline"] = {{"n", c.baseline.size()},
                     {"median", c.baseline.empty() ? ojson(nullptr) : finite(c.baseline_median)},
                     {"values", std::move(values_b)}};
    e["current"] = {{"n", c.current.size()},
                    {"median", c.current.empty() ? ojson(nullptr) : finite(c.current_median)},
                    {"values", std::move(values_c)}};
    e["change_percent"] = c.change_percent ? finite(*c.change_percent) : ojson(nullptr);
    if (c.deterministic) {
      const GateTolerance t = c.tolerance.value_or(GateTolerance{});
      e["tolerance"] = {{"absolute", t.absolute}, {"relative_percent", t.relative_percent}};
    } else {
      e["threshold_percent"] = c.threshold_percent;
    }
    e["test"] = c.test.empty() ? ojson(nullptr) : ojson(c.test);
    e["p_value"] = c.p_value ? finite(*c.p_value) : ojson(nullptr);
    e["p_adjusted"] = c.p_adjusted ? finite(*c.p_adjusted) : ojson(nullptr);
    e["verdict"] = to_string(c.verdict);
    e["reason"] = c.reason;
    comparisons.push_back(std::move(e));
  }
  j["comparisons"] = std::move(comparisons);
  return j;
}

}  // namespace arena::workloads
