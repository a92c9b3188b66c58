// tempo: librosa.feature.tempo's algorithm on click tracks of known tempo
// (librosa.clicks' click: a 1 kHz tone decaying over 0.1 s). librosa is not
// packaged for Debian, so the reference is the tempo the clicks were laid at.
#include <catch2/catch.hpp>
#include <cmath>

#include <sndfile.h>

#include "ops/audio/tempo.h"
#include "runtime/core/op.h"
#include "runtime/core/value.h"
#include "tabular_helpers.h"

namespace genre {
void register_audio_features();  // ops/audio/audio_features.cpp
}

namespace {

std::vector<float> clicks(double bpm, double seconds, int rate, double first = 0.25) {
  std::vector<float> y(static_cast<size_t>(seconds * rate), 0.0f);
  size_t len = static_cast<size_t>(rate * 0.1);
  for (double t = first; t < seconds; t += 60.0 / bpm) {
    size_t at = static_cast<size_t>(std::llround(t * rate));
    for (size_t i = 0; i < len && at + i < y.size(); ++i)
      y[at + i] += static_cast<float>(std::pow(2.0, -10.0 * i / (len - 1)) * std::sin(2 * M_PI * 1000.0 * i / rate));
  }
  return y;
}

double estimate(const std::vector<float>& y, int rate, const genre::audio::TempoSettings& s) {
  return genre::audio::tempo(genre::audio::onset_strength(y, rate, s), rate, s);
}

}  // namespace

TEST_CASE("tempo of click tracks at 90, 120 and 150 BPM within 2 BPM", "[audio][tempo]") {
  // hop 441 at 22050 Hz: tempogram bins at 3000 / lag BPM, so 90, 120 and 150 are each within 1 BPM of a bin.
  genre::audio::TempoSettings s;
  s.hop = 441;
  for (double bpm : {90.0, 120.0, 150.0}) {
    double got = estimate(clicks(bpm, 30, 22050), 22050, s);
    INFO(bpm << " BPM clicks: estimated " << got);
    CHECK(std::fabs(got - bpm) <= 2);
  }
}

TEST_CASE("tempo at librosa's hop 512 picks the tempogram bin next to the true tempo", "[audio][tempo]") {
  // Bins are 60 * 22050 / (512 * lag) BPM: near 120 they are 123.0 (lag 21) and 117.5 (lag 22).
  genre::audio::TempoSettings s;
  for (double bpm : {90.0, 120.0, 150.0}) {
    double got = estimate(clicks(bpm, 30, 22050), 22050, s);
    double lag = 60.0 * 22050 / (512 * bpm);
    double lo = 60.0 * 22050 / (512 * std::ceil(lag)), hi = 60.0 * 22050 / (512 * std::floor(lag));
    INFO(bpm << " BPM clicks: estimated " << got << ", bins around it " << lo << " and " << hi);
    CHECK((got == Approx(lo) || got == Approx(hi)));
  }
}

TEST_CASE("tempo: the prior decides between a tempo and its double", "[audio][tempo]") {
  // 60 BPM clicks also fit 120 BPM half as well; with the prior at 120 (librosa's start_bpm) the
  // octave nearer the prior wins, and moving the prior to 60 moves the answer with it.
  genre::audio::TempoSettings s;
  s.hop = 441;
  auto y = clicks(60, 30, 22050);
  double at120 = estimate(y, 22050, s);
  s.start_bpm = 60;
  double at60 = estimate(y, 22050, s);
  INFO("start_bpm 120: " << at120 << ", start_bpm 60: " << at60);
  CHECK(at60 == Approx(60).margin(2));
  CHECK(at120 >= at60);
}

TEST_CASE("tempo: settings that make no sense are errors", "[audio][tempo]") {
  genre::audio::TempoSettings s;
  s.n_fft = 1000;
  CHECK_THROWS_AS(genre::audio::onset_strength(clicks(120, 2, 22050), 22050, s), genre::DataError);
  s = {};
  CHECK_THROWS_AS(genre::audio::onset_strength({}, 22050, s), genre::DataError);
  s.start_bpm = 0;
  CHECK_THROWS_AS(genre::audio::tempo(std::vector<double>(100, 1.0), 22050, s), genre::DataError);
}

TEST_CASE("audio_features(features: [tempo]) gives one tempo per clip, GTZAN's column", "[audio][tempo]") {
  tabtest::TempDir dir;
  for (double bpm : {90.0, 150.0}) {
    auto y = clicks(bpm, 20, 22050);
    std::filesystem::create_directories(dir.dir / "clicks");
    SF_INFO info{};
    info.samplerate = 22050;
    info.channels = 1;
    info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
    std::string path = (dir.dir / "clicks" / (std::to_string(int(bpm)) + ".wav")).string();
    SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
    REQUIRE(f);
    sf_write_float(f, y.data(), static_cast<sf_count_t>(y.size()));
    sf_close(f);
  }
  genre::register_audio_features();
  auto* fn = genre::find_op("audio_features");
  REQUIRE(fn);
  genre::OpContext ctx;
  ctx.params = {{"path", dir.dir.string()}, {"features", {"tempo"}}, {"hop", 441}};
  auto t = std::get<genre::Table>((*fn)(ctx));
  REQUIRE(t.rows() == 2);
  CHECK(tabtest::text(t, "file") == std::vector<std::string>{"clicks/150.wav", "clicks/90.wav"});
  CHECK(t.column("tempo").num[0] == Approx(150).margin(2));
  CHECK(t.column("tempo").num[1] == Approx(90).margin(2));
  CHECK(t.find("frames") == nullptr);

  ctx.params["n_fft"] = 2000;
  CHECK_THAT(tabtest::error_of([&] { (*fn)(ctx); }), Catch::Contains("tempo needs n_fft to be a power of two"));
}
