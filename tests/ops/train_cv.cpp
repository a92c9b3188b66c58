// Cross-validation of a whole pipeline: split transforms fitted per fold (a
// fold's held-out rows never reach its scaler or vocabulary), cv's per-fold
// scores and their mean and population std, and the planner's expansion.
// Expected numbers are worked out by hand in the comments.
#include <cmath>
#include <set>
#include <sstream>

#include "ops/text/utf8.h"
#include "tabular_helpers.h"
#include "train_script.h"

using namespace traintest;
using Catch::Contains;
using Catch::WithinAbs;

namespace {

Table rows(const std::vector<double>& x, const std::vector<std::string>& text, const std::vector<std::string>& y) {
  Table t;
  t.source = "made.csv";
  t.label = "g";
  t.cols.push_back(Column{.name = "x", .numeric = true, .num = x});
  Column tc{.name = "text", .numeric = false, .text = text};
  tc.present.assign(text.size(), 1);
  t.cols.push_back(tc);
  Column g{.name = "g", .numeric = false, .text = y};
  g.present.assign(y.size(), 1);
  t.cols.push_back(g);
  return t;
}

// Two folds of four rows, as kfold names its parts:
//   R1 x=0 "rock guitar", R2 x=10 "pop song"  | R3 x=5 "zebra rock", R4 x=20 "pop zebra"
// fold 1 trains on R1 R2 and holds out R3 R4; fold 2 the other way round.
Split two_folds() {
  Table a = rows({0, 10}, {"rock guitar", "pop song"}, {"x", "y"});
  Table b = rows({5, 20}, {"zebra rock", "pop zebra"}, {"x", "y"});
  Split s;
  s.parts = {{"fold1_train", a}, {"fold1_val", b}, {"fold2_train", b}, {"fold2_val", a}};
  return s;
}

std::vector<double> xs(const Split& s, const std::string& part) { return s.part(part).column("x").num; }

}  // namespace

TEST_CASE("cv: a scaler on a kfold split is fitted on each foldN_train only", "[cv]") {
  Split s = tabtest::run_split("minmax", json::object(), {{"data", two_folds()}});
  // fold 1: min 0, range 10 -> R3 5 -> 0.5, R4 20 -> 2 (fitted on all rows, 5 would be 0.25)
  CHECK(xs(s, "fold1_train") == std::vector<double>{0, 1});
  CHECK(xs(s, "fold1_val") == std::vector<double>{0.5, 2});
  // fold 2: min 5, range 15 -> R1 0 -> -1/3, R2 10 -> 1/3
  CHECK(xs(s, "fold2_train") == std::vector<double>{0, 1});
  REQUIRE(xs(s, "fold2_val").size() == 2);
  CHECK_THAT(xs(s, "fold2_val")[0], WithinAbs(-1.0 / 3, 1e-15));
  CHECK_THAT(xs(s, "fold2_val")[1], WithinAbs(1.0 / 3, 1e-15));
  // parts keep their order
  CHECK(s.parts[1].first == "fold1_val");
  // fit_on named: that part's scaler everywhere (R1 0 -> 0, R2 10 -> 1 in fold2_val too)
  Split one = tabtest::run_split("minmax", {{"fit_on", "fold1_train"}}, {{"data", two_folds()}});
  CHECK(xs(one, "fold2_val") == std::vector<double>{0, 1});
  CHECK(xs(one, "fold2_train") == std::vector<double>{0.5, 2});
}

TEST_CASE("cv: standardize per fold - a part outside the folds is an error", "[cv]") {
  Split s = tabtest::run_split("standardize", json::object(), {{"data", two_folds()}});
  // fold 1: mean 5, population std 5 -> R3 (5-5)/5 = 0, R4 (20-5)/5 = 3
  CHECK(xs(s, "fold1_val") == std::vector<double>{0, 3});
  // fold 2: mean 12.5, std 7.5 -> R1 -12.5/7.5, R2 -2.5/7.5
  CHECK_THAT(xs(s, "fold2_val")[0], WithinAbs(-12.5 / 7.5, 1e-12));
  CHECK_THAT(xs(s, "fold2_val")[1], WithinAbs(-2.5 / 7.5, 1e-12));
  Split extra = two_folds();
  extra.parts.emplace_back("test", extra.parts[0].second);
  CHECK_THAT(tabtest::error_of([&] { tabtest::run_split("minmax", json::object(), {{"data", extra}}); }),
             Contains("part \"test\" belongs to no fold"));
}

TEST_CASE("cv: tokenize builds one vocabulary per fold - a word only in a fold's val part is OOV there", "[cv]") {
  Split s = tabtest::run_split("tokenize", {{"column", "text"}, {"max_len", 2}, {"vocab_size", 100}},
                               {{"data", two_folds()}});
  using Rows = std::vector<std::vector<float>>;
  auto ids = [&](const std::string& p) { return s.part(p).column("tokens").seq; };
  // fold 1 vocabulary from R1 R2: guitar 2, pop 3, rock 4, song 5 (one each: byte order); zebra = 1 (OOV)
  CHECK(ids("fold1_train") == Rows{{4, 2}, {3, 5}});
  CHECK(ids("fold1_val") == Rows{{1, 4}, {3, 1}});
  // fold 2 vocabulary from R3 R4: zebra 2 (twice), pop 3, rock 4; guitar and song are OOV
  CHECK(ids("fold2_train") == Rows{{2, 4}, {3, 2}});
  CHECK(ids("fold2_val") == Rows{{4, 1}, {3, 1}});
  json v = std::get<json>(tabtest::run("vocabulary", {{"column", "text"}}, {{"data", s}}));
  CHECK(v["built_on"] == "fold1_train");
  CHECK(v["words"] == 4);
  CHECK(v["oov_share"]["fold1_val"] == 0.5);
}

TEST_CASE("cv: one fold's scores (cv_fold) against a hand-computed case", "[cv]") {
  // knn(k: 1): train a at 0 1 2, b at 10 11 12; test 0.5 1.5 10.5 5.9 6.1 -> predicted a a b a b
  Value train = rows({0, 1, 2, 10, 11, 12}, {"", "", "", "", "", ""}, {"a", "a", "a", "b", "b", "b"});
  Value test = rows({0.5, 1.5, 10.5, 5.9, 6.1}, {"", "", "", "", ""}, {"a", "b", "b", "b", "b"});
  json r = std::get<json>(tabtest::run("cv_fold",
                                       {{"model", {{"spec", "knn"}, {"k", 1}}},
                                        {"metrics", {"accuracy", "macro_f1", "precision", "recall"}}},
                                       {{"data", train}, {"test", test}}));
  // truth a b b b b: right 1, 3, 5 -> 3/5. a: precision 1/3, recall 1; b: precision 1, recall 2/4.
  CHECK_THAT(r["accuracy"].get<double>(), WithinAbs(0.6, 1e-15));
  CHECK_THAT(r["precision"].get<double>(), WithinAbs((1.0 / 3 + 1) / 2, 1e-15));
  CHECK_THAT(r["recall"].get<double>(), WithinAbs((1 + 0.5) / 2, 1e-15));
  // F1 a = 2 (1/3)(1) / (4/3) = 1/2, F1 b = 2 (1)(1/2) / (3/2) = 2/3
  CHECK_THAT(r["macro_f1"].get<double>(), WithinAbs((0.5 + 2.0 / 3) / 2, 1e-15));
  CHECK(r["rows"] == 5);
  CHECK(r["train_rows"] == 6);
  // The held-out rows' classes, kept for verify: truth a b b b b, predicted a a b a b.
  CHECK(r["predictions"]["classes"] == json({"a", "b"}));
  CHECK(r["predictions"]["truth"] == json({0, 1, 1, 1, 1}));
  CHECK(r["predictions"]["pred"] == json({0, 0, 1, 0, 1}));
}

TEST_CASE("cv: the summary keeps each fold's predictions and all folds' rows in one class numbering", "[cv]") {
  // Fold 1's model knew classes b and c, fold 2's a and c: pooled, a = 0, b = 1, c = 2.
  Value f1 = json{{"accuracy", 0.5}, {"rows", 2},
                  {"predictions", {{"truth", {0, 1}}, {"pred", {0, 0}}, {"classes", {"b", "c"}}}}};
  Value f2 = json{{"accuracy", 1.0}, {"rows", 1}, {"predictions", {{"truth", {0}}, {"pred", {0}}, {"classes", {"a", "c"}}}}};
  register_all();
  OpContext ctx;
  ctx.params = {{"metrics", {"accuracy"}}};
  ctx.inputs = {{"folds", "r[fold=1]", &f1}, {"folds", "r[fold=2]", &f2}};
  json r = std::get<json>((*find_op("cv_summary"))(ctx));
  CHECK(r["predictions"]["fold1"] == json{{"truth", {0, 1}}, {"pred", {0, 0}}});
  CHECK(r["predictions"]["fold2"] == json{{"truth", {0}}, {"pred", {0}}});
  CHECK(r["predictions"]["mean"] == json{{"truth", {1, 2, 0}}, {"pred", {1, 1, 0}}});
  CHECK(r["predictions"]["std"] == r["predictions"]["mean"]);
  CHECK_FALSE(r["models"]["fold1"].contains("predictions"));  // not in results.json's tables
}

TEST_CASE("cv: the summary's mean and population std, computed by hand", "[cv]") {
  Value f1 = json{{"accuracy", 0.5}, {"macro_f1", 0.2}, {"rows", 4}};
  Value f2 = json{{"accuracy", 1.0}, {"macro_f1", 0.4}, {"rows", 4}};
  Value f3 = json{{"accuracy", 0.75}, {"macro_f1", 0.9}, {"rows", 3}};
  register_all();
  OpContext ctx;
  ctx.params = {{"metrics", {"accuracy", "macro_f1"}}};
  ctx.inputs = {{"folds", "r[fold=1]", &f1}, {"folds", "r[fold=2]", &f2}, {"folds", "r[fold=3]", &f3}};
  json r = std::get<json>((*find_op("cv_summary"))(ctx));
  // accuracy: mean 0.75; deviations -.25 .25 0 -> sqrt(0.125 / 3)
  CHECK_THAT(r["models"]["mean"]["accuracy"].get<double>(), WithinAbs(0.75, 1e-15));
  CHECK_THAT(r["models"]["std"]["accuracy"].get<double>(), WithinAbs(0.20412414523193154, 1e-15));
  // scipy.stats.t.interval(0.95, 2, loc=0.75, scale=scipy.stats.sem([0.5, 1.0, 0.75])) = (0.12896557203906178,
  // 1.371034427960938), its upper end clipped to 1, where an accuracy ends.
  CHECK_THAT(r["models"]["mean"]["accuracy_ci"][0].get<double>(), WithinAbs(0.12896557203906178, 1e-9));
  CHECK(r["models"]["mean"]["accuracy_ci"][1].get<double>() == 1.0);
  // macro_f1: mean 0.5; deviations -.3 -.1 .4 -> sqrt(0.26 / 3)
  CHECK_THAT(r["models"]["mean"]["macro_f1"].get<double>(), WithinAbs(0.5, 1e-15));
  CHECK_THAT(r["models"]["std"]["macro_f1"].get<double>(), WithinAbs(0.29439202887759497, 1e-15));
  CHECK(r["order"] == json({"fold1", "fold2", "fold3", "mean", "std"}));
  CHECK(r["models"]["fold3"]["accuracy"] == 0.75);
  CHECK(r["rows"] == 11);
  CHECK(r["cv"]["std_kind"] == "population");
}

namespace {

// 24 rows, two classes apart on x, and lyrics whose words are mostly unique to a row.
std::string lyrics_csv(const Folder& f) {
  std::ostringstream s;
  s << "x,text,g\n";
  for (int i = 0; i < 24; ++i)
    s << (i % 2 ? 100 + i : i) << ",common w" << i << " shared" << (i % 3) << "," << (i % 2 ? "b" : "a") << "\n";
  return f.write("lyrics.csv", s.str());
}

}  // namespace

TEST_CASE("cv: a whole pipeline planned per fold and run - no fold's val words reach its vocabulary", "[cv]") {
  Folder f;
  std::string csv = lyrics_csv(f);
  std::string script = "dataset t = csv(\"" + csv + "\", label: \"g\")\n"
                       "split folds = t |> kfold(3, seed: 7) |> standardize |> tokenize(\"text\", max_len: 3, vocab_size: 100)\n"
                       "report r = cv(knn(k: 1), folds) { accuracy, macro_f1, precision, recall }\n";
  auto l = lower_script(f, script, {"r", "folds"});
  // one node per fold, then the summary; the folds read the transformed split's parts
  for (int k = 1; k <= 3; ++k) {
    const Node& n = node(l->plan, "r[fold=" + std::to_string(k) + "]/cv_fold");
    REQUIRE(n.inputs.size() == 2);
    CHECK(l->plan.nodes[n.inputs[0].node].label == "folds/tokenize");
    CHECK(n.inputs[0].part == "fold" + std::to_string(k) + "_train");
    CHECK(n.inputs[1].part == "fold" + std::to_string(k) + "_val");
    CHECK(n.params["model"] == json({{"spec", "knn"}, {"k", 1}}));
  }
  CHECK(node(l->plan, "r/cv_summary").inputs.size() == 3);

  RunResult run = run_plan(f, l->plan);
  const Split& s = std::get<Split>(target(run, "folds"));
  for (int k = 1; k <= 3; ++k) {
    const Table& tr = s.part("fold" + std::to_string(k) + "_train");
    const Table& va = s.part("fold" + std::to_string(k) + "_val");
    std::set<std::string> seen;
    for (auto& t : tr.column("text").text)
      for (auto& w : text::words(t)) seen.insert(w);
    size_t unseen = 0;
    for (size_t r = 0; r < va.rows(); ++r) {
      auto w = text::words(va.column("text").text[r]);
      for (size_t i = 0; i < w.size(); ++i) {
        INFO("fold " << k << " val row " << r + 1 << " word " << w[i]);
        if (seen.count(w[i])) {
          CHECK(va.column("tokens").seq[r][i] > 1);
        } else {
          CHECK(va.column("tokens").seq[r][i] == 1);  // out of vocabulary
          ++unseen;
        }
      }
    }
    CHECK(unseen == va.rows());  // each val row has its own w<i>
    // standardized on the fold's training rows: mean 0 there
    double m = 0;
    for (double x : tr.column("x").num) m += x;
    CHECK_THAT(m / double(tr.rows()), WithinAbs(0, 1e-12));
  }
  const json& r = std::get<json>(target(run, "r"));
  CHECK(r["order"] == json({"fold1", "fold2", "fold3", "mean", "std"}));
  CHECK(r["rows"] == 24);
  for (std::string m : {"accuracy", "macro_f1", "precision", "recall"}) {
    double mean = 0, sq = 0;
    for (int k = 1; k <= 3; ++k) mean += r["models"]["fold" + std::to_string(k)][m].get<double>() / 3;
    for (int k = 1; k <= 3; ++k) sq += std::pow(r["models"]["fold" + std::to_string(k)][m].get<double>() - mean, 2);
    CHECK_THAT(r["models"]["mean"][m].get<double>(), WithinAbs(mean, 1e-12));
    CHECK_THAT(r["models"]["std"][m].get<double>(), WithinAbs(std::sqrt(sq / 3), 1e-12));
  }
  // the classes are far apart on x: knn(k: 1) gets every fold right
  CHECK(r["models"]["mean"]["accuracy"] == 1.0);
}

TEST_CASE("cv: on a table cv makes the folds itself - errors at the script position", "[cv]") {
  Folder f;
  std::string csv = lyrics_csv(f);
  std::string head = "dataset t = csv(\"" + csv + "\", label: \"g\")\n";
  auto l = lower_script(f, head + "report r = cv(knn(k: 1), t, k: 4, seed: 3)\n");
  const Node& folds = node(l->plan, "r/kfold");
  CHECK(folds.params["k"] == 4);
  CHECK(folds.params["seed"] == 3);
  CHECK(node(l->plan, "r[fold=4]/cv_fold").inputs[1].part == "fold4_val");
  CHECK(node(l->plan, "r[fold=1]/cv_fold").params["metrics"] == json::array());  // default: accuracy, macro_f1

  auto e = plan_error(f, head + "split s = t |> split(train: 50%, test: 50%)\nreport r = cv(knn, s)\n");
  CHECK(e.message == "cv needs a split made by kfold (parts fold1_train, fold1_val, ...), but 's' does not come from kfold");
  CHECK(e.range.begin.line == 3);
  CHECK(e.range.begin.col == 20);

  e = plan_error(f, head + "split s = t |> kfold(3)\nreport r = cv(knn, s, k: 5)\n");
  CHECK(e.message == "k is 5 but 's' has 3 folds (from its kfold)");
  CHECK(e.range.begin.col == 26);
}
