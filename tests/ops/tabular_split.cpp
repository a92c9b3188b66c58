// split and kfold: proportions, stratification, determinism, whole groups.
#include <map>
#include <set>

#include "tabular_helpers.h"

using namespace tabtest;
using Catch::Contains;

namespace {

// n rows: id 0..n-1, class by the given sizes, artist = id / group_size.
Table make(std::vector<std::pair<std::string, size_t>> classes, size_t group_size = 1) {
  Table t;
  t.source = "made.csv";
  genre::Column id, g, artist;
  id.name = "id";
  artist.name = "artist";
  g.name = "genre";
  g.numeric = false;
  size_t n = 0;
  for (auto& [c, k] : classes)
    for (size_t i = 0; i < k; ++i, ++n) {
      id.num.push_back(static_cast<double>(n));
      g.text.push_back(c);
      g.present.push_back(1);
    }
  for (size_t i = 0; i < n; ++i) artist.num.push_back(static_cast<double>((i * 7919 % n) / group_size));  // groups cross classes
  t.cols = {id, g, artist};
  t.label = "genre";
  return t;
}

std::map<std::string, size_t> counts(const Table& t) {
  std::map<std::string, size_t> m;
  for (auto& x : t.column("genre").text) ++m[x];
  return m;
}

std::vector<double> ids(const Table& t) { return t.column("id").num; }

}  // namespace

TEST_CASE("split: stratified parts match n * ratio overall and per class", "[split]") {
  Table t = make({{"rock", 53}, {"pop", 31}, {"jazz", 16}});
  Split s = run_split("split", {{"train", 0.7}, {"val", 0.2}, {"test", 0.1}, {"stratify", "label"}, {"seed", 7}},
                      {{"data", t}});
  REQUIRE(s.parts.size() == 3);
  CHECK(s.parts[0].first == "train");
  CHECK(s.parts[1].first == "val");
  CHECK(s.parts[2].first == "test");
  CHECK(s.part("train").rows() == 70);
  CHECK(s.part("val").rows() == 20);
  CHECK(s.part("test").rows() == 10);
  std::map<std::string, double> size = {{"rock", 53}, {"pop", 31}, {"jazz", 16}};
  std::map<std::string, double> ratio = {{"train", 0.7}, {"val", 0.2}, {"test", 0.1}};
  std::set<double> seen;
  for (auto& [name, p] : s.parts) {
    for (auto& [c, k] : counts(p)) CHECK(std::abs(static_cast<double>(k) - size[c] * ratio[name]) < 1.0);
    for (double i : ids(p)) CHECK(seen.insert(i).second);  // no row in two parts
    auto v = ids(p);
    CHECK(std::is_sorted(v.begin(), v.end()));  // table order kept
    CHECK(p.label == "genre");
  }
  CHECK(seen.size() == 100);
}

TEST_CASE("split: the same seed gives the same split - another seed another", "[split]") {
  Table t = make({{"a", 40}, {"b", 25}});
  json p = {{"train", 0.49}, {"test", 0.3}, {"val", 0.21}, {"stratify", true}, {"seed", 42}};
  Split a = run_split("split", p, {{"data", t}}), b = run_split("split", p, {{"data", t}});
  for (size_t i = 0; i < 3; ++i) CHECK(ids(a.parts[i].second) == ids(b.parts[i].second));
  p["seed"] = 43;
  Split c = run_split("split", p, {{"data", t}});
  CHECK(ids(a.part("test")) != ids(c.part("test")));
  // Recorded from this implementation (own Fisher-Yates on mt19937_64, no std::
  // distributions): if this changes, every user's seeded split changes -- bump the op version.
  Split u = run_split("split", {{"train", 0.8}, {"test", 0.2}, {"seed", 1}}, {{"data", make({{"a", 10}})}});
  CHECK(ids(u.part("test")) == std::vector<double>{6, 8});
}

TEST_CASE("split: non-stratified sizes - ratios must sum to 1", "[split]") {
  Table t = make({{"a", 7}, {"b", 4}});
  Split s = run_split("split", {{"train", 0.5}, {"dev", 0.25}, {"test", 0.25}, {"seed", 3}}, {{"data", t}});
  CHECK(s.parts[1].first == "dev");
  // 11 * (0.5, 0.25, 0.25) = 5.5, 2.75, 2.75 -> 5, 3, 3 by largest remainder (ties: earlier part)
  CHECK(s.part("train").rows() + s.part("dev").rows() + s.part("test").rows() == 11);
  CHECK(s.part("train").rows() == 5);
  CHECK(error_of([&] { run("split", {{"train", 0.7}, {"test", 0.2}}, {{"data", t}}); }) ==
        "split: the ratios must sum to 1 (100%): train 0.7 + test 0.2 = 0.9");
  CHECK_THAT(error_of([&] { run("split", {{"seed", 1}}, {{"data", t}}); }), Contains("give the ratios by part name"));
  CHECK_THAT(error_of([&] { run("split", {{"train", 0.99}, {"test", 0.01}}, {{"data", t}}); }),
             Contains("split: part \"test\" gets no rows"));
}

TEST_CASE("split: group keeps every artist on one side", "[split]") {
  Table t = make({{"rock", 120}, {"pop", 80}}, 4);  // 50 artists of 4 songs
  Split s = run_split("split", {{"train", 0.6}, {"val", 0.2}, {"test", 0.2}, {"group", "artist"}, {"stratify", "label"},
                                {"seed", 5}},
                      {{"data", t}});
  std::map<double, std::string> part_of;
  size_t total = 0;
  for (auto& [name, p] : s.parts) {
    total += p.rows();
    for (double a : p.column("artist").num) {
      auto [it, fresh] = part_of.emplace(a, name);
      CHECK(it->second == name);  // an artist never spans two parts
    }
  }
  CHECK(total == 200);
  CHECK(std::abs(static_cast<double>(s.part("train").rows()) - 120) <= 8);  // whole groups of 4: near the ratio
  CHECK(std::abs(static_cast<double>(s.part("test").rows()) - 40) <= 8);
}

TEST_CASE("split: by_column takes the parts from a column and drops it", "[split]") {
  TempDir d;
  Table t = csv(d.write("s.csv", "id,g,part\n1,a,train\n2,b,test\n3,a,val\n4,b,train\n"), "g");
  Split s = run_split("split", {{"by_column", "part"}}, {{"data", t}});
  REQUIRE(s.parts.size() == 3);
  CHECK(s.parts[0].first == "train");
  CHECK(s.parts[1].first == "val");
  CHECK(s.parts[2].first == "test");
  CHECK(ids(s.part("train")) == std::vector<double>{1, 4});
  CHECK(s.part("test").find("part") == nullptr);
  Table m = csv(d.write("m.csv", "id,g,part\n1,a,train\n2,b,\n"), "g");
  CHECK(error_of([&] { run("split", {{"by_column", "part"}}, {{"data", m}}); }) ==
        "split: row 2 has no value in \"part\"; every row must name its part");
}

TEST_CASE("kfold: every row in exactly one val part, classes spread evenly", "[split]") {
  Table t = make({{"rock", 23}, {"pop", 11}, {"jazz", 6}});
  Split s = run_split("kfold", {{"k", 3}, {"seed", 1}}, {{"data", t}});
  REQUIRE(s.parts.size() == 6);
  CHECK(s.parts[0].first == "fold1_train");
  CHECK(s.parts[5].first == "fold3_val");
  std::multiset<double> in_val;
  for (int f = 1; f <= 3; ++f) {
    auto& tr = s.part("fold" + std::to_string(f) + "_train");
    auto& va = s.part("fold" + std::to_string(f) + "_val");
    CHECK(tr.rows() + va.rows() == 40);
    for (double i : ids(va)) in_val.insert(i);
    auto c = counts(va);
    CHECK(std::abs(static_cast<double>(c["rock"]) - 23.0 / 3) < 1);
    CHECK(std::abs(static_cast<double>(c["jazz"]) - 2) < 1);
    CHECK((va.rows() == 13 || va.rows() == 14));
  }
  CHECK(in_val.size() == 40);
  CHECK(std::set<double>(in_val.begin(), in_val.end()).size() == 40);

  Table g = make({{"a", 30}, {"b", 30}}, 3);
  Split gs = run_split("kfold", {{"k", 4}, {"group", "artist"}, {"stratified", false}}, {{"data", g}});
  std::map<double, int> fold_of;
  for (int f = 1; f <= 4; ++f)
    for (double a : gs.part("fold" + std::to_string(f) + "_val").column("artist").num) {
      auto [it, fresh] = fold_of.emplace(a, f);
      CHECK(it->second == f);
    }
  CHECK_THAT(error_of([&] { run("kfold", {{"k", 1}}, {{"data", t}}); }), Contains("k must be a whole number from 2"));
}
