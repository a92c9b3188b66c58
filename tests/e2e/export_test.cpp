// `genre export`: a table definition or a split part written as CSV holds
// exactly what the cache holds (numbers read back to the same double or float),
// and a sequence column comes out long, one line per row and step.
#include <catch2/catch.hpp>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "lang/checker.h"
#include "lang/parser.h"
#include "runtime/core/op.h"
#include "runtime/engine/run.h"
#include "shell.h"

namespace fs = std::filesystem;
using namespace genre;

namespace {

const fs::path tests_dir = GENRE_TEST_DIR;

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

// One CSV line into fields; the test files hold no quoted commas.
std::vector<std::string> fields(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream s(line);
  for (std::string f; std::getline(s, f, ',');) out.push_back(f);
  if (!line.empty() && line.back() == ',') out.push_back("");
  return out;
}

std::vector<std::vector<std::string>> rows(const std::string& csv) {
  std::vector<std::vector<std::string>> out;
  std::stringstream s(csv);
  for (std::string l; std::getline(s, l);) out.push_back(fields(l));
  return out;
}

struct Silent : RunEvents {
  void start(const std::string&) override {}
  void step(const std::string&, size_t, size_t, const std::string&) override {}
  void finish(const std::string&, double, bool) override {}
  void note(const std::string&) override {}
};

// The value of `def` as the cache holds it: the script lowered and run in this process on the same cache.
Value cached(const fs::path& script, const std::string& def, const fs::path& cache) {
  register_all();
  lang::Diagnostics d;
  lang::Script s = lang::load(script.string(), d);
  lang::Bindings b;
  lang::check(s, lang::catalog(), d, &b);
  REQUIRE_FALSE(d.has_errors());
  Plan p = lower(s, b, {def});
  Silent quiet;
  RunResult r = execute(p, {.cache_dir = cache.string()}, "export-test", quiet);
  REQUIRE(r.ran == 0);  // everything came from the cache the export filled
  REQUIRE(r.targets.size() == 1);
  return r.targets[0].value;
}

double parse(const std::string& s) {
  double v = NAN;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  REQUIRE(ec == std::errc());
  REQUIRE(p == s.data() + s.size());
  return v;
}

}  // namespace

TEST_CASE("export: a table and a split part hold exactly the cached values", "[export]") {
  fs::path dir = fs::temp_directory_path() / ("genre-export-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::path tiny = tests_dir / "scripts" / "run" / "data" / "tiny.csv";
  std::ofstream(dir / "s.genre") << "dataset t = csv(\"" << tiny.string() << "\", label: \"genre\")\n"
                                 << "split s = t |> split(train: 70%, test: 30%, seed: 1) |> standardize()\n";
  std::string cache = (dir / "cache").string();

  // A table read from a CSV comes back as that CSV: same columns, same numbers, same text.
  auto [rc, out] = e2e::run(e2e::genre("export " + (dir / "s.genre").string() + " t --cache " + cache + " --to " +
                                       (dir / "t.csv").string()));
  INFO(out);
  REQUIRE(rc == 0);
  CHECK(out.find("wrote 30 rows x 3 columns of t") != std::string::npos);
  CHECK(rows(slurp(dir / "t.csv")) == rows(slurp(tiny)));

  // A computed part: every number reads back to the cached double, bit for bit.
  std::tie(rc, out) = e2e::run(e2e::genre("export " + (dir / "s.genre").string() + " s.test --cache " + cache));
  REQUIRE(rc == 0);
  auto got = rows(out.substr(out.find("tempo,")));
  Value split = cached(dir / "s.genre", "s", cache);
  const Table& test = std::get<Split>(split).part("test");
  REQUIRE(got.size() == test.rows() + 1);
  REQUIRE(got[0] == test.column_names());
  for (size_t r = 0; r < test.rows(); ++r)
    for (size_t c = 0; c < test.cols.size(); ++c) {
      const Column& col = test.cols[c];
      if (col.numeric) CHECK(parse(got[r + 1][c]) == col.num[r]);
      else CHECK(got[r + 1][c] == col.text[r]);
    }

  // What cannot be exported says why, with exit 2.
  std::tie(rc, out) = e2e::run(e2e::genre("export " + (dir / "s.genre").string() + " s --cache " + cache));
  CHECK(rc == 2);
  CHECK(out.find("'s' is a split: export one of its parts (s.train, s.test)") != std::string::npos);
  std::tie(rc, out) = e2e::run(e2e::genre("export " + (dir / "s.genre").string() + " s.dev --cache " + cache));
  CHECK(rc == 2);
  CHECK(out.find("dev") != std::string::npos);
  std::tie(rc, out) = e2e::run(e2e::genre("export " + (dir / "s.genre").string() + " nosuch --cache " + cache));
  CHECK(rc == 1);
  CHECK(out.find("no definition named 'nosuch'") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("export: a sequence column is written long, one line per row and step", "[export]") {
  fs::path dir = fs::temp_directory_path() / ("genre-export-seq-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::path midi = tests_dir / "data" / "midi" / "good";
  std::ofstream(dir / "r.genre") << "use std.instruments\n"
                                 << "dataset notes = midi_folder(\"" << midi.string()
                                 << "\") |> instruments(map: gm_families)\n"
                                 << "dataset rolls = notes |> piano_roll(step: 0.5s, max_notes: 2, families: [\"piano\", \"drums\"])\n";
  std::string cache = (dir / "cache").string();
  auto [rc, out] = e2e::run(e2e::genre("export " + (dir / "r.genre").string() + " rolls --cache " + cache + " --to " +
                                       (dir / "r.csv").string()));
  INFO(out);
  REQUIRE(rc == 0);
  Value rolls = cached(dir / "r.genre", "rolls", cache);
  const Table& t = std::get<Table>(rolls);
  const Column* roll = t.find("roll");
  REQUIRE(roll);
  REQUIRE(roll->seq_dims == 12);  // 2 families x 2 slots x (pitch, duration, velocity)
  auto got = rows(slurp(dir / "r.csv"));
  std::vector<std::string> header;
  for (auto& c : t.cols)
    if (!c.is_sequence()) header.push_back(c.name);
  header.push_back("step");
  for (int d = 0; d < 12; ++d) header.push_back("roll_" + std::to_string(d));
  REQUIRE(got[0] == header);
  size_t line = 1, plain = header.size() - 13;
  for (size_t r = 0; r < t.rows(); ++r)
    for (size_t s = 0; s < std::max<size_t>(roll->steps(r), 1); ++s, ++line) {
      REQUIRE(line < got.size());
      CHECK(got[line][plain] == std::to_string(s));
      for (size_t d = 0; d < 12; ++d) {
        float v = NAN;
        const std::string& f = got[line][plain + 1 + d];
        std::from_chars(f.data(), f.data() + f.size(), v);
        CHECK(v == roll->seq[r][s * 12 + d]);
      }
    }
  CHECK(line == got.size());
  fs::remove_all(dir);
}
