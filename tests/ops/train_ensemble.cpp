// Ensembles (average, max, weighted, vote) against hand-computed cases.
// The members are knn(k: 4) models on one feature with two clusters of four
// training rows, at x = 0 and x = 100: each member's scores on a test row at
// x = 0 (or 100) are the label shares of that cluster, in quarters.
#include <catch2/catch.hpp>

#include "ops/models/model.h"
#include "runtime/core/op.h"

using namespace genre;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;

namespace {

Table table(const std::vector<double>& x, const std::vector<std::string>& y, const std::string& source) {
  Table t;
  t.source = source;
  t.label = "g";
  t.cols.push_back(Column{.name = "x", .numeric = true, .num = x});
  Column g{.name = "g", .numeric = false, .text = y};
  g.present.assign(y.size(), 1);
  t.cols.push_back(g);
  return t;
}

Value call(const std::string& op, json params, std::vector<Input> inputs) {
  register_all();
  const OpFn* fn = find_op(op);
  REQUIRE(fn);
  OpContext ctx;
  ctx.params = std::move(params);
  ctx.inputs = std::move(inputs);
  return (*fn)(ctx);
}

// A knn(k: 4) member whose cluster at 0 has labels `near` and at 100 `far`.
Model member(const std::vector<std::string>& near, const std::vector<std::string>& far) {
  std::vector<std::string> y = near;
  y.insert(y.end(), far.begin(), far.end());
  Value t = table({0, 0.1, 0.2, 0.3, 100, 100.1, 100.2, 100.3}, y, "member.csv");
  return std::get<Model>(call("fit", {{"model", {{"spec", "knn"}, {"k", 4}}}}, {{"data", "t", &t}}));
}

struct Members {
  Value m1 = member({"a", "a", "a", "b"}, {"c", "c", "b", "b"});  // (.75 .25 0)  (0 .5 .5)
  Value m2 = member({"b", "b", "b", "a"}, {"c", "c", "c", "a"});  // (.25 .75 0)  (.25 0 .75)
  Value m3 = member({"a", "a", "c", "c"}, {"b", "b", "b", "c"});  // (.5 0 .5)    (0 .75 .25)
  Value m4 = member({"a", "a", "b", "c"}, {"a", "b", "c", "c"});  // (.5 .25 .25) (.25 .25 .5)
  std::vector<Input> of(std::vector<std::pair<const char*, const Value*>> ms) const {
    std::vector<Input> in;
    for (auto& [n, v] : ms) in.push_back({"models", n, v});
    return in;
  }
};

const Table& test_rows() {
  static Table t = table({0, 100}, {"a", "c"}, "test.csv");
  return t;
}

Matrix scores(const Value& ensemble) { return predict_scores(std::get<Model>(ensemble), test_rows(), FitContext{}); }

void check_rows(const Matrix& s, const std::vector<std::vector<double>>& want) {
  REQUIRE(s.rows == want.size());
  for (size_t r = 0; r < s.rows; r++) {
    REQUIRE(s.cols == want[r].size());
    for (size_t c = 0; c < s.cols; c++) {
      INFO("row " << r + 1 << " class " << c);
      CHECK_THAT(s.at(r, c), WithinAbs(want[r][c], 1e-12));
    }
  }
}

}  // namespace

TEST_CASE("ensemble: the members' scores are the hand-made cluster shares", "[ensemble]") {
  Members m;
  check_rows(predict_scores(std::get<Model>(m.m1), test_rows(), {}), {{0.75, 0.25, 0}, {0, 0.5, 0.5}});
  check_rows(predict_scores(std::get<Model>(m.m3), test_rows(), {}), {{0.5, 0, 0.5}, {0, 0.75, 0.25}});
}

TEST_CASE("ensemble: average is the mean of the members' probabilities", "[ensemble]") {
  Members m;
  Value e = call("average", json::object(), m.of({{"m1", &m.m1}, {"m2", &m.m2}, {"m3", &m.m3}}));
  const Model& em = std::get<Model>(e);
  CHECK(em.kind == "ensemble");
  CHECK(em.classes == std::vector<std::string>{"a", "b", "c"});
  CHECK(em.info["members"] == json({"m1", "m2", "m3"}));
  // row 1: a (.75+.25+.5)/3, b (.25+.75)/3, c .5/3; row 2: a .25/3, b 1.25/3, c 1.5/3
  check_rows(scores(e), {{0.5, 1.0 / 3, 1.0 / 6}, {1.0 / 12, 5.0 / 12, 0.5}});
}

TEST_CASE("ensemble: evaluate scores an ensemble like any trained model", "[ensemble]") {
  Members m;
  Value avg = call("average", json::object(), m.of({{"m1", &m.m1}, {"m2", &m.m2}, {"m3", &m.m3}}));
  Value vote = call("vote", json::object(), m.of({{"m1", &m.m1}, {"m2", &m.m2}, {"m3", &m.m3}}));
  Value test = test_rows();
  json r = std::get<json>(call("evaluate", {{"metrics", {"accuracy"}}},
                               {{"models", "avg", &avg}, {"models", "vote", &vote}, {"data", "test", &test}}));
  CHECK(r["models"]["avg"]["accuracy"] == 1.0);   // predicts a, c
  CHECK(r["models"]["vote"]["accuracy"] == 0.5);  // predicts a, b
}

TEST_CASE("ensemble: max takes each class's highest probability, renormalised", "[ensemble]") {
  Members m;
  Value e = call("max", json::object(), m.of({{"m1", &m.m1}, {"m2", &m.m2}, {"m3", &m.m3}}));
  // row 1: maxima (.75 .75 .5) / 2; row 2: (.25 .75 .75) / 1.75
  Matrix s = scores(e);
  check_rows(s, {{0.375, 0.375, 0.25}, {1.0 / 7, 3.0 / 7, 3.0 / 7}});
  CHECK(argmax_rows(s) == std::vector<int>{0, 1});  // equal scores: the first class
}

TEST_CASE("ensemble: weighted with given weights", "[ensemble]") {
  Members m;
  Value e = call("weighted", {{"weights", {2, 1, 1}}}, m.of({{"m1", &m.m1}, {"m2", &m.m2}, {"m3", &m.m3}}));
  CHECK(std::get<Model>(e).info["weights"] == json({0.5, 0.25, 0.25}));
  // row 1: .5(.75 .25 0) + .25(.25 .75 0) + .25(.5 0 .5); row 2 likewise
  check_rows(scores(e), {{0.5625, 0.3125, 0.125}, {0.0625, 0.4375, 0.5}});
}

TEST_CASE("ensemble: weighted fitted on a dev table: weights proportional to dev accuracy", "[ensemble]") {
  Members m;
  Value dev = table({0, 100}, {"a", "b"}, "dev.csv");
  auto in = m.of({{"m1", &m.m1}, {"m2", &m.m2}, {"m3", &m.m3}});
  in.push_back({"fit_on", "s.dev", &dev});
  Value e = call("weighted", json::object(), in);
  // m1 predicts a, b (2/2); m2 b, c (0/2); m3 a (tie a/c: first), b (2/2)
  const Model& em = std::get<Model>(e);
  CHECK(em.info["dev_accuracy"] == json({1.0, 0.0, 1.0}));
  CHECK(em.info["weights"] == json({0.5, 0.0, 0.5}));
  check_rows(scores(e), {{0.625, 0.125, 0.25}, {0, 0.625, 0.375}});
}

TEST_CASE("ensemble: vote is the majority, scores are vote shares with a tie-break below one vote", "[ensemble]") {
  Members m;
  Value e = call("vote", json::object(), m.of({{"m1", &m.m1}, {"m2", &m.m2}, {"m3", &m.m3}}));
  // row 1 votes: m1 a, m2 b, m3 a (tie a/c -> a); row 2: m1 b (tie b/c -> b), m2 c, m3 b.
  // score = (votes + mean probability) / (3 + 1)
  Matrix s = scores(e);
  check_rows(s, {{2.5 / 4, (1 + 1.0 / 3) / 4, (1.0 / 6) / 4}, {(1.0 / 12) / 4, (2 + 5.0 / 12) / 4, 1.5 / 4}});
  CHECK(argmax_rows(s) == std::vector<int>{0, 1});
}

TEST_CASE("ensemble: a tied vote goes to the highest summed probability, not the first class", "[ensemble]") {
  Members m;
  Value e = call("vote", json::object(), m.of({{"m2", &m.m2}, {"m4", &m.m4}}));
  // row 1: m2 votes b (.75), m4 votes a (.5): 1-1; summed a .75 < b 1.0, so b.
  Matrix s = scores(e);
  check_rows(s, {{1.375 / 3, 1.5 / 3, 0.125 / 3}, {0.25 / 3, 0.125 / 3, 2.625 / 3}});
  CHECK(argmax_rows(s) == std::vector<int>{1, 2});
}

TEST_CASE("ensemble: survives the cache (serialised) and nests", "[ensemble]") {
  Members m;
  Value avg = call("average", json::object(), m.of({{"m1", &m.m1}, {"m2", &m.m2}}));
  Value back = deserialize(serialize(avg));
  check_rows(scores(back), {{0.5, 0.5, 0}, {0.125, 0.25, 0.625}});
  // max of (average(m1, m2), m3): row 1 max(.5 .5 0 | .5 0 .5) = (.5 .5 .5) / 1.5
  Value nested = call("max", json::object(), m.of({{"avg", &back}, {"m3", &m.m3}}));
  check_rows(scores(nested), {{1.0 / 3, 1.0 / 3, 1.0 / 3}, {0.125 / 1.5, 0.75 / 1.5, 0.625 / 1.5}});
}

TEST_CASE("ensemble: members with other classes, and bad weights, are errors", "[ensemble]") {
  Members m;
  Value t = table({0, 1, 100, 101}, {"a", "a", "b", "b"}, "two.csv");
  Value ab = call("fit", {{"model", {{"spec", "knn"}, {"k", 1}}}}, {{"data", "t", &t}});
  REQUIRE_THROWS_WITH(call("average", json::object(), m.of({{"m1", &m.m1}, {"ab", &ab}})),
                      Contains("members must share their classes") && Contains("'ab' lacks [\"c\"]"));
  REQUIRE_THROWS_WITH(call("weighted", {{"weights", {1, 2}}}, m.of({{"m1", &m.m1}, {"m2", &m.m2}, {"m3", &m.m3}})),
                      Contains("2 weights for 3 models"));
  REQUIRE_THROWS_WITH(call("weighted", {{"weights", {1, -1}}}, m.of({{"m1", &m.m1}, {"m2", &m.m2}})),
                      Contains("weight 2 is -1"));
  REQUIRE_THROWS_WITH(call("weighted", json::object(), m.of({{"m1", &m.m1}, {"m2", &m.m2}})),
                      Contains("give the weights"));
}
