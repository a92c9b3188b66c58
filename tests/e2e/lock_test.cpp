// End to end: genre lock / verify, plan --explain, and determinism across runs and --jobs.
#include <catch2/catch.hpp>

#include <algorithm>
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
  // The data's content hash, as xxhsum -H2 prints it, under a path relative to the script when the
  // data lies beside the script's folder (both in the temp folder), else absolute (see below).
  fs::path data(fma_csv());
  bool beside = !data.lexically_relative(d.path.parent_path()).string().starts_with("..");
  CHECK(j["data"].begin().key() == (beside ? data.lexically_relative(d.path).generic_string() : data.generic_string()));
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
  // The change itself, read from the ops' parameters (the same on every platform).
  CHECK_THAT(drift.second, Catch::Contains("op svm1/fit parameter model/C"));
  CHECK_THAT(drift.second, !Catch::Contains("value r/knn5/"));  // the KNN did not change
}

TEST_CASE("verify on another platform judges each model by its predictions: noise passes, drift fails", "[e2e][lock]") {
  TempDir d;
  std::string f = d.write("study.genre", small_study("1"));
  std::string cache = " --cache " + (d.path / "cache").string();
  REQUIRE(e2e::run(genre("lock " + f + cache)).first == 0);
  json j = json::parse(slurp(f + ".lock"));
  j["platform"]["cpu"] = "some other machine";
  REQUIRE(j["predictions"].contains("r/knn5"));
  std::string truth = j["predictions"]["r/knn5"]["truth"], pred = j["predictions"]["r/knn5"]["pred"];
  REQUIRE(truth.size() == pred.size());
  REQUIRE(truth.size() > 1000);
  // The locked model as if it had predicted `flips` more rows right (-) or wrong (+) than it did.
  auto with = [&](int wrong, int right) {
    json k = j;
    std::string p = pred;
    for (size_t r = 0; r < p.size() && (wrong > 0 || right > 0); ++r)
      if (p[r] == truth[r] && wrong > 0) p[r] = truth[r] == '0' ? '1' : '0', --wrong;
      else if (p[r] != truth[r] && right > 0) p[r] = truth[r], --right;
    k["predictions"]["r/knn5"]["pred"] = p;
    d.write("study.genre.lock", k.dump(2));
    return e2e::run(genre("verify " + f + cache));
  };

  auto same = with(0, 0);
  INFO(same.second);
  CHECK(same.first == 0);
  CHECK_THAT(same.second, Catch::Contains("r/knn5: identical"));

  // A few rows either way: what another CPU's rounding does to a model.
  auto noise = with(3, 4);
  INFO(noise.second);
  CHECK(noise.first == 0);
  CHECK_THAT(noise.second, Catch::Contains("r/knn5: within noise; 7 of"));
  CHECK_THAT(noise.second, Catch::Contains("McNemar p = 1"));

  // 40 rows the locked model got right are wrong now, and none the other way: a real change.
  auto drift = with(0, 40);
  INFO(drift.second);
  CHECK(drift.first == 1);
  CHECK_THAT(drift.second, Catch::Contains("r/knn5: DRIFT; 40 of"));
  CHECK_THAT(drift.second, Catch::Contains("value r/knn5/accuracy"));
  CHECK_THAT(drift.second, Catch::Contains("the model's predictions"));
  CHECK_THAT(drift.second, !Catch::Contains("value r/svm1/"));

  // Without predictions (a lock from before they were kept), floats keep to the tolerances, counts are exact.
  j.erase("predictions");
  double acc = j["values"]["r/knn5/accuracy"];
  double tol = j["tolerance"]["accuracy"];
  j["values"]["r/knn5/accuracy"] = acc + tol / 2;
  d.write("study.genre.lock", j.dump(2));
  CHECK(e2e::run(genre("verify " + f + cache)).first == 0);
  j["values"]["r/knn5/accuracy"] = acc + tol * 2;
  d.write("study.genre.lock", j.dump(2));
  auto beyond = e2e::run(genre("verify " + f + cache));
  INFO(beyond.second);
  CHECK(beyond.first == 1);
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

namespace {

// The quick-start study (a LibTorch network, a KNN, an SVM on 9,355 shipped rows; ~2 s) copied with
// its data, so that the test can change either.
struct Quickstart {
  TempDir d;
  std::string script;
  Quickstart() {
    fs::path ex(GENRE_EXAMPLES);
    script = d.write("examples/q.genre", slurp(ex / "fma_quickstart.genre")).string();
    d.write("data/fma/fma_echonest_genre.csv", slurp(fma_csv()));
  }
  // results.json of a run in a fresh cache, with `env` before the command.
  std::string results(const std::string& name, const std::string& env, const std::string& args) {
    std::string dir = (d.path / name).string();
    auto r = e2e::run(env + " " + genre("run " + script + " " + args + " --cache " + dir + "/cache --out " + dir));
    INFO(r.second);
    REQUIRE(r.first == 0);
    return slurp(fs::path(dir) / "results.json");
  }
  std::pair<int, std::string> verify(const std::string& env) {
    return e2e::run(env + " " + genre("verify " + script + " --cache " + (d.path / "vcache").string()));
  }
};

// Whether this CPU can run ATen's AVX-512 kernels (ATEN_CPU_CAPABILITY=avx512 is ignored otherwise).
bool has_avx512() {
  std::string flags = slurp("/proc/cpuinfo");
  return flags.find(" avx512f") != std::string::npos && flags.find(" avx512bw") != std::string::npos &&
         flags.find(" avx512vl") != std::string::npos && flags.find(" avx512dq") != std::string::npos;
}

}  // namespace

TEST_CASE("results are bit-identical across --jobs and --threads, and within each CPU capability", "[e2e][lock]") {
  Quickstart q;
  std::vector<std::string> caps = {"", "ATEN_CPU_CAPABILITY=default", "ATEN_CPU_CAPABILITY=avx2"};
  if (has_avx512()) caps.push_back("ATEN_CPU_CAPABILITY=avx512");
  int n = 0;
  for (auto& cap : caps) {
    INFO(cap);
    std::string a = q.results("r" + std::to_string(n++), cap, "--jobs 1");
    CHECK(a.size() > 100);
    CHECK(q.results("r" + std::to_string(n++), cap, "--jobs 2") == a);
    if (cap.empty()) {
      CHECK(q.results("r" + std::to_string(n++), cap, "--jobs 4") == a);
      CHECK(q.results("r" + std::to_string(n++), cap, "--jobs 1 --threads 2") == a);
      CHECK(q.results("r" + std::to_string(n++), "OMP_NUM_THREADS=2 GENRE_THREADS=3", "") == a);
    }
  }
}

TEST_CASE("verify passes across CPU capabilities, and a real change fails it on the same and another", "[e2e][lock]") {
  Quickstart q;
  auto lock = e2e::run(genre("lock " + q.script + " --cache " + (q.d.path / "lcache").string()));
  INFO(lock.second);
  REQUIRE(lock.first == 0);
  std::vector<std::string> others = {"ATEN_CPU_CAPABILITY=default", "ATEN_CPU_CAPABILITY=avx2"};
  if (has_avx512()) others.push_back("ATEN_CPU_CAPABILITY=avx512");
  for (auto& cap : others) {
    auto v = q.verify(cap);
    INFO(cap << "\n" << v.second);
    CHECK(v.first == 0);
    CHECK_THAT(v.second, Catch::Contains("each evaluated model is judged by its predictions"));
    CHECK_THAT(v.second, Catch::Contains("compare/nn: "));
  }
  auto same = q.verify("");
  INFO(same.second);
  CHECK(same.first == 0);
  CHECK_THAT(same.second, !Catch::Contains("judged by its predictions"));  // the same platform: bit for bit

  // A real change, seen the same way on this platform and on another: one row of the data...
  std::string csv = slurp(q.d.path / "data/fma/fma_echonest_genre.csv");
  size_t row = csv.find('\n') + 1;  // the first data row: track_id,genre_top,...
  size_t b = csv.find(',', row) + 1, e = csv.find(',', b);
  std::string changed = csv.substr(0, b) + (csv.substr(b, e - b) == "Rock" ? "Pop" : "Rock") + csv.substr(e);
  q.d.write("data/fma/fma_echonest_genre.csv", changed);
  for (std::string cap : {"", "ATEN_CPU_CAPABILITY=default"}) {
    auto v = q.verify(cap);
    INFO(cap << "\n" << v.second);
    CHECK(v.first == 1);
    CHECK_THAT(v.second, Catch::Contains("data ../data/fma/fma_echonest_genre.csv"));
  }
  q.d.write("data/fma/fma_echonest_genre.csv", csv);

  // ... and the network's learning rate.
  std::string text = slurp(q.script);
  size_t lr = text.find("adam(lr: 0.001)");
  REQUIRE(lr != std::string::npos);
  q.d.write("examples/q.genre", text.substr(0, lr) + "adam(lr: 0.01)" + text.substr(lr + 15));
  for (std::string cap : {"", "ATEN_CPU_CAPABILITY=default"}) {
    auto v = q.verify(cap);
    INFO(cap << "\n" << v.second);
    CHECK(v.first == 1);
    CHECK_THAT(v.second, Catch::Contains("op nn/fit parameter model/optimizer/lr"));
    CHECK_THAT(v.second, Catch::Contains(" 0.001 "));
    CHECK_THAT(v.second, Catch::Contains(" 0.01 "));
  }
}

TEST_CASE("verify's diff is ranked: inputs, then headline results, then the rest; cells by class; --all lists everything", "[e2e][lock]") {
  TempDir d;
  std::string csv = slurp(fma_csv());
  d.write("fma.csv", csv);
  std::string f = d.write("study.genre",
                          "dataset tracks = csv(\"fma.csv\", label: \"genre_top\") |> drop_columns([\"track_id\"])\n"
                          "split s = tracks |> split(train: 70%, test: 30%, stratify: label, seed: 1) |> minmax(-1, 1)\n"
                          "train knn1 = fit(knn(k: 1), s.train)\n"
                          "report r = evaluate([knn1], s.test) { accuracy, macro_f1, precision, confusion }\n");
  std::string cache = " --cache " + (d.path / "cache").string();
  REQUIRE(e2e::run(genre("lock " + f + cache)).first == 0);
  // One changed value: the first track's danceability. A 1-NN moves a few test rows.
  size_t at = csv.find("0.6758939853");
  REQUIRE(at != std::string::npos);
  csv.replace(at, 12, "0.9999999999");
  d.write("fma.csv", csv);
  auto [rc, out] = e2e::run(genre("verify " + f + cache));
  INFO(out);
  CHECK(rc == 1);
  CHECK_THAT(out, Catch::Matches("(.|\n)*differences from .*\\(inputs: 1, headline: 2, other metrics: [0-9]+, confusion cells: [0-9]+\\)(.|\n)*"));
  // The changed file heads the table, then accuracy and macro-F1, then the rest; cells by class.
  size_t data = out.find("data fma.csv"), acc = out.find("value r/knn1/accuracy"), f1 = out.find("value r/knn1/macro_f1"),
         prec = out.find("value r/knn1/per_class/"), cell = out.find("value r/knn1/confusion/");
  REQUIRE(data != std::string::npos);
  REQUIRE(acc != std::string::npos);
  REQUIRE(cell != std::string::npos);
  CHECK(data < acc);
  CHECK(acc < f1);
  CHECK(f1 < prec);
  CHECK(prec < cell);
  CHECK_THAT(out.substr(cell, 60), Catch::Matches("value r/knn1/confusion/[A-Z][A-Za-z-]+/[A-Z].*"));
  // The file's line says which rows changed: the cache still holds the locked run's table.
  size_t rows = size_t(std::count(csv.begin(), csv.end(), '\n')) - 1;
  std::string n = std::to_string(rows);
  if (rows >= 1000) n.insert(n.size() - 3, ",");
  CHECK_THAT(out, Catch::Contains("exact: 1 of " + n + " rows changed (row 1)"));
  auto all = e2e::run(genre("verify --all " + f + cache));
  CHECK(all.first == 1);
  CHECK_THAT(all.second, !Catch::Contains("--all lists them"));
  if (out.find("--all lists them") != std::string::npos) CHECK(all.second.size() > out.size());
}

TEST_CASE("the lock names data by a path relative to the script, unless it lies far from the script's project", "[e2e][lock]") {
  TempDir d;  // no .git here: the project is the script's folder, and "beside it" its parent (the temp folder)
  std::string f = d.write("study.genre", "dataset tracks = csv(\"" + fma_csv() + "\", label: \"genre_top\")\n"
                                         "report n = label_counts(tracks)\n");
  auto [rc, out] = e2e::run(genre("lock " + f + " --cache " + (d.path / "cache").string()));
  INFO(out);
  REQUIRE(rc == 0);
  json lock = json::parse(slurp(f + ".lock"));
  REQUIRE(lock["data"].size() == 1);
  std::string key = lock["data"].begin().key();
  fs::path data(fma_csv());
  bool beside = !data.lexically_relative(d.path.parent_path()).string().starts_with("..");
  CHECK(key == (beside ? data.lexically_relative(d.path).generic_string() : data.generic_string()));
  if (!beside) CHECK(key.find("..") == std::string::npos);  // "/work/...", not "../../work/..."
  CHECK(lock["ops"]["tracks/csv"]["params"]["path"] == key);
  CHECK(lock["ops"]["tracks/csv"].contains("key"));
}
