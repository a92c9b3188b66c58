// Running the genre binary (or any command) from an e2e test.
#pragma once
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <utility>

namespace e2e {

// The exit status and everything the command wrote (stdout and stderr together).
inline std::pair<int, std::string> run(const std::string& cmd) {
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), out};
}

// The genre binary with `args`, as a command for run().
inline std::string genre(const std::string& args) { return std::string(GENRE_BIN) + " " + args; }

// How many times `what` occurs in `s`.
inline size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

// The FMA table shipped in data/.
inline std::string fma_csv() {
  return (std::filesystem::path(GENRE_EXAMPLES) / ".." / "data" / "fma" / "fma_echonest_genre.csv")
      .lexically_normal()
      .string();
}

// A small, fast study on the shipped FMA data; C is the SVM's C as it is written in the script.
inline std::string small_study(const std::string& C) {
  return "dataset tracks = csv(\"" + fma_csv() + "\", label: \"genre_top\") |> drop_columns([\"track_id\"])\n"
         "split s = tracks |> split(train: 70%, test: 30%, stratify: label, seed: 1) |> minmax(-1, 1)\n"
         "train knn5 = fit(knn(k: 5), s.train)\n"
         "train svm1 = fit(svm(kernel: rbf, C: " + C + ", gamma: scale), s.train)\n"
         "report r = evaluate([knn5, svm1], s.test) { accuracy, confusion }\n";
}

// A file's bytes ("" if it cannot be read).
inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// A fresh folder per test, removed afterwards.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() / ("genre-e2e-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::filesystem::path write(const std::string& name, const std::string& text) const {
    std::filesystem::create_directories((path / name).parent_path());
    std::ofstream(path / name, std::ios::binary) << text;
    return path / name;
  }
};

}  // namespace e2e
