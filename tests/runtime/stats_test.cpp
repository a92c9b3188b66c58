#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "runtime/core/stats.h"

using namespace genre::stats;
using nlohmann::json;

namespace {

// Written by tests/data/stats/gen_stats.py from statsmodels, numpy and scipy.
const json& reference() {
  static const json j = [] {
    std::ifstream in(std::string(GENRE_TEST_DIR) + "/data/stats/reference.json");
    REQUIRE(in);
    return json::parse(in);
  }();
  return j;
}

double accuracy(const std::vector<int>& truth, const std::vector<int>& pred, int) {
  long right = 0;
  for (size_t i = 0; i < truth.size(); ++i) right += truth[i] == pred[i];
  return double(right) / double(truth.size());
}

// Accuracy with irrational weights by position: nearly every resample gets its own value, so two seeds'
// intervals differ (plain accuracy moves in steps of 1/n, where two seeds could share both ends).
double weighted_accuracy(const std::vector<int>& truth, const std::vector<int>& pred, int) {
  double right = 0, total = 0;
  for (size_t i = 0; i < truth.size(); ++i) {
    double w = std::sqrt(double(i) + 2);
    right += w * (truth[i] == pred[i]);
    total += w;
  }
  return right / total;
}

struct Data {
  std::vector<int> truth, pred, pred_b;
  int k;
};

Data data() {
  const json& b = reference()["bootstrap"];
  return {b["truth"].get<std::vector<int>>(), b["pred"].get<std::vector<int>>(), b["pred_b"].get<std::vector<int>>(),
          b["k"].get<int>()};
}

}  // namespace

TEST_CASE("stats: mcnemar_exact matches statsmodels' mcnemar(exact=True)", "[stats]") {
  REQUIRE(reference()["mcnemar"].size() == 10);
  for (const json& r : reference()["mcnemar"]) {
    long b = r["b"], c = r["c"];
    INFO("b = " << b << ", c = " << c);
    CHECK(mcnemar_exact(b, c) == Approx(r["p"].get<double>()).epsilon(1e-12));
  }
  CHECK_THROWS_AS(mcnemar_exact(-1, 3), std::invalid_argument);
}

TEST_CASE("stats: percentile matches numpy.percentile", "[stats]") {
  for (const json& r : reference()["percentile"]) {
    auto values = r["values"].get<std::vector<double>>();
    auto qs = r["q"].get<std::vector<double>>();
    for (size_t i = 0; i < qs.size(); ++i) {
      INFO(values.size() << " values, q = " << qs[i]);
      CHECK(percentile(values, qs[i]) == Approx(r["expected"][i].get<double>()).epsilon(1e-14));
    }
  }
  CHECK_THROWS_WITH(percentile({}, 50), Catch::Contains("no values"));
  CHECK_THROWS_AS(percentile({1, 2}, -1), std::invalid_argument);
  CHECK_THROWS_AS(percentile({1, 2}, 100.5), std::invalid_argument);
  CHECK_THROWS_AS(percentile({1, 2}, std::nan("")), std::invalid_argument);
  CHECK_THROWS_WITH(percentile({1, std::nan("")}, 50), Catch::Contains("NaN"));
}

TEST_CASE("stats: holm matches statsmodels' multipletests", "[stats]") {
  for (const json& r : reference()["holm"]) {
    auto p = r["p"].get<std::vector<double>>();
    auto want = r["adjusted"].get<std::vector<double>>();
    auto got = holm(p);
    REQUIRE(got.size() == want.size());
    for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == Approx(want[i]).epsilon(1e-12));
  }
  CHECK(holm({}).empty());
  CHECK_THROWS_AS(holm({0.5, 1.5}), std::invalid_argument);
}

TEST_CASE("stats: t_interval matches scipy.stats.t.interval", "[stats]") {
  for (const json& r : reference()["t_interval"]) {
    auto xs = r["xs"].get<std::vector<double>>();
    double level = r["level"];
    INFO(xs.size() << " values at level " << level);
    Interval ci = t_interval(xs, level);
    // scipy 1.10's t.ppf (cephes' stdtrit) is good to about 1e-9 only: 12.706204736432 for df 1 at 0.975, where
    // tan(0.475 pi) = 12.706204736175. The closed forms below check the last digits.
    CHECK(ci.lo == Approx(r["lo"].get<double>()).epsilon(1e-8));
    CHECK(ci.hi == Approx(r["hi"].get<double>()).epsilon(1e-8));
  }
  // Closed forms of the t quantile at p = (1 + level) / 2: tan(pi (p - 1/2)) for 1 degree of freedom,
  // (2p - 1) / sqrt(2p (1 - p)) for 2. Two values a, b have sem |a - b| / 2; three values 1, 2, 4 have sem sqrt(7) / 3.
  const double pi = 3.14159265358979323846;
  for (double level : {0.5, 0.9, 0.95, 0.99}) {
    INFO("level " << level);
    double p = (1 + level) / 2;
    Interval two = t_interval({0.25, 1.0}, level);
    double half = std::tan(pi * (p - 0.5)) * 0.375;
    CHECK(two.lo == Approx(0.625 - half).epsilon(1e-13));
    CHECK(two.hi == Approx(0.625 + half).epsilon(1e-13));
    Interval three = t_interval({1, 2, 4}, level);
    half = (2 * p - 1) / std::sqrt(2 * p * (1 - p)) * std::sqrt(7.0) / 3;
    CHECK(three.lo == Approx(7.0 / 3 - half).epsilon(1e-13));
    CHECK(three.hi == Approx(7.0 / 3 + half).epsilon(1e-13));
  }
  Interval one = t_interval({0.75}, 0.95);
  CHECK(one.lo == 0.75);
  CHECK(one.hi == 0.75);
  CHECK_THROWS_WITH(t_interval({}, 0.95), Catch::Contains("no values"));
  CHECK_THROWS_WITH(t_interval({1, 2}, 1.0), Catch::Contains("level"));
  CHECK_THROWS_AS(t_interval({1, 2}, 0.0), std::invalid_argument);
  CHECK_THROWS_AS(t_interval({1, 2}, std::nan("")), std::invalid_argument);
}

TEST_CASE("stats: bootstrap of accuracy agrees with scipy.stats.bootstrap(method='percentile')", "[stats]") {
  Data d = data();
  double acc = reference()["bootstrap"]["accuracy"];
  REQUIRE(accuracy(d.truth, d.pred, d.k) == Approx(acc));
  // Monte-Carlo error of each end is about 0.0008 here (2000 resamples; scipy's 10000 add 0.0004), accuracy moves
  // in steps of 0.001, and stratifying moves the ends by up to 0.001 (gen_stats.py prints both): 0.005 is ~4 SE
  // beyond those. The 95% and 80% ends lie 0.008-0.009 apart, so a wrong tail would fail one of the two.
  REQUIRE(reference()["bootstrap"]["scipy_accuracy"].size() == 2);
  for (const json& r : reference()["bootstrap"]["scipy_accuracy"]) {
    double level = r["level"];
    INFO("level " << level);
    Interval ci = bootstrap(d.truth, d.pred, d.k, accuracy, 2000, level, 7);
    CHECK(ci.lo == Approx(r["lo"].get<double>()).margin(0.005));
    CHECK(ci.hi == Approx(r["hi"].get<double>()).margin(0.005));
    CHECK(ci.lo < acc);
    CHECK(acc < ci.hi);
  }
}

TEST_CASE("stats: paired_bootstrap of an accuracy difference agrees with a numpy paired bootstrap", "[stats]") {
  Data d = data();
  const json& r = reference()["bootstrap"]["numpy_paired_difference"];
  double diff = reference()["bootstrap"]["difference"];  // 0.04: b is a with 60 right rows made wrong, 20 wrong right
  Interval ci = paired_bootstrap(d.truth, d.pred, d.pred_b, d.k, accuracy, 2000, r["level"], 11);
  CHECK(ci.lo < diff);
  CHECK(diff < ci.hi);
  // Monte-Carlo error of each end is about 0.0005 (2000 resamples against numpy's 20000), steps of 0.001.
  CHECK(ci.lo == Approx(r["lo"].get<double>()).margin(0.004));
  CHECK(ci.hi == Approx(r["hi"].get<double>()).margin(0.004));
  // Pairing matters: the same rows for both models give a far narrower interval than the two accuracies' own
  // intervals (each about 0.05 wide) would.
  CHECK(ci.hi - ci.lo < 0.045);
  // A model against itself differs by exactly 0 on every resample.
  Interval self = paired_bootstrap(d.truth, d.pred, d.pred, d.k, accuracy, 200, 0.95, 11);
  CHECK(self.lo == 0);
  CHECK(self.hi == 0);
}

TEST_CASE("stats: the same seed gives the same interval, another seed a slightly different one", "[stats]") {
  Data d = data();
  Interval a = bootstrap(d.truth, d.pred, d.k, weighted_accuracy, 500, 0.95, 42);
  Interval b = bootstrap(d.truth, d.pred, d.k, weighted_accuracy, 500, 0.95, 42);
  Interval c = bootstrap(d.truth, d.pred, d.k, weighted_accuracy, 500, 0.95, 43);
  CHECK(a.lo == b.lo);
  CHECK(a.hi == b.hi);
  CHECK((a.lo != c.lo || a.hi != c.hi));
  CHECK(a.lo == Approx(c.lo).margin(0.006));
  CHECK(a.hi == Approx(c.hi).margin(0.006));

  Interval p = paired_bootstrap(d.truth, d.pred, d.pred_b, d.k, weighted_accuracy, 500, 0.95, 42);
  Interval q = paired_bootstrap(d.truth, d.pred, d.pred_b, d.k, weighted_accuracy, 500, 0.95, 42);
  Interval s = paired_bootstrap(d.truth, d.pred, d.pred_b, d.k, weighted_accuracy, 500, 0.95, 43);
  CHECK(p.lo == q.lo);
  CHECK(p.hi == q.hi);
  CHECK((p.lo != s.lo || p.hi != s.hi));
}

TEST_CASE("stats: the bootstrap draws the rows of gen_stats.py's mt19937_64 + Lemire reimplementation", "[stats]") {
  // The rows a seed draws must be the same with every compiler and standard library: gen_stats.py computes them
  // independently, from the standard's mt19937_64 and the documented index method. pred holds row ids, so the
  // metric sees which rows each resample took.
  const json& r = reference()["stream"];
  auto truth = r["truth"].get<std::vector<int>>();
  auto expected = r["rows"].get<std::vector<std::vector<int>>>();
  std::vector<int> ids(truth.size());
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = int(i);
  std::vector<std::vector<int>> seen;
  std::vector<const int*> buffers;
  auto record = [&](const std::vector<int>&, const std::vector<int>& pred, int) {
    seen.push_back(pred);
    buffers.push_back(pred.data());
    return 0.0;
  };
  bootstrap(truth, ids, r["k"], record, int(expected.size()), 0.95, r["seed"].get<uint64_t>());
  CHECK(seen == expected);
  // One prediction buffer serves every resample.
  REQUIRE(buffers.size() == expected.size());
  for (const int* p : buffers) CHECK(p == buffers[0]);
}

TEST_CASE("stats: resamples are stratified by true class", "[stats]") {
  Data d = data();
  long zeros = std::count(d.truth.begin(), d.truth.end(), 0);
  auto count0 = [](const std::vector<int>& truth, const std::vector<int>&, int) {
    return double(std::count(truth.begin(), truth.end(), 0));
  };
  Interval ci = bootstrap(d.truth, d.pred, d.k, count0, 300, 0.95, 5);
  CHECK(ci.lo == zeros);
  CHECK(ci.hi == zeros);

  // Each resampled row keeps its own truth and prediction: with pred = row ids, every row at a class-c position
  // is a row of class c, on every resample.
  std::vector<int> ids(d.truth.size());
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = int(i);
  long misplaced = 0, resamples = 0;
  auto check = [&](const std::vector<int>& truth, const std::vector<int>& rows, int) {
    ++resamples;
    for (size_t i = 0; i < rows.size(); ++i) misplaced += d.truth[size_t(rows[i])] != truth[i];
    return 0.0;
  };
  bootstrap(d.truth, ids, d.k, check, 50, 0.95, 5);
  paired_bootstrap(d.truth, ids, ids, d.k, check, 50, 0.95, 5);
  CHECK(resamples == 150);
  CHECK(misplaced == 0);
}

TEST_CASE("stats: bootstrap rejects bad input with a clear message", "[stats]") {
  std::vector<int> t = {0, 1, 1, 0}, p = {0, 1, 0, 0};
  CHECK_THROWS_WITH(bootstrap({}, {}, 2, accuracy, 10, 0.95, 1), Catch::Contains("no rows"));
  CHECK_THROWS_WITH(bootstrap(t, {0, 1}, 2, accuracy, 10, 0.95, 1), Catch::Contains("differ in length"));
  CHECK_THROWS_WITH(bootstrap(t, p, 2, accuracy, 0, 0.95, 1), Catch::Contains("resamples"));
  CHECK_THROWS_WITH(bootstrap(t, p, 2, accuracy, 10, 1.0, 1), Catch::Contains("level"));
  CHECK_THROWS_AS(bootstrap(t, p, 2, accuracy, 10, 0.0, 1), std::invalid_argument);
  CHECK_THROWS_AS(bootstrap(t, p, 2, accuracy, 10, std::nan(""), 1), std::invalid_argument);
  CHECK_THROWS_WITH(bootstrap(t, p, 1, accuracy, 10, 0.95, 1), Catch::Contains("outside 0..0"));
  CHECK_THROWS_AS(bootstrap(t, p, 0, accuracy, 10, 0.95, 1), std::invalid_argument);
  auto nan = [](const std::vector<int>&, const std::vector<int>&, int) { return std::nan(""); };
  CHECK_THROWS_WITH(bootstrap(t, p, 2, nan, 10, 0.95, 1), Catch::Contains("NaN"));
  CHECK_THROWS_WITH(paired_bootstrap(t, p, {0}, 2, accuracy, 10, 0.95, 1), Catch::Contains("differ in length"));
  CHECK_THROWS_WITH(paired_bootstrap(t, {}, p, 2, accuracy, 10, 0.95, 1), Catch::Contains("differ in length"));
  CHECK_THROWS_AS(paired_bootstrap(t, p, p, 2, accuracy, -3, 0.95, 1), std::invalid_argument);
}
