// The ops around the models: fit, trial, grid_select and evaluate, called as
// the runtime calls them (find_op + OpContext).
#include <catch2/catch.hpp>

#include "models_util.h"
#include "ops/models/model.h"
#include "runtime/core/metrics.h"
#include "runtime/core/op.h"
#include "runtime/core/stats.h"

using namespace genre;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

Value call(const std::string& op, json params, std::vector<Input> inputs) {
  register_all();
  const OpFn* fn = find_op(op);
  REQUIRE(fn);
  OpContext ctx;
  ctx.params = std::move(params);
  ctx.inputs = std::move(inputs);
  ctx.seed = 17;
  return (*fn)(ctx);
}

// Accuracy of scikit-learn's stored predictions on the test table.
double sklearn_accuracy(const std::string& key, const Table& test) {
  json ref = testing::read_json(testing::models_data("knn_svm_sklearn.json"));
  auto pred = ref[key]["pred"].get<std::vector<std::string>>();
  const Column& y = test.column("genre");
  size_t hit = 0;
  for (size_t i = 0; i < pred.size(); i++) hit += pred[i] == y.text[i];
  return double(hit) / double(pred.size());
}

json name(const std::string& n) { return {{"name", n}}; }
json op(const std::string& o, json a, json b) { return {{"op", o}, {"args", {a, b}}}; }
json lit(double v) { return {{"num", v}}; }

}  // namespace

TEST_CASE("fit and evaluate report scikit-learn's accuracy under the script's names", "[eval]") {
  Value train = testing::read_table(testing::models_data("knn_svm_train.csv"), "genre");
  Value test = testing::read_table(testing::models_data("knn_svm_test.csv"), "genre");
  Value knn = call("fit", {{"model", {{"spec", "knn"}, {"k", 5}}}}, {{"data", "s.train", &train}});
  Value svm = call("fit", {{"model", {{"spec", "svm"}}}}, {{"data", "s.train", &train}});
  Value maj = call("fit", {{"model", {{"spec", "baseline"}, {"strategy", "majority"}}}}, {{"data", "s.train", &train}});
  json r = std::get<json>(call("evaluate", {{"metrics", {"accuracy", "macro_f1", "f1", "confusion", "pr_auc", "pr_curve", "history"}}},
                                {{"models", "knn", &knn}, {"models", "svm", &svm}, {"models", "majority", &maj},
                                 {"data", "s.test", &test}}));
  CHECK(r["rows"] == 100);
  CHECK(r["classes"] == json({"blues", "jazz", "rock"}));
  CHECK_THAT(r["models"]["knn"]["accuracy"].get<double>(), WithinAbs(sklearn_accuracy("knn_k5_euclidean", std::get<Table>(test)), 1e-12));
  CHECK_THAT(r["models"]["svm"]["accuracy"].get<double>(), WithinAbs(sklearn_accuracy("svm_rbf_scale", std::get<Table>(test)), 1e-12));
  // The majority baseline predicts one class: its row of the confusion holds every row of that class.
  json cm = r["models"]["majority"]["confusion"];
  long total = 0, predicted_cols = 0;
  for (size_t t = 0; t < 3; t++)
    for (size_t p = 0; p < 3; p++) total += cm[t][p].get<long>();
  CHECK(total == 100);
  for (size_t p = 0; p < 3; p++) {
    long col = 0;
    for (size_t t = 0; t < 3; t++) col += cm[t][p].get<long>();
    predicted_cols += col > 0;
  }
  CHECK(predicted_cols == 1);
  // Only the predicted class and the true classes appear per class; precision etc. not asked for.
  CHECK(r["models"]["knn"]["per_class"]["jazz"].contains("f1"));
  CHECK_FALSE(r["models"]["knn"]["per_class"]["jazz"].contains("precision"));
  CHECK(r["models"]["svm"]["pr_auc"].size() == 3);
  CHECK(r["models"]["svm"]["pr_curve"]["rock"]["recall"].back() == 0);
  CHECK(r["models"]["knn"]["history"] == json::array());
  CHECK_FALSE(r["models"]["knn"].contains("trials"));
  // Every row's true and predicted class, kept for verify; they agree with the confusion matrix.
  json p = r["predictions"]["majority"];
  REQUIRE(p["truth"].size() == 100);
  REQUIRE(p["pred"].size() == 100);
  std::vector<std::vector<long>> counted(3, std::vector<long>(3, 0));
  for (size_t i = 0; i < 100; i++) counted[p["truth"][i].get<size_t>()][p["pred"][i].get<size_t>()]++;
  CHECK(json(counted) == cm);
  CHECK_FALSE(r["models"]["knn"].contains("predictions"));
}

TEST_CASE("evaluate gives every metric a bootstrap interval and compares every pair of models", "[eval]") {
  Value train = testing::read_table(testing::models_data("knn_svm_train.csv"), "genre");
  Value test = testing::read_table(testing::models_data("knn_svm_test.csv"), "genre");
  Value knn = call("fit", {{"model", {{"spec", "knn"}, {"k", 5}}}}, {{"data", "s.train", &train}});
  Value svm = call("fit", {{"model", {{"spec", "svm"}}}}, {{"data", "s.train", &train}});
  Value maj = call("fit", {{"model", {{"spec", "baseline"}, {"strategy", "majority"}}}}, {{"data", "s.train", &train}});
  std::vector<Input> in = {{"models", "knn", &knn}, {"models", "svm", &svm}, {"models", "majority", &maj}, {"data", "s.test", &test}};
  json r = std::get<json>(call("evaluate", {{"metrics", {"accuracy", "macro_f1", "f1"}}}, in));
  // Each interval is the stratified percentile bootstrap of the model's own predictions (stats_test checks that
  // against numpy and scipy), seeded: the same call gives the same interval.
  json p = r["predictions"]["knn"];
  auto truth = p["truth"].get<std::vector<int>>(), pred = p["pred"].get<std::vector<int>>();
  stats::Interval acc = stats::bootstrap(truth, pred, 3, [](auto& t, auto& q, int) { return metrics::accuracy(t, q); },
                                         1000, 0.95, 0);
  CHECK(r["models"]["knn"]["accuracy_ci"] == json({acc.lo, acc.hi}));
  double a = r["models"]["knn"]["accuracy"];
  CHECK(acc.lo <= a);
  CHECK(a <= acc.hi);
  CHECK(acc.hi - acc.lo > 0.05);  // 100 rows: several points wide
  for (auto& m : {"knn", "svm", "majority"}) {
    CHECK(r["models"][m]["macro_f1_ci"].size() == 2);
    for (auto& [cls, row] : r["models"][m]["per_class"].items()) CHECK(row["f1_ci"].size() == 2);
  }
  CHECK(r["uncertainty"]["resamples"] == 1000);
  // A seed or level of the script's own gives other intervals.
  json wider = std::get<json>(call("evaluate", {{"metrics", {"accuracy"}}, {"level", 0.99}}, in));
  CHECK(wider["models"]["knn"]["accuracy_ci"][0].get<double>() < acc.lo);
  CHECK(wider["models"]["knn"]["accuracy_ci"][1].get<double>() > acc.hi);

  // The pairs against statsmodels' McNemar and Holm on scikit-learn's predictions (genre's knn and svm
  // predict as scikit-learn does: the first case).
  json ref = testing::read_json(testing::models_data("eval_uncertainty.json"));
  for (auto& want : ref["pairs"]) {
    std::string x = want["a"], y = want["b"];
    INFO(x << " vs " << y);
    REQUIRE(r["pairs"][x].contains(y));
    const json& got = r["pairs"][x][y];
    CHECK(got["only_first_right"] == want["only_first_right"]);
    CHECK(got["only_second_right"] == want["only_second_right"]);
    CHECK_THAT(got["mcnemar_p"].get<double>(), WithinRel(want["mcnemar_p"].get<double>(), 1e-9));
    CHECK_THAT(got["mcnemar_p_holm"].get<double>(), WithinRel(want["mcnemar_p_holm"].get<double>(), 1e-9));
    CHECK_THAT(got["accuracy_diff"].get<double>(), WithinAbs(want["accuracy_diff"].get<double>(), 1e-12));
    double lo = got["accuracy_diff_ci"][0], hi = got["accuracy_diff_ci"][1];
    CHECK(lo <= got["accuracy_diff"].get<double>());
    CHECK(got["accuracy_diff"].get<double>() <= hi);
  }
  CHECK_FALSE(r["pairs"]["svm"].contains("knn"));  // each pair once, under the model named first
  // Without accuracy in the block there is no pairwise comparison.
  json f1 = std::get<json>(call("evaluate", {{"metrics", {"macro_f1"}}}, in));
  CHECK_FALSE(f1.contains("pairs"));
}

TEST_CASE("trial reports train and validation scores", "[eval]") {
  Value train = testing::read_table(testing::models_data("knn_svm_train.csv"), "genre");
  Value test = testing::read_table(testing::models_data("knn_svm_test.csv"), "genre");
  json t = std::get<json>(call("trial", {{"model", {{"spec", "knn"}, {"k", 7}, {"metric", "manhattan"}}}},
                               {{"data", "f", &train}, {"validate", "f", &test}}));
  CHECK_THAT(t["acc_val"].get<double>(), WithinAbs(sklearn_accuracy("knn_k7_manhattan", std::get<Table>(test)), 1e-12));
  CHECK_THAT(t["acc_delta"].get<double>(), WithinAbs(t["acc_train"].get<double>() - t["acc_val"].get<double>(), 1e-15));
  CHECK(t.contains("f1_train"));
  CHECK_FALSE(t.contains("loss_val"));  // classifiers only
}

TEST_CASE("grid_select averages folds, scores with the script's formula and refits the best", "[eval]") {
  Value train = testing::read_table(testing::models_data("knn_svm_train.csv"), "genre");
  json points = {{{"k", 1}}, {{"k", 9}}};
  json specs = {{{"spec", "knn"}, {"k", 1}}, {{"spec", "knn"}, {"k", 9}}};
  // Two points x three folds, point-major. k=1 overfits: acc_train 1.
  std::vector<Value> reports;
  double val1[3] = {0.70, 0.74, 0.72}, val9[3] = {0.78, 0.80, 0.76}, tr9[3] = {0.84, 0.86, 0.85};
  for (int f = 0; f < 3; f++)
    reports.push_back(json{{"acc_train", 1.0}, {"acc_val", val1[f]}, {"acc_delta", 1.0 - val1[f]}, {"f1_train", 1.0}, {"f1_val", val1[f]}});
  for (int f = 0; f < 3; f++)
    reports.push_back(json{{"acc_train", tr9[f]}, {"acc_val", val9[f]}, {"acc_delta", tr9[f] - val9[f]}, {"f1_train", tr9[f]}, {"f1_val", val9[f]}});
  std::vector<Input> in = {{"data", "x", &train}};
  for (auto& r : reports) in.push_back({"trials", "t", &r});
  // S4's score: 0.5 * (0.5 * (1 - acc_delta) + 1 * acc_val)
  json score = op("*", lit(0.5), op("+", op("*", lit(0.5), op("-", lit(1), name("acc_delta"))), op("*", lit(1), name("acc_val"))));
  Model m = std::get<Model>(call("grid_select", {{"specs", specs}, {"points", points}, {"score", score}, {"cv", 3}}, in));
  json rows = m.info["trials"];
  REQUIRE(rows.size() == 2);
  // point k=1: acc_val 0.72, delta 0.28 -> 0.5 * (0.36 + 0.72) = 0.54; k=9: 0.78, delta 0.07 -> 0.5 * (0.465 + 0.78) = 0.6225
  CHECK_THAT(rows[0]["score"].get<double>(), WithinAbs(0.54, 1e-12));
  CHECK_THAT(rows[1]["score"].get<double>(), WithinAbs(0.6225, 1e-12));
  CHECK_THAT(rows[1]["acc_val_std"].get<double>(), WithinAbs(std::sqrt((0.0004 + 0 + 0.0004) / 3), 1e-12));
  // Student's t interval of the three folds' acc_val, against scipy.stats.t.interval.
  json t = testing::read_json(testing::models_data("eval_uncertainty.json"))["t_interval"];
  CHECK_THAT(rows[1]["acc_val_ci"][0].get<double>(), WithinAbs(t["lo"].get<double>(), 1e-9));
  CHECK_THAT(rows[1]["acc_val_ci"][1].get<double>(), WithinAbs(t["hi"].get<double>(), 1e-9));
  CHECK(rows[1]["k"] == 9);
  CHECK(m.info["best"]["index"] == 1);
  CHECK(m.spec["k"] == 9);
  CHECK(m.kind == "knn");

  // Ties go to the first point.
  Model tie = std::get<Model>(call("grid_select", {{"specs", specs}, {"points", points}, {"score", lit(1)}}, in));
  CHECK(tie.info["best"]["index"] == 0);
  // An unknown metric in the score names the known ones.
  CHECK_THROWS_WITH(call("grid_select", {{"specs", specs}, {"points", points}, {"score", name("acc_test")}}, in),
                    Contains("unknown name \"acc_test\""));
}

TEST_CASE("evaluate shows a classifier's history", "[eval][torch]") {
  Value train = testing::read_table(testing::models_data("knn_svm_train.csv"), "genre");
  Value test = testing::read_table(testing::models_data("knn_svm_test.csv"), "genre");
  json spec = {{"spec", "classifier"},
               {"layers", {{{"layer", "dense"}, {"units", 8}, {"act", "relu"}}, {{"layer", "dense"}, {"act", "softmax"}}}},
               {"epochs", 3}, {"batch", 32}};
  Value nn = call("fit", {{"model", spec}}, {{"data", "s.train", &train}, {"validate", "s.test", &test}});
  json r = std::get<json>(call("evaluate", {{"metrics", {"accuracy", "history"}}}, {{"models", "nn", &nn}, {"data", "s.test", &test}}));
  REQUIRE(r["models"]["nn"]["history"].size() == 3);
  // The last epoch's val_acc is the accuracy evaluate measures on the same rows.
  CHECK_THAT(r["models"]["nn"]["history"][2]["val_acc"].get<double>(), WithinAbs(r["models"]["nn"]["accuracy"].get<double>(), 1e-9));
}

TEST_CASE("a model's prep is fitted on its training rows and replayed on every table it predicts", "[eval]") {
  std::string dir = std::string(GENRE_TEST_DIR) + "/data/tabular/";
  Value train = testing::read_table(dir + "select_train.csv", "label");
  Value test = testing::read_table(dir + "select_test.csv", "label");
  // The same pipeline written as ops on a split: quantile then minmax fitted on train, applied to both.
  Split s;
  s.parts.emplace_back("train", std::get<Table>(train));
  s.parts.emplace_back("test", std::get<Table>(test));
  Value split = s;
  Value q = call("quantile", {{"n_quantiles", 10}}, {{"data", "s", &split}});
  Value mm = call("minmax", {{"lo", -1}, {"hi", 1}}, {{"data", "s", &q}});
  Value scaled_train = std::get<Split>(mm).part("train"), scaled_test = std::get<Split>(mm).part("test");
  Value by_ops = call("fit", {{"model", {{"spec", "knn"}, {"k", 3}}}}, {{"data", "s.train", &scaled_train}});

  json prep = {{{"op", "quantile"}, {"n_quantiles", 10}}, {{"op", "minmax"}, {"lo", -1}, {"hi", 1}}};
  Value carried = call("fit", {{"model", {{"spec", "knn"}, {"k", 3}, {"prep", prep}}}}, {{"data", "s.train", &train}});
  REQUIRE(std::get<Model>(carried).info["prep"].size() == 2);
  json a = std::get<json>(call("evaluate", {{"metrics", {"accuracy"}}}, {{"models", "m", &by_ops}, {"data", "t", &scaled_test}}));
  json b = std::get<json>(call("evaluate", {{"metrics", {"accuracy"}}}, {{"models", "m", &carried}, {"data", "t", &test}}));
  CHECK(a["predictions"]["m"] == b["predictions"]["m"]);  // raw test rows, the model's own scaling
  CHECK(a["models"]["m"]["accuracy"] == b["models"]["m"]["accuracy"]);

  // A table without a column the prep was fitted on: a data error naming the step.
  Table missing = std::get<Table>(test);
  std::erase_if(missing.cols, [](const Column& c) { return c.name == "noise1"; });
  Value broken = missing;
  CHECK_THROWS_WITH(call("evaluate", {{"metrics", {"accuracy"}}}, {{"models", "m", &carried}, {"data", "t", &broken}}),
                    Contains("the model's quantile step") && Contains("noise1"));
}

TEST_CASE("the terminal shows the pairs against the most accurate model, the files all of them", "[eval]") {
  // Seven models, 21 pairs: more than the terminal's 15, so it keeps the 6 with the best model (m6).
  json r = {{"rows", 100}, {"models", json::object()}, {"pairs", json::object()}};
  std::vector<std::string> names;
  for (int i = 0; i < 7; i++) names.push_back("m" + std::to_string(i));
  r["order"] = names;
  for (int i = 0; i < 7; i++) r["models"][names[i]] = {{"accuracy", 0.1 * i}};
  for (int i = 0; i < 7; i++)
    for (int j = i + 1; j < 7; j++)
      r["pairs"][names[i]][names[j]] = {{"accuracy_diff", 0.1 * (i - j)}, {"only_first_right", 1}, {"only_second_right", 2},
                                        {"mcnemar_p", 0.5}, {"mcnemar_p_holm", 1.0}};
  register_all();
  const ReportKind* kind = report_kind("evaluate");
  REQUIRE(kind);
  std::string text = kind->terminal(r);
  CHECK_THAT(text, Contains("pairs (each model against the most accurate; all 21 in the pairs CSV)"));
  CHECK_THAT(text, Contains("100 test rows"));
  for (auto& [title, t] : kind->files(r))
    if (title == "pairs") CHECK(t.rows.size() == 21);
}
