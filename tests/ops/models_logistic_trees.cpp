// logistic, xgboost and random_forest against scikit-learn's LogisticRegression
// and XGBoost's Python package (tests/data/models/gen_logistic_trees.py: a
// 3-class and a 2-class set), their bits against the thread count, and damaged
// saved states.
#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <tbb/task_arena.h>

#include "models_util.h"
#include "ops/models/model.h"
#include "runtime/core/model_check.h"

using namespace genre;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;

namespace {

struct Data {
  Table train, test;
};

Data load_set(const std::string& set) {
  std::string stem = set == "three" ? "knn_svm" : "binary";
  return {testing::read_table(testing::models_data(stem + "_train.csv"), "genre"),
          testing::read_table(testing::models_data(stem + "_test.csv"), "genre")};
}

const json& reference(const std::string& key) {
  static const json ref = testing::read_json(testing::models_data("logistic_trees_reference.json"));
  return ref.at(key);
}

std::vector<std::string> predicted(const Model& m, const Matrix& s) {
  std::vector<std::string> out;
  for (int i : argmax_rows(s)) out.push_back(m.classes[size_t(i)]);
  return out;
}

void check_scores(const Matrix& s, const json& proba, double tol) {
  auto p = proba.get<std::vector<std::vector<double>>>();
  REQUIRE(p.size() == s.rows);
  for (size_t r = 0; r < s.rows; r++)
    for (size_t c = 0; c < s.cols; c++) REQUIRE_THAT(s.at(r, c), WithinAbs(p[r][c], tol));
}

}  // namespace

TEST_CASE("logistic: the optimum of scikit-learn's LogisticRegression objective, and its predictions", "[models]") {
  for (std::string set : {"three", "binary"})
    for (double C : {1.0, 0.05}) {
      std::string key = fmt::format("logistic_{}_C{}", set, C == 1.0 ? "1.0" : "0.05");
      INFO(key);
      Data d = load_set(set);
      const json& ref = reference(key);
      Model m = fit_model({{"spec", "logistic"}, {"C", C}}, d.train, nullptr, {});
      CHECK(m.info["converged"] == true);
      Matrix s = predict_scores(m, d.test, {});
      // scikit-learn's LogisticRegression(C) stops at a gradient of 1e-4: the same predictions,
      // probabilities within 1e-3.
      CHECK(predicted(m, s) == ref["sklearn_pred"].get<std::vector<std::string>>());
      check_scores(s, ref["sklearn_proba"], 1e-3);
      // The optimum (scipy's L-BFGS-B to a gradient of 1e-12), within 1e-7 at the default tol (1e-8).
      check_scores(s, ref["proba"], 1e-7);
      // Weights: one row per class (one row for two classes), intercept last.
      json st = unpack_state(m.state);
      auto w = st["w"].get<std::vector<double>>();
      auto coef = ref["coef"].get<std::vector<std::vector<double>>>();
      auto b = ref["intercept"].get<std::vector<double>>();
      size_t cols = st["cols"].get<size_t>();
      REQUIRE(coef.size() == st["rows"].get<size_t>());
      for (size_t r = 0; r < coef.size(); r++) {
        for (size_t c = 0; c < cols; c++) CHECK_THAT(w[r * (cols + 1) + c], WithinAbs(coef[r][c], 1e-7));
        CHECK_THAT(w[r * (cols + 1) + cols], WithinAbs(b[r], 1e-7));
      }
    }
}

TEST_CASE("logistic: a fit stopped by max_iter says so", "[models]") {
  Data d = load_set("three");
  Model m = fit_model({{"spec", "logistic"}, {"max_iter", 2}}, d.train, nullptr, {});
  CHECK(m.info["converged"] == false);
  CHECK(m.info["stopped_by"] == "max_iter");
  CHECK(m.info["iterations"] == 2);
}

TEST_CASE("xgboost and random_forest: the probabilities of XGBoost's Python package on the same data and seed", "[models]") {
  std::map<std::string, json> specs = {
      {"xgboost_default", {{"spec", "xgboost"}, {"seed", 7}}},
      {"xgboost_sampled",
       {{"spec", "xgboost"}, {"seed", 7}, {"rounds", 40}, {"depth", 3}, {"eta", 0.1}, {"subsample", 0.7},
        {"colsample", 0.6}, {"min_child_weight", 2}, {"lambda", 3}}},
      {"random_forest", {{"spec", "random_forest"}, {"seed", 7}, {"trees", 50}}},
  };
  for (std::string set : {"three", "binary"})
    for (auto& [name, spec] : specs) {
      INFO(name << " " << set);
      Data d = load_set(set);
      const json& ref = reference(name + "_" + set);
      Model m = fit_model(spec, d.train, nullptr, {});
      Matrix s = predict_scores(m, d.test, {});
      CHECK(predicted(m, s) == ref["pred"].get<std::vector<std::string>>());
      check_scores(s, ref["proba"], 0);  // the same library on the same float32 matrix: the same bits
    }
}

TEST_CASE("logistic, xgboost, random_forest: the same model whatever the thread count", "[models]") {
  Data d = load_set("three");
  for (json spec : {json{{"spec", "logistic"}, {"C", 0.3}}, json{{"spec", "xgboost"}, {"seed", 3}, {"subsample", 0.8}, {"rounds", 20}},
                    json{{"spec", "random_forest"}, {"seed", 3}, {"trees", 20}}}) {
    INFO(spec.dump());
    std::string one, two;
    tbb::task_arena(1).execute([&] { one = fit_model(spec, d.train, nullptr, {}).state; });
    tbb::task_arena(2).execute([&] { two = fit_model(spec, d.train, nullptr, {}).state; });
    CHECK(one == two);
  }
  // The seed is the fit's: another seed samples other rows.
  json spec = {{"spec", "xgboost"}, {"subsample", 0.5}, {"rounds", 5}};
  FitContext a, b;
  a.seed = 1;
  b.seed = 2;
  CHECK(fit_model(spec, d.train, nullptr, a).state != fit_model(spec, d.train, nullptr, b).state);
  CHECK(fit_model(spec, d.train, nullptr, a).state == fit_model(spec, d.train, nullptr, a).state);
}

TEST_CASE("logistic, xgboost, random_forest: a damaged saved model is a data error naming it", "[models]") {
  Data d = load_set("three");
  Model lr = fit_model({{"spec", "logistic"}}, d.train, nullptr, {});
  check_model(lr);
  Model bad = lr;
  json st = unpack_state(bad.state);
  st["w"].erase(0);
  bad.state = pack_state(st);
  CHECK_THROWS_WITH(check_model(bad), Contains("the saved logistic regression is damaged: 14 weights for 3 x 5"));
  bad = lr;
  bad.classes.pop_back();
  CHECK_THROWS_WITH(check_model(bad), Contains("3 weight rows for 2 classes"));

  Model xg = fit_model({{"spec", "xgboost"}, {"rounds", 3}}, d.train, nullptr, {});
  check_model(xg);
  bad = xg;
  bad.state = "not a model";
  CHECK_THROWS_WITH(check_model(bad), Contains("the saved xgboost is damaged"));
  bad = xg;
  bad.state.resize(bad.state.size() / 2);
  CHECK_THROWS_WITH(check_model(bad), Contains("the saved xgboost is damaged"));
  bad = xg;
  bad.features.push_back("f5");
  CHECK_THROWS_WITH(check_model(bad), Contains("the saved xgboost is damaged: 4 features, but the model names 5"));
  bad = xg;
  bad.classes.push_back("soul");
  CHECK_THROWS_WITH(check_model(bad), Contains("3 classes, but the model has 4"));
}

TEST_CASE("logistic, xgboost, random_forest: one class is not a classification", "[models]") {
  Data d = load_set("three");
  Table one = d.train;
  for (auto& c : one.cols)
    if (!c.numeric)
      for (auto& v : c.text) v = "rock";
  for (std::string family : {"logistic", "xgboost", "random_forest"})
    CHECK_THROWS_WITH(fit_model({{"spec", family}}, one, nullptr, {}),
                      family + ": the training rows have one class; it needs at least two");
}
