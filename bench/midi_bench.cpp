// MIDI speed beside mido, in one run on the same files.
//   bench_midi [folder] [--mido] [--repeat N]
//     The SMF reader alone: files/s and notes/s over a folder (default: the Groove MIDI set,
//     1,150 files), one thread and all threads. --mido also times Debian's python3-mido on the
//     same files (parse + the same note pairing); without it the figure from
//     shared/data/midi-ref/SOURCE.md (35 files/s) is printed for comparison.
//   bench_midi --op [N] [--op-from folder] [--no-mido]
//     The whole midi_folder op (listing, reading, the note table), one thread, on N multi-track
//     songs (default 320: data/lakh-mini's songs hard-linked N / 87 times, so the work per file is
//     equal at any N), min and median of 3, beside mido on the same files (min and median of 3);
//     the table's bytes per note in the cache (serialize) and the peak memory (RSS) of the op.
//   bench_midi --chain N1 N2
//     S0's midi_folder -> instruments -> piano_roll over N1 and over N2 such songs, each in a process
//     of its own, every thread, each op writing its cache entry a row group at a time and the next
//     reading it so (as a run does); then the same with one group (whole tables, as before row
//     groups). Prints time, peak RSS and the ratio of the two corpora's peaks.
//   bench_midi --train N1 N2
//     Then windows(steps: 60) and one epoch of S0's next_step model (the mini corpus's sizes) on the
//     windows of N1 and of N2 songs, each in a process of its own: the windows read from the cache
//     a batch at a time (SequenceRows), and from a table in memory. Prints the fit's time and the
//     peak RSS before and after it.
// Files are read from disk on every pass (the page cache is warm after the first).
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cctype>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

#include <functional>

#include "ops/midi/smf.h"
#include "runtime/core/op.h"
#include "runtime/core/threads.h"
#include "runtime/core/value.h"
#include "runtime/core/hash.h"
#include "runtime/core/row_groups.h"
#include "runtime/engine/cache.h"

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
bool run_mido(const std::vector<std::string>& files, double& fps, double& nps, double* seconds = nullptr) {
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
  if (seconds) *seconds = secs;
  return true;
}

std::pair<double, double> min_median(std::vector<double> t) {
  std::sort(t.begin(), t.end());
  return {t[0], t[t.size() / 2]};
}

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024.0;
}

std::vector<fs::path> songs_under(const fs::path& from) {
  std::vector<fs::path> src;
  for (auto& e : fs::recursive_directory_iterator(from))
    if (e.is_regular_file() && e.path().extension() == ".mid") src.push_back(e.path());
  std::sort(src.begin(), src.end());
  return src;
}

// `n` songs under `dir`, 100 a folder: src's hard-linked in turn, so the work per file is the same at any n.
std::vector<std::string> make_corpus(const std::vector<fs::path>& src, size_t n, const fs::path& dir) {
  fs::remove_all(dir);
  std::vector<std::string> files;
  for (size_t i = 0; i < n; ++i) {
    fs::path p = dir / std::to_string(i / 100) / (std::to_string(i) + ".mid");
    fs::create_directories(p.parent_path());
    std::error_code ec;
    fs::create_hard_link(src[i % src.size()], p, ec);
    if (ec) fs::copy_file(src[i % src.size()], p);
    files.push_back(p.string());
  }
  return files;
}

// The midi_folder op on `n` songs, beside mido.
int op_bench(size_t n, const fs::path& from, bool mido) {
  std::vector<fs::path> src = songs_under(from);
  if (src.empty()) return std::fprintf(stderr, "bench_midi: no .mid under %s\n", from.c_str()), 1;
  fs::path dir = fs::temp_directory_path() / ("genre_bench_midi_" + std::to_string(n));
  std::vector<std::string> files = make_corpus(src, n, dir);
  genre::register_all();
  const genre::OpFn* op = genre::find_op("midi_folder");
  genre::OpContext ctx;
  ctx.params = {{"path", dir.string()}, {"label", "parent_dir"}};
  ctx.script_dir = "/";
  tbb::task_arena arena(1);
  double rss0 = peak_rss_mb();
  size_t notes = 0, bytes = 0;
  std::vector<double> ours;
  for (int k = 0; k < 3; ++k) {
    auto t0 = clk::now();
    genre::Value v = arena.execute([&] { return (*op)(ctx); });
    ours.push_back(std::chrono::duration<double>(clk::now() - t0).count());
    notes = std::get<genre::Table>(v).rows();
    if (k == 0) bytes = genre::serialize(v).size();
  }
  double rss = peak_rss_mb();
  auto [omin, omed] = min_median(ours);
  std::printf("%zu songs (%zu distinct, hard-linked), %zu notes\n", n, std::min(n, src.size()), notes);
  std::printf("genre midi_folder, 1 thread   min %.3f s  median %.3f s\n", omin, omed);
  std::printf("  cache entry %.1f MB = %.1f bytes per note; peak RSS %.0f MB (%.0f MB before the op)\n", bytes / 1e6,
              double(bytes) / notes, rss, rss0);
  std::vector<double> theirs;
  for (int k = 0; k < 3 && mido; ++k) {
    double fps, nps, secs;
    if (!run_mido(files, fps, nps, &secs)) {
      std::printf("mido did not run (python3-mido missing?): no ratio\n");
      return 0;
    }
    theirs.push_back(secs);
  }
  if (theirs.empty()) {  // --no-mido
    fs::remove_all(dir);
    return 0;
  }
  auto [mmin, mmed] = min_median(theirs);
  std::printf("mido 1.2 (parse + note pairing)  min %.3f s  median %.3f s\n", mmin, mmed);
  std::printf("ratio: %.1fx (min) / %.1fx (median)\n", mmin / omin, mmed / omed);
  fs::remove_all(dir);
  return 0;
}

// In this process: midi_folder -> instruments -> piano_roll over `n` songs as a run computes
// them (each op writing its row groups into its cache entry, the next reading them), on
// every thread. Prints "songs notes seconds peak_MiB note_bytes roll_bytes".
int chain_one(size_t n, const fs::path& from, bool train = false, bool whole = false) {
  std::vector<fs::path> src = songs_under(from);
  if (src.empty()) return std::fprintf(stderr, "bench_midi: no .mid under %s\n", from.c_str()), 1;
  fs::path dir = fs::temp_directory_path() / ("genre_bench_chain_" + std::to_string(::getpid()));
  make_corpus(src, n, dir / "songs");
  genre::register_all();
  genre::Cache cache(dir / "cache");
  // std.instruments' gm_families and S0's piano roll (examples/lakh_instruments.genre).
  genre::json map = genre::json::parse(R"({"drums": "percussion", "piano": [0, 7], "guitar": [24, 31], "bass": [32, 39]})");
  auto step = [&](const std::string& op, const genre::Value* in, genre::json params) {
    genre::OpContext ctx;
    ctx.params = std::move(params);
    ctx.script_dir = "/";
    if (in) ctx.inputs = {{"data", "in", in}};
    std::string key = genre::hash_hex(op);
    ctx.rows_out = [&] { return cache.rows_out(key); };
    genre::Value v = (*genre::find_op(op))(ctx);
    cache.place(key, std::get<genre::Table>(v));
    return v;
  };
  auto t0 = clk::now();
  genre::Value notes = step("midi_folder", nullptr, {{"path", (dir / "songs").string()}, {"label", "parent_dir"}});
  genre::Value fams = step("instruments", &notes, {{"map", map}, {"require", "all"}});
  genre::Value rolls = step("piano_roll", &fams, {{"step", 0.25}, {"max_notes", 10}, {"families", {"drums", "piano", "guitar", "bass"}}});
  double secs = std::chrono::duration<double>(clk::now() - t0).count();
  size_t notes_n = std::get<genre::Table>(notes).rows();
  auto size = [](const genre::Value& v) { return fs::file_size(std::get<genre::Table>(v).stored->path); };
  if (!train) {
    std::printf("%zu %zu %.3f %.1f %zu %zu\n", n, notes_n, secs, peak_rss_mb(), size_t(size(notes)), size_t(size(rolls)));
    fs::remove_all(dir);
    return 0;
  }
  // S0's windows and one epoch of its model at the mini corpus's sizes (examples/lakh_instruments.genre),
  // reading the windows from the cache a batch at a time, or (whole) from a table in memory.
  genre::Value windows = step("windows", &rolls, {{"steps", 60}});
  if (whole) windows = genre::whole(windows);
  double rss0 = peak_rss_mb();
  genre::json spec = {{"spec", "next_step"}, {"families", {"drums", "piano", "guitar", "bass"}}, {"target", "piano"},
                      {"embedding", 32}, {"lstm", 64}, {"duration_step", 0.25}, {"durations", 16}, {"velocity_step", 1},
                      {"batch", 16}, {"epochs", 1}, {"seed", 42}};
  genre::OpContext ctx;
  ctx.params = {{"model", spec}};
  ctx.inputs = {{"data", "windows", &windows}};
  ctx.script_dir = "/";
  auto t1 = clk::now();
  genre::Value model = (*genre::find_op("fit"))(ctx);
  double fit_secs = std::chrono::duration<double>(clk::now() - t1).count();
  std::printf("%zu %zu %.3f %.1f %.1f\n", n, std::get<genre::Table>(windows).rows(), fit_secs, rss0, peak_rss_mb());
  fs::remove_all(dir);
  return 0;
}

// S0's fit over the windows of n1 and of n2 songs, each in a process of its own, 3 times (min / median):
// from the cache in batches, and from a table in memory.
int train_memory(size_t n1, size_t n2) {
  std::string self = fs::read_symlink("/proc/self/exe").string();
  std::printf("fit(next_step) one epoch over S0's windows (60 steps; embedding 32, lstm 64, batch 16), every thread, "
              "each run a process of its own; min / median of 3\n");
  std::printf("%-27s %6s %8s %15s %11s %15s\n", "", "songs", "windows", "fit s", "MiB before", "peak MiB");
  for (const char* mode : {"windows from the cache", "windows in memory (whole)"}) {
    std::pair<double, double> peak[2];
    size_t k = 0;
    for (size_t n : {n1, n2}) {
      std::string cmd = self + " --train-one " + std::to_string(n) + (mode[8] == 'i' ? " whole" : "");
      std::vector<double> secs, before, mb;
      size_t songs = 0, windows = 0;
      for (int rep = 0; rep < 3; ++rep) {
        std::FILE* p = ::popen(cmd.c_str(), "r");
        double s = 0, b = 0, m = 0;
        if (!p || std::fscanf(p, "%zu %zu %lf %lf %lf", &songs, &windows, &s, &b, &m) != 5) {
          if (p) ::pclose(p);
          return std::fprintf(stderr, "bench_midi: %s failed\n", cmd.c_str()), 1;
        }
        ::pclose(p);
        secs.push_back(s), before.push_back(b), mb.push_back(m);
      }
      auto [smin, smed] = min_median(secs);
      peak[k] = min_median(mb);
      std::printf("%-27s %6zu %8zu %6.2f / %6.2f %11.0f %7.0f / %5.0f\n", mode, songs, windows, smin, smed,
                  min_median(before).second, peak[k].first, peak[k].second);
      ++k;
    }
    std::printf("%-27s peak RSS, %zu songs / %zu: %.2fx (min) / %.2fx (median)\n", mode, n2, n1, peak[1].first / peak[0].first,
                peak[1].second / peak[0].second);
  }
  return 0;
}

// chain_one over n1 and over n2 songs, each in a process of its own, 3 times (min / median), in
// row groups and as one group (GENRE_ROW_GROUP_ROWS past any corpus: everything in memory at
// once, as before groups).
int chain(size_t n1, size_t n2) {
  std::string self = fs::read_symlink("/proc/self/exe").string();
  std::printf("midi_folder -> instruments -> piano_roll (S0's), every thread, each run a process of its own; "
              "min / median of 3\n");
  std::printf("%-26s %6s %9s %13s %15s %8s %9s\n", "", "songs", "notes", "seconds", "peak MiB", "B/note", "rolls MB");
  for (const char* mode : {"row groups (default)", "one group (whole tables)"}) {
    std::pair<double, double> rss[2];
    size_t k = 0;
    for (size_t n : {n1, n2}) {
      std::string env = mode[0] == 'o' ? "GENRE_ROW_GROUP_ROWS=1000000000000 " : "";
      std::string cmd = env + self + " --chain-one " + std::to_string(n);
      std::vector<double> secs, mb;
      size_t songs = 0, notes = 0, nb = 0, rb = 0;
      for (int rep = 0; rep < 3; ++rep) {
        std::FILE* p = ::popen(cmd.c_str(), "r");
        double s = 0, m = 0;
        if (!p || std::fscanf(p, "%zu %zu %lf %lf %zu %zu", &songs, &notes, &s, &m, &nb, &rb) != 6) {
          if (p) ::pclose(p);
          return std::fprintf(stderr, "bench_midi: %s failed\n", cmd.c_str()), 1;
        }
        ::pclose(p);
        secs.push_back(s), mb.push_back(m);
      }
      auto [smin, smed] = min_median(secs);
      rss[k] = min_median(mb);
      std::printf("%-26s %6zu %9zu %6.2f / %5.2f %7.0f / %5.0f %8.1f %9.1f\n", mode, songs, notes, smin, smed, rss[k].first,
                  rss[k].second, double(nb) / double(notes), double(rb) / 1e6);
      ++k;
    }
    std::printf("%-26s peak RSS, %zu songs / %zu: %.2fx (min) / %.2fx (median)\n", mode, n2, n1, rss[1].first / rss[0].first,
                rss[1].second / rss[0].second);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const fs::path lakh_mini = std::string(GENRE_SOURCE_DIR) + "/data/lakh-mini/lmd_aligned";
  if (argc == 4 && !std::strcmp(argv[1], "--chain")) return chain(std::stoul(argv[2]), std::stoul(argv[3]));
  if (argc == 3 && !std::strcmp(argv[1], "--chain-one")) {
    genre::keep_freed_memory();  // as the genre command does
    return chain_one(std::stoul(argv[2]), lakh_mini);
  }
  if (argc == 4 && !std::strcmp(argv[1], "--train")) return train_memory(std::stoul(argv[2]), std::stoul(argv[3]));
  if (argc >= 3 && !std::strcmp(argv[1], "--train-one")) {
    genre::keep_freed_memory();
    return chain_one(std::stoul(argv[2]), lakh_mini, true, argc == 4);
  }
  const std::string groove = std::string(GENRE_SHARED_DATA) + "/groove-midi";
  std::string dir = groove;
  bool mido = false;
  int repeat = 5;
  for (int i = 1; i < argc; ++i)
    if (!std::strcmp(argv[i], "--op")) {
      size_t n = i + 1 < argc && std::isdigit(static_cast<unsigned char>(argv[i + 1][0])) ? std::stoul(argv[i + 1]) : 320;
      fs::path from = std::string(GENRE_SOURCE_DIR) + "/data/lakh-mini/lmd_aligned";
      bool with_mido = true;
      for (int j = 1; j < argc; ++j) {
        if (!std::strcmp(argv[j], "--op-from") && j + 1 < argc) from = argv[j + 1];
        if (!std::strcmp(argv[j], "--no-mido")) with_mido = false;
      }
      genre::keep_freed_memory();  // as the genre command does
      return op_bench(n, from, with_mido);
    }
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
