// The reader against the mido-based reference (shared/data/midi-ref): note
// lists of the first 60 files of each set, summary figures of all 1,152.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "tests/ops/midi_helpers.h"

using namespace miditest;

namespace {

std::string ref_dir() { return std::string(GENRE_SHARED_DATA) + "/midi-ref"; }

std::string file_of(const std::string& dataset, const std::string& file) {
  std::string base = std::string(GENRE_SHARED_DATA) + (dataset == "groove" ? "/groove-midi/" : "/msd-lakh-sample/midi/");
  return base + file;
}

}  // namespace

TEST_CASE("midi parity: note lists equal mido's (midi-ref/notes.csv)", "[midi][shared]") {
  if (!std::filesystem::exists(ref_dir() + "/notes.csv")) {
    WARN("skipped: " << ref_dir() << " is absent");
    return;
  }
  auto rows = read_csv(ref_dir() + "/notes.csv");
  REQUIRE(rows[0] == std::vector<std::string>{"dataset", "file", "onset_s", "duration_s", "pitch", "velocity",
                                              "program", "channel", "is_drum"});
  double worst = 0;
  size_t files = 0, r = 1;
  while (r < rows.size()) {
    std::string ds = rows[r][0], name = rows[r][1];
    INFO(ds << " " << name);
    auto s = genre::midi::read(file_of(ds, name), name);
    ++files;
    for (auto& n : s.notes) {
      REQUIRE(r < rows.size());
      auto& x = rows[r++];
      REQUIRE(x[1] == name);
      INFO("notes.csv line " << r);
      worst = std::max({worst, std::abs(n.onset - std::stod(x[2])), std::abs(n.duration - std::stod(x[3]))});
      REQUIRE(int(n.pitch) == std::stoi(x[4]));
      REQUIRE(int(n.velocity) == std::stoi(x[5]));
      REQUIRE(int(n.program) == std::stoi(x[6]));
      REQUIRE(int(n.channel) == std::stoi(x[7]));
      REQUIRE(int(n.drum) == std::stoi(x[8]));
    }
    REQUIRE((r == rows.size() || rows[r][1] != name));  // no reference note left over
  }
  CHECK(files == 62);
  CHECK(worst <= 1e-6);
  std::printf("midi parity: %zu files, %zu notes, worst time error %.3g s\n", files, rows.size() - 1, worst);
}

TEST_CASE("midi parity: summary figures of every file (midi-ref/summary.csv)", "[midi][shared]") {
  if (!std::filesystem::exists(ref_dir() + "/summary.csv")) {
    WARN("skipped: " << ref_dir() << " is absent");
    return;
  }
  auto rows = read_csv(ref_dir() + "/summary.csv");
  REQUIRE(rows[0] == std::vector<std::string>{"dataset", "file", "notes", "drum_notes", "sum_duration_s", "end_s",
                                              "programs"});
  double worst = 0;
  for (size_t r = 1; r < rows.size(); ++r) {
    auto& x = rows[r];
    INFO(x[0] << " " << x[1]);
    auto s = genre::midi::read(file_of(x[0], x[1]), x[1]);
    size_t drums = 0;
    double sum = 0;
    std::set<int> programs;
    for (auto& n : s.notes) {
      drums += n.drum;
      sum += n.duration;
      if (!n.drum) programs.insert(n.program);
    }
    std::string progs;
    for (int p : programs) progs += (progs.empty() ? "" : " ") + std::to_string(p);
    CHECK(s.notes.size() == std::stoul(x[2]));
    CHECK(drums == std::stoul(x[3]));
    CHECK(progs == x[6]);
    worst = std::max({worst, std::abs(sum - std::stod(x[4])), std::abs(s.end - std::stod(x[5]))});
  }
  CHECK(rows.size() == 1153);
  CHECK(worst <= 1e-6);
  std::printf("midi parity: %zu file summaries, worst error %.3g s\n", rows.size() - 1, worst);
}
