// One of the two files allowed to include torch headers (the other is
// ops/models/classifier.cpp); only the two small ones needed.
#include "runtime/threads.h"

#include <ATen/Parallel.h>
#include <sched.h>
#include <torch/cuda.h>

#include <algorithm>
#include <mutex>
#include <thread>

#include "runtime/value.h"

namespace genre {

int hardware_threads() {
  // The affinity mask respects taskset/cgroup cpusets; hardware_concurrency does not.
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1, int(std::thread::hardware_concurrency()));
}

int torch_threads_per_op(int jobs) { return std::max(1, hardware_threads() / std::max(1, jobs)); }

void cap_torch_threads(int n) {
  n = std::max(1, n);
  static std::once_flag once;
  std::call_once(once, [n] {
    try {
      at::set_num_interop_threads(n);
    } catch (const std::exception&) {
      // Torch already started its inter-op pool; its size can no longer change.
    }
  });
  at::set_num_threads(n);
}

int torch_threads() { return at::get_num_threads(); }

std::string pick_device(const std::string& want) {
  if (want == "cpu") return "cpu";
  if (want == "auto") return torch::cuda::is_available() ? "cuda" : "cpu";
  if (want == "cuda") {
    if (torch::cuda::is_available()) return "cuda";
    throw DataError(
        "device cuda was asked for, but no usable CUDA GPU was found (this LibTorch build may be CPU-only, "
        "or the driver is missing); use device auto or cpu");
  }
  throw DataError("unknown device \"" + want + "\"; expected auto, cpu or cuda");
}

}  // namespace genre
