// Parity with librosa: the clips in shared/data/librosa-ref against librosa
// 0.11's own outputs for them (every frame of every feature), and the six
// real GTZAN clips against their rows of features_30_sec.csv (an older
// librosa, reflect padding). Prints the worst error of each feature.
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

#include "ops/audio/decode.h"
#include "ops/audio/features.h"
#include "tabular_helpers.h"

namespace {

namespace fs = std::filesystem;
using genre::audio::Feature;

std::string shared(const std::string& rel) { return std::string(GENRE_SHARED_DATA) + "/" + rel; }

// features/<clip>.csv: a row per feature dimension, its name then one value per frame.
std::map<std::string, std::vector<double>> read_rows(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  std::map<std::string, std::vector<double>> rows;
  std::string line;
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string name, cell;
    std::getline(ss, name, ',');
    auto& v = rows[name];
    while (std::getline(ss, cell, ',')) v.push_back(std::stod(cell));
  }
  return rows;
}

std::map<std::string, double> read_tuning(const std::string& path) {
  std::ifstream in(path);
  std::map<std::string, double> out;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    auto comma = line.find(',');
    out[line.substr(0, comma)] = std::stod(line.substr(comma + 1));
  }
  return out;
}

// The reference row names of one of our feature matrices' rows.
std::string ref_name(const std::string& feature, int d, int dims) {
  if (feature == "chroma_tuning0") return "chroma_tuning0_" + std::to_string(d);
  return dims > 1 ? feature + std::to_string(d) : feature;
}

struct Worst {
  double err = 0, rel = 0;  // absolute, and relative to the feature's range in that clip
  std::string where;
};

}  // namespace

TEST_CASE("audio features match librosa 0.11 frame by frame", "[audio][shared]") {
  std::string ref = shared("librosa-ref");
  if (!fs::is_directory(ref)) {
    WARN("skipped: " << ref << " is absent");
    return;
  }
  auto tunings = read_tuning(ref + "/tuning.csv");
  std::vector<std::pair<std::string, std::string>> clips;  // name, audio file
  for (auto& e : fs::directory_iterator(ref + "/clips")) clips.push_back({e.path().stem().string(), e.path().string()});
  for (auto& e : fs::directory_iterator(shared("gtzan/audio")))
    clips.push_back({e.path().stem().string(), e.path().string()});
  std::sort(clips.begin(), clips.end());
  REQUIRE(clips.size() == 12);

  const std::vector<Feature> all = {Feature::mfcc, Feature::centroid, Feature::chroma,    Feature::rolloff,
                                    Feature::zcr,  Feature::rms,      Feature::bandwidth, Feature::contrast};
  genre::audio::Settings s;  // librosa's defaults, as SOURCE.md lists them
  genre::audio::Settings s0 = s;
  s0.tuning = 0.0;

  std::map<std::string, Worst> worst;
  for (auto& [name, file] : clips) {
    INFO("clip " << name);
    auto d = genre::audio::decode(file, file);
    REQUIRE(d.rate == 22050);
    genre::audio::Clip clip{d.samples, d.rate};
    auto got = genre::audio::compute({clip}, all, s).at(0);
    auto got0 = genre::audio::compute({clip}, {Feature::chroma}, s0).at(0);
    auto rows = read_rows(ref + "/features/" + name + ".csv");
    REQUIRE(got.frames == static_cast<int>(rows.at("centroid").size()));

    // librosa.estimate_tuning(y=y, sr=sr) (magnitude spectrogram) is discrete, steps of
    // 0.01 bin: it must be the same number. (chroma's own estimate, on the power
    // spectrogram, is checked through the chroma rows.)
    REQUIRE(tunings.count(name));
    CHECK(genre::audio::estimate_tuning(clip, s) == Approx(tunings[name]).margin(1e-12));

    std::vector<std::pair<std::string, const genre::audio::Matrix*>> mats;
    for (size_t i = 0; i < all.size(); ++i) mats.push_back({genre::audio::feature_name(all[i]), &got.features[i]});
    mats.push_back({"chroma_tuning0", &got0.features[0]});
    for (auto& [feature, m] : mats) {
      double lo = INFINITY, hi = -INFINITY, err = 0;
      std::string at;
      for (int dim = 0; dim < m->dims; ++dim) {
        auto& r = rows.at(ref_name(feature, dim, m->dims));
        REQUIRE(static_cast<int>(r.size()) == m->frames);
        for (int t = 0; t < m->frames; ++t) {
          lo = std::min(lo, r[t]), hi = std::max(hi, r[t]);
          double e = std::fabs(m->at(dim, t) - r[t]);
          if (e > err) err = e, at = ref_name(feature, dim, m->dims) + " frame " + std::to_string(t);
        }
      }
      double range = hi - lo > 0 ? hi - lo : std::max(std::fabs(hi), 1e-12);
      double rel = err / range;
      INFO(feature << ": worst error " << err << " at " << at << ", range " << range);
      CHECK(rel <= 1e-4);
      auto& w = worst[feature];
      if (rel >= w.rel) w = {err, rel, name + " " + at};
    }
  }
  std::ostringstream out;
  out << "librosa 0.11 parity, worst error per feature over " << clips.size() << " clips:\n";
  for (auto& [f, w] : worst)
    out << "  " << std::left << std::setw(15) << f << std::right << " abs " << std::setw(11) << std::setprecision(3)
        << w.err << "  = " << std::setw(9) << w.rel << " of range  (" << w.where << ")\n";
  std::cout << out.str();
}

TEST_CASE("GTZAN clips come out close to their rows of features_30_sec.csv", "[audio][shared]") {
  std::string dir = shared("gtzan/audio");
  if (!fs::is_directory(dir)) {
    WARN("skipped: " << dir << " is absent");
    return;
  }
  auto table = tabtest::csv(shared("gtzan/features_30_sec.csv"));
  auto& names = tabtest::text(table, "filename");
  std::map<std::string, size_t> row_of;
  for (size_t i = 0; i < names.size(); ++i) row_of[names[i]] = i;

  // The older librosa of that table: reflect padding for the STFT and RMS, 20 MFCCs.
  genre::audio::Settings s;
  s.reflect = true;
  s.n_mfcc = 20;
  const std::vector<Feature> which = {Feature::chroma, Feature::rms,     Feature::centroid,
                                      Feature::bandwidth, Feature::rolloff, Feature::zcr, Feature::mfcc};
  std::vector<std::string> files;
  for (auto& e : fs::directory_iterator(dir)) files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() == 6);

  std::map<std::string, double> worst;  // column -> worst relative difference
  for (auto& file : files) {
    std::string base = fs::path(file).filename().string();
    INFO("clip " << base);
    REQUIRE(row_of.count(base));
    size_t row = row_of[base];
    auto d = genre::audio::decode(file, file);
    auto got = genre::audio::compute({{d.samples, d.rate}}, which, s).at(0);
    auto check = [&](const std::string& col, const double* v, size_t n) {
      double m = 0, var = 0;
      for (size_t i = 0; i < n; ++i) m += v[i];
      m /= n;
      for (size_t i = 0; i < n; ++i) var += (v[i] - m) * (v[i] - m);
      var /= n;
      for (auto [suffix, mine] : {std::pair<std::string, double>{"_mean", m}, {"_var", var}}) {
        double theirs = tabtest::num(table, col + suffix)[row];
        double rel = std::fabs(mine - theirs) / std::max(std::fabs(theirs), 1e-9);
        worst[col + suffix] = std::max(worst[col + suffix], rel);
      }
    };
    const char* cols[] = {"chroma_stft", "rms", "spectral_centroid", "spectral_bandwidth", "rolloff",
                          "zero_crossing_rate"};
    for (size_t i = 0; i < 6; ++i) check(cols[i], got.features[i].v.data(), got.features[i].v.size());
    auto& mfcc = got.features[6];
    for (int k = 0; k < 20; ++k)
      check("mfcc" + std::to_string(k + 1), mfcc.v.data() + static_cast<size_t>(k) * mfcc.frames, mfcc.frames);
  }
  std::ostringstream out;
  out << "GTZAN features_30_sec.csv (older librosa, reflect padding) vs ours, worst relative difference over 6 clips:\n";
  double all = 0;
  for (auto& [col, rel] : worst) {
    out << "  " << std::left << std::setw(26) << col << std::right << std::setprecision(3) << rel << "\n";
    all = std::max(all, rel);
  }
  std::cout << out.str();
  // Measured: at most 4.6e-6 (a small mfcc18 mean), most near 1e-7: float32 rounding.
  CHECK(all < 1e-5);
}

TEST_CASE("features of resampled clips match librosa's of librosa.load(sr=22050)", "[audio][torch]") {
  // tests/data/resample (gen_resample.py): three clips shipped here, and FMA's MP3 when shared/ is present.
  std::string dir = std::string(GENRE_TEST_DIR) + "/data/resample/";
  std::vector<std::pair<std::string, std::string>> clips = {{"stereo_44100", dir + "stereo_44100.wav"},
                                                            {"mono_48000", dir + "mono_48000.flac"},
                                                            {"mono_16000", dir + "mono_16000.wav"}};
  if (fs::exists(shared("fma-audio-clip/000002.mp3")))
    clips.push_back({"fma_000002", shared("fma-audio-clip/000002.mp3")});
  else
    WARN("FMA's clip skipped: " << shared("fma-audio-clip") << " is absent");
  const std::vector<Feature> which = {Feature::mfcc, Feature::centroid, Feature::chroma, Feature::rolloff};
  genre::audio::Settings s;
  for (auto& [name, file] : clips) {
    INFO("clip " << name);
    genre::audio::Load how;
    how.rate = 22050;
    auto d = genre::audio::decode(file, name, how);
    auto got = genre::audio::compute({{d.samples, d.rate}}, which, s).at(0);
    auto rows = read_rows(dir + name + ".features.csv");
    REQUIRE(got.frames == static_cast<int>(rows.at("centroid").size()));
    std::ostringstream out;
    out << name << " at 22050 Hz, worst error / range:";
    for (size_t i = 0; i < which.size(); ++i) {
      auto& m = got.features[i];
      std::string feature = genre::audio::feature_name(which[i]);
      double lo = INFINITY, hi = -INFINITY, err = 0;
      for (int dim = 0; dim < m.dims; ++dim) {
        auto& r = rows.at(ref_name(feature, dim, m.dims));
        for (int t = 0; t < m.frames; ++t)
          lo = std::min(lo, r[t]), hi = std::max(hi, r[t]), err = std::max(err, std::fabs(m.at(dim, t) - r[t]));
      }
      double rel = err / (hi - lo > 0 ? hi - lo : 1.0);
      out << " " << feature << " " << std::setprecision(3) << rel;
      CHECK(rel <= 1e-4);
    }
    std::cout << out.str() << "\n";
  }
}
