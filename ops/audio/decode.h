// Reading an audio file into mono float samples at the file's own rate
// (libsndfile: WAV, AU, AIFF, FLAC, OGG, MP3). Resampling comes later.
#pragma once
#include <string>
#include <vector>

namespace genre::audio {

struct Decoded {
  std::vector<float> samples;  // mono: the mean of the channels, as librosa.load(mono=True)
  int rate = 0;                // samples per second
  int channels = 0;            // in the file
};

// `shown` names the file in errors. Throws DataError for a missing, unreadable
// or empty file.
Decoded decode(const std::string& path, const std::string& shown);

// True for the extensions libsndfile reads (.wav .au .aif .aiff .flac .ogg .mp3), any case.
bool is_audio_file(const std::string& path);

}  // namespace genre::audio
