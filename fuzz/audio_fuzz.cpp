// libFuzzer entry for the audio decoder wrapper (ops/audio/decode.cpp over
// libsndfile and libsoxr): any bytes must decode or give a DataError;
// anything else (a crash, a sanitizer report, another exception, a hang) is a
// bug. The first byte picks the window, the rate and the channel as a script's
// audio_features options would. Built in the sanitizer tree (see csv_fuzz.cpp).
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_input.h"
#include "ops/audio/decode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t o = data[0];
  genre::audio::Load how;
  how.rate = (o & 3) == 3 ? 8000 : 0;  // resampling is slow: one input in four
  how.offset = (o & 4) ? 0.01 : 0;
  if (o & 8) how.clip = (o & 16) ? 0.05 : 0.002;
  how.channel = (o >> 5) % 3 - 1;  // mean, left, right (audio_features' mono:)
  std::string path = genre::fuzz::input_file(data + 1, size - 1, ".wav");
  try {
    auto d = genre::audio::decode(path, "fuzz.wav", how);
    if (d.rate < 1 || d.channels < 1 || d.file_rate < 1) __builtin_trap();
    if (how.clip && d.samples.size() != size_t(std::llround(*how.clip * d.rate))) __builtin_trap();
    for (float s : d.samples)
      if (!std::isfinite(s)) __builtin_trap();
  } catch (const genre::DataError&) {
  }
  return 0;
}
