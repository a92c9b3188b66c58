// merge { ... } and merge_tags: the block planned into its record, then tags
// merged on a hand-built long table (expected rows worked out by hand below).
#include <catch2/catch.hpp>

#include "lang/checker.h"
#include "lang/parser.h"
#include "runtime/engine/plan.h"
#include "text_helpers.h"

using namespace texttest;
using genre::json;
using tabtest::error_of;
using tabtest::run_table;
using tabtest::TempDir;
using Catch::Contains;

namespace {

// a1: deep house 1.0, hard house 0.95, rock 0.5 -> house (max 1.0), rock
// a2: house 0.4, progressive house 0.9           -> house (max 0.9)
// a3: rap 1.0, hip-hop 0.2, trance 0.7            -> hip hop (1.0), trance kept
// a4: tag missing; "" item: deep house (no item: not collapsed, but renamed)
Table tags() {
  Table t;
  t.source = "terms.csv";
  t.cols.push_back(text_col("artist_id", {"a1", "a1", "a1", "a2", "a2", "a3", "a3", "a3", "a4", ""}));
  t.cols.push_back(text_col("term", {"deep house", "rock", "hard house", "house", "progressive house", "rap", "hip-hop",
                                     "trance", "", "deep house"}));
  t.cols.push_back(num_col("norm", {1.0, 0.5, 0.95, 0.4, 0.9, 1.0, 0.2, 0.7, 1.0, 0.3}));
  t.cols[1].present[8] = 0;
  t.cols[0].present[9] = 0;
  return t;
}

const json merge_g = {{"house", {"progressive house", "hard house", "deep house"}}, {"hip hop", {"rap", "hip-hop"}}};

}  // namespace

TEST_CASE("merge_tags: sources become their genre, once per item, with the largest value", "[tags][merge]") {
  Table out = run_table("merge_tags", {{"merge", merge_g}}, {{"data", tags()}});
  std::vector<std::string> items, terms;
  for (size_t r = 0; r < out.rows(); ++r) {
    items.push_back(out.column("artist_id").present[r] ? out.column("artist_id").text[r] : "-");
    terms.push_back(out.column("term").present[r] ? out.column("term").text[r] : "-");
  }
  CHECK(items == std::vector<std::string>{"a1", "a1", "a2", "a3", "a3", "a4", "-"});
  CHECK(terms == std::vector<std::string>{"house", "rock", "house", "hip hop", "trance", "-", "house"});
  CHECK(out.column("norm").num == std::vector<double>{1.0, 0.5, 0.9, 1.0, 0.7, 1.0, 0.3});
}

TEST_CASE("merge_tags: a tag feeding two genres gives a row for each", "[tags][merge]") {
  json m = {{"house", {"trance"}}, {"electronic", {"trance", "techno"}}};
  Table out = run_table("merge_tags", {{"merge", m}, {"item", "artist_id"}, {"tag", "term"}}, {{"data", tags()}});
  std::vector<std::string> a3;
  for (size_t r = 0; r < out.rows(); ++r)
    if (out.column("artist_id").present[r] && out.column("artist_id").text[r] == "a3") a3.push_back(out.column("term").text[r]);
  CHECK(a3 == std::vector<std::string>{"rap", "hip-hop", "electronic", "house"});  // targets in the record's (sorted) order
}

TEST_CASE("merge_tags: bad merges and columns are clear errors", "[tags][merge]") {
  CHECK_THAT(error_of([] { run_table("merge_tags", {{"merge", json::array({"a"})}}, {{"data", tags()}}); }),
             Contains("merge must be a record"));
  CHECK_THAT(error_of([] { run_table("merge_tags", {{"merge", {{"house", {1, 2}}}}}, {{"data", tags()}}); }),
             Contains("the tags merged into \"house\" must be strings, got 1"));
  CHECK_THAT(error_of([] { run_table("merge_tags", {{"merge", merge_g}, {"tag", "genre"}}, {{"data", tags()}}); }),
             Contains("genre"));
}

// The script's block, checked and planned: merge_tags receives the record.
TEST_CASE("merge { a <- [...] } plans into the record merge_tags reads", "[tags][merge][plan]") {
  genre::register_all();
  TempDir dir;
  dir.write("terms.csv", "artist_id,term,norm\na1,deep house,1\na1,rap,0.5\na2,hip-hop,0.9\na2,house,0.8\n");
  std::string src =
      "genres g = merge {\n"
      "  house <- [\"progressive house\", \"hard house\", \"deep house\"]\n"
      "  \"hip hop\" <- [\"rap\", \"hip-hop\"]\n"
      "}\n"
      "dataset merged = csv(\"terms.csv\") |> merge_tags(g)\n"
      "instruments band = map { drums <- percussion; piano <- programs 0..7, 9; bass <- programs 32..39 }\n"
      "dataset notes = csv(\"terms.csv\") |> instruments(map: band)\n";
  genre::lang::Diagnostics d;
  auto script = genre::lang::parse((dir.dir / "s.genre").string(), src, d);
  genre::lang::Bindings b;
  genre::lang::check(script, genre::lang::catalog(), d, &b);
  INFO(genre::lang::format(d, script));
  REQUIRE(!d.has_errors());
  genre::Plan plan = genre::lower(script, b, {"merged", "notes"});
  const genre::Node* merge = nullptr;
  const genre::Node* inst = nullptr;
  for (auto& n : plan.nodes) {
    if (n.op == "merge_tags") merge = &n;
    if (n.op == "instruments") inst = &n;
  }
  REQUIRE(merge);
  REQUIRE(inst);
  CHECK(merge->params["merge"] == merge_g);
  CHECK(inst->params["map"] == json{{"drums", "percussion"}, {"piano", {{0, 7}, {9, 9}}}, {"bass", {{32, 39}}}});

  // And on the rows: a1 carries house and hip hop, a2 hip hop and house.
  Table terms = tabtest::csv((dir.dir / "terms.csv").string());
  Table out = run_table("merge_tags", merge->params, {{"data", terms}});
  CHECK(out.column("term").text == std::vector<std::string>{"house", "hip hop", "hip hop", "house"});
}
