#include "ops/audio/decode.h"

#include <sndfile.h>
#include <soxr.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "runtime/core/value.h"

namespace genre::audio {

bool is_audio_file(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* e : {".wav", ".au", ".aif", ".aiff", ".flac", ".ogg", ".mp3"})
    if (ext == e) return true;
  return false;
}

namespace {

// libsndfile reads a cut-off WAV or AIFF without complaint, shortening it to
// what is there, but its log keeps the header's promise: "data : 44100
// (should be 22028)". A file that lost part of its audio is damaged, not short.
std::string truncation(SNDFILE* f) {
  char log[8192] = {};
  sf_command(f, SFC_GET_LOG_INFO, log, sizeof log);
  std::istringstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    size_t start = line.find_first_not_of(' ');
    if (start == std::string::npos) continue;
    line = line.substr(start);
    if (line.rfind("data", 0) != 0 && line.rfind("SSND", 0) != 0) continue;
    long long said = 0, is = 0;
    if (std::sscanf(line.c_str() + 4, " : %lld (should be %lld)", &said, &is) == 2 && is < said)
      return "truncated: the header promises " + std::to_string(said) + " bytes of audio, the file holds " +
             std::to_string(is);
  }
  return "";
}

}  // namespace

std::vector<float> resample(const std::vector<float>& y, int from, int to, const std::string& shown) {
  if (from == to || y.empty()) return y;
  auto fail = [&](const char* why) {
    return DataError(fmt::format("{}: cannot resample from {} to {} Hz (libsoxr: {})", shown, from, to, why));
  };
  // librosa.resample(res_type="soxr_hq") calls python-soxr's resample(), which makes this resampler:
  // float32 in and out, soxr_quality_spec(SOXR_HQ, 0), one thread. HQ is libsoxr's single-precision
  // engine (SSE on every x86-64), so the samples do not depend on the CPU.
  soxr_error_t err = nullptr;
  soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
  soxr_quality_spec_t quality = soxr_quality_spec(SOXR_HQ, 0);
  soxr_runtime_spec_t runtime = soxr_runtime_spec(1);
  std::unique_ptr<soxr, void (*)(soxr_t)> s(soxr_create(from, to, 1, &err, &io, &quality, &runtime), soxr_delete);
  if (err || !s) throw fail(err ? err : "cannot create the resampler");
  // Fed as python-soxr feeds it: chunks of 48000 * from / to samples into int(n * to / from) + 1
  // slots, then a flush.
  const size_t n = y.size();
  const size_t slots = static_cast<size_t>(static_cast<double>(n) * to / from + 1);
  const size_t chunk = static_cast<size_t>(48000.0 * from / to);
  std::vector<float> out(slots);
  size_t at = 0, done = 0;
  for (size_t i = 0; i < n; i += chunk) {
    if ((err = soxr_process(s.get(), y.data() + i, std::min(chunk, n - i), nullptr, out.data() + at, slots - at, &done)))
      throw fail(err);
    at += done;
  }
  if ((err = soxr_process(s.get(), nullptr, 0, nullptr, out.data() + at, slots - at, &done))) throw fail(err);
  at += done;
  // librosa.util.fix_length: exactly ceil(n * to / from) samples, zeros past what soxr gave.
  out.resize(at);
  out.resize(static_cast<size_t>(std::ceil(static_cast<double>(n) * to / from)), 0.0f);
  return out;
}

Decoded decode(const std::string& path, const std::string& shown, const Load& how) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw DataError(shown + ": file not found");
  if (std::filesystem::file_size(path, ec) == 0 && !ec) throw DataError(shown + ": the file is empty (0 bytes)");
  SF_INFO info{};
  SNDFILE* raw = sf_open(path.c_str(), SFM_READ, &info);
  if (!raw) throw DataError(shown + ": cannot read as audio (" + sf_strerror(nullptr) + ")");
  std::unique_ptr<SNDFILE, int (*)(SNDFILE*)> f(raw, sf_close);
  if (info.channels < 1) throw DataError(shown + ": no audio channels in the file");
  // Telephone audio is 8 kHz, studio masters reach 768 kHz. A header outside that is damaged,
  // and believing it would make clip: 30 ask for 30 s of a 2 GHz signal.
  if (info.samplerate < 1000 || info.samplerate > 768000)
    throw DataError(fmt::format("{}: the header's sample rate, {} Hz, is outside 1000-768000 Hz: the file is damaged", shown,
                                info.samplerate));
  if (info.frames <= 0) throw DataError(shown + ": the file holds no samples");
  std::string cut = truncation(f.get());
  if (!cut.empty()) throw DataError(shown + ": " + cut);

  // The window in the file's own samples, as librosa.load reads it before resampling.
  sf_count_t start = static_cast<sf_count_t>(std::llround(how.offset * info.samplerate));
  sf_count_t left = info.frames;
  if (how.clip) left = static_cast<sf_count_t>(std::llround(*how.clip * info.samplerate));
  bool short_file = how.clip && start + left > info.frames;
  Decoded d;
  d.file_rate = info.samplerate;
  d.rate = how.rate > 0 ? how.rate : info.samplerate;
  d.channels = info.channels;
  if (start >= info.frames) left = 0;
  else if (start > 0 && sf_seek(f.get(), start, SEEK_SET) < 0)
    throw DataError(shown + ": cannot seek to " + std::to_string(how.offset) + " s (" + sf_strerror(f.get()) + ")");

  // libsndfile scales integer PCM to [-1, 1) (x / 32768 for 16 bits), as soundfile does for librosa.
  // 64k samples a read whatever the channel count (a header may claim libsndfile's 1024).
  const sf_count_t chunk = std::max<sf_count_t>(1, 65536 / info.channels);
  std::vector<float> buf(static_cast<size_t>(chunk * info.channels));
  // The header's frame count is a claim (found by audio_fuzz: 42 bytes of FLAC claiming 67
  // billion frames asked for 268 GB here): reserve at most 4M samples, grow as samples arrive.
  d.samples.reserve(static_cast<size_t>(std::min({left, info.frames, sf_count_t(1) << 22})));
  while (left > 0) {
    sf_count_t n = sf_readf_float(f.get(), buf.data(), std::min(chunk, left));
    if (n <= 0) break;
    left -= n;
    if (info.channels == 1) {
      d.samples.insert(d.samples.end(), buf.begin(), buf.begin() + n);
      continue;
    }
    if (how.channel >= 0) {  // the one asked for (a mono file's one channel was taken above)
      size_t c = static_cast<size_t>(how.channel);
      for (sf_count_t i = 0; i < n; ++i) d.samples.push_back(buf[static_cast<size_t>(i * info.channels) + c]);
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
  // A float file can hold NaN or infinity: every feature of the clip would be NaN or inf.
  auto odd = std::find_if(d.samples.begin(), d.samples.end(), [](float s) { return !std::isfinite(s); });
  if (odd != d.samples.end()) {
    auto i = static_cast<size_t>(odd - d.samples.begin()) + static_cast<size_t>(start);
    throw DataError(fmt::format("{}: sample {} (at {:.3f} s) is {}: not a sound level; the file is damaged", shown, i + 1,
                                double(i) / info.samplerate, std::isnan(*odd) ? "NaN" : "infinite"));
  }
  if (d.samples.empty() && !how.clip) {
    if (start > 0) throw DataError(shown + ": offset " + std::to_string(how.offset) + " s is past the end of the file");
    throw DataError(shown + ": the file holds no samples");
  }
  d.samples = resample(d.samples, d.file_rate, d.rate, shown);
  if (how.clip) {
    // librosa.util.fix_length: cut or pad with zeros to exactly clip seconds.
    size_t want = static_cast<size_t>(std::llround(*how.clip * d.rate));
    d.padded = short_file;
    d.samples.resize(want, 0.0f);
  }
  return d;
}

}  // namespace genre::audio
