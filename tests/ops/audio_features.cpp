// audio features on small signals whose answers are known by hand or by
// theory (a sine's centroid is its frequency, its RMS is amplitude / sqrt 2),
// and the audio_features op: rows, labels, column names and its errors.
#include <sndfile.h>

#include <catch2/catch.hpp>
#include <cmath>

#include "audio_helpers.h"
#include "ops/audio/decode.h"
#include "ops/audio/features.h"
#include "tabular_helpers.h"

namespace genre {
void register_audio_features();  // ops/audio/audio_features.cpp
}

namespace {

using genre::audio::Clip;
using genre::audio::Feature;
using genre::audio::Settings;
using audiotest::errors;
using audiotest::sine;
using audiotest::write;

genre::Value run_op(genre::json params) {
  genre::register_audio_features();
  auto* fn = genre::find_op("audio_features");
  REQUIRE(fn);
  genre::OpContext ctx;
  ctx.params = std::move(params);
  return (*fn)(ctx);
}

double mean(const genre::audio::Matrix& m, int d = 0) {
  double s = 0;
  for (int t = 0; t < m.frames; ++t) s += m.at(d, t);
  return s / m.frames;
}

}  // namespace

TEST_CASE("zero-crossing rate and RMS of a 6-sample signal, by hand", "[audio]") {
  Settings s;
  s.n_fft = 4, s.hop = 2;
  // ZCR pads with the edge samples: [1 1 | 1 -1 1 1 -1 -1 | -1 -1], frames of 4 every 2.
  auto z = genre::audio::compute({{{1, -1, 1, 1, -1, -1}, 8000}}, {Feature::zcr, Feature::rms}, s).at(0);
  REQUIRE(z.frames == 4);
  CHECK(z.features[0].v == std::vector<double>{0.25, 0.5, 0.25, 0.0});
  // RMS pads with zeros: [0 0 1 -1], [1 -1 1 1], [1 1 -1 -1], [-1 -1 0 0].
  auto r = z.features[1].v;
  CHECK(r[0] == Approx(std::sqrt(0.5)));
  CHECK(r[1] == Approx(1.0));
  CHECK(r[2] == Approx(1.0));
  CHECK(r[3] == Approx(std::sqrt(0.5)));
  // Reflection without repeating the edge: [3 2 | 1 2 3 4 5 6 | 5 4].
  s.reflect = true;
  auto q = genre::audio::compute({{{1, 2, 3, 4, 5, 6}, 8000}}, {Feature::rms}, s).at(0).features[0].v;
  CHECK(q[0] == Approx(std::sqrt(18 / 4.0)));
  CHECK(q[1] == Approx(std::sqrt(30 / 4.0)));
  CHECK(q[2] == Approx(std::sqrt(86 / 4.0)));
  CHECK(q[3] == Approx(std::sqrt(102 / 4.0)));
}

TEST_CASE("a 1 kHz sine: centroid, rolloff, zcr and rms where theory puts them", "[audio]") {
  Settings s;
  auto f = genre::audio::compute({{sine(1000, 3), 22050}},
                                 {Feature::centroid, Feature::rolloff, Feature::zcr, Feature::rms, Feature::bandwidth},
                                 s)
               .at(0);
  REQUIRE(f.frames == 1 + 66150 / 512);
  // Frames away from the edges: the spectrum is the window's main lobe around 1 kHz.
  int mid = f.frames / 2;
  CHECK(f.features[0].at(0, mid) == Approx(1000).epsilon(0.005));
  CHECK(std::fabs(f.features[1].at(0, mid) - 1000) <= 22050.0 / 2048 * 2);  // within two bins
  CHECK(f.features[2].at(0, mid) == Approx(2 * 1000 / 22050.0).epsilon(0.01));
  CHECK(f.features[3].at(0, mid) == Approx(0.5 / std::sqrt(2)).epsilon(0.002));
  CHECK(f.features[4].at(0, mid) < 30);  // a pure tone is narrow
}

TEST_CASE("chroma: A4 peaks at A - a sine 30 cents sharp is estimated near +0.3 bin", "[audio]") {
  Settings s;
  s.tuning = 0.0;
  auto a = genre::audio::compute({{sine(440, 2), 22050}}, {Feature::chroma}, s).at(0);
  const auto& c = a.features[0];
  REQUIRE(c.dims == 12);
  for (int t = 2; t < c.frames - 2; ++t) CHECK(c.at(9, t) == 1.0);  // C C# D D# E F F# G G# A: index 9
  s.tuning.reset();
  auto sharp = genre::audio::compute({{sine(440 * std::pow(2.0, 0.3 / 12), 5), 22050}}, {Feature::chroma}, s).at(0);
  CHECK(sharp.tuning == Approx(0.3).margin(0.05));  // parabolic peaks on a power spectrum lean outwards
  CHECK(genre::audio::estimate_tuning(std::vector<float>(1025 * 3, 0.0f).data(), 3, 2048, 22050, 12) == 0.0);
}

TEST_CASE("a batch gives each clip what it gets alone, whatever the lengths", "[audio]") {
  Settings s;
  s.batch = 3;
  std::vector<Feature> all = {Feature::mfcc, Feature::chroma, Feature::contrast, Feature::centroid};
  std::vector<Clip> clips = {{sine(300, 1), 22050}, {sine(700, 1), 22050}, {sine(500, 0.5), 22050},
                             {sine(900, 1), 22050}, {sine(300, 1, 16000), 16000}};
  s.n_bands = 5;  // 16 kHz: the sixth band would start at Nyquist
  auto together = genre::audio::compute(clips, all, s);
  REQUIRE(together.size() == clips.size());
  for (size_t i = 0; i < clips.size(); ++i) {
    auto alone = genre::audio::compute({clips[i]}, all, s).at(0);
    REQUIRE(alone.frames == together[i].frames);
    for (size_t f = 0; f < all.size(); ++f) CHECK(alone.features[f].v == together[i].features[f].v);
  }
  CHECK(together[2].frames == 1 + 11025 / 512);
  CHECK(together[4].frames == 1 + 16000 / 512);
  auto seq = genre::audio::stack_frames(together[0]);
  CHECK(seq.size() == static_cast<size_t>(together[0].frames) * (13 + 12 + 6 + 1));
  CHECK(seq[13 + 12 + 6] == static_cast<float>(together[0].features[3].at(0, 0)));  // frame 0's centroid
}

TEST_CASE("settings that make no sense are errors", "[audio]") {
  Settings s;
  s.n_mfcc = 200;
  auto err = tabtest::error_of([&] { genre::audio::compute({{sine(440, 1), 22050}}, {Feature::mfcc}, s); });
  CHECK(err.find("n_mfcc must be between 1 and n_mels (128), got 200") != std::string::npos);
  s = Settings{};
  err = tabtest::error_of([&] { genre::audio::compute({{sine(440, 1), 12800}}, {Feature::contrast}, s); });
  CHECK(err.find("contrast band 7 would start at 6400 Hz, at or above the Nyquist frequency (6400 Hz)") !=
        std::string::npos);
  err = tabtest::error_of([&] { genre::audio::compute({{{}, 22050}}, {Feature::rms}, s); });
  CHECK(err.find("clip 1 is empty") != std::string::npos);
}

TEST_CASE("audio_features: one row per clip, labelled by folder, GTZAN's column names", "[audio]") {
  tabtest::TempDir dir;
  write(dir.dir / "low/a.wav", sine(300, 2), 22050, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  write(dir.dir / "low/b.au", sine(320, 2), 22050, SF_FORMAT_AU | SF_FORMAT_PCM_16);
  write(dir.dir / "high/c.wav", sine(3000, 2), 22050, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  dir.write("notes.txt", "not audio, skipped");

  auto t = std::get<genre::Table>(run_op({{"path", dir.dir.string()},
                                          {"features", {"centroid", "mfcc", "chroma", "zcr"}},
                                          {"n_mfcc", 3}}));
  CHECK(t.label == "label");
  CHECK(tabtest::text(t, "file") == std::vector<std::string>{"high/c.wav", "low/a.wav", "low/b.au"});
  CHECK(tabtest::text(t, "label") == std::vector<std::string>{"high", "low", "low"});
  std::vector<std::string> names;
  for (auto& c : t.cols) names.push_back(c.name);
  CHECK(names == std::vector<std::string>{"file", "label", "spectral_centroid_mean", "spectral_centroid_var",
                                          "mfcc1_mean", "mfcc1_var", "mfcc2_mean", "mfcc2_var", "mfcc3_mean",
                                          "mfcc3_var", "chroma_stft_mean", "chroma_stft_var",
                                          "zero_crossing_rate_mean", "zero_crossing_rate_var", "error"});
  auto& cm = tabtest::num(t, "spectral_centroid_mean");
  CHECK(cm[0] == Approx(3000).epsilon(0.01));
  // 16-bit noise and the window's side lobes pull a low tone's centroid up a little.
  CHECK(cm[1] == Approx(300).epsilon(0.03));
  CHECK(cm[2] == Approx(320).epsilon(0.03));
  // The table's numbers are the mean and variance of the frames computed directly.
  auto d = genre::audio::decode((dir.dir / "low/a.wav").string(), "a.wav");
  auto f = genre::audio::compute({{d.samples, d.rate}}, {Feature::zcr}, {}).at(0).features[0];
  double m = mean(f), v = 0;
  for (double x : f.v) v += (x - m) * (x - m);
  CHECK(tabtest::num(t, "zero_crossing_rate_mean")[1] == Approx(m).epsilon(1e-12));
  CHECK(tabtest::num(t, "zero_crossing_rate_var")[1] == Approx(v / f.v.size()).epsilon(1e-12));
}

TEST_CASE("audio_features: errors name the folder or file", "[audio]") {
  tabtest::TempDir dir;
  auto err = tabtest::error_of([&] { run_op({{"path", (dir.dir / "nope").string()}, {"features", "rms"}}); });
  CHECK(err.find("audio_features: folder not found") != std::string::npos);
  err = tabtest::error_of([&] { run_op({{"path", dir.dir.string()}, {"features", "rms"}}); });
  CHECK(err.find("no audio file") != std::string::npos);
  write(dir.dir / "ok.wav", sine(440, 1), 22050, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  err = tabtest::error_of([&] { run_op({{"path", dir.dir.string()}, {"features", {"rms", "loudness"}}}); });
  CHECK(err.find("unknown feature \"loudness\"") != std::string::npos);
  err = tabtest::error_of([&] { run_op({{"path", dir.dir.string()}, {"features", "rms"}, {"hop", 0}}); });
  CHECK(err.find("hop must be a whole number of at least 1, got 0") != std::string::npos);
  dir.write("text.wav", "this is not a wave file");
  err = tabtest::error_of([&] { run_op({{"path", dir.dir.string()}, {"features", "rms"}, {"on_error", "fail"}}); });
  CHECK(err.find("text.wav: cannot read as audio") != std::string::npos);
  dir.write("text.wav", "");
  err = tabtest::error_of([&] { run_op({{"path", dir.dir.string()}, {"features", "rms"}, {"on_error", "fail"}}); });
  CHECK(err.find("text.wav: the file is empty (0 bytes)") != std::string::npos);
  err = tabtest::error_of([&] { run_op({{"path", dir.dir.string()}, {"features", "rms"}, {"summarize", "max"}}); });
  CHECK(err.find("summarize must be mean_var or none, got max") != std::string::npos);
}

TEST_CASE("audio_features: the ways a script names its features pass the checker", "[audio]") {
  CHECK(errors("dataset a = audio_features(\"clips\", mfcc, centroid, chroma, rolloff)\n") == "");
  CHECK(errors("dataset a = audio_features(\"clips\", features: rms, n_mfcc: 20, pad: reflect)\n") == "");
  CHECK(errors("dataset a = audio_features(\"clips\", features: [\"mfcc\", \"zcr\"])\n") == "");
  // Not yet: a list literal of bare symbols, features: [mfcc, zcr] (the checker reads its
  // items as names of definitions).
  CHECK(errors("dataset a = audio_features(\"clips\", loudness)\n").find("loudness") != std::string::npos);
}
