// Global tempo as librosa 0.11's librosa.feature.tempo (beat.tempo) gives it
// with its defaults: onset strength (mean positive difference of the log-mel
// spectrogram), a windowed autocorrelation tempogram averaged over the clip,
// weighted by a log-normal prior around 120 BPM. Plain C++: one clip at a time.
//
// The answer is one of the tempogram's lag bins, 60 * rate / (hop * lag) BPM,
// as in librosa (no interpolation): at 22050 Hz and hop 512 the bins near 120
// BPM are 117.5 and 123.0.
#pragma once
#include <vector>

namespace genre::audio {

// librosa's defaults; every one can be set by a script.
struct TempoSettings {
  int n_fft = 2048;         // mel spectrogram of the onset strength
  int hop = 512;
  int n_mels = 128;
  double start_bpm = 120;   // centre of the prior
  double std_bpm = 1;       // its width in octaves
  double ac_size = 8;       // autocorrelation window, seconds
  double max_tempo = 320;   // BPM above this are never chosen
};

// librosa.onset.onset_strength(y=samples, sr=rate, n_fft, hop_length): one value per frame.
std::vector<double> onset_strength(const std::vector<float>& samples, int rate, const TempoSettings& s);

// librosa.feature.tempo(onset_envelope=onset, sr=rate, hop_length) in BPM.
double tempo(const std::vector<double>& onset, int rate, const TempoSettings& s);

}  // namespace genre::audio
