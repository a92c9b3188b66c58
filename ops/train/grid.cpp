// Grid search with cross-validation. expand_grid turns
//   grid(model, data, cv: 3, over: { batch: [256, 512] }, score: acc_val)
// into kfold(data), one `trial` per (point, fold), point-major, and
// grid_select, which averages each point's folds, scores the point with the
// script's formula, and refits the best point on all of data.
#include <cmath>

#include <fmt/format.h>

#include "ops/models/model.h"
#include "runtime/core/op.h"
#include "runtime/core/stats.h"
#include "ops/train/fit.h"
#include "runtime/core/expr.h"

namespace genre {

namespace {

const std::vector<std::string> metric_names = {"acc_train", "acc_val", "acc_delta", "f1_train", "f1_val", "loss_val"};

Value run_grid_select(const OpContext& ctx) {
  const Table& data = std::get<Table>(ctx.input("data"));
  const json& specs = ctx.params.at("specs");
  const json& points = ctx.params.at("points");
  const json& score = ctx.params.at("score");
  auto trials = ctx.inputs_of("trials");
  size_t np = specs.size();
  if (np == 0 || points.size() != np || trials.size() % np != 0)
    throw InternalError(fmt::format("grid_select: {} specs, {} points and {} trials do not line up", np,
                                    points.size(), trials.size()));
  size_t folds = trials.size() / np;

  json rows = json::array();
  size_t best = 0;
  double best_score = -std::numeric_limits<double>::infinity();
  for (size_t p = 0; p < np; p++) {
    json row = points[p];
    std::map<std::string, double> mean;
    for (auto& name : metric_names) {
      std::vector<double> v;
      for (size_t f = 0; f < folds; f++) {
        const json& t = std::get<json>(*trials[p * folds + f]->value);
        if (t.contains(name)) v.push_back(t[name].get<double>());
      }
      if (v.empty()) continue;
      double m = 0, s = 0;
      for (double x : v) m += x;
      m /= double(v.size());
      for (double x : v) s += (x - m) * (x - m);
      s = std::sqrt(s / double(v.size()));  // population std, as scikit-learn's cv_results_
      mean[name] = m;
      row[name] = m;
      row[name + "_std"] = s;
      stats::Interval ci = stats::t_interval(v, 0.95);  // a handful of folds: Student's t, not the bootstrap
      // Clipped to where the metric can lie: accuracies and F1 in [0, 1], acc_delta in [-1, 1], a loss >= 0.
      double lo = name == "acc_delta" ? -1 : 0, hi = name == "loss_val" ? INFINITY : 1;
      row[name + "_ci"] = {std::max(ci.lo, lo), std::min(ci.hi, hi)};
    }
    double sc = eval_scalar(
        score,
        [&](const std::string& n) -> std::optional<double> {
          auto it = mean.find(n);
          return it == mean.end() ? std::nullopt : std::optional<double>(it->second);
        },
        metric_names);
    row["score"] = sc;
    rows.push_back(row);
    if (sc > best_score) {  // strict: the first of equal scores wins; NaN never wins
      best_score = sc;
      best = p;
    }
  }
  if (!std::isfinite(best_score) && best_score < 0)
    throw DataError("grid: no point got a usable score from `" + expr_text(score) + "`");

  Model m = fit_model(specs[best], data, nullptr, fit_context(ctx));
  m.info["trials"] = rows;
  m.info["best"] = {{"index", best}, {"point", points[best]}, {"score", best_score}, {"folds", folds}};
  return m;
}

// grid(model, data, cv:, over:, score:) -> kfold, one `trial` per (point,
// fold), and `grid_select`, which refits the best point on all of data.
Planned expand_grid(Expansion& x) {
  Planned spec = x.value("model");
  Planned data = x.value("data");
  Planned over = x.value("over");
  json score = x.expr("score");
  int k = x.has("cv") ? x.value("cv").value.get<int>() : 3;
  json seed = x.has("seed") ? x.value("seed").value : json(0);
  if (!spec.is_const() || !spec.value.is_object()) x.fail(x.arg("model").range, "grid needs a model spec");
  if (!over.value.is_object() || over.value.empty()) x.fail(x.arg("over").range, "grid's 'over' is a record of lists: { k: [5, 12] }");
  warn_if_fitted_on_folds(x, data, spec.value.value("spec", "model"));
  Planned folds = kfold_node(x, data, k, seed);

  std::vector<json> points{json::object()};
  for (auto& [key, vals] : over.value.items()) {
    if (!vals.is_array()) x.fail(x.arg("over").range, "'" + key + "' in 'over' must be a list of values");
    std::vector<json> next;
    for (auto& p : points)
      for (auto& v : vals) {
        json q = p;
        q[key] = v;
        next.push_back(q);
      }
    points = next;
  }
  std::string model = spec.value.value("spec", std::string("model"));
  json specs = json::array();
  std::vector<Planned> trials;
  for (auto& point : points) {
    json s = spec.value;
    for (auto& [key, v] : point.items()) {
      // `lr` reaches into the optimizer record: over: { lr: [0.001, 0.01] }
      if (!s.contains(key) && s.contains("optimizer") && s["optimizer"].is_object() && key == "lr") {
        x.check_range(s["optimizer"].value("optimizer", std::string()), key, v, x.arg("over").range);
        s["optimizer"][key] = v;
      } else {
        x.check_range(model, key, v, x.arg("over").range);
        s[key] = v;
      }
    }
    specs.push_back(s);
    for (int f = 1; f <= k; ++f)
      trials.push_back(x.node("trial", {{"model", s}},
                              {{"data", folds.part_of(fmt::format("fold{}_train", f), "fold")},
                               {"validate", folds.part_of(fmt::format("fold{}_val", f), "fold")}},
                              fmt::format("[{} fold={}]", point_label(point), f)));
  }
  return x.node("grid_select", {{"specs", specs}, {"points", points}, {"score", score}, {"cv", k}},
                {{"data", data}, {"trials", Planned::list(trials)}});
}

}  // namespace

void register_grid() {
  using lang::Type;
  register_expansion({.name = "grid",
               .params = {{.name = "model", .types = {Type::Spec}, .required = true, .doc = "the model spec to tune"},
                          {.name = "data", .types = {Type::Table}, .required = true, .doc = "rows for the folds and the final refit"},
                          {.name = "cv", .types = {Type::Int}, .doc = "stratified folds per point", .lo = 2, .dflt = "3"},
                          {.name = "over",
                           .types = {Type::Record},
                           .required = true,
                           .doc = "option -> list of values; every combination is one point ({ batch: [256, 512], lr: "
                                  "[0.001, 0.01] }; lr reaches into the optimizer)",
                           .keys_of = "model"},
                          {.name = "score",
                           .types = {Type::Expr},
                           .required = true,
                           .symbols = metric_names,
                           .doc = "formula to maximise over fold means: acc_train, acc_val, acc_delta = acc_train - "
                                  "acc_val, f1_train, f1_val (macro), loss_val (classifiers)"},
                          {.name = "seed", .types = {Type::Int}, .doc = "seed of the fold assignment", .dflt = "0"}},
               .result = Type::Trained,
               .doc = "grid search with cross-validation: every point is trained on each fold, the best mean score "
                      "(first on ties) is refitted on all of data; info trials/best hold the table (each metric's fold mean, "
                      "population std and 95% Student's t interval), and evaluate reports the chosen point"},
              expand_grid);

  register_op({.name = "grid_select",
               .params = {{.name = "data", .types = {Type::Table}, .required = true, .doc = "rows for the final refit"},
                          {.name = "trials",
                           .types = {Type::List},
                           .required = true,
                           .elem = Type::Report,
                           .doc = "trial reports, point-major: point 0's folds, then point 1's, ..."},
                          {.name = "specs", .types = {Type::List}, .required = true, .doc = "the spec of every point"},
                          {.name = "points", .types = {Type::List}, .required = true, .doc = "the over-values of every point"},
                          {.name = "score", .types = {Type::Expr}, .required = true, .symbols = metric_names,
                           .doc = "the formula to maximise"},
                          {.name = "cv", .types = {Type::Int}, .doc = "folds per point (informative)"}},
               .result = Type::Trained,
               .internal = true,
               .version = 2,
               .doc = "(internal, made by grid) average each point's folds (mean, population std, 95% t interval), "
                      "score, refit the best",
               .need = {.cpus = 2, .mem_gb = 8, .gpu = true}},
              run_grid_select);
}

}  // namespace genre
