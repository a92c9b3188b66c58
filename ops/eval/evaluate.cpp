// evaluate(models, data) { metrics }: every trained model predicts the same
// table; the report holds the chosen metrics per model, keyed by the name the
// model has in the script.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "runtime/core/metrics.h"
#include "ops/models/model.h"
#include "ops/eval/report_tables.h"
#include "runtime/core/op.h"

namespace genre {

namespace {

const std::vector<std::string> all_metrics = {"accuracy", "macro_f1", "precision", "recall", "f1",
                                              "confusion", "pr_curve", "pr_auc", "history", "trials"};

// The model's metrics; `predictions` gets every row's true and predicted class.
json evaluate_one(const Model& m, const Table& data, const std::set<std::string>& want, const FitContext& ctx,
                  json& predictions) {
  std::vector<int> truth = label_indices(data, m.classes);
  Matrix scores = predict_scores(m, data, ctx);
  std::vector<int> pred = argmax_rows(scores);
  int k = int(m.classes.size());
  json out = json::object();
  if (want.count("accuracy")) out["accuracy"] = metrics::accuracy(truth, pred);
  if (want.count("macro_f1")) out["macro_f1"] = metrics::macro_f1(truth, pred, k);
  if (want.count("precision") || want.count("recall") || want.count("f1")) {
    // Classes seen in the truth or the predictions, as scikit-learn's report lists them.
    std::set<int> present(truth.begin(), truth.end());
    present.insert(pred.begin(), pred.end());
    auto pc = metrics::per_class(truth, pred, k);
    json per = json::object();
    for (int c : present) {
      json row = {{"support", pc[size_t(c)].support}};
      if (want.count("precision")) row["precision"] = pc[size_t(c)].precision;
      if (want.count("recall")) row["recall"] = pc[size_t(c)].recall;
      if (want.count("f1")) row["f1"] = pc[size_t(c)].f1;
      per[m.classes[size_t(c)]] = row;
    }
    out["per_class"] = per;
  }
  if (want.count("confusion")) out["confusion"] = metrics::confusion(truth, pred, k);
  if (want.count("pr_curve") || want.count("pr_auc")) {
    json curves = json::object(), auc = json::object();
    for (int c = 0; c < k; c++) {
      std::vector<bool> pos(truth.size());
      std::vector<double> s(truth.size());
      for (size_t r = 0; r < truth.size(); r++) {
        pos[r] = truth[r] == c;
        s[r] = scores.at(r, size_t(c));
      }
      auto curve = metrics::pr_curve(pos, s);
      if (want.count("pr_curve"))
        curves[m.classes[size_t(c)]] = {{"precision", curve.precision}, {"recall", curve.recall}};
      if (want.count("pr_auc")) auc[m.classes[size_t(c)]] = metrics::average_precision(pos, s);
    }
    if (want.count("pr_curve")) out["pr_curve"] = curves;
    if (want.count("pr_auc")) out["pr_auc"] = auc;
  }
  if (want.count("history")) out["history"] = m.info.value("history", json::array());
  if (want.count("trials")) out["trials"] = m.info.value("trials", json::array());
  // For `genre verify` on another platform: it compares models by their
  // predictions (McNemar, paired bootstrap), not by luck in the last digits.
  predictions = {{"truth", truth}, {"pred", pred}};
  return out;
}

Value run_evaluate(const OpContext& ctx) {
  const Table& data = std::get<Table>(ctx.input("data"));
  std::set<std::string> want;
  if (ctx.params.contains("metrics") && ctx.params["metrics"].is_array() && !ctx.params["metrics"].empty()) {
    for (auto& n : ctx.params["metrics"]) {
      std::string s = n.get<std::string>();
      if (std::find(all_metrics.begin(), all_metrics.end(), s) == all_metrics.end())
        throw InternalError("evaluate: unknown metric " + s + " (the checker should have caught it)");
      want.insert(s);
    }
  } else {
    want = {"accuracy", "macro_f1", "confusion"};
  }
  FitContext fc{.device = ctx.device, .seed = ctx.seed, .progress = ctx.progress};
  // JSON objects sort their keys: "order" keeps the models as the script lists them.
  json report = {{"rows", data.rows()}, {"models", json::object()}, {"order", json::array()}, {"predictions", json::object()}};
  auto models = ctx.inputs_of("models");
  if (models.empty()) throw DataError("evaluate: no models to evaluate");
  for (const Input* in : models) {
    const Model* m = std::get_if<Model>(in->value);
    if (!m)
      throw InternalError(fmt::format("evaluate: input {} is not a trained model", in->name));
    if (!report.contains("classes")) report["classes"] = m->classes;
    json one = evaluate_one(*m, data, want, fc, report["predictions"][in->name]);
    if (report["classes"] != json(m->classes)) one["classes"] = m->classes;
    report["models"][in->name] = std::move(one);
    report["order"].push_back(in->name);
  }
  return report;
}

}  // namespace

void register_evaluate() {
  using lang::Type;
  register_report_kind("evaluate", metrics_report());
  register_op({.name = "evaluate",
               .params = {{.name = "models",
                           .types = {Type::List, Type::Trained},
                           .required = true,
                           .elem = Type::Trained,
                           .doc = "trained models (or one); each is reported under its name in the script"},
                          {.name = "data",
                           .types = {Type::Table},
                           .required = true,
                           .doc = "the rows to predict, with their true labels"}},
               .result = Type::Report,
               .block = true,
               .block_item = Type::Symbol,
               .block_symbols = all_metrics,
               .block_param = "metrics",
               .version = 2,
               .doc = "predict `data` with every model and report the metrics named in the block (default accuracy, "
                      "macro_f1, confusion): accuracy; macro_f1; precision/recall/f1 per class (0 where undefined, "
                      "as scikit-learn's zero_division=0); confusion (rows = true, columns = predicted); pr_curve and "
                      "pr_auc per class one-vs-rest (average precision); history (training curves); trials (grid "
                      "search table)"},
              run_evaluate);
}

}  // namespace genre
