// End to end: studies S2 (examples/spotify_tracks.genre) and S3
// (examples/lyrics_attention.genre) on the synthetic data the repository ships
// (data/spotify, data/lyrics, data/glove). Chance is worked out from the label
// counts of each run (the share of the largest class in the test part, which is
// what always answering that class scores), never written in here.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <nlohmann/json.hpp>
#include <random>

#include "shell.h"

namespace fs = std::filesystem;
using json = nlohmann::json;
using Catch::Matchers::Contains;

namespace {

using e2e::run;

struct Study {
  int rc;
  std::string out;
  json results;
  fs::path dir;
};

// Runs an example into a fresh folder (removed afterwards by the caller's scope).
Study run_example(const std::string& name, const std::string& sets) {
  fs::path tmp = fs::temp_directory_path() / ("genre_" + name + "_" + std::to_string(std::random_device{}()));
  fs::create_directories(tmp);
  std::string script = (fs::path(GENRE_EXAMPLES) / (name + ".genre")).string();
  auto [rc, out] = run(std::string(GENRE_BIN) + " run " + script + " " + sets + " --cache " + (tmp / "cache").string() +
                       " --out " + (tmp / "out").string() + " -j 2");
  Study s{rc, out, json::object(), tmp};
  std::ifstream f(tmp / "out" / "results.json");
  if (f) s.results = json::parse(f);
  return s;
}

// The test part's largest class share, from a model's confusion matrix (rows = true classes).
double chance(const json& model) {
  double total = 0, largest = 0;
  for (auto& row : model.at("confusion")) {
    double n = 0;
    for (auto& v : row) n += v.get<double>();
    total += n;
    largest = std::max(largest, n);
  }
  REQUIRE(total > 0);
  return largest / total;
}

// A report printed as JSON under "== name ==" (one without a report kind: vocabulary, coverage).
json printed(const std::string& out, const std::string& name) {
  auto at = out.find("== " + name + " ==\n");
  REQUIRE(at != std::string::npos);
  auto open = out.find('{', at);
  auto close = out.find("\n}\n", open);
  REQUIRE(close != std::string::npos);
  return json::parse(out.substr(open, close + 2 - open));
}

// label_counts' CSV (DIR/<name>_counts.csv: a row per label, a column per
// table, then "(rows)" and "(no label)") back as {"tables": {table: {"rows",
// "labels", "counts": {label: n}}}}, the shape the op returns.
json counted(const fs::path& out, const std::string& name) {
  std::ifstream f(out / (name + "_counts.csv"));
  REQUIRE(f);
  auto split = [](const std::string& line) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    for (std::string c; std::getline(ss, c, ',');) cells.push_back(c);
    return cells;
  };
  std::string line;
  std::getline(f, line);
  std::vector<std::string> header = split(line);
  json tables = json::object();
  for (size_t i = 1; i < header.size(); ++i) tables[header[i]] = {{"rows", 0}, {"labels", 0}, {"counts", json::object()}};
  while (std::getline(f, line)) {
    auto cells = split(line);
    for (size_t i = 1; i < cells.size() && i < header.size(); ++i) {
      long n = std::stol(cells[i]);
      json& t = tables[header[i]];
      if (cells[0] == "(rows)") t["rows"] = n;
      else if (cells[0] == "(no label)") t["missing_label"] = n;
      else if (n > 0) t["counts"][cells[0]] = n, t["labels"] = t["labels"].get<int>() + 1;
    }
  }
  return {{"tables", tables}};
}

}  // namespace

TEST_CASE("S2 runs on the Spotify stand-in: five networks far above chance, reduction helps", "[e2e][s2]") {
  // 1000 epochs is the paper's (and the script's) length; 40 keep this test short.
  Study s = run_example("spotify_tracks", "--set epochs=40");
  INFO(s.out);
  REQUIRE(s.rc == 0);
  const json& m = s.results.at("models");

  double c = chance(m.at("majority"));
  // Stratified 20 % of 20 genres x 150 tracks: every genre has 30 test rows.
  CHECK(c == Approx(1.0 / 20));
  CHECK(m.at("majority").at("accuracy").get<double>() == Approx(c));
  for (const char* net : {"softmax_fit", "mlp_fit", "dense_lstm_fit", "lstm_lstm_fit", "mlp_dropout_fit"}) {
    INFO(net);
    CHECK(m.at(net).at("accuracy").get<double>() > 5 * c);
    CHECK(m.at(net).at("history").size() == 40);  // a learning curve per epoch
    CHECK(m.at(net).at("history").back().contains("val_acc"));
  }

  // Merging the overlapping genres leaves 10 labels, pop (5 genres) the largest.
  const json& r = s.results.at("reduced_models");
  double rc = chance(r.at("reduced_majority"));
  CHECK(rc == Approx(5.0 / 20));
  CHECK(r.at("reduced_fit").at("confusion").size() == 10);
  double reduced = r.at("reduced_fit").at("accuracy").get<double>();
  CHECK(reduced > 2 * rc);
  CHECK(reduced > m.at("dense_lstm_fit").at("accuracy").get<double>() + 0.1);

  json counts = counted(s.dir / "out", "reduction_counts");
  CHECK(counts["tables"]["songs"]["labels"] == 20);
  CHECK(counts["tables"]["reduced"]["labels"] == 10);
  CHECK(counts["tables"]["reduced"]["counts"]["pop"] == 750);

  for (const char* table : {"summary", "dense_lstm_fit_confusion", "reduced_fit_per_class"}) CHECK_THAT(s.out, Contains(table));
  CHECK(fs::exists(s.dir / "out" / "models_dense_lstm_fit_history.csv"));
  fs::remove_all(s.dir);
}

TEST_CASE("S3 runs on the shipped lyrics: filters, train-only vocabulary, CV and ablation far above chance", "[e2e][s3]") {
  Study s = run_example("lyrics_attention", "");
  INFO(s.out);
  REQUIRE(s.rc == 0);

  // The filters: other languages go, the one empty lyric goes, 10 genres stay, and balance
  // keeps every song of a genre with fewer than 2000.
  json counts = counted(s.dir / "out", "counts")["tables"];
  CHECK(counts["english"]["rows"] < counts["joined"]["rows"]);
  CHECK(counts["cleaned"]["rows"] == counts["english"]["rows"].get<int>() - 1);
  CHECK(counts["top10"]["labels"] == 10);
  CHECK(counts["sampled"]["rows"] == counts["top10"]["rows"]);

  json words = printed(s.out, "words");
  CHECK(words["built_on"] == "train");
  json found = printed(s.out, "found");
  CHECK(found["tokens"]["train"]["share"].get<double>() > 0.5);
  CHECK(found["tokens"]["train"]["share"].get<double>() < 1.0);  // "yeah", "ooh" have no GloVe vector

  const json& p = s.results.at("primary").at("lstm_attention");
  double c = chance(p);
  CHECK(c < 0.2);
  CHECK(p.at("accuracy").get<double>() > 2 * c);
  const json& last = p.at("history").back();
  CHECK(last.at("epoch") == 15);
  for (const char* k : {"acc", "precision", "recall", "val_acc", "val_precision", "val_recall"}) CHECK(last.contains(k));

  const json& cv = s.results.at("cross_validation");
  for (int f = 1; f <= 5; ++f) CHECK(cv.contains("fold" + std::to_string(f)));
  CHECK(cv.at("mean").at("accuracy").get<double>() > 2 * c);
  CHECK(cv.at("std").at("accuracy").get<double>() < 0.1);

  const json& ab = s.results.at("ablation");
  for (const char* v : {"original", "no_pool", "no_attention_pool", "hidden_64"}) {
    INFO(v);
    REQUIRE(ab.contains(v));
    CHECK(ab.at(v).at("accuracy").get<double>() > 1.5 * c);
  }
  for (const char* table : {"== cross_validation ==", "mean", "std", "== ablation ==", "no_attention_pool"})
    CHECK_THAT(s.out, Contains(table));
  fs::remove_all(s.dir);
}
