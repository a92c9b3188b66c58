#include "runtime/core/svg.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace genre::svg {

namespace {

constexpr const char* kFont = "DejaVu Sans, Verdana, Arial, sans-serif";

size_t chars(const std::string& s) {
  size_t w = 0;
  for (unsigned char c : s) w += (c & 0xC0) != 0x80;  // UTF-8 lead bytes
  return w;
}

// DejaVu Sans averages about 0.6 em per character.
double text_w(const std::string& s, double size) { return double(chars(s)) * size * 0.6; }

double widest(const std::vector<std::string>& v, double size) {
  double w = 0;
  for (auto& s : v) w = std::max(w, text_w(s, size));
  return w;
}

std::string open(double w, double h, const std::string& title) {
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0:.0f}\" height=\"{1:.0f}\" viewBox=\"0 0 {0:.0f} {1:.0f}\" "
      "role=\"img\" aria-label=\"{2}\" font-family=\"{3}\" font-size=\"12\">\n<title>{2}</title>\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"12\" y=\"20\" font-size=\"14\" font-weight=\"bold\">{2}</text>\n",
      w, h, esc(title), kFont);
}

int decimals_of(double step) {
  if (!(step > 0)) return 0;
  return std::max(0, int(-std::floor(std::log10(step) + 1e-9)));
}

std::string tick_text(double v, int decimals) {
  std::string s = fmt::format("{:.{}f}", v, decimals);
  if (s.starts_with("-") && std::stod(s) == 0) s = s.substr(1);  // no "-0.0"
  return s;
}

// Blues, from white to dark blue: a cell's shade in 0..1.
std::string blues(double t) {
  static const std::array<std::array<int, 3>, 9> stops{{{247, 251, 255}, {222, 235, 247}, {198, 219, 239},
                                                        {158, 202, 225}, {107, 174, 214}, {66, 146, 198},
                                                        {33, 113, 181}, {8, 81, 156}, {8, 48, 107}}};
  t = std::clamp(std::isnan(t) ? 0.0 : t, 0.0, 1.0) * double(stops.size() - 1);
  size_t i = std::min(size_t(t), stops.size() - 2);
  double f = t - double(i);
  auto mix = [&](int k) { return int(std::lround(stops[i][k] + (stops[i + 1][k] - stops[i][k]) * f)); };
  return fmt::format("#{:02x}{:02x}{:02x}", mix(0), mix(1), mix(2));
}

struct Axis {
  double lo, hi;
  std::vector<double> at;
  int decimals;
};

// A range rounded out to its ticks, unless fixed.
Axis axis(double lo, double hi, const std::optional<std::pair<double, double>>& fixed, double min_step = 0) {
  if (fixed) {
    lo = fixed->first, hi = fixed->second;
  } else if (!(hi > lo)) {
    lo -= 0.5, hi += 0.5;
  }
  auto t = ticks(lo, hi, 5);
  if (min_step > 0 && t.size() > 1 && t[1] - t[0] < min_step) {
    t.clear();
    for (double v = std::ceil(lo); v <= hi + 1e-9; v += min_step) t.push_back(v);
  }
  double step = t.size() > 1 ? t[1] - t[0] : 1;
  if (!fixed && !t.empty()) {
    lo = std::min(lo, t.front()), hi = std::max(hi, t.back());
  }
  std::erase_if(t, [&](double v) { return v < lo - 1e-9 || v > hi + 1e-9; });
  return {lo, hi, t, decimals_of(step)};
}

// The frame of an x-y plot: grid, axes, tick labels, axis titles.
std::string frame(double left, double top, double w, double h, const Axis& x, const Axis& y, const std::string& xt,
                  const std::string& yt, bool x_ticks = true) {
  auto X = [&](double v) { return left + (v - x.lo) / (x.hi - x.lo) * w; };
  auto Y = [&](double v) { return top + h - (v - y.lo) / (y.hi - y.lo) * h; };
  std::string out = "<g stroke=\"#e3e3e3\" stroke-width=\"1\">\n";
  for (double v : y.at) out += fmt::format("<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\"/>\n", left, left + w, Y(v), Y(v));
  if (x_ticks)
    for (double v : x.at) out += fmt::format("<line x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1:.1f}\" y2=\"{2:.1f}\"/>\n", X(v), top, top + h);
  out += "</g>\n<g stroke=\"#333\" stroke-width=\"1\">\n";
  out += fmt::format("<line x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1:.1f}\" y2=\"{2:.1f}\"/>\n", left, top, top + h);
  out += fmt::format("<line x1=\"{0:.1f}\" x2=\"{1:.1f}\" y1=\"{2:.1f}\" y2=\"{2:.1f}\"/>\n", left, left + w, top + h);
  for (double v : y.at) out += fmt::format("<line x1=\"{0:.1f}\" x2=\"{1:.1f}\" y1=\"{2:.1f}\" y2=\"{2:.1f}\"/>\n", left - 4, left, Y(v));
  if (x_ticks)
    for (double v : x.at) out += fmt::format("<line x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1:.1f}\" y2=\"{2:.1f}\"/>\n", X(v), top + h, top + h + 4);
  out += "</g>\n<g font-size=\"11\" fill=\"#333\">\n";
  for (double v : y.at)
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", left - 7, Y(v) + 4, tick_text(v, y.decimals));
  if (x_ticks)
    for (double v : x.at)
      out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n", X(v), top + h + 17,
                         tick_text(v, x.decimals));
  out += "</g>\n";
  if (!xt.empty())
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n", left + w / 2, top + h + 36, esc(xt));
  if (!yt.empty())
    out += fmt::format("<text transform=\"translate({:.1f},{:.1f}) rotate(-90)\" text-anchor=\"middle\">{}</text>\n", 16.0,
                       top + h / 2, esc(yt));
  return out;
}

struct LegendItem {
  std::string name;
  std::string colour;
  bool dashed = false;
  bool box = false;  // a filled square (bars) rather than a line
};

double legend_width(const std::vector<LegendItem>& items) {
  double w = 0;
  for (auto& i : items) w = std::max(w, text_w(i.name, 11));
  return items.empty() ? 0 : w + 40;
}

std::string legend(double x, double y, const std::vector<LegendItem>& items) {
  std::string out = "<g font-size=\"11\">\n";
  for (size_t i = 0; i < items.size(); ++i) {
    double yy = y + double(i) * 18;
    auto& it = items[i];
    if (it.box)
      out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"12\" height=\"12\" fill=\"{}\"/>\n", x + 4, yy - 6, it.colour);
    else
      out += fmt::format("<line x1=\"{0:.1f}\" x2=\"{1:.1f}\" y1=\"{2:.1f}\" y2=\"{2:.1f}\" stroke=\"{3}\" stroke-width=\"2\"{4}/>\n", x,
                         x + 22, yy, it.colour, it.dashed ? " stroke-dasharray=\"5 3\"" : "");
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\">{}</text>\n", x + 28, yy + 4, esc(it.name));
  }
  return out + "</g>\n";
}

}  // namespace

std::string esc(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string colour(size_t i) {
  // Tableau 10, then two darker ones: distinct for up to twelve series.
  static const char* palette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                                  "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#ad494a"};
  return palette[i % std::size(palette)];
}

std::vector<double> ticks(double lo, double hi, int n) {
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) return {lo};
  double raw = (hi - lo) / std::max(1, n);
  double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  std::vector<double> out;
  double first = std::floor(lo / step + 1e-9) * step;
  for (double v = first; v <= hi + step * (1 - 1e-9); v += step) {
    out.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
    if (out.back() >= hi - step * 1e-9) break;
  }
  return out;
}

std::string heatmap(const Heatmap& h) {
  size_t R = h.rows.size(), C = h.cols.size();
  double top_v = 0;
  double widest_value = 0;
  for (auto& r : h.values)
    for (double v : r)
      if (!std::isnan(v)) {
        top_v = std::max(top_v, std::abs(v));
        widest_value = std::max(widest_value, text_w(fmt::format("{:.{}f}", v, h.digits), 11));
      }
  const double cell = std::clamp(widest_value + 12, 34.0, 64.0);
  const double col_label = widest(h.cols, 11) * 0.71;  // labels at 45 degrees
  const double left = 12 + (h.row_title.empty() ? 0 : 20) + widest(h.rows, 11) + 8;
  const double top = 34 + (h.col_title.empty() ? 0 : 18) + col_label + 10;
  // Only the last column's label reaches past the grid.
  const double overhang = C ? std::max(0.0, text_w(h.cols.back(), 11) * 0.71 - cell / 2) : 0;
  const double w = std::max(left + double(C) * cell + overhang + 16, text_w(h.title, 14) + 24);
  const double ht = top + double(R) * cell + 16;
  std::string out = open(w, ht, h.title);
  if (!h.col_title.empty())
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" font-style=\"italic\">{}</text>\n",
                       left + double(C) * cell / 2, 48.0, esc(h.col_title));
  if (!h.row_title.empty())
    out += fmt::format("<text transform=\"translate({:.1f},{:.1f}) rotate(-90)\" text-anchor=\"middle\" font-style=\"italic\">{}</text>\n",
                       20.0, top + double(R) * cell / 2, esc(h.row_title));
  out += "<g font-size=\"11\">\n";
  for (size_t c = 0; c < C; ++c) {
    double x = left + (double(c) + 0.5) * cell, y = top - 6;
    out += fmt::format("<text transform=\"translate({:.1f},{:.1f}) rotate(-45)\">{}</text>\n", x, y, esc(h.cols[c]));
  }
  for (size_t r = 0; r < R; ++r)
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", left - 6,
                       top + (double(r) + 0.5) * cell + 4, esc(h.rows[r]));
  out += "</g>\n<g font-size=\"11\" text-anchor=\"middle\">\n";
  for (size_t r = 0; r < R; ++r)
    for (size_t c = 0; c < C; ++c) {
      double v = r < h.values.size() && c < h.values[r].size() ? h.values[r][c] : NAN;
      double s = !h.shade.empty() ? h.shade[r][c] : top_v > 0 ? std::abs(v) / top_v : 0;
      double x = left + double(c) * cell, y = top + double(r) * cell;
      std::string text = std::isnan(v) ? "" : fmt::format("{:.{}f}", v, h.digits);
      out += fmt::format("<g><title>{} / {}: {}</title><rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
                         "fill=\"{}\" stroke=\"white\"/>",
                         esc(h.rows[r]), esc(h.cols[c]), text, x, y, cell, cell, std::isnan(v) ? "#f2f2f2" : blues(s));
      if (!text.empty())
        out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" fill=\"{}\">{}</text>", x + cell / 2, y + cell / 2 + 4,
                           s > 0.55 ? "white" : "#222", text);
      out += "</g>\n";
    }
  return out + "</g>\n</svg>\n";
}

std::string line_chart(const LineChart& c) {
  double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
  bool whole_x = true;
  for (auto& s : c.series)
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      xlo = std::min(xlo, s.x[i]), xhi = std::max(xhi, s.x[i]);
      ylo = std::min(ylo, s.y[i]), yhi = std::max(yhi, s.y[i]);
      whole_x &= s.x[i] == std::floor(s.x[i]);
    }
  if (!std::isfinite(xlo)) xlo = 0, xhi = 1, ylo = 0, yhi = 1;
  if (ylo >= 0) ylo = 0;
  Axis x = axis(xlo, xhi, c.x_range, whole_x ? 1 : 0);
  Axis y = axis(ylo, yhi, c.y_range);
  std::vector<LegendItem> items;
  for (size_t i = 0; i < c.series.size(); ++i)
    items.push_back({c.series[i].name, colour(c.series[i].colour >= 0 ? size_t(c.series[i].colour) : i), c.series[i].dashed});
  if (items.size() == 1 && items[0].name.empty()) items.clear();
  double ytw = 0;
  for (double v : y.at) ytw = std::max(ytw, text_w(tick_text(v, y.decimals), 11));
  const double left = 28 + ytw + 10, top = 34, w = c.width, h = c.height;
  const double lw = legend_width(items);
  const double width = std::max(left + w + (lw > 0 ? 20 + lw : 20), text_w(c.title, 14) + 24);
  const double height = std::max(top + h + 48, top + 8 + 18 * double(items.size()));
  std::string out = open(width, height, c.title);
  out += frame(left, top, w, h, x, y, c.x_title, c.y_title);
  auto X = [&](double v) { return left + (v - x.lo) / (x.hi - x.lo) * w; };
  auto Y = [&](double v) { return top + h - (v - y.lo) / (y.hi - y.lo) * h; };
  out += "<g fill=\"none\" stroke-width=\"2\" stroke-linejoin=\"round\">\n";
  for (size_t i = 0; i < c.series.size(); ++i) {
    auto& s = c.series[i];
    size_t n = std::min(s.x.size(), s.y.size());
    size_t stride = std::max<size_t>(1, (n + 599) / 600);  // a few hundred points draw the same line
    std::string d;
    for (size_t k = 0; k < n; ++k) {
      if (k % stride && k + 1 != n) continue;
      if (!std::isfinite(s.x[k]) || !std::isfinite(s.y[k])) continue;
      if (d.empty()) d = fmt::format("M{:.1f},{:.1f}", X(s.x[k]), Y(s.y[k]));
      else if (c.steps) d += fmt::format(" H{:.1f} V{:.1f}", X(s.x[k]), Y(s.y[k]));
      else d += fmt::format(" L{:.1f},{:.1f}", X(s.x[k]), Y(s.y[k]));
    }
    out += fmt::format("<path d=\"{}\" stroke=\"{}\"{}><title>{}</title></path>\n", d, items.empty() ? colour(0) : items[i].colour,
                       s.dashed ? " stroke-dasharray=\"6 4\"" : "", esc(s.name));
    if (n == 1 && !d.empty())  // a single point draws no line
      out += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"{}\"/>\n", X(s.x[0]), Y(s.y[0]),
                         items.empty() ? colour(0) : items[i].colour);
  }
  out += "</g>\n";
  if (!items.empty()) out += legend(left + w + 20, top + 8, items);
  return out + "</svg>\n";
}

std::string bar_chart(const BarChart& c) {
  size_t G = c.groups.size(), S = std::max<size_t>(1, c.series.size());
  double lo = 0, hi = -INFINITY;
  for (auto& r : c.values)
    for (double v : r)
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  auto error = [&](size_t g, size_t s) -> std::optional<std::pair<double, double>> {
    if (g >= c.errors.size() || s >= c.errors[g].size()) return std::nullopt;
    auto e = c.errors[g][s];
    if (!std::isfinite(e.first) || !std::isfinite(e.second)) return std::nullopt;
    return e;
  };
  for (size_t g = 0; g < c.errors.size(); ++g)
    for (size_t s = 0; s < c.errors[g].size(); ++s)
      if (auto e = error(g, s)) lo = std::min(lo, e->first), hi = std::max(hi, e->second);
  if (!std::isfinite(hi)) hi = 1;
  if (c.from_data && !c.y_range) {
    double least = INFINITY;
    for (auto& r : c.values)
      for (double v : r)
        if (std::isfinite(v)) least = std::min(least, v);
    for (size_t g = 0; g < c.errors.size(); ++g)
      for (size_t s = 0; s < c.errors[g].size(); ++s)
        if (auto e = error(g, s)) least = std::min(least, e->first);
    // A margin of a tenth of the spread below the least value, so its bar still shows.
    if (std::isfinite(least) && least > 0) lo = std::max(0.0, least - 0.1 * std::max(hi - least, 0.05 * hi));
  }
  Axis y = axis(lo, hi, c.y_range);
  const double base = c.y_range ? 0 : std::max(0.0, y.lo);  // where the bars start
  std::string y_title = c.y_title;
  if (base > 0) y_title += fmt::format(" (axis from {})", tick_text(base, y.decimals));
  // Bars narrow as groups and series grow, so the chart stays about a screen wide.
  const double bar = std::clamp((900.0 / double(std::max<size_t>(G, 1)) - 16) / double(S), 6.0, S == 1 ? 30.0 : 22.0);
  const double group = double(S) * bar + 16;
  const double label_w = widest(c.groups, 11);
  const bool slant = label_w > group - 6;
  double ytw = 0;
  for (double v : y.at) ytw = std::max(ytw, text_w(tick_text(v, y.decimals), 11));
  const double left = std::max(28 + ytw + 10, slant ? label_w * 0.82 - group / 2 + 12 : 0);
  const double top = 34, h = 240, w = double(G) * group;
  const double below = (slant ? label_w * 0.57 + 22 : 24) + (c.x_title.empty() ? 0 : 20);
  std::vector<LegendItem> items;
  if (c.series.size() > 1)
    for (size_t s = 0; s < S; ++s) items.push_back({c.series[s], colour(s), false, true});
  const double lw = legend_width(items);
  const double width = std::max(left + w + (lw > 0 ? 20 + lw : 20), text_w(c.title, 14) + 24);
  const double height = std::max(top + h + below + 8, top + 8 + 18 * double(items.size()));
  Axis x{0, 1, {}, 0};
  std::string out = open(width, height, c.title);
  out += frame(left, top, w, h, x, y, "", y_title, false);
  auto Y = [&](double v) { return top + h - (v - y.lo) / (y.hi - y.lo) * h; };
  if (base > 0)  // a break mark: two slashes across the axis just above its foot
    out += fmt::format("<path d=\"M{0:.1f},{1:.1f}l8,-5M{0:.1f},{2:.1f}l8,-5\" stroke=\"#333\" stroke-width=\"1.2\" fill=\"none\"/>\n",
                       left - 4, top + h - 6, top + h - 10);
  // Values over the bars where they fit: smaller type for narrow bars, none below 7 px.
  const double value_size = std::min(9.0, (bar - 1) / (0.6 * double(chars(fmt::format("{:.{}f}", hi, c.digits)))));
  const bool values = double(G * S) <= 60 && value_size >= 7;
  out += "<g>\n";
  for (size_t g = 0; g < G; ++g)
    for (size_t s = 0; s < S; ++s) {
      double v = g < c.values.size() && s < c.values[g].size() ? c.values[g][s] : NAN;
      if (!std::isfinite(v)) continue;
      double x0 = left + double(g) * group + 8 + double(s) * bar;
      double y0 = Y(std::max(v, base)), y1 = Y(std::min(v, base));
      bool hl = std::find(c.highlight.begin(), c.highlight.end(), int(g)) != c.highlight.end();
      std::string fill = S == 1 ? colour(hl ? 1 : 0) : colour(s);
      std::string text = fmt::format("{:.{}f}", v, c.digits);
      out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"><title>{}{}: {}</title></rect>\n",
                         x0 + 1, y0, bar - 2, std::max(0.5, y1 - y0), fill, esc(c.groups[g]),
                         c.series.size() > 1 ? " / " + esc(c.series[s]) : "", text);
      double label_y = y0;
      if (auto e = error(g, s)) {
        // The whisker: a line from lo to hi with short caps, in a dark grey that reads on every bar colour.
        double cx = x0 + bar / 2, cap = std::min(4.0, bar / 3), ylo = Y(e->first), yhi = Y(e->second);
        out += fmt::format("<path d=\"M{0:.1f},{1:.1f}V{2:.1f}M{3:.1f},{1:.1f}H{4:.1f}M{3:.1f},{2:.1f}H{4:.1f}\" "
                           "stroke=\"#333\" stroke-width=\"1\" fill=\"none\"><title>{5}: {6:.{8}f} to {7:.{8}f}</title></path>\n",
                           cx, ylo, yhi, cx - cap, cx + cap, esc(c.groups[g]), e->first, e->second, c.digits + 1);
        label_y = std::min(label_y, yhi);
      }
      if (values)
        out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"{:.1f}\" text-anchor=\"middle\" fill=\"#333\">{}</text>\n",
                           x0 + bar / 2, label_y - 3, value_size, text);
    }
  out += "</g>\n<g font-size=\"11\">\n";
  for (size_t g = 0; g < G; ++g) {
    double cx = left + (double(g) + 0.5) * group, cy = top + h + 16;
    if (slant)
      out += fmt::format("<text transform=\"translate({:.1f},{:.1f}) rotate(-35)\" text-anchor=\"end\">{}</text>\n", cx + 4,
                         cy - 4, esc(c.groups[g]));
    else
      out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n", cx, cy, esc(c.groups[g]));
  }
  out += "</g>\n";
  if (!c.x_title.empty())
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n", left + w / 2, top + h + below - 4,
                       esc(c.x_title));
  if (!items.empty()) out += legend(left + w + 20, top + 8, items);
  return out + "</svg>\n";
}

std::string pr_chart(const std::string& title, const std::vector<PrCurve>& curves) {
  LineChart c;
  c.title = title;
  c.x_title = "recall";
  c.y_title = "precision";
  c.x_range = c.y_range = std::pair{0.0, 1.0};
  c.steps = true;
  c.width = 320;
  for (size_t i = 0; i < curves.size(); ++i) {
    auto& k = curves[i];
    Series s{k.auc ? fmt::format("{} (AP {:.2f})", k.name, *k.auc) : k.name, k.recall, k.precision};
    s.dashed = i >= 12;  // the palette repeats after twelve colours
    c.series.push_back(std::move(s));
  }
  return line_chart(c);
}

}  // namespace genre::svg
