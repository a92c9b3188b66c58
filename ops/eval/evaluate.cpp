// evaluate(models, data) { metrics }: every trained model predicts the same
// table; the report holds the chosen metrics per model, keyed by the name the
// model has in the script, each single number with its bootstrap interval,
// and every pair of models compared on the same rows.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "runtime/core/metrics.h"
#include "runtime/core/stats.h"
#include "ops/models/model.h"
#include "ops/eval/report_tables.h"
#include "runtime/core/op.h"
#include "runtime/core/op_kit.h"

namespace genre {

namespace {

const std::vector<std::string> all_metrics = {"accuracy", "macro_f1", "precision", "recall", "f1",
                                              "confusion", "pr_curve", "pr_auc", "history", "trials"};

// How sure a number is: the percentile bootstrap of the test rows, stratified by class (runtime/core/stats.h).
struct Uncertainty {
  int resamples = 1000;
  double level = 0.95;
  uint64_t seed = 0;

  json interval(const std::vector<int>& truth, const std::vector<int>& pred, int k, const stats::Metric& metric) const {
    if (truth.empty()) return json();  // no rows, no interval (the metric itself is NaN)
    stats::Interval i = stats::bootstrap(truth, pred, k, metric, resamples, level, seed);
    return json::array({i.lo, i.hi});
  }
};

double accuracy_of(const std::vector<int>& t, const std::vector<int>& p, int) { return metrics::accuracy(t, p); }

// The model's metrics; `predictions` gets every row's true and predicted class.
json evaluate_one(const Model& m, const Table& data, const std::set<std::string>& want, const FitContext& ctx,
                  const Uncertainty& u, json& predictions) {
  std::vector<int> truth = label_indices(data, m.classes);
  Matrix scores = predict_scores(m, data, ctx);
  std::vector<int> pred = argmax_rows(scores);
  int k = int(m.classes.size());
  json out = json::object();
  if (want.count("accuracy")) {
    out["accuracy"] = metrics::accuracy(truth, pred);
    out["accuracy_ci"] = u.interval(truth, pred, k, accuracy_of);
  }
  if (want.count("macro_f1")) {
    out["macro_f1"] = metrics::macro_f1(truth, pred, k);
    out["macro_f1_ci"] = u.interval(truth, pred, k, metrics::macro_f1);
  }
  if (want.count("precision") || want.count("recall") || want.count("f1")) {
    // Classes seen in the truth or the predictions, as scikit-learn's report lists them.
    std::set<int> present(truth.begin(), truth.end());
    present.insert(pred.begin(), pred.end());
    auto pc = metrics::per_class(truth, pred, k);
    json per = json::object();
    for (int c : present) {
      json row = {{"support", pc[size_t(c)].support}};
      auto add = [&](const char* name, double value, double metrics::ClassScores::*field) {
        if (!want.count(name)) return;
        row[name] = value;
        row[std::string(name) + "_ci"] = u.interval(truth, pred, k, [&](auto& t, auto& p, int kk) {
          return metrics::per_class(t, p, kk)[size_t(c)].*field;
        });
      };
      add("precision", pc[size_t(c)].precision, &metrics::ClassScores::precision);
      add("recall", pc[size_t(c)].recall, &metrics::ClassScores::recall);
      add("f1", pc[size_t(c)].f1, &metrics::ClassScores::f1);
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
  // A grid's choice is part of the result, whatever the block asked.
  if (m.info.contains("best")) out["chosen"] = m.info["best"];
  // For `genre verify` on another platform: it compares models by their
  // predictions (McNemar, paired bootstrap), not by luck in the last digits.
  predictions = {{"truth", truth}, {"pred", pred}, {"classes", m.classes}};
  return out;
}

// Every pair of models that predicted the same rows in the same classes, in the script's order: which rows
// only one of them gets right (McNemar's exact test, Holm-adjusted over the report's pairs) and the paired
// bootstrap interval of their accuracy difference. Stored as pairs/a/b, a the model the script names first.
void compare_pairs(json& report, const Uncertainty& u) {
  struct Pair {
    std::string a, b;
    json row;
  };
  std::vector<Pair> pairs;
  const json& order = report["order"];
  for (size_t i = 0; i < order.size(); ++i)
    for (size_t j = i + 1; j < order.size(); ++j) {
      std::string a = order[i], b = order[j];
      const json &pa = report["predictions"][a], &pb = report["predictions"][b];
      const json &ma = report["models"][a], &mb = report["models"][b];
      if (pa["truth"] != pb["truth"] || ma.contains("classes") || mb.contains("classes") || pa["truth"].empty()) continue;
      auto truth = pa["truth"].get<std::vector<int>>();
      auto x = pa["pred"].get<std::vector<int>>(), y = pb["pred"].get<std::vector<int>>();
      long only_a = 0, only_b = 0;
      for (size_t r = 0; r < truth.size(); ++r) {
        only_a += x[r] == truth[r] && y[r] != truth[r];
        only_b += x[r] != truth[r] && y[r] == truth[r];
      }
      int k = int(report["classes"].size());
      stats::Interval d = stats::paired_bootstrap(truth, x, y, k, accuracy_of, u.resamples, u.level, u.seed);
      pairs.push_back({a, b,
                       {{"accuracy_diff", metrics::accuracy(truth, x) - metrics::accuracy(truth, y)},
                        {"accuracy_diff_ci", {d.lo, d.hi}},
                        {"only_first_right", only_a},
                        {"only_second_right", only_b},
                        {"mcnemar_p", stats::mcnemar_exact(only_a, only_b)}}});
    }
  std::vector<double> p;
  for (auto& pr : pairs) p.push_back(pr.row["mcnemar_p"]);
  std::vector<double> adjusted = stats::holm(p);
  for (size_t i = 0; i < pairs.size(); ++i) {
    pairs[i].row["mcnemar_p_holm"] = adjusted[i];
    report["pairs"][pairs[i].a][pairs[i].b] = pairs[i].row;
  }
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
  Uncertainty u{.resamples = int(kit::num_param(ctx.params, "resamples", 1000)),
                .level = kit::num_param(ctx.params, "level", 0.95),
                .seed = uint64_t(kit::num_param(ctx.params, "seed", 0))};
  // JSON objects sort their keys: "order" keeps the models as the script lists them.
  json report = {{"rows", data.rows()}, {"models", json::object()}, {"order", json::array()}, {"predictions", json::object()}};
  auto models = ctx.inputs_of("models");
  if (models.empty()) throw DataError("evaluate: no models to evaluate");
  for (const Input* in : models) {
    const Model* m = std::get_if<Model>(in->value);
    if (!m)
      throw InternalError(fmt::format("evaluate: input {} is not a trained model", in->name));
    if (!report.contains("classes")) report["classes"] = m->classes;
    json one = evaluate_one(*m, data, want, fc, u, report["predictions"][in->name]);
    if (report["classes"] != json(m->classes)) one["classes"] = m->classes;
    report["models"][in->name] = std::move(one);
    report["order"].push_back(in->name);
  }
  if (want.count("accuracy")) compare_pairs(report, u);
  report["uncertainty"] = {{"method", "percentile bootstrap, stratified by class"},
                           {"resamples", u.resamples},
                           {"level", u.level},
                           {"seed", u.seed},
                           {"pairs", "McNemar's exact test (Holm-adjusted); paired bootstrap of the accuracy difference"}};
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
                           .doc = "the rows to predict, with their true labels"},
                          {.name = "level", .types = {Type::Number}, .doc = "confidence level of every interval",
                           .lo = 0, .hi = 1, .lo_open = true, .hi_open = true, .dflt = "0.95"},
                          {.name = "resamples", .types = {Type::Int}, .doc = "bootstrap resamples of the test rows",
                           .lo = 100, .dflt = "1000"},
                          {.name = "seed", .types = {Type::Int}, .doc = "seed of the bootstrap's draws", .lo = 0, .dflt = "0"}},
               .result = Type::Report,
               .block = true,
               .block_item = Type::Symbol,
               .block_symbols = all_metrics,
               .block_param = "metrics",
               .version = 3,
               .doc = "predict `data` with every model and report the metrics named in the block (default accuracy, "
                      "macro_f1, confusion): accuracy; macro_f1; precision/recall/f1 per class (0 where undefined, "
                      "as scikit-learn's zero_division=0); confusion (rows = true, columns = predicted); pr_curve and "
                      "pr_auc per class one-vs-rest (average precision); history (training curves); trials (grid "
                      "search table). Every single-number metric gets its percentile bootstrap interval (`accuracy_ci`: "
                      "`resamples` draws of the test rows, stratified by class, seeded); with accuracy, every pair of models "
                      "predicting the same rows is compared (pairs.a.b, a named first in the script: accuracy difference with its paired bootstrap "
                      "interval, McNemar's exact p and its Holm adjustment over the report's pairs). A grid-fitted "
                      "model's chosen point is always reported (`chosen`)",
               .need = {.cpus = 2, .mem_gb = 8, .gpu = true}},
              run_evaluate);
}

}  // namespace genre
