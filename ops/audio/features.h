// Frame-level audio features as librosa 0.11 computes them (STFT, mel, MFCC,
// chroma, spectral centroid / bandwidth / rolloff / contrast, ZCR, RMS), from
// one shared STFT per clip. Plain vectors in and out: only features.cpp sees
// LibTorch.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace genre::audio {

enum class Feature { mfcc, centroid, chroma, rolloff, zcr, rms, bandwidth, contrast };

const char* feature_name(Feature f);                         // "mfcc", "centroid", ...
std::optional<Feature> parse_feature(const std::string& name);
std::vector<std::string> feature_names();                    // every name, for error messages

// Every number has librosa's default; the script may set the first ones.
struct Settings {
  int n_fft = 2048;               // STFT window and frame length (ZCR and RMS frames too)
  int hop = 512;                  // samples between frames
  bool reflect = false;           // centre padding: zeros (librosa >= 0.10) or reflection (older librosa)
  int n_mfcc = 13;
  int n_mels = 128;
  double top_db = 80;             // power_to_db floor below the clip's peak
  int n_chroma = 12;
  std::optional<double> tuning;   // chroma tuning in fractions of a bin; empty: estimated per clip
  double roll_percent = 0.85;
  int n_bands = 6;                // spectral contrast
  double contrast_fmin = 200;
  double contrast_quantile = 0.02;
  int batch = 1;                  // clips of equal length in one tensor op (on CPU 1 is fastest: less memory traffic)
};

struct Clip {
  std::vector<float> samples;  // mono
  int rate = 0;                // samples per second
};

// One feature of one clip in librosa's layout: `dims` rows of `frames` values.
struct Matrix {
  int dims = 0;
  int frames = 0;
  std::vector<double> v;  // v[d * frames + t]
  double at(int d, int t) const { return v[static_cast<size_t>(d) * frames + t]; }
};

struct ClipFeatures {
  std::vector<Matrix> features;  // in the order asked for
  int frames = 0;
  double tuning = 0;             // the chroma tuning used (estimated or given); 0 without chroma
};

// Rows of one feature (mfcc: n_mfcc, chroma: n_chroma, contrast: n_bands + 1, else 1).
int feature_dims(Feature f, const Settings& s);

// Frames for a clip of `samples` samples: 1 + samples / hop (centred frames).
int frame_count(size_t samples, const Settings& s);

// Features of every clip. Throws DataError for settings that make no sense
// (n_fft < 2, n_mfcc > n_mels, contrast bands above Nyquist, ...) or an empty clip.
// Uses the LibTorch threads the caller has set.
std::vector<ClipFeatures> compute(const std::vector<Clip>& clips, const std::vector<Feature>& which,
                                  const Settings& s);

// A clip's features side by side, one row per frame (frames x sum of dims),
// as a sequence model reads them.
std::vector<float> stack_frames(const ClipFeatures& f);

// librosa.estimate_tuning(y=samples, sr=rate, n_fft): piptrack on the magnitude
// spectrogram. (chroma's own estimate runs on the power spectrogram instead, as
// librosa.feature.chroma_stft does, so the two may differ by a few hundredths.)
double estimate_tuning(const Clip& clip, const Settings& s);

// librosa.estimate_tuning on a spectrogram (magnitude or power) laid out frame by frame
// (frames x (n_fft / 2 + 1)), in fractions of a chroma bin.
double estimate_tuning(const float* spectrogram, int frames, int n_fft, double rate, int bins_per_octave);

}  // namespace genre::audio
