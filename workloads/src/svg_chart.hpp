// svg_chart: the small SVG chart builders of the HTML report (html_report.cpp) - horizontal
// grouped bars, columns and line charts with axes, ticks and legends - and the text helpers they
// share (HTML/XML escaping, locale-independent number formatting). Charts carry no colours of
// their own: marks get classes `f<N>` (fill) and `s<N>` (stroke) for palette slot N, text and
// axes use currentColor, so the page's CSS decides how both light and dark themes look.
// Output is deterministic: the same chart description gives the same bytes.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace arena::workloads::svg {

// --- Text ---

// `text` safe inside HTML/SVG text and attribute values: & < > " ' become entities, bytes that
// are not valid UTF-8 become U+FFFD, control characters other than tab and newline are dropped.
std::string escape(std::string_view text);
// `value` with `decimals` digits after the point, always with '.', whatever the locale
// ("nan"/"inf" for those).
std::string fixed(double value, int decimals);

// How the numbers of an axis or label read.
enum class Unit {
  count,    // 1234, 1.5M (SI suffixes from 10k on)
  si,       // 45.2M, 812 (SI suffixes)
  bytes,    // 512 B, 12.5 MiB
  ns,       // 812 ns, 3.4 µs, 1.2 ms
  seconds,  // 0.25 s
};
// One number as its unit reads it: format_value(1536, Unit::bytes) = "1.5 KiB".
std::string format_value(double value, Unit unit);
// Compact binary size for narrow axis labels: 256, 1K, 64K, 2M, 1G (K = 1024).
std::string compact_bytes(double bytes);

// Ticks for a linear axis from 0 (or `low`) to at least `high`: about `target` round values,
// the last one >= high. Values are "round" in the axis' unit (powers of 1024 for bytes).
std::vector<double> linear_ticks(double low, double high, Unit unit, int target = 5);

// --- Charts ---

// A named series and its palette slot (class f<color> / s<color>).
struct Series {
  std::string name;
  int color = 0;
};

// One row of a bar chart: a label and one value per series (nullopt: no bar), optionally the
// range (min, max) over repetitions drawn as a whisker. A row without any value shows `note`.
struct BarRow {
  std::string label;
  int label_color = -1;  // >= 0: a swatch of this slot before the label
  std::vector<std::optional<double>> values;
  std::vector<std::optional<std::pair<double, double>>> ranges;  // empty or one per series
  std::string note;                                              // e.g. "skipped: libjemalloc not installed"
};

struct BarChart {
  std::string title;       // the SVG's accessible title
  std::string axis_label;  // under the value axis
  Unit unit = Unit::si;
  bool log_scale = false;  // log10 value axis (values <= 0 are drawn as empty bars)
  std::vector<Series> series;  // a legend is drawn when there is more than one
  std::vector<BarRow> rows;
};
// Horizontal bars, one group per row, one bar per series, value labels at the bar ends.
std::string bar_chart(const BarChart& chart);

// Vertical columns over categories, one series (e.g. free blocks per buddy order).
struct ColumnChart {
  std::string title;
  std::string x_label;
  std::string y_label;
  std::vector<std::string> categories;
  std::vector<double> values;  // one per category
  int color = 0;
};
std::string column_chart(const ColumnChart& chart);

// Lines over a linear x axis; points (x, y) in order of x. Markers are drawn when a series has
// few points; a series with a single point is a marker only.
struct LineSeries {
  std::string name;
  int color = 0;
  std::vector<std::pair<double, double>> points;
};
struct LineChart {
  std::string title;
  std::string x_label;
  Unit x_unit = Unit::seconds;
  std::string y_label;
  Unit y_unit = Unit::count;
  std::vector<LineSeries> series;  // legend above the plot
};
std::string line_chart(const LineChart& chart);

}  // namespace arena::workloads::svg
