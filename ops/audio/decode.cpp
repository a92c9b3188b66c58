#include "ops/audio/decode.h"

#include <sndfile.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <memory>

#include "runtime/value.h"

namespace genre::audio {

bool is_audio_file(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* e : {".wav", ".au", ".aif", ".aiff", ".flac", ".ogg", ".mp3"})
    if (ext == e) return true;
  return false;
}

Decoded decode(const std::string& path, const std::string& shown) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw DataError(shown + ": file not found");
  SF_INFO info{};
  SNDFILE* raw = sf_open(path.c_str(), SFM_READ, &info);
  if (!raw) throw DataError(shown + ": cannot read as audio (" + sf_strerror(nullptr) + ")");
  std::unique_ptr<SNDFILE, int (*)(SNDFILE*)> f(raw, sf_close);
  if (info.channels < 1 || info.samplerate < 1) throw DataError(shown + ": no audio channels in the file");
  if (info.frames <= 0) throw DataError(shown + ": the file holds no samples");

  // libsndfile scales integer PCM to [-1, 1) (x / 32768 for 16 bits), as soundfile does for librosa.
  Decoded d;
  d.rate = info.samplerate;
  d.channels = info.channels;
  const sf_count_t chunk = 65536;
  std::vector<float> buf(static_cast<size_t>(chunk * info.channels));
  d.samples.reserve(static_cast<size_t>(info.frames));
  for (;;) {
    sf_count_t n = sf_readf_float(f.get(), buf.data(), chunk);
    if (n <= 0) break;
    if (info.channels == 1) {
      d.samples.insert(d.samples.end(), buf.begin(), buf.begin() + n);
      continue;
    }
    // librosa.to_mono: np.mean over channels, in float32.
    for (sf_count_t i = 0; i < n; ++i) {
      float s = 0;
      for (int c = 0; c < info.channels; ++c) s += buf[static_cast<size_t>(i * info.channels + c)];
      d.samples.push_back(s / static_cast<float>(info.channels));
    }
  }
  if (sf_error(f.get()) != SF_ERR_NO_ERROR)
    throw DataError(shown + ": cannot decode (" + sf_strerror(f.get()) + ")");
  if (d.samples.empty()) throw DataError(shown + ": the file holds no samples");
  return d;
}

}  // namespace genre::audio
