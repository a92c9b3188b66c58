// Shared by the audio op tests: sine clips written with libsndfile, finding a
// clip's row, and scripts parsed and checked as `genre check` does.
#pragma once
#include <sndfile.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "lang/checker.h"
#include "lang/parser.h"
#include "tabular_helpers.h"

namespace audiotest {

inline std::vector<float> sine(double hz, double seconds, int rate = 22050, double amp = 0.5) {
  std::vector<float> y(static_cast<size_t>(std::llround(seconds * rate)));
  for (size_t i = 0; i < y.size(); ++i) y[i] = static_cast<float>(amp * std::sin(2 * M_PI * hz * i / rate));
  return y;
}

// `y` is interleaved when channels > 1. `format`: container | sample type.
inline void write(const std::filesystem::path& path, const std::vector<float>& y, int rate, int format,
                  int channels = 1) {
  std::filesystem::create_directories(path.parent_path());
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = channels;
  info.format = format;
  SNDFILE* f = sf_open(path.string().c_str(), SFM_WRITE, &info);
  REQUIRE(f);
  REQUIRE(sf_writef_float(f, y.data(), static_cast<sf_count_t>(y.size() / channels)) ==
          static_cast<sf_count_t>(y.size() / channels));
  sf_close(f);
}

inline size_t row_of(const genre::Table& t, const std::string& file) {
  auto& f = tabtest::text(t, "file");
  auto it = std::find(f.begin(), f.end(), file);
  REQUIRE(it != f.end());
  return static_cast<size_t>(it - f.begin());
}

// `text` parsed as t.genre and checked; `diags` gets the diagnostics as printed.
inline std::unique_ptr<std::pair<genre::lang::Script, genre::lang::Bindings>> checked(const std::string& text,
                                                                                     std::string* diags = nullptr) {
  genre::register_all();
  auto s = std::make_unique<std::pair<genre::lang::Script, genre::lang::Bindings>>();
  genre::lang::Diagnostics d;
  s->first = genre::lang::parse("t.genre", text, d);
  if (!d.has_errors()) genre::lang::check(s->first, genre::lang::catalog(), d, &s->second);
  if (diags) *diags = genre::lang::format(d, s->first);
  return s;
}

// The diagnostics of checking `text`, "" when it is clean.
inline std::string errors(const std::string& text) {
  std::string d;
  checked(text, &d);
  return d;
}

}  // namespace audiotest
