// Small plots as self-contained SVG strings for the HTML report: a heatmap, a
// line chart with axes, ticks and a legend, a grouped bar chart and PR curves.
// No ids inside (several charts share one page), no external fonts or styles.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace genre::svg {

// Text for HTML or SVG: & < > " ' as entities.
std::string esc(const std::string& s);

// The colour of series i: the same index gets the same colour on every chart.
std::string colour(size_t i);

// Rounded tick values covering [lo, hi], about `n` of them.
std::vector<double> ticks(double lo, double hi, int n = 5);

struct Heatmap {
  std::string title, row_title, col_title;
  std::vector<std::string> rows, cols;
  std::vector<std::vector<double>> values;  // rows x cols, printed in the cells; NaN prints nothing
  std::vector<std::vector<double>> shade;   // 0..1 per cell; empty: values / the largest value
  int digits = 0;                           // decimals of the printed values
};
std::string heatmap(const Heatmap& h);

struct Series {
  std::string name;
  std::vector<double> x, y;
  bool dashed = false;
  int colour = -1;  // -1: the series' index
};

struct LineChart {
  std::string title, x_title, y_title;
  std::vector<Series> series;
  std::optional<std::pair<double, double>> x_range, y_range;  // default: the data's (y from 0 when all >= 0)
  bool steps = false;  // draw each series as steps (precision-recall curves), not straight segments
  double width = 460, height = 280;  // the plot area
};
std::string line_chart(const LineChart& c);

struct BarChart {
  std::string title, x_title, y_title;
  std::vector<std::string> groups;          // along the x axis
  std::vector<std::string> series;          // bars per group, in the legend (none for one series)
  std::vector<std::vector<double>> values;  // groups x series; NaN: no bar
  std::optional<std::pair<double, double>> y_range;
  // Without y_range: the axis starts near the smallest value (and whisker) rather than at 0, so
  // 0.67 and 0.76 do not look alike; the bars grow from there, and the axis title and a break
  // mark on the axis say so.
  bool from_data = false;
  int digits = 2;              // decimals of the value printed over each bar
  std::vector<int> highlight;  // one series: groups drawn in the second colour (the best point)
  // Error bars, groups x series like values: an interval {lo, hi} drawn as a whisker; NaN or missing: none.
  std::vector<std::vector<std::pair<double, double>>> errors;
};
std::string bar_chart(const BarChart& c);

// One-vs-rest precision-recall curves (scikit-learn's points, drawn as steps),
// one series per class, named with its average precision when known.
struct PrCurve {
  std::string name;
  std::vector<double> precision, recall;
  std::optional<double> auc;
};
std::string pr_chart(const std::string& title, const std::vector<PrCurve>& curves);

}  // namespace genre::svg
