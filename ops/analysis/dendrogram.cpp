#include "ops/analysis/dendrogram.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>

#include "runtime/core/write_atomic.h"

namespace genre {

namespace {

struct Tree {
  int n = 0;                               // leaves
  std::vector<std::string> names;          // leaf names
  std::vector<std::array<double, 4>> z;    // a, b, height, size
  double top = 0;                          // the largest height
  std::vector<int> order;                  // leaves, top to bottom
  std::vector<int> pos;                    // leaf -> its line
};

Tree read_tree(const json& j) {
  const json& d = j.contains("dendrogram") ? j["dendrogram"] : j;
  Tree t;
  for (auto& s : d.at("names")) t.names.push_back(s.get<std::string>());
  t.n = int(t.names.size());
  for (auto& m : d.at("merges")) {
    std::array<double, 4> r{m[0].get<double>(), m[1].get<double>(), m[2].get<double>(), m[3].get<double>()};
    int a = int(r[0]), b = int(r[1]), made = t.n + int(t.z.size());
    if (a < 0 || b < 0 || a >= made || b >= made) throw InternalError("dendrogram: a merge refers to a cluster not yet made");
    t.top = std::max(t.top, r[2]);
    t.z.push_back(r);
  }
  if (t.n > 0 && int(t.z.size()) != t.n - 1) throw InternalError("dendrogram: n leaves need n - 1 merges");
  t.pos.assign(t.n, 0);
  if (t.n == 1) t.order = {0};
  std::function<void(int)> walk = [&](int c) {
    if (c < t.n) {
      t.pos[c] = int(t.order.size());
      t.order.push_back(c);
      return;
    }
    walk(int(t.z[c - t.n][0]));
    walk(int(t.z[c - t.n][1]));
  };
  if (t.n > 1) walk(2 * t.n - 2);
  return t;
}

std::string label(const Tree& t, int c) { return c < t.n ? t.names[c] : fmt::format("#{}", c); }

std::string xml(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}

size_t width_of(const std::string& s) {
  size_t w = 0;
  for (unsigned char c : s) w += (c & 0xC0) != 0x80;
  return w;
}

std::string tick(double v) { return fmt::format("{:.4g}", v); }

}  // namespace

bool is_dendrogram(const json& j) {
  return j.is_object() && j.contains("dendrogram") && j["dendrogram"].is_object() && j["dendrogram"].contains("merges");
}

std::vector<int> dendrogram_order(const json& d) { return read_tree(d).order; }

TextTable merge_table(const json& d, bool for_files) {
  Tree t = read_tree(d);
  TextTable out{{"cluster", "a", "b", "height", "size"}, {}};
  if (for_files) out.header.insert(out.header.end(), {"a_name", "b_name"});
  for (size_t i = 0; i < t.z.size(); ++i) {
    auto& m = t.z[i];
    int a = int(m[0]), b = int(m[1]);
    std::vector<std::string> row{std::to_string(t.n + int(i))};
    if (for_files) {
      row.insert(row.end(), {std::to_string(a), std::to_string(b), fmt::format("{}", m[2]), fmt::format("{}", int(m[3])),
                             a < t.n ? t.names[a] : "", b < t.n ? t.names[b] : ""});
    } else {
      row.insert(row.end(), {label(t, a), label(t, b), num(m[2]), std::to_string(int(m[3]))});
    }
    out.rows.push_back(row);
  }
  return out;
}

std::string dendrogram_text(const json& d, int width) {
  Tree t = read_tree(d);
  if (t.n == 0) return "";
  enum { U = 1, D = 2, L = 4, R = 8 };
  const int cols = width + 3;
  std::vector<std::vector<int>> mask(t.n, std::vector<int>(cols, 0));
  std::vector<int> row(2 * t.n - 1), col(2 * t.n - 1, 0);
  for (int c = 0; c < t.n; ++c) row[c] = t.pos[c];
  auto x_of = [&](double h) { return t.top > 0 ? int(std::lround(h / t.top * width)) : 0; };
  auto hline = [&](int r, int from, int to) {  // from a child's point to its parent's column
    if (from >= to) return;
    mask[r][from] |= R;
    for (int x = from + 1; x < to; ++x) mask[r][x] |= L | R;
    mask[r][to] |= L;
  };
  for (size_t i = 0; i < t.z.size(); ++i) {
    int a = int(t.z[i][0]), b = int(t.z[i][1]), me = t.n + int(i);
    int x = x_of(t.z[i][2]);
    col[me] = x;
    row[me] = (row[a] + row[b]) / 2;
    hline(row[a], col[a], x);
    hline(row[b], col[b], x);
    int lo = std::min(row[a], row[b]), hi = std::max(row[a], row[b]);
    for (int r = lo; r <= hi; ++r) mask[r][x] |= (r > lo ? U : 0) | (r < hi ? D : 0);
  }
  if (t.n > 1) hline(row[2 * t.n - 2], col[2 * t.n - 2], cols - 1);  // the root's stub
  auto glyph = [](int m) -> std::string {
    switch (m) {
      case 0: return " ";
      case L: case R: case L | R: return "─";
      case U: case D: case U | D: return "│";
      case L | D: return "┐";
      case L | U: return "┘";
      case R | D: return "┌";
      case R | U: return "└";
      case U | D | R: return "├";
      case U | D | L: return "┤";
      case L | R | D: return "┬";
      case L | R | U: return "┴";
      default: return "┼";
    }
  };
  size_t pad = 0;
  for (auto& s : t.names) pad = std::max(pad, width_of(s));
  std::string out;
  for (int r = 0; r < t.n; ++r) {
    const std::string& name = t.names[t.order[r]];
    std::string line = name + std::string(pad - width_of(name), ' ') + " ";
    for (int x = 0; x < cols; ++x) line += glyph(mask[r][x]);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  // The height axis: 0, half the largest height, the largest.
  std::string indent(pad + 1, ' ');
  std::string axis = indent + "├";
  for (int x = 1; x < width; ++x) axis += x == width / 2 ? "┼" : "─";
  out += axis + "┤\n";
  std::string lo = tick(0), mid = tick(t.top / 2), hi = tick(t.top);
  std::string labels = lo;
  int at_mid = width / 2 - int(mid.size()) / 2;
  labels += std::string(std::max(1, at_mid - int(labels.size())), ' ') + mid;
  int at_hi = width + 1 - int(hi.size());
  labels += std::string(std::max(1, at_hi - int(labels.size())), ' ') + hi;
  out += indent + labels + "   (height)\n";
  return out;
}

std::string dendrogram_svg(const json& d, const std::string& title) {
  Tree t = read_tree(d);
  const double row_h = 16, char_w = 7.2, plot_w = 480, top = 34;
  size_t longest = 0;
  for (auto& s : t.names) longest = std::max(longest, width_of(s));
  const double left = 12 + longest * char_w + 8;
  const double bottom = top + t.n * row_h;
  const double w = left + plot_w + 30, h = bottom + 48;
  auto X = [&](double height) { return left + (t.top > 0 ? height / t.top * plot_w : 0); };
  std::vector<double> y(std::max(0, 2 * t.n - 1)), x(std::max(0, 2 * t.n - 1), left);
  for (int c = 0; c < t.n; ++c) y[c] = top + (t.pos[c] + 0.5) * row_h;

  std::string out = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{:.0f}\" height=\"{:.0f}\" viewBox=\"0 0 {:.0f} {:.0f}\" "
      "font-family=\"monospace\" font-size=\"12\">\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"12\" y=\"20\" font-size=\"14\">{}</text>\n",
      w, h, w, h, xml(title));
  for (int c = 0; c < t.n; ++c)
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", left - 6, y[c] + 4, xml(t.names[c]));
  out += "<g fill=\"none\" stroke=\"#1f4e79\" stroke-width=\"1.2\">\n";
  for (size_t i = 0; i < t.z.size(); ++i) {
    int a = int(t.z[i][0]), b = int(t.z[i][1]), me = t.n + int(i);
    x[me] = X(t.z[i][2]);
    y[me] = (y[a] + y[b]) / 2;
    out += fmt::format("<path d=\"M{:.1f},{:.1f} H{:.1f} V{:.1f} H{:.1f}\"><title>{} + {}: height {}</title></path>\n",
                       x[a], y[a], x[me], y[b], x[b], xml(label(t, a)), xml(label(t, b)), tick(t.z[i][2]));
  }
  if (t.n > 1) out += fmt::format("<path d=\"M{:.1f},{:.1f} h12\"/>\n", x[2 * t.n - 2], y[2 * t.n - 2]);
  out += "</g>\n";
  // The height axis, five ticks.
  double ay = bottom + 8;
  out += fmt::format("<g stroke=\"black\"><line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\"/>\n", left, ay,
                     left + plot_w, ay);
  for (int k = 0; k <= 4; ++k)
    out += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\"/>\n", left + plot_w * k / 4, ay,
                       ay + 4);
  out += "</g>\n";
  for (int k = 0; k <= 4; ++k)
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n", left + plot_w * k / 4,
                       ay + 16, tick(t.top * k / 4));
  out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">height</text>\n", left + plot_w / 2, ay + 32);
  return out + "</svg>\n";
}

std::string describe_dendrogram(const json& j) {
  const json& d = j["dendrogram"];
  std::string out = fmt::format("{} rows, {} linkage, {} distance\n\n", d["names"].size(), d.value("method", "?"),
                                d.value("metric", "?"));
  out += dendrogram_text(j) + "\nmerges\n" + merge_table(j, false).render();
  return out;
}

void write_dendrogram(const std::filesystem::path& dir, const std::string& name, const json& j) {
  const json& d = j["dendrogram"];
  write_if_changed(dir / (name + "_merges.csv"), merge_table(j, true).csv());
  std::string title = fmt::format("{}: {} linkage, {} distance", name, d.value("method", "?"), d.value("metric", "?"));
  write_if_changed(dir / (name + "_dendrogram.svg"), dendrogram_svg(j, title));
}

}  // namespace genre
