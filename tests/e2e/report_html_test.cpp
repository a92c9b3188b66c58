// End to end: `genre run` writes out/<script>/report.html, a self-contained
// page with every target's plots. Checked as text (every figure, no reference
// leaving the page, the plotted numbers are results.json's) and, where Debian's
// chromium is installed, rendered headless to a PNG and to its DOM.
#include <catch2/catch.hpp>

#include <zlib.h>
#include <fmt/format.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <tuple>

#include "shell.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

using e2e::count;
using e2e::slurp;
using e2e::TempDir;

// The text of <figure id="id">...</figure>.
std::string figure(const std::string& html, const std::string& id) {
  size_t a = html.find("<figure id=\"" + id + "\">");
  if (a == std::string::npos) return "";
  size_t b = html.find("</figure>", a);
  return html.substr(a, b == std::string::npos ? std::string::npos : b - a);
}

// A classifier with training curves, KNN, a grid (its trials), tags and a cluster: every kind of plot.
std::string study(const fs::path& dir) {
  std::string fma = e2e::fma_csv();
  std::ofstream(dir / "tags.csv") << "song,term\n1,rock\n1,punk\n2,rock\n3,jazz\n4,jazz\n4,blues\n5,rock\n5,blues\n6,punk\n";
  std::ofstream(dir / "feats.csv") << "name,a,b\nbass,0,0\ncello,0.2,0.1\ndrums,5,5\nsnare,5.3,5.1\n<piano & \"organ\">,2,9\n";
  return "dataset tracks = csv(\"" + fma + "\", label: \"genre_top\") |> drop_columns([\"track_id\"])\n"
         "split s = tracks |> split(train: 70%, val: 10%, test: 20%, stratify: label, seed: 1) |> minmax(-1, 1)\n"
         "model mlp = classifier { dense(32, relu) dense(softmax) }\n"
         "  with { optimizer: adam(lr: 0.01), batch: 256, epochs: 3, loss: cross_entropy, seed: 1 }\n"
         "train nn = fit(mlp, s.train, validate: s.val)\n"
         "train knn5 = fit(knn(k: 5), s.train)\n"
         "train tuned = grid(knn(k: 5), s.train, cv: 2, over: { k: [3, 9] }, score: acc_val)\n"
         "report r = evaluate([nn, knn5, tuned], s.test) { accuracy, macro_f1, confusion, pr_curve, pr_auc, history, trials }\n"
         "dataset tagged = csv(\"tags.csv\", text: [\"song\"])\n"
         "report t = tag_table(tagged, item: \"song\", tag: \"term\")\n"
         "report c = cluster(csv(\"feats.csv\"), names: \"name\", method: average)\n";
}

const std::vector<std::string> kFigures = {
    "fig-r-summary",   "fig-r-pr_auc",      "fig-r-f1",           "fig-r-nn-confusion", "fig-r-nn-pr",    "fig-r-nn-training",
    "fig-r-knn5-confusion", "fig-r-knn5-pr", "fig-r-tuned-confusion", "fig-r-tuned-pr", "fig-r-tuned-trials",
    "fig-t-share",     "fig-t-jaccard",     "fig-c-dendrogram",   "fig-dag"};

// The PNG's width, height and distinct colours (8-bit RGB or RGBA, not interlaced),
// decoded with zlib: a blank or failed render has one or two colours.
struct Png {
  uint32_t width = 0, height = 0;
  size_t colours = 0;
  double ink = 0;  // share of pixels that are not near-white
};

uint32_t be32(const unsigned char* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }

Png decode(const std::string& bytes) {
  Png png;
  const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
  REQUIRE(bytes.size() > 33);
  REQUIRE(bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0);
  png.width = be32(b + 16);
  png.height = be32(b + 20);
  int depth = b[24], type = b[25], interlace = b[28];
  REQUIRE(depth == 8);
  REQUIRE((type == 2 || type == 6));
  REQUIRE(interlace == 0);
  size_t bpp = type == 6 ? 4 : 3;
  std::string idat;
  for (size_t at = 8; at + 8 <= bytes.size();) {
    uint32_t len = be32(b + at);
    std::string kind = bytes.substr(at + 4, 4);
    if (kind == "IDAT") idat += bytes.substr(at + 8, len);
    at += 12 + len;
  }
  size_t stride = png.width * bpp;
  std::vector<unsigned char> raw((stride + 1) * png.height);
  uLongf got = raw.size();
  REQUIRE(uncompress(raw.data(), &got, reinterpret_cast<const Bytef*>(idat.data()), idat.size()) == Z_OK);
  REQUIRE(got == raw.size());
  std::vector<unsigned char> prev(stride, 0), cur(stride);
  std::set<uint32_t> colours;
  size_t inked = 0;
  for (uint32_t y = 0; y < png.height; ++y) {
    const unsigned char* line = raw.data() + y * (stride + 1);
    int filter = line[0];
    for (size_t i = 0; i < stride; ++i) {
      int a = i >= bpp ? cur[i - bpp] : 0, up = prev[i], c = i >= bpp ? prev[i - bpp] : 0, x = line[1 + i];
      int p = a + up - c, pa = std::abs(p - a), pb = std::abs(p - up), pc = std::abs(p - c);
      int pred = filter == 1 ? a : filter == 2 ? up : filter == 3 ? (a + up) / 2
                 : filter == 4 ? (pa <= pb && pa <= pc ? a : pb <= pc ? up : c) : 0;
      cur[i] = static_cast<unsigned char>(x + pred);
    }
    for (size_t px = 0; px < png.width; ++px) {
      const unsigned char* q = &cur[px * bpp];
      colours.insert(uint32_t(q[0]) << 16 | uint32_t(q[1]) << 8 | q[2]);
      inked += q[0] < 200 || q[1] < 200 || q[2] < 200;
    }
    std::swap(prev, cur);
  }
  png.colours = colours.size();
  png.ink = double(inked) / double(png.width * png.height);
  return png;
}

// The study, run once for all the sections below (Catch2 runs the test case again per section).
struct Run {
  TempDir d;
  std::string command, out, html;
  int rc = -1;
  fs::path page, first;  // the page, and a copy of the first run's
  json results;
  Run() {
    std::ofstream(d.path / "study.genre") << study(d.path);
    command = std::string(GENRE_BIN) + " run " + (d.path / "study.genre").string() + " --cache " +
              (d.path / "cache").string() + " --out " + (d.path / "out").string() + " -j 2";
    std::tie(rc, out) = e2e::run(command);
    page = d.path / "out" / "report.html";
    first = d.path / "first.html";
    if (rc != 0 || !fs::exists(page)) return;
    fs::copy_file(page, first);
    html = slurp(page);
    results = json::parse(slurp(d.path / "out" / "results.json"));
  }
};

}  // namespace

TEST_CASE("genre run writes a self-contained report.html with every plot", "[e2e][html]") {
  static Run r;
  INFO(r.out);
  REQUIRE(r.rc == 0);
  REQUIRE(fs::exists(r.page));
  const TempDir& d = r.d;
  const std::string& html = r.html;
  const json& results = r.results;
  const fs::path page = r.first;
  CHECK(r.out.find("report in " + r.page.string()) != std::string::npos);

  SECTION("every expected figure is there, each an inline SVG with a caption") {
    for (auto& id : kFigures) {
      INFO(id);
      std::string f = figure(html, id);
      REQUIRE(!f.empty());
      CHECK(f.find("<svg") != std::string::npos);
      CHECK(f.find("</svg>") != std::string::npos);
      CHECK(f.find("<figcaption>") != std::string::npos);
    }
    CHECK(count(html, "<figure ") == kFigures.size());
    CHECK(count(html, "<svg") == count(html, "</svg>"));
  }

  SECTION("nothing leaves the page: every src/href is data: or a #fragment that exists") {
    std::set<std::string> ids;
    std::regex id_re(R"re(\sid="([^"]*)")re");
    for (auto it = std::sregex_iterator(html.begin(), html.end(), id_re); it != std::sregex_iterator(); ++it)
      CHECK(ids.insert((*it)[1]).second);  // ids are unique
    std::regex ref_re(R"re(\s(?:src|href|xlink:href)\s*=\s*"([^"]*)")re");
    size_t refs = 0;
    for (auto it = std::sregex_iterator(html.begin(), html.end(), ref_re); it != std::sregex_iterator(); ++it, ++refs) {
      std::string ref = (*it)[1];
      INFO(ref);
      if (ref.starts_with("data:")) continue;
      REQUIRE(ref.starts_with("#"));
      CHECK(ids.count(ref.substr(1)));
    }
    CHECK(refs > 10);  // the contents and the DAG link within the page
    CHECK(html.find("<script") == std::string::npos);
    CHECK(html.find("<link") == std::string::npos);
    CHECK(html.find("url(") == std::string::npos);
    CHECK(html.find("@import") == std::string::npos);
  }

  SECTION("the report opens with the models ranked, each with results.json's interval, and whiskers on the bars") {
    size_t rank = html.find("models ranked by accuracy (95% intervals)");
    REQUIRE(rank != std::string::npos);
    CHECK(rank < html.find("id=\"fig-r-summary\""));
    const json& m = results["r"];
    std::vector<std::pair<double, std::string>> by;
    for (auto name : {"nn", "knn5", "tuned"}) by.push_back({m[name]["accuracy"].get<double>(), name});
    std::stable_sort(by.begin(), by.end(), [](auto& a, auto& b) { return a.first > b.first; });
    size_t at = rank;
    for (auto& [acc, name] : by) {  // best first, each with its interval as the terminal prints it
      auto ci = m[name]["accuracy_ci"];
      std::string cell = fmt::format("{:.4f} [{:.4f}, {:.4f}]", acc, ci[0].get<double>(), ci[1].get<double>());
      INFO(name << ": " << cell);
      size_t found = html.find("<td>" + name + "</td><td>" + cell, at);
      CHECK(found != std::string::npos);
      if (found != std::string::npos) at = found;
    }
    std::string bars = figure(html, "fig-r-summary");
    CHECK(count(bars, " to 0.") == 6);  // a whisker per bar: 3 models x (accuracy, macro-F1), titled "lo to hi"
    CHECK(bars.find("whiskers: 95% bootstrap intervals") != std::string::npos);
  }

  SECTION("text from the data is escaped") {
    CHECK(html.find("&lt;piano &amp; &quot;organ&quot;&gt;") != std::string::npos);
    CHECK(html.find("<piano") == std::string::npos);
  }

  SECTION("the confusion heatmap shows results.json's counts, cell by cell") {
    std::string f = figure(html, "fig-r-knn5-confusion");
    // results.json keeps the matrix; its classes are the confusion CSV's header.
    std::ifstream csv(d.path / "out" / "r_knn5_confusion.csv");
    std::string header;
    std::getline(csv, header);
    std::vector<std::string> classes;
    for (size_t a = header.find(',') + 1, b; a != 0; a = b + 1) {
      b = header.find(',', a);
      classes.push_back(header.substr(a, b == std::string::npos ? std::string::npos : b - a));
      if (b == std::string::npos) break;
    }
    const json& conf = results["r"]["knn5"]["confusion"];
    REQUIRE(conf.size() == classes.size());
    CHECK(count(f, "<rect ") == 1 + classes.size() * classes.size());  // the background, then a cell each
    long total = 0;
    for (size_t i = 0; i < classes.size(); ++i)
      for (size_t j = 0; j < classes.size(); ++j) {
        // Each cell's tooltip: "true / predicted: count" (a class name may hold " / " itself).
        std::string cell = "<title>" + classes[i] + " / " + classes[j] + ": " + conf[i][j].dump() + "</title>";
        INFO(cell);
        CHECK(f.find(cell) != std::string::npos);
        total += conf[i][j].get<long>();
      }
    CHECK(total > 1000);  // 20 % of FMA's 9,355 tracks
  }

  SECTION("the DAG shows what ran, then a second run shows every node reused from the cache") {
    auto [prc, plan] = e2e::run(std::string(GENRE_BIN) + " plan " + (d.path / "study.genre").string() + " --cache " +
                                (d.path / "cache").string());
    REQUIRE(prc == 0);
    std::smatch m;
    REQUIRE(std::regex_search(plan, m, std::regex(R"((\d+) nodes: (\d+) cached, 0 to run)")));
    size_t nodes = std::stoul(m[1]);
    CHECK(count(html, "<tr id=\"node-") == nodes);
    CHECK(count(html, " class=\"ran\"") == nodes);  // a fresh cache: every node ran
    auto [rc2, out2] = e2e::run(r.command);
    REQUIRE(rc2 == 0);
    std::string again = slurp(r.page);
    CHECK(count(again, "<tr id=\"node-") == nodes);
    CHECK(count(again, " class=\"ran\"") == 0);
    CHECK(again.find(std::to_string(nodes) + " nodes: 0 ran") != std::string::npos);
    CHECK(figure(again, "fig-r-tuned-trials").find("k=9") != std::string::npos);
    // The timings of the run that computed each value stay on the page of a run that computed nothing.
    CHECK(again.find("reused from the cache (computed in ") != std::string::npos);
    CHECK(count(again, "cached (seconds when computed)") == nodes);
    // The grid's 4 trials (2 points x 2 folds) are one box in the drawing.
    CHECK(figure(again, "fig-dag").find("tuned/trial ×4") != std::string::npos);
  }

  SECTION("rendered by headless chromium: a real picture, every figure in the DOM") {
    if (e2e::run("command -v chromium").first != 0) {
      WARN("skipped: chromium not installed (apt-get install chromium)");
      return;
    }
    fs::path png = d.path / "report.png";
    std::string flags = " --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir=" +
                        (d.path / "chromium").string() + " ";
    auto [src, sout] = e2e::run("timeout 120 chromium" + flags + "--screenshot=" + png.string() +
                                " --window-size=1200,3000 file://" + page.string());
    INFO(sout);
    REQUIRE(fs::exists(png));
    Png p = decode(slurp(png));
    CHECK(p.width == 1200);
    CHECK(p.height == 3000);
    CHECK(p.colours > 200);  // text, heatmap shades, the palette
    CHECK(p.ink > 0.05);

    auto [drc, dom] = e2e::run("timeout 120 chromium" + flags + "--dump-dom file://" + page.string());
    REQUIRE(drc == 0);
    CHECK(count(dom, "<figure ") == kFigures.size());
    for (auto& id : kFigures) {
      INFO(id);
      CHECK(dom.find("<figure id=\"" + id + "\">") != std::string::npos);
    }
    CHECK(count(dom, "<svg ") >= kFigures.size() + 1);  // training curves are two charts
    CHECK(count(dom, "<figcaption>") == kFigures.size());
  }
}
