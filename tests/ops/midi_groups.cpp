// The note chain in row groups (runtime/core/row_groups.h): midi_folder, instruments and
// piano_roll written a group at a time into cache entries, and they and pitch_histograms
// reading them a group at a time, give bit for bit what they give whole; groups cut between files.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <unistd.h>

#include "runtime/core/op.h"
#include "runtime/core/row_groups.h"
#include "runtime/engine/cache.h"
#include "runtime/core/hash.h"

using namespace genre;
namespace fs = std::filesystem;

namespace {

const std::string lakh = std::string(GENRE_TEST_DIR) + "/../data/lakh-mini/lmd_aligned";
const json four = json::parse(R"({"drums": "percussion", "piano": [0, 7], "guitar": [24, 31], "bass": [32, 39]})");

// Runs `op` on `in` (null: no input); into the cache entry of `key` when a cache is given.
Value call(const std::string& op, const Value* in, json params, Cache* cache = nullptr, const std::string& key = "",
           const Value* other = nullptr) {
  register_all();
  const OpFn* fn = find_op(op);
  REQUIRE(fn);
  OpContext ctx;
  ctx.params = std::move(params);
  ctx.script_dir = "/";
  if (in) ctx.inputs = {{"data", "in", in}};
  if (other) ctx.inputs.push_back({"other", "other", other});
  if (cache) ctx.rows_out = [&] { return cache->rows_out(key); };
  Value v = (*fn)(ctx);
  if (auto* t = std::get_if<Table>(&v); cache && t && t->stored) cache->place(key, *t);
  return v;
}

std::string bytes_of(const Value& v) { return serialize(whole(v)); }

struct Env {
  explicit Env(const char* rows) { ::setenv("GENRE_ROW_GROUP_ROWS", rows, 1); }
  ~Env() { ::unsetenv("GENRE_ROW_GROUP_ROWS"); }
};

}  // namespace

TEST_CASE("row groups: midi_folder, instruments and piano_roll give in groups what they give whole", "[midi][groups]") {
  REQUIRE(fs::exists(lakh));  // data/lakh-mini is part of the repository
  json folder = {{"path", lakh}, {"label", "parent_dir"}};
  json map = {{"map", four}, {"require", "all"}};
  json roll = {{"step", 0.25}, {"max_notes", 10}, {"families", {"drums", "piano", "guitar", "bass"}}};
  // Whole: no cache entry, one group in memory.
  Value notes = call("midi_folder", nullptr, folder);
  Value fams = call("instruments", &notes, map);
  Value rolls = call("piano_roll", &fams, roll);
  REQUIRE(std::get<Table>(notes).rows() > 20000);

  // In groups of about 2,000 notes, each op writing its cache entry and the next reading it.
  fs::path dir = fs::temp_directory_path() / ("genre_groups_test_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  Cache cache(dir);
  Env env("2000");
  Value gnotes = call("midi_folder", nullptr, folder, &cache, hash_hex("notes"));
  Value gfams = call("instruments", &gnotes, map, &cache, hash_hex("fams"));
  Value grolls = call("piano_roll", &gfams, roll, &cache, hash_hex("rolls"));
  const Table& gn = std::get<Table>(gnotes);
  REQUIRE(gn.stored);
  CHECK(gn.stored->groups.size() > 10);
  CHECK(std::get<Table>(gfams).stored->groups.size() == gn.stored->groups.size());
  CHECK(std::get<Table>(grolls).stored->groups.size() == gn.stored->groups.size());
  CHECK(bytes_of(gnotes) == bytes_of(notes));
  CHECK(bytes_of(gfams) == bytes_of(fams));
  CHECK(bytes_of(grolls) == bytes_of(rolls));
  CHECK(gn.rows() == std::get<Table>(notes).rows());
  // S0's other reader of the notes sums them in row order whatever the groups: the same bits.
  for (auto by : {"program", "family"}) {
    INFO(by);
    const Value& from = std::string(by) == "family" ? fams : notes;
    const Value& gfrom = std::string(by) == "family" ? gfams : gnotes;
    Value hist = call("pitch_histograms", &from, {{"by", by}});
    Value ghist = call("pitch_histograms", &gfrom, {{"by", by}}, &cache, hash_hex(std::string("hist") + by));
    CHECK_FALSE(std::get<Table>(ghist).stored);  // a small result stays in memory
    CHECK(serialize(ghist) == serialize(hist));
  }

  // Each group stops after a whole file: no file's notes are in two groups, and groups are
  // about the size asked (the last file of a group may take it past).
  std::set<std::string> files;
  size_t groups = 0;
  each_group(gn, [&](const Table& g, size_t) {
    std::set<std::string> mine(g.column("file").text.begin(), g.column("file").text.end());
    for (auto& f : mine) CHECK(files.insert(f).second);
    if (++groups < gn.stored->groups.size()) CHECK(g.rows() >= 2000);
  });
  // The column ops map a stored table group by group, and label_counts counts it so.
  Value lab = call("label", &rolls, {{"column", "label"}});
  Value glab = call("label", &grolls, {{"column", "label"}}, &cache, hash_hex("label"));
  CHECK(std::get<Table>(glab).stored);
  CHECK(bytes_of(glab) == bytes_of(lab));
  Value gdrop = call("drop_columns", &glab, {{"columns", {"dropped"}}}, &cache, hash_hex("drop"));
  CHECK(bytes_of(gdrop) == bytes_of(call("drop_columns", &lab, {{"columns", {"dropped"}}})));
  json counts = std::get<json>(call("label_counts", &lab, json::object()));
  CHECK(std::get<json>(call("label_counts", &gdrop, json::object())) == counts);
  CHECK(counts["tables"]["in"]["rows"] == std::get<Table>(rolls).rows());
  // S0's next steps: the rolls joined with a genre table (a song may have two genres), then kept
  // per genre; join streams its left table, keep checks the genre named against every group first.
  Table genres;
  genres.source = "genres";
  Column track{"track_id", false, {}, {}, {}}, term{"term", false, {}, {}, {}};
  std::set<std::string> labels(std::get<Table>(lab).column("label").text.begin(), std::get<Table>(lab).column("label").text.end());
  size_t k = 0;
  for (auto& l : labels) {
    for (size_t g = 0; g < 1 + k % 2; ++g) {
      track.text.push_back(l), track.present.push_back(1);
      term.text.push_back("g" + std::to_string((k + g) % 3)), term.present.push_back(1);
    }
    ++k;
  }
  genres.cols = {track, term};
  Value gv = genres;
  json on = {{"on", "label"}, {"other_on", "track_id"}};
  Value joined = call("join", &rolls, on, nullptr, "", &gv);
  Value gjoined = call("join", &grolls, on, &cache, hash_hex("join"), &gv);
  CHECK(std::get<Table>(gjoined).stored);
  CHECK(bytes_of(gjoined) == bytes_of(joined));
  json pop = {{"where", {{"op", "=="}, {"args", {{{"name", "term"}}, {{"str", "g1"}}}}}}};
  Value kept = call("keep", &joined, pop);
  Value gkept = call("keep", &gjoined, pop, &cache, hash_hex("keep"));
  CHECK(std::get<Table>(gkept).stored);
  CHECK(bytes_of(gkept) == bytes_of(kept));
  CHECK(std::get<Table>(kept).rows() > 0);
  CHECK(std::get<Table>(kept).rows() < std::get<Table>(joined).rows());
  json typo = {{"where", {{"op", "=="}, {"args", {{{"name", "term"}}, {{"str", "g7"}}}}}}};
  std::string whole_error, stored_error;
  try { call("keep", &joined, typo); } catch (const DataError& e) { whole_error = e.what(); }
  try { call("keep", &gjoined, typo, &cache, hash_hex("typo")); } catch (const DataError& e) { stored_error = e.what(); }
  CHECK_THAT(stored_error, Catch::Matchers::Contains("no row has term 'g7'"));
  CHECK(stored_error == whole_error);
  // Read back from the cache as a later run does: the same.
  auto again = cache.get(hash_hex("rolls"), nullptr, true);
  REQUIRE(again);
  CHECK(bytes_of(*again) == bytes_of(rolls));
  fs::remove_all(dir);
}
