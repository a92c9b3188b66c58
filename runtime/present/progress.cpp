#include "runtime/present/progress.h"

#include <fmt/format.h>

namespace genre {

using clock = std::chrono::steady_clock;

Progress::Progress(std::FILE* out, bool live) : out_(out), live_(live) {}

Progress::~Progress() {
  std::lock_guard<std::mutex> g(m_);
  clear();
}

// Moves up over the live block and erases it.
void Progress::clear() {
  if (!live_) return;
  for (size_t i = 0; i < drawn_; ++i) std::fputs("\033[1A\033[2K", out_);
  drawn_ = 0;
}

void Progress::draw() {
  if (!live_) return;
  auto now = clock::now();
  for (auto& [node, r] : running_) {
    double secs = std::chrono::duration<double>(now - r.since).count();
    std::string line = fmt::format("  ▸ {}  {:.1f} s", node, secs);
    if (!r.total && !r.what.empty()) line += "  " + r.what;
    if (r.total) {
      const int width = 20;
      int filled = static_cast<int>(width * r.done / r.total);
      line += fmt::format("  {} {}/{} [{}{}]", r.what, r.done, r.total, std::string(filled, '#'),
                          std::string(width - filled, '.'));
    }
    std::fprintf(out_, "%s\n", line.c_str());
    ++drawn_;
  }
  std::fflush(out_);
  last_draw_ = now;
}

void Progress::start(const std::string& node) {
  std::lock_guard<std::mutex> g(m_);
  running_[node] = Running{clock::now()};
  if (live_) {
    clear();
    draw();
  } else {
    std::fprintf(out_, "run   %s\n", node.c_str());
  }
}

void Progress::step(const std::string& node, size_t done, size_t total, const std::string& what) {
  std::lock_guard<std::mutex> g(m_);
  auto it = running_.find(node);
  if (it == running_.end()) return;
  Running& r = it->second;
  if (!total) {  // a state, not a count: "Slurm job 12 RUNNING"
    if (r.what == what) return;
    r.what = what;
    r.total = 0;
    if (live_) {
      clear();
      draw();
    } else {
      std::fprintf(out_, "      %s  %s\n", node.c_str(), what.c_str());
    }
    return;
  }
  r.done = done;
  r.total = total;
  r.what = what;
  if (live_) {
    if (clock::now() - last_draw_ < std::chrono::milliseconds(100) && done != total) return;
    clear();
    draw();
    return;
  }
  int tenth = total ? static_cast<int>(10 * done / total) : 0;
  if (tenth > r.last_tenth) {
    r.last_tenth = tenth;
    std::fprintf(out_, "      %s  %s %zu/%zu\n", node.c_str(), what.c_str(), done, total);
  }
}

void Progress::finish(const std::string& node, double seconds, bool ok) {
  std::lock_guard<std::mutex> g(m_);
  running_.erase(node);
  clear();
  std::fprintf(out_, "%s  %s (%.2f s)\n", ok ? "done" : "FAIL", node.c_str(), seconds);
  draw();
}

void Progress::note(const std::string& line) {
  std::lock_guard<std::mutex> g(m_);
  clear();
  std::fprintf(out_, "%s\n", line.c_str());
  draw();
}

}  // namespace genre
