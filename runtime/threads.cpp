#include "runtime/threads.h"

#include <sched.h>
#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "runtime/torch_api.h"
#include "runtime/value.h"

namespace genre {

int hardware_threads() {
  // The affinity mask respects taskset/cgroup cpusets; hardware_concurrency does not.
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1, int(std::thread::hardware_concurrency()));
}

void flush_denormals() {
#if defined(__SSE2__)
  _mm_setcsr(_mm_getcsr() | 0x8040);  // FTZ (bit 15) | DAZ (bit 6)
#endif
}

std::string cpu_model() {
  std::ifstream f("/proc/cpuinfo");
  for (std::string line; std::getline(f, line);)
    if (line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      return colon == std::string::npos ? line : line.substr(line.find_first_not_of(' ', colon + 1));
    }
  return "unknown";
}

std::string numeric_platform() {
  auto var = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v && *v ? v : "auto");
  };
  return "cpu=" + cpu_model() + " aten_cpu_capability=" + var("ATEN_CPU_CAPABILITY") +
         " openblas_coretype=" + var("OPENBLAS_CORETYPE");
}

int thread_budget(int flag, int jobs) {
  if (flag > 0) return flag;
  for (const char* var : {"GENRE_THREADS", "OMP_NUM_THREADS"}) {
    const char* v = std::getenv(var);
    if (!v || !*v) continue;
    char* end = nullptr;
    long n = std::strtol(v, &end, 10);
    // OpenMP allows a list ("4,2": per nesting level); its first number is the outer level's.
    if (end == v || (*end && *end != ',') || n < 1 || n > 4096)
      throw DataError(std::string(var) + "=\"" + v + "\" is not a thread count (a whole number from 1 to 4096)");
    return int(n);
  }
  return jobs > 0 ? jobs : hardware_threads();
}

void cap_torch_threads(int n) { torch_api().set_threads(n); }

int torch_threads() { return torch_api().threads(); }

std::string pick_device(const std::string& want) {
  if (want == "cpu") return "cpu";
  if (want == "auto") return torch_api().cuda_available() ? "cuda" : "cpu";
  if (want == "cuda") {
    if (torch_api().cuda_available()) return "cuda";
    throw DataError(
        "device cuda was asked for, but no usable CUDA GPU was found (this LibTorch build may be CPU-only, "
        "or the driver is missing); use device auto or cpu");
  }
  throw DataError("unknown device \"" + want + "\"; expected auto, cpu or cuda");
}

}  // namespace genre
