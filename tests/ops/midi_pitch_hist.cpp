// pitch_histograms on hand-built note tables: weights by duration or count,
// drums apart whatever their program, quarantined files and missing values
// skipped, rows in program order, families, and errors with their row.
// Expected shares are worked out by hand below.
#include <catch2/catch.hpp>

#include <cmath>

#include "text_helpers.h"

using namespace texttest;
using genre::json;
using tabtest::error_of;
using tabtest::run_table;
using Catch::Contains;

namespace {

const double nan_ = std::nan("");

// program 33: 40 (2 s), 43 (2 s); a quarantined row; a note with no pitch
// program 0: 60 (1 s), 64 (3 s), 60 (0 s)
// drums (channel 10, program 0): 36 (0.5 s), 38 (0.5 s), 36 (1 s)
// program 7: one zero-length note -> no row by duration
Table notes() {
  Table t;
  t.source = "corpus";
  t.cols.push_back(text_col("file", {"a", "a", "bad", "a", "b", "b", "b", "b", "b", "b", "c"}));
  t.cols.push_back(num_col("pitch", {40, 43, nan_, nan_, 60, 64, 60, 36, 38, 36, 72}));
  t.cols.push_back(num_col("duration", {2, 2, nan_, 1, 1, 3, 0, 0.5, 0.5, 1, 0}));
  t.cols.push_back(num_col("program", {33, 33, nan_, 33, 0, 0, 0, 0, 0, 0, 7}));
  t.cols.push_back(num_col("drum", {0, 0, nan_, 0, 0, 0, 0, 1, 1, 1, 0}));
  t.cols.push_back(text_col("family", {"bass", "bass", "", "bass", "piano", "piano", "piano", "drums", "drums", "drums", ""}));
  t.cols.push_back(text_col("error", {"", "", "bad.mid: truncated track", "", "", "", "", "", "", "", ""}));
  for (int r : {0, 1, 3, 4, 5, 6, 7, 8, 9, 10}) t.cols.back().present[r] = 0;
  t.cols[5].present[2] = t.cols[5].present[10] = 0;
  return t;
}

std::vector<std::string> names(const Table& t) { return t.column("name").text; }
double share(const Table& t, size_t row, int pitch) { return t.column("p" + std::to_string(pitch)).num.at(row); }

}  // namespace

TEST_CASE("pitch_histograms: by program, weighted by duration, drums apart", "[midi][pitch_hist]") {
  Table h = run_table("pitch_histograms", {{"by", "program"}, {"weight", "duration"}}, {{"data", notes()}});
  REQUIRE(h.cols.size() == 129);  // name + p0..p127
  CHECK(h.cols[1].name == "p0");
  CHECK(h.cols[128].name == "p127");
  CHECK(names(h) == std::vector<std::string>{"0 Acoustic Grand Piano", "33 Electric Bass (finger)", "drums"});
  CHECK(share(h, 0, 60) == Approx(0.25));
  CHECK(share(h, 0, 64) == Approx(0.75));
  CHECK(share(h, 1, 40) == Approx(0.5));
  CHECK(share(h, 1, 43) == Approx(0.5));
  CHECK(share(h, 2, 36) == Approx(0.75));
  CHECK(share(h, 2, 38) == Approx(0.25));
  for (size_t r = 0; r < h.rows(); ++r) {
    double sum = 0;
    for (int p = 0; p < 128; ++p) sum += share(h, r, p);
    CHECK(sum == Approx(1.0).epsilon(1e-12));
  }
}

TEST_CASE("pitch_histograms: by count, and by family", "[midi][pitch_hist]") {
  Table c = run_table("pitch_histograms", {{"weight", "count"}}, {{"data", notes()}});
  // program 7's zero-length note counts now; program 0 has 60 twice and 64 once.
  CHECK(names(c) == std::vector<std::string>{"0 Acoustic Grand Piano", "7 Clavinet",
                                             "33 Electric Bass (finger)", "drums"});
  CHECK(share(c, 0, 60) == Approx(2.0 / 3));
  CHECK(share(c, 0, 64) == Approx(1.0 / 3));
  CHECK(share(c, 1, 72) == Approx(1.0));
  CHECK(share(c, 3, 36) == Approx(2.0 / 3));

  Table f = run_table("pitch_histograms", {{"by", "family"}}, {{"data", notes()}});
  CHECK(names(f) == std::vector<std::string>{"bass", "drums", "piano"});
  CHECK(share(f, 2, 64) == Approx(0.75));
}

TEST_CASE("pitch_histograms: bad notes are errors naming the row", "[midi][pitch_hist]") {
  Table t = notes();
  t.cols[1].num[4] = 130;
  CHECK_THAT(error_of([&] { run_table("pitch_histograms", json::object(), {{"data", t}}); }),
             Contains("corpus row 5: pitch 130 is not a MIDI pitch 0-127"));
  Table u = notes();
  u.cols[3].num[0] = 200;
  CHECK_THAT(error_of([&] { run_table("pitch_histograms", json::object(), {{"data", u}}); }),
             Contains("corpus row 1: program 200 is not a General MIDI program"));
  Table v = notes();
  v.cols[2].num[1] = -1;
  CHECK_THAT(error_of([&] { run_table("pitch_histograms", json::object(), {{"data", v}}); }),
             Contains("corpus row 2: negative duration"));
  Table w = notes();
  w.cols.erase(w.cols.begin() + 2);  // no duration column
  CHECK_THAT(error_of([&] { run_table("pitch_histograms", json::object(), {{"data", w}}); }), Contains("duration"));
}
