// audio_features reading a folder as a study meets it: every sample format
// and rate libsndfile writes, resampling to one rate, clips cut or padded (and
// said so), frames as a sequence column, and damaged files set aside with
// their reasons while the rest go on.
#include <sndfile.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>

#include "audio_helpers.h"
#include "ops/audio/decode.h"
#include "ops/audio/features.h"
#include "tabular_helpers.h"

namespace genre {
void register_audio_features();  // ops/audio/audio_features.cpp
}

namespace {

namespace fs = std::filesystem;
using audiotest::errors;
using audiotest::row_of;
using audiotest::sine;
using audiotest::write;

genre::Table run_op(genre::json params) {
  genre::register_audio_features();
  auto* fn = genre::find_op("audio_features");
  REQUIRE(fn);
  genre::OpContext ctx;
  ctx.params = std::move(params);
  return std::get<genre::Table>((*fn)(ctx));
}

// Mean of dimension d over frames [from, to) of a sequence (steps x dims).
double seq_mean(const std::vector<float>& s, uint32_t dims, uint32_t d, size_t from, size_t to) {
  double m = 0;
  for (size_t t = from; t < to; ++t) m += s[t * dims + d];
  return m / static_cast<double>(to - from);
}

// A folder holding every case the issue lists, all 1-kHz sines of amplitude 0.5, 2 s long.
struct Corpus {
  tabtest::TempDir dir;
  Corpus() {
    auto p = [&](const char* rel) { return dir.dir / rel; };
    write(p("ok/pcm16.wav"), sine(1000, 2, 22050), 22050, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    write(p("ok/u8.wav"), sine(1000, 2, 22050), 22050, SF_FORMAT_WAV | SF_FORMAT_PCM_U8);
    write(p("ok/pcm24.wav"), sine(1000, 2, 22050), 22050, SF_FORMAT_WAV | SF_FORMAT_PCM_24);
    write(p("ok/float.wav"), sine(1000, 2, 22050), 22050, SF_FORMAT_WAV | SF_FORMAT_FLOAT);
    write(p("ok/r44.wav"), sine(1000, 2, 44100), 44100, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    write(p("ok/r48.wav"), sine(1000, 2, 48000), 48000, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    write(p("ok/gtzan.au"), sine(1000, 2, 22050), 22050, SF_FORMAT_AU | SF_FORMAT_PCM_16);
    // Stereo: the tone on the left, silence on the right; mono is their mean.
    auto l = sine(1000, 2, 22050);
    std::vector<float> lr(l.size() * 2, 0.0f);
    for (size_t i = 0; i < l.size(); ++i) lr[2 * i] = l[i];
    write(p("ok/stereo.wav"), lr, 22050, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 2);
    // Damaged: half a WAV, text with a .wav name, nothing at all.
    write(p("bad/whole.wav"), sine(1000, 2, 22050), 22050, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    std::ifstream in(p("bad/whole.wav"), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    fs::remove(p("bad/whole.wav"));
    dir.write("bad/truncated.wav", bytes.substr(0, bytes.size() / 2));
    dir.write("bad/text.wav", "title,artist\nnot,audio\n");
    dir.write("bad/empty.wav", "");
  }
};

}  // namespace

TEST_CASE("audio folder: every format and rate read alike, damaged files set aside with their reasons", "[audio][torch]") {
  Corpus c;
  auto t = run_op({{"path", c.dir.dir.string()}, {"features", {"rms", "centroid"}}, {"rate", 22050},
                   {"clip", 1.0}, {"offset", 0.5}, {"summarize", "none"}});
  std::vector<std::string> names;
  for (auto& col : t.cols) names.push_back(col.name);
  CHECK(names == std::vector<std::string>{"file", "label", "frames", "padded", "error"});
  REQUIRE(t.rows() == 11);

  auto& err = t.column("error");
  const genre::Column& frames = t.column("frames");
  REQUIRE(frames.is_sequence());
  CHECK(frames.seq_dims == 2);
  CHECK(err.text[row_of(t, "bad/empty.wav")] == c.dir.dir.string() + "/bad/empty.wav: the file is empty (0 bytes)");
  CHECK(err.text[row_of(t, "bad/text.wav")].find("bad/text.wav: cannot read as audio") != std::string::npos);
  CHECK(err.text[row_of(t, "bad/truncated.wav")].find(
            "bad/truncated.wav: truncated: the header promises 88200 bytes of audio, the file holds") !=
        std::string::npos);
  for (const char* bad : {"bad/empty.wav", "bad/text.wav", "bad/truncated.wav"}) {
    size_t r = row_of(t, bad);
    CHECK(err.present[r] == 1);
    CHECK(t.column("label").present[r] == 0);
    CHECK(frames.present[r] == 0);
    CHECK(genre::is_missing(tabtest::num(t, "padded")[r]));
  }

  // 1 s at 22050 Hz: 1 + 22050 / 512 frames, whatever the file's rate or format.
  for (const char* ok : {"ok/pcm16.wav", "ok/u8.wav", "ok/pcm24.wav", "ok/float.wav", "ok/r44.wav", "ok/r48.wav",
                         "ok/gtzan.au", "ok/stereo.wav"}) {
    INFO(ok);
    size_t r = row_of(t, ok);
    CHECK(err.present[r] == 0);
    CHECK(t.column("label").text[r] == "ok");
    CHECK(tabtest::num(t, "padded")[r] == 0);
    REQUIRE(frames.present[r] == 1);
    REQUIRE(frames.steps(r) == 44);
    double amp = std::string(ok) == "ok/stereo.wav" ? 0.25 : 0.5;
    // Away from the clip's edges: RMS is amplitude / sqrt 2, the centroid the tone.
    CHECK(seq_mean(frames.seq[r], 2, 0, 4, 40) == Approx(amp / std::sqrt(2)).epsilon(0.01));
    double centroid = seq_mean(frames.seq[r], 2, 1, 4, 40);
    if (std::string(ok) != "ok/u8.wav") {
      CHECK(centroid == Approx(1000).epsilon(0.005));
    } else {
      // 8 bits' quantisation noise is white: spread over every bin, it lifts a
      // magnitude-weighted centroid by about a third (measured 1317 Hz).
      CHECK(centroid > 1100);
      CHECK(centroid < 1500);
    }
  }
  // The three 16-bit files at 22050, 44100 and 48000 Hz agree after resampling.
  auto& a = frames.seq[row_of(t, "ok/pcm16.wav")];
  for (const char* other : {"ok/r44.wav", "ok/r48.wav"}) {
    auto& b = frames.seq[row_of(t, other)];
    for (size_t i = 8; i < 80; i += 2) CHECK(b[i] == Approx(a[i]).epsilon(0.002));
  }

  // on_error: fail stops at the first damaged file in path order.
  auto e = tabtest::error_of([&] {
    run_op({{"path", c.dir.dir.string()}, {"features", {"rms"}}, {"on_error", "fail"}});
  });
  CHECK(e.find("audio_features: ") == 0);
  CHECK(e.find("bad/empty.wav: the file is empty (0 bytes)") != std::string::npos);
}

TEST_CASE("audio folder: a float file holding NaN or infinity is set aside, naming the sample", "[audio][torch]") {
  tabtest::TempDir dir;
  auto y = sine(440, 1);
  write(dir.dir / "ok/fine.wav", y, 22050, SF_FORMAT_WAV | SF_FORMAT_FLOAT);
  auto nan = y, inf = y;
  nan[1000] = std::nanf("");
  inf[22049] = -INFINITY;
  write(dir.dir / "bad/nan.wav", nan, 22050, SF_FORMAT_WAV | SF_FORMAT_FLOAT);
  write(dir.dir / "bad/inf.wav", inf, 22050, SF_FORMAT_WAV | SF_FORMAT_FLOAT);
  auto t = run_op({{"path", dir.dir.string()}, {"features", {"rms"}}});
  REQUIRE(t.rows() == 3);
  auto& err = t.column("error");
  CHECK(err.present[row_of(t, "ok/fine.wav")] == 0);
  CHECK(err.text[row_of(t, "bad/nan.wav")] ==
        (dir.dir / "bad/nan.wav").string() + ": sample 1001 (at 0.045 s) is NaN: not a sound level; the file is damaged");
  CHECK_THAT(err.text[row_of(t, "bad/inf.wav")], Catch::Contains("sample 22050 (at 1.000 s) is infinite"));
  // The good file's features are numbers.
  CHECK(std::isfinite(tabtest::num(t, "rms_mean")[row_of(t, "ok/fine.wav")]));
}

TEST_CASE("audio folder: mono: left or right keeps one channel - mean averages them - a bad choice is named", "[audio][torch]") {
  tabtest::TempDir dir;
  // Left: a 1-kHz tone of amplitude 0.5; right: a 3-kHz tone of amplitude 0.2.
  auto l = sine(1000, 2, 22050), r = sine(3000, 2, 22050);
  std::vector<float> lr(l.size() * 2);
  for (size_t i = 0; i < l.size(); ++i) {
    lr[2 * i] = l[i];
    lr[2 * i + 1] = 0.4f * r[i];
  }
  write(dir.dir / "st/two.wav", lr, 22050, SF_FORMAT_WAV | SF_FORMAT_FLOAT, 2);
  write(dir.dir / "st/one.wav", l, 22050, SF_FORMAT_WAV | SF_FORMAT_FLOAT);
  auto frames_of = [&](const char* mono, const char* file) {
    genre::json args = {{"path", dir.dir.string()}, {"features", {"rms", "centroid"}}, {"summarize", "none"}};
    if (mono) args["mono"] = mono;
    auto t = run_op(args);
    return t.column("frames").seq[row_of(t, file)];
  };
  auto rms = [](const std::vector<float>& f) { return seq_mean(f, 2, 0, 4, 80); };
  auto centroid = [](const std::vector<float>& f) { return seq_mean(f, 2, 1, 4, 80); };
  auto left = frames_of("left", "st/two.wav"), right = frames_of("right", "st/two.wav");
  CHECK(rms(left) == Approx(0.5 / std::sqrt(2)).epsilon(0.01));
  CHECK(centroid(left) == Approx(1000).epsilon(0.005));
  CHECK(rms(right) == Approx(0.2 / std::sqrt(2)).epsilon(0.01));
  CHECK(centroid(right) == Approx(3000).epsilon(0.005));
  // mean (the default, as librosa.load(mono=True)): (l + r) / 2, whose power is the two tones' powers / 4.
  auto mean = frames_of(nullptr, "st/two.wav");
  CHECK(rms(mean) == Approx(std::sqrt((0.25 + 0.04) / 2) / 2).epsilon(0.01));
  CHECK(frames_of("mean", "st/two.wav") == mean);
  // A mono file's one channel is both sides.
  CHECK(frames_of("right", "st/one.wav") == frames_of(nullptr, "st/one.wav"));
  auto e = tabtest::error_of([&] { frames_of("centre", "st/one.wav"); });
  CHECK(e == "audio_features: mono must be mean, left or right, got centre");
}

TEST_CASE("audio folder: a 2-s clip when 30 s is asked is padded with zeros, and said so", "[audio][torch]") {
  tabtest::TempDir dir;
  write(dir.dir / "blues/short.wav", sine(1000, 2, 22050), 22050, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  write(dir.dir / "blues/long.wav", sine(1000, 31, 22050), 22050, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  auto t = run_op({{"path", dir.dir.string()}, {"features", {"rms", "mfcc"}}, {"clip", 30}, {"summarize", "none"}});
  CHECK(tabtest::text(t, "file") == std::vector<std::string>{"blues/long.wav", "blues/short.wav"});
  CHECK(tabtest::num(t, "padded") == std::vector<double>{0, 1});
  auto& f = t.column("frames");
  CHECK(f.seq_dims == 14);
  // 30 s at 22050 Hz: 661500 samples, 1 + 661500 / 512 frames, both.
  REQUIRE(f.steps(0) == 1292);
  REQUIRE(f.steps(1) == 1292);
  CHECK(f.seq[1][10 * 14] == Approx(0.5 / std::sqrt(2)).epsilon(0.01));  // frame 10: the tone
  CHECK(f.seq[1][1200 * 14] == 0.0f);                                    // frame 1200: padding, silent
  CHECK(f.seq[0][1200 * 14] == Approx(0.5 / std::sqrt(2)).epsilon(0.01));
  // Without clip nothing is padded and no column says so.
  auto whole = run_op({{"path", dir.dir.string()}, {"features", {"rms"}}});
  CHECK(whole.find("padded") == nullptr);
  CHECK(whole.find("rms_mean") != nullptr);
}

TEST_CASE("audio folder: offset skips the start - a window past the end is all padding", "[audio][torch]") {
  tabtest::TempDir dir;
  auto y = sine(300, 1, 22050);
  auto hi = sine(3000, 1, 22050);
  y.insert(y.end(), hi.begin(), hi.end());
  write(dir.dir / "x/two_tones.wav", y, 22050, SF_FORMAT_WAV | SF_FORMAT_FLOAT);
  auto t = run_op({{"path", dir.dir.string()}, {"features", {"centroid"}}, {"offset", 1}, {"clip", 0.5}});
  CHECK(tabtest::num(t, "spectral_centroid_mean")[0] == Approx(3000).epsilon(0.01));
  CHECK(tabtest::num(t, "padded")[0] == 0);
  auto d = genre::audio::decode((dir.dir / "x/two_tones.wav").string(), "two_tones.wav", {0, 1.5, 1.0});
  CHECK(d.padded);
  REQUIRE(d.samples.size() == 22050);
  CHECK(d.samples[11025 - 1] == y[44100 - 1]);
  CHECK(d.samples[11025] == 0.0f);
  auto e = tabtest::error_of([&] {
    genre::audio::decode((dir.dir / "x/two_tones.wav").string(), "two_tones.wav", {0, 5, std::nullopt});
  });
  CHECK(e.find("two_tones.wav: offset 5") != std::string::npos);
  e = tabtest::error_of([&] { run_op({{"path", dir.dir.string()}, {"features", {"rms"}}, {"clip", 0}}); });
  CHECK(e.find("clip must be a length in seconds above 0, got 0") != std::string::npos);
}

TEST_CASE("decode: a header claiming an implausible sample rate is damaged, not 30 s of 2 GHz zeros", "[audio]") {
  tabtest::TempDir dir;
  auto path = dir.dir / "x/rate.wav";
  write(path, sine(440, 0.1, 22050), 22050, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  auto set_rate = [&](uint32_t hz) {  // the fmt chunk's sample rate: bytes 24-27, little-endian
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(24);
    for (int i = 0; i < 4; ++i) f.put(static_cast<char>((hz >> (8 * i)) & 0xFF));
  };
  // Found by fuzz/audio_fuzz.cpp: a 2 GHz rate and clip: 30 asked for 6e10 samples.
  set_rate(2000000000);
  auto e = tabtest::error_of([&] { genre::audio::decode(path.string(), "rate.wav", {0, 0, 30.0}); });
  CHECK(e == "rate.wav: the header's sample rate, 2000000000 Hz, is outside 1000-768000 Hz: the file is damaged");
  set_rate(10);
  e = tabtest::error_of([&] { genre::audio::decode(path.string(), "rate.wav", {22050, 0, 30.0}); });
  CHECK(e == "rate.wav: the header's sample rate, 10 Hz, is outside 1000-768000 Hz: the file is damaged");
  set_rate(768000);
  CHECK(genre::audio::decode(path.string(), "rate.wav").file_rate == 768000);
}

TEST_CASE("decode: a header claiming billions of frames reads what the file holds", "[audio]") {
  tabtest::TempDir dir;
  // fuzz/audio_fuzz.cpp's find: a 42-byte FLAC whose STREAMINFO claims 0xFA655CB54 frames.
  const unsigned char flac[] = {0x66, 0x4c, 0x61, 0x43, 0x00, 0x00, 0x00, 0x22, 0x10, 0x00, 0x10, 0x00, 0x00, 0x09,
                                0x01, 0x00, 0x09, 0x97, 0x02, 0xb1, 0x10, 0xf0, 0x40, 0x01, 0x00, 0x00, 0x0f, 0xa6,
                                0x55, 0xcb, 0x54, 0xd2, 0x8e, 0x6a, 0x4a, 0xc4, 0x18, 0xc6, 0xbf, 0xd2, 0xfa, 0xf9};
  auto path = dir.dir / "claim.flac";
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(flac), sizeof flac);
  // A data error or the few samples it holds; never an allocation of the claimed 268 GB (bad_alloc, exit 3).
  try {
    auto d = genre::audio::decode(path.string(), "claim.flac");
    CHECK(d.samples.size() < 100000);
  } catch (const genre::DataError& e) {
    CHECK(std::string(e.what()).rfind("claim.flac: ", 0) == 0);
  }
}

TEST_CASE("resampling: a 44.1 kHz sine becomes the 22.05 kHz sine, sample for sample", "[audio]") {
  auto y = sine(440, 1, 44100);
  auto r = genre::audio::resample(y, 44100, 22050, "x");
  auto want = sine(440, 1, 22050);
  REQUIRE(r.size() == want.size());
  double worst = 0;
  for (size_t i = 1000; i + 1000 < r.size(); ++i) worst = std::max(worst, std::fabs(double(r[i]) - want[i]));
  WARN("worst error away from the edges: " << worst);
  CHECK(worst < 1e-4);
  CHECK(genre::audio::resample(sine(440, 1, 48000), 48000, 22050, "x").size() == 22050);
  CHECK(genre::audio::resample(std::vector<float>(7, 0.0f), 48000, 22050, "x").size() == 4);  // ceil(7 * 0.459)
}

TEST_CASE("audio folder: S1's call passes the checker", "[audio]") {
  CHECK(errors("dataset a = audio_features(\"clips\", mfcc, centroid, chroma, rolloff, rate: 22050Hz, clip: 30, "
               "offset: 0, summarize: none, on_error: fail)\n") == "");
  CHECK(errors("dataset a = audio_features(\"clips\", mfcc, rate: 22050, clip: 2.5s, offset: 500ms)\n") == "");
  CHECK(errors("dataset a = audio_features(\"clips\", mfcc, summarize: median)\n").find("median") != std::string::npos);
}
