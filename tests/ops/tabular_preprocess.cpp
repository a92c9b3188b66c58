// impute / quantile / minmax / standardize against scikit-learn 1.2.1, and
// norm_ppf against scipy (reference data: tests/data/tabular/gen_*.py).
#include <cmath>

#include "ops/tabular/normal.h"
#include "runtime/core/op_kit.h"
#include "tabular_helpers.h"

using namespace tabtest;
using Catch::Contains;

namespace {

Split prep() {
  Split s;
  s.parts.emplace_back("train", csv(data_dir() + "/prep_train.csv", "label"));
  s.parts.emplace_back("test", csv(data_dir() + "/prep_test.csv", "label"));
  return s;
}

// Every feature of every part equals scikit-learn's, within `tol` relative.
void check_against(const Split& got, const std::string& ref, double tol) {
  for (auto& [part, t] : got.parts) {
    Table want = csv(data_dir() + "/" + ref + "_" + part + ".csv", "label");
    REQUIRE(t.rows() == want.rows());
    CHECK(t.column("label").text == want.column("label").text);
    for (auto& f : want.feature_names()) {
      auto& g = num(t, f);
      auto& w = num(want, f);
      for (size_t r = 0; r < w.size(); ++r) {
        INFO(ref << " " << part << " row " << r + 1 << " column " << f << ": got " << g[r] << ", scikit-learn " << w[r]);
        if (std::isnan(w[r])) CHECK(std::isnan(g[r]));
        else CHECK(std::abs(g[r] - w[r]) <= tol * (1 + std::abs(w[r])));
      }
    }
  }
}

Split fit_run(const std::string& op, json params) { return run_split(op, std::move(params), {{"data", prep()}}); }

}  // namespace

TEST_CASE("norm_ppf matches scipy.stats.norm.ppf", "[preprocess]") {
  Table ref = csv(data_dir() + "/norm_ppf.csv");
  REQUIRE(ref.rows() > 90);
  for (size_t i = 0; i < ref.rows(); ++i) {
    double p = num(ref, "p")[i], want = num(ref, "ppf")[i];
    INFO("p = " << p);
    CHECK(std::abs(genre::norm_ppf(p) - want) <= 1e-15 * (1 + std::abs(want)) * 8);
  }
  CHECK(std::isinf(genre::norm_ppf(0)));
  CHECK(genre::norm_ppf(0) < 0);
  CHECK(std::isinf(genre::norm_ppf(1)));
  CHECK(std::isnan(genre::norm_ppf(1.5)));
  CHECK(std::isnan(genre::norm_ppf(std::nan(""))));
}

TEST_CASE("quantile matches QuantileTransformer", "[preprocess]") {
  check_against(fit_run("quantile", {{"output", "normal"}}), "quantile_normal", 1e-12);
  check_against(fit_run("quantile", {{"output", "normal"}, {"n_quantiles", 7}}), "quantile_normal_nq7", 1e-12);
  check_against(fit_run("quantile", {{"output", "uniform"}, {"n_quantiles", 10}}), "quantile_uniform_nq10", 1e-12);
}

TEST_CASE("minmax and standardize match MinMaxScaler and StandardScaler", "[preprocess]") {
  check_against(fit_run("minmax", json::object()), "minmax", 1e-13);
  check_against(fit_run("minmax", {{"lo", -1}, {"hi", 1}}), "minmax_m1_1", 1e-13);
  check_against(fit_run("standardize", json::object()), "standardize", 1e-12);
  CHECK_THAT(error_of([&] { fit_run("minmax", {{"lo", 1}, {"hi", 1}}); }), Contains("lo must be less than hi"));
}

TEST_CASE("impute matches SimpleImputer and KNNImputer", "[preprocess]") {
  check_against(fit_run("impute", {{"method", "mean"}}), "impute_mean", 1e-13);
  check_against(fit_run("impute", {{"method", "median"}}), "impute_median", 1e-13);
  check_against(fit_run("impute", {{"method", "knn"}}), "impute_knn5", 1e-12);
  check_against(fit_run("impute", {{"method", "knn"}, {"k", 3}}), "impute_knn3", 1e-12);
}

TEST_CASE("preprocessing fits on the named part only", "[preprocess]") {
  Split s;
  TempDir d;
  s.parts.emplace_back("train", csv(d.write("a.csv", "y,x\na,0\nb,10\n"), "y"));
  s.parts.emplace_back("test", csv(d.write("b.csv", "y,x\na,20\nb,-10\n"), "y"));
  Split m = run_split("minmax", json::object(), {{"data", s}});
  CHECK(num(m.part("train"), "x") == std::vector<double>{0, 1});
  CHECK(num(m.part("test"), "x") == std::vector<double>{2, -1});  // test values do not move the fit
  Split m2 = run_split("minmax", {{"fit_on", "test"}}, {{"data", s}});
  CHECK(num(m2.part("test"), "x") == std::vector<double>{1, 0});
  CHECK_THAT(error_of([&] { run("minmax", {{"fit_on", "dev"}}, {{"data", s}}); }),
             Contains("split has no part \"dev\"; its parts are train, test"));
}

// Sequence columns (audio frames) are scaled per dimension over every frame of
// the training part, only when asked: a token-id column must stay as it is.
TEST_CASE("standardize(sequences: true) scales each frame dimension from the training frames only", "[preprocess]") {
  auto part = [](std::vector<std::vector<float>> rows) {
    Table t;
    genre::Column f;
    f.name = "frames";
    f.numeric = false;
    f.seq_dims = 2;
    f.seq = std::move(rows);
    f.present.assign(f.seq.size(), 1);
    genre::Column l;
    l.name = "label";
    l.numeric = false;
    for (size_t i = 0; i < f.seq.size(); ++i) l.text.push_back(i % 2 ? "a" : "b");
    t.cols = {f, l};
    t.label = "label";
    return t;
  };
  Split s;
  // train frames, dimension 0: 1, 3, 5, 7 (mean 4, population std sqrt(5)); dimension 1: constant 10.
  s.parts.emplace_back("train", part({{1, 10, 3, 10}, {5, 10, 7, 10}}));
  s.parts.emplace_back("test", part({{4, 10}, {100, 11}}));
  Value in = s;
  Split plain = tabtest::run_split("standardize", json::object(), {{"data", in}});
  CHECK(plain.part("test").column("frames").seq[1][0] == 100.0f);  // untouched by default
  Split out = tabtest::run_split("standardize", json{{"sequences", true}}, {{"data", in}});
  const auto& tr = out.part("train").column("frames").seq;
  const auto& te = out.part("test").column("frames").seq;
  CHECK(tr[0][0] == Approx((1 - 4) / std::sqrt(5.0)));
  CHECK(tr[1][2] == Approx((7 - 4) / std::sqrt(5.0)));
  CHECK(tr[0][1] == Approx(0.0));  // a constant dimension is only centred
  CHECK(te[0][0] == Approx(0.0));
  CHECK(te[1][0] == Approx(96 / std::sqrt(5.0)));
  CHECK(te[1][1] == Approx(1.0));
}

TEST_CASE("select_best keeps the features scikit-learn's SelectKBest(f_classif) keeps", "[preprocess]") {
  json ref = json::parse(std::ifstream(data_dir() + "/select_best.json"));
  Split s;
  s.parts.emplace_back("train", csv(data_dir() + "/select_train.csv", "label"));
  s.parts.emplace_back("test", csv(data_dir() + "/select_test.csv", "label"));
  Value in = s;
  for (auto& [k, want] : ref["selected"].items()) {
    INFO("k = " << k);
    Split out = run_split("select_best", json{{"k", std::stoi(k)}}, {{"data", in}});
    for (auto& part : {"train", "test"}) {
      std::vector<std::string> features = out.part(part).feature_names();
      CHECK(features == want.get<std::vector<std::string>>());
      CHECK(out.part(part).column("label").text == s.part(part).column("label").text);
    }
  }
  // The F statistics themselves, through the step's state (a constant feature: NaN, stored as null).
  const genre::kit::Step* step = genre::kit::find_step("select_best");
  REQUIRE(step);
  const Table& train = s.part("train");
  json state = step->fit(json{{"k", 2}}, train, train.feature_names());
  for (size_t i = 0; i < ref["f"].size(); ++i) {
    INFO(ref["features"][i]);
    if (ref["f"][i].is_null()) CHECK(state["scores"][i].is_null());
    else CHECK(state["scores"][i].get<double>() == Approx(ref["f"][i].get<double>()).epsilon(1e-10));
  }
  CHECK_THROWS_WITH(run_split("select_best", json{{"k", 7}}, {{"data", in}}), Contains("k is 7 but the table has only 6 features"));
}
