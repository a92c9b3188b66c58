// Threads and devices.
//
// The rule: a run has a budget of `threads` (--threads, else $GENRE_THREADS,
// else $OMP_NUM_THREADS, else --jobs, else the cores), one TBB arena of that
// size. At most `jobs` ops run at once (default: threads); an op spreads its
// own work over the arena's idle threads by items — clips, files, rows, trials
// (tbb::parallel_for), each item computed whole by one thread.
//
// LibTorch's tensor math runs on one intra-op thread, always: ATen splits a
// reduction (a loss, a bias gradient, a sum over frames) into one partial sum per
// thread, so its bits would depend on the thread count. With one thread, and
// parallelism only across items, every value is the same whatever --jobs,
// --threads or the core count (docs/architecture.md, "Same results").
//
// LibTorch here is built on OpenMP, where the thread count is a per-thread
// setting: the entries of libgenre_torch.so set it on the calling thread, and
// a TBB loop that calls LibTorch sets it on each of its threads.
#pragma once
#include <string>

namespace genre {

int hardware_threads();  // cores available to this process, at least 1

// The run's thread budget: `flag` (--threads) if > 0, else $GENRE_THREADS, else
// $OMP_NUM_THREADS, else `jobs` if > 0, else hardware_threads(). A variable that
// is not a positive whole number is a DataError naming it.
int thread_budget(int flag, int jobs);

// Sets torch's intra-op threads on the calling thread; the first call also
// sets the inter-op pool to n (torch only allows that before its first use).
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

// Large blocks (a 30-s clip's samples, 2.6 MB; its spectrogram, 5 MB) come from the heap and go back
// to it, not to the kernel: glibc maps each block above 128 KB-32 MB with mmap and unmaps it on free,
// so every clip paid its page faults again (S1's features: a third of the op's time was system
// time). Call it first in main. The cost: freed memory stays with the process until it exits, up to
// what one chunk of clips or one op's largest working set needed.
void keep_freed_memory();

// What decides the last bits of a float result on a CPU: its model (OpenBLAS
// and ATen pick their kernels from its features) and the variables that
// override those picks, "auto" where unset. Cheap (no LibTorch; /proc/cpuinfo
// is read once a process): the cache keeps entries per platform, a lock names it.
struct NumericPlatform {
  std::string cpu;                  // model name (family F model M, widest vector unit)
  std::string aten_cpu_capability;  // $ATEN_CPU_CAPABILITY
  std::string openblas_coretype;    // $OPENBLAS_CORETYPE
  std::string line() const;         // the three as one line
};
NumericPlatform numeric_platform();

// "auto" -> "cuda" when a GPU is usable, else "cpu"; "cpu" -> "cpu";
// "cuda" without a usable GPU -> DataError saying so. Anything else -> DataError.
std::string pick_device(const std::string& want);

}  // namespace genre
