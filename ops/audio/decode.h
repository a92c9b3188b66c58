// Reading an audio file into mono float samples (libsndfile: WAV, AU, AIFF,
// FLAC, OGG, MP3), optionally cut to a window and resampled (libsoxr, HQ),
// as librosa.load(path, sr=rate, mono=True, offset=..., duration=...) does.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace genre::audio {

// What part of a file to read, and at which rate. Every number comes from the script.
struct Load {
  int rate = 0;                  // samples per second wanted; 0 keeps the file's own
  double offset = 0;             // seconds skipped at the start
  std::optional<double> clip;    // seconds kept; a shorter file is padded with zeros
  int channel = -1;              // -1: the mean of the channels (librosa.to_mono); else this one
};

struct Decoded {
  std::vector<float> samples;  // mono: the mean of the channels, as librosa.load(mono=True), or Load::channel
  int rate = 0;                // samples per second (the wanted rate, else the file's)
  int file_rate = 0;           // samples per second in the file
  int channels = 0;            // in the file
  bool padded = false;         // the file ended before offset + clip: zeros were added
};

// `shown` names the file in errors. Throws DataError for a missing,
// unreadable, empty or truncated file (its header promises more audio than it holds).
Decoded decode(const std::string& path, const std::string& shown, const Load& how = {});

// `y` at `from` Hz resampled to `to` Hz as librosa.resample(res_type="soxr_hq"), librosa.load's
// default, does it: libsoxr's HQ filter, then cut or padded to ceil(size * to / from) samples.
std::vector<float> resample(const std::vector<float>& y, int from, int to, const std::string& shown);

// True for the extensions libsndfile reads (.wav .au .aif .aiff .flac .ogg .mp3), any case.
bool is_audio_file(const std::string& path);

}  // namespace genre::audio
