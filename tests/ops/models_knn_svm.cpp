// KNN, SVM and baselines against scikit-learn (tests/data/models/gen_knn_svm.py)
// and small cases worked by hand.
#include <catch2/catch.hpp>

#include "models_util.h"
#include "ops/models/model.h"

using namespace genre;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;

namespace {

std::vector<std::string> predict_names(const Model& m, const Table& t) {
  auto idx = argmax_rows(predict_scores(m, t, {}));
  std::vector<std::string> out;
  for (int i : idx) out.push_back(m.classes[size_t(i)]);
  return out;
}

Table tiny(std::vector<double> x, std::vector<std::string> y) {
  Table t;
  t.source = "tiny";
  t.label = "genre";
  t.cols.push_back({.name = "x", .numeric = true, .num = std::move(x)});
  Column l{.name = "genre", .numeric = false};
  l.text = y;
  l.present.assign(y.size(), 1);
  t.cols.push_back(l);
  return t;
}

}  // namespace

TEST_CASE("knn and svm predict what scikit-learn predicts", "[models]") {
  Table train = testing::read_table(testing::models_data("knn_svm_train.csv"), "genre");
  Table test = testing::read_table(testing::models_data("knn_svm_test.csv"), "genre");
  json ref = testing::read_json(testing::models_data("knn_svm_sklearn.json"));
  std::map<std::string, json> specs = {
      {"knn_k5_euclidean", {{"spec", "knn"}, {"k", 5}, {"metric", "euclidean"}}},
      {"knn_k7_manhattan", {{"spec", "knn"}, {"k", 7}, {"metric", "manhattan"}}},
      {"knn_k4_cosine", {{"spec", "knn"}, {"k", 4}, {"metric", "cosine"}}},
      {"svm_rbf_scale", {{"spec", "svm"}}},
      {"svm_rbf_auto_C3", {{"spec", "svm"}, {"C", 3}, {"gamma", "auto"}}},
      {"svm_linear_C05", {{"spec", "svm"}, {"kernel", "linear"}, {"C", 0.5}}},
      {"svm_rbf_gamma2", {{"spec", "svm"}, {"kernel", "rbf"}, {"gamma", 2.0}}},
  };
  for (auto& [name, spec] : specs) {
    INFO(name);
    Model m = fit_model(spec, train, nullptr, {});
    CHECK(m.classes == std::vector<std::string>{"blues", "jazz", "rock"});
    CHECK(predict_names(m, test) == ref[name]["pred"].get<std::vector<std::string>>());
    if (ref[name].contains("proba")) {
      Matrix s = predict_scores(m, test, {});
      auto p = ref[name]["proba"].get<std::vector<std::vector<double>>>();
      for (size_t r = 0; r < s.rows; r++)
        for (size_t c = 0; c < s.cols; c++) REQUIRE_THAT(s.at(r, c), WithinAbs(p[r][c], 1e-12));
    } else {
      CHECK(m.info["support_vectors"] == ref[name]["n_support"]);
    }
  }
}

TEST_CASE("knn: equal distances go to the earlier training row, vote ties to the first class", "[models]") {
  // Query 0 is at distance 1 from rows 0 (rock) and 1 (jazz); with k = 1 the first row wins.
  Table train = tiny({-1, 1, 5}, {"rock", "jazz", "jazz"});
  Table q = tiny({0}, {"rock"});
  Model m1 = fit_model({{"spec", "knn"}, {"k", 1}}, train, nullptr, {});
  CHECK(predict_names(m1, q) == std::vector<std::string>{"rock"});
  Table swapped = tiny({1, -1, 5}, {"jazz", "rock", "jazz"});
  Model m2 = fit_model({{"spec", "knn"}, {"k", 1}}, swapped, nullptr, {});
  CHECK(predict_names(m2, q) == std::vector<std::string>{"jazz"});
  // k = 2: one vote each; "jazz" sorts first, so it wins whatever the row order.
  Model m3 = fit_model({{"spec", "knn"}, {"k", 2}}, train, nullptr, {});
  CHECK(predict_names(m3, q) == std::vector<std::string>{"jazz"});
  Matrix s = predict_scores(m3, q, {});
  CHECK(s.at(0, 0) == 0.5);
  CHECK(s.at(0, 1) == 0.5);
}

TEST_CASE("svm scores rank by votes and arg-max to libsvm's prediction", "[models]") {
  Table train = testing::read_table(testing::models_data("knn_svm_train.csv"), "genre");
  Table test = testing::read_table(testing::models_data("knn_svm_test.csv"), "genre");
  Model m = fit_model({{"spec", "svm"}}, train, nullptr, {});
  Matrix s = predict_scores(m, test, {});
  for (size_t r = 0; r < s.rows; r++) {
    double sum = 0;
    for (size_t c = 0; c < s.cols; c++) {
      CHECK(s.at(r, c) >= 0);
      CHECK(s.at(r, c) < 1);
      sum += s.at(r, c);
    }
    // 3 classes: 3 pair votes + 0.5 for the prediction + three margin terms in (0, 0.25)
    CHECK(sum * 3 > 3.5);
    CHECK(sum * 3 < 4.25);
  }
}

TEST_CASE("a damaged saved SVM is a data error, not a read out of bounds", "[models]") {
  // A cache entry whose checksum was recomputed after an edit once crashed predict with SIGSEGV.
  Table train = testing::read_table(testing::models_data("knn_svm_train.csv"), "genre");
  Table test = testing::read_table(testing::models_data("knn_svm_test.csv"), "genre");
  Model good = fit_model({{"spec", "svm"}}, train, nullptr, {});
  json st = unpack_state(good.state);
  auto damaged = [&](const char* field, json value) {
    Model m = good;
    json s = st;
    s[field] = std::move(value);
    m.state = pack_state(s);
    try {
      predict_scores(m, test, {});
    } catch (const DataError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  int l = st["l"];
  CHECK_THAT(damaged("l", l + 5), Catch::StartsWith("the saved SVM is damaged: "));
  CHECK_THAT(damaged("l", -1), Catch::StartsWith("the saved SVM is damaged: "));
  CHECK_THAT(damaged("cols", 1), Catch::Contains("1 feature columns"));
  CHECK_THAT(damaged("nr_class", 40), Catch::Contains("40 classes"));
  json nsv = st["nsv"];
  nsv[0] = nsv[0].get<int>() + 1;
  CHECK_THAT(damaged("nsv", nsv), Catch::Contains("add up to"));
  json label = st["label"];
  label[0] = 99;
  CHECK_THAT(damaged("label", label), Catch::Contains("out of range"));
  CHECK_THAT(damaged("kernel", 7), Catch::Contains("unknown kernel 7"));
  CHECK_THAT(damaged("rho", "x"), Catch::StartsWith("the saved SVM is damaged: "));
  Model garbage = good;
  garbage.state = "not a model";
  CHECK_THROWS_AS(predict_scores(garbage, test, {}), DataError);
  CHECK(predict_scores(good, test, {}).rows == test.rows());  // the real one still predicts
}

TEST_CASE("baselines", "[models]") {
  Table train = tiny({1, 2, 3, 4, 5}, {"rock", "pop", "rock", "pop", "rock"});
  Table test = tiny(std::vector<double>(300, 0.0), std::vector<std::string>(300, "pop"));
  Model maj = fit_model({{"spec", "baseline"}, {"strategy", "majority"}}, train, nullptr, {});
  CHECK(predict_names(maj, test) == std::vector<std::string>(300, "rock"));

  FitContext ctx;
  ctx.seed = 5;
  Model rnd = fit_model({{"spec", "baseline"}, {"strategy", "random"}}, train, nullptr, ctx);
  auto a = predict_names(rnd, test), b = predict_names(rnd, test);
  CHECK(a == b);  // same model, same draws
  long rock = std::count(a.begin(), a.end(), "rock");
  CHECK(rock > 120);  // uniform over 2 classes: 150 expected, 120..180 is > 4 sd
  CHECK(rock < 180);
  Model str = fit_model({{"spec", "baseline"}, {"strategy", "stratified"}}, train, nullptr, ctx);
  auto c = predict_names(str, test);
  long srock = std::count(c.begin(), c.end(), "rock");
  CHECK(srock > 150);  // prior 0.6: 180 expected, sd 8.5
  CHECK(srock < 210);
}

TEST_CASE("model errors name the table, column and row", "[models]") {
  Table train = tiny({1, 2, missing}, {"rock", "pop", "rock"});
  CHECK_THROWS_WITH(fit_model({{"spec", "knn"}, {"k", 1}}, train, nullptr, {}),
                    Contains("tiny: column \"x\" row 3 is missing; impute first"));
  Table ok = tiny({1, 2, 3}, {"rock", "pop", "rock"});
  CHECK_THROWS_WITH(fit_model({{"spec", "knn"}, {"k", 4}}, ok, nullptr, {}),
                    Contains("k = 4 but the training data has only 3 rows"));
  Model m = fit_model({{"spec", "knn"}, {"k", 1}}, ok, nullptr, {});
  Table other = tiny({1}, {"jazz"});
  CHECK_THROWS_WITH(label_indices(other, m.classes), Contains("row 1 has label \"jazz\", which the model was not trained on"));
  Table one = tiny({1, 2}, {"rock", "rock"});
  CHECK_THROWS_WITH(fit_model({{"spec", "svm"}}, one, nullptr, {}), Contains("only one class"));
  Table nolabel = ok;
  nolabel.label = "";
  CHECK_THROWS_WITH(fit_model({{"spec", "svm"}}, nolabel, nullptr, {}), Contains("no label column is set"));
}

TEST_CASE("fitted knn and svm predict the same after a trip through the cache's bytes", "[models]") {
  Table train = testing::read_table(testing::models_data("knn_svm_train.csv"), "genre");
  Table test = testing::read_table(testing::models_data("knn_svm_test.csv"), "genre");
  for (json spec : {json{{"spec", "svm"}}, json{{"spec", "knn"}, {"k", 3}}}) {
    Model m = fit_model(spec, train, nullptr, {});
    Model back = std::get<Model>(deserialize(serialize(Value(m))));
    CHECK(predict_scores(m, test, {}).v == predict_scores(back, test, {}).v);
  }
}
