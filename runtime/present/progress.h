// What a run shows while it works. On a terminal: finished nodes scroll by and
// a live block at the bottom has one line per running node, with a bar for
// long loops (epochs, files). Otherwise: plain log lines.
#pragma once
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>

#include "runtime/engine/run.h"

namespace genre {

class Progress : public RunEvents {
 public:
  explicit Progress(std::FILE* out, bool live);
  ~Progress() override;

  void start(const std::string& node) override;
  void step(const std::string& node, size_t done, size_t total, const std::string& what) override;
  void finish(const std::string& node, double seconds, bool ok = true) override;
  void note(const std::string& line) override;

 private:
  struct Running {
    std::chrono::steady_clock::time_point since;
    size_t done = 0, total = 0;
    std::string what;
    int last_tenth = -1;  // plain mode: the last tenth of the loop logged
  };
  std::FILE* out_;
  bool live_;
  std::mutex m_;
  std::map<std::string, Running> running_;
  size_t drawn_ = 0;  // live lines currently on screen
  std::chrono::steady_clock::time_point last_draw_;

  void clear();
  void draw();
};

}  // namespace genre
