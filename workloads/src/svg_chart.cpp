// svg_chart (svg_chart.hpp): SVG text for bars, columns and lines. Geometry is computed in a
// fixed 720-unit-wide viewBox (the page scales it to its width); label widths are estimated from
// the number of characters, since there is no font metric without a browser. Every string that
// reaches the SVG passes through escape(); every number through fixed(), which uses to_chars and
// therefore ignores the locale.
#include "svg_chart.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>

namespace arena::workloads::svg {
namespace {

constexpr double kWidth = 720.0;
constexpr double kCharWidth = 7.2;  // average advance of a 12px sans-serif character (DejaVu Sans is wide)
constexpr std::size_t kMaxLabelChars = 34;

std::size_t code_points(std::string_view text) {
  std::size_t n = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0U) != 0x80U) ++n;
  }
  return n;
}

// The first `limit` code points of `text`, with an ellipsis when cut.
std::string shortened(const std::string& text, std::size_t limit) {
  if (code_points(text) <= limit) return text;
  std::size_t n = 0;
  std::size_t i = 0;
  for (; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0U) != 0x80U) {
      if (n == limit - 1) break;
      ++n;
    }
  }
  return text.substr(0, i) + "\xE2\x80\xA6";
}

double text_width(std::string_view text) { return static_cast<double>(code_points(text)) * kCharWidth; }

// "1.50" -> "1.5", "2.00" -> "2".
std::string trimmed_number(std::string text) {
  if (text.find('.') == std::string::npos) return text;
  while (!text.empty() && text.back() == '0') text.pop_back();
  if (!text.empty() && text.back() == '.') text.pop_back();
  return text;
}

int decimals_for(double scaled) {
  const double a = std::fabs(scaled);
  if (a < 10.0) return 2;
  if (a < 100.0) return 1;
  return 0;
}

std::string scaled(double value, double divisor, const char* suffix) {
  const double v = value / divisor;
  return trimmed_number(fixed(v, decimals_for(v))) + suffix;
}

std::string px(double value) { return trimmed_number(fixed(value, 1)); }

std::string text_element(double x, double y, const std::string& text, const char* anchor, const char* css_class) {
  std::string out = "<text x=\"" + px(x) + "\" y=\"" + px(y) + "\"";
  if (anchor != nullptr) out += std::string(" text-anchor=\"") + anchor + "\"";
  if (css_class != nullptr) out += std::string(" class=\"") + css_class + "\"";
  return out + ">" + escape(text) + "</text>";
}

std::string line_element(double x1, double y1, double x2, double y2, const char* css_class) {
  return "<line x1=\"" + px(x1) + "\" y1=\"" + px(y1) + "\" x2=\"" + px(x2) + "\" y2=\"" + px(y2) +
         "\" class=\"" + css_class + "\"/>";
}

std::string svg_open(double height, const std::string& title, const char* kind) {
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart " + std::string(kind) + "\" viewBox=\"0 0 " +
         px(kWidth) + " " + px(height) + "\" role=\"img\"><title>" + escape(title) + "</title>";
}

// A legend laid out in rows from (x0, y0); returns the SVG and the height used.
std::pair<std::string, double> legend(const std::vector<Series>& entries, double x0, double y0, bool lines) {
  std::string out = "<g class=\"legend\">";
  double x = x0;
  double y = y0;
  for (const Series& entry : entries) {
    const std::string name = shortened(entry.name, kMaxLabelChars);
    const double width = 18.0 + text_width(name) + 16.0;
    if (x > x0 && x + width > kWidth) {
      x = x0;
      y += 18.0;
    }
    const std::string color = std::to_string(entry.color);
    if (lines) {
      out += "<line x1=\"" + px(x) + "\" y1=\"" + px(y + 6) + "\" x2=\"" + px(x + 14) + "\" y2=\"" + px(y + 6) +
             "\" class=\"series s" + color + "\"/>";
    } else {
      out += "<rect x=\"" + px(x) + "\" y=\"" + px(y) + "\" width=\"12\" height=\"12\" class=\"f" + color + "\"/>";
    }
    out += text_element(x + 18, y + 10, name, nullptr, nullptr);
    x += width;
  }
  out += "</g>";
  return {out, y - y0 + 18.0};
}

// Maps values to x (or y) positions between `from` and `to`.
class Scale {
 public:
  Scale(double low, double high, bool log, double from, double to)
      : log_(log), low_(log ? std::log10(low) : low), high_(log ? std::log10(high) : high), from_(from), to_(to) {
    if (!(high_ > low_)) high_ = low_ + 1.0;
  }
  double operator()(double value) const {
    double v = value;
    if (log_) v = value > 0 ? std::log10(value) : low_;
    v = std::clamp(v, low_, high_);
    return from_ + (v - low_) / (high_ - low_) * (to_ - from_);
  }

 private:
  bool log_;
  double low_, high_, from_, to_;
};

std::vector<double> log_ticks(double low, double high) {
  double lo = std::pow(10.0, std::floor(std::log10(low)));
  double hi = std::pow(10.0, std::ceil(std::log10(high)));
  if (hi <= lo) hi = lo * 10.0;
  std::vector<double> ticks;
  for (double t = lo; t <= hi * 1.0001; t *= 10.0) ticks.push_back(t);
  return ticks;
}

}  // namespace

// --- Text ---

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80U) {
      switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default:
          if (c >= 0x20U && c != 0x7FU) {
            out += static_cast<char>(c);
          } else if (c == '\n' || c == '\t') {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    // A UTF-8 sequence: the lead byte says how long, each continuation byte is 10xxxxxx; overlong
    // forms, surrogates and code points above U+10FFFF are not valid.
    std::size_t length = 0;
    std::uint32_t code = 0;
    if ((c & 0xE0U) == 0xC0U) {
      length = 2;
      code = c & 0x1FU;
    } else if ((c & 0xF0U) == 0xE0U) {
      length = 3;
      code = c & 0x0FU;
    } else if ((c & 0xF8U) == 0xF0U) {
      length = 4;
      code = c & 0x07U;
    }
    bool valid = length != 0 && i + length <= text.size();
    for (std::size_t k = 1; valid && k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0U) != 0x80U) valid = false;
      code = (code << 6U) | (next & 0x3FU);
    }
    if (valid) {
      constexpr std::array<std::uint32_t, 5> kMinimum = {0, 0, 0x80, 0x800, 0x10000};
      valid = code >= kMinimum[length] && code <= 0x10FFFFU && !(code >= 0xD800U && code <= 0xDFFFU);
    }
    if (valid) {
      // C1 control characters (U+0080..U+009F) are dropped like the C0 ones.
      if (code >= 0xA0U) out.append(text.substr(i, length));
      i += length;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

std::string fixed(double value, int decimals) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  std::array<char, 400> buffer{};
  const auto result =
      std::to_chars(buffer.data(), buffer.data() + buffer.size(), value, std::chars_format::fixed, decimals);
  if (result.ec != std::errc()) return "?";
  std::string text(buffer.data(), result.ptr);
  if (text == "-0" || (text.rfind("-0.", 0) == 0 && text.find_first_not_of("-0.") == std::string::npos)) {
    text.erase(0, 1);  // no "-0.0"
  }
  return text;
}

std::string format_value(double value, Unit unit) {
  if (!std::isfinite(value)) return fixed(value, 0);
  const double a = std::fabs(value);
  switch (unit) {
    case Unit::count:
      if (a < 10'000.0 && value == std::floor(value)) return fixed(value, 0);
      [[fallthrough]];
    case Unit::si: {
      if (a < 1000.0) return trimmed_number(fixed(value, a < 10.0 ? 2 : (a < 100.0 ? 1 : 0)));
      static constexpr std::array<const char*, 5> kSuffix = {"k", "M", "G", "T", "P"};
      double divisor = 1000.0;
      std::size_t k = 0;
      while (a / divisor >= 1000.0 && k + 1 < kSuffix.size()) {
        divisor *= 1000.0;
        ++k;
      }
      return scaled(value, divisor, kSuffix[k]);
    }
    case Unit::bytes: {
      if (a < 1024.0) return fixed(value, 0) + " B";
      static constexpr std::array<const char*, 5> kSuffix = {" KiB", " MiB", " GiB", " TiB", " PiB"};
      double divisor = 1024.0;
      std::size_t k = 0;
      while (a / divisor >= 1024.0 && k + 1 < kSuffix.size()) {
        divisor *= 1024.0;
        ++k;
      }
      return scaled(value, divisor, kSuffix[k]);
    }
    case Unit::ns:
      if (a < 1000.0) return trimmed_number(fixed(value, a < 10.0 ? 1 : 0)) + " ns";
      if (a < 1e6) return scaled(value, 1e3, " \xC2\xB5s");
      if (a < 1e9) return scaled(value, 1e6, " ms");
      return scaled(value, 1e9, " s");
    case Unit::seconds:
      return trimmed_number(fixed(value, a < 1.0 ? 3 : 2)) + " s";
  }
  return fixed(value, 2);
}

std::string compact_bytes(double bytes) {
  static constexpr std::array<const char*, 6> kSuffix = {"", "K", "M", "G", "T", "P"};
  std::size_t k = 0;
  double v = bytes;
  while (v >= 1024.0 && k + 1 < kSuffix.size()) {
    v /= 1024.0;
    ++k;
  }
  return trimmed_number(fixed(v, v < 10.0 && v != std::floor(v) ? 1 : 0)) + kSuffix[k];
}

std::vector<double> linear_ticks(double low, double high, Unit unit, int target) {
  if (!std::isfinite(low) || !std::isfinite(high)) return {0.0, 1.0};
  if (!(high > low)) high = low + (unit == Unit::bytes ? 1024.0 : 1.0);
  double base = 1.0;
  if (unit == Unit::bytes) {
    while (std::max(std::fabs(low), std::fabs(high)) / base >= 1024.0) base *= 1024.0;
  }
  const double raw = (high - low) / base / static_cast<double>(std::max(target, 1));
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / magnitude;
  double step = (norm < 1.5 ? 1.0 : norm < 3.0 ? 2.0 : norm < 7.0 ? 5.0 : 10.0) * magnitude;
  if (unit == Unit::count || unit == Unit::bytes) step = std::max(step, 1.0);
  step *= base;
  const double first = std::floor(low / step);
  const double last = std::ceil(high / step - 1e-9);
  std::vector<double> ticks;
  for (double k = first; k <= last && ticks.size() < 64; k += 1.0) ticks.push_back(k * step);
  if (ticks.size() < 2) ticks.push_back(ticks.empty() ? high : ticks.back() + step);
  return ticks;
}

// --- Bars ---

std::string bar_chart(const BarChart& chart) {
  const std::size_t n = std::max<std::size_t>(chart.series.size(), 1);
  const double bar_h = n == 1 ? 18.0 : std::max(10.0, 36.0 / static_cast<double>(n));
  const double gap = n == 1 ? 0.0 : 1.0;
  const double row_h = static_cast<double>(n) * bar_h + static_cast<double>(n - 1) * gap + 12.0;

  bool swatches = false;
  double label_w = 60.0;
  for (const BarRow& row : chart.rows) {
    swatches = swatches || row.label_color >= 0;
    label_w = std::max(label_w, text_width(shortened(row.label, kMaxLabelChars)));
  }
  label_w = std::min(label_w, 240.0) + (swatches ? 16.0 : 0.0);
  const double x0 = label_w + 12.0;
  const double x1 = kWidth - 78.0;

  std::string body;
  double top = 4.0;
  if (chart.series.size() > 1) {
    auto [svg, height] = legend(chart.series, x0, top, false);
    body += svg;
    top += height + 6.0;
  }

  // Domain: 0 (linear) or the decade below the smallest positive value (log) up to the largest.
  double low = std::numeric_limits<double>::infinity();
  double high = 0.0;
  for (const BarRow& row : chart.rows) {
    auto consider = [&](double v) {
      if (!std::isfinite(v)) return;
      high = std::max(high, v);
      if (v > 0) low = std::min(low, v);
    };
    for (const auto& v : row.values) {
      if (v) consider(*v);
    }
    for (const auto& r : row.ranges) {
      if (r) {
        consider(r->first);
        consider(r->second);
      }
    }
  }
  std::vector<double> ticks;
  if (chart.log_scale) {
    if (!std::isfinite(low)) low = 1.0;
    if (high <= 0) high = low * 10.0;
    ticks = log_ticks(low, high);
  } else {
    ticks = linear_ticks(0.0, high > 0 ? high : 1.0, chart.unit);
  }
  const Scale scale(ticks.front(), ticks.back(), chart.log_scale, x0, x1);
  const double plot_h = static_cast<double>(chart.rows.size()) * row_h;
  const double bottom = top + plot_h;

  std::string grid = "<g class=\"axis\">";
  for (double t : ticks) {
    const double x = scale(t);
    grid += line_element(x, top, x, bottom, "grid");
    grid += text_element(x, bottom + 14.0, format_value(t, chart.unit), "middle", "tick");
  }
  grid += line_element(x0, top, x0, bottom, "domain");
  grid += text_element((x0 + x1) / 2.0, bottom + 32.0,
                       chart.axis_label + (chart.log_scale ? " (log scale)" : ""), "middle", "axis-label");
  grid += "</g>";
  body += grid;

  double y = top;
  for (const BarRow& row : chart.rows) {
    body += "<g class=\"row\">";
    double label_x = 0.0;
    if (row.label_color >= 0) {
      body += "<rect x=\"0\" y=\"" + px(y + row_h / 2.0 - 5.0) + "\" width=\"10\" height=\"10\" class=\"f" +
              std::to_string(row.label_color) + "\"/>";
      label_x = 16.0;
    }
    body += "<text x=\"" + px(label_x) + "\" y=\"" + px(y + row_h / 2.0 + 4.0) + "\" class=\"label\"><title>" +
            escape(row.label) + "</title>" + escape(shortened(row.label, kMaxLabelChars)) + "</text>";
    const bool any = std::any_of(row.values.begin(), row.values.end(), [](const auto& v) { return v.has_value(); });
    if (!any) {
      body += "<text x=\"" + px(x0 + 6.0) + "\" y=\"" + px(y + row_h / 2.0 + 4.0) + "\" class=\"note\"><title>" +
              escape(row.note) + "</title>" + escape(shortened(row.note, 90)) + "</text>";
    }
    double bar_y = y + 6.0;
    for (std::size_t s = 0; s < row.values.size() && s < n; ++s) {
      const int color = s < chart.series.size() ? chart.series[s].color : (row.label_color >= 0 ? row.label_color : 0);
      if (row.values[s]) {
        const double v = *row.values[s];
        const double end = scale(v);
        const std::string name = s < chart.series.size() ? chart.series[s].name + " " : std::string();
        body += "<rect x=\"" + px(x0) + "\" y=\"" + px(bar_y) + "\" width=\"" + px(std::max(end - x0, 0.0)) +
                "\" height=\"" + px(bar_h) + "\" class=\"bar f" + std::to_string(color) + "\"><title>" +
                escape(row.label + ": " + name + format_value(v, chart.unit)) + "</title></rect>";
        double label_at = end;
        if (s < row.ranges.size() && row.ranges[s]) {
          const double a = scale(row.ranges[s]->first);
          const double b = scale(row.ranges[s]->second);
          const double mid = bar_y + bar_h / 2.0;
          body += line_element(a, mid, b, mid, "whisker");
          body += line_element(a, mid - 3.0, a, mid + 3.0, "whisker");
          body += line_element(b, mid - 3.0, b, mid + 3.0, "whisker");
          label_at = std::max(label_at, b);
        }
        body += text_element(label_at + 4.0, bar_y + bar_h / 2.0 + 3.5, format_value(v, chart.unit), nullptr,
                             n == 1 ? "value" : "value small");
      }
      bar_y += bar_h + gap;
    }
    body += "</g>";
    y += row_h;
  }
  return svg_open(bottom + 40.0, chart.title, "bars") + body + "</svg>";
}

// --- Columns ---

std::string column_chart(const ColumnChart& chart) {
  const double x0 = 60.0;
  const double x1 = kWidth - 10.0;
  const double top = 18.0;
  const double plot_h = 180.0;
  const double bottom = top + plot_h;
  double high = 0.0;
  for (double v : chart.values) {
    if (std::isfinite(v)) high = std::max(high, v);
  }
  const std::vector<double> ticks = linear_ticks(0.0, high > 0 ? high : 1.0, Unit::count, 4);
  const Scale scale(ticks.front(), ticks.back(), false, bottom, top);

  std::string body = "<g class=\"axis\">";
  for (double t : ticks) {
    const double y = scale(t);
    body += line_element(x0, y, x1, y, "grid");
    body += text_element(x0 - 6.0, y + 4.0, format_value(t, Unit::count), "end", "tick");
  }
  body += line_element(x0, bottom, x1, bottom, "domain");
  body += text_element((x0 + x1) / 2.0, bottom + 34.0, chart.x_label, "middle", "axis-label");
  body += "<text transform=\"translate(14 " + px((top + bottom) / 2.0) +
          ") rotate(-90)\" text-anchor=\"middle\" class=\"axis-label\">" + escape(chart.y_label) + "</text>";
  body += "</g>";

  const std::size_t n = std::max<std::size_t>(chart.categories.size(), 1);
  const double column_w = (x1 - x0) / static_cast<double>(n);
  const double bar_w = std::max(column_w * 0.72, 1.0);
  const std::size_t label_every = column_w < 22.0 ? 2 : 1;
  const std::string color = std::to_string(chart.color);
  for (std::size_t i = 0; i < chart.categories.size(); ++i) {
    const double cx = x0 + column_w * (static_cast<double>(i) + 0.5);
    const double v = i < chart.values.size() ? chart.values[i] : 0.0;
    if (v > 0 && std::isfinite(v)) {
      const double y = std::min(scale(v), bottom - 2.0);  // a count of 1 next to thousands stays visible
      body += "<rect x=\"" + px(cx - bar_w / 2.0) + "\" y=\"" + px(y) + "\" width=\"" + px(bar_w) + "\" height=\"" +
              px(bottom - y) + "\" class=\"bar f" + color + "\"><title>" +
              escape(chart.categories[i] + ": " + format_value(v, Unit::count)) + "</title></rect>";
      body += text_element(cx, y - 3.0, format_value(v, Unit::count), "middle", "value small");
    }
    if (i % label_every == 0) body += text_element(cx, bottom + 14.0, chart.categories[i], "middle", "tick");
  }
  return svg_open(bottom + 44.0, chart.title, "columns") + body + "</svg>";
}

// --- Lines ---

std::string line_chart(const LineChart& chart) {
  const double x0 = 72.0;
  const double x1 = kWidth - 30.0;
  double top = 4.0;
  std::string body;
  std::vector<Series> entries;
  for (const LineSeries& s : chart.series) entries.push_back({s.name, s.color});
  if (!entries.empty()) {
    auto [svg, height] = legend(entries, x0, top, true);
    body += svg;
    top += height + 8.0;
  }
  const double plot_h = 190.0;
  const double bottom = top + plot_h;

  double x_high = 0.0;
  double y_high = 0.0;
  for (const LineSeries& s : chart.series) {
    for (const auto& [x, y] : s.points) {
      if (std::isfinite(x)) x_high = std::max(x_high, x);
      if (std::isfinite(y)) y_high = std::max(y_high, y);
    }
  }
  const std::vector<double> x_ticks = linear_ticks(0.0, x_high > 0 ? x_high : 1.0, chart.x_unit, 6);
  const std::vector<double> y_ticks = linear_ticks(0.0, y_high > 0 ? y_high : 1.0, chart.y_unit, 4);
  const Scale sx(x_ticks.front(), x_ticks.back(), false, x0, x1);
  const Scale sy(y_ticks.front(), y_ticks.back(), false, bottom, top);

  body += "<g class=\"axis\">";
  for (double t : y_ticks) {
    body += line_element(x0, sy(t), x1, sy(t), "grid");
    body += text_element(x0 - 6.0, sy(t) + 4.0, format_value(t, chart.y_unit), "end", "tick");
  }
  for (double t : x_ticks) {
    body += line_element(sx(t), bottom, sx(t), bottom + 4.0, "domain");
    body += text_element(sx(t), bottom + 16.0, format_value(t, chart.x_unit), "middle", "tick");
  }
  body += line_element(x0, bottom, x1, bottom, "domain");
  body += line_element(x0, top, x0, bottom, "domain");
  body += text_element((x0 + x1) / 2.0, bottom + 34.0, chart.x_label, "middle", "axis-label");
  body += "<text transform=\"translate(12 " + px((top + bottom) / 2.0) +
          ") rotate(-90)\" text-anchor=\"middle\" class=\"axis-label\">" + escape(chart.y_label) + "</text>";
  body += "</g>";

  for (const LineSeries& s : chart.series) {
    const std::string color = std::to_string(s.color);
    body += "<g class=\"series-group\"><title>" + escape(s.name) + "</title>";
    std::string points;
    for (const auto& [x, y] : s.points) {
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      if (!points.empty()) points += ' ';
      points += px(sx(x)) + "," + px(sy(y));
    }
    if (s.points.size() > 1) body += "<polyline points=\"" + points + "\" class=\"series s" + color + "\"/>";
    if (s.points.size() <= 40) {
      for (const auto& [x, y] : s.points) {
        if (!std::isfinite(x) || !std::isfinite(y)) continue;
        body += "<circle cx=\"" + px(sx(x)) + "\" cy=\"" + px(sy(y)) + "\" r=\"2.5\" class=\"f" + color + "\"/>";
      }
    }
    body += "</g>";
  }
  return svg_open(bottom + 42.0, chart.title, "lines") + body + "</svg>";
}

}  // namespace arena::workloads::svg
