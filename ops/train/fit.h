// Shared by fit, trial and grid_select.
#pragma once
#include "ops/models/model.h"
#include "ops/op.h"

namespace genre {

// The spec record bound to `name` (a parameter, or a JSON input).
const json& spec_param(const OpContext& ctx, const std::string& name);
FitContext fit_context(const OpContext& ctx);
// Fit `spec` on train and score it on train and val: {"acc_train", "acc_val",
// "acc_delta", "f1_train", "f1_val", "loss_val" (classifier only)}.
json trial_metrics(const json& spec, const Table& train, const Table& val, const FitContext& fc);

}  // namespace genre
