// `genre predict`: a trained model's answer for new raw inputs, the script's
// steps replayed on them (fitted scalers from the script's split, windows,
// the model's own prep), no labels needed; a file that cannot be read is set
// aside with its reason while the rest are predicted.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "shell.h"

namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  return {std::istreambuf_iterator<char>(f), {}};
}

std::vector<std::vector<std::string>> csv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> out;
  std::stringstream s(text);
  for (std::string line; std::getline(s, line);) {
    std::vector<std::string> f;
    std::stringstream l(line);
    for (std::string x; std::getline(l, x, ',');) f.push_back(x);
    if (!line.empty() && line.back() == ',') f.push_back("");
    out.push_back(f);
  }
  return out;
}

struct Dir {
  fs::path path = fs::temp_directory_path() / ("genre-predict-test-" + std::to_string(::getpid()));
  Dir() {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~Dir() { fs::remove_all(path); }
};

}  // namespace

TEST_CASE("predict: new CSV rows through the split's fitted scaler agree with predict on the test part", "[e2e][predict]") {
  Dir d;
  // 40 songs: two features, the genre a noisy function of them, an id per song.
  {
    std::ofstream f(d.path / "songs.csv");
    f << "song,tempo,energy,genre\n";
    for (int i = 0; i < 40; ++i) {
      double tempo = 60 + (i * 37) % 120, energy = ((i * 13) % 17) / 17.0;
      f << "s" << i << "," << tempo << "," << energy << "," << (tempo / 180 + energy > 0.9 ? "rock" : "jazz") << "\n";
    }
  }
  std::ofstream(d.path / "study.genre") << "dataset t = csv(\"songs.csv\", label: \"genre\")\n"
                                          "split s = t |> split(train: 70%, test: 30%, seed: 1) |> standardize\n"
                                          "train m = fit(knn(k: 3), s.train)\n"
                                          "dataset answers = predict(m, s.test)\n";
  // New inputs: the same songs without their genre column.
  {
    std::ofstream f(d.path / "new.csv");
    std::stringstream in(slurp(d.path / "songs.csv"));
    for (std::string line; std::getline(in, line);) f << line.substr(0, line.rfind(',')) << "\n";
  }
  std::string script = (d.path / "study.genre").string(), cache = " --cache " + (d.path / "cache").string();
  auto [rc, out] = e2e::run(e2e::genre("predict " + script + " m " + (d.path / "new.csv").string() + cache + " --out " +
                                       (d.path / "p.csv").string()));
  INFO(out);
  REQUIRE(rc == 0);
  CHECK(out.find("40 inputs predicted in ") != std::string::npos);
  auto got = csv_rows(slurp(d.path / "p.csv"));
  REQUIRE(got.size() == 41);
  CHECK(got[0] == std::vector<std::string>{"input", "predicted", "p_jazz", "p_rock", "error"});
  CHECK(got[1][0] == (d.path / "new.csv").string() + ":1");  // one row per input row, in order
  // The test part's answers from the script itself (the predict op on s.test, already scaled).
  std::tie(rc, out) = e2e::run(e2e::genre("export " + script + " answers" + cache + " --to " + (d.path / "a.csv").string()));
  REQUIRE(rc == 0);
  auto want = csv_rows(slurp(d.path / "a.csv"));
  REQUIRE(want[0] == std::vector<std::string>{"song", "genre", "predicted", "p_jazz", "p_rock"});
  REQUIRE(want.size() == 13);  // 30% of 40
  for (size_t r = 1; r < want.size(); ++r) {
    size_t song = std::stoul(want[r][0].substr(1));
    INFO("song " << want[r][0]);
    CHECK(got[song + 1][1] == want[r][2]);  // predicted
    CHECK(got[song + 1][2] == want[r][3]);  // p_jazz
  }

  // The model as one file: the same answers without the script; a damaged file is refused.
  fs::path model = d.path / "m.genre-model";
  std::tie(rc, out) = e2e::run(e2e::genre("export " + script + " m" + cache + " --to " + model.string()));
  REQUIRE(rc == 0);
  CHECK(out.find("wrote the knn model m (2 classes") != std::string::npos);
  fs::path elsewhere = d.path / "elsewhere";  // the script and its cache are gone
  fs::create_directories(elsewhere);
  fs::rename(d.path / "new.csv", elsewhere / "new.csv");
  fs::remove_all(d.path / "cache");
  fs::remove(d.path / "study.genre");
  std::tie(rc, out) = e2e::run(e2e::genre("predict --model " + model.string() + " " + (elsewhere / "new.csv").string() +
                                          " --out " + (d.path / "q.csv").string()));
  INFO(out);
  REQUIRE(rc == 0);
  auto again = csv_rows(slurp(d.path / "q.csv"));
  REQUIRE(again.size() == got.size());
  for (size_t r = 1; r < got.size(); ++r) CHECK(std::vector(again[r].begin() + 1, again[r].end()) == std::vector(got[r].begin() + 1, got[r].end()));
  {
    std::fstream f(model, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-10, std::ios::end);
    f.put('\x7f');
  }
  std::tie(rc, out) = e2e::run(e2e::genre("predict --model " + model.string() + " " + (elsewhere / "new.csv").string()));
  CHECK(rc == 2);
  CHECK(out.find("damaged: its checksum does not match its content") != std::string::npos);
}

TEST_CASE("predict: new clips through the S1 study's features, windows and scaler, one answer per clip", "[e2e][predict]") {
  fs::path audio = fs::path(GENRE_EXAMPLES) / ".." / "build" / "groove-audio";
  if (!fs::exists(audio / "rock")) {
    WARN("skipped: needs build/groove-audio (tools/setup.sh renders it)");
    return;
  }
  Dir d;
  std::vector<std::string> clips;
  for (auto& e : fs::directory_iterator(audio / "rock")) clips.push_back(e.path().string());
  std::sort(clips.begin(), clips.end());
  clips.resize(2);
  std::ofstream(d.path / "broken.wav") << "RIFF not really a wave file";
  std::string script = (fs::path(GENRE_EXAMPLES) / "gtzan_lstm.genre").string();
  // Two epochs: this checks the replay, not the network.
  auto [rc, out] = e2e::run(e2e::genre("predict " + script + " avg " + clips[0] + " " + (d.path / "broken.wav").string() +
                                       " " + clips[1] + " --set epochs=2 --cache " + (d.path / "cache").string()));
  INFO(out);
  REQUIRE(rc == 0);
  CHECK(out.find("2 inputs predicted, 1 set aside (see the error column)") != std::string::npos);
  auto rows = csv_rows(out.substr(out.find("input,predicted,")));
  REQUIRE(rows.size() >= 4);
  REQUIRE(rows[0].size() == 2 + 6 + 1);  // input, predicted, p_ per style, error
  CHECK(rows[1][0] == clips[0]);
  CHECK(rows[2][0] == (d.path / "broken.wav").string());
  CHECK(rows[3][0] == clips[1]);
  for (int r : {1, 3}) {
    CHECK(!rows[r][1].empty());
    CHECK(rows[r][8].empty());
    double sum = 0;
    for (int c = 2; c < 8; ++c) sum += std::stod(rows[r][c]);
    CHECK(sum == Approx(1.0).epsilon(1e-5));  // the mean of each window's probabilities
  }
  CHECK(rows[2][1].empty());
  CHECK(!rows[2][8].empty());  // the reason it was set aside
}
