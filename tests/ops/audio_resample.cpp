// Resampling against librosa 0.11's load(path, sr=22050, mono=True) (res_type soxr_hq): the
// samples of three clips at 44.1 kHz stereo, 48 kHz and 16 kHz (tests/data/resample, made by
// gen_resample.py), and of FMA's 44.1 kHz stereo MP3 (shared/data/fma-audio-clip, skipped
// when absent). Features of the same clips: audio_parity.cpp.
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "ops/audio/decode.h"

namespace {

namespace fs = std::filesystem;

std::string data(const std::string& rel) { return std::string(GENRE_TEST_DIR) + "/data/resample/" + rel; }

std::vector<float> read_f32(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  in.seekg(0, std::ios::end);
  std::vector<float> v(static_cast<size_t>(in.tellg()) / sizeof(float));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(float)));
  return v;
}

genre::audio::Decoded at_22050(const std::string& path) {
  genre::audio::Load how;
  how.rate = 22050;
  return genre::audio::decode(path, fs::path(path).filename().string(), how);
}

}  // namespace

TEST_CASE("resampling gives librosa.load's samples (soxr_hq), sample for sample", "[audio]") {
  for (const char* name : {"stereo_44100.wav", "mono_48000.flac", "mono_16000.wav"}) {
    INFO("clip " << name);
    auto got = at_22050(data(name));
    auto want = read_f32(data(fs::path(name).stem().string() + ".f32"));
    REQUIRE(got.rate == 22050);
    REQUIRE(got.samples.size() == want.size());  // ceil(n * 22050 / rate)
    double worst = 0, peak = 0;
    size_t at = 0;
    for (size_t i = 0; i < want.size(); ++i) {
      double e = std::fabs(double(got.samples[i]) - want[i]);
      peak = std::max(peak, std::fabs(double(want[i])));
      if (e > worst) worst = e, at = i;
    }
    std::cout << name << " (" << got.file_rate << " Hz x " << got.channels << " -> 22050): " << want.size()
              << " samples, worst difference " << worst << " (sample " << at << "), peak " << peak << "\n";
    // The same filter on the same float32 input: measured 0 (bit-identical) on AVX-512 and AVX2 machines.
    CHECK(worst <= 1e-6);
  }
}

TEST_CASE("resampling FMA's 44.1 kHz stereo MP3 gives librosa.load's samples", "[audio][shared]") {
  std::string mp3 = std::string(GENRE_SHARED_DATA) + "/fma-audio-clip/000002.mp3";
  if (!fs::exists(mp3)) {
    WARN("skipped: " << mp3 << " is absent");
    return;
  }
  std::ifstream in(data("fma_000002.samples.csv"));
  std::string line;
  std::getline(in, line);  // n,sum,sum_sq,max_abs
  size_t n = 0;
  double sum = 0, sum_sq = 0, max_abs = 0;
  char c;
  in >> n >> c >> sum >> c >> sum_sq >> c >> max_abs;
  std::getline(in, line);
  std::getline(in, line);  // every_1000th
  std::vector<double> every;
  for (double v; in >> v;) every.push_back(v);

  auto got = at_22050(mp3);
  REQUIRE(got.file_rate == 44100);
  REQUIRE(got.samples.size() == n);
  REQUIRE(every.size() == (n + 999) / 1000);
  double s = 0, sq = 0, mx = 0, worst = 0;
  for (float v : got.samples) s += v, sq += double(v) * v, mx = std::max(mx, std::fabs(double(v)));
  for (size_t i = 0; i < every.size(); ++i) worst = std::max(worst, std::fabs(got.samples[i * 1000] - every[i]));
  std::cout << "fma 000002.mp3 -> 22050 Hz: " << n << " samples; sum " << s << " vs " << sum << ", sum of squares " << sq
            << " vs " << sum_sq << ", every 1000th sample within " << worst << "\n";
  CHECK(worst <= 1e-6);
  CHECK(mx == Approx(max_abs).epsilon(1e-6));
  CHECK(sq == Approx(sum_sq).epsilon(1e-6));
  CHECK(s == Approx(sum).margin(1e-3));
}
