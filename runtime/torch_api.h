// LibTorch takes about half a second to load. Every use of it lives in one
// shared library, libgenre_torch.so (ops/models/classifier.cpp,
// ops/audio/features.cpp, runtime/torch_exports.cpp), loaded the first time an
// op needs it: `genre check`, `genre plan` and a fully cached `genre run`
// never pay for it. No torch types cross this interface.
#pragma once
#include <string>
#include <vector>

#include "ops/audio/features.h"
#include "ops/models/model.h"
#include "ops/models/sequence_model.h"

namespace genre {

// Each entry first sets the calling thread's LibTorch intra-op threads to 1
// (runtime/threads.h says why) and resolves device "auto"; a LibTorch error becomes InternalError.
struct TorchApi {
  Model (*fit_classifier)(const json& spec, const Table& train, const Table* validate, const FitContext& ctx);
  Matrix (*predict_classifier)(const Model& m, const Table& t, const FitContext& ctx);
  std::vector<audio::ClipFeatures> (*audio_features)(const std::vector<audio::Clip>& clips,
                                                     const std::vector<audio::Feature>& which,
                                                     const audio::Settings& s);
  Model (*fit_next_step)(const json& spec, const Table& train, const Table* validate, const FitContext& ctx);
  StepLoss (*next_step_loss)(const Model& m, const Table& data, const FitContext& ctx);
  void (*set_threads)(int n);  // this thread's intra-op threads (OpenMP keeps one count per thread)
  int (*threads)();
  bool (*cuda_available)();
  // The BLAS's kernels: OpenBLAS picks them by CPU (or $OPENBLAS_CORETYPE), and
  // with them the last bits of a product.
  std::string (*blas_core)();
};

// Loads the library on first use ($GENRE_TORCH_LIB, else beside the
// executable, else the build folder); DataError saying what was tried if it cannot.
const TorchApi& torch_api();

}  // namespace genre
