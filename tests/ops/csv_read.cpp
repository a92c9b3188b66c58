// csv(): RFC 4180 edge cases and the errors a user sees for broken files.
#include <zlib.h>

#include <cmath>

#include "ops/io/csv.h"
#include "tabular_helpers.h"

using namespace tabtest;
using Catch::Contains;

TEST_CASE("csv: quoted fields hold commas, doubled quotes and line breaks", "[csv]") {
  TempDir d;
  auto p = d.write("q.csv",
                   "id,name,note\n"
                   "1,\"Smith, John\",\"He said \"\"hi\"\"\"\n"
                   "2,plain,\"two\nlines\"\n"
                   "3,\"\",last\n");
  Table t = csv(p);
  REQUIRE(t.rows() == 3);
  REQUIRE(t.cols.size() == 3);
  CHECK(t.source == p);
  CHECK(t.column("id").numeric);
  CHECK(num(t, "id") == std::vector<double>{1, 2, 3});
  CHECK_FALSE(t.column("name").numeric);
  CHECK(text(t, "name")[0] == "Smith, John");
  CHECK(text(t, "note")[0] == "He said \"hi\"");
  CHECK(text(t, "note")[1] == "two\nlines");
  CHECK(t.column("name").present == std::vector<uint8_t>{1, 1, 0});  // "" is empty: missing
}

TEST_CASE("csv: CRLF line ends, a BOM, no final newline", "[csv]") {
  TempDir d;
  auto p = d.write("crlf.csv", "\xEF\xBB\xBFGenre,Tempo\r\nrock,120.5\r\n\"pop\r\nmix\",99\r\njazz,80");
  Table t = csv(p, "Genre");
  REQUIRE(t.rows() == 3);
  CHECK(t.cols[0].name == "Genre");  // the BOM is not part of the name
  CHECK(t.label == "Genre");
  CHECK(text(t, "Genre") == std::vector<std::string>{"rock", "pop\r\nmix", "jazz"});
  CHECK(num(t, "Tempo") == std::vector<double>{120.5, 99, 80});
}

TEST_CASE("csv: type inference and missing values", "[csv]") {
  TempDir d;
  auto p = d.write("types.csv",
                   ",a,b,c,d\n"
                   "0,5200.0,3.43e-05,x,True\n"
                   "1,,-1E3,,False\n"
                   "2,7, 42 ,3,True\n");
  Table t = csv(p);
  CHECK(t.cols[0].name == "Unnamed: 0");  // as pandas names an unnamed index column
  CHECK(t.column("a").numeric);
  CHECK(num(t, "a")[0] == 5200.0);
  CHECK(std::isnan(num(t, "a")[1]));
  CHECK(num(t, "a")[2] == 7);
  CHECK(t.column("b").numeric);
  CHECK(num(t, "b") == std::vector<double>{3.43e-05, -1000, 42});
  CHECK_FALSE(t.column("c").numeric);  // "x" is not a number: the whole column is text
  CHECK(text(t, "c")[2] == "3");
  CHECK(t.column("c").present == std::vector<uint8_t>{1, 0, 1});
  CHECK_FALSE(t.column("d").numeric);
  CHECK(t.feature_names() == std::vector<std::string>{"Unnamed: 0", "a", "b"});
}

TEST_CASE("csv: inf and nan in a numeric column are errors naming row and column, or missing values if said so", "[csv]") {
  TempDir d;
  for (std::string odd : {"inf", "-Infinity", "nan", "NaN"}) {
    std::string rows = "a,b\n";
    for (int i = 0; i < 12; ++i) rows += std::to_string(i) + "," + (i == 7 ? odd : std::to_string(i * 2)) + "\n";
    auto p = d.write("odd.csv", rows);
    std::string e = error_of([&] { csv(p); });
    INFO(odd);
    CHECK_THAT(e, Contains(p + ":9: column \"b\": \"" + odd + "\" is not a number, but 11 of its 12 values are"));
    CHECK_THAT(e, Contains("missing: [\"" + odd + "\"]"));
  }
}

TEST_CASE("csv: a stray word in a numeric column is an error, not a silently dropped feature", "[csv]") {
  TempDir d;
  std::string rows = "a,b\n";
  for (int i = 0; i < 12; ++i) rows += std::to_string(i) + "," + (i == 4 ? std::string("n/a") : std::to_string(i * 2)) + "\n";
  auto p = d.write("stray.csv", rows);
  std::string e = error_of([&] { csv(p); });
  CHECK_THAT(e, Contains(p + ":6: column \"b\": \"n/a\" is not a number, but 11 of its 12 values are"));
  CHECK_THAT(e, Contains("missing: [\"n/a\"]"));

  Table marked = run_table("csv", {{"path", p}, {"missing", {"n/a"}}});
  CHECK(marked.column("b").numeric);
  CHECK(std::isnan(num(marked, "b")[4]));
  CHECK(num(marked, "b")[5] == 10);

  Table as_text = run_table("csv", {{"path", p}, {"text", {"b"}}});
  CHECK_FALSE(as_text.column("b").numeric);
  CHECK(as_text.column("a").numeric);
  CHECK_THAT(error_of([&] { run_table("csv", {{"path", p}, {"text", {"zz"}}}); }), Contains("\"zz\", which is not a column"));
}

TEST_CASE("csv: a ragged row names its line, counting the header as line 1", "[csv]") {
  TempDir d;
  auto p = d.write("ragged.csv", "a,b,c\n1,2,3\n\"multi\nline\",5,6\n7,8\n");
  // line 5: the record on lines 3-4 spans two lines
  CHECK(error_of([&] { csv(p); }) == p + ":5: row has 2 fields, the header has 3");
}

TEST_CASE("csv: an unterminated quote names the line where it began", "[csv]") {
  TempDir d;
  auto p = d.write("open.csv", "a,b\n1,2\n3,\"never closed\n4,5\n6,7\n");
  auto msg = error_of([&] { csv(p); });
  CHECK_THAT(msg, Contains(p + ":3:"));
  CHECK_THAT(msg, Contains("closing quote is missing"));
  auto p2 = d.write("after.csv", "a,b\n\"x\"y,2\n");
  CHECK_THAT(error_of([&] { csv(p2); }), Contains(p2 + ":2: unexpected text after the closing quote of field 1"));
}

TEST_CASE("csv: invalid UTF-8 is reported with line and byte", "[csv]") {
  TempDir d;
  auto p = d.write("latin1.csv", "name,x\nok,1\nBj\xF6rk,2\n");
  // byte offset: "name,x\n" 7 + "ok,1\n" 5 + "Bj" 2 = 14
  CHECK(error_of([&] { csv(p); }) ==
        p + ":3: not valid UTF-8: byte 0xF6 at byte 3 of the line (byte offset 14 in the file); save the file as UTF-8");
  auto ok = d.write("utf8.csv", "name,x\nBj\xC3\xB6rk,1\n\xE2\x82\xAC,2\n\xF0\x9F\x8E\xB5,3\n");
  CHECK(text(csv(ok), "name") == std::vector<std::string>{"Bj\xC3\xB6rk", "\xE2\x82\xAC", "\xF0\x9F\x8E\xB5"});
  auto overlong = d.write("overlong.csv", "n\n\xC0\xAF\n");
  CHECK_THAT(error_of([&] { csv(overlong); }), Contains(":2: not valid UTF-8: byte 0xC0"));
  auto cut = d.write("cut.csv", "n\nab\xE2\x82");
  CHECK_THAT(error_of([&] { csv(cut); }), Contains(":2: not valid UTF-8: byte 0xE2 at byte 3 of the line"));
}

TEST_CASE("csv: missing file, empty file, duplicate names, unknown label", "[csv]") {
  TempDir d;
  CHECK_THAT(error_of([&] { csv((d.dir / "nope.csv").string()); }), Contains("nope.csv: file not found"));
  auto empty = d.write("empty.csv", "");
  CHECK(error_of([&] { csv(empty); }) == empty + ": the file is empty (a header row is needed)");
  auto blank = d.write("blank.csv", "\n\r\n");
  CHECK_THAT(error_of([&] { csv(blank); }), Contains("the file is empty"));
  auto dup = d.write("dup.csv", "a,b,a\n1,2,3\n");
  CHECK(error_of([&] { csv(dup); }) ==
        dup + ":1: the header names column \"a\" twice (columns 1 and 3); column names must be unique");
  auto ok = d.write("ok.csv", "Genre,Tempo\nrock,1\n");
  CHECK(error_of([&] { csv(ok, "genre"); }) ==
        ok + ": no column \"genre\" to use as the label; the columns are \"Genre\", \"Tempo\"");
}

TEST_CASE("csv: header only gives an empty table - blank lines are skipped", "[csv]") {
  TempDir d;
  Table t = csv(d.write("h.csv", "a,b\n"));
  CHECK(t.rows() == 0);
  CHECK(t.cols.size() == 2);
  Table b = csv(d.write("b.csv", "a,b\n1,2\n\n3,4\n\n"));
  CHECK(num(b, "a") == std::vector<double>{1, 3});
}

TEST_CASE("csv: relative paths resolve against the script folder - other delimiters", "[csv]") {
  TempDir d;
  d.write("semi.csv", "a;b\n1;\"x;y\"\n");
  Table t = run_table("csv", {{"path", "semi.csv"}, {"delimiter", ";"}}, {}, d.dir.string());
  CHECK(t.source == "semi.csv");  // the name as written in the script
  CHECK(text(t, "b")[0] == "x;y");
  d.write("tab.tsv", "a\tb\n1\t2\n");
  CHECK(num(run_table("csv", {{"path", "tab.tsv"}, {"delimiter", "\t"}}, {}, d.dir.string()), "b")[0] == 2);
  CHECK_THAT(error_of([&] { run("csv", {{"path", "semi.csv"}, {"delimiter", ";;"}}, {}, d.dir.string()); }),
             Contains("delimiter must be one character"));
}

TEST_CASE("csv: gzip files are read with zlib - a truncated one is an error", "[csv]") {
  TempDir d;
  std::string body = "id,text\n";
  for (int i = 0; i < 2000; ++i) body += std::to_string(i) + ",\"row " + std::to_string(i) + ", with comma\"\n";
  auto p = (d.dir / "big.csv.gz").string();
  gzFile f = gzopen(p.c_str(), "wb");
  REQUIRE(f);
  gzwrite(f, body.data(), static_cast<unsigned>(body.size()));
  gzclose(f);
  Table t = csv(p);
  REQUIRE(t.rows() == 2000);
  CHECK(num(t, "id")[1999] == 1999);
  CHECK(text(t, "text")[7] == "row 7, with comma");

  std::ifstream in(p, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  auto cut = d.write("cut.csv.gz", bytes.substr(0, bytes.size() / 2));
  CHECK_THAT(error_of([&] { csv(cut); }), Contains("cut.csv.gz: cannot read (corrupt or truncated gzip?)"));
}

TEST_CASE("csv: the Spotify/YouTube file (31 MB gz, embedded newlines) reads whole", "[csv][shared]") {
  std::string p = std::string(GENRE_SHARED_DATA) + "/genre-factor/Spotify_Youtube_wikidata_genre.csv.gz";
  if (!std::filesystem::exists(p)) {
    WARN("skipped: " << p << " is absent");
    return;
  }
  Table t = csv(p, "Genre");  // its speed is bench/csv_bench's to measure, not a unit test's
  CHECK(t.rows() == 20718);
  CHECK(t.cols.size() == 29);
  CHECK(t.column("Danceability").numeric);
  CHECK(t.column("Duration_ms").numeric);
  CHECK_FALSE(t.column("Description").numeric);
  CHECK(text(t, "Track")[0] == "Feel Good Inc.");
  CHECK(text(t, "Genre")[0] == "trip hop");
  size_t hiphop = 0;
  for (auto& g : text(t, "Genre")) hiphop += g == "hip hop music";
  CHECK(hiphop == 1374);  // SOURCE.md's count
}
