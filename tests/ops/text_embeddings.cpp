// embeddings (GloVe's text format) and coverage: crafted files with broken
// lines, the real 5,050-word GloVe subset checked against its JSON original,
// the embedding matrix of a vocabulary and the coverage report by hand.
#include <zlib.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "ops/text/embeddings.h"
#include "text_helpers.h"

using namespace texttest;
using tabtest::error_of;
using tabtest::run;
using tabtest::run_split;
using tabtest::run_table;
using tabtest::TempDir;
using Catch::Contains;
using Catch::WithinAbs;
using genre::Split;

namespace {

Table read(const TempDir& dir, const std::string& name, int dims, const std::string& on_error = "fail") {
  return run_table("embeddings", {{"path", name}, {"dims", dims}, {"on_error", on_error}}, {}, dir.dir.string());
}

std::string read_error(const TempDir& dir, const std::string& name, int dims) {
  return error_of([&] { read(dir, name, dims); });
}

}  // namespace

TEST_CASE("embeddings reads GloVe's text format", "[text][embeddings]") {
  TempDir dir;
  dir.write("v.txt", "the 0.1 0.2 0.3\nrock 1 2 3\n\nlove -1.5 2e-1 0\r\n");
  Table t = read(dir, "v.txt", 3);
  CHECK(t.source == "v.txt");
  CHECK(t.column("word").text == std::vector<std::string>{"the", "rock", "love"});
  CHECK(t.column("line").num == std::vector<double>{1, 2, 4});
  const auto& v = t.column("vector");
  CHECK(v.seq_dims == 3);
  CHECK(v.seq[0] == std::vector<float>{0.1f, 0.2f, 0.3f});
  CHECK(v.seq[2] == std::vector<float>{-1.5f, 0.2f, 0.0f});

  // word2vec's first line "count dims" is skipped, and must agree with dims.
  dir.write("w2v.txt", "2 3\nthe 0.1 0.2 0.3\nrock 1 2 3\n");
  CHECK(read(dir, "w2v.txt", 3).rows() == 2);
  CHECK_THAT(read_error(dir, "w2v.txt", 4), Contains("w2v.txt:1: the header says 3 dimensions, but dims is 4"));

  // gzip is decompressed.
  std::string gz = (dir.dir / "v.txt.gz").string();
  gzFile f = gzopen(gz.c_str(), "wb");
  std::string body = "jazz 4 5 6\n";
  gzwrite(f, body.data(), static_cast<unsigned>(body.size()));
  gzclose(f);
  CHECK(read(dir, "v.txt.gz", 3).column("vector").seq[0] == std::vector<float>{4, 5, 6});
}

TEST_CASE("embeddings: a broken line stops the run with file:line, or is skipped and counted", "[text][embeddings]") {
  TempDir dir;
  dir.write("short.txt", "the 0.1 0.2 0.3\nrock 1 2 3\npop 1 2\n");
  CHECK_THAT(read_error(dir, "short.txt", 3), Contains("short.txt:3: expected 3 values after the word \"pop\", found 2"));
  dir.write("long.txt", "the 0.1 0.2 0.3 0.4\n");
  CHECK_THAT(read_error(dir, "long.txt", 3), Contains("long.txt:1: expected 3 values after the word \"the\", found 4"));
  dir.write("nan.txt", "a 1 2 3\nb 1 abc 3\n");
  CHECK_THAT(read_error(dir, "nan.txt", 3), Contains("nan.txt:2: value 2 of the word \"b\" (\"abc\") is not a finite number"));
  dir.write("inf.txt", "a 1 inf 3\n");
  CHECK_THAT(read_error(dir, "inf.txt", 3), Contains("inf.txt:1: value 2 of the word \"a\" (\"inf\") is not a finite number"));
  dir.write("utf.txt", "a 1 2 3\nb\xC3 1 2 3\n");
  CHECK_THAT(read_error(dir, "utf.txt", 3), Contains("utf.txt:2: not valid UTF-8: byte 0xC3 at byte 2 of the line"));
  CHECK_THAT(read_error(dir, "none.txt", 3), Contains("none.txt: file not found"));
  dir.write("empty.txt", "\n\n");
  CHECK_THAT(read_error(dir, "empty.txt", 3), Contains("empty.txt: no vectors in the file"));

  dir.write("mixed.txt", "a 1 0\nb 1\nc 0 1\nd x y\n");
  Table t = read(dir, "mixed.txt", 2, "skip");
  CHECK(t.rows() == 4);
  CHECK(t.column("vector").present == std::vector<uint8_t>{1, 0, 1, 0});
  CHECK(t.column("word").text == std::vector<std::string>{"a", "b", "c", "d"});

  // The count shows in coverage; a skipped word has no vector.
  Split s;
  s.parts.emplace_back("train", table({"a b c d"}, {"x"}));
  Split tok = run_split("tokenize", {{"column", "text"}, {"max_len", 4}, {"vocab_size", 10}}, {{"data", s}});
  genre::json r = report("coverage", {{"column", "text"}}, {{"data", tok}, {"vectors", t}});
  CHECK(r["vectors"] == 2);
  CHECK(r["skipped_lines"] == 2);
  CHECK(r["first_skipped_lines"] == genre::json::array({2, 4}));
  CHECK(r["vocabulary"]["found"] == 2);  // a and c
}

TEST_CASE("embedding_matrix and coverage, worked by hand", "[text][embeddings]") {
  // Train shows a b c | a b d | e (max_len 3): vocabulary a=2, b=3, c=4 (vocab_size 5).
  Split s;
  s.parts.emplace_back("train", table({"b a c a", "a b d", "e"}, {"x", "y", "x"}));
  s.parts.emplace_back("val", table({"a z", ""}, {"x", "y"}));
  s.parts.emplace_back("test", table({"f f a", "c"}, {"y", "x"}));
  Split tok = run_split("tokenize", {{"column", "text"}, {"max_len", 3}, {"vocab_size", 5}}, {{"data", s}});
  TempDir dir;
  dir.write("v.txt", "c 0 1\na 1 0\nzzz 5 5\na 9 9\n");
  Table vec = read(dir, "v.txt", 2);

  auto v = genre::text::recover_vocabulary(tok.part("train"), "text", "tokens");
  auto m = genre::text::embedding_matrix(v, vec);
  CHECK(m.rows == 5);
  CHECK(m.dims == 2);
  CHECK(m.values == std::vector<float>{0, 0, 0, 0, 1, 0, 0, 0, 0, 1});  // pad, OOV, a (first vector), b (none), c
  CHECK(m.found == std::vector<uint8_t>{0, 0, 1, 0, 1});
  CHECK(m.words == 3);
  CHECK(m.words_found == 2);
  CHECK(m.tokens == 7);        // visible train words: b a c a b d e
  CHECK(m.tokens_found == 3);  // a, a, c
  CHECK(m.missing == std::vector<std::string>{"b"});

  genre::json r = report("coverage", {{"column", "text"}}, {{"data", tok}, {"vectors", vec}});
  CHECK(r["vectors"] == 4);
  CHECK(r["dims"] == 2);
  CHECK(r["skipped_lines"] == 0);
  CHECK_THAT(r["vocabulary"]["share"].get<double>(), WithinAbs(2.0 / 3, 1e-12));
  // train ids [3 2 4] [2 3 1] [1 0 0]: 7 tokens, 3 found; val [2 1 0] [0 0 0]: 1 of 2; test [1 1 2] [4 0 0]: 2 of 4.
  CHECK(r["tokens"]["train"] == genre::json({{"tokens", 7}, {"found", 3}, {"share", 3.0 / 7}}));
  CHECK(r["tokens"]["val"]["found"] == 1);
  CHECK(r["tokens"]["val"]["tokens"] == 2);
  CHECK(r["tokens"]["test"]["found"] == 2);
  CHECK(r["tokens"]["test"]["tokens"] == 4);
  CHECK(r["missing"] == genre::json::array({"b"}));
}

TEST_CASE("coverage on a kfold split counts each fold's parts against that fold's own vocabulary", "[text][embeddings]") {
  // Fold 1 is built on "red blue" only, fold 2 on "green only": the val part of
  // each fold holds the other's words, which are out of its vocabulary.
  Split s;
  s.parts.emplace_back("fold1_train", table({"red blue"}, {"a"}));
  s.parts.emplace_back("fold1_val", table({"green red"}, {"b"}));
  s.parts.emplace_back("fold2_train", table({"green only"}, {"b"}));
  s.parts.emplace_back("fold2_val", table({"red blue"}, {"a"}));
  Split tok = run_split("tokenize", {{"column", "text"}, {"max_len", 2}, {"vocab_size", 10}}, {{"data", s}});
  TempDir dir;
  dir.write("v.txt", "red 1 2\nblue 3 4\ngreen 5 6\n");
  Table vec = read(dir, "v.txt", 2);
  genre::json r = report("coverage", {{"column", "text"}}, {{"data", tok}, {"vectors", vec}});
  CHECK(r["vocabulary"]["built_on"] == "fold1_train");
  CHECK(r["tokens"]["fold1_train"]["found"] == 2);  // red, blue
  CHECK(r["tokens"]["fold1_val"]["found"] == 1);    // red; green is OOV in fold 1
  CHECK(r["tokens"]["fold2_train"]["found"] == 1);  // green; "only" has no vector
  CHECK(r["tokens"]["fold2_val"]["found"] == 0);    // red and blue are OOV in fold 2
  CHECK(r["tokens"]["fold2_val"]["tokens"] == 2);
}

TEST_CASE("embeddings on the real GloVe 50-d subset agree with its JSON original", "[text][embeddings][shared]") {
  std::string folder = std::string(GENRE_SHARED_DATA) + "/glove-50d-5k";
  std::ifstream js(folder + "/glove-50d-5k.json");
  if (!js) {
    WARN("skipped: " << folder << " is absent");
    return;
  }
  genre::json ref = genre::json::parse(js);
  Table t = run_table("embeddings", {{"path", folder + "/glove.6B.50d.subset5050.txt"}, {"dims", 50}});
  REQUIRE(t.rows() == ref.size());
  REQUIRE(t.rows() == 5050);
  const auto& words = t.column("word").text;
  const auto& vec = t.column("vector").seq;
  CHECK(words[0] == "the");
  CHECK_THAT(vec[0][0], WithinAbs(0.418, 1e-7));
  CHECK_THAT(vec[0][1], WithinAbs(0.24968, 1e-7));
  size_t checked = 0;
  for (size_t r = 0; r < t.rows(); ++r) {
    REQUIRE(ref.contains(words[r]));
    const auto& want = ref[words[r]];
    REQUIRE(want.size() == 50);
    for (size_t k = 0; k < 50; ++k) {
      // Parsing to float directly and through double may differ in the last bit.
      float got = vec[r][k], exp = static_cast<float>(want[k].get<double>());
      if (std::abs(got - exp) > std::numeric_limits<float>::epsilon() * std::abs(exp))
        FAIL("word " << words[r] << " value " << k + 1 << ": " << got << " != " << exp);
    }
    ++checked;
  }
  CHECK(checked == 5050);
  for (auto w : {"rock", "pop", "jazz", "love", "baby"}) CHECK(ref.contains(w));

  // S3's situation: lyrics words partly outside GloVe ("hop", "reggae" are absent).
  Split s;
  s.parts.emplace_back("train", table({"rock love baby guitar hop reggae yeah"}, {"x"}));
  Split tok = run_split("tokenize", {{"column", "text"}, {"max_len", 10}, {"vocab_size", 100}}, {{"data", s}});
  genre::json r = report("coverage", {{"column", "text"}}, {{"data", tok}, {"vectors", t}});
  CHECK(r["vocabulary"]["words"] == 7);
  CHECK(r["vocabulary"]["found"] == 4);
  CHECK(r["missing"] == genre::json::array({"hop", "reggae", "yeah"}));
}
