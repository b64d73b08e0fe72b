// test_html_report: the HTML page of a report (html_report.cpp) and the SVG chart builders under it
// (svg_chart.cpp, private header): the page is self-contained (no script, nothing loaded), every
// string from the report is escaped (a hostile allocator name, profile name, error text, command
// line), every allocator appears, skipped and failed runs show their reason, each chart is an SVG
// with its marks, light and dark styles are present, and the output is deterministic.
#include "arena/workloads/html_report.hpp"

#include <algorithm>
#include <clocale>
#include <cstdint>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "svg_chart.hpp"

namespace {

using namespace arena::workloads;

const std::string kHostile = "</script><img src=x onerror=alert(1)>";
const std::string kHostileEscaped = "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;";

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
  return text;
}

// The part of `html` inside <section id="ID">...</section>.
std::string section(const std::string& html, const std::string& id) {
  const std::size_t begin = html.find("<section id=\"" + id + "\">");
  REQUIRE(begin != std::string::npos);
  const std::size_t end = html.find("</section>", begin);
  REQUIRE(end != std::string::npos);
  return html.substr(begin, end - begin);
}

TimelineSample sample(double t_s, std::uint64_t live, std::optional<std::uint64_t> largest, std::uint64_t spills) {
  TimelineSample s;
  s.t_s = t_s;
  s.snapshot.bytes_live = live;
  s.snapshot.largest_free_block = largest;
  s.snapshot.spills = spills;
  return s;
}

RunRecord record(const std::string& name, AllocatorKind kind, unsigned repetition, double ops_per_s) {
  RunRecord r;
  r.allocator = name;
  r.kind = kind;
  r.geometry = std::string(to_string(kind));
  r.repetition = repetition;
  r.operations = 100000;
  r.seconds = 0.1;
  r.ops_per_s = ops_per_s;
  r.bytes_per_s = ops_per_s * 256;
  for (const char* op : {"allocate", "drop", "copy", "slice", "into_owned", "handoff"}) r.latency[op] = {};
  LatencySummary& a = r.latency["allocate"];
  a.count = 1000;
  a.mean_ns = 70;
  a.p50_ns = 50 + repetition;
  a.p90_ns = 90;
  a.p99_ns = 400;
  a.p999_ns = 2500;
  a.max_ns = 9000;
  r.latency["drop"] = {900, 12, 10, 20, 60, 300, 800};
  return r;
}

// A report with a buddy arena (two repetitions), a fixed arena that spills, a heap, a skipped and a
// failed allocator; the hostile string sits in every kind of text the page shows.
Report sample_report() {
  Report report;
  report.context.tool_version = "0.1.0";
  report.context.host = "host" + kHostile;
  report.context.command = "arena-bench run --set 'name=" + kHostile + "'";
  report.context.cpu_model = "cpu & co";
  report.context.cores = 2;
  report.profile = {{"name", "kv" + kHostile},
                    {"description", "desc" + kHostile},
                    {"allocators",
                     {{{"kind", "buddy"}, {"name", "buddy-64m"}, {"min_block", 256}, {"total", 64u << 20}},
                      {{"kind", "fixed"}, {"name", "fixed-1k"}, {"slots", 64}, {"slot_size", 1024}}}}};
  for (unsigned rep = 0; rep < 2; ++rep) {
    RunRecord buddy = record("buddy-64m", AllocatorKind::buddy, rep, 4e6 + rep * 1e5);
    buddy.geometry = "64MiB/256 exact";
    buddy.free_blocks_per_order.assign(19, 0);
    buddy.free_blocks_per_order[3] = 7;
    buddy.free_blocks_per_order[18] = 1;
    buddy.timeline = {sample(0.0, 0, 64u << 20, 0), sample(0.05, 4096, 32u << 20, 0), sample(0.1, 8192, 32u << 20, 0)};
    report.results.push_back(buddy);

    RunRecord fixed = record("fixed-1k", AllocatorKind::fixed, rep, 5e6);
    fixed.spills = 12;
    fixed.timeline = {sample(0.0, 0, 1024, 0), sample(0.1, 65536, 0, 12)};
    report.results.push_back(fixed);

    RunRecord heap = record("malloc" + kHostile, AllocatorKind::malloc_refcount, rep, 6e6);
    heap.timeline = {sample(0.0, 0, std::nullopt, 0), sample(0.1, 2048, std::nullopt, 0)};
    report.results.push_back(heap);

    RunRecord skipped = record("jemalloc", AllocatorKind::jemalloc, rep, 0);
    skipped.status = RunRecord::Status::skipped;
    skipped.error = "libjemalloc.so.2 not installed" + kHostile;
    skipped.latency.clear();
    report.results.push_back(skipped);

    RunRecord failed = record("pmr", AllocatorKind::pmr_pool, rep, 0);
    failed.status = RunRecord::Status::failed;
    failed.error = "the run broke: out of memory";
    report.results.push_back(failed);
  }
  return report;
}

}  // namespace

TEST_SUITE("arena::workloads::render_html_report") {
  TEST_CASE("the page is self-contained: one document, no script, nothing loaded from elsewhere") {
    const std::string html = render_html_report(sample_report());
    CHECK(html.rfind("<!DOCTYPE html>\n<html", 0) == 0);
    CHECK(html.size() > 1000);
    CHECK(html.substr(html.size() - 8) == "</html>\n");
    const std::string l = lower(html);
    CHECK(count(l, "<script") == 0);
    CHECK(count(l, "<img") == 0);
    CHECK(count(l, "<link") == 0);
    CHECK(count(l, "src=\"") == 0);
    CHECK(count(l, "@import") == 0);
    CHECK(count(l, "url(") == 0);
    // No event handler attributes: "onerror=" only inside the escaped hostile text.
    CHECK(count(l, "onerror=") == count(l, " onerror=alert(1)&gt;"));
    CHECK(count(l, "onload=") == 0);
    CHECK(count(l, "onclick=") == 0);
    // The only absolute URL is the SVG namespace; links are anchors within the page.
    CHECK(count(html, "http") == count(html, "xmlns=\"http://www.w3.org/2000/svg\""));
    CHECK(count(html, "href=\"") == count(html, "href=\"#"));
  }

  TEST_CASE("every string taken from the report is escaped") {
    const std::string html = render_html_report(sample_report());
    CHECK(html.find(kHostile) == std::string::npos);
    CHECK(html.find("<img") == std::string::npos);
    CHECK(html.find("kv" + kHostileEscaped) != std::string::npos);      // profile name (title, h1, profile JSON)
    CHECK(html.find("desc" + kHostileEscaped) != std::string::npos);    // description
    CHECK(html.find("host" + kHostileEscaped) != std::string::npos);    // context
    CHECK(html.find("malloc" + kHostileEscaped) != std::string::npos);  // allocator name
    CHECK(html.find("installed" + kHostileEscaped) != std::string::npos);  // error text
    CHECK(html.find("--set &#39;name=") != std::string::npos);              // command line, quotes too
    CHECK(html.find("cpu &amp; co") != std::string::npos);
    CHECK(html.find("<title>arena-bench report: kv" + kHostileEscaped + "</title>") != std::string::npos);
  }

  TEST_CASE("one SVG per chart, each with its marks") {
    const std::string html = render_html_report(sample_report());
    CHECK(count(html, "<svg") == count(html, "</svg>"));
    // Throughput, allocate latency, drop latency (the only other operation timed).
    CHECK(count(html, "class=\"chart bars\"") == 3);
    // Bytes live, largest free block, spills (no failures in the sample).
    CHECK(count(html, "class=\"chart lines\"") == 3);
    // One free-block histogram: the buddy arena.
    CHECK(count(html, "class=\"chart columns\"") == 1);
    CHECK(count(html, "<svg") == 7);

    const std::string throughput = section(html, "throughput");
    CHECK(count(throughput, "<rect") >= 3 + 5);  // a bar per measured allocator + the label swatches
    const std::string timeline = section(html, "timeline");
    // Live bytes: 3 lines; largest free block: 2 (the heap has none); spills: 3.
    CHECK(count(timeline, "<polyline") == 8);
    const std::string blocks = section(html, "free-blocks");
    CHECK(count(blocks, "class=\"bar f0\"") == 2);  // orders 3 and 18 hold free blocks
    CHECK(blocks.find(">2K<") != std::string::npos);   // order 3 of 256 B blocks
    CHECK(blocks.find(">64M<") != std::string::npos);  // order 18
  }

  TEST_CASE("every allocator is present, skipped and failed ones with their reason") {
    const std::string html = render_html_report(sample_report());
    for (const std::string& name : {std::string("buddy-64m"), std::string("fixed-1k"), "malloc" + kHostileEscaped,
                                    std::string("jemalloc"), std::string("pmr")}) {
      CAPTURE(name);
      CHECK(section(html, "summary").find(name) != std::string::npos);
      CHECK(section(html, "throughput").find(name) != std::string::npos);
      CHECK(section(html, "latency").find(name) != std::string::npos);
      CHECK(count(section(html, "runs"), name) >= 2);  // a row per repetition
    }
    const std::string throughput = section(html, "throughput");
    CHECK(throughput.find("skipped: libjemalloc.so.2 not installed") != std::string::npos);
    CHECK(throughput.find("failed: the run broke: out of memory") != std::string::npos);
    const std::string runs = section(html, "runs");
    CHECK(count(runs, "class=\"status-skipped\"") == 2);
    CHECK(count(runs, "class=\"status-failed\"") == 2);
    CHECK(runs.find("4 run(s) were not measured") != std::string::npos);
  }

  TEST_CASE("figures: medians over repetitions, spills and the profile as run") {
    const std::string html = render_html_report(sample_report());
    const std::string summary = section(html, "summary");
    CHECK(summary.find("4.05M") != std::string::npos);  // median of 4.0M and 4.1M ops/s
    CHECK(summary.find(">24<") != std::string::npos);   // 12 spills in each of two repetitions
    CHECK(section(html, "profile").find("&quot;min_block&quot;: 256") != std::string::npos);
  }

  TEST_CASE("light and dark styles: color-scheme, a dark palette, charts drawn with variables") {
    const std::string html = render_html_report(sample_report());
    CHECK(html.find("<meta name=\"color-scheme\" content=\"light dark\">") != std::string::npos);
    CHECK(html.find("@media (prefers-color-scheme: dark)") != std::string::npos);
    CHECK(html.find(".f0{fill:var(--p0)}") != std::string::npos);
    CHECK(html.find("svg.chart text{fill:currentColor}") != std::string::npos);
    // No colour is written into the SVG markup itself.
    CHECK(html.find("fill=\"#") == std::string::npos);
    CHECK(html.find("stroke=\"#") == std::string::npos);
  }

  TEST_CASE("deterministic, and robust to reports without results or timelines") {
    const Report report = sample_report();
    CHECK(render_html_report(report) == render_html_report(report));

    Report empty;
    const std::string html = render_html_report(empty);
    CHECK(html.find("(unnamed profile)") != std::string::npos);
    CHECK(html.find("The report holds no results.") != std::string::npos);
    CHECK(count(html, "<svg") == 0);

    Report skipped_only = sample_report();
    std::erase_if(skipped_only.results, [](const RunRecord& r) { return r.status == RunRecord::Status::ok; });
    const std::string page = render_html_report(skipped_only);
    CHECK(page.find("No timeline") != std::string::npos);
    CHECK(page.find("Only buddy arenas report free blocks per order") != std::string::npos);
    CHECK(count(page, "class=\"chart bars\"") == 2);  // throughput and allocate latency, notes only
  }
}

TEST_SUITE("arena::workloads::svg") {
  TEST_CASE("escape: markup characters, invalid UTF-8 and control characters") {
    CHECK(svg::escape("a&b<c>d\"e'f") == "a&amp;b&lt;c&gt;d&quot;e&#39;f");
    CHECK(svg::escape("\xC2\xB5s \xE2\x80\xA6 \xF0\x9F\x98\x80") == "\xC2\xB5s \xE2\x80\xA6 \xF0\x9F\x98\x80");
    CHECK(svg::escape("a\xFF" "b") == "a\xEF\xBF\xBD" "b");               // not UTF-8
    CHECK(svg::escape("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");         // overlong '/'
    CHECK(svg::escape("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
    CHECK(svg::escape("\xE2\x82") == "\xEF\xBF\xBD\xEF\xBF\xBD");         // truncated sequence
    CHECK(svg::escape(std::string("a\x01\x1b[0m\n\tb\x7f", 11)) == "a[0m\n\tb");
    CHECK(svg::escape(std::string("\0x", 2)) == "x");
  }

  TEST_CASE("numbers: locale-independent, in the axis' unit") {
    CHECK(svg::fixed(0.5, 1) == "0.5");
    CHECK(svg::fixed(-0.0001, 2) == "0.00");
    CHECK(svg::fixed(1234.5678, 2) == "1234.57");
    const char* previous = std::setlocale(LC_ALL, nullptr);
    const std::string saved = previous != nullptr ? previous : "C";
    if (std::setlocale(LC_ALL, "de_DE.UTF-8") != nullptr || std::setlocale(LC_ALL, "fr_FR.UTF-8") != nullptr) {
      CHECK(svg::fixed(0.5, 1) == "0.5");
      CHECK(svg::format_value(1536, svg::Unit::bytes) == "1.5 KiB");
    }
    std::setlocale(LC_ALL, saved.c_str());

    CHECK(svg::format_value(512, svg::Unit::bytes) == "512 B");
    CHECK(svg::format_value(1536, svg::Unit::bytes) == "1.5 KiB");
    CHECK(svg::format_value(64.0 * 1024 * 1024, svg::Unit::bytes) == "64 MiB");
    CHECK(svg::format_value(812, svg::Unit::ns) == "812 ns");
    CHECK(svg::format_value(3400, svg::Unit::ns) == "3.4 \xC2\xB5s");
    CHECK(svg::format_value(2.5e6, svg::Unit::ns) == "2.5 ms");
    CHECK(svg::format_value(45.2e6, svg::Unit::si) == "45.2M");
    CHECK(svg::format_value(1234, svg::Unit::count) == "1234");
    CHECK(svg::format_value(123456, svg::Unit::count) == "123k");
    CHECK(svg::format_value(0.25, svg::Unit::seconds) == "0.25 s");
    CHECK(svg::compact_bytes(256) == "256");
    CHECK(svg::compact_bytes(2048) == "2K");
    CHECK(svg::compact_bytes(64.0 * 1024 * 1024) == "64M");
  }

  TEST_CASE("linear ticks: round values covering the range") {
    for (const auto& [high, unit] : std::vector<std::pair<double, svg::Unit>>{
             {1.0, svg::Unit::count}, {7.0, svg::Unit::count}, {9.76e6, svg::Unit::si}, {0.43, svg::Unit::seconds},
             {64.0 * 1024 * 1024, svg::Unit::bytes}, {3000.0, svg::Unit::bytes}}) {
      CAPTURE(high);
      const std::vector<double> ticks = svg::linear_ticks(0.0, high, unit);
      REQUIRE(ticks.size() >= 2);
      CHECK(ticks.size() <= 12);
      CHECK(ticks.front() == 0.0);
      CHECK(ticks.back() >= high);
      CHECK(std::is_sorted(ticks.begin(), ticks.end()));
      if (unit == svg::Unit::count) {
        for (double t : ticks) CHECK(t == static_cast<double>(static_cast<long long>(t)));
      }
    }
    // Bytes are round in their binary unit: 0, 10 MiB, 20 MiB, ...
    for (double t : svg::linear_ticks(0.0, 64.0 * 1024 * 1024, svg::Unit::bytes)) {
      CHECK(svg::format_value(t, svg::Unit::bytes).find('.') == std::string::npos);
    }
  }

  TEST_CASE("bar chart: a row per label, a bar per value, notes for rows without values") {
    svg::BarChart chart;
    chart.title = "t<";
    chart.unit = svg::Unit::ns;
    chart.log_scale = true;
    chart.series = {{"p50", 10}, {"p99", 12}};
    chart.rows = {{"a", 0, {100.0, 900.0}, {}, ""}, {"b", 1, {std::nullopt, std::nullopt}, {}, "skipped: x"},
                  {"c", 2, {0.0, 5000.0}, {}, ""}};
    const std::string s = svg::bar_chart(chart);
    CHECK(s.rfind("<svg", 0) == 0);
    CHECK(s.find("<title>t&lt;</title>") != std::string::npos);
    CHECK(count(s, "class=\"label\"") == 3);
    CHECK(count(s, "class=\"bar f10\"") == 2);
    CHECK(count(s, "class=\"bar f12\"") == 2);
    CHECK(count(s, "class=\"note\"") == 1);
    CHECK(s.find("skipped: x") != std::string::npos);
    CHECK(s.find("(log scale)") != std::string::npos);
    CHECK(s.find(">1 \xC2\xB5s<") != std::string::npos);  // a decade tick
  }

  TEST_CASE("line and column charts: polylines, markers, legends, columns only for non-zero counts") {
    svg::LineChart lines{"lines", "time", svg::Unit::seconds, "bytes", svg::Unit::bytes,
                         {{"one", 0, {{0.0, 0.0}, {0.5, 1024.0}, {1.0, 512.0}}}, {"single", 1, {{0.2, 100.0}}}}};
    const std::string l = svg::line_chart(lines);
    CHECK(count(l, "<polyline") == 1);
    CHECK(count(l, "<circle") == 4);
    CHECK(count(l, "class=\"legend\"") == 1);
    CHECK(l.find(">single<") != std::string::npos);

    svg::ColumnChart columns{"cols", "order", "free blocks", {"256", "512", "1K", "2K"}, {0, 3, 0, 1}, 4};
    const std::string c = svg::column_chart(columns);
    CHECK(count(c, "class=\"bar f4\"") == 2);
    CHECK(count(c, "class=\"tick\"") >= 4 + 2);  // category labels and y ticks
  }
}
