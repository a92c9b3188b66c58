// End to end: `genre cache` shows what a cache holds per script, gc removes what
// no run reaches, clean removes everything.
#include <catch2/catch.hpp>
#include <filesystem>

#include "shell.h"

using e2e::TempDir;
namespace fs = std::filesystem;

TEST_CASE("genre cache: size per script, gc of what no run reaches, clean", "[e2e][cli]") {
  TempDir d;
  std::string cache = " --cache " + (d.path / "cache").string();
  auto f = d.write("s.genre", e2e::small_study("1"));
  REQUIRE(e2e::run(e2e::genre("run " + f.string() + cache)).first == 0);
  auto [rc, out] = e2e::run(e2e::genre("cache" + cache));
  INFO(out);
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains(": 7 entries, "));
  CHECK_THAT(out, !Catch::Contains("no run record reaches"));
  CHECK_THAT(out, Catch::Contains(" s-"));  // the script's run record and its 7 entries
  // A changed C: the old SVM and report are reached by no record any more.
  d.write("s.genre", e2e::small_study("10"));
  REQUIRE(e2e::run(e2e::genre("run " + f.string() + cache)).first == 0);
  std::tie(rc, out) = e2e::run(e2e::genre("cache " + f.string() + cache));
  INFO(out);
  CHECK_THAT(out, Catch::Contains(": 9 entries, "));
  CHECK_THAT(out, Catch::Contains("; 2 entries ("));
  CHECK_THAT(out, Catch::Contains("no run record reaches: `genre cache gc` removes them"));
  std::tie(rc, out) = e2e::run(e2e::genre("cache gc" + cache));
  INFO(out);
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains("removed 2 entries no run record reaches"));
  // Nothing the script needs went: a re-run is all cache hits.
  std::tie(rc, out) = e2e::run(e2e::genre("run " + f.string() + cache));
  CHECK_THAT(out, Catch::Contains("0 ran, 7 reused"));
  std::tie(rc, out) = e2e::run(e2e::genre("cache clean" + cache));
  CHECK(rc == 0);
  std::tie(rc, out) = e2e::run(e2e::genre("cache" + cache));
  CHECK_THAT(out, Catch::Contains(": 0 entries, 0.0 MB"));
  CHECK(e2e::run(e2e::genre("cache gc nothing.genre" + cache)).first == 1);
}

TEST_CASE("run -k writes the results that succeeded, then lists what failed and exits 2", "[e2e][cli]") {
  TempDir d;
  auto f = d.write("s.genre", e2e::small_study("1") +
                                  "dataset bad = tracks |> keep(label == \"Rokc\")\n"
                                  "report counts = label_counts(bad)\n");
  std::string args = f.string() + " --cache " + (d.path / "cache").string() + " --out " + (d.path / "out").string();
  auto [rc, out] = e2e::run(e2e::genre("run -k " + args));
  INFO(out);
  CHECK(rc == 2);
  CHECK_THAT(out, Catch::Contains("== r =="));
  CHECK(fs::exists(d.path / "out" / "results.json"));
  CHECK_THAT(e2e::slurp(d.path / "out" / "results.json"), Catch::Contains("\"r\"") && !Catch::Contains("\"counts\""));
  CHECK_THAT(out, Catch::Contains("9 nodes: 7 ran, 0 reused from cache, 2 failed or not run"));
  // Positioned at the failing stage, with its line and a caret, as a check-time error is.
  CHECK_THAT(out, Catch::Contains(f.string() + ":6:25: error: in bad/keep: keep: no row has label 'Rokc' (did you mean 'Rock'?)"));
  CHECK_THAT(out, Catch::Contains("dataset bad = tracks |> keep(label == \"Rokc\")\n                        ^~~~"));
  CHECK_THAT(out, Catch::Contains("1 node failed; 1 of 2 results not computed: counts"));
  // Without -k: the first failure stops the run, nothing is written.
  std::tie(rc, out) = e2e::run(e2e::genre("run " + args.substr(0, args.find(" --out")) + " --out " +
                                          (d.path / "out2").string()));
  CHECK(rc == 2);
  CHECK_FALSE(fs::exists(d.path / "out2" / "results.json"));
}
