// Shared by the training ops: fit, trial, grid, cv, ablate.
#pragma once
#include "ops/models/model.h"
#include "runtime/core/op.h"

namespace genre {

// The spec record bound to `name` (a parameter, or a JSON input).
const json& spec_param(const OpContext& ctx, const std::string& name);
FitContext fit_context(const OpContext& ctx);
// Fit `spec` on train and score it on train and val: {"acc_train", "acc_val",
// "acc_delta", "f1_train", "f1_val", "loss_val" (classifier only)}.
json trial_metrics(const json& spec, const Table& train, const Table& val, const FitContext& fc);

// grid and cv given one part of a split whose scaler, imputer or vocabulary was fitted on that whole part:
// every fold's validation rows then shaped the preprocessing they are scored with. A warning at `data`,
// with the two fixes (the model carries its preprocessing; or kfold before the preprocessing).
void warn_if_fitted_on_folds(Expansion& x, const Planned& data, const std::string& spec_text);

// The stratified kfold(k, seed) node that grid and cv add when given a table.
Planned kfold_node(Expansion& x, const Planned& data, int k, const json& seed);

}  // namespace genre
