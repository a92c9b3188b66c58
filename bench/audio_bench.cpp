// Clips per second for study S1's four features (MFCC 13, spectral centroid,
// chroma 12 with the tuning estimate, rolloff) on 30-s clips, one shared STFT
// per clip, on one thread and on every thread, with the peak memory, beside
// librosa 0.11's 0.29 s per clip for the same work (librosa-ref/SOURCE.md).
//
//   build-*/bench/audio_bench [clips]      (default 16)
//
// Reads the real GTZAN clips when GENRE_SHARED_DATA holds them, else makes
// 30-s clips of noise plus a chord (the cost does not depend on the content).
#include <sys/resource.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

#include "ops/audio/decode.h"
#include "ops/audio/features.h"
#include "runtime/core/threads.h"

namespace {

using genre::audio::Clip;
using genre::audio::Feature;

constexpr double librosa_s_per_clip = 0.29;  // librosa-ref/SOURCE.md, same machine type, one process

std::vector<Clip> clips(int n) {
  std::vector<Clip> out;
  std::string dir = std::string(GENRE_SHARED_DATA) + "/gtzan/audio";
  std::vector<std::string> files;
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec))
    for (auto& e : std::filesystem::directory_iterator(dir, ec))
      if (genre::audio::is_audio_file(e.path().string())) files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  std::mt19937 rng(7);
  std::normal_distribution<float> noise(0, 0.05f);
  for (int i = 0; i < n; ++i) {
    Clip c;
    if (!files.empty()) {
      auto d = genre::audio::decode(files[i % files.size()], files[i % files.size()]);
      c.samples = std::move(d.samples);
      c.samples.resize(661500);  // 30 s at 22050 Hz, as in librosa's timing
      c.rate = d.rate;
    } else {
      c.rate = 22050;
      c.samples.resize(661500);
      for (size_t t = 0; t < c.samples.size(); ++t) {
        double s = t / 22050.0;
        c.samples[t] = static_cast<float>(0.2 * (std::sin(2 * M_PI * 261.63 * s) + std::sin(2 * M_PI * 329.63 * s) +
                                                 std::sin(2 * M_PI * 392.0 * s))) + noise(rng);
      }
    }
    out.push_back(std::move(c));
  }
  if (!files.empty()) std::printf("clips: %d x 30 s, cut from the GTZAN clips in %s\n", n, dir.c_str());
  else std::printf("clips: %d x 30 s, generated (no GTZAN clips found)\n", n);
  return out;
}

double seconds_per_clip(const std::vector<Clip>& cs) {
  genre::audio::Settings s;
  if (getenv("AUDIO_BATCH")) s.batch = std::atoi(getenv("AUDIO_BATCH"));
  std::vector<Feature> which = {Feature::mfcc, Feature::centroid, Feature::chroma, Feature::rolloff};
  genre::audio::compute({cs.front()}, which, s);  // warm-up (allocators, FFT plans)
  double best = 1e9;
  for (int rep = 0; rep < 3; ++rep) {
    auto t0 = std::chrono::steady_clock::now();
    auto f = genre::audio::compute(cs, which, s);
    double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (f.size() != cs.size()) std::abort();
    best = std::min(best, dt / static_cast<double>(cs.size()));
  }
  return best;
}

// Clips are spread over `threads` TBB threads, as a run with --threads does.
double seconds_per_clip(const std::vector<Clip>& cs, int threads) {
  tbb::task_arena arena(threads);
  return arena.execute([&] { return seconds_per_clip(cs); });
}

void row(const char* what, double spc) {
  std::printf("%-22s %8.1f ms/clip %8.1f clips/s   %5.1fx librosa (%.0f ms/clip)\n", what, spc * 1e3, 1.0 / spc,
              librosa_s_per_clip / spc, librosa_s_per_clip * 1e3);
}

}  // namespace

int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 16;
  if (n < 1) n = 1;
  int only = argc > 2 ? std::atoi(argv[2]) : 0;  // just this many threads
  auto cs = clips(n);
  std::printf("features: mfcc(13) + centroid + chroma(12, tuning estimated) + rolloff; n_fft 2048, hop 512\n");
  if (only > 0) {
    row((std::to_string(only) + " thread(s)").c_str(), seconds_per_clip(cs, only));
    return 0;
  }
  double one = seconds_per_clip(cs, 1);
  row("1 thread", one);
  int all = genre::hardware_threads();
  double many = seconds_per_clip(cs, all);
  row((std::to_string(all) + " threads").c_str(), many);
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("peak memory (max RSS): %.0f MiB (the %d decoded clips hold %.0f MiB)\n", ru.ru_maxrss / 1024.0, n,
              n * 661500 * 4 / 1048576.0);
  std::printf("target: <= 29 ms/clip on 1 thread: %s\n", one <= 0.029 ? "met" : "NOT met");
  return 0;
}
