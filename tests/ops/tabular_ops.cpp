// join, keep, relabel, select, drop_columns, label.
#include <cmath>

#include "tabular_helpers.h"

using namespace tabtest;
using Catch::Contains;

namespace {
json expr_in(const std::string& col, std::vector<std::string> vals) {
  json items = json::array();
  for (auto& v : vals) items.push_back({{"str", v}});
  return {{"op", "in"}, {"args", {{{"name", col}}, {{"list", items}}}}};
}
}  // namespace

TEST_CASE("join: keys equal by value, right columns appended, clashes get _2", "[tabular]") {
  TempDir d;
  Table a = csv(d.write("a.csv", "id,Tempo,Genre\n5200.0,120,rock\n5201.0,90,pop\n5202.0,100,jazz\n"), "Genre");
  Table b = csv(d.write("b.csv", "id,split,Genre\n5201,test,POP\n5200,train,ROCK\n5200,val,ROCK2\n9999,x,y\n"));
  Table j = run_table("join", {{"on", "id"}}, {{"data", a}, {"other", b}});
  // left order; 5200 matches two right rows (SQL semantics); 5202 has no match (inner)
  CHECK(num(j, "id") == std::vector<double>{5200, 5200, 5201});
  CHECK(text(j, "split") == std::vector<std::string>{"train", "val", "test"});
  CHECK(text(j, "Genre") == std::vector<std::string>{"rock", "rock", "pop"});
  CHECK(text(j, "Genre_2") == std::vector<std::string>{"ROCK", "ROCK2", "POP"});
  CHECK(j.label == "Genre");
  CHECK(j.cols.size() == 5);

  Table l = run_table("join", {{"on", json::array({"id"})}, {"how", "left"}}, {{"data", a}, {"other", b}});
  REQUIRE(l.rows() == 4);
  CHECK(l.column("split").present == std::vector<uint8_t>{1, 1, 1, 0});
}

TEST_CASE("join: other_on names the other table's key - distinct keeps the first row per key", "[tabular]") {
  TempDir d;
  // artists-data.csv repeats an artist; lyrics-data.csv names the key ALink.
  Table artists = csv(d.write("artists.csv", "Link,Genres\n/a/,Rock; Pop\n/b/,Pop\n/a/,Rock\n"));
  Table lyrics = csv(d.write("lyrics.csv", "ALink,SName\n/b/,song1\n/a/,song2\n/c/,song3\n"));
  Table once = run_table("distinct", {{"on", "Link"}}, {{"data", artists}});
  CHECK(text(once, "Genres") == std::vector<std::string>{"Rock; Pop", "Pop"});
  Table j = run_table("join", {{"on", "Link"}, {"other_on", "ALink"}}, {{"data", once}, {"other", lyrics}});
  CHECK(text(j, "Link") == std::vector<std::string>{"/a/", "/b/"});
  CHECK(text(j, "SName") == std::vector<std::string>{"song2", "song1"});
  CHECK(j.find("ALink") == nullptr);  // the key appears once
  CHECK_THAT(error_of([&] { run_table("join", {{"on", "Link"}, {"other_on", {"ALink", "x"}}}, {{"data", once}, {"other", lyrics}}); }),
             Contains("'other_on' names 2"));
}

TEST_CASE("join: no match at all, mixed key types, missing key column", "[tabular]") {
  TempDir d;
  auto ap = d.write("a.csv", "id,x\n1,2\n3,4\n");
  auto bp = d.write("b.csv", "id,y\n7,8\n9,10\n");
  Table a = csv(ap), b = csv(bp);
  CHECK(error_of([&] { run("join", {{"on", "id"}}, {{"data", a}, {"other", b}}); }) ==
        "join on 'id': no row of " + ap + " matches any row of " + bp + "; first keys: " + ap + " has \"1\", \"3\", " +
            bp + " has \"7\", \"9\"");
  Table c = csv(d.write("c.csv", "id,z\nab,1\n"));
  CHECK_THAT(error_of([&] { run("join", {{"on", "id"}}, {{"data", a}, {"other", c}}); }),
             Contains("the key is numbers in " + ap + " but text in"));
  CHECK_THAT(error_of([&] { run("join", {{"on", "key"}}, {{"data", a}, {"other", b}}); }),
             Contains("no column \"key\""));
}

TEST_CASE("keep: filters rows - an unknown label is a clear error, no row left a warning", "[tabular]") {
  TempDir d;
  Table t = csv(d.write("g.csv", "Genre,Tempo\nrock,120\npop,90\nrock,100\njazz,80\n"), "Genre");
  Table k = run_table("keep", {{"where", expr_in("label", {"rock", "jazz"})}}, {{"data", t}});
  CHECK(text(k, "Genre") == std::vector<std::string>{"rock", "rock", "jazz"});
  CHECK(num(k, "Tempo") == std::vector<double>{120, 100, 80});
  CHECK(k.label == "Genre");
  CHECK(error_of([&] { run("keep", {{"where", expr_in("label", {"rock", "rokc"})}}, {{"data", t}}); }) ==
        "keep: no row has label 'rokc' (did you mean 'rock'?) (labels present: \"rock\", \"jazz\", \"pop\")");
  json none = {{"op", ">"}, {"args", {{{"name", "Tempo"}}, {{"num", 500}}}}};
  // A condition no row meets: an empty table (with its columns and label) and a warning, not an error.
  Table e = run_table("keep", {{"where", none}}, {{"data", t}});
  CHECK(e.rows() == 0);
  CHECK(e.column_names() == t.column_names());
  CHECK(e.label == "Genre");
  REQUIRE(tabtest::warnings().size() == 1);
  CHECK(tabtest::warnings()[0] == "keep: no row of " + t.source + " satisfies `Tempo > 500`: the table is empty");
}

TEST_CASE("relabel: inline record or CSV map - unmapped keep/drop/error", "[tabular]") {
  TempDir d;
  Table t = csv(d.write("g.csv", "Genre,x\nhip hop music,1\npop music,2\nrap,3\nopera,4\n"), "Genre");
  json map = {{"hip hop music", "hip hop"}, {"rap", "hip hop"}, {"pop music", "pop"}};
  Table k = run_table("relabel", {{"map", map}}, {{"data", t}});
  CHECK(text(k, "Genre") == std::vector<std::string>{"hip hop", "pop", "hip hop", "opera"});
  Table dr = run_table("relabel", {{"map", map}, {"unmapped", "drop"}}, {{"data", t}});
  CHECK(num(dr, "x") == std::vector<double>{1, 2, 3});
  CHECK(error_of([&] { run("relabel", {{"map", map}, {"unmapped", "error"}}, {{"data", t}}); }) ==
        "relabel: 1 value(s) of \"Genre\" are not in the map: \"opera (1 rows)\"; add them to the map or use "
        "unmapped: keep / drop");

  d.write("map.csv", "from,to\nhip hop music,hip hop\nrap,hip hop\npop music,pop\nopera,classic\n");
  Table f = run_table("relabel", {{"map", "map.csv"}}, {{"data", t}}, d.dir.string());
  CHECK(text(f, "Genre") == std::vector<std::string>{"hip hop", "pop", "hip hop", "classic"});
  d.write("bad.csv", "from,to\nrap,hip hop\nrap,pop\n");
  CHECK(error_of([&] { run("relabel", {{"map", "bad.csv"}}, {{"data", t}}, d.dir.string()); }) ==
        "bad.csv:3: \"rap\" is mapped twice, to \"hip hop\" and \"pop\"");
  d.write("cols.csv", "old,new\na,b\n");
  CHECK_THAT(error_of([&] { run("relabel", {{"map", "cols.csv"}}, {{"data", t}}, d.dir.string()); }),
             Contains("cols.csv: no column \"from\""));
  // another column than the label
  Table c = run_table("relabel", {{"map", json{{"1", "one"}}}, {"column", "x"}}, {{"data", t}});
  CHECK_FALSE(c.column("x").numeric);
  CHECK(text(c, "x") == std::vector<std::string>{"one", "2", "3", "4"});
}

TEST_CASE("select / drop_columns / label", "[tabular]") {
  TempDir d;
  Table t = csv(d.write("t.csv", "Track,Tempo,Energy,Genre\na,1,2,rock\n"), "Genre");
  Table s = run_table("select", {{"columns", json::array({"Energy", "Tempo"})}}, {{"data", t}});
  REQUIRE(s.cols.size() == 3);
  CHECK(s.cols[0].name == "Energy");
  CHECK(s.cols[1].name == "Tempo");
  CHECK(s.cols[2].name == "Genre");  // the label is always kept
  CHECK(run_table("select", {{"columns", "Tempo"}}, {{"data", t}}).cols.size() == 2);
  CHECK_THAT(error_of([&] { run("select", {{"columns", json::array({"tempo"})}}, {{"data", t}}); }),
             Contains("select: " + t.source + " has no column \"tempo\" (did you mean \"Tempo\"?); the columns are "
                      "\"Track\", \"Tempo\", \"Energy\", \"Genre\""));

  Table dr = run_table("drop_columns", {{"columns", json::array({"Track"})}}, {{"data", t}});
  CHECK(dr.cols.size() == 3);
  CHECK(dr.find("Track") == nullptr);
  CHECK_THAT(error_of([&] { run("drop_columns", {{"columns", "Genre"}}, {{"data", t}}); }),
             Contains("is the label column and cannot be dropped"));

  Table l = run_table("label", {{"column", "Track"}}, {{"data", t}});
  CHECK(l.label == "Track");
  CHECK(l.feature_names() == std::vector<std::string>{"Tempo", "Energy"});
  CHECK_THAT(error_of([&] { run("label", {{"column", "genre"}}, {{"data", t}}); }), Contains("did you mean \"Genre\""));
}

TEST_CASE("tabular ops are in the catalog with a doc for every param", "[tabular]") {
  genre::register_all();
  for (const char* n : {"csv", "join", "keep", "relabel", "select", "drop_columns", "label", "impute", "quantile",
                        "minmax", "standardize", "split", "kfold"}) {
    INFO(n);
    auto* s = genre::lang::catalog().find(n);
    REQUIRE(s);
    CHECK(!s->doc.empty());
    for (auto& p : s->params) {
      INFO(p.name);
      CHECK(!p.doc.empty());
    }
    CHECK(genre::find_op(n));
  }
  // preprocessing takes a Split only: a plain table is rejected by the checker (no leakage)
  for (const char* n : {"impute", "quantile", "minmax", "standardize"})
    CHECK(genre::lang::catalog().find(n)->params[0].types == std::vector<genre::lang::Type>{genre::lang::Type::Split});
}
