#include "runtime/core/threads.h"

#include <malloc.h>

#include <sched.h>
#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <thread>

#include "runtime/core/torch_lib.h"
#include "runtime/core/value.h"

namespace genre {

int hardware_threads() {
  // The affinity mask respects taskset/cgroup cpusets; hardware_concurrency does not.
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1, int(std::thread::hardware_concurrency()));
}

void keep_freed_memory() {
  ::mallopt(M_MMAP_THRESHOLD, 256 << 20);  // blocks up to 256 MB from the heap (a larger one is mapped still)
  ::mallopt(M_TRIM_THRESHOLD, 1 << 30);    // keep up to 1 GB of free heap for the next clip
}

void flush_denormals() {
#if defined(__SSE2__)
  _mm_setcsr(_mm_getcsr() | 0x8040);  // FTZ (bit 15) | DAZ (bit 6)
#endif
}

namespace {

// A model name can be as vague as "AMD EPYC": the family and model numbers and
// the widest vector unit tell the generations apart.
std::string read_cpu_model() {
  std::map<std::string, std::string> first;
  std::ifstream f("/proc/cpuinfo");
  for (std::string line; std::getline(f, line) && !line.empty();) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string k = line.substr(0, line.find_last_not_of(" \t", colon - 1) + 1);
    auto b = line.find_first_not_of(' ', colon + 1);
    first.emplace(k, b == std::string::npos ? "" : line.substr(b));
  }
  if (!first.count("model name")) return "unknown";
  std::string flags = " " + first["flags"] + " ";
  auto has = [&](const char* f) { return flags.find(std::string(" ") + f + " ") != std::string::npos; };
  const char* isa = has("avx512f") && has("avx512bw") && has("avx512vl") && has("avx512dq") ? "avx512"
                    : has("avx2") && has("fma")                                             ? "avx2"
                                                                                            : "sse";
  return first["model name"] + " (family " + first["cpu family"] + " model " + first["model"] + ", " + isa + ")";
}

std::string env_or_auto(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : "auto";
}

}  // namespace

NumericPlatform numeric_platform() {
  static const std::string cpu = read_cpu_model();
  // The variables are read each time: a test (or an embedding program) may set them between runs.
  return {cpu, env_or_auto("ATEN_CPU_CAPABILITY"), env_or_auto("OPENBLAS_CORETYPE")};
}

std::string NumericPlatform::line() const {
  return "cpu=" + cpu + " aten_cpu_capability=" + aten_cpu_capability + " openblas_coretype=" + openblas_coretype;
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

void cap_torch_threads(int n) { torch_runtime().set_threads(n); }

int torch_threads() { return torch_runtime().threads(); }

std::string pick_device(const std::string& want) {
  if (want == "cpu") return "cpu";
  if (want == "auto") return torch_runtime().cuda_available() ? "cuda" : "cpu";
  if (want == "cuda") {
    if (torch_runtime().cuda_available()) return "cuda";
    throw DataError(
        "device cuda was asked for, but no usable CUDA GPU was found (this LibTorch build may be CPU-only, "
        "or the driver is missing); use device auto or cpu");
  }
  throw DataError("unknown device \"" + want + "\"; expected auto, cpu or cuda");
}

}  // namespace genre
