// Metrics against scikit-learn 1.2 (tests/data/models/gen_metrics.py).
#include <catch2/catch.hpp>

#include "models_util.h"
#include "runtime/core/metrics.h"

using namespace genre;
using Catch::Matchers::WithinAbs;

TEST_CASE("metrics match scikit-learn on random labels and tied scores", "[metrics]") {
  json cases = testing::read_json(testing::models_data("metrics_cases.json"));
  REQUIRE(cases.size() == 2);
  for (auto& c : cases) {
    INFO("case " << c["name"].get<std::string>());
    int k = c["k"];
    auto truth = c["truth"].get<std::vector<int>>();
    auto pred = c["pred"].get<std::vector<int>>();
    CHECK_THAT(metrics::accuracy(truth, pred), WithinAbs(c["accuracy"].get<double>(), 1e-12));
    CHECK_THAT(metrics::macro_f1(truth, pred, k), WithinAbs(c["macro_f1"].get<double>(), 1e-12));
    CHECK(json(metrics::confusion(truth, pred, k)) == c["confusion"]);
    auto pc = metrics::per_class(truth, pred, k);
    auto scores = c["scores"].get<std::vector<std::vector<double>>>();
    for (int j = 0; j < k; j++) {
      INFO("class " << j);
      CHECK_THAT(pc[j].precision, WithinAbs(c["precision"][j].get<double>(), 1e-12));
      CHECK_THAT(pc[j].recall, WithinAbs(c["recall"][j].get<double>(), 1e-12));
      CHECK_THAT(pc[j].f1, WithinAbs(c["f1"][j].get<double>(), 1e-12));
      CHECK(pc[j].support == c["support"][j].get<long>());
      std::vector<bool> pos;
      std::vector<double> s;
      for (size_t r = 0; r < truth.size(); r++) {
        pos.push_back(truth[r] == j);
        s.push_back(scores[r][j]);
      }
      auto curve = metrics::pr_curve(pos, s);
      auto want_p = c["pr_precision"][j].get<std::vector<double>>();
      auto want_r = c["pr_recall"][j].get<std::vector<double>>();
      REQUIRE(curve.precision.size() == want_p.size());
      REQUIRE(curve.recall.size() == want_r.size());
      for (size_t i = 0; i < want_p.size(); i++) {
        CHECK_THAT(curve.precision[i], WithinAbs(want_p[i], 1e-12));
        CHECK_THAT(curve.recall[i], WithinAbs(want_r[i], 1e-12));
      }
      CHECK_THAT(metrics::average_precision(pos, s), WithinAbs(c["average_precision"][j].get<double>(), 1e-12));
    }
  }
}

TEST_CASE("the unpredicted class scores zero precision, not NaN", "[metrics]") {
  // truth 0 0 1 1, pred 0 0 0 0: class 1 never predicted (0/0 -> 0), recall 0.
  std::vector<int> truth{0, 0, 1, 1}, pred{0, 0, 0, 0};
  auto pc = metrics::per_class(truth, pred, 2);
  CHECK(pc[1].precision == 0);
  CHECK(pc[1].f1 == 0);
  CHECK(pc[0].precision == 0.5);
  CHECK(pc[0].recall == 1);
  CHECK_THAT(metrics::macro_f1(truth, pred, 2), WithinAbs((2 * 0.5 / 1.5) / 2, 1e-12));
  // A class absent from truth and predictions does not count in the macro mean.
  CHECK_THAT(metrics::macro_f1(truth, pred, 3), WithinAbs((2 * 0.5 / 1.5) / 2, 1e-12));
}

TEST_CASE("average precision by hand", "[metrics]") {
  // scikit-learn's docstring example: AP = 0.8333...
  std::vector<bool> pos{false, false, true, true};
  std::vector<double> s{0.1, 0.4, 0.35, 0.8};
  CHECK_THAT(metrics::average_precision(pos, s), WithinAbs(0.8333333333333333, 1e-12));
  // No positives: recall is 1 everywhere and AP 0 (scikit-learn warns and does the same).
  CHECK(metrics::average_precision({false, false}, {0.2, 0.7}) == 0);
}
