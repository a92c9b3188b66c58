// The feature names, shapes and frame layout: everything about audio features
// that needs no LibTorch, so the core can plan and lay out tables without
// loading it (the computation is in features.cpp, in the torch library).
#include "ops/audio/features.h"

namespace genre::audio {

const char* feature_name(Feature f) {
  switch (f) {
    case Feature::mfcc: return "mfcc";
    case Feature::centroid: return "centroid";
    case Feature::chroma: return "chroma";
    case Feature::rolloff: return "rolloff";
    case Feature::zcr: return "zcr";
    case Feature::rms: return "rms";
    case Feature::bandwidth: return "bandwidth";
    case Feature::contrast: return "contrast";
  }
  return "?";
}

std::vector<std::string> feature_names() {
  return {"mfcc", "centroid", "chroma", "rolloff", "zcr", "rms", "bandwidth", "contrast"};
}

std::optional<Feature> parse_feature(const std::string& name) {
  for (Feature f : {Feature::mfcc, Feature::centroid, Feature::chroma, Feature::rolloff, Feature::zcr, Feature::rms,
                    Feature::bandwidth, Feature::contrast})
    if (name == feature_name(f)) return f;
  return std::nullopt;
}

int feature_dims(Feature f, const Settings& s) {
  switch (f) {
    case Feature::mfcc: return s.n_mfcc;
    case Feature::chroma: return s.n_chroma;
    case Feature::contrast: return s.n_bands + 1;
    default: return 1;
  }
}

int frame_count(size_t samples, const Settings& s) {
  long padded = static_cast<long>(samples) + 2L * (s.n_fft / 2);
  return static_cast<int>(1 + (padded - s.n_fft) / s.hop);
}

std::vector<float> stack_frames(const ClipFeatures& f) {
  int dims = 0;
  for (auto& m : f.features) dims += m.dims;
  std::vector<float> out(static_cast<size_t>(f.frames) * dims);
  int col = 0;
  for (auto& m : f.features) {
    for (int d = 0; d < m.dims; ++d)
      for (int t = 0; t < f.frames; ++t) out[static_cast<size_t>(t) * dims + col + d] = static_cast<float>(m.at(d, t));
    col += m.dims;
  }
  return out;
}

}  // namespace genre::audio
