// tokenize and vocabulary: the vocabulary comes from the train part only
// (words seen elsewhere are out of vocabulary), ids by count then word,
// cutting and padding, and the vocabulary recovered from the table.
// Expected ids are worked out by hand in the comments.
#include "ops/text/utf8.h"
#include "ops/text/vocab.h"
#include "text_helpers.h"

using namespace texttest;
using tabtest::error_of;
using tabtest::run;
using tabtest::run_split;
using Catch::Contains;
using Catch::WithinAbs;
using genre::Split;

namespace {

// With max_len 3 the train part shows the words: "b a c" | "a b d" | "e" (the last "a" of row 1 is cut).
// Counts: a 2, b 2, c 1, d 1, e 1 -> by count, then word: a=2, b=3, c=4, d=5, e=6.
Split parts() {
  Split s;
  s.parts.emplace_back("train", table({"b a c a", "a b d", "e"}, {"x", "y", "x"}));
  s.parts.emplace_back("val", table({"a z", ""}, {"x", "y"}));
  s.parts.emplace_back("test", table({"f f a b c d e g", "g g g g"}, {"y", "x"}));
  return s;
}

std::vector<std::vector<float>> ids(const Split& s, const std::string& part) {
  return s.part(part).column("tokens").seq;
}

using Rows = std::vector<std::vector<float>>;

}  // namespace

TEST_CASE("tokenize: vocabulary from the train part, ids by count then word, cut and padded at the end", "[text][tokenize]") {
  Split s = run_split("tokenize", {{"column", "text"}, {"max_len", 3}, {"vocab_size", 5}}, {{"data", parts()}});
  // vocab_size 5 = padding, OOV and 3 words: a=2, b=3, c=4; d and e are out of vocabulary.
  CHECK(ids(s, "train") == Rows{{3, 2, 4}, {2, 3, 1}, {1, 0, 0}});
  CHECK(ids(s, "val") == Rows{{2, 1, 0}, {0, 0, 0}});  // z never occurs in train
  CHECK(ids(s, "test") == Rows{{1, 1, 2}, {1, 1, 1}});  // f and g occur only in test: OOV
  const auto& c = s.part("test").column("tokens");
  CHECK(c.seq_dims == 1);
  CHECK(c.present == std::vector<uint8_t>{1, 1});
  CHECK(s.part("test").column("text").text[0] == "f f a b c d e g");  // the text column is kept
  CHECK(s.part("train").label == "genre");
}

TEST_CASE("tokenize: min_count, a larger vocabulary, padding at the start", "[text][tokenize]") {
  Split all = run_split("tokenize", {{"column", "text"}, {"max_len", 3}, {"vocab_size", 100}}, {{"data", parts()}});
  CHECK(ids(all, "train") == Rows{{3, 2, 4}, {2, 3, 5}, {6, 0, 0}});
  Split two = run_split("tokenize", {{"column", "text"}, {"max_len", 3}, {"vocab_size", 100}, {"min_count", 2}},
                        {{"data", parts()}});
  CHECK(ids(two, "train") == Rows{{3, 2, 1}, {2, 3, 1}, {1, 0, 0}});
  Split start = run_split("tokenize", {{"column", "text"}, {"max_len", 3}, {"vocab_size", 5}, {"pad", "start"}},
                          {{"data", parts()}});
  CHECK(ids(start, "train") == Rows{{3, 2, 4}, {2, 3, 1}, {0, 0, 1}});
  CHECK(ids(start, "val") == Rows{{0, 2, 1}, {0, 0, 0}});
  // A word frequent only in the test part never enters the vocabulary.
  Split five = run_split("tokenize", {{"column", "text"}, {"max_len", 5}, {"vocab_size", 100}}, {{"data", parts()}});
  auto v = genre::text::recover_vocabulary(five.part("train"), "text", "tokens");
  CHECK(v.ids.count("g") == 0);
  CHECK(v.ids.count("z") == 0);
  CHECK(ids(five, "test")[1] == std::vector<float>{1, 1, 1, 1, 0});
}

TEST_CASE("vocabulary: recovered exactly from the train part - the report", "[text][tokenize]") {
  Split s = run_split("tokenize", {{"column", "text"}, {"max_len", 3}, {"vocab_size", 5}}, {{"data", parts()}});
  auto v = genre::text::recover_vocabulary(s.part("train"), "text", "tokens");
  CHECK(v.words == std::vector<std::string>{"<pad>", "<unk>", "a", "b", "c"});
  CHECK(v.counts == std::vector<size_t>{0, 2, 2, 2, 1});  // id 1: d and e
  // The same as building it again from the train part.
  genre::text::VocabOptions opt;
  opt.max_len = 3;
  opt.size = 5;
  auto built = genre::text::build_vocabulary(parts().part("train").column("text"), opt);
  CHECK(built.words == v.words);
  CHECK(built.counts == v.counts);

  genre::json r = report("vocabulary", {{"column", "text"}, {"top", 2}}, {{"data", s}});
  CHECK(r["ids"] == 5);
  CHECK(r["words"] == 3);
  CHECK(r["built_on"] == "train");
  CHECK(r["top"] == genre::json::parse(R"([["a", 2], ["b", 2]])"));
  CHECK_THAT(r["oov_share"]["train"].get<double>(), WithinAbs(2.0 / 7, 1e-12));
  CHECK_THAT(r["oov_share"]["val"].get<double>(), WithinAbs(0.5, 1e-12));
  CHECK_THAT(r["oov_share"]["test"].get<double>(), WithinAbs(5.0 / 6, 1e-12));

  // The text changed after tokenize: the ids no longer name the words.
  Split changed = s;
  changed.parts[0].second.cols[0].text[0] = "x a c a";
  CHECK_THAT(error_of([&] { genre::text::recover_vocabulary(changed.part("train"), "text", "tokens"); }),
             Contains("made.csv, row 2: the ids in \"tokens\" do not match the words of \"text\" (id 3 is \"x\" and \"b\")"));
}

TEST_CASE("tokenize refuses bad parameters and clashes", "[text][tokenize]") {
  auto err = [](genre::json p) { return error_of([&] { run_split("tokenize", p, {{"data", parts()}}); }); };
  CHECK_THAT(err({{"column", "text"}, {"max_len", 3}, {"vocab_size", 2}}), Contains("vocab_size must be a whole number from 3"));
  CHECK_THAT(err({{"column", "text"}, {"max_len", 0}, {"vocab_size", 5}}), Contains("max_len must be a whole number from 1"));
  CHECK_THAT(err({{"column", "genre"}, {"max_len", 3}, {"vocab_size", 5}, {"into", "text"}}),
             Contains("part \"train\" already has a column \"text\""));
  CHECK_THAT(err({{"column", "text"}, {"max_len", 3}, {"vocab_size", 5}, {"fit_on", "dev"}}),
             Contains("split has no part \"dev\""));
  Split s = parts();
  s.parts[2].second.cols[0] = num_col("text", {1, 2});
  CHECK_THAT(error_of([&] { run_split("tokenize", {{"column", "text"}, {"max_len", 3}, {"vocab_size", 5}}, {{"data", s}}); }),
             Contains("column \"text\" of part \"test\" holds numbers, not text"));
}

TEST_CASE("tokenize splits on every whitespace clean knows, not on punctuation", "[text][tokenize]") {
  CHECK(genre::text::words("a\u00a0b\u3000c\t d\u2009e don't") ==
        std::vector<std::string>{"a", "b", "c", "d", "e", "don't"});
  CHECK(genre::text::words("  ").empty());
  CHECK(genre::text::visible_words("x y z", 2) == std::vector<std::string>{"x", "y"});
}
