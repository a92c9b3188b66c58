// The HTML report page and its SVG plots, from hand-made report values: what
// each kind of report draws, that the drawing follows the numbers, and the DAG.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <regex>

#include <fmt/format.h>

#include "runtime/core/op.h"
#include "runtime/present/html.h"
#include "runtime/core/svg.h"

using namespace genre;
using Catch::Matchers::Contains;

namespace {

std::string figure(const std::string& html, const std::string& id) {
  size_t a = html.find("<figure id=\"" + id + "\">");
  if (a == std::string::npos) return "";
  return html.substr(a, html.find("</figure>", a) - a);
}

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

// Each bar of a bar chart: its tooltip -> (top y, height).
std::map<std::string, std::pair<double, double>> bars(const std::string& svg) {
  std::map<std::string, std::pair<double, double>> out;
  std::regex re(R"re(<rect x="[^"]*" y="([^"]*)" width="[^"]*" height="([^"]*)" fill="[^"]*"><title>([^<]*)</title>)re");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), re); it != std::sregex_iterator(); ++it)
    out[(*it)[3]] = {std::stod((*it)[1]), std::stod((*it)[2])};
  return out;
}

// A page with one report, made by `op` (its report kind says how it is drawn).
ReportPage page_with(const std::string& name, const std::string& op, json report) {
  register_all();
  ReportPage p;
  p.script = "study.genre";
  p.source = "report " + name + " = ...\n";
  p.targets.push_back({name, op, Value(std::move(report))});
  return p;
}

}  // namespace

TEST_CASE("svg: ticks are round numbers covering the range", "[html]") {
  auto unit = svg::ticks(0, 1, 5);
  REQUIRE(unit.size() == 6);
  for (size_t i = 0; i < unit.size(); ++i) CHECK(unit[i] == Approx(0.2 * double(i)));
  auto t = svg::ticks(0, 7.3, 5);
  REQUIRE(t.size() >= 3);
  CHECK(t.front() == 0);
  CHECK(t.back() >= 7.3);
  CHECK(t[1] - t[0] == 2);
  auto small = svg::ticks(0.012, 0.047, 4);
  CHECK(small.front() <= 0.012);
  CHECK(small.back() >= 0.047);
  CHECK(svg::esc("a<b & \"c\" 'd'>") == "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;");
}

TEST_CASE("svg: bar heights are proportional to the values - a heatmap prints each cell", "[html]") {
  svg::BarChart b;
  b.title = "t";
  b.groups = {"pop", "house"};
  b.series = {"drums", "bass"};
  b.values = {{0.5, 1.5}, {2.0, NAN}};
  auto got = bars(svg::bar_chart(b));
  REQUIRE(got.size() == 3);  // NaN draws no bar
  double unit = got["pop / drums: 0.50"].second / 0.5;
  CHECK(unit > 10);
  CHECK(got["pop / bass: 1.50"].second == Approx(1.5 * unit).margin(0.2));
  CHECK(got["house / drums: 2.00"].second == Approx(2.0 * unit).margin(0.2));
  // Bars stand on the same baseline.
  CHECK(got["pop / drums: 0.50"].first + got["pop / drums: 0.50"].second ==
        Approx(got["house / drums: 2.00"].first + got["house / drums: 2.00"].second).margin(0.1));

  svg::Heatmap h;
  h.title = "j";
  h.rows = {"a", "b"};
  h.cols = {"x", "y"};
  h.values = {{1, 0.25}, {NAN, 0}};
  h.digits = 2;
  std::string s = svg::heatmap(h);
  CHECK_THAT(s, Contains("<title>a / y: 0.25</title>"));
  CHECK_THAT(s, Contains("<title>b / x: </title>"));  // missing: an empty grey cell
  CHECK(count(s, "<rect ") == 5);
}

TEST_CASE("html: next_step_loss draws loss by genre and instrument", "[html]") {
  json r = {{"kind", "next_step_loss"}, {"rows", 40}, {"models", json::object()}, {"order", json::array()}};
  std::map<std::pair<std::string, std::string>, double> loss = {
      {{"pop rock", "drums"}, 0.36}, {{"pop rock", "bass"}, 0.27}, {{"house", "drums"}, 0.61}, {{"house", "bass"}, 0.49}};
  for (auto& [k, v] : loss) {
    std::string name = "models[genre=" + k.first + " instrument=" + k.second + "]";
    r["models"][name] = {{"target", k.second}, {"windows", 10}, {"loss", v}, {"pitch", v / 2}, {"duration", v / 4},
                         {"velocity", v / 4}};
    r["order"].push_back(name);
  }
  std::string html = render_html(page_with("losses", "next_step_loss", r));
  std::string f = figure(html, "fig-losses-loss");
  REQUIRE(!f.empty());
  CHECK_THAT(f, Contains("test loss by genre and instrument"));
  auto got = bars(f);
  REQUIRE(got.size() == 4);
  double unit = got["house / drums: 0.61"].second / 0.61;
  for (auto& [k, v] : loss) {
    std::string tip = fmt::format("{} / {}: {:.2f}", k.first, k.second, v);
    INFO(tip);
    REQUIRE(got.count(tip));
    CHECK(got[tip].second == Approx(v * unit).margin(0.2));
  }
  CHECK_THAT(html, Contains("<caption>mean_by_genre</caption>"));
}

TEST_CASE("html: cv shows folds and mean, not the std, as bars - label_counts draws counts", "[html]") {
  json cv = {{"rows", 30},
             {"models", {{"fold1", {{"accuracy", 0.5}}}, {"fold2", {{"accuracy", 0.7}}}, {"mean", {{"accuracy", 0.6}}},
                         {"std", {{"accuracy", 0.1}}}}},
             {"order", {"fold1", "fold2", "mean", "std"}},
             {"cv", {{"k", 2}}}};
  std::string html = render_html(page_with("q", "cv_summary", cv));
  CHECK_THAT(html, Contains("cross-validation, 2 folds"));
  auto got = bars(figure(html, "fig-q-summary"));
  CHECK(got.size() == 3);
  CHECK(got.count("mean: 0.60"));
  CHECK_FALSE(got.count("std: 0.10"));

  json counts = {{"order", {"songs", "kept"}},
                 {"tables",
                  {{"songs", {{"rows", 6}, {"counts", {{"rock", 4}, {"jazz", 2}}}}},
                   {"kept", {{"rows", 3}, {"counts", {{"rock", 2}, {"jazz", 1}}}}}}}};
  html = render_html(page_with("c", "label_counts", counts));
  auto c = bars(figure(html, "fig-c-counts"));
  CHECK(c.size() == 4);
  CHECK(c.count("rock / songs: 4"));
  CHECK(c.count("jazz / kept: 1"));
}

TEST_CASE("html: the DAG lists every node with its inputs, what ran and for how long", "[html]") {
  ReportPage p;
  p.script = "s.genre";
  p.source = "line <one>\nline two";
  p.nodes = {{"songs/csv", "csv", {}, false, 0, 2.0, false},
             {"s/split", "split", {{0, ""}}, true, 1.25, -1, false},
             {"r/evaluate", "evaluate", {{1, "test"}, {0, ""}}, true, 0.5, -1, true}};
  p.quarantine = {{"notes/midi_folder", "rock/<bad>.mid", "not a MIDI file"}};
  std::string html = render_html(p);
  CHECK_THAT(html, Contains("<a href=\"#quarantine\">"));
  CHECK_THAT(html, Contains("<section id=\"quarantine\">"));
  CHECK_THAT(html, Contains("<td>rock/&lt;bad&gt;.mid</td><td>not a MIDI file</td>"));
  std::string dag = figure(html, "fig-dag");
  REQUIRE(!dag.empty());
  CHECK(count(dag, "<a href=\"#node-") == 3);
  CHECK_THAT(html, Contains("3 nodes: 2 ran (1.8 s of op time), 1 reused from the cache (computed in 2.0 s by earlier runs)"));
  CHECK_THAT(html, Contains("<a href=\"#node-1\">s/split.test</a>"));
  CHECK(count(html, "<tr id=\"node-") == 3);
  CHECK(count(html, " class=\"ran\"") == 2);
  CHECK_THAT(dag, Contains("split · 1.25 s"));
  CHECK_THAT(dag, Contains("csv · cached (2.00 s)"));  // the op time of the run that computed it
  CHECK_THAT(html, Contains("<td>cached (seconds when computed)</td>"));
  // Layers by depth: each node below its inputs.
  std::regex box(R"re(<title>([^<]*)</title><rect x="[^"]*" y="([^"]*)")re");
  std::map<std::string, double> y;
  for (auto it = std::sregex_iterator(dag.begin(), dag.end(), box); it != std::sregex_iterator(); ++it)
    y[(*it)[1]] = std::stod((*it)[2]);
  REQUIRE(y.size() == 3);
  CHECK(y["songs/csv (csv)"] < y["s/split (split)"]);
  CHECK(y["s/split (split)"] < y["r/evaluate (evaluate)"]);
  CHECK_THAT(html, Contains("line &lt;one&gt;"));
}

TEST_CASE("html: an expansion's nodes (a grid's trials) share one box with their count", "[html]") {
  ReportPage p;
  p.script = "s.genre";
  p.nodes = {{"s/split", "split", {}, false, 0, 0.5, false}};
  for (int k : {3, 9})
    for (int fold : {1, 2, 3})
      p.nodes.push_back({fmt::format("tuned[k={} fold={}]/trial", k, fold), "trial", {{0, "train"}}, fold < 3, 1.5, 4.0, false});
  p.nodes.push_back({"tuned/grid_select", "grid_select", {{1, ""}, {2, ""}, {3, ""}, {4, ""}, {5, ""}, {6, ""}}, true, 0.25, -1, true});
  std::string dag = figure(render_html(p), "fig-dag");
  CHECK(count(dag, "<a href=\"#node-") == 3);  // split, the six trials, grid_select
  CHECK_THAT(dag, Contains("tuned/trial ×6"));
  CHECK_THAT(dag, Contains("trial · 4 ran, 6.00 s"));  // four ran this time (1.5 s each); two came from the cache
  CHECK_THAT(dag, Contains("<title>tuned/trial (trial): 6 nodes, 4 ran</title>"));
  CHECK(count(dag, "<path d=\"M") == 2);  // one edge per pair of boxes, however many nodes they hold
}

TEST_CASE("svg: a bar chart from_data starts its axis near the least value, and says so", "[html]") {
  svg::BarChart b;
  b.title = "accuracy";
  b.y_title = "score";
  b.groups = {"knn", "mlp"};
  b.values = {{0.67}, {0.76}};
  std::string zero = svg::bar_chart(b);
  b.from_data = true;
  std::string data = svg::bar_chart(b);
  CHECK(zero.find("axis from") == std::string::npos);
  CHECK_THAT(data, Contains("score (axis from 0.6"));
  auto z = bars(zero), d = bars(data);
  double ratio_zero = z["mlp: 0.76"].second / z["knn: 0.67"].second, ratio_data = d["mlp: 0.76"].second / d["knn: 0.67"].second;
  CHECK(ratio_zero == Approx(0.76 / 0.67).epsilon(0.02));
  CHECK(ratio_data > 1.3);  // the difference is visible: bars measure from the axis's foot
  // Both bars still stand on the same baseline, the axis's foot.
  CHECK(d["knn: 0.67"].first + d["knn: 0.67"].second == Approx(d["mlp: 0.76"].first + d["mlp: 0.76"].second).margin(0.1));
  // Values near 0 keep the axis at 0.
  b.values = {{0.05}, {0.76}};
  CHECK(svg::bar_chart(b).find("axis from") == std::string::npos);
}
