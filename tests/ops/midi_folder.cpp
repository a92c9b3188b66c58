// midi_folder: the long note table, labels, patterns, and quarantine of
// damaged files (tests/data/midi/broken, see broken.csv) or failure.
#include <cmath>
#include <filesystem>
#include <map>

#include "tests/ops/midi_helpers.h"
#include "tests/ops/tabular_helpers.h"

using namespace miditest;
using genre::Table;

namespace {

Table run(genre::json params, const std::string& dir = "") {
  genre::OpContext ctx;
  ctx.params = std::move(params);
  ctx.script_dir = dir;
  return std::get<Table>(midi_folder()(ctx));
}

std::string run_error(genre::json params, const std::string& dir = "") {
  return tabtest::error_of([&] { run(std::move(params), dir); });
}

const genre::Column& col(const Table& t, const std::string& name) { return t.column(name); }

}  // namespace

TEST_CASE("midi_folder: good and broken files, labels from folders, quarantine rows", "[midi]") {
  // tests/data/midi holds good/*.mid (8 files) and broken/*.mid (7 files); the path is relative to the "script"
  Table t = run({{"path", "midi"}, {"label", "parent_dir"}}, std::string(GENRE_TEST_DIR) + "/data");
  std::vector<std::string> names;
  for (auto& c : t.cols) names.push_back(c.name);
  CHECK(names == std::vector<std::string>{"file", "onset", "duration", "pitch", "velocity", "program", "channel",
                                          "drum", "label", "error"});
  CHECK(t.source == "midi");

  // good files: their notes, in sorted path order, equal the reader's (and mido's, see midi_smf.cpp)
  auto sums = read_csv(data_dir() + "/summary.csv");
  size_t good_notes = 0;
  for (size_t i = 1; i < sums.size(); ++i) good_notes += std::stoul(sums[i][1]);
  auto broken = read_csv(data_dir() + "/broken.csv");
  REQUIRE(broken.size() == 8);
  REQUIRE(t.rows() == good_notes + 7);

  // broken/ sorts before good/: the first 7 rows are the quarantined files, in name order
  std::map<std::string, std::pair<std::string, std::string>> expect;  // file -> (byte, message)
  for (size_t i = 1; i < broken.size(); ++i) expect["broken/" + broken[i][0]] = {broken[i][1], broken[i][2]};
  size_t r = 0;
  for (auto& [file, why] : expect) {
    INFO(file);
    CHECK(col(t, "file").text[r] == file);
    CHECK(col(t, "label").text[r] == "broken");
    CHECK(col(t, "error").present[r]);
    std::string err = col(t, "error").text[r];
    CHECK(err.rfind("midi/" + file + ": byte " + why.first + ": ", 0) == 0);
    CHECK(err.find(why.second) != std::string::npos);
    for (auto* c : {"onset", "duration", "pitch", "velocity", "program", "channel", "drum"})
      CHECK(std::isnan(col(t, c).num[r]));
    ++r;
  }
  // then the notes of good/format0.mid, as the reader gives them
  auto s = genre::midi::read(data_dir() + "/good/format0.mid", "x");
  for (auto& n : s.notes) {
    CHECK(col(t, "file").text[r] == "good/format0.mid");
    CHECK(col(t, "label").text[r] == "good");
    CHECK(!col(t, "error").present[r]);
    CHECK(col(t, "error").text[r].empty());
    CHECK(col(t, "onset").num[r] == n.onset);
    CHECK(col(t, "duration").num[r] == n.duration);
    CHECK(col(t, "pitch").num[r] == n.pitch);
    CHECK(col(t, "velocity").num[r] == n.velocity);
    CHECK(col(t, "program").num[r] == n.program);
    CHECK(col(t, "channel").num[r] == n.channel);
    CHECK(col(t, "drum").num[r] == (n.drum ? 1 : 0));
    ++r;
  }
  CHECK(col(t, "file").text[r] == "good/format1.mid");
  // drum notes are 1 exactly where the channel is 9
  for (size_t i = 7; i < t.rows(); ++i) CHECK(col(t, "drum").num[i] == (col(t, "channel").num[i] == 9 ? 1 : 0));
}

TEST_CASE("midi_folder: on_error: fail stops at the first damaged file", "[midi]") {
  std::string dir = data_dir();
  CHECK(run_error({{"path", dir}, {"on_error", "fail"}}) ==
        "midi_folder: " + dir + "/broken/absurd_tempo.mid: byte 63: absurd tempo: 0 µs per quarter note (at least "
        "1000 expected, i.e. at most 60,000 bpm)");
  // only good files: no error column values, no label column without label: parent_dir
  Table t = run({{"path", dir + "/good"}, {"on_error", "fail"}});
  CHECK(t.find("label") == nullptr);
  for (auto p : col(t, "error").present) CHECK(!p);
}

TEST_CASE("midi_folder: pattern, case-insensitive names, recursion, bad paths", "[midi]") {
  tabtest::TempDir d;
  std::string good = slurp(data_dir() + "/good/format0.mid");
  std::filesystem::create_directories(d.dir / "TRAAA" / "deeper");
  d.write("TRAAA/a.MID", good);
  d.write("TRAAA/deeper/b.mid", good);
  d.write("TRAAA/notes.txt", "not midi");
  d.write("c.kar", good);
  Table t = run({{"path", d.dir.string()}, {"label", "parent_dir"}});
  REQUIRE(t.rows() == 14);  // 2 files x 7 notes; notes.txt and c.kar are not read
  CHECK(col(t, "file").text[0] == "TRAAA/a.MID");
  CHECK(col(t, "label").text[0] == "TRAAA");
  CHECK(col(t, "file").text[7] == "TRAAA/deeper/b.mid");
  CHECK(col(t, "label").text[7] == "deeper");
  t = run({{"path", d.dir.string()}, {"pattern", "*.kar"}});
  CHECK(t.rows() == 7);
  CHECK(col(t, "file").text[0] == "c.kar");
  CHECK(run_error({{"path", d.dir.string()}, {"pattern", "*.midi"}}) ==
        "midi_folder: no file matching \"*.midi\" under " + d.dir.string());
  CHECK(run_error({{"path", "nowhere"}}, "/tmp") == "midi_folder: folder not found: nowhere (looked for /tmp/nowhere)");
  CHECK(run_error({{"path", d.dir.string() + "/c.kar"}}) == "midi_folder: " + d.dir.string() + "/c.kar is a file, not a folder");
}

TEST_CASE("midi_folder: a damaged file among good ones written to a temp folder", "[midi]") {
  tabtest::TempDir d;
  std::string good = slurp(data_dir() + "/good/format1.mid");
  d.write("1.mid", good);
  d.write("2.mid", good.substr(0, good.size() - 5));  // cut short
  d.write("3.mid", "");                               // empty
  d.write("4.mid", good);
  Table t = run({{"path", d.dir.string()}});
  REQUIRE(t.rows() == 6 + 1 + 1 + 6);
  auto& err = col(t, "error");
  CHECK(err.text[6] == d.dir.string() + "/2.mid: byte 144: bad chunk length: the 'MTrk' chunk at byte 140 says 9 "
                                        "bytes but only 4 follow (file truncated?)");
  CHECK(err.text[7] == d.dir.string() + "/3.mid: byte 0: not a MIDI file: expected 'MThd' at the start, found an empty file");
  size_t quarantined = 0;
  for (auto p : err.present) quarantined += p;
  CHECK(quarantined == 2);
}

