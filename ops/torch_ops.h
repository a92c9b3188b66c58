// The ops' entries into libgenre_torch.so (runtime/core/torch_lib.h says why it
// is a library of its own): the LibTorch model families and the audio
// features. ops/torch_exports.cpp fills the table inside the library.
#pragma once
#include <vector>

#include "ops/audio/features.h"
#include "ops/models/model.h"
#include "ops/models/sequence_model.h"

namespace genre {

// Each entry first sets the calling thread's LibTorch intra-op threads to 1
// (runtime/core/threads.h says why) and resolves device "auto"; a LibTorch error becomes InternalError.
struct TorchOps {
  Model (*fit_classifier)(const json& spec, const Table& train, const Table* validate, const FitContext& ctx);
  Matrix (*predict_classifier)(const Model& m, const Table& t, const FitContext& ctx);
  std::vector<audio::ClipFeatures> (*audio_features)(const std::vector<audio::Clip>& clips,
                                                     const std::vector<audio::Feature>& which,
                                                     const audio::Settings& s);
  Model (*fit_next_step)(const json& spec, const Table& train, const Table* validate, const FitContext& ctx);
  StepLoss (*next_step_loss)(const Model& m, const Table& data, const FitContext& ctx);
  void (*check_classifier)(const Model& m);  // DataError if its saved weights do not fit its layers
};

// Loads the library on first use; DataError saying what was tried if it cannot.
const TorchOps& torch_ops();

}  // namespace genre
