// The audio_features op end to end (listing, decoding, study S1's four features: MFCC 13,
// spectral centroid, chroma 12 with the tuning estimate, rolloff; n_fft 2048, hop 512; the
// table of means and variances) on one thread, over N 30-s clips, beside the real librosa 0.11
// on the same files in the same run (bench/audio_bench.py, each feature with its own STFT as the
// study computed them). Then the op on every thread, and its peak memory.
//
//   build/bench/audio_bench [clips] [--malloc-default]   (default 120 clips; the flag: without
//   genre's allocator setting, runtime/core/threads.h's keep_freed_memory, to see what it buys)
//   build/bench/audio_bench --memory N1 N2   the op's peak RSS over N1 and over N2 clips (each in
//   a process of its own, every thread, no librosa) and their ratio (issue 15: flat in corpus size)
//
// The clips are GTZAN's (../shared/data/gtzan/audio), linked over and over into a temp folder;
// without them, generated 30-s clips (noise plus a chord). librosa comes from
// ../shared/peers/librosa-0.11.0 (its README says what Debian packages it needs); without it no
// ratio is printed.
#include <sndfile.h>
#include <sys/resource.h>
#include <tbb/task_arena.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "ops/audio/decode.h"
#include "runtime/core/op.h"
#include "runtime/core/threads.h"

namespace fs = std::filesystem;

namespace {

const std::string shared = GENRE_SHARED_DATA;
const std::string peer = std::string(GENRE_SOURCE_DIR) + "/../shared/peers/librosa-0.11.0";

// Six source clips: GTZAN's, else generated ones written as 16-bit WAV.
std::vector<fs::path> sources(const fs::path& tmp) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (auto& e : fs::directory_iterator(shared + "/gtzan/audio", ec))
    if (genre::audio::is_audio_file(e.path().string())) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  if (!files.empty()) {
    std::printf("clips: GTZAN's %zu 30-s clips (%s), each used over and over\n", files.size(), (shared + "/gtzan/audio").c_str());
    return files;
  }
  std::mt19937 rng(7);
  std::normal_distribution<float> noise(0, 0.05f);
  for (int k = 0; k < 6; ++k) {
    std::vector<float> x(661500);
    for (size_t t = 0; t < x.size(); ++t) {
      double s = double(t) / 22050.0, f = 261.63 * (1 + 0.1 * k);
      x[t] = float(0.2 * (std::sin(2 * M_PI * f * s) + std::sin(2 * M_PI * 1.26 * f * s))) + noise(rng);
    }
    SF_INFO info{};
    info.samplerate = 22050, info.channels = 1, info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
    fs::path p = tmp / ("source" + std::to_string(k) + ".wav");
    SNDFILE* f = sf_open(p.c_str(), SFM_WRITE, &info);
    if (!f) std::abort();
    sf_write_float(f, x.data(), sf_count_t(x.size()));
    sf_close(f);
    files.push_back(p);
  }
  std::printf("clips: generated 30-s clips (no GTZAN clips in %s)\n", (shared + "/gtzan/audio").c_str());
  return files;
}

// `n` clips in dir/genre/, hard links to the sources in turn.
std::vector<fs::path> folder(const fs::path& dir, const std::vector<fs::path>& src, size_t n) {
  fs::create_directories(dir / "genre");
  std::vector<fs::path> out;
  for (size_t i = 0; i < n; ++i) {
    fs::path p = dir / "genre" / ("clip" + std::to_string(i) + ".wav");
    std::error_code ec;
    fs::create_hard_link(src[i % src.size()], p, ec);
    if (ec) fs::copy_file(src[i % src.size()], p);
    out.push_back(p);
  }
  return out;
}

double op_seconds(const fs::path& dir, int threads) {
  genre::OpContext ctx;
  ctx.params = {{"path", dir.string()}, {"features", {"mfcc", "centroid", "chroma", "rolloff"}}};
  ctx.script_dir = "/";
  const genre::OpFn* op = genre::find_op("audio_features");
  tbb::task_arena arena(threads);
  auto t0 = std::chrono::steady_clock::now();
  genre::Value v = arena.execute([&] { return (*op)(ctx); });
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto& t = std::get<genre::Table>(v);
  for (auto& e : t.column("error").text)
    if (!e.empty()) std::fprintf(stderr, "a clip failed: %s\n", e.c_str()), std::exit(1);
  return s;
}

// Min and median of three.
std::pair<double, double> three(const std::function<double()>& f) {
  std::vector<double> t = {f(), f(), f()};
  std::sort(t.begin(), t.end());
  return {t[0], t[1]};
}

// librosa on the files, one thread; -1 when it cannot run here.
double librosa_seconds(const std::vector<fs::path>& files) {
  if (!fs::is_directory(peer)) return -1;
  std::string cmd = "cd /tmp && OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=" +
                    peer + ":" + peer + "/shims /usr/bin/python3 " + GENRE_SOURCE_DIR + "/bench/audio_bench.py";
  for (auto& f : files) cmd += " " + f.string();
  std::FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return -1;
  char line[4096];
  double secs = -1;
  size_t n = 0;
  std::string all;
  while (std::fgets(line, sizeof line, p)) {
    all += line;
    if (std::sscanf(line, "librosa %lf %zu", &secs, &n) == 2 && n == files.size()) break;
  }
  if (::pclose(p) != 0 || n != files.size()) {
    std::printf("librosa did not run (%s): no ratio\n", all.substr(0, 300).c_str());
    return -1;
  }
  return secs;
}

}  // namespace

// The peak RSS of a process that runs the op once over n clips on every thread, in MiB.
double rss_of(size_t n) {
  genre::keep_freed_memory();
  genre::register_all();
  fs::path tmp = fs::temp_directory_path() / ("audio_bench-" + std::to_string(::getpid()));
  fs::create_directories(tmp);
  folder(tmp / "clips", sources(tmp), n);
  op_seconds(tmp / "clips", genre::hardware_threads());
  fs::remove_all(tmp);
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_maxrss) / 1024.0;
}

int memory(char** argv) {
  double rss[2];
  for (int k = 0; k < 2; ++k) {
    std::string cmd = fs::read_symlink("/proc/self/exe").string() + " --rss-of " + argv[k];  // this program
    std::FILE* p = ::popen(cmd.c_str(), "r");
    char line[256];
    rss[k] = -1;
    while (p && std::fgets(line, sizeof line, p)) std::sscanf(line, "rss %lf", &rss[k]);
    if (!p || ::pclose(p) != 0 || rss[k] < 0) return std::fprintf(stderr, "audio_bench: the %s-clip run failed\n", argv[k]), 1;
    std::printf("audio_features op over %s clips, every thread: peak RSS %.0f MiB (LibTorch included)\n", argv[k], rss[k]);
  }
  std::printf("ratio: %.2fx  (goal <= 1.2x for 10x the clips)\n", rss[1] / rss[0]);
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "--memory") return memory(argv + 2);
  if (argc == 3 && std::string(argv[1]) == "--rss-of") {
    double mib = rss_of(size_t(std::max(1, std::atoi(argv[2]))));
    std::printf("rss %.1f\n", mib);
    return 0;
  }
  size_t n = argc > 1 ? size_t(std::max(1, std::atoi(argv[1]))) : 120;
  genre::flush_denormals();  // as genre's main does
  if (!(argc > 2 && std::string(argv[2]) == "--malloc-default")) genre::keep_freed_memory();
  genre::register_all();
  fs::path tmp = fs::temp_directory_path() / ("audio_bench-" + std::to_string(::getpid()));
  fs::create_directories(tmp);
  auto src = sources(tmp);
  auto files = folder(tmp / "clips", src, n);
  folder(tmp / "warm", src, 1);
  std::printf("features: mfcc(13) + centroid + chroma(12, tuning estimated) + rolloff; n_fft 2048, hop 512; %zu clips\n", n);
  op_seconds(tmp / "warm", 1);  // loads LibTorch, plans the FFT
  auto [g_min, g_med] = three([&] { return op_seconds(tmp / "clips", 1); });
  std::printf("genre audio_features op, 1 thread:   min %6.2f s  median %6.2f s  (%5.1f ms/clip)\n", g_min, g_med, 1e3 * g_med / double(n));
  auto [l_min, l_med] = three([&] { return librosa_seconds(files); });
  if (l_min > 0) {
    std::printf("librosa 0.11 (load + 4 features), 1 thread: min %6.2f s  median %6.2f s  (%5.1f ms/clip)\n", l_min, l_med,
                1e3 * l_med / double(n));
    std::printf("ratio (librosa / genre): min-to-min %.1fx, median-to-median %.1fx  (goal >= 10x)\n", l_min / g_min, l_med / g_med);
  }
  int all = genre::hardware_threads();
  auto [a_min, a_med] = three([&] { return op_seconds(tmp / "clips", all); });
  std::printf("genre audio_features op, %d threads:  min %6.2f s  median %6.2f s  (%5.1f ms/clip)\n", all, a_min, a_med,
              1e3 * a_med / double(n));
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("peak memory of this process (max RSS): %.0f MiB\n", double(ru.ru_maxrss) / 1024.0);
  fs::remove_all(tmp);
  return 0;
}
