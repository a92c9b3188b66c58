#include "ops/torch_ops.h"

#include "runtime/core/torch_lib.h"

namespace genre {

const TorchOps& torch_ops() {
  static const TorchOps* ops = reinterpret_cast<const TorchOps* (*)()>(torch_symbol("genre_torch_ops"))();
  return *ops;
}

// The LibTorch families: their code is in the library, their registration here.
void register_classifier_model() {
  // a classifier may read a sequence column, so it gets the whole table
  register_model_family({"classifier", [](auto& spec, auto& train, auto* validate, auto& ctx) { return torch_ops().fit_classifier(spec, train, validate, ctx); },
                         [](auto& m, auto& t, auto& ctx) { return torch_ops().predict_classifier(m, t, ctx); },
                         [](const Model& m) { torch_ops().check_classifier(m); }});
}

void register_next_step_model() {
  register_model_family({"next_step", [](auto& spec, auto& train, auto* validate, auto& ctx) { return torch_ops().fit_next_step(spec, train, validate, ctx); },
                         [](const Model&, const Table&, const FitContext&) -> Matrix {
                           throw DataError("a next_step model predicts piano-roll steps, not labels; score it with next_step_loss(models, data)");
                         },
                         {},
                         true});
}

}  // namespace genre
