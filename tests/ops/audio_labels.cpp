// audio_features with labels from a CSV (label: csv("labels.csv", label: "genre")), for
// corpora not laid out one folder per genre: which clip each row labels, what happens to
// clips without a row, the errors a wrong table gets, and the cache key following the CSV.
#include <sndfile.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>

#include "audio_helpers.h"
#include "runtime/engine/plan.h"
#include "tabular_helpers.h"
#include "train_script.h"

namespace {

namespace fs = std::filesystem;
using audiotest::checked;
using audiotest::row_of;
using genre::json;
using genre::Table;
using traintest::node;

// 1 s of a 1-kHz sine, amplitude 0.5, 16-bit mono at 22050 Hz.
void write_wav(const fs::path& path) {
  audiotest::write(path, audiotest::sine(1000, 1, 22050), 22050, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
}

// audio_features on `dir` with rms, its label table read by the csv op from `csv` (label column `genre`).
Table run_labelled(const fs::path& dir, const std::string& csv, json extra = json::object()) {
  genre::Value labels = tabtest::csv(csv, "genre");
  json p = {{"path", dir.string()}, {"features", {"rms"}}};
  for (auto& [k, v] : extra.items()) p[k] = v;
  return tabtest::run_table("audio_features", p, {{"label", labels}});
}

// Clips in folders that are not genres, so any right label came from the CSV.
struct Corpus {
  tabtest::TempDir dir;
  fs::path audio = dir.dir / "audio";
  std::string csv;
  Corpus() {
    for (const char* f : {"set1/x1.wav", "set1/deep/x2.wav", "set2/x3.wav", "x4.wav", "nolabel.wav"})
      write_wav(audio / f);
    csv = dir.write("labels.csv",
                    "filename,genre,year\n"
                    "set1/x1.wav,blues,1990\n"     // a path relative to the folder
                    "x2.wav,jazz,1991\n"           // a bare file name
                    "./set2/x3.wav,rock,1992\n"    // the same path written another way
                    "gone.wav,pop,1993\n"          // no such clip: ignored
                    "x4.wav,,1994\n");             // a row without a genre
  }
};

}  // namespace

TEST_CASE("audio labels: a CSV gives each clip its genre, by relative path or by bare file name", "[audio][torch]") {
  Corpus c;
  auto t = run_labelled(c.audio, c.csv, {{"file_column", "filename"}});
  REQUIRE(t.rows() == 5);
  CHECK(t.label == "label");
  auto& label = t.column("label");
  auto& err = t.column("error");
  auto& rms = tabtest::num(t, "rms_mean");
  std::map<std::string, std::string> want = {{"set1/x1.wav", "blues"}, {"set1/deep/x2.wav", "jazz"}, {"set2/x3.wav", "rock"}};
  for (auto& [file, genre] : want) {
    INFO(file);
    size_t r = row_of(t, file);
    CHECK(label.present[r] == 1);
    CHECK(label.text[r] == genre);
    CHECK(err.present[r] == 0);
    CHECK(rms[r] == Approx(0.5 / std::sqrt(2)).epsilon(0.02));  // decoded: a sine's RMS is amplitude / sqrt 2
  }
  // Set aside, not decoded: the rest went on.
  size_t none = row_of(t, "nolabel.wav");
  CHECK(err.present[none] == 1);
  CHECK(err.text[none] == "no row in " + c.csv);
  CHECK(label.present[none] == 0);
  CHECK(genre::is_missing(rms[none]));
  size_t empty = row_of(t, "x4.wav");
  CHECK(err.text[empty] == "its row in " + c.csv + " has no \"genre\"");
  CHECK(genre::is_missing(rms[empty]));

  // on_error: fail stops at the first unlabelled clip, naming it.
  auto e = tabtest::error_of([&] { run_labelled(c.audio, c.csv, {{"file_column", "filename"}, {"on_error", "fail"}}); });
  CHECK(e == "audio_features: nolabel.wav: no row in " + c.csv);

  // Without file_column, a column called `filename` is taken.
  auto d = run_labelled(c.audio, c.csv);
  CHECK(d.column("label").text == label.text);
}

TEST_CASE("audio labels: label: parent_dir stays the default", "[audio][torch]") {
  Corpus c;
  auto dflt = tabtest::run_table("audio_features", {{"path", c.audio.string()}, {"features", {"rms"}}});
  auto named = tabtest::run_table("audio_features", {{"path", c.audio.string()}, {"features", {"rms"}}, {"label", "parent_dir"}});
  CHECK(tabtest::text(dflt, "label")[row_of(dflt, "set1/deep/x2.wav")] == "deep");
  CHECK(tabtest::text(dflt, "label")[row_of(dflt, "set2/x3.wav")] == "set2");
  CHECK(tabtest::text(named, "label") == tabtest::text(dflt, "label"));
  CHECK(dflt.column("error").present == std::vector<uint8_t>(5, 0));
  auto e = tabtest::error_of([&] {
    tabtest::run_table("audio_features", {{"path", c.audio.string()}, {"features", {"rms"}}, {"file_column", "f"}});
  });
  CHECK(e.find("file_column names the file column of a label table, but label is parent_dir") != std::string::npos);
}

TEST_CASE("audio labels: a bare name two clips share is an error naming both", "[audio][torch]") {
  tabtest::TempDir dir;
  write_wav(dir.dir / "a/same.wav");
  write_wav(dir.dir / "b/same.wav");
  write_wav(dir.dir / "b/other.wav");
  auto bare = dir.write("bare.csv", "file,genre\nother.wav,pop\nsame.wav,rock\n");
  auto e = tabtest::error_of([&] { run_labelled(dir.dir, bare); });
  CHECK(e == "audio_features: " + bare + ": the file name \"same.wav\" matches 2 clips under " + dir.dir.string() +
                 ": \"a/same.wav\" and \"b/same.wav\"; write each clip's path relative to the folder instead");
  // Written as paths, the same clips are told apart.
  auto paths = dir.write("paths.csv", "file,genre\nother.wav,pop\na/same.wav,rock\nb/same.wav,soul\n");
  auto t = run_labelled(dir.dir, paths);
  CHECK(tabtest::text(t, "file") == std::vector<std::string>{"a/same.wav", "b/other.wav", "b/same.wav"});
  CHECK(tabtest::text(t, "label") == std::vector<std::string>{"rock", "pop", "soul"});
  // Two rows giving one clip two genres.
  auto twice = dir.write("twice.csv", "file,genre\nb/other.wav,pop\nother.wav,rock\n");
  e = tabtest::error_of([&] { run_labelled(dir.dir, twice); });
  CHECK(e == "audio_features: " + twice + " gives b/other.wav two labels: \"pop\" and \"rock\"");
}

TEST_CASE("audio labels: a CSV without the columns, or naming no clip, is an error saying what it has", "[audio]") {
  Corpus c;
  auto e = tabtest::error_of([&] { run_labelled(c.audio, c.csv, {{"file_column", "track"}}); });
  CHECK(e == "audio_features: " + c.csv + " has no column \"track\" (file_column) naming the clips; the columns are "
             "\"filename\", \"genre\", \"year\"");
  auto other = c.dir.write("other.csv", "name,genre\nx4.wav,rock\n");
  e = tabtest::error_of([&] { run_labelled(c.audio, other); });
  CHECK(e.find("audio_features: " + other + " has no column \"file\" or \"filename\" naming the clips") == 0);
  CHECK(e.find("the columns are \"name\", \"genre\"") != std::string::npos);
  // The label column is the csv op's: a missing one is named there.
  e = tabtest::error_of([&] { tabtest::csv(other, "genre_top"); });
  CHECK(e == other + ": no column \"genre_top\" to use as the label; the columns are \"name\", \"genre\"");
  // A table without a label column.
  genre::Value plain = tabtest::csv(c.csv);
  e = tabtest::error_of([&] {
    tabtest::run_table("audio_features", {{"path", c.audio.string()}, {"features", {"rms"}}}, {{"label", plain}});
  });
  CHECK(e.find(c.csv + " has no label column; choose the column of labels with csv(..., label: \"genre\")") !=
        std::string::npos);
  // Rows of another corpus: nothing matches, which is a mistake, not 5 quarantined clips.
  auto fma = c.dir.write("fma.csv", "file,genre\nfma_small/000/000002.mp3,Hip-Hop\nfma_small/000/000005.mp3,Pop\n");
  e = tabtest::error_of([&] { run_labelled(c.audio, fma); });
  CHECK(e == "audio_features: none of the 2 rows of " + fma + " names a clip under " + c.audio.string() +
                 ": its column \"file\" holds names such as \"fma_small/000/000002.mp3\", and a row must give a "
                 "clip's path relative to the folder (\"set1/deep/x2.wav\") or its file name (\"x2.wav\")");
}

TEST_CASE("audio labels: the script form checks, and a wrong one is pointed at", "[audio]") {
  std::string d;
  checked("dataset a = audio_features(\"clips\", mfcc, label: csv(\"labels.csv\", label: \"genre\"), "
          "file_column: \"filename\", clip: 30s)\n", &d);
  CHECK(d == "");
  checked("let labels = csv(\"labels.csv\", label: \"genre\") |> keep(genre != \"Experimental\")\n"
          "dataset a = audio_features(\"clips\", mfcc, label: labels)\n", &d);
  CHECK(d == "");
  checked("dataset a = audio_features(\"clips\", mfcc,\n"
          "  label: csv(\"labels.csv\", label: \"genre\") |> keep(genre != \"Experimental\"), file_column: \"filename\")\n",
          &d);
  CHECK(d == "");
  checked("dataset a = audio_features(\"clips\", mfcc, label: parent_dir)\n", &d);
  CHECK(d == "");
  checked("dataset a = audio_features(\"clips\", mfcc, label: \"labels.csv\")\n", &d);
  CHECK(d.find("t.genre:1:50: error: argument 'label' of 'audio_features' expects a symbol or a table, got a string") !=
        std::string::npos);
  checked("dataset a = audio_features(\"clips\", mfcc, label: parentdir)\n", &d);
  CHECK(d.find("t.genre:1:50: error: 'parentdir' is not a value of argument 'label' of 'audio_features'") !=
        std::string::npos);
  CHECK(d.find("did you mean 'parent_dir'?") != std::string::npos);
}

TEST_CASE("audio labels: the CSV's content is part of the clips' key", "[audio][plan]") {
  Corpus c;
  auto plan = [&](const std::string& label) {
    auto s = checked("dataset a = audio_features(\"" + c.audio.string() + "\", rms, label: " + label + ")\n");
    return genre::lower(s->first, s->second, {"a"});
  };
  std::string by_csv = "csv(\"" + c.csv + "\", label: \"genre\")";
  auto before = plan(by_csv);
  auto folders = plan("parent_dir");
  const genre::Node& clips = node(before, "a/audio_features");
  REQUIRE(clips.inputs.size() == 1);
  CHECK(clips.inputs[0].param == "label");
  CHECK(before.nodes[clips.inputs[0].node].label == "a/csv");

  std::ofstream(c.csv, std::ios::app) << "nolabel.wav,metal,1995\n";
  auto after = plan(by_csv);
  CHECK(node(after, "a/csv").key != node(before, "a/csv").key);
  CHECK(node(after, "a/audio_features").key != clips.key);
  CHECK(node(after, "a/audio_features").params_hash == clips.params_hash);  // the input moved, not the call
  CHECK(node(plan("parent_dir"), "a/audio_features").key == node(folders, "a/audio_features").key);
}
