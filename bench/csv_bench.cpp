// Reading a large numeric CSV: time and peak memory of the csv op's reader
// (read_csv) beside numpy.loadtxt on the same file, each in a process of its
// own so that its peak RSS is its own. Issue 14's goal: peak <= 2x the file.
//
//   bench/csv_bench [ROWS] [COLS]      (default 1,000,000 x 20: a ~200 MB file)
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <fmt/format.h>

#include "ops/io/csv.h"

namespace fs = std::filesystem;

namespace {

// Runs `work` in a child process; its wall seconds and peak RSS in MB (-1, -1 if it failed).
template <class Work>
std::pair<double, double> measure(Work work) {
  auto t0 = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid == 0) _exit(work() ? 0 : 1);
  int st = 0;
  struct rusage ru {};
  wait4(pid, &st, 0, &ru);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) return {-1, -1};
  return {secs, ru.ru_maxrss / 1024.0};
}

}  // namespace

int main(int argc, char** argv) {
  size_t rows = argc > 1 ? std::stoul(argv[1]) : 1000000, cols = argc > 2 ? std::stoul(argv[2]) : 20;
  fs::path dir = fs::temp_directory_path() / fmt::format("genre-csv-bench-{}", getpid());
  fs::create_directories(dir);
  fs::path file = dir / "numbers.csv";
  {
    std::ofstream out(file);
    std::mt19937_64 rng(1);
    std::normal_distribution<double> z(0, 1);
    for (size_t c = 0; c < cols; ++c) out << (c ? "," : "") << "f" << c;
    out << "\n";
    for (size_t r = 0; r < rows; ++r) {
      for (size_t c = 0; c < cols; ++c) out << (c ? "," : "") << fmt::format("{:.6f}", z(rng));
      out << "\n";
    }
  }
  double mb = fs::file_size(file) / 1048576.0;
  fmt::print("{} rows x {} numeric columns: {:.0f} MB\n", rows, cols, mb);

  auto [secs, peak] = measure([&] {
    genre::Table t = genre::read_csv(file.string(), "numbers.csv");
    return t.cols.size() == cols && t.cols[0].num.size() == rows;
  });
  fmt::print("genre read_csv   {:6.2f} s  peak RSS {:6.0f} MB = {:.2f}x the file\n", secs, peak, peak / mb);

  std::string py = fmt::format("python3 -c 'import numpy; a = numpy.loadtxt(\"{}\", delimiter=\",\", skiprows=1); "
                               "assert a.shape == ({}, {})'", file.string(), rows, cols);
  bool numpy = std::system("python3 -c 'import numpy' 2>/dev/null") == 0;
  if (numpy) {
    // wait4's peak of the forked child covers the python it waited for.
    auto [psecs, ppeak] = measure([&] { return std::system(py.c_str()) == 0; });
    fmt::print("numpy.loadtxt    {:6.2f} s  peak RSS {:6.0f} MB = {:.2f}x the file\n", psecs, ppeak, ppeak / mb);
    if (psecs > 0) fmt::print("genre: {:.1f}x numpy's speed, {:.2f}x its memory\n", psecs / secs, peak / ppeak);
  } else {
    fmt::print("numpy is not installed (Debian: python3-numpy): no peer figure, no ratio\n");
  }
  fs::remove_all(dir);
}
