// The tag ops: artist_terms on SQLite files made here (MSD's schema, and one
// with freq/weight), normalize_tags against the per-artist normalisation
// stored in the MSD sample, tag_table's shares and Jaccard indices worked out
// by hand, and match_scores on a small hand-written file.
#include <sqlite3.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include "text_helpers.h"

using namespace texttest;
using tabtest::error_of;
using tabtest::run;
using tabtest::run_table;
using tabtest::TempDir;
using Catch::Contains;
using genre::json;

namespace {

// Runs SQL statements into a new SQLite file.
void make_db(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  INFO((err ? err : ""));
  sqlite3_free(err);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

// The schema of MSD's artist_term.db (create_artist_term_db.py): pairs only.
const char* msd_schema =
    "CREATE TABLE artists (artist_id text PRIMARY KEY);"
    "CREATE TABLE terms (term text PRIMARY KEY);"
    "CREATE TABLE mbtags (mbtag text PRIMARY KEY);"
    "CREATE TABLE artist_term (artist_id text, term text, FOREIGN KEY(artist_id) REFERENCES artists(artist_id), "
    "FOREIGN KEY(term) REFERENCES terms(term));"
    "CREATE TABLE artist_mbtag (artist_id text, mbtag text);";

json expr(const std::string& op, const std::string& col, double v) {
  return {{"op", op}, {"args", {{{"name", col}}, {{"num", v}}}}};
}

// s1 rock+pop (rock twice), s2 rock, s3 pop+jazz, s4 rock+pop+jazz, s5 no tag;
// a row without an item is ignored.
Table songs() {
  Table t;
  t.source = "tags.csv";
  t.cols.push_back(text_col("song", {"s1", "s1", "s1", "s2", "s3", "s3", "s4", "s4", "s4", "s5", ""}));
  t.cols.push_back(text_col("genre", {"rock", "pop", "rock", "rock", "pop", "jazz", "jazz", "pop", "rock", "", "rock"}));
  t.cols[1].present[9] = 0;
  t.cols[0].present[10] = 0;
  return t;
}

}  // namespace

TEST_CASE("artist_terms reads MSD's artist_term.db: pairs, freq and weight missing", "[tags]") {
  TempDir d;
  std::string db = (d.dir / "artist_term.db").string();
  make_db(db, std::string(msd_schema) +
                  "INSERT INTO artist_term VALUES ('AR1', 'rock'), ('AR1', 'british invasion'), ('AR2', 'dance pop'),"
                  " (NULL, 'pop');");
  Table t = run_table("artist_terms", {{"path", "artist_term.db"}}, {}, d.dir.string());
  REQUIRE(t.rows() == 4);
  CHECK(t.cols[0].name == "artist_id");
  CHECK(t.column("artist_id").text == std::vector<std::string>{"AR1", "AR1", "AR2", ""});
  CHECK(t.column("artist_id").present == std::vector<uint8_t>{1, 1, 1, 0});
  CHECK(t.column("term").text == std::vector<std::string>{"rock", "british invasion", "dance pop", "pop"});
  for (size_t r = 0; r < 4; ++r) {
    CHECK(std::isnan(t.column("freq").num[r]));
    CHECK(std::isnan(t.column("weight").num[r]));
  }
}

TEST_CASE("artist_terms reads freq and weight when the table has them", "[tags]") {
  TempDir d;
  std::string db = (d.dir / "terms.db").string();
  make_db(db, "CREATE TABLE artist_term (term text, artist_id text, weight real, freq real);"
              "INSERT INTO artist_term VALUES ('rock', 'AR1', 0.84, 1), ('pop', 'AR1', 0.80, 0.908), "
              "('german', 'AR1', NULL, 0.807);");
  Table t = run_table("artist_terms", {{"path", db}});
  REQUIRE(t.rows() == 3);
  CHECK(t.column("term").text == std::vector<std::string>{"rock", "pop", "german"});
  CHECK(t.column("freq").num == std::vector<double>{1, 0.908, 0.807});
  CHECK(t.column("weight").num[1] == 0.80);
  CHECK(std::isnan(t.column("weight").num[2]));
}

TEST_CASE("artist_terms: clear errors", "[tags]") {
  TempDir d;
  CHECK_THAT(error_of([&] { run("artist_terms", {{"path", "none.db"}}, {}, d.dir.string()); }),
             Contains("artist_terms: file not found: none.db"));
  d.write("text.db", "artist_id,term\nAR1,rock\n");
  CHECK_THAT(error_of([&] { run("artist_terms", {{"path", "text.db"}}, {}, d.dir.string()); }),
             Contains("cannot read text.db as an SQLite database") && Contains("not a database"));
  make_db((d.dir / "other.db").string(), "CREATE TABLE terms (term text); CREATE TABLE artists (artist_id text);");
  CHECK(error_of([&] { run("artist_terms", {{"path", "other.db"}}, {}, d.dir.string()); }) ==
        "artist_terms: other.db has no table artist_term (MSD's artist_term.db has one); its tables: \"artists\", "
        "\"terms\"");
  make_db((d.dir / "noterm.db").string(), "CREATE TABLE artist_term (artist_id text, tag text);");
  CHECK_THAT(error_of([&] { run("artist_terms", {{"path", "noterm.db"}}, {}, d.dir.string()); }),
             Contains("table artist_term of noterm.db has no column term"));
  make_db((d.dir / "badfreq.db").string(), "CREATE TABLE artist_term (artist_id text, term text, freq);"
                                           "INSERT INTO artist_term VALUES ('A', 'rock', 1), ('A', 'pop', 'high');");
  CHECK(error_of([&] { run("artist_terms", {{"path", "badfreq.db"}}, {}, d.dir.string()); }) ==
        "artist_terms: badfreq.db, table artist_term, row 2: freq must be a number, got \"high\"");
}

TEST_CASE("normalize_tags divides by each artist's largest value", "[tags]") {
  Table t;
  t.source = "terms.csv";
  t.cols.push_back(text_col("artist_id", {"A", "A", "B", "A", "B", "C", "B", ""}));
  t.cols.push_back(num_col("freq", {0.5, 1.0, 2.0, 0.25, 1.0, 0.0, genre::missing, 3.0}));
  t.cols[0].present[7] = 0;
  Table n = run_table("normalize_tags", json::object(), {{"data", t}});
  const auto& v = n.column("norm").num;
  REQUIRE(v.size() == 8);
  CHECK(v[0] == 0.5);   // 0.5 / 1
  CHECK(v[1] == 1.0);
  CHECK(v[2] == 1.0);   // 2 / 2
  CHECK(v[3] == 0.25);
  CHECK(v[4] == 0.5);   // 1 / 2
  CHECK(std::isnan(v[5]));  // C's largest value is 0: no scale
  CHECK(std::isnan(v[6]));  // missing value
  CHECK(std::isnan(v[7]));  // missing artist
  Table k = run_table("keep", {{"where", expr(">=", "norm", 0.5)}}, {{"data", n}});
  CHECK(k.column("freq").num == std::vector<double>{0.5, 1.0, 2.0, 1.0});

  t.cols.push_back(text_col("weight", std::vector<std::string>(8, "x")));
  CHECK(error_of([&] { run("normalize_tags", {{"value", "weight"}}, {{"data", t}}); }) ==
        "normalize_tags: column weight of terms.csv must hold numbers (a term's frequency or weight)");
  CHECK_THAT(error_of([&] { run("normalize_tags", {{"by", "artist"}}, {{"data", t}}); }), Contains("artist"));
}

TEST_CASE("normalize_tags + keep(norm >= 0.9) on the MSD sample gives the paper's terms", "[tags]") {
  std::string f = std::string(GENRE_SHARED_DATA) + "/msd-lakh-sample/msd_artist_terms.csv";
  if (!std::filesystem::exists(f)) {
    WARN("skipped: " << f << " is absent");
    return;
  }
  Table t = tabtest::csv(f);
  REQUIRE(t.rows() == 30);
  Table n = run_table("normalize_tags", {{"by", "track_id"}}, {{"data", t}});
  const auto& ref = n.column("freq_normalized_by_max").num;  // computed outside genre (SOURCE.md)
  const auto& got = n.column("norm").num;
  for (size_t r = 0; r < n.rows(); ++r) CHECK(got[r] == Approx(ref[r]).epsilon(1e-12));
  Table k = run_table("keep", {{"where", expr(">=", "norm", 0.9)}}, {{"data", n}});
  std::set<std::string> kept;
  for (size_t r = 0; r < k.rows(); ++r) kept.insert(k.column("track_id").text[r] + " " + k.column("term").text[r]);
  CHECK(kept == std::set<std::string>{"TRFBNQN128F92FFA5E oldies", "TRFBNQN128F92FFA5E rock", "TRFBNQN128F92FFA5E pop",
                                      "TRJWCEA128F4273174 dance pop", "TRJWCEA128F4273174 hip hop",
                                      "TRJWCEA128F4273174 pop"});
}

TEST_CASE("tag_table: shares and Jaccard indices by hand", "[tags]") {
  json r = std::get<json>(run("tag_table", {{"item", "song"}, {"tag", "genre"}}, {{"data", songs()}}));
  CHECK(r["items"] == 5);
  CHECK(r["order"] == json({"pop", "rock", "jazz"}));  // 3, 3 (alphabetical), 2 songs
  CHECK(r["count"] == json({{"pop", 3}, {"rock", 3}, {"jazz", 2}}));
  CHECK(r["share"]["rock"].get<double>() == Approx(3.0 / 5));
  CHECK(r["share"]["pop"].get<double>() == Approx(3.0 / 5));
  CHECK(r["share"]["jazz"].get<double>() == Approx(2.0 / 5));
  auto j = [&](const char* a, const char* b) { return r["jaccard"][a][b].get<double>(); };
  CHECK(j("rock", "pop") == Approx(2.0 / 4));   // {s1,s4} / {s1,s2,s3,s4}
  CHECK(j("rock", "jazz") == Approx(1.0 / 4));  // {s4} / {s1,s2,s3,s4}
  CHECK(j("pop", "jazz") == Approx(2.0 / 3));   // {s3,s4} / {s1,s3,s4}
  CHECK(j("jazz", "pop") == j("pop", "jazz"));
  CHECK(j("rock", "rock") == 1.0);

  json two = std::get<json>(run("tag_table", {{"item", "song"}, {"tag", "genre"}, {"tags", {"jazz", "rock"}}},
                                {{"data", songs()}}));
  CHECK(two["order"] == json({"jazz", "rock"}));
  CHECK(two["jaccard"].size() == 2);
  CHECK(two["jaccard"]["jazz"].size() == 2);
  CHECK(two["share"]["jazz"].get<double>() == Approx(0.4));  // still over all 5 songs

  CHECK(error_of([&] {
          run("tag_table", {{"item", "song"}, {"tag", "genre"}, {"tags", {"rokc"}}}, {{"data", songs()}});
        }) == "tag_table: no item has the tag \"rokc\" in column genre (did you mean \"rock\"?)");
  CHECK(error_of([&] {
          run("tag_table", {{"item", "song"}, {"tag", "genre"}, {"tags", {"pop", "pop"}}}, {{"data", songs()}});
        }) == "tag_table: tag \"pop\" is listed twice in tags");
  CHECK_THAT(error_of([&] { run("tag_table", {{"item", "track"}, {"tag", "genre"}}, {{"data", songs()}}); }),
             Contains("track"));
}

// LPD's id_list_<Tag>.txt files of one source as a long table (track_id, genre).
static Table id_lists(const std::string& dir) {
  std::vector<std::string> ids, genres;
  for (auto& e : std::filesystem::directory_iterator(dir)) {
    std::string name = e.path().filename().string();
    if (name.rfind("id_list_", 0) != 0) continue;
    std::string g = name.substr(8, name.size() - 12);
    std::ifstream in(e.path());
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) ids.push_back(line), genres.push_back(g);
  }
  Table t;
  t.cols.push_back(text_col("track_id", ids));
  t.cols.push_back(text_col("genre", genres));
  return t;
}

// The reference figures come from coreutils on the same files:
//   sort -u id_list_rock.txt > r; sort -u id_list_pop.txt > p
//   comm -12 r p | wc -l  -> 3384;  sort -u r p | wc -l -> 7117
//   cat id_list_*.txt | sort -u | wc -l -> 10674 (lastfm), 4372 (tagtraum)
TEST_CASE("tag_table on LPD's label lists: shares and Jaccard against coreutils", "[tags]") {
  std::string dir = std::string(GENRE_SHARED_DATA) + "/lpd-genre-labels";
  if (!std::filesystem::exists(dir)) {
    WARN("skipped: " << dir << " is absent");
    return;
  }
  json fm = std::get<json>(run("tag_table", {{"item", "track_id"}, {"tag", "genre"}, {"tags", {"rock", "pop"}}},
                               {{"data", id_lists(dir + "/lastfm")}}));
  CHECK(fm["items"] == 10674);
  CHECK(fm["count"]["rock"] == 4693);
  CHECK(fm["count"]["pop"] == 5808);
  CHECK(fm["share"]["rock"].get<double>() == Approx(4693.0 / 10674));
  CHECK(fm["jaccard"]["rock"]["pop"].get<double>() == Approx(3384.0 / 7117));

  // tagtraum gives each track one genre (4372 lines, 4372 distinct ids): no overlap.
  json tt = std::get<json>(run("tag_table", {{"item", "track_id"}, {"tag", "genre"}}, {{"data", id_lists(dir + "/tagtraum")}}));
  CHECK(tt["items"] == 4372);
  CHECK(tt["order"].size() == 15);
  CHECK(tt["order"][0] == "Rock");
  CHECK(tt["share"]["Rock"].get<double>() == Approx(1668.0 / 4372));
  CHECK(tt["jaccard"]["Rock"]["Pop"].get<double>() == 0.0);
}

TEST_CASE("match_scores: one row per track and MIDI file, sorted", "[tags]") {
  std::string dir = std::string(GENRE_TEST_DIR) + "/data/tags";
  Table t = run_table("match_scores", {{"path", "match_scores.json"}}, {}, dir);
  CHECK(t.column("track_id").text ==
        std::vector<std::string>{"TRAAAAA128F00000A1", "TRAAAAA128F00000A1", "TRBBBBB128F00000B2"});
  CHECK(t.column("md5").text == std::vector<std::string>{"0123456789abcdef0123456789abcdef",
                                                         "f00dcafe0123456789abcdef01234567",
                                                         "9c4b6e9a2f0d8c1e7b3a5f6d4c2e1a0b"});
  CHECK(t.column("score").num == std::vector<double>{0.8125, 0.5625, 0.71});

  TempDir d;
  d.write("bad.json", "{\"TR1\": {\"m\": 0.5},\n \"TR2\": }");
  CHECK_THAT(error_of([&] { run("match_scores", {{"path", "bad.json"}}, {}, d.dir.string()); }),
             Contains("match_scores: bad.json is not valid JSON") && Contains("line 2"));
  d.write("str.json", "{\"TR1\": {\"m1\": \"high\"}}");
  CHECK(error_of([&] { run("match_scores", {{"path", "str.json"}}, {}, d.dir.string()); }) ==
        "match_scores: str.json, track TR1, file m1: the score must be a number, got \"high\"");
  d.write("list.json", "[1, 2]");
  CHECK_THAT(error_of([&] { run("match_scores", {{"path", "list.json"}}, {}, d.dir.string()); }),
             Contains("must hold an object"));
  CHECK_THAT(error_of([&] { run("match_scores", {{"path", "gone.json"}}, {}, d.dir.string()); }),
             Contains("match_scores: file not found: gone.json"));
}
