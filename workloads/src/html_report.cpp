// html_report (html_report.hpp): the report page. Records are grouped by allocator in the order
// they first appear; figures across repetitions are medians (with min-max whiskers), as in the
// stderr table. The timeline and the free-block histogram come from one repetition per allocator,
// the first that was measured, and the page says which. Every text from the report goes through
// svg::escape; the page holds no script and loads nothing.
#include "arena/workloads/html_report.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "svg_chart.hpp"

namespace arena::workloads {
namespace {

using svg::escape;
using svg::format_value;
using svg::Unit;

constexpr int kAllocatorColors = 10;   // palette slots 0..9: allocators
constexpr int kPercentileColor = 10;   // slots 10..13: p50, p90, p99, p99.9
constexpr std::array<const char*, 6> kOperations = {"allocate", "drop", "copy", "slice", "into_owned", "handoff"};

// The records of one allocator.
struct Group {
  std::string name;
  std::string kind;
  std::string geometry;
  int color = 0;
  std::vector<const RunRecord*> all;
  std::vector<const RunRecord*> ok;
  // The first measured repetition with a timeline (or the first measured one): the source of the
  // timeline and free-block charts.
  const RunRecord* sample() const {
    for (const RunRecord* r : ok) {
      if (!r->timeline.empty()) return r;
    }
    return ok.empty() ? nullptr : ok.front();
  }
};

std::vector<Group> group_records(const std::vector<RunRecord>& results) {
  std::vector<Group> groups;
  std::map<std::string, std::size_t> index;
  for (const RunRecord& r : results) {
    auto [it, added] = index.emplace(r.allocator, groups.size());
    if (added) {
      Group& g = groups.emplace_back();
      g.name = r.allocator;
      g.kind = std::string(to_string(r.kind));
      g.geometry = r.geometry;
      g.color = static_cast<int>(it->second % kAllocatorColors);
    }
    Group& g = groups[it->second];
    g.all.push_back(&r);
    if (r.status == RunRecord::Status::ok) g.ok.push_back(&r);
  }
  return groups;
}

double median(std::vector<double> values) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const std::size_t mid = values.size() / 2;
  return values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2.0;
}

// The values of `get` over the measured repetitions of `g`.
template <class Get>
std::vector<double> over_ok(const Group& g, Get get) {
  std::vector<double> values;
  for (const RunRecord* r : g.ok) {
    if (const std::optional<double> v = get(*r)) values.push_back(*v);
  }
  return values;
}

std::optional<std::pair<double, double>> spread(const std::vector<double>& values) {
  if (values.size() < 2) return std::nullopt;
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  return std::make_pair(*lo, *hi);
}

// "skipped: why" of the first record that was not measured.
std::string not_measured_note(const Group& g) {
  for (const RunRecord* r : g.all) {
    if (r->status != RunRecord::Status::ok) return std::string(to_string(r->status)) + ": " + r->error;
  }
  return "no record";
}

std::optional<double> latency_of(const RunRecord& r, const std::string& op, int percentile) {
  const auto it = r.latency.find(op);
  if (it == r.latency.end() || it->second.count == 0) return std::nullopt;
  const LatencySummary& s = it->second;
  switch (percentile) {
    case 0: return static_cast<double>(s.p50_ns);
    case 1: return static_cast<double>(s.p90_ns);
    case 2: return static_cast<double>(s.p99_ns);
    case 3: return static_cast<double>(s.p999_ns);
    case 4: return static_cast<double>(s.max_ns);
    default: return s.mean_ns;
  }
}

std::string swatch(int color) { return "<span class=\"swatch b" + std::to_string(color) + "\"></span>"; }

std::string cell(const std::string& text, bool number = true) {
  return std::string(number ? "<td class=\"num\">" : "<td>") + escape(text) + "</td>";
}

std::string figure(const std::string& svg, const std::string& caption) {
  return "<figure>" + svg + "<figcaption>" + caption + "</figcaption></figure>\n";
}

const char* kStyle = R"css(
:root{color-scheme:light dark;--bg:#ffffff;--fg:#1d2329;--muted:#5b6570;--rule:#d5dbe1;--panel:#f4f6f8;
--warn-bg:#fff3d1;--warn-fg:#573f00;--code:#eef1f4;
--p0:#1f6fb5;--p1:#d97f00;--p2:#138a57;--p3:#c63c27;--p4:#8254bd;--p5:#1f9bbf;--p6:#9c5f24;--p7:#bd3f88;
--p8:#5f7216;--p9:#5d6873;--p10:#a9cdea;--p11:#5f9fd7;--p12:#2a69ad;--p13:#123a6b}
@media (prefers-color-scheme: dark){:root{--bg:#14181c;--fg:#e2e6ea;--muted:#9ba6b1;--rule:#343c45;
--panel:#1c2228;--warn-bg:#3b300e;--warn-fg:#f2d98f;--code:#1f262d;
--p0:#5ca9ef;--p1:#f4a834;--p2:#3fcb8d;--p3:#f26d58;--p4:#b690f2;--p5:#5ccfee;--p6:#d7a066;--p7:#ef80c0;
--p8:#b5c95c;--p9:#a6b1bc;--p10:#27507a;--p11:#3a7dbf;--p12:#6aacec;--p13:#b3d8fa}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);
font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans","Liberation Sans",sans-serif}
main{max-width:980px;margin:0 auto;padding:20px 20px 48px}
h1{font-size:1.55em;margin:.2em 0 .3em}
h2{font-size:1.2em;margin:2em 0 .5em;padding-bottom:.25em;border-bottom:1px solid var(--rule)}
h3{font-size:1em;margin:1.4em 0 .4em}
p,li{max-width:75ch}
.muted,figcaption{color:var(--muted)}
figcaption{font-size:.9em;margin-top:.2em}
figure{margin:.8em 0 1.4em}
nav{margin:.8em 0;font-size:.95em}
nav a{margin-right:1em}
a{color:var(--p0)}
code,pre{font-family:ui-monospace,"DejaVu Sans Mono","Liberation Mono",monospace;font-size:.9em}
code{background:var(--code);padding:0 .25em;border-radius:3px;overflow-wrap:anywhere}
pre{background:var(--panel);border:1px solid var(--rule);padding:.8em;overflow:auto;max-height:36em}
dl.context{display:grid;grid-template-columns:max-content 1fr;gap:.15em 1em;margin:.6em 0;
background:var(--panel);border:1px solid var(--rule);padding:.7em 1em;border-radius:4px}
dl.context dt{color:var(--muted)}
dl.context dd{margin:0;overflow-wrap:anywhere}
.warning{background:var(--warn-bg);color:var(--warn-fg);padding:.5em .8em;border-radius:4px}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;font-size:.9em;margin:.4em 0 1em}
th,td{padding:.25em .45em;border-bottom:1px solid var(--rule);text-align:left;vertical-align:top}
th{font-weight:600;white-space:nowrap}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.reason{overflow-wrap:anywhere}
td.name{white-space:nowrap}
.status-skipped,.status-failed{font-weight:600;color:var(--p3)}
.swatch{display:inline-block;width:.8em;height:.8em;margin-right:.4em;border-radius:2px;vertical-align:-.05em}
details>summary{cursor:pointer;color:var(--muted)}
svg.chart{display:block;width:100%;height:auto;max-width:900px;color:var(--fg);font-size:12px}
svg.chart text{fill:currentColor}
svg.chart .tick{font-size:11px;fill-opacity:.8}
svg.chart .axis-label{font-size:11.5px;fill-opacity:.85}
svg.chart .grid{stroke:currentColor;stroke-opacity:.13}
svg.chart .domain{stroke:currentColor;stroke-opacity:.55}
svg.chart .whisker{stroke:currentColor;stroke-width:1.2}
svg.chart .series{fill:none;stroke-width:2;stroke-linejoin:round;stroke-linecap:round}
svg.chart .note{font-style:italic;fill-opacity:.75}
svg.chart .value{font-size:11px}
svg.chart .value.small{font-size:9.5px}
)css";

std::string palette_css() {
  std::string css;
  for (int i = 0; i < kAllocatorColors + 4; ++i) {
    const std::string n = std::to_string(i);
    css += ".f" + n + "{fill:var(--p" + n + ")}.s" + n + "{stroke:var(--p" + n + ")}.b" + n +
           "{background:var(--p" + n + ")}\n";
  }
  return css;
}

std::string profile_text(const nlohmann::json& profile, const char* key) {
  const auto it = profile.find(key);
  return it != profile.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// --- Sections ---

std::string header_section(const Report& report, const std::vector<Group>& groups) {
  const std::string name = profile_text(report.profile, "name");
  const std::string description = profile_text(report.profile, "description");
  const ReportContext& c = report.context;
  std::string out = "<header><h1>arena-bench report: " + escape(name.empty() ? "(unnamed profile)" : name) + "</h1>\n";
  if (!description.empty()) out += "<p>" + escape(description) + "</p>\n";
  std::size_t records = 0;
  for (const Group& g : groups) records += g.all.size();
  out += "<p class=\"muted\">" + std::to_string(groups.size()) + " allocator(s), " + std::to_string(records) +
         " record(s); figures over repetitions are medians, whiskers show the lowest and highest.</p>\n";
  if (!c.sanitizer.empty()) {
    out += "<p class=\"warning\">Built with the " + escape(c.sanitizer) +
           " sanitizer: these figures are not comparable with those of an ordinary build.</p>\n";
  }
  const std::vector<std::pair<const char*, std::string>> rows = {
      {"tool", c.tool + " " + c.tool_version},
      {"date", c.date},
      {"host", c.host},
      {"os", c.os},
      {"cpu", c.cpu_model + " (" + std::to_string(c.cores) + " logical CPUs, " + std::to_string(c.numa_nodes) +
                  " NUMA node" + (c.numa_nodes == 1 ? "" : "s") + ")"},
      {"numa backend", c.numa_backend},
      {"timer", c.timer},
      {"build", c.build_type + ", " + c.compiler + (c.sanitizer.empty() ? "" : ", sanitizer " + c.sanitizer)},
      {"schema version", std::to_string(report.schema_version)}};
  out += "<dl class=\"context\">";
  for (const auto& [key, value] : rows) out += "<dt>" + std::string(key) + "</dt><dd>" + escape(value) + "</dd>";
  out += "<dt>command</dt><dd><code>" + escape(c.command) + "</code></dd></dl>\n";
  out += "<nav><a href=\"#summary\">Summary</a><a href=\"#throughput\">Throughput</a><a href=\"#latency\">Latency</a>"
         "<a href=\"#timeline\">Timeline</a><a href=\"#free-blocks\">Free blocks</a><a href=\"#runs\">Runs</a>"
         "<a href=\"#profile\">Profile</a></nav></header>\n";
  return out;
}

std::string summary_section(const std::vector<Group>& groups) {
  std::string out =
      "<section id=\"summary\"><h2>Summary</h2><div class=\"table-wrap\"><table><thead><tr><th>allocator</th>"
      "<th>geometry</th><th>status</th><th>ops/s</th><th>bytes/s</th><th>allocate p50</th>"
      "<th>p99</th><th>p99.9</th><th>spills</th><th>failures</th><th>peak live</th><th>min free block</th>"
      "</tr></thead><tbody>\n";
  for (const Group& g : groups) {
    out += "<tr><td class=\"name\">" + swatch(g.color) + escape(g.name) + "</td>" + cell(g.geometry, false);
    if (g.ok.empty()) {
      const std::string status = to_string(g.all.front()->status);
      out += "<td class=\"status-" + status + "\">" + status + "</td><td colspan=\"9\" class=\"reason\">" +
             escape(g.all.front()->error) + "</td></tr>\n";
      continue;
    }
    const std::string status =
        g.ok.size() == g.all.size() ? "ok" : "ok " + std::to_string(g.ok.size()) + "/" + std::to_string(g.all.size());
    std::uint64_t spills = 0, failures = 0, peak = 0;
    std::optional<std::uint64_t> largest_free;
    for (const RunRecord* r : g.ok) {
      spills += r->spills;
      failures += r->failures;
      peak = std::max(peak, r->peak_bytes_live);
      if (r->largest_free_block_min) {
        largest_free = std::min(largest_free.value_or(*r->largest_free_block_min), *r->largest_free_block_min);
      }
    }
    const auto ns = [&](int p) {
      const std::vector<double> v = over_ok(g, [&](const RunRecord& r) { return latency_of(r, "allocate", p); });
      return v.empty() ? std::string("-") : format_value(median(v), Unit::ns);
    };
    out += cell(status, false) +
           cell(format_value(median(over_ok(g, [](const RunRecord& r) { return std::optional(r.ops_per_s); })), Unit::si)) +
           cell(format_value(median(over_ok(g, [](const RunRecord& r) { return std::optional(r.bytes_per_s); })),
                             Unit::bytes) + "/s") +
           cell(ns(0)) + cell(ns(2)) + cell(ns(3)) + cell(std::to_string(spills)) + cell(std::to_string(failures)) +
           cell(format_value(static_cast<double>(peak), Unit::bytes)) +
           cell(largest_free ? format_value(static_cast<double>(*largest_free), Unit::bytes) : "-") + "</tr>\n";
  }
  out += "</tbody></table></div><p class=\"muted\">ops/s, bytes/s and latencies: medians over the measured "
         "repetitions; spills and failures: totals; peak live: the highest; min free block: the smallest "
         "largest free block seen (arenas only).</p></section>\n";
  return out;
}

std::string throughput_section(const std::vector<Group>& groups) {
  svg::BarChart chart;
  chart.title = "Throughput per allocator (operations per second, median over repetitions)";
  chart.axis_label = "operations per second";
  chart.unit = Unit::si;
  for (const Group& g : groups) {
    svg::BarRow row;
    row.label = g.name;
    row.label_color = g.color;
    const std::vector<double> ops = over_ok(g, [](const RunRecord& r) { return std::optional(r.ops_per_s); });
    if (ops.empty()) {
      row.note = not_measured_note(g);
      row.values.emplace_back();
    } else {
      row.values.emplace_back(median(ops));
      row.ranges.push_back(spread(ops));
    }
    chart.rows.push_back(std::move(row));
  }
  // No series: one bar per row, drawn in the row's (the allocator's) colour.
  return "<section id=\"throughput\"><h2>Throughput</h2>\n" +
         figure(svg::bar_chart(chart),
                "Operations per second, all threads together (not multiplied by the thread count). Bars: "
                "median over repetitions; whiskers: lowest to highest repetition.") +
         "</section>\n";
}

svg::BarChart latency_chart(const std::vector<Group>& groups, const std::string& op) {
  svg::BarChart chart;
  chart.title = "Latency percentiles of " + op + " per allocator";
  chart.axis_label = op + " latency";
  chart.unit = Unit::ns;
  chart.log_scale = true;
  const std::array<const char*, 4> names = {"p50", "p90", "p99", "p99.9"};
  for (int p = 0; p < 4; ++p) chart.series.push_back({names[static_cast<std::size_t>(p)], kPercentileColor + p});
  for (const Group& g : groups) {
    svg::BarRow row;
    row.label = g.name;
    row.label_color = g.color;
    for (int p = 0; p < 4; ++p) {
      const std::vector<double> v = over_ok(g, [&](const RunRecord& r) { return latency_of(r, op, p); });
      if (v.empty()) {
        row.values.emplace_back();
      } else {
        row.values.emplace_back(median(v));
      }
    }
    if (g.ok.empty()) {
      row.note = not_measured_note(g);
    } else {
      row.note = "no " + op + " operations timed";
    }
    chart.rows.push_back(std::move(row));
  }
  return chart;
}

bool op_timed(const std::vector<Group>& groups, const std::string& op) {
  for (const Group& g : groups) {
    for (const RunRecord* r : g.ok) {
      if (latency_of(*r, op, 0)) return true;
    }
  }
  return false;
}

std::string latency_section(const std::vector<Group>& groups) {
  std::string out = "<section id=\"latency\"><h2>Latency</h2>\n";
  out += figure(svg::bar_chart(latency_chart(groups, "allocate")),
                "<code>allocate</code> = allocate + write the payload + freeze. Percentiles per allocator, median "
                "over repetitions, on a log scale; each is the upper edge of its histogram bucket (at most 1.6 % "
                "above the true value). Timer overhead is subtracted.");
  std::string others;
  for (const char* op : kOperations) {
    if (std::string(op) == "allocate" || !op_timed(groups, op)) continue;
    others += "<h3>" + std::string(op) + "</h3>" +
              figure(svg::bar_chart(latency_chart(groups, op)), "Percentiles of <code>" + std::string(op) + "</code>.");
  }
  if (!others.empty()) out += "<details><summary>Other operations</summary>" + others + "</details>\n";

  out += "<h3>All operations (medians over repetitions)</h3><div class=\"table-wrap\"><table><thead><tr>"
         "<th>allocator</th><th>operation</th><th>timed</th><th>mean</th><th>p50</th><th>p90</th><th>p99</th>"
         "<th>p99.9</th><th>max</th></tr></thead><tbody>\n";
  for (const Group& g : groups) {
    for (const char* op : kOperations) {
      const std::vector<double> counts = over_ok(g, [&](const RunRecord& r) -> std::optional<double> {
        const auto it = r.latency.find(op);
        return it == r.latency.end() ? std::nullopt : std::optional(static_cast<double>(it->second.count));
      });
      if (counts.empty() || median(counts) <= 0) continue;
      out += "<tr><td class=\"name\">" + swatch(g.color) + escape(g.name) + "</td><td>" + op + "</td>" +
             cell(format_value(median(counts), Unit::count));
      for (int p : {5, 0, 1, 2, 3, 4}) {
        const std::vector<double> v = over_ok(g, [&](const RunRecord& r) { return latency_of(r, op, p); });
        out += cell(v.empty() ? "-" : format_value(median(v), Unit::ns));
      }
      out += "</tr>\n";
    }
  }
  out += "</tbody></table></div></section>\n";
  return out;
}

std::string timeline_section(const std::vector<Group>& groups) {
  std::string out = "<section id=\"timeline\"><h2>Timeline</h2>\n";
  svg::LineChart live{"Bytes live over time", "time since the start of the measured phase", Unit::seconds,
                      "bytes live", Unit::bytes, {}};
  svg::LineChart largest{"Largest free block over time", "time since the start of the measured phase",
                         Unit::seconds, "largest free block", Unit::bytes, {}};
  svg::LineChart spills{"Spills over time (cumulative)", "time since the start of the measured phase",
                        Unit::seconds, "spills", Unit::count, {}};
  svg::LineChart failures{"Failed allocations over time (cumulative)", "time since the start of the measured phase",
                          Unit::seconds, "failures", Unit::count, {}};
  std::string sources;
  bool any_spill = false, any_failure = false;
  for (const Group& g : groups) {
    const RunRecord* r = g.sample();
    if (r == nullptr || r->timeline.empty()) continue;
    sources += (sources.empty() ? "" : ", ") + escape(g.name) + " #" + std::to_string(r->repetition);
    svg::LineSeries l{g.name, g.color, {}}, f{g.name, g.color, {}}, s{g.name, g.color, {}}, x{g.name, g.color, {}};
    for (const TimelineSample& t : r->timeline) {
      l.points.emplace_back(t.t_s, static_cast<double>(t.snapshot.bytes_live));
      if (t.snapshot.largest_free_block) {
        f.points.emplace_back(t.t_s, static_cast<double>(*t.snapshot.largest_free_block));
      }
      s.points.emplace_back(t.t_s, static_cast<double>(t.snapshot.spills));
      x.points.emplace_back(t.t_s, static_cast<double>(t.snapshot.failures));
      any_spill = any_spill || t.snapshot.spills > 0;
      any_failure = any_failure || t.snapshot.failures > 0;
    }
    live.series.push_back(std::move(l));
    if (!f.points.empty()) largest.series.push_back(std::move(f));
    spills.series.push_back(std::move(s));
    failures.series.push_back(std::move(x));
  }
  if (live.series.empty()) {
    return out + "<p>No timeline: no allocator was measured, or the profile's <code>sample_interval_ms</code> "
                 "was 0.</p></section>\n";
  }
  out += "<p class=\"muted\">Samples of the allocator's metrics every <code>sample_interval_ms</code>, from one "
         "repetition each (allocator #repetition): " + sources + ".</p>\n";
  out += "<h3>Bytes live</h3>" +
         figure(svg::line_chart(live), "Bytes held by live buffers, as granted (a fixed slot counts its capacity, a "
                                       "buddy block its block size, a heap block its request).");
  out += "<h3>Largest free block</h3>";
  if (largest.series.empty()) {
    out += "<p>Only arenas report a largest free block; this report has none.</p>\n";
  } else {
    out += figure(svg::line_chart(largest),
                  "The largest request the arena could grant at that moment: when it drops while bytes live stay "
                  "low, the free space is fragmented.");
  }
  out += "<h3>Spills</h3>";
  out += figure(svg::line_chart(spills), any_spill ? "Buffers moved to the heap by auto-spill, counted from the start."
                                                   : "No allocator spilled in these repetitions.");
  if (any_failure) {
    out += "<h3>Failed allocations</h3>" +
           figure(svg::line_chart(failures), "Allocations that failed (arena full, or a request it cannot hold).");
  }
  return out + "</section>\n";
}

// The smallest block of the buddy allocator `name` from the profile as run (0 when unknown).
std::uint64_t min_block_of(const nlohmann::json& profile, const std::string& name) {
  const auto list = profile.find("allocators");
  if (list == profile.end() || !list->is_array()) return 0;
  for (const nlohmann::json& entry : *list) {
    if (!entry.is_object()) continue;
    const auto n = entry.find("name");
    const auto m = entry.find("min_block");
    if (n != entry.end() && n->is_string() && *n == name && m != entry.end() && m->is_number_integer() &&
        m->get<std::int64_t>() > 0) {
      return static_cast<std::uint64_t>(m->get<std::int64_t>());
    }
  }
  return 0;
}

std::string free_blocks_section(const std::vector<Group>& groups, const nlohmann::json& profile) {
  std::string out = "<section id=\"free-blocks\"><h2>Free blocks per order at the end</h2>\n";
  bool any = false;
  for (const Group& g : groups) {
    const RunRecord* r = g.sample();
    if (r == nullptr || r->free_blocks_per_order.empty()) continue;
    any = true;
    const std::uint64_t min_block = min_block_of(profile, g.name);
    svg::ColumnChart chart;
    chart.title = "Free blocks per order of " + g.name + " at the end of repetition " + std::to_string(r->repetition);
    chart.x_label = min_block > 0 ? "block size (order 0 = " + format_value(static_cast<double>(min_block), Unit::bytes) +
                                        "; K = KiB, M = MiB, G = GiB)"
                                  : "order";
    chart.y_label = "free blocks";
    chart.color = g.color;
    std::uint64_t blocks = 0;
    double free_bytes = 0.0;
    std::optional<double> largest;
    for (std::size_t order = 0; order < r->free_blocks_per_order.size(); ++order) {
      const std::uint64_t count = r->free_blocks_per_order[order];
      const double size = min_block > 0 && order < 63 ? static_cast<double>(min_block << order) : 0.0;
      chart.categories.push_back(min_block > 0 && order < 63 ? svg::compact_bytes(size) : std::to_string(order));
      chart.values.push_back(static_cast<double>(count));
      blocks += count;
      free_bytes += static_cast<double>(count) * size;
      if (count > 0 && min_block > 0) largest = size;
    }
    std::string caption = "Like <code>/proc/buddyinfo</code>: free blocks of each order at the end of repetition " +
                          std::to_string(r->repetition) + " (the last sample, with held buffers still live): " +
                          format_value(static_cast<double>(blocks), Unit::count) + " free block(s)";
    if (min_block > 0) {
      caption += ", " + format_value(free_bytes, Unit::bytes) + " free in total" +
                 (largest ? ", the largest " + format_value(*largest, Unit::bytes) : std::string());
    }
    out += "<h3>" + swatch(g.color) + escape(g.name) + " <span class=\"muted\">" + escape(g.geometry) +
           "</span></h3>" + figure(svg::column_chart(chart), caption + ".");
  }
  if (!any) out += "<p>Only buddy arenas report free blocks per order; this report has none measured.</p>\n";
  return out + "</section>\n";
}

std::string runs_section(const std::vector<Group>& groups) {
  std::string out = "<section id=\"runs\"><h2>Runs</h2><div class=\"table-wrap\"><table><thead><tr><th>allocator</th>"
                    "<th>repetition</th><th>status</th><th>operations</th><th>seconds</th><th>latency timed</th>"
                    "<th>reason</th></tr></thead><tbody>\n";
  std::size_t problems = 0;
  for (const Group& g : groups) {
    for (const RunRecord* r : g.all) {
      const std::string status = to_string(r->status);
      if (r->status != RunRecord::Status::ok) ++problems;
      out += "<tr><td class=\"name\">" + swatch(g.color) + escape(g.name) + "</td>" + cell(std::to_string(r->repetition)) +
             "<td class=\"status-" + status + "\">" + status + "</td>" +
             cell(format_value(static_cast<double>(r->operations), Unit::count)) + cell(svg::fixed(r->seconds, 3)) +
             cell("1 in " + std::to_string(r->latency_sample_every)) + "<td class=\"reason\">" + escape(r->error) +
             "</td></tr>\n";
    }
  }
  out += "</tbody></table></div>";
  out += problems == 0 ? "<p class=\"muted\">Every run was measured.</p>"
                       : "<p>" + std::to_string(problems) +
                             " run(s) were not measured: the reason is in the last column (a skipped peer is a "
                             "library that is not installed or cannot be loaded in this process).</p>";
  return out + "</section>\n";
}

std::string profile_section(const nlohmann::json& profile) {
  return "<section id=\"profile\"><h2>Profile as run</h2><p class=\"muted\">The workload after presets and "
         "overrides, in the format of docs/profile-format.md; <code>arena-bench run</code> accepts it as a file."
         "</p><pre>" +
         escape(profile.dump(2, ' ', false, nlohmann::json::error_handler_t::replace)) + "</pre></section>\n";
}

}  // namespace

std::string render_html_report(const Report& report) {
  const std::vector<Group> groups = group_records(report.results);
  const std::string name = profile_text(report.profile, "name");
  std::string html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                     "<meta name=\"color-scheme\" content=\"light dark\">"
                     "<meta name=\"generator\" content=\"arena-bench\"><title>arena-bench report: " +
                     escape(name.empty() ? "(unnamed profile)" : name) + "</title>\n<style>" + kStyle +
                     palette_css() + "</style></head>\n<body><main>\n";
  html += header_section(report, groups);
  if (groups.empty()) {
    html += "<section id=\"summary\"><h2>Summary</h2><p>The report holds no results.</p></section>\n";
  } else {
    html += summary_section(groups);
    html += throughput_section(groups);
    html += latency_section(groups);
    html += timeline_section(groups);
    html += free_blocks_section(groups, report.profile);
    html += runs_section(groups);
  }
  html += profile_section(report.profile);
  html += "<footer class=\"muted\"><p>Written by " + escape(report.context.tool) + " " +
          escape(report.context.tool_version) +
          " from a report of schema_version " + std::to_string(report.schema_version) +
          ". A self-contained page: no script, nothing loaded from elsewhere.</p></footer>\n</main></body></html>\n";
  return html;
}

}  // namespace arena::workloads
