// Files/s and notes/s reading a folder of MIDI files (default: the Groove MIDI
// set, 1,150 files), single-threaded and with all threads, beside mido.
//   bench_midi [folder] [--mido] [--repeat N]
// --mido also times Debian's python3-mido on the same files in this run
// (parse + the same note pairing); without it the figure from
// shared/data/midi-ref/SOURCE.md (35 files/s) is printed for comparison.
// Files are read from disk on every pass (the page cache is warm after the first).
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "ops/midi/smf.h"
#include "runtime/core/value.h"

namespace fs = std::filesystem;
using clk = std::chrono::steady_clock;

namespace {

struct Pass {
  double secs;
  size_t files, notes, errors;
};

Pass run(const std::vector<std::string>& files, int threads, int repeat) {
  std::atomic<size_t> notes{0}, errors{0};
  tbb::task_arena arena(threads);
  auto t0 = clk::now();
  for (int k = 0; k < repeat; ++k)
    arena.execute([&] {
      tbb::parallel_for(size_t(0), files.size(), [&](size_t i) {
        try {
          notes += genre::midi::read(files[i], files[i]).notes.size();
        } catch (const genre::DataError&) {
          ++errors;
        }
      });
    });
  double secs = std::chrono::duration<double>(clk::now() - t0).count();
  return {secs, files.size() * repeat, notes.load(), errors.load()};
}

// mido_fps = 0: no mido figure for these files, no ratio.
void print(const char* what, const Pass& p, double mido_fps) {
  double fps = p.files / p.secs;
  std::string ratio = mido_fps > 0 ? std::to_string(int(fps / mido_fps + 0.5)) + "x mido" : "";
  std::printf("%-22s %9.0f files/s %12.0f notes/s   %-10s (%zu files, %zu notes, %zu errors, %.3f s)\n", what, fps,
              p.notes / p.secs, ratio.c_str(), p.files, p.notes, p.errors, p.secs);
}

// mido on the same files, timed by Python itself: "files notes seconds".
bool run_mido(const std::vector<std::string>& files, double& fps, double& nps) {
  fs::path list = fs::temp_directory_path() / "genre_bench_midi_files.txt";
  fs::path script = fs::temp_directory_path() / "genre_bench_midi.py";
  fs::path out = fs::temp_directory_path() / "genre_bench_midi.out";
  {
    std::ofstream l(list);
    for (auto& f : files) l << f << "\n";
    std::ofstream s(script);
    s << "import sys, time, collections, mido\n"
         "files = open(sys.argv[1]).read().split('\\n')[:-1]\n"
         "t0 = time.perf_counter(); notes = 0\n"
         "for f in files:\n"
         "    t = 0.0; prog = [0]*16; op = collections.defaultdict(collections.deque); out = []\n"
         "    for m in mido.MidiFile(f):\n"
         "        t += m.time\n"
         "        if m.type == 'program_change': prog[m.channel] = m.program\n"
         "        elif m.type == 'note_on' and m.velocity > 0:\n"
         "            n = [t, None, m.note, m.velocity, prog[m.channel], m.channel]; op[(m.channel, m.note)].append(n); out.append(n)\n"
         "        elif m.type in ('note_on', 'note_off'):\n"
         "            q = op[(m.channel, m.note)]\n"
         "            if q: n = q.popleft(); n[1] = t - n[0]\n"
         "    notes += len(out)\n"
         "print(len(files), notes, time.perf_counter() - t0)\n";
  }
  std::string cmd = "/usr/bin/python3 " + script.string() + " " + list.string() + " > " + out.string();
  if (std::system(cmd.c_str()) != 0) return false;
  std::ifstream in(out);
  double n = 0, notes = 0, secs = 0;
  if (!(in >> n >> notes >> secs) || secs <= 0) return false;
  fps = n / secs;
  nps = notes / secs;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string groove = std::string(GENRE_SHARED_DATA) + "/groove-midi";
  std::string dir = groove;
  bool mido = false;
  int repeat = 5;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--mido")) mido = true;
    else if (!std::strcmp(argv[i], "--repeat") && i + 1 < argc) repeat = std::max(1, std::atoi(argv[++i]));
    else dir = argv[i];
  }
  std::vector<std::string> files;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file() && (it->path().extension() == ".mid" || it->path().extension() == ".MID"))
      files.push_back(it->path().string());
  if (files.empty()) {
    std::fprintf(stderr, "bench_midi: no .mid files under %s\n", dir.c_str());
    return 1;
  }
  std::sort(files.begin(), files.end());
  size_t bytes = 0;
  for (auto& f : files) bytes += fs::file_size(f);
  std::printf("%zu files, %.1f MB, under %s; %d passes each\n", files.size(), bytes / 1e6, dir.c_str(), repeat);

  double mido_fps = 35, mido_nps = 14000;  // shared/data/midi-ref/SOURCE.md
  const char* mido_src = "midi-ref/SOURCE.md";
  if (mido) {
    if (run_mido(files, mido_fps, mido_nps)) mido_src = "measured now, same files";
    else std::fprintf(stderr, "bench_midi: could not run python3-mido; using the SOURCE.md figure\n");
  }
  if (!mido && dir != groove) mido_fps = 0;  // SOURCE.md's figure is for the Groove set only
  if (mido_fps > 0)
    std::printf("%-22s %9.0f files/s %12.0f notes/s   (%s)\n", "mido 1.2.10", mido_fps, mido_nps, mido_src);

  run(files, 1, 1);  // warm the page cache
  int all = tbb::this_task_arena::max_concurrency();
  print("genre, 1 thread", run(files, 1, repeat), mido_fps);
  for (int t = 2; t < all; t *= 2) print(("genre, " + std::to_string(t) + " threads").c_str(), run(files, t, repeat), mido_fps);
  print(("genre, " + std::to_string(all) + " threads (all)").c_str(), run(files, all, repeat), mido_fps);
  return 0;
}
