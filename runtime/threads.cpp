#include "runtime/threads.h"

#include <sched.h>
#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

#include <algorithm>
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

int torch_threads_per_op(int jobs) { return std::max(1, hardware_threads() / std::max(1, jobs)); }

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
