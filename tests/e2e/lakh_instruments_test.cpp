// End to end: study S0 (examples/lakh_instruments.genre), unchanged, on the
// shipped synthetic corpus data/lakh-mini (about 30 s on 2 cores). The tag
// figures are worked out from how data/lakh-mini/gen_lakh_mini.py builds the
// corpus: 6 artists per genre, 4 matched tracks each (72 songs); 3 pop rock
// artists also carry ballad, 2 ballad artists pop rock, 1 house artist pop rock. So pop rock has 24 + 8 + 4 = 36 songs, ballad 24 + 12 = 36, house 24;
// pop rock & ballad share 12 + 8 = 20 of 52 songs, pop rock & house 4 of 56.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "shell.h"

namespace fs = std::filesystem;
using json = nlohmann::json;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;

namespace {

using e2e::run;

}  // namespace

TEST_CASE("S0 runs on the shipped corpus: tag table, Jaccard, a loss per genre x instrument", "[e2e][s0]") {
  fs::path tmp = fs::temp_directory_path() / ("genre_s0_" + std::to_string(std::random_device{}()));
  fs::create_directories(tmp);
  std::string script = (fs::path(GENRE_EXAMPLES) / "lakh_instruments.genre").string();
  auto [rc, out] = run(std::string(GENRE_BIN) + " run " + script + " --cache " + (tmp / "cache").string() +
                       " --out " + (tmp / "out").string() + " -j 2");
  INFO(out);
  REQUIRE(rc == 0);
  std::ifstream f(tmp / "out" / "results.json");
  json r = json::parse(f);

  const json& tags = r["tags"];
  CHECK(tags["items"] == 72);
  CHECK_THAT(tags["share"]["pop rock"].get<double>(), WithinAbs(36.0 / 72, 1e-12));
  CHECK_THAT(tags["share"]["ballad"].get<double>(), WithinAbs(36.0 / 72, 1e-12));
  CHECK_THAT(tags["share"]["house"].get<double>(), WithinAbs(24.0 / 72, 1e-12));
  CHECK_THAT(tags["jaccard"]["pop rock"]["ballad"].get<double>(), WithinAbs(20.0 / 52, 1e-12));
  CHECK_THAT(tags["jaccard"]["pop rock"]["house"].get<double>(), WithinAbs(4.0 / 56, 1e-12));
  CHECK_THAT(tags["jaccard"]["ballad"]["house"].get<double>(), WithinAbs(0.0, 1e-12));
  CHECK_THAT(out, Contains("jaccard"));

  const json& losses = r["losses"];
  REQUIRE(losses.size() == 12);
  // Uniform guessing: (log 129 + log 17 + log 128) / 3 with the script's 16 durations and velocity_step 1.
  double uniform = (std::log(129.0) + std::log(17.0) + std::log(128.0)) / 3;
  for (const char* g : {"pop rock", "ballad", "house"})
    for (const char* i : {"drums", "piano", "guitar", "bass"}) {
      std::string name = std::string("models[genre=") + g + " instrument=" + i + "]";
      INFO(name);
      REQUIRE(losses.contains(name));
      const json& m = losses[name];
      CHECK(m["target"] == i);
      CHECK(m["windows"].get<int>() > 0);
      CHECK(m["loss"].get<double>() < 0.5 * uniform);
      CHECK_THAT(m["loss"].get<double>(),
                 WithinAbs((m["pitch"].get<double>() + m["duration"].get<double>() + m["velocity"].get<double>()) / 3,
                           1e-9));
    }
  fs::remove_all(tmp);
}
