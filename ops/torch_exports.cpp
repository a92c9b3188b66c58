// The entry points of libgenre_torch.so: the tables runtime/core/torch_lib.h
// and ops/torch_ops.h describe. Each entry sets the calling thread's LibTorch threads, resolves
// device "auto", and turns LibTorch's own errors into genre's.
#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <c10/util/Exception.h>
#include <torch/cuda.h>

#include <algorithm>
#include <mutex>
#include <string>

#include "ops/torch_ops.h"
#include "runtime/core/torch_lib.h"

namespace genre {

namespace {

void set_threads(int n) {
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

FitContext prepared(const FitContext& c) {
  set_threads(1);
  FitContext out = c;
  // The fit may go on on another thread after its turn: that thread's LibTorch gets one thread too.
  out.take_turn = [turn = c.take_turn] {
    turn();
    set_threads(1);
  };
  if (out.device == "auto") out.device = torch::cuda::is_available() ? "cuda" : "cpu";
  return out;
}

template <class F>
auto guarded(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const c10::Error& e) {
    throw InternalError(std::string("LibTorch: ") + e.what_without_backtrace());
  }
}

const TorchOps ops{
    .fit_classifier = [](const json& spec, const Table& train, const Table* validate, const FitContext& ctx) {
      return guarded([&] { return fit_classifier(spec, train, validate, prepared(ctx)); });
    },
    .predict_classifier = [](const Model& m, const Table& t, const FitContext& ctx) {
      return guarded([&] { return predict_classifier(m, t, prepared(ctx)); });
    },
    .audio_features = [](const std::vector<audio::Clip>& clips, const std::vector<audio::Feature>& which,
                         const audio::Settings& s) {
      set_threads(1);
      return guarded([&] { return audio::compute(clips, which, s); });
    },
    .fit_next_step = [](const json& spec, const Table& train, const Table* validate, const FitContext& ctx) {
      return guarded([&] { return fit_next_step(spec, train, validate, prepared(ctx)); });
    },
    .next_step_loss = [](const Model& m, const Table& data, const FitContext& ctx) {
      return guarded([&] { return next_step_loss(m, data, prepared(ctx)); });
    },
    .check_classifier = [](const Model& m) {
      set_threads(1);
      guarded([&] { check_classifier(m); });
    },
};

const TorchRuntime runtime{
    .set_threads = set_threads,
    .threads = [] { return at::get_num_threads(); },
    .cuda_available = [] { return torch::cuda::is_available(); },
    .blas_core =
        [] {
          // OpenBLAS picks its kernels by CPU (or $OPENBLAS_CORETYPE); another BLAS has no such call.
          using Fn = char* (*)();
          auto f = reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
          return std::string(f ? f() : "not OpenBLAS");
        },
};

}  // namespace

}  // namespace genre

extern "C" const genre::TorchOps* genre_torch_ops() { return &genre::ops; }
extern "C" const genre::TorchRuntime* genre_torch_runtime() { return &genre::runtime; }
