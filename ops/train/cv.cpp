// Cross-validation of a whole pipeline. expand_cv turns
//   cv(model, f) { accuracy, macro_f1 }
// where f is a split made by kfold (its scalers and vocabulary fitted per fold:
// see kit::fit_apply) into one `cv_fold` node per fold, which fits the spec on
// foldN_train and scores it on foldN_val, and `cv_summary`, which lays the
// folds out with their mean and standard deviation. Folds run in parallel and
// are cached one by one, like grid's trials.
#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "runtime/core/metrics.h"
#include "ops/models/model.h"
#include "ops/eval/report_tables.h"
#include "runtime/core/op.h"
#include "runtime/core/op_kit.h"
#include "runtime/core/stats.h"
#include "ops/train/fit.h"

namespace genre {

namespace {

const std::vector<std::string> cv_metrics = {"accuracy", "macro_f1", "precision", "recall"};

std::vector<std::string> wanted(const json& params) {
  std::vector<std::string> out;
  if (params.contains("metrics") && params["metrics"].is_array())
    for (auto& m : params["metrics"]) out.push_back(m.get<std::string>());
  if (out.empty()) out = {"accuracy", "macro_f1"};
  return out;
}

// scikit-learn's precision_score / recall_score with average="macro": the mean
// over the classes present in the truth or the predictions, 0 where undefined.
std::pair<double, double> macro_precision_recall(const std::vector<int>& truth, const std::vector<int>& pred, int k) {
  std::set<int> present(truth.begin(), truth.end());
  present.insert(pred.begin(), pred.end());
  auto pc = metrics::per_class(truth, pred, k);
  double p = 0, r = 0;
  for (int c : present) p += pc[size_t(c)].precision, r += pc[size_t(c)].recall;
  double n = present.empty() ? 1.0 : double(present.size());
  return {p / n, r / n};
}

Value run_cv_fold(const OpContext& ctx) {
  const Table& train = std::get<Table>(ctx.input("data"));
  const Table& test = std::get<Table>(ctx.input("test"));
  FitContext fc = fit_context(ctx);
  Model m = fit_model(spec_param(ctx, "model"), train, nullptr, fc);
  std::vector<int> truth = label_indices(test, m.classes);
  std::vector<int> pred = argmax_rows(predict_scores(m, test, fc));
  int k = int(m.classes.size());
  json out = {{"train_rows", train.rows()}, {"rows", test.rows()}};
  auto [prec, rec] = macro_precision_recall(truth, pred, k);
  for (auto& name : wanted(ctx.params)) {
    if (name == "accuracy") out[name] = metrics::accuracy(truth, pred);
    else if (name == "macro_f1") out[name] = metrics::macro_f1(truth, pred, k);
    else if (name == "precision") out[name] = prec;
    else if (name == "recall") out[name] = rec;
    else throw InternalError("cv: unknown metric " + name);
  }
  // The held-out rows' classes, for `genre verify` on another platform (see evaluate).
  out["predictions"] = {{"truth", truth}, {"pred", pred}, {"classes", m.classes}};
  return out;
}

// An evaluate-shaped report (one row per fold, then mean and std) so that the
// report printer and results.json show it like any other.
Value run_cv_summary(const OpContext& ctx) {
  auto folds = ctx.inputs_of("folds");
  if (folds.empty()) throw InternalError("cv_summary: no folds");
  std::vector<std::string> names = wanted(ctx.params);
  double level = kit::num_param(ctx.params, "level", 0.95);
  json models = json::object(), order = json::array(), mean = json::object(), sd = json::object();
  json predictions = json::object();
  size_t rows = 0;
  // Every fold's held-out rows together, in one class numbering, judge the mean and std.
  std::set<std::string> labels;
  for (auto* f : folds)
    for (auto& c : std::get<json>(*f->value).value("/predictions/classes"_json_pointer, json::array())) labels.insert(c);
  std::vector<std::string> all(labels.begin(), labels.end());
  json pooled = {{"truth", json::array()}, {"pred", json::array()}};
  for (size_t f = 0; f < folds.size(); f++) {
    json r = std::get<json>(*folds[f]->value);
    std::string key = fmt::format("fold{}", f + 1);
    if (r.contains("predictions")) {
      json p = r["predictions"];
      r.erase("predictions");
      auto classes = p["classes"].get<std::vector<std::string>>();
      auto index = [&](int c) { return int(std::lower_bound(all.begin(), all.end(), classes.at(size_t(c))) - all.begin()); };
      for (int c : p["truth"].get<std::vector<int>>()) pooled["truth"].push_back(index(c));
      for (int c : p["pred"].get<std::vector<int>>()) pooled["pred"].push_back(index(c));
      p.erase("classes");
      predictions[key] = std::move(p);
    }
    models[key] = r;
    order.push_back(key);
    rows += r.value("rows", size_t(0));
  }
  if (!predictions.empty()) predictions["mean"] = predictions["std"] = pooled;
  for (auto& name : names) {
    double m = 0, s = 0, n = double(folds.size());
    for (auto& key : order) m += models[key.get<std::string>()].at(name).get<double>();
    m /= n;
    for (auto& key : order) {
      double d = models[key.get<std::string>()].at(name).get<double>() - m;
      s += d * d;
    }
    mean[name] = m;
    sd[name] = std::sqrt(s / n);  // population std (numpy's np.std, ddof=0), as grid's trials
    std::vector<double> xs;
    for (auto& key : order) xs.push_back(models[key.get<std::string>()].at(name).get<double>());
    stats::Interval ci = stats::t_interval(xs, level);  // a handful of folds: Student's t, not the bootstrap
    mean[name + "_ci"] = {std::max(ci.lo, 0.0), std::min(ci.hi, 1.0)};  // every cv metric lies in [0, 1]
  }
  models["mean"] = mean;
  models["std"] = sd;
  order.push_back("mean");
  order.push_back("std");
  return json{{"rows", rows},
              {"models", models},
              {"order", order},
              {"predictions", predictions},
              {"cv", {{"k", folds.size()}, {"metrics", names}, {"mean", mean}, {"std", sd}, {"std_kind", "population"},
                     {"interval", fmt::format("Student's t over the {} folds, level {}, clipped to [0, 1]", folds.size(), level)}}}};
}

// cv(model, data, k:, seed:) { metrics } -> (kfold when data is a table), one
// `cv_fold` per fold (fit on foldN_train, score foldN_val), and `cv_summary`.
Planned expand_cv(Expansion& x) {
  Planned spec = x.value("model");
  Planned data = x.value("data");
  if (!spec.is_const() || !spec.value.is_object()) x.fail(x.arg("model").range, "cv needs a model spec");
  if (data.kind != Planned::Kind::Node) x.fail(x.arg("data").range, "cv needs a split made by kfold, or a table");
  json metrics = x.block_names();
  int given_k = x.has("k") ? x.value("k").value.get<int>() : 0;
  Planned folds = data;
  std::string base = data.name.empty() ? x.def() : data.name;  // `cv(m, t |> kfold(5))`: the split is cv's own
  int k = 0;
  if (data.type == lang::Type::Split && data.part.empty()) {
    const json* kfold = x.upstream(data, "kfold", "data");
    if (!kfold)
      x.fail(x.arg("data").range, "cv needs a split made by kfold (parts fold1_train, fold1_val, ...), but '" + base +
                                      "' does not come from kfold",
             "write `split f = table |> kfold(5) |> ...`, or give cv the table and k:");
    k = kfold->at("k").get<int>();
    if (given_k && given_k != k)
      x.fail(x.arg("k").range, fmt::format("k is {} but '{}' has {} folds (from its kfold)", given_k, base, k),
             "leave k out: it comes from the split");
  } else {
    warn_if_fitted_on_folds(x, data, spec.value.value("spec", "model"));
    k = given_k ? given_k : 5;
    folds = kfold_node(x, data, k, x.has("seed") ? x.value("seed").value : json(0));
    base = x.def() + ".folds";
  }
  std::vector<Planned> fold_reports;
  for (int f = 1; f <= k; ++f)
    fold_reports.push_back(x.node("cv_fold", {{"model", spec.value}, {"metrics", metrics}},
                                  {{"data", folds.part_of(fmt::format("fold{}_train", f), fmt::format("{}.fold{}_train", base, f))},
                                   {"test", folds.part_of(fmt::format("fold{}_val", f), fmt::format("{}.fold{}_val", base, f))}},
                                  fmt::format("[fold={}]", f)));
  json summary = {{"metrics", metrics}};
  if (x.has("level")) summary["level"] = x.value("level").value;
  return x.node("cv_summary", summary, {{"folds", Planned::list(fold_reports)}});
}

}  // namespace

Planned kfold_node(Expansion& x, const Planned& data, int k, const json& seed) {
  return x.node("kfold", {{"k", k}, {"stratified", true}, {"seed", seed}}, {{"data", data}});
}

void register_cv() {
  using lang::Type;
  register_expansion({.name = "cv",
               .params = {{.name = "model", .types = {Type::Spec}, .required = true, .doc = "the model spec to fit per fold"},
                          {.name = "data",
                           .types = {Type::Split, Type::Table},
                           .required = true,
                           .doc = "a split made by kfold (parts fold1_train, fold1_val, ...), after any transforms: "
                                  "scalers, imputers and tokenize fit on each foldN_train only; or a table, which cv "
                                  "divides with kfold(k, stratified, seed) itself"},
                          {.name = "k", .types = {Type::Int}, .doc = "folds when data is a table; with a split, the kfold's k",
                           .lo = 2, .dflt = "5"},
                          {.name = "seed", .types = {Type::Int}, .doc = "seed of the fold assignment when data is a table", .dflt = "0"},
                          {.name = "level", .types = {Type::Number}, .doc = "confidence level of the t interval of each metric's fold mean",
                           .lo = 0, .hi = 1, .lo_open = true, .hi_open = true, .dflt = "0.95"}},
               .result = Type::Report,
               .block = true,
               .block_item = Type::Symbol,
               .block_symbols = cv_metrics,
               .block_param = "metrics",
               .doc = "cross-validate a whole pipeline: fit the spec on each foldN_train and score it on foldN_val; "
                      "the report has one row per fold, then mean (with its Student's t interval over the folds, "
                      "`accuracy_ci`) and std (population std, numpy's np.std, as "
                      "scikit-learn users take from cross_validate) of each metric in the block (default accuracy, "
                      "macro_f1): accuracy; macro_f1; precision and recall averaged over classes (macro, 0 where "
                      "undefined). Each fold is fitted without validation rows (a classifier's val_* monitors are skipped, as fit "
                      "without validate). Folds run in parallel and are cached one by one"},
              expand_cv);

  register_op({.name = "cv_fold",
               .params = {{.name = "model", .types = {Type::Spec}, .required = true, .doc = "the model spec"},
                          {.name = "data", .types = {Type::Table}, .required = true, .doc = "the fold's training rows"},
                          {.name = "test", .types = {Type::Table}, .required = true, .doc = "the fold's held-out rows"},
                          {.name = "metrics", .types = {Type::List}, .doc = "the metrics to compute"}},
               .result = Type::Report,
               .internal = true,
               .version = 2,
               .doc = "(internal, made by cv) fit on one fold's training rows and score its held-out rows",
               .need = {.cpus = 2, .mem_gb = 8, .gpu = true}},
              run_cv_fold);

  register_report_kind("cv_summary", metrics_report());
  register_op({.name = "cv_summary",
               .params = {{.name = "folds", .types = {Type::List}, .required = true, .elem = Type::Report,
                           .doc = "the cv_fold reports, fold 1 first"},
                          {.name = "metrics", .types = {Type::List}, .doc = "the metrics, in the block's order"},
                          {.name = "level", .types = {Type::Number}, .doc = "the t interval's level", .dflt = "0.95"}},
               .result = Type::Report,
               .internal = true,
               .version = 3,
               .doc = "(internal, made by cv) per-fold metrics with their mean, population std and t interval",
               .need = {.light = true}},
              run_cv_summary);
}

}  // namespace genre
