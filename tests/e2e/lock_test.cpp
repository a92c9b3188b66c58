// End to end: genre lock / verify, plan --explain, and determinism across runs and --jobs.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "shell.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

using e2e::fma_csv;
using e2e::genre;
using e2e::slurp;
using e2e::small_study;
using e2e::TempDir;

}  // namespace

TEST_CASE("lock then verify: a clean re-run matches - a parameter changed without re-locking is listed", "[e2e][lock]") {
  TempDir d;
  std::string f = d.write("study.genre", small_study("1"));
  std::string cache = " --cache " + (d.path / "cache").string();
  auto lock = e2e::run(genre("lock " + f + cache));
  INFO(lock.second);
  REQUIRE(lock.first == 0);
  json j = json::parse(slurp(f + ".lock"));
  CHECK(j["values"].contains("r/knn5/accuracy"));
  CHECK(j["values"].contains("r/svm1/confusion/0/0"));
  REQUIRE(j["data"].size() == 1);
  // The data's content hash, as xxhsum -H2 prints it, under a path relative to the script.
  CHECK(j["data"].begin().key() == fs::path(fma_csv()).lexically_relative(d.path).generic_string());
  CHECK(j["data"].begin().value().get<std::string>().size() == 32);
  CHECK(j["ops"]["s/split"]["seed"] == 1);
  CHECK(j["platform"]["genre"].is_string());

  auto ok = e2e::run(genre("verify " + f + cache));
  INFO(ok.second);
  CHECK(ok.first == 0);
  CHECK_THAT(ok.second, Catch::Contains("verified: "));
  CHECK_THAT(ok.second, Catch::Contains(" 0 ran"));  // keys match: all from the cache

  d.write("study.genre", small_study("2"));
  auto drift = e2e::run(genre("verify " + f + cache));
  INFO(drift.second);
  CHECK(drift.first == 1);
  CHECK_THAT(drift.second, Catch::Contains("value r/svm1/accuracy"));
  CHECK_THAT(drift.second, Catch::Contains("exact (same platform)"));
  CHECK_THAT(drift.second, !Catch::Contains("value r/knn5/"));  // the KNN did not change
}

TEST_CASE("verify on another platform compares floats within the lock's tolerances, counts exactly", "[e2e][lock]") {
  TempDir d;
  std::string f = d.write("study.genre", small_study("1"));
  std::string cache = " --cache " + (d.path / "cache").string();
  REQUIRE(e2e::run(genre("lock " + f + cache)).first == 0);
  json j = json::parse(slurp(f + ".lock"));
  j["platform"]["cpu"] = "some other machine";
  double acc = j["values"]["r/knn5/accuracy"];
  double tol = j["tolerance"]["accuracy"];

  j["values"]["r/knn5/accuracy"] = acc + tol / 2;
  d.write("study.genre.lock", j.dump(2));
  auto within = e2e::run(genre("verify " + f + cache));
  INFO(within.second);
  CHECK(within.first == 0);

  j["values"]["r/knn5/accuracy"] = acc + tol * 2;
  d.write("study.genre.lock", j.dump(2));
  auto beyond = e2e::run(genre("verify " + f + cache));
  INFO(beyond.second);
  CHECK(beyond.first == 1);
  CHECK_THAT(beyond.second, Catch::Contains("value r/knn5/accuracy"));
  CHECK_THAT(beyond.second, Catch::Contains("(accuracy)"));

  j["values"]["r/knn5/accuracy"] = acc;
  j["values"]["r/knn5/confusion/0/0"] = j["values"]["r/knn5/confusion/0/0"].get<double>() + 1;
  d.write("study.genre.lock", j.dump(2));
  auto count = e2e::run(genre("verify " + f + cache));
  INFO(count.second);
  CHECK(count.first == 1);
  CHECK_THAT(count.second, Catch::Contains("exact (a count)"));
}

TEST_CASE("verify without a lock, or with a broken one, says so", "[e2e][lock]") {
  TempDir d;
  std::string f = d.write("study.genre", small_study("1"));
  auto none = e2e::run(genre("verify " + f + " --cache " + (d.path / "cache").string()));
  CHECK(none.first == 2);
  CHECK_THAT(none.second, Catch::Contains("no lock file; make one with `genre lock"));
  d.write("study.genre.lock", "{ not json");
  auto bad = e2e::run(genre("verify " + f + " --cache " + (d.path / "cache").string()));
  CHECK(bad.first == 2);
  CHECK_THAT(bad.second, Catch::Contains("study.genre.lock: not a lock file"));
}

TEST_CASE("plan --explain traces a changed key to the parameter that changed", "[e2e][lock]") {
  TempDir d;
  std::string f = d.write("study.genre", small_study("1"));
  std::string cache = " --cache " + (d.path / "cache").string();
  REQUIRE(e2e::run(genre("run " + f + cache)).first == 0);
  auto same = e2e::run(genre("plan " + f + cache + " --explain knn5"));
  CHECK_THAT(same.second, Catch::Contains("knn5/fit: unchanged since the last run"));

  d.write("study.genre", small_study("2"));
  auto e = e2e::run(genre("plan " + f + cache + " --explain r"));
  INFO(e.second);
  REQUIRE(e.first == 0);
  CHECK_THAT(e.second, Catch::Contains("input changed: svm1/fit"));
  CHECK_THAT(e.second, Catch::Contains("parameter changed: model.C: 1"));
  CHECK_THAT(e.second, !Catch::Contains("input changed: knn5/fit"));

  auto unknown = e2e::run(genre("plan " + f + cache + " --explain nosuch"));
  CHECK(unknown.first == 2);
  CHECK_THAT(unknown.second, Catch::Contains("no node or definition named 'nosuch'"));
  CHECK_THAT(unknown.second, Catch::Contains("svm1/fit"));
}

TEST_CASE("the same script and data give bit-identical results across runs and --jobs values", "[e2e][lock]") {
  // The quick-start study trains a LibTorch network, a KNN and an SVM.
  TempDir d;
  std::string script = (fs::path(GENRE_EXAMPLES) / "fma_quickstart.genre").string();
  std::vector<std::string> results;
  for (auto [name, jobs] : {std::pair{"a", 1}, {"b", 2}, {"c", 2}}) {
    std::string dir = (d.path / name).string();
    auto r = e2e::run(genre("run " + script + " --jobs " + std::to_string(jobs) + " --cache " + dir + "/cache --out " + dir));
    INFO(r.second);
    REQUIRE(r.first == 0);
    results.push_back(slurp(fs::path(dir) / "results.json"));
  }
  CHECK(results[0].size() > 100);
  CHECK(results[0] == results[1]);
  CHECK(results[1] == results[2]);
}
