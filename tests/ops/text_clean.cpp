// clean: each step on crafted strings (expected results worked out by hand from
// the step definitions in clean's doc; casefold's from CPython), the order of steps, the stopword list
// from the stdlib module or a file, invalid UTF-8 and empty results.
#include <fstream>
#include <sstream>

#include "lang/parser.h"
#include "ops/text/utf8.h"
#include "text_helpers.h"

using namespace texttest;
namespace text = genre::text;
using tabtest::error_of;
using tabtest::run_table;
using Catch::Contains;

TEST_CASE("clean lower: Unicode's simple lower-case mapping, every script", "[text][clean]") {
  CHECK(cleaned("HELLO World 42", {"lower"}) == "hello world 42");
  CHECK(cleaned("ÀÉÎ ÕÜ Ÿ ĀĞŁŽ ΑΒΓ АБВ ЁЖ", {"lower"}) == "àéî õü ÿ āğłž αβγ абв ёж");
  // Beyond the Latin, Greek and Cyrillic blocks: Armenian, fullwidth Latin, Cyrillic Ї.
  CHECK(cleaned("ԱԲԳ ＡＢＣ ЇЖАК", {"lower"}) == "աբգ ａｂｃ їжак");
  // Turkish: I -> i and İ -> i (no locale: dotless ı only where the text has it); ı stays.
  CHECK(cleaned("IĞDIR İSTANBUL ıi", {"lower"}) == "iğdir istanbul ıi");
  // One character to one: Σ -> σ at a word's end too (Python's str.lower gives ς there); ß stays.
  CHECK(cleaned("ΟΔΟΣ Straße × ſ 東京", {"lower"}) == "οδοσ straße × ſ 東京");
}

TEST_CASE("clean casefold: full case folding, as Python's str.casefold", "[text][clean]") {
  // Expected strings from CPython: unicodedata.normalize("NFC", s.casefold()).
  CHECK(cleaned("Straße ΟΔΟΣ ὈΔΌΣ İstanbul ǅ", {"casefold"}) == "strasse οδοσ ὀδόσ i\u0307stanbul ǆ");
  CHECK(cleaned("STRASSE", {"casefold"}) == cleaned("straße", {"casefold"}));
  CHECK(cleaned("ὀδός", {"casefold"}) == cleaned("ὈΔΌΣ", {"casefold"}));
}

TEST_CASE("clean: text is put in NFC first, so an accent typed two ways is one word", "[text][clean]") {
  CHECK(cleaned("e\u0301te\u0301", {"lower"}) == "\u00e9t\u00e9");
  CHECK(cleaned("CAFE\u0301", {"lower"}) == cleaned("caf\u00e9", {"lower"}));
  // Hangul jamo compose to syllables; a mark after a removed character stays a mark.
  CHECK(cleaned("\u1112\u1161\u11ab", {"lower"}) == "\ud55c");
  CHECK(text::words("cafe\u0301 caf\u00e9") == std::vector<std::string>{"caf\u00e9", "caf\u00e9"});
}

TEST_CASE("clean links: http, https and www. up to the next space, any case", "[text][clean]") {
  CHECK(cleaned("see http://a.b/c?d=1 and WWW.x.org, (https://y.z) now", {"links"}) == "see and ( now");
  CHECK(cleaned("HTTPS://EXAMPLE.COM/x", {"links"}) == "");
  // Not at the start of a word: kept.
  CHECK(cleaned("awww.x xhttp://q", {"links"}) == "awww.x xhttp://q");
}

TEST_CASE("clean punctuation: Python's string.punctuation and Unicode's punctuation categories", "[text][clean]") {
  CHECK(cleaned("Hello, world! \"Don't\" \u2014 stop\u2026 \u00bfqu\u00e9? \u00aboui\u00bb a-b_c", {"punctuation"}) ==
        "Hello world Don t stop qu\u00e9 oui a b c");
  CHECK(cleaned("it\u2019s \u201cquoted\u201d", {"punctuation"}) == "it s quoted");
  // CJK and Arabic punctuation (Po, Ps, Pe) go; string.punctuation's ASCII symbols go.
  CHECK(cleaned("\u6771\u4eac\u3001\u300c\u5927\u300d\u3002 \u0645\u0631\u062d\u0628\u0627\u060c \u061f $5+1", {"punctuation"}) ==
        "\u6771\u4eac \u5927 \u0645\u0631\u062d\u0628\u0627 5 1");
  // Other symbols are not punctuation.
  CHECK(cleaned("5 \u20ac \u00a9 \u2605", {"punctuation"}) == "5 \u20ac \u00a9 \u2605");
}

TEST_CASE("clean non_alnum: letters, marks and numbers of every script stay, symbols and emoji go", "[text][clean]") {
  CHECK(cleaned("caf\u00e9 \u2615 na\u00efve \U0001F600 x\u00d7y \u6771\u4eac \u2605 \u03a9 1+1", {"non_alnum"}) ==
        "caf\u00e9 na\u00efve x y \u6771\u4eac \u03a9 1 1");
  // NFC first: e + U+0301 is one letter.
  CHECK(cleaned("e\u0301t\u00e9!", {"non_alnum"}) == "\u00e9t\u00e9");
  // A mark with no letter to compose with stays (category Mn); Arabic's comma goes.
  CHECK(cleaned("q\u0323 \u0645\u060c", {"non_alnum"}) == "q\u0323 \u0645");
}

TEST_CASE("clean digits: the decimal digits of every script", "[text][clean]") {
  CHECK(cleaned("mp3 24/7 \u0663 \u0969x \u00bd", {"digits"}) == "mp / x \u00bd");  // ½ is No, not Nd
}

TEST_CASE("clean stopwords: whole words, exactly - order of steps matters", "[text][clean]") {
  CHECK(cleaned("The cat and the hat a", {"stopwords"}, {"the", "a"}) == "The cat and hat");
  CHECK(cleaned("The cat and the hat a", {"lower", "stopwords"}, {"the", "a"}) == "cat and hat");
  CHECK(cleaned("The cat and the hat a", {"stopwords", "lower"}, {"the", "a"}) == "the cat and hat");
  CHECK(cleaned("theatre at a", {"stopwords"}, {"the", "a"}) == "theatre at");
}

TEST_CASE("clean always collapses whitespace and trims", "[text][clean]") {
  CHECK(cleaned("  a\t\tb\u00a0c\u3000d\n", {"lower"}) == "a b c d");
  // Python's str.isspace(): the Ogham space mark (Zs) and the ASCII separators U+001C-U+001F too.
  CHECK(cleaned("a\u1680b\x1f" "c", {"lower"}) == "a b c");
}

TEST_CASE("clean with S3's steps and the stdlib's stopwords_en", "[text][clean]") {
  // The list as a script gets it: parse stdlib/text.genre.
  std::string path = std::string(GENRE_STDLIB_DIR) + "/text.genre";
  std::ifstream f(path);
  REQUIRE(f);
  std::stringstream ss;
  ss << f.rdbuf();
  genre::lang::Diagnostics d;
  auto script = genre::lang::parse(path, ss.str(), d);
  REQUIRE(d.list.empty());
  std::vector<std::string> stop;
  for (auto& def : script.defs)
    if (def.name == "stopwords_en")
      for (auto& it : def.value->items) stop.push_back(it->text);
  REQUIRE(stop.size() == 179);
  CHECK(stop.front() == "i");
  CHECK(stop.back() == "wouldn't");

  genre::json p = {{"column", "text"},
                   {"steps", steps({"lower", "links", "punctuation", "non_alnum", "stopwords"})},
                   {"stopwords", stop}};
  Table out = run_table("clean", p,
                        {{"data", table({"I don't know where it goes... http://x.y",
                                         "We're NOT alone \u2014 you'll see \U0001F600 the Light!"})}});
  REQUIRE(out.rows() == 2);
  CHECK(out.column("text").text[0] == "know goes");
  CHECK(out.column("text").text[1] == "alone see light");  // we, re, not, you, ll, the are stopwords
}

TEST_CASE("clean reads a stopword file - the stopwords step without a list is an error", "[text][clean]") {
  tabtest::TempDir dir;
  dir.write("stop.txt", "# my list\nthe\n\n  a  \n");
  genre::json p = {{"column", "text"}, {"steps", steps({"stopwords"})}, {"stopwords", "stop.txt"}};
  Table out = run_table("clean", p, {{"data", table({"a dog the end"})}}, dir.dir.string());
  CHECK(out.column("text").text[0] == "dog end");

  dir.write("bad.txt", "the\ntwo words\n");
  p["stopwords"] = "bad.txt";
  CHECK_THAT(error_of([&] { run_table("clean", p, {{"data", table({"x"})}}, dir.dir.string()); }),
             Contains("bad.txt:2: one word per line expected, found 2"));

  p.erase("stopwords");
  CHECK_THAT(error_of([&] { run_table("clean", p, {{"data", table({"x"})}}); }),
             Contains("the stopwords step needs a list"));
}

TEST_CASE("clean: invalid UTF-8 names the table's source and the row", "[text][clean]") {
  Table t = table({"fine", "bro\xFFken"}, {}, "lyrics.csv");
  std::string err = error_of([&] { run_table("clean", {{"column", "text"}, {"steps", steps({"lower"})}}, {{"data", t}}); });
  CHECK_THAT(err, Contains("lyrics.csv, row 2 (column \"text\"): not valid UTF-8: byte 0xFF at byte 4"));
}

TEST_CASE("clean on_empty: drop (default), keep or fail", "[text][clean]") {
  Table t = table({"Hello!", "?!...", "", "World"}, {"a", "b", "b", "a"});
  t.cols[0].present[2] = 0;  // a missing text counts as empty
  genre::json p = {{"column", "text"}, {"steps", steps({"punctuation"})}};

  Table dropped = run_table("clean", p, {{"data", t}});
  CHECK(dropped.column("text").text == std::vector<std::string>{"Hello", "World"});
  CHECK(dropped.column("genre").text == std::vector<std::string>{"a", "a"});
  // The count is visible through label_counts of the tables before and after.
  genre::json counts = report("label_counts", genre::json::object(), {{"data", t}, {"data", dropped}});
  CHECK(counts["tables"]["data"]["rows"] == 4);
  CHECK(counts["tables"]["data_2"]["rows"] == 2);
  CHECK(counts["tables"]["data_2"]["counts"].value("b", 0) == 0);

  p["on_empty"] = "keep";
  Table kept = run_table("clean", p, {{"data", t}});
  CHECK(kept.column("text").text == std::vector<std::string>{"Hello", "", "", "World"});

  p["on_empty"] = "fail";
  CHECK_THAT(error_of([&] { run_table("clean", p, {{"data", t}}); }),
             Contains("made.csv, row 2 (column \"text\"): the text is empty after cleaning (it was \"?!...\")"));
}

TEST_CASE("clean refuses a numeric column and an unknown step", "[text][clean]") {
  Table t = table({"a"});
  t.cols.push_back(num_col("n", {1}));
  CHECK_THAT(error_of([&] { run_table("clean", {{"column", "n"}, {"steps", steps({"lower"})}}, {{"data", t}}); }),
             Contains("holds numbers, not text"));
  CHECK_THAT(error_of([&] { run_table("clean", {{"column", "text"}, {"steps", steps({"lowr"})}}, {{"data", t}}); }),
             Contains("step 1 is not one of"));
  CHECK_THAT(error_of([&] { run_table("clean", {{"column", "nope"}, {"steps", steps({"lower"})}}, {{"data", t}}); }),
             Contains("no column \"nope\""));
}
