// The leakage canary: on pure noise (500 uniform features, labels alternating),
// choosing the 10 "best" features on all rows and then cross-validating finds
// signal that is not there; choosing them inside each fold (the model's prep,
// or kfold before select_best) scores chance. `genre check` warns of the first.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "shell.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  return {std::istreambuf_iterator<char>(f), {}};
}

double mean_accuracy(const fs::path& out, const std::string& report) {
  json r = json::parse(slurp(out / "results.json"));
  return r[report]["mean"]["accuracy"].get<double>();
}

}  // namespace

TEST_CASE("leakage canary: features chosen on all rows flatter cv; chosen per fold they score chance", "[e2e][leak]") {
  fs::path dir = fs::temp_directory_path() / ("genre-leak-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  {
    // Uniform noise from the standard's mt19937_64: the same file on every machine.
    std::mt19937_64 rng(3);
    std::ofstream f(dir / "noise.csv");
    for (int j = 0; j < 500; ++j) f << "x" << j << ",";
    f << "label\n";
    for (int i = 0; i < 80; ++i) {
      for (int j = 0; j < 500; ++j) f << double(rng() >> 11) * 0x1p-53 << ",";
      f << (i % 2 ? "a" : "b") << "\n";
    }
  }
  std::ofstream(dir / "leaked.genre") << "dataset t = csv(\"noise.csv\", label: \"label\")\n"
                                         "split s = t |> split(train: 100%) |> select_best(10)\n"
                                         "report r = cv(knn(k: 5), s.train, k: 5) { accuracy }\n";
  std::ofstream(dir / "honest.genre") << "dataset t = csv(\"noise.csv\", label: \"label\")\n"
                                         "report r = cv(knn(k: 5, prep: [select_best(10)]), t, k: 5) { accuracy }\n"
                                         "split f = t |> kfold(5) |> select_best(10)\n"
                                         "report q = cv(knn(k: 5), f) { accuracy }\n";
  std::string cache = " --cache " + (dir / "cache").string();

  auto [rc, out] = e2e::run(e2e::genre("check " + (dir / "leaked.genre").string()));
  INFO(out);
  CHECK(rc == 0);  // a warning, not an error: the paper's way may be what a replication wants
  CHECK(out.find("leaked.genre:3:26: warning: cv divides 's.train' into folds, but its select_best was fitted on all of "
                 "'s.train'") != std::string::npos);
  CHECK(out.find("prep: [select_best]") != std::string::npos);
  std::tie(rc, out) = e2e::run(e2e::genre("check " + (dir / "honest.genre").string()));
  CHECK(rc == 0);
  CHECK(out.find("warning") == std::string::npos);

  std::tie(rc, out) = e2e::run(e2e::genre("run " + (dir / "leaked.genre").string() + cache + " --out " + (dir / "leaked").string()));
  REQUIRE(rc == 0);
  std::tie(rc, out) = e2e::run(e2e::genre("run " + (dir / "honest.genre").string() + cache + " --out " + (dir / "honest").string()));
  REQUIRE(rc == 0);
  double leaked = mean_accuracy(dir / "leaked", "r"), honest = mean_accuracy(dir / "honest", "r");
  double folds_first = mean_accuracy(dir / "honest", "q");
  INFO("leaked " << leaked << ", honest " << honest << ", kfold first " << folds_first);
  CHECK(leaked >= honest + 0.15);  // here 0.79 against 0.50
  CHECK(honest <= 0.65);           // chance is 0.5
  CHECK(folds_first == honest);    // the same folds, the same choices: the two honest ways agree
  fs::remove_all(dir);
}
