// End to end: a folder of clips labelled by a CSV beside the script, checked, run and
// re-planned after the CSV changes.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "shell.h"

namespace fs = std::filesystem;

namespace {

using e2e::genre;
using e2e::slurp;
using e2e::TempDir;

// Half a second of a 440-Hz sine as a 16-bit mono WAV at 22050 Hz, written out by hand.
std::string wav() {
  const uint32_t n = 11025;
  std::string b;
  auto u32 = [&](uint32_t v) { for (int i = 0; i < 4; ++i) b += static_cast<char>((v >> (8 * i)) & 0xff); };
  auto u16 = [&](uint16_t v) { b += static_cast<char>(v & 0xff), b += static_cast<char>(v >> 8); };
  b += "RIFF";
  u32(36 + 2 * n);
  b += "WAVEfmt ";
  u32(16);
  u16(1);  // PCM
  u16(1);  // mono
  u32(22050);
  u32(44100);
  u16(2);
  u16(16);
  b += "data";
  u32(2 * n);
  for (uint32_t i = 0; i < n; ++i)
    u16(static_cast<uint16_t>(static_cast<int16_t>(std::lround(16000 * std::sin(2 * M_PI * 440 * i / 22050.0)))));
  return b;
}

const char* study =
    "let audio = \"clips\"\n"
    "dataset clips = audio_features(audio, rms, label: csv(\"labels.csv\", label: \"genre\"), file_column: \"filename\")\n";

}  // namespace

TEST_CASE("clips labelled by a CSV: checked, run with the unlabelled one set aside, re-run when the CSV changes",
          "[e2e]") {
  TempDir d;
  for (const char* f : {"clips/a/one.wav", "clips/b/two.wav", "clips/stray.wav"}) d.write(f, wav());
  std::string csv = d.write("labels.csv", "filename,genre\na/one.wav,rock\ntwo.wav,jazz\n");
  std::string script = d.write("study.genre", study);
  std::string cache = " --cache " + (d.path / "cache").string();

  auto c = e2e::run(genre("check " + script));
  INFO(c.second);
  CHECK(c.first == 0);

  auto r = e2e::run(genre("run " + script + " clips" + cache + " --out " + (d.path / "out").string()));
  INFO(r.second);
  REQUIRE(r.first == 0);
  CHECK_THAT(r.second, Catch::Contains("1 file set aside"));
  CHECK_THAT(r.second, Catch::Contains("stray.wav: no row in labels.csv"));
  std::string quarantine = slurp(d.path / "out" / "quarantine.csv");
  CHECK_THAT(quarantine, Catch::Contains("stray.wav"));
  CHECK_THAT(quarantine, Catch::Contains("no row in labels.csv"));

  std::ofstream(csv, std::ios::app) << "stray.wav,soul\n";
  auto p = e2e::run(genre("plan " + script + " clips" + cache));
  INFO(p.second);
  REQUIRE(p.first == 0);
  CHECK_THAT(p.second, Catch::Contains("will run  clips/csv  (file changed: " + csv + ")"));
  CHECK_THAT(p.second, Catch::Contains("will run  clips/audio_features  (input changed (clips/csv))"));
  auto again = e2e::run(genre("run " + script + " clips" + cache + " --out " + (d.path / "out").string()));
  INFO(again.second);
  REQUIRE(again.first == 0);
  CHECK_THAT(again.second, !Catch::Contains("set aside"));
}

TEST_CASE("a label table written the wrong way is an error at its place in the script", "[e2e]") {
  TempDir d;
  // file: belongs to audio_features (file_column:), not to csv.
  std::string bad = d.write("bad.genre",
                            "let audio = \"clips\"\n"
                            "dataset clips = audio_features(audio, rms, label: csv(\"labels.csv\", file: \"filename\", "
                            "label: \"genre\"))\n"
                            "dataset more = audio_features(audio, rms, label: genre_csv)\n");
  auto r = e2e::run(genre("check " + bad));
  INFO(r.second);
  CHECK(r.first == 1);
  CHECK_THAT(r.second, Catch::Contains("bad.genre:2:69: error: unknown argument 'file' for 'csv'"));
  CHECK_THAT(r.second, Catch::Contains("bad.genre:3:50: error: 'genre_csv' is not a value of argument 'label' of 'audio_features'"));
  CHECK_THAT(r.second, Catch::Contains("^"));
}
