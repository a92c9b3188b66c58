// LibTorch takes about half a second to load. Every use of it lives in one
// shared library, libgenre_torch.so (CMakeLists.txt's TORCH_SRC), loaded the
// first time something needs it: `genre check`, `genre plan` and a fully cached
// `genre run` never pay for it. No torch types cross this interface, and no op
// types: the ops' entries into the library are ops/torch_ops.h.
#pragma once
#include <string>

namespace genre {

// The library's own settings, which the engine needs whatever the ops are.
struct TorchRuntime {
  void (*set_threads)(int n);  // this thread's intra-op threads (OpenMP keeps one count per thread)
  int (*threads)();
  bool (*cuda_available)();
  // The BLAS's kernels: OpenBLAS picks them by CPU (or $OPENBLAS_CORETYPE), and
  // with them the last bits of a product.
  std::string (*blas_core)();
};
const TorchRuntime& torch_runtime();

// A symbol of the library, loading it on first use ($GENRE_TORCH_LIB, else
// beside the executable, else the build folder); DataError saying what was
// tried if it cannot be loaded, InternalError if the symbol is not in it.
void* torch_symbol(const char* name);

}  // namespace genre
