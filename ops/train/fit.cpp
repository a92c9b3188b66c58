// fit(model, data, validate): train one model spec on a table. trial(...) is
// the same fit scored on its training and validation rows, one per grid point
// and fold (the planner makes them; see ops/train/grid.cpp).
#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "runtime/core/metrics.h"
#include "ops/models/model.h"
#include "runtime/core/op.h"
#include "ops/train/fit.h"

namespace genre {

const json& spec_param(const OpContext& ctx, const std::string& name) {
  if (ctx.params.contains(name) && ctx.params[name].is_object()) return ctx.params[name];
  if (const Value* v = ctx.maybe_input(name))
    if (auto* j = std::get_if<json>(v)) return *j;
  throw InternalError("op has no model spec bound to '" + name + "'");
}

FitContext fit_context(const OpContext& ctx) {
  return FitContext{.device = ctx.device, .seed = ctx.seed, .progress = ctx.progress, .take_turn = ctx.take_turn};
}

json trial_metrics(const json& spec, const Table& train, const Table& val, const FitContext& fc) {
  Model m = fit_model(spec, train, &val, fc);
  json out;
  auto score = [&](const Table& t, const char* suffix) {
    std::vector<int> truth = label_indices(t, m.classes);
    Matrix s = predict_scores(m, t, fc);
    std::vector<int> pred = argmax_rows(s);
    out[std::string("acc_") + suffix] = metrics::accuracy(truth, pred);
    out[std::string("f1_") + suffix] = metrics::macro_f1(truth, pred, int(m.classes.size()));
    if (m.kind == "classifier" && std::string(suffix) == "val") {
      double loss = 0;  // mean cross-entropy of the predicted probabilities
      for (size_t r = 0; r < truth.size(); r++) loss -= std::log(std::max(s.at(r, size_t(truth[r])), 1e-15));
      out["loss_val"] = truth.empty() ? 0.0 : loss / double(truth.size());
    }
  };
  score(train, "train");
  score(val, "val");
  out["acc_delta"] = out["acc_train"].get<double>() - out["acc_val"].get<double>();
  return out;
}

void register_fit() {
  using lang::Type;
  register_op({.name = "fit",
               .params = {{.name = "model", .types = {Type::Spec}, .required = true, .doc = "the model spec to train"},
                          {.name = "data", .types = {Type::Table}, .required = true, .doc = "the training rows"},
                          {.name = "validate",
                           .types = {Type::Table},
                           .doc = "rows scored after every epoch (classifier: history val_*, early_stop, reduce_lr)"}},
               .result = Type::Trained,
               .doc = "train a model spec on a table: features are its numeric columns, the target its label",
               // next_step reads a stored table's windows a batch at a time; other families get it whole
               .need = {.groups = true, .cpus = 2, .mem_gb = 8, .gpu = true}},
              [](const OpContext& ctx) -> Value {
                const Table& data = std::get<Table>(ctx.input("data"));
                const Value* val = ctx.maybe_input("validate");
                return fit_model(spec_param(ctx, "model"), data, val ? &std::get<Table>(*val) : nullptr,
                                 fit_context(ctx));
              });

  register_op({.name = "trial",
               .params = {{.name = "model", .types = {Type::Spec}, .required = true, .doc = "the model spec to train"},
                          {.name = "data", .types = {Type::Table}, .required = true, .doc = "the training rows"},
                          {.name = "validate", .types = {Type::Table}, .required = true, .doc = "the held-out rows"}},
               .result = Type::Report,
               .internal = true,
               .doc = "(internal, made by grid) fit on data and report acc_train, acc_val, acc_delta = acc_train - "
                      "acc_val, f1_train, f1_val (macro) and, for classifiers, loss_val",
               .need = {.cpus = 2, .mem_gb = 8, .gpu = true}},
              [](const OpContext& ctx) -> Value {
                return trial_metrics(spec_param(ctx, "model"), std::get<Table>(ctx.input("data")),
                                     std::get<Table>(ctx.input("validate")), fit_context(ctx));
              });
}

void warn_if_fitted_on_folds(Expansion& x, const Planned& data, const std::string& spec_text) {
  if (data.kind != Planned::Kind::Node || data.part.empty()) return;
  std::vector<std::string> fitted;  // nearest first
  bool steps_only = true;
  for (const std::string& op : x.ops_upstream(data, "data")) {
    const lang::Signature* s = lang::catalog().find(op);
    if (!s || !(s->step || op == "tokenize")) continue;
    fitted.push_back(op);
    steps_only &= s->step;
  }
  if (fitted.empty()) return;
  std::reverse(fitted.begin(), fitted.end());
  std::string ops = fmt::format("{}", fmt::join(fitted, ", ")), chain = fmt::format("{}", fmt::join(fitted, " |> "));
  std::string fix = steps_only ? fmt::format("carry it in the model, fitted inside each fold: `{}(..., prep: [{}])` on "
                                             "the rows before it, or make the folds first: `... |> kfold(5) |> {}`",
                                             spec_text, ops, chain)
                               : fmt::format("make the folds first: `... |> kfold(5) |> {}`, and cross-validate that split", chain);
  x.warn(x.arg("data").range,
         fmt::format("{} divides '{}' into folds, but its {} {} fitted on all of '{}': each fold's held-out rows "
                     "shaped the preprocessing they are scored with, which flatters the scores",
                     x.sig().name, data.name, ops, fitted.size() == 1 ? "was" : "were", data.name),
         fix);
}

}  // namespace genre
