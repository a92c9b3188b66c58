#include "ops/audio/tempo.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <string>

#include "runtime/core/value.h"

namespace genre::audio {

namespace {

using cplx = std::complex<double>;

// In-place iterative radix-2 FFT (n a power of two).
void fft(std::vector<cplx>& a) {
  size_t n = a.size();
  for (size_t i = 1, j = 0; i < n; ++i) {
    size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(a[i], a[j]);
  }
  for (size_t len = 2; len <= n; len <<= 1) {
    cplx w(std::cos(-2 * M_PI / len), std::sin(-2 * M_PI / len));
    for (size_t i = 0; i < n; i += len) {
      cplx wk(1);
      for (size_t k = 0; k < len / 2; ++k, wk *= w) {
        cplx u = a[i + k], v = a[i + k + len / 2] * wk;
        a[i + k] = u + v;
        a[i + k + len / 2] = u - v;
      }
    }
  }
}

// Slaney's mel scale (librosa's default, htk=False).
double hz_to_mel(double hz) {
  const double f_sp = 200.0 / 3, min_log_hz = 1000, min_log_mel = min_log_hz / f_sp, logstep = std::log(6.4) / 27;
  return hz < min_log_hz ? hz / f_sp : min_log_mel + std::log(hz / min_log_hz) / logstep;
}
double mel_to_hz(double mel) {
  const double f_sp = 200.0 / 3, min_log_hz = 1000, min_log_mel = min_log_hz / f_sp, logstep = std::log(6.4) / 27;
  return mel < min_log_mel ? mel * f_sp : min_log_hz * std::exp(logstep * (mel - min_log_mel));
}

// librosa.filters.mel(sr, n_fft, n_mels, fmin=0, fmax=sr/2, norm="slaney"): n_mels x bins.
std::vector<std::vector<double>> mel_filters(int rate, int n_fft, int n_mels) {
  int bins = n_fft / 2 + 1;
  std::vector<double> f(n_mels + 2);
  double lo = hz_to_mel(0), hi = hz_to_mel(rate / 2.0);
  for (int i = 0; i < n_mels + 2; ++i) f[i] = mel_to_hz(lo + (hi - lo) * i / (n_mels + 1));
  std::vector<std::vector<double>> w(n_mels, std::vector<double>(bins, 0));
  for (int m = 0; m < n_mels; ++m) {
    double enorm = 2 / (f[m + 2] - f[m]);
    for (int k = 0; k < bins; ++k) {
      double hz = static_cast<double>(rate) * k / n_fft;
      double lower = (hz - f[m]) / (f[m + 1] - f[m]), upper = (f[m + 2] - hz) / (f[m + 2] - f[m + 1]);
      w[m][k] = std::max(0.0, std::min(lower, upper)) * enorm;
    }
  }
  return w;
}

}  // namespace

std::vector<double> onset_strength(const std::vector<float>& y, int rate, const TempoSettings& s) {
  int n = s.n_fft;
  if (n < 2 || (n & (n - 1))) throw DataError("tempo: n_fft must be a power of two, got " + std::to_string(n));
  if (s.hop < 1) throw DataError("tempo: hop must be at least 1");
  if (y.empty()) throw DataError("tempo: the clip is empty");
  // Centred frames over zero padding (librosa >= 0.10), periodic Hann window.
  std::vector<double> padded(y.size() + n, 0.0), window(n);
  std::copy(y.begin(), y.end(), padded.begin() + n / 2);
  for (int i = 0; i < n; ++i) window[i] = 0.5 - 0.5 * std::cos(2 * M_PI * i / n);
  size_t frames = 1 + y.size() / s.hop;
  auto mel = mel_filters(rate, n, s.n_mels);
  std::vector<std::pair<int, int>> span(s.n_mels, {0, -1});  // each filter's non-zero bins: 20x fewer products
  for (int m = 0; m < s.n_mels; ++m)
    for (int k = 0; k <= n / 2; ++k)
      if (mel[m][k] != 0) {
        if (span[m].second < 0) span[m].first = k;
        span[m].second = k;
      }
  std::vector<std::vector<double>> db(frames, std::vector<double>(s.n_mels));
  std::vector<cplx> buf(n);
  std::vector<double> power(n / 2 + 1);
  double peak = -std::numeric_limits<double>::infinity();
  for (size_t t = 0; t < frames; ++t) {
    for (int i = 0; i < n; ++i) buf[i] = padded[t * s.hop + i] * window[i];
    fft(buf);
    for (int k = 0; k <= n / 2; ++k) power[k] = std::norm(buf[k]);
    for (int m = 0; m < s.n_mels; ++m) {
      double e = 0;
      for (int k = span[m].first; k <= span[m].second; ++k) e += mel[m][k] * power[k];
      db[t][m] = 10 * std::log10(std::max(1e-10, e));  // power_to_db, ref 1.0
      peak = std::max(peak, db[t][m]);
    }
  }
  for (auto& row : db)
    for (auto& v : row) v = std::max(v, peak - 80);  // top_db 80

  // Mean positive change from the previous frame (lag 1), shifted right by
  // lag + n_fft / (2 hop) frames to undo the framing, cut to the frame count.
  size_t shift = 1 + static_cast<size_t>(n / (2 * s.hop));
  std::vector<double> onset(frames, 0.0);
  for (size_t t = 1; t < frames && t - 1 + shift < frames; ++t) {
    double sum = 0;
    for (int m = 0; m < s.n_mels; ++m) sum += std::max(0.0, db[t][m] - db[t - 1][m]);
    onset[t - 1 + shift] = sum / s.n_mels;
  }
  return onset;
}

double tempo(const std::vector<double>& onset, int rate, const TempoSettings& s) {
  if (!(s.start_bpm > 0)) throw DataError("tempo: start_bpm must be above 0");
  size_t win = static_cast<size_t>(static_cast<long long>(s.ac_size * rate) / s.hop);  // time_to_frames
  if (win < 2) throw DataError("tempo: ac_size is shorter than two frames");
  size_t n = onset.size();
  if (n == 0) throw DataError("tempo: no onset frames");
  // Centred windows: the envelope padded by win/2 each side with linear ramps
  // from 0 to its edge values (numpy's linear_ramp).
  size_t half = win / 2;
  std::vector<double> x(n + 2 * half);
  for (size_t i = 0; i < half; ++i) {
    x[i] = onset.front() * static_cast<double>(i) / half;
    x[n + 2 * half - 1 - i] = onset.back() * static_cast<double>(i) / half;
  }
  std::copy(onset.begin(), onset.end(), x.begin() + half);
  std::vector<double> hann(win), frame(win), mean(win, 0.0), ac(win);
  for (size_t i = 0; i < win; ++i) hann[i] = 0.5 - 0.5 * std::cos(2 * M_PI * i / win);
  for (size_t t = 0; t < n; ++t) {
    for (size_t i = 0; i < win; ++i) frame[i] = x[t + i] * hann[i];
    double top = 0;
    for (size_t k = 0; k < win; ++k) {
      double r = 0;
      for (size_t i = 0; i + k < win; ++i) r += frame[i] * frame[i + k];
      ac[k] = r;
      top = std::max(top, std::fabs(r));
    }
    if (top < std::numeric_limits<float>::min()) top = 1;  // util.normalize leaves a silent frame as it is
    for (size_t k = 0; k < win; ++k) mean[k] += ac[k] / top;
  }
  // argmax over lags of log1p(1e6 * tempogram) + log-normal prior; lag 0 and tempi >= max_tempo excluded.
  double best = -std::numeric_limits<double>::infinity();
  size_t lag = 0;
  for (size_t k = 1; k < win; ++k) {
    double bpm = 60.0 * rate / (static_cast<double>(s.hop) * k);
    if (bpm >= s.max_tempo) continue;
    double prior = -0.5 * std::pow((std::log2(bpm) - std::log2(s.start_bpm)) / s.std_bpm, 2);
    double score = std::log1p(1e6 * mean[k] / static_cast<double>(n)) + prior;
    if (score > best) best = score, lag = k;
  }
  if (lag == 0) throw DataError("tempo: no tempo below max_tempo fits in the autocorrelation window");
  return 60.0 * rate / (static_cast<double>(s.hop) * lag);
}

}  // namespace genre::audio
