// Multi-valued genre cells (explode, first_of), top_labels, balance and
// label_counts: counts worked out by hand, determinism and uniformity of the
// seeded draw.
#include <map>
#include <set>

#include "text_helpers.h"

using namespace texttest;
using tabtest::error_of;
using tabtest::run;
using tabtest::run_table;
using Catch::Contains;

namespace {

Table genres_table() {
  Table t;
  t.source = "artists.csv";
  t.cols.push_back(num_col("id", {0, 1, 2, 3, 4}));
  t.cols.push_back(text_col("Genres", {"Rock; Pop", " Jazz ;; ", "", "Blues", "\u00a0Soft Rock\u00a0;Pop"}));
  t.cols[1].present[2] = 0;
  return t;
}

// rock x5, pop x3, jazz x3, blues x1, one missing label; id = row number.
Table labelled() {
  std::vector<std::string> g = {"rock", "pop", "jazz", "rock", "pop", "rock", "jazz", "blues",
                                "rock", "", "pop", "jazz", "rock"};
  Table t = table(std::vector<std::string>(g.size(), "x"), g);
  t.cols[1].present[9] = 0;
  std::vector<double> id;
  for (size_t i = 0; i < g.size(); ++i) id.push_back(static_cast<double>(i));
  t.cols.push_back(num_col("id", id));
  return t;
}

std::map<std::string, size_t> counts(const Table& t) {
  std::map<std::string, size_t> m;
  const auto& c = t.column(t.label);
  for (size_t r = 0; r < c.text.size(); ++r)
    if (c.present[r]) ++m[c.text[r]];
  return m;
}

}  // namespace

TEST_CASE("explode: one row per value, trimmed, empty values left out", "[text][labels]") {
  Table out = run_table("explode", {{"column", "Genres"}}, {{"data", genres_table()}});
  const auto& g = out.column("Genres");
  CHECK(out.column("id").num == std::vector<double>{0, 0, 1, 2, 3, 4, 4});
  CHECK(g.text == std::vector<std::string>{"Rock", "Pop", "Jazz", "", "Blues", "Soft Rock", "Pop"});
  CHECK(g.present == std::vector<uint8_t>{1, 1, 1, 0, 1, 1, 1});

  Table bar = run_table("explode", {{"column", "genre"}, {"sep", "|"}}, {{"data", table({"x", "y"}, {"a | b", "c"})}});
  CHECK(bar.column("genre").text == std::vector<std::string>{"a", "b", "c"});
  CHECK(bar.column("text").text == std::vector<std::string>{"x", "x", "y"});
  CHECK(bar.label == "genre");
}

TEST_CASE("first_of: the first value of each cell", "[text][labels]") {
  Table out = run_table("first_of", {{"column", "Genres"}}, {{"data", genres_table()}});
  const auto& g = out.column("Genres");
  CHECK(out.rows() == 5);
  CHECK(g.text == std::vector<std::string>{"Rock", "Jazz", "", "Blues", "Soft Rock"});
  CHECK(g.present == std::vector<uint8_t>{1, 1, 0, 1, 1});
  CHECK_THAT(error_of([&] { run_table("first_of", {{"column", "id"}}, {{"data", genres_table()}}); }),
             Contains("column \"id\" of artists.csv holds numbers, not text"));
  CHECK_THAT(error_of([&] { run_table("first_of", {{"column", "Genres"}, {"sep", ""}}, {{"data", genres_table()}}); }),
             Contains("sep must not be empty"));
}

TEST_CASE("top_labels: the k most frequent labels, ties alphabetical, table order", "[text][labels]") {
  Table two = run_table("top_labels", {{"k", 2}}, {{"data", labelled()}});
  CHECK(counts(two) == std::map<std::string, size_t>{{"jazz", 3}, {"rock", 5}});  // pop ties jazz at 3 and loses
  CHECK(two.column("id").num == std::vector<double>{0, 2, 3, 5, 6, 8, 11, 12});

  Table all = run_table("top_labels", {{"k", 10}}, {{"data", labelled()}});
  CHECK(all.rows() == 12);  // the missing label is dropped
  CHECK_THAT(error_of([&] { run_table("top_labels", {{"k", 0}}, {{"data", labelled()}}); }),
             Contains("k must be a whole number of at least 1"));
  CHECK_THAT(error_of([&] { run_table("top_labels", {{"k", 2}}, {{"data", table({"a"})}}); }),
             Contains("has no label column"));
}

TEST_CASE("balance: up to N rows per label, seeded, table order", "[text][labels]") {
  genre::json p = {{"per_label", 2}, {"seed", 11}};
  Table a = run_table("balance", p, {{"data", labelled()}});
  Table b = run_table("balance", p, {{"data", labelled()}});
  CHECK(counts(a) == std::map<std::string, size_t>{{"blues", 1}, {"jazz", 2}, {"pop", 2}, {"rock", 2}});
  CHECK(a.column("id").num == b.column("id").num);  // same seed, same rows
  auto ids = a.column("id").num;
  CHECK(std::is_sorted(ids.begin(), ids.end()));
  Table src = labelled();
  for (size_t r = 0; r < a.rows(); ++r)  // each kept row is the source row with that id
    CHECK(a.column("genre").text[r] == src.column("genre").text[static_cast<size_t>(ids[r])]);

  // Every rock row is drawn with probability 2/5: over 2000 seeds each is kept about 800 times.
  std::map<double, int> kept;
  std::set<std::vector<double>> distinct;
  for (int seed = 0; seed < 2000; ++seed) {
    Table s = run_table("balance", {{"per_label", 2}, {"seed", seed}}, {{"data", labelled()}});
    std::vector<double> rock;
    for (size_t r = 0; r < s.rows(); ++r)
      if (s.column("genre").text[r] == "rock") rock.push_back(s.column("id").num[r]), ++kept[s.column("id").num[r]];
    distinct.insert(rock);
  }
  CHECK(distinct.size() == 10);  // all C(5, 2) pairs occur
  for (double id : {0.0, 3.0, 5.0, 8.0, 12.0}) {
    INFO("row " << id);
    CHECK(std::abs(kept[id] - 800) < 90);  // 4 standard deviations (sd = sqrt(2000 * 0.4 * 0.6) = 21.9)
  }

  Table big = run_table("balance", {{"per_label", 100}, {"seed", 1}}, {{"data", labelled()}});
  CHECK(big.rows() == 12);  // fewer rows than asked: all of them; the missing label dropped
  CHECK_THAT(error_of([&] { run_table("balance", {{"per_label", 0}}, {{"data", labelled()}}); }),
             Contains("per_label must be a whole number of at least 1"));
}

TEST_CASE("label_counts: rows per label of each table, under its name", "[text][labels]") {
  genre::json r = report("label_counts", genre::json::object(), {{"data", labelled()}});
  REQUIRE(r["order"] == genre::json::array({"data"}));
  const auto& t = r["tables"]["data"];
  CHECK(t["rows"] == 13);
  CHECK(t["labels"] == 4);
  CHECK(t["missing_label"] == 1);
  CHECK(t["counts"] == genre::json({{"blues", 1}, {"jazz", 3}, {"pop", 3}, {"rock", 5}}));
}
