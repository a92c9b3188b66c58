// S3's text pipeline on the real Vagalume artists file (skipped when
// ../shared/data is absent) joined with tests/data/text/lyrics_sample.csv,
// made-up lyrics keyed to real artist links (the real lyrics-data.csv is
// copyrighted text and not available). Counts worked out by hand from the
// sample file; see gen_lyrics_sample.py.
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "lang/parser.h"
#include "text_helpers.h"

using namespace texttest;
using tabtest::run_split;
using tabtest::run_table;
using genre::json;
using genre::Split;

namespace {

std::vector<std::string> stopwords_en() {
  std::string path = std::string(GENRE_STDLIB_DIR) + "/text.genre";
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  genre::lang::Diagnostics d;
  auto script = genre::lang::parse(path, ss.str(), d);
  std::vector<std::string> out;
  for (auto& def : script.defs)
    if (def.name == "stopwords_en")
      for (auto& it : def.value->items) out.push_back(it->text);
  return out;
}

std::map<std::string, size_t> counts(const json& report, const std::string& table) {
  std::map<std::string, size_t> m;
  for (auto& [k, v] : report["tables"][table]["counts"].items()) m[k] = v.get<size_t>();
  return m;
}

}  // namespace

TEST_CASE("S3's text ops on the real Vagalume artists and sample lyrics", "[text][shared]") {
  std::string artists_csv = std::string(GENRE_SHARED_DATA) + "/vagalume-lyrics-artists/artists-data.csv";
  if (!std::ifstream(artists_csv)) {
    WARN("skipped: " << artists_csv << " is absent");
    return;
  }
  Table artists = run_table("csv", {{"path", artists_csv}, {"missing", {"NA"}}});
  REQUIRE(artists.rows() == 3242);
  // The v1 file has one row per (artist, main genre): keep the first row of each link so the join
  // does not copy songs. (No op does this yet; see the report.)
  std::vector<size_t> first;
  std::set<std::string> seen;
  const auto& link = artists.column("Link");
  for (size_t r = 0; r < artists.rows(); ++r)
    if (seen.insert(link.text[r]).second) first.push_back(r);
  artists = artists.take(first);
  CHECK(artists.rows() == 2940);

  Table lyrics = run_table("csv", {{"path", std::string(GENRE_TEST_DIR) + "/data/text/lyrics_sample.csv"}});
  lyrics.find("ALink")->name = "Link";  // join needs one key name (Link = ALink)
  Table songs = run_table("join", {{"on", "Link"}}, {{"data", lyrics}, {"other", artists}});
  CHECK(songs.rows() == 20);  // the song of an unknown artist has no match
  Table en = run_table("keep", {{"where", {{"op", "=="}, {"args", {{{"name", "language"}}, {{"str", "en"}}}}}}},
                       {{"data", songs}});
  CHECK(en.rows() == 18);
  Table labelled = run_table("label", {{"column", "Genres"}}, {{"data", run_table("first_of", {{"column", "Genres"}}, {{"data", en}})}});

  auto stop = stopwords_en();
  Table clean = run_table("clean",
                          {{"column", "Lyric"},
                           {"steps", steps({"lower", "links", "punctuation", "non_alnum", "stopwords"})},
                           {"stopwords", stop}},
                          {{"data", labelled}});
  CHECK(clean.rows() == 17);  // "I'm... on & on - it's all! https://x.co" is only stopwords and a link
  const auto& text = clean.column("Lyric").text;
  const auto& names = clean.column("SName").text;
  for (size_t r = 0; r < clean.rows(); ++r)
    if (names[r] == "Boombox") CHECK(text[r] == "boombox shoulder rhymes street crowd jumps beat");

  Table top = run_table("top_labels", {{"k", 3}}, {{"data", clean}});
  Table bal = run_table("balance", {{"per_label", 3}, {"seed", 7}}, {{"data", top}});
  json before_after = report("label_counts", json::object(), {{"data", labelled}, {"data", clean}, {"data", bal}});
  // First genres of the English songs: Rock 5, Pop 4, Hip Hop 3, Rap 2, Pop/Rock 1, Sertanejo 1, Funk Carioca 1, and
  // one artist with Genres NA (missing).
  CHECK(counts(before_after, "data") == std::map<std::string, size_t>{{"Funk Carioca", 1}, {"Hip Hop", 3}, {"Pop", 4},
                                                                      {"Pop/Rock", 1}, {"Rap", 2}, {"Rock", 5},
                                                                      {"Sertanejo", 1}});
  CHECK(before_after["tables"]["data"]["missing_label"] == 1);
  CHECK(counts(before_after, "data_2").at("Rap") == 1);  // clean dropped one Rap song
  CHECK(counts(before_after, "data_3") == std::map<std::string, size_t>{{"Hip Hop", 3}, {"Pop", 3}, {"Rock", 3}});

  Split s = run_split("split", {{"train", 0.67}, {"test", 0.33}, {"stratify", "label"}, {"seed", 3}}, {{"data", bal}});
  Split tok = run_split("tokenize", {{"column", "Lyric"}, {"max_len", 8}, {"vocab_size", 100}}, {{"data", s}});
  for (auto& [name, t] : tok.parts)
    for (auto& row : t.column("tokens").seq) CHECK(row.size() == 8);
  json v = report("vocabulary", {{"column", "Lyric"}}, {{"data", tok}});
  CHECK(v["ids"].get<size_t>() < 100);
  CHECK(v["oov_share"]["train"] == 0.0);  // 100 ids are more than the train part's words

  std::string glove = std::string(GENRE_SHARED_DATA) + "/glove-50d-5k/glove.6B.50d.subset5050.txt";
  if (!std::ifstream(glove)) return;
  Table vectors = run_table("embeddings", {{"path", glove}, {"dims", 50}});
  json cov = report("coverage", {{"column", "Lyric"}}, {{"data", tok}, {"vectors", vectors}});
  INFO(cov.dump(2));
  CHECK(cov["vocabulary"]["share"].get<double>() > 0.5);
  CHECK(cov["vocabulary"]["share"].get<double>() < 1.0);
}
