// cluster against SciPy's linkage (tests/data/cluster, made by gen_cluster.py):
// the same merges in the same order, heights to 1e-9, for ward, average and
// complete on three data sets (one full of ties); then the dendrogram's text
// and SVG views on a tree small enough to draw by hand.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "ops/analysis/dendrogram.h"
#include "runtime/present/report.h"
#include "text_helpers.h"

using genre::json;
using tabtest::error_of;
using tabtest::run;
using Catch::Contains;

namespace {

std::string dir() { return std::string(GENRE_TEST_DIR) + "/data/cluster/"; }

json cluster(const genre::Table& t, const std::string& method) {
  return std::get<json>(run("cluster", {{"method", method}, {"metric", "euclidean"}}, {{"data", t}}));
}

}  // namespace

TEST_CASE("cluster: the merge list equals scipy's linkage", "[cluster]") {
  for (std::string set : {"blobs", "hist", "ties"}) {
    genre::Table x = tabtest::csv(dir() + set + ".csv");
    for (std::string method : {"ward", "average", "complete"}) {
      SECTION(set + " " + method) {
        json d = cluster(x, method)["dendrogram"];
        genre::Table ref = tabtest::csv(dir() + set + "_" + method + ".csv");
        REQUIRE(d["merges"].size() == ref.rows());
        REQUIRE(d["names"].size() == x.rows());
        CHECK(d["names"][0] == "r0");
        CHECK(d["method"] == method);
        for (size_t i = 0; i < ref.rows(); ++i) {
          INFO("merge " << i);
          const json& m = d["merges"][i];
          CHECK(m[0].get<double>() == ref.column("a").num[i]);
          CHECK(m[1].get<double>() == ref.column("b").num[i]);
          CHECK(std::abs(m[2].get<double>() - ref.column("height").num[i]) <= 1e-9);
          CHECK(m[3].get<double>() == ref.column("size").num[i]);
        }
      }
    }
  }
}

TEST_CASE("cluster: columns and names can be chosen - bad tables are errors", "[cluster]") {
  genre::Table x = tabtest::csv(dir() + "ties.csv");
  // Only f0: rows 5 and 6 (3, 0) and 0..4 split along one axis.
  json d = std::get<json>(run("cluster", {{"columns", {"f0"}}, {"names", "name"}}, {{"data", x}}))["dendrogram"];
  CHECK(d["merges"][0] == json{0, 1, 0.0, 2});
  CHECK(d["merges"].back()[3] == 10);

  genre::Table one = x.take({0});
  CHECK_THAT(error_of([&] { cluster(one, "ward"); }), Contains("has 1 row(s); clustering needs at least 2"));
  genre::Table gap = x;
  gap.cols[2].num[3] = genre::missing;
  CHECK_THAT(error_of([&] { cluster(gap, "ward"); }), Contains("row 4, column f1: a missing or infinite value"));
}

// a, b merge at 1; c joins them at 2. Leaves top to bottom: c (the root's a side), a, b.
const json small = {{"dendrogram",
                     {{"method", "ward"},
                      {"metric", "euclidean"},
                      {"names", {"a", "b", "c"}},
                      {"merges", {{0, 1, 1.0, 2}, {2, 3, 2.0, 3}}}}}};

TEST_CASE("dendrogram: leaf order and the text tree", "[cluster][report]") {
  CHECK(genre::dendrogram_order(small) == std::vector<int>{2, 0, 1});
  std::string want =
      "c ────┬──\n"
      "a ──┬─┘\n"
      "b ──┘\n"
      "  ├─┼─┤\n"
      "  0 1 2   (height)\n";
  CHECK(genre::dendrogram_text(small, 4) == want);

  genre::TextTable m = genre::merge_table(small, false);
  REQUIRE(m.rows.size() == 2);
  CHECK(m.rows[0] == std::vector<std::string>{"3", "a", "b", "1.0000", "2"});
  CHECK(m.rows[1] == std::vector<std::string>{"4", "c", "#3", "2.0000", "3"});
}

TEST_CASE("dendrogram: the report prints it and writes the merge CSV and the SVG", "[cluster][report]") {
  tabtest::TempDir out;
  genre::register_all();  // the report kinds
  std::string text = genre::describe({"tree", "cluster", small});
  CHECK_THAT(text, Contains("3 rows, ward linkage, euclidean distance"));
  std::string b_line = "\nb ";  // 48 columns by default: b's line reaches height 1 at column 24
  for (int i = 0; i < 24; ++i) b_line += "─";
  CHECK_THAT(text, Contains(b_line + "┘\n"));
  CHECK_THAT(text, Contains("\n 4        c  #3  2.0000     3\n"));
  genre::write_outputs(out.dir, {{"tree", "cluster", small}});
  std::ifstream csv(out.dir / "tree_merges.csv");
  std::stringstream ss;
  ss << csv.rdbuf();
  CHECK(ss.str() == "cluster,a,b,height,size,a_name,b_name\n3,0,1,1,2,a,b\n4,2,3,2,3,c,\n");
  std::ifstream svg(out.dir / "tree_dendrogram.svg");
  std::stringstream sv;
  sv << svg.rdbuf();
  std::string s = sv.str();
  CHECK(s.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0) == 0);
  CHECK_THAT(s, Contains(">c</text>"));
  CHECK_THAT(s, Contains("<title>c + #3: height 2</title>"));
  CHECK(s.find("href") == std::string::npos);  // self-contained: nothing to fetch
  CHECK(s.size() > 100);
  CHECK(s.substr(s.size() - 7) == "</svg>\n");
}

// Real notes end to end: msd-lakh-sample's MIDI files through midi_folder,
// pitch_histograms and cluster, against the histograms and ward linkage
// computed from the mido-based note lists of midi-ref (gen_cluster.py). Those
// round durations to 1e-6 s, which moves a share of many short drum notes by
// up to 1e-5: hence the looser tolerances here (the linkage itself is tested
// to 1e-9 above).
TEST_CASE("pitch_histograms + cluster on msd-lakh-sample equal mido + scipy", "[cluster][midi][shared]") {
  std::string midi = std::string(GENRE_SHARED_DATA) + "/msd-lakh-sample/midi";
  if (!std::filesystem::is_directory(midi)) {
    WARN("skipped: no " << midi);
    return;
  }
  genre::Table notes = tabtest::run_table("midi_folder", {{"path", midi}});
  genre::Table h = tabtest::run_table("pitch_histograms", {{"by", "program"}, {"weight", "duration"}}, {{"data", notes}});
  genre::Table ref = tabtest::run_table("csv", {{"path", dir() + "msd_lakh_hist.csv"}, {"text", {"group"}}});
  REQUIRE(h.rows() == ref.rows());
  for (size_t r = 0; r < ref.rows(); ++r) {
    std::string want = ref.column("group").text[r];
    std::string name = h.column("name").text[r];
    INFO("row " << r << ": " << name << " vs " << want);
    CHECK(name.substr(0, name.find(' ')) == want);
    for (int p = 0; p < 128; ++p) {
      std::string c = "p" + std::to_string(p);
      CHECK(std::abs(h.column(c).num[r] - ref.column(c).num[r]) <= 5e-5);
    }
  }
  json d = cluster(h, "ward")["dendrogram"];
  genre::Table z = tabtest::csv(dir() + "msd_lakh_ward.csv");
  REQUIRE(d["merges"].size() == z.rows());
  for (size_t i = 0; i < z.rows(); ++i) {
    INFO("merge " << i);
    CHECK(d["merges"][i][0].get<double>() == z.column("a").num[i]);
    CHECK(d["merges"][i][1].get<double>() == z.column("b").num[i]);
    CHECK(std::abs(d["merges"][i][2].get<double>() - z.column("height").num[i]) <= 5e-5);
  }
}
