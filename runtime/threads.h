// Threads and devices for ops that use LibTorch.
//
// The rule: the scheduler runs up to `jobs` ops at once, and each op may use
//   torch threads per op = max(1, hardware_threads() / jobs)
// (torch_threads_per_op), so TBB x torch never asks for more threads than cores.
//
// LibTorch here is built on OpenMP, where the thread count is a per-thread
// setting: call cap_torch_threads on the thread that runs the op (at the start
// of each task), not once in main.
#pragma once
#include <string>

namespace genre {

int hardware_threads();            // cores available to this process, at least 1
int torch_threads_per_op(int jobs);  // max(1, hardware_threads() / jobs)

// Limits torch's intra-op threads for ops run on the calling thread; the first
// call also sets the inter-op pool to n (torch only allows that before its first use).
void cap_torch_threads(int n);
int torch_threads();  // the intra-op thread count torch uses on the calling thread

// Flush-to-zero and denormals-are-zero for float arithmetic on the calling
// thread and every thread it starts afterwards (they inherit the mode), so call
// it first in main. TensorFlow trains this way, and PyTorch offers it
// (torch.set_flush_denormal): an LSTM's gradients, shrinking back through a
// thousand steps, spend long stretches below 1.2e-38, where each multiply takes
// a slow microcode path (S1 on whole 30-s clips: an epoch took 2x the time, for
// the same accuracy to the last digit). Values that small move no weight, and
// one mode for the whole process keeps results independent of which thread ran what.
void flush_denormals();

// "auto" -> "cuda" when a GPU is usable, else "cpu"; "cpu" -> "cpu";
// "cuda" without a usable GPU -> DataError saying so. Anything else -> DataError.
std::string pick_device(const std::string& want);

}  // namespace genre
