// librosa 0.11's features, computed with LibTorch from one STFT per clip.
// Each step repeats librosa's arithmetic in librosa's precision (the STFT in
// float64 rounded to complex64, spectrograms in float32, normalisations in
// float64), so that results agree to a few float32 ulps and discrete outputs
// (rolloff bins, the tuning histogram) come out the same.
// Sources: librosa/core/spectrum.py (stft, power_to_db), librosa/filters.py
// (mel, chroma), librosa/feature/spectral.py, librosa/core/pitch.py
// (piptrack, estimate_tuning), librosa/core/convert.py.
#include "ops/audio/features.h"

#include <ATen/Parallel.h>
#include <tbb/parallel_for.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

#include "runtime/core/value.h"

namespace genre::audio {

namespace {

constexpr double pi = 3.14159265358979323846;
constexpr float tiny32 = std::numeric_limits<float>::min();  // librosa.util.tiny for float32

// numpy.linspace(start, stop, num): i * step + start, the last point exact.
std::vector<double> linspace(double start, double stop, int num, bool endpoint = true) {
  std::vector<double> y(static_cast<size_t>(num));
  int div = endpoint ? num - 1 : num;
  double step = div > 0 ? (stop - start) / div : 0;
  for (int i = 0; i < num; ++i) y[static_cast<size_t>(i)] = i * step + start;
  if (endpoint && num > 1) y.back() = stop;
  return y;
}

// numpy.fft.rfftfreq(n_fft, 1 / sr)
std::vector<double> fft_frequencies(double sr, int n_fft) {
  double val = 1.0 / (n_fft * (1.0 / sr));
  std::vector<double> f(static_cast<size_t>(n_fft / 2 + 1));
  for (size_t k = 0; k < f.size(); ++k) f[k] = static_cast<double>(k) * val;
  return f;
}

// Slaney's mel scale: linear below 1 kHz, logarithmic above.
constexpr double f_sp = 200.0 / 3, min_log_hz = 1000.0, min_log_mel = min_log_hz / f_sp;
double logstep() { return std::log(6.4) / 27.0; }

double hz_to_mel(double f) {
  double m = f / f_sp;
  if (f >= min_log_hz) m = min_log_mel + std::log(f / min_log_hz) / logstep();
  return m;
}

double mel_to_hz(double m) {
  double f = f_sp * m;
  if (m >= min_log_mel) f = min_log_hz * std::exp(logstep() * (m - min_log_mel));
  return f;
}

// librosa.filters.mel(sr, n_fft, n_mels, fmin=0, fmax=sr/2, htk=False, norm="slaney"),
// float32, n_mels x bins.
std::vector<float> mel_bank(double sr, int n_fft, int n_mels) {
  auto fft_f = fft_frequencies(sr, n_fft);
  size_t bins = fft_f.size();
  auto mels = linspace(hz_to_mel(0.0), hz_to_mel(sr / 2), n_mels + 2);
  std::vector<double> mel_f(mels.size());
  for (size_t i = 0; i < mels.size(); ++i) mel_f[i] = mel_to_hz(mels[i]);
  std::vector<float> w(static_cast<size_t>(n_mels) * bins);
  for (int i = 0; i < n_mels; ++i) {
    double d0 = mel_f[i + 1] - mel_f[i], d1 = mel_f[i + 2] - mel_f[i + 1];
    double enorm = 2.0 / (mel_f[i + 2] - mel_f[i]);
    for (size_t k = 0; k < bins; ++k) {
      double lower = -(mel_f[i] - fft_f[k]) / d0;
      double upper = (mel_f[i + 2] - fft_f[k]) / d1;
      float v = static_cast<float>(std::max(0.0, std::min(lower, upper)));  // stored as float32 first
      w[i * bins + k] = static_cast<float>(static_cast<double>(v) * enorm);
    }
  }
  return w;
}

// scipy.fft.dct(type=2, norm="ortho") as a matrix: n_mfcc x n_mels.
std::vector<float> dct_matrix(int n_mfcc, int n_mels) {
  std::vector<float> m(static_cast<size_t>(n_mfcc) * n_mels);
  for (int k = 0; k < n_mfcc; ++k) {
    double scale = k == 0 ? std::sqrt(1.0 / n_mels) : std::sqrt(2.0 / n_mels);
    for (int n = 0; n < n_mels; ++n)
      m[static_cast<size_t>(k) * n_mels + n] = static_cast<float>(scale * std::cos(pi * k * (2 * n + 1) / (2.0 * n_mels)));
  }
  return m;
}

// numpy.remainder for doubles: the sign of the divisor.
double py_mod(double a, double b) {
  double m = std::fmod(a, b);
  if (m != 0 && ((b < 0) != (m < 0))) m += b;
  return m;
}

// librosa.filters.chroma(sr, n_fft, tuning, n_chroma, ctroct=5, octwidth=2, norm=2, base_c=True),
// float32, n_chroma x bins.
std::vector<float> chroma_bank(double sr, int n_fft, double tuning, int n_chroma) {
  const double ctroct = 5.0, octwidth = 2.0;
  auto freqs = linspace(0, sr, n_fft, false);  // then [1:]
  double a440 = 440.0 * std::pow(2.0, tuning / n_chroma);
  std::vector<double> frq(static_cast<size_t>(n_fft));
  for (int k = 1; k < n_fft; ++k) frq[k] = n_chroma * std::log2(freqs[k] / (a440 / 16));
  // The 0 Hz bin: 1.5 octaves below bin 1.
  frq[0] = frq[1] - 1.5 * n_chroma;
  std::vector<double> width(static_cast<size_t>(n_fft));
  for (int k = 0; k + 1 < n_fft; ++k) width[k] = std::max(frq[k + 1] - frq[k], 1.0);
  width[n_fft - 1] = 1;
  double half = std::round(n_chroma / 2.0);
  std::vector<double> w(static_cast<size_t>(n_chroma) * n_fft);
  for (int c = 0; c < n_chroma; ++c)
    for (int k = 0; k < n_fft; ++k) {
      double d = py_mod(frq[k] - c + half + 10.0 * n_chroma, n_chroma) - half;
      double z = 2 * d / width[k];
      w[static_cast<size_t>(c) * n_fft + k] = std::exp(-0.5 * z * z);
    }
  // Each column to unit L2 norm, then the octave weighting.
  for (int k = 0; k < n_fft; ++k) {
    double ss = 0;
    for (int c = 0; c < n_chroma; ++c) ss += w[c * n_fft + k] * w[c * n_fft + k];
    double len = std::sqrt(ss);
    if (len < std::numeric_limits<double>::min()) len = 1;
    double z = (frq[k] / n_chroma - ctroct) / octwidth;
    double oct = std::exp(-0.5 * z * z);
    for (int c = 0; c < n_chroma; ++c) w[c * n_fft + k] = w[c * n_fft + k] / len * oct;
  }
  // base_c: start at C, three bins above A.
  int bins = n_fft / 2 + 1, roll = 3 * (n_chroma / 12);
  std::vector<float> out(static_cast<size_t>(n_chroma) * bins);
  for (int c = 0; c < n_chroma; ++c)
    for (int k = 0; k < bins; ++k)
      out[static_cast<size_t>(c) * bins + k] = static_cast<float>(w[((c + roll) % n_chroma) * n_fft + k]);
  return out;
}

// scipy.signal.get_window("hann", n, fftbins=True): the periodic window.
std::vector<double> hann(int n) {
  auto fac = linspace(-pi, pi, n + 1);
  std::vector<double> w(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) w[i] = 0.5 + 0.5 * std::cos(fac[i]);
  return w;
}

// Index into a signal of length n for position i of numpy.pad: reflect
// (mirror, edge sample not repeated), edge (repeat), or -1 for zero.
enum class Pad { zeros, reflect, edge };
long pad_index(long i, long n, Pad mode) {
  if (i >= 0 && i < n) return i;
  if (mode == Pad::zeros) return -1;
  if (mode == Pad::edge || n == 1) return i < 0 ? 0 : n - 1;
  long period = 2 * (n - 1);
  long m = ((i % period) + period) % period;
  return m < n ? m : period - m;
}

// numpy's |z| for complex64 on AVX-512 machines: larger * sqrt(1 + (smaller/larger)^2)
// in float32 with a fused multiply-add (the float64 sum below rounds the same).
// Branch-free so the loop over a spectrogram vectorises.
inline float cabs32(float re, float im) {
  re = std::fabs(re);
  im = std::fabs(im);
  float larger = std::max(re, im), smaller = std::min(re, im);
  float ratio = smaller / (larger > 0 ? larger : 1.0f);
  float fma = static_cast<float>(static_cast<double>(ratio) * ratio + 1.0);
  return std::sqrt(fma) * larger;
}

// numpy.median of float32 values (the mean of the two middle ones, in float32).
float median32(std::vector<float> v) {
  size_t n = v.size(), h = n / 2;
  std::nth_element(v.begin(), v.begin() + h, v.end());
  float hi = v[h];
  if (n % 2) return hi;
  float lo = *std::max_element(v.begin(), v.begin() + h);
  return (lo + hi) / 2.0f;
}

// The spectrogram of a batch of equal-length clips: B x T x F, float32.
struct Spectra {
  int clips = 0, frames = 0, bins = 0;
  torch::Tensor mag;    // |STFT|
  torch::Tensor power;  // |STFT|^2
};

Spectra stft(const std::vector<const Clip*>& batch, const Settings& s, bool need_mag, bool need_power) {
  int B = static_cast<int>(batch.size());
  long L = static_cast<long>(batch[0]->samples.size());
  int n_fft = s.n_fft, half = n_fft / 2, bins = n_fft / 2 + 1;
  long Lp = L + 2L * half;
  int T = static_cast<int>(1 + (Lp - n_fft) / s.hop);
  Pad mode = s.reflect ? Pad::reflect : Pad::zeros;

  // Only the first and last frames touch the padding; the signal is framed in place.
  auto y = torch::empty({B, Lp}, torch::kDouble);
  for (int b = 0; b < B; ++b) {
    double* dst = y[b].data_ptr<double>();
    const float* src = batch[b]->samples.data();
    for (long i = 0; i < L; ++i) dst[half + i] = src[i];
    for (long i = 0; i < half; ++i) {
      long j = pad_index(i - half, L, mode), k = pad_index(L + i, L, mode);
      dst[i] = j < 0 ? 0.0 : src[j];
      dst[half + L + i] = k < 0 ? 0.0 : src[k];
    }
  }
  auto win_v = hann(n_fft);
  auto win = torch::from_blob(win_v.data(), {n_fft}, torch::kDouble).clone();
  auto framed = y.unfold(1, n_fft, s.hop);  // B x T x n_fft, a view

  Spectra out;
  out.clips = B, out.frames = T, out.bins = bins;
  if (need_mag) out.mag = torch::empty({B, T, bins}, torch::kFloat);
  if (need_power) out.power = torch::empty({B, T, bins}, torch::kFloat);
  // Chunks of frames keep the float64 work in cache.
  const int chunk = 64;
  int per_clip = (T + chunk - 1) / chunk;
  for (int64_t job = 0; job < static_cast<int64_t>(B) * per_clip; ++job) {
    int b = static_cast<int>(job / per_clip), t0 = static_cast<int>(job % per_clip) * chunk;
    int n = std::min(chunk, T - t0);
    // numpy: float64 window x float32 frames, FFT in float64, stored as complex64.
    auto spec = torch::fft::rfft(framed[b].narrow(0, t0, n) * win, c10::nullopt, -1).contiguous();
    const auto* z = reinterpret_cast<const double*>(spec.data_ptr());
    float* m = need_mag ? out.mag[b].data_ptr<float>() + static_cast<size_t>(t0) * bins : nullptr;
    float* p = need_power ? out.power[b].data_ptr<float>() + static_cast<size_t>(t0) * bins : nullptr;
    for (size_t i = 0, count = static_cast<size_t>(n) * bins; i < count; ++i) {
      float a = cabs32(static_cast<float>(z[2 * i]), static_cast<float>(z[2 * i + 1]));
      if (m) m[i] = a;
      if (p) p[i] = a * a;
    }
  }
  return out;
}

// librosa.power_to_db(S, ref=1, amin=1e-10, top_db) over one clip, in float32.
torch::Tensor power_to_db32(const torch::Tensor& s, double top_db) {
  auto db = torch::log10(torch::clamp_min(s, 1e-10f)) * 10.0f;
  return torch::maximum(db, db.max() - static_cast<float>(top_db));
}

// The same for float64 arrays (spectral contrast's peaks and valleys).
void power_to_db64(std::vector<double>& v, double top_db) {
  double mx = -std::numeric_limits<double>::infinity();
  for (double& x : v) {
    x = 10.0 * std::log10(std::max(1e-10, x));
    mx = std::max(mx, x);
  }
  for (double& x : v) x = std::max(x, mx - top_db);
}

// Fills one output matrix from a T x dims float tensor (transposed to dims x T).
Matrix from_frames(const torch::Tensor& tf) {
  auto c = tf.to(torch::kDouble).t().contiguous();
  Matrix m;
  m.dims = static_cast<int>(c.size(0));
  m.frames = static_cast<int>(c.size(1));
  m.v.assign(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
  return m;
}

Matrix rows(int dims, int frames) {
  Matrix m;
  m.dims = dims, m.frames = frames;
  m.v.assign(static_cast<size_t>(dims) * frames, 0.0);
  return m;
}

struct Band {
  int start, stop, q;  // bins [start, stop), q values averaged at each end
};

// spectral_contrast's octave bands over the FFT bins.
std::vector<Band> contrast_bands(const std::vector<double>& freq, const Settings& s) {
  std::vector<double> octa(static_cast<size_t>(s.n_bands) + 2, 0.0);
  for (int i = 1; i < s.n_bands + 2; ++i) octa[i] = s.contrast_fmin * std::pow(2.0, i - 1);
  std::vector<Band> bands;
  int n = static_cast<int>(freq.size());
  for (int k = 0; k <= s.n_bands; ++k) {
    std::vector<char> cur(static_cast<size_t>(n));
    int first = -1, last = -1;
    for (int i = 0; i < n; ++i) {
      cur[i] = freq[i] >= octa[k] && freq[i] <= octa[k + 1];
      if (cur[i]) last = i, first = first < 0 ? i : first;
    }
    if (first < 0) throw DataError("audio features: contrast band " + std::to_string(k + 1) +
                                   " holds no FFT bin; use a larger n_fft");
    if (k > 0 && first > 0) cur[first - 1] = 1;
    if (k == s.n_bands)
      for (int i = last + 1; i < n; ++i) cur[i] = 1;
    int start = -1, stop = 0, count = 0;
    for (int i = 0; i < n; ++i)
      if (cur[i]) start = start < 0 ? i : start, stop = i + 1, ++count;
    if (k < s.n_bands) --stop;
    int q = std::max(static_cast<int>(std::nearbyint(s.contrast_quantile * count)), 1);
    if (stop - start < 1) throw DataError("audio features: contrast band " + std::to_string(k + 1) + " is empty");
    bands.push_back({start, stop, std::min(q, stop - start)});
  }
  return bands;
}

std::string tab_hz(double hz) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g Hz", hz);
  return buf;
}

void check(const Settings& s, const std::vector<Feature>& which) {
  auto bad = [](const std::string& m) { throw DataError("audio features: " + m); };
  if (s.n_fft < 2) bad("n_fft must be at least 2, got " + std::to_string(s.n_fft));
  if (s.hop < 1) bad("hop must be at least 1, got " + std::to_string(s.hop));
  if (s.n_mels < 1) bad("n_mels must be at least 1");
  if (s.n_mfcc < 1 || s.n_mfcc > s.n_mels)
    bad("n_mfcc must be between 1 and n_mels (" + std::to_string(s.n_mels) + "), got " + std::to_string(s.n_mfcc));
  if (s.n_chroma < 1) bad("n_chroma must be at least 1");
  if (!(s.roll_percent > 0 && s.roll_percent < 1)) bad("roll_percent must lie between 0 and 1");
  if (s.n_bands < 1) bad("n_bands must be at least 1");
  if (!(s.contrast_quantile > 0 && s.contrast_quantile < 1)) bad("the contrast quantile must lie between 0 and 1");
  if (!(s.contrast_fmin > 0)) bad("the contrast fmin must be positive");
  if (s.top_db < 0) bad("top_db must not be negative");
  if (which.empty()) bad("no feature asked for");
}

}  // namespace

double estimate_tuning(const float* S, int T, int n_fft, double sr, int bins_per_octave) {
  // piptrack(S=power, fmin=150, fmax=4000, threshold=0.1): parabolic peaks per frame.
  int F = n_fft / 2 + 1;
  auto freq = fft_frequencies(sr, n_fft);
  double fmin = 150.0, fmax = std::min(4000.0, sr / 2);
  // Bins inside [fmin, fmax), and their neighbours for the local-maximum test.
  int lo = 1, hi = F - 2;
  while (lo <= hi && !(fmin <= freq[lo])) ++lo;
  while (hi >= lo && !(freq[hi] < fmax)) --hi;
  std::vector<float> pitches, mags;
  std::vector<float> x(static_cast<size_t>(F));
  for (int t = 0; t < T && lo <= hi; ++t) {
    const float* s = S + static_cast<size_t>(t) * F;
    float ref = 0.1f * *std::max_element(s, s + F);
    for (int k = lo - 1; k <= hi + 1; ++k) x[k] = s[k] > ref ? s[k] : 0.0f;
    for (int k = lo; k <= hi; ++k) {
      if (!(x[k] > x[k - 1] && x[k] >= x[k + 1])) continue;  // util.localmax
      // _parabolic_interpolation (numba: float32 sums, float64 quotient, stored as float32)
      double a = static_cast<double>(s[k + 1] + s[k - 1]) - 2.0 * static_cast<double>(s[k]);
      double b = static_cast<double>(s[k + 1] - s[k - 1]) / 2.0;
      float shift = std::fabs(b) >= std::fabs(a) ? 0.0f : static_cast<float>(-b / a);
      float avg = (s[k + 1] - s[k - 1]) / 2.0f;  // np.gradient
      float dskew = 0.5f * avg * shift;
      pitches.push_back(static_cast<float>((k + static_cast<double>(shift)) * sr / n_fft));
      mags.push_back(s[k] + dskew);
    }
  }
  // Only peaks at or above the median magnitude (every pitch found here is > 0).
  std::vector<float> kept;
  if (!pitches.empty()) {
    float thr = median32(mags);
    for (size_t i = 0; i < pitches.size(); ++i)
      if (mags[i] >= thr && pitches[i] > 0) kept.push_back(pitches[i]);
  }
  if (kept.empty()) return 0.0;
  // pitch_tuning(resolution=0.01): histogram of the distance to the nearest semitone (float32, as numpy).
  auto edges = linspace(-0.5, 0.5, 101);
  std::vector<long> counts(100, 0);
  for (float p : kept) {
    float octs = std::log2(p / 27.5f);
    float r = std::fmod(static_cast<float>(bins_per_octave) * octs, 1.0f);
    if (r < 0) r += 1.0f;
    if (r >= 0.5f) r -= 1.0f;
    double rd = r;
    if (rd < edges.front() || rd > edges.back()) continue;
    long i = std::upper_bound(edges.begin(), edges.end(), rd) - edges.begin() - 1;
    counts[static_cast<size_t>(std::min(i, 99L))]++;
  }
  return edges[static_cast<size_t>(std::max_element(counts.begin(), counts.end()) - counts.begin())];
}

double estimate_tuning(const Clip& clip, const Settings& s) {
  Settings one = s;
  check(one, {Feature::chroma});
  if (clip.samples.empty()) throw DataError("audio features: the clip is empty");
  torch::NoGradGuard no_grad;
  Spectra sp = stft({&clip}, one, true, false);
  return estimate_tuning(sp.mag[0].data_ptr<float>(), sp.frames, s.n_fft, clip.rate, s.n_chroma);
}

namespace {

// What every clip of one sample rate shares: bin frequencies and filter banks.
struct Shared {
  double sr = 0;
  std::vector<double> freq;  // FFT bin centres
  torch::Tensor mel_t;       // bins x n_mels
  torch::Tensor dct_t;       // n_mels x n_mfcc
  std::vector<Band> bands;   // spectral contrast
};

Shared shared_for(double sr, const Settings& s, bool mfcc, bool contrast) {
  Shared g;
  g.sr = sr;
  g.freq = fft_frequencies(sr, s.n_fft);
  int F = s.n_fft / 2 + 1;
  if (mfcc) {
    auto mb = mel_bank(sr, s.n_fft, s.n_mels);
    g.mel_t = torch::from_blob(mb.data(), {s.n_mels, F}, torch::kFloat).t().contiguous();
    auto dm = dct_matrix(s.n_mfcc, s.n_mels);
    g.dct_t = torch::from_blob(dm.data(), {s.n_mfcc, s.n_mels}, torch::kFloat).t().contiguous();
  }
  if (contrast) {
    // librosa: no band may start at or above Nyquist (the top one runs up to it).
    double top = s.contrast_fmin * std::pow(2.0, s.n_bands - 1);
    if (top >= 0.5 * sr)
      throw DataError("audio features: contrast band " + std::to_string(s.n_bands + 1) + " would start at " +
                      tab_hz(top) + ", at or above the Nyquist frequency (" + tab_hz(sr / 2) +
                      "); lower n_bands or fmin");
    g.bands = contrast_bands(g.freq, s);
  }
  return g;
}

// The features of one batch of equal-length clips at one rate.
void run_batch(const std::vector<const Clip*>& batch, std::vector<ClipFeatures*>& out,
               const std::vector<Feature>& which, const Settings& s, const Shared& g) {
  auto wants = [&](Feature f) { return std::find(which.begin(), which.end(), f) != which.end(); };
  bool need_power = wants(Feature::mfcc) || wants(Feature::chroma);
  bool need_mag = wants(Feature::centroid) || wants(Feature::rolloff) || wants(Feature::bandwidth) ||
                  wants(Feature::contrast);
  int B = static_cast<int>(batch.size()), F = s.n_fft / 2 + 1;
  int T = frame_count(batch[0]->samples.size(), s);
  const auto& freq = g.freq;
  Spectra sp;
  if (need_power || need_mag) sp = stft(batch, s, need_mag, need_power);

  // One product per clip, not one over the batch: a BLAS may pick another kernel
  // (and summation order) for another row count, and a clip's features must not
  // depend on the clips it was batched with.
  std::vector<torch::Tensor> mfcc;
  if (wants(Feature::mfcc))
    for (int b = 0; b < B; ++b)
      mfcc.push_back(torch::matmul(power_to_db32(torch::matmul(sp.power[b], g.mel_t), s.top_db), g.dct_t));
  std::map<double, torch::Tensor> chroma_banks;  // by tuning

  for (int b = 0; b < B; ++b) {
    ClipFeatures& cf = *out[b];
    cf.frames = T;
    const Clip& clip = *batch[b];
    const float* mag = need_mag ? sp.mag[b].data_ptr<float>() : nullptr;
    for (Feature f : which) {
      switch (f) {
        case Feature::mfcc: cf.features.push_back(from_frames(mfcc[b])); break;

        case Feature::chroma: {
          const float* pw = sp.power[b].data_ptr<float>();
          // chroma_stft estimates the tuning from its power spectrogram.
          double tuning = s.tuning ? *s.tuning : estimate_tuning(pw, T, s.n_fft, g.sr, s.n_chroma);
          cf.tuning = tuning;
          auto it = chroma_banks.find(tuning);
          if (it == chroma_banks.end()) {
            auto cb = chroma_bank(g.sr, s.n_fft, tuning, s.n_chroma);
            auto t = torch::from_blob(cb.data(), {s.n_chroma, F}, torch::kFloat).t().contiguous();
            it = chroma_banks.emplace(tuning, t).first;
          }
          auto raw = torch::matmul(sp.power[b], it->second).contiguous();  // T x n_chroma
          Matrix m = rows(s.n_chroma, T);
          const float* r = raw.data_ptr<float>();
          for (int t = 0; t < T; ++t) {
            // util.normalize(norm=inf): the frame's maximum, in float64; silent frames stay 0.
            double len = 0;
            for (int c = 0; c < s.n_chroma; ++c)
              len = std::max(len, static_cast<double>(std::fabs(r[t * s.n_chroma + c])));
            if (len < tiny32) len = 1;
            for (int c = 0; c < s.n_chroma; ++c)
              m.v[static_cast<size_t>(c) * T + t] = static_cast<float>(r[t * s.n_chroma + c] / len);
          }
          cf.features.push_back(std::move(m));
          break;
        }

        case Feature::centroid:
        case Feature::bandwidth: {
          // sum(freq * S / sum(S)) per frame, in float64 (librosa rounds S / sum(S) to
          // float32 first: a difference below 1e-7 of the value).
          Matrix m = rows(1, T);
          bool bw = f == Feature::bandwidth;
          for (int64_t t = 0; t < T; ++t) {
            const float* x = mag + t * F;
            double len = 0, c = 0;
            for (int k = 0; k < F; ++k) len += x[k], c += freq[k] * x[k];
            if (len < tiny32) len = 1;  // util.normalize(norm=1) leaves silent frames as they are
            c /= len;
            if (bw) {
              double acc = 0;
              for (int k = 0; k < F; ++k) acc += x[k] * (c - freq[k]) * (c - freq[k]);
              c = std::sqrt(acc / len);
            }
            m.v[t] = c;
          }
          cf.features.push_back(std::move(m));
          break;
        }

        case Feature::rolloff: {
          // The first bin where the float32 running sum (np.cumsum, bin by bin)
          // reaches roll_percent of the frame's total: discrete, so summed as numpy does.
          Matrix m = rows(1, T);
          float pct = static_cast<float>(s.roll_percent);
          {
            std::vector<float> cum(static_cast<size_t>(F));
            for (int64_t t = 0; t < T; ++t) {
              const float* x = mag + t * F;
              float acc = 0;
              for (int k = 0; k < F; ++k) cum[k] = acc += x[k];
              float thr = pct * cum[F - 1];
              int k = 0;
              while (k < F - 1 && cum[k] < thr) ++k;
              m.v[t] = freq[k];
            }
          }
          cf.features.push_back(std::move(m));
          break;
        }

        case Feature::contrast: {
          int nb = s.n_bands + 1;
          std::vector<double> peak(static_cast<size_t>(nb) * T), valley(peak.size());
          {
            std::vector<float> v;
            for (int64_t t = 0; t < T; ++t) {
              const float* x = mag + t * F;
              for (int k = 0; k < nb; ++k) {
                const Band& band = g.bands[k];
                v.assign(x + band.start, x + band.stop);
                std::sort(v.begin(), v.end());
                float lo = 0, hi = 0;  // np.mean in float32
                for (int i = 0; i < band.q; ++i) lo += v[i], hi += v[v.size() - band.q + i];
                valley[static_cast<size_t>(k) * T + t] = lo / static_cast<float>(band.q);
                peak[static_cast<size_t>(k) * T + t] = hi / static_cast<float>(band.q);
              }
            }
          }
          power_to_db64(peak, s.top_db);
          power_to_db64(valley, s.top_db);
          Matrix m = rows(nb, T);
          for (size_t i = 0; i < m.v.size(); ++i) m.v[i] = peak[i] - valley[i];
          cf.features.push_back(std::move(m));
          break;
        }

        case Feature::zcr: {
          // Edge padding; |y| <= 1e-10 counts as 0, which is positive (signbit false).
          Matrix m = rows(1, T);
          long L = static_cast<long>(clip.samples.size()), half = s.n_fft / 2;
          const float* y = clip.samples.data();
          auto neg = [&](long i) {
            float v = y[pad_index(i - half, L, Pad::edge)];
            return std::fabs(v) > 1e-10f && std::signbit(v);
          };
          for (int t = 0; t < T; ++t) {
            long s0 = static_cast<long>(t) * s.hop, n = 0;
            bool prev = neg(s0);
            for (long i = 1; i < s.n_fft; ++i) {
              bool cur = neg(s0 + i);
              n += cur != prev;
              prev = cur;
            }
            m.v[t] = static_cast<double>(n) / s.n_fft;
          }
          cf.features.push_back(std::move(m));
          break;
        }

        case Feature::rms: {
          Matrix m = rows(1, T);
          long L = static_cast<long>(clip.samples.size()), half = s.n_fft / 2;
          const float* y = clip.samples.data();
          Pad mode = s.reflect ? Pad::reflect : Pad::zeros;
          for (int t = 0; t < T; ++t) {
            long s0 = static_cast<long>(t) * s.hop;
            double acc = 0;
            for (long i = 0; i < s.n_fft; ++i) {
              long j = pad_index(s0 + i - half, L, mode);
              if (j < 0) continue;
              float v = y[j] * y[j];  // util.abs2 in float32
              acc += v;
            }
            m.v[t] = std::sqrt(static_cast<float>(acc / s.n_fft));
          }
          cf.features.push_back(std::move(m));
          break;
        }
      }
    }
  }
}

}  // namespace

std::vector<ClipFeatures> compute(const std::vector<Clip>& clips, const std::vector<Feature>& which,
                                  const Settings& s) {
  check(s, which);
  for (size_t i = 0; i < clips.size(); ++i) {
    if (clips[i].samples.empty()) throw DataError("audio features: clip " + std::to_string(i + 1) + " is empty");
    if (clips[i].rate < 1) throw DataError("audio features: clip " + std::to_string(i + 1) + " has no sample rate");
  }
  auto wants = [&](Feature f) { return std::find(which.begin(), which.end(), f) != which.end(); };

  // Clips of one rate and length share the framing and FFT; batches run side by
  // side on TBB's threads, each batch on one thread with one LibTorch thread, so
  // a clip's features are the same whatever the thread count.
  std::map<int, Shared> shared;
  std::map<std::pair<int, size_t>, std::vector<size_t>> groups;
  for (size_t i = 0; i < clips.size(); ++i) {
    groups[{clips[i].rate, clips[i].samples.size()}].push_back(i);
    if (!shared.count(clips[i].rate))
      shared[clips[i].rate] = shared_for(clips[i].rate, s, wants(Feature::mfcc), wants(Feature::contrast));
  }
  std::vector<std::vector<size_t>> batches;
  size_t per = static_cast<size_t>(std::max(1, s.batch));
  for (auto& [key, members] : groups)
    for (size_t first = 0; first < members.size(); first += per)
      batches.emplace_back(members.begin() + first, members.begin() + std::min(members.size(), first + per));

  std::vector<ClipFeatures> out(clips.size());
  tbb::parallel_for(size_t(0), batches.size(), [&](size_t j) {
    at::set_num_threads(1);  // per OS thread: TBB's workers start with OpenMP's default
    torch::NoGradGuard no_grad;  // grad mode is per thread, like the thread count
    std::vector<const Clip*> batch;
    std::vector<ClipFeatures*> dst;
    for (size_t i : batches[j]) batch.push_back(&clips[i]), dst.push_back(&out[i]);
    run_batch(batch, dst, which, s, shared.at(batch[0]->rate));
  });
  return out;
}

}  // namespace genre::audio
