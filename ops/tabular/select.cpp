// select_best(k): scikit-learn's SelectKBest(f_classif, k): keep the k features
// whose one-way ANOVA F statistic against the label, on the fit part, is
// highest. As a model's prep step it is the textbook case of honest
// cross-validation: chosen on all rows, it finds "signal" in pure noise.
#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include <fmt/format.h>

#include "runtime/core/op.h"
#include "runtime/core/op_kit.h"

namespace genre {

namespace {

// f_classif's F for one feature, with scipy's f_oneway sums (sstot - ssbn), so scores agree to rounding.
double anova_f(const std::vector<double>& x, const std::vector<std::string>& y) {
  std::map<std::string, std::pair<double, double>> groups;  // label -> (sum, count)
  double sum = 0, sq = 0, n = double(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    auto& g = groups[y[i]];
    g.first += x[i];
    g.second += 1;
    sum += x[i];
    sq += x[i] * x[i];
  }
  double sstot = sq - sum * sum / n, ssbn = -sum * sum / n;
  for (auto& [label, g] : groups) ssbn += g.first * g.first / g.second;
  double sswn = sstot - ssbn, dfbn = double(groups.size()) - 1, dfwn = n - double(groups.size());
  return (ssbn / dfbn) / (sswn / dfwn);  // NaN for a constant feature (0 / 0), as scikit-learn
}

json fit_select(const json& params, const Table& fit, const std::vector<std::string>& features) {
  double k = kit::num_param(params, "k", 10);
  if (k < 1 || k != std::floor(k)) throw DataError("select_best: k must be a whole number of at least 1, got " + kit::fmt_num(k));
  if (size_t(k) > features.size())
    throw DataError(fmt::format("select_best: k is {} but the table has only {} features", kit::fmt_num(k), features.size()));
  const Column& label = kit::label_column(fit, "select_best");
  std::vector<std::string> y(fit.rows());
  for (size_t r = 0; r < fit.rows(); ++r) {
    auto key = kit::cell_key(label, r);
    if (!key) throw DataError(fmt::format("select_best: label \"{}\" is missing in row {}; drop unlabelled rows first", fit.label, r + 1));
    y[r] = *key;
  }
  std::vector<double> scores;
  for (auto& f : features) {
    const auto& x = fit.column(f).num;
    for (size_t r = 0; r < x.size(); ++r)
      if (std::isnan(x[r]))
        throw DataError(fmt::format("select_best: column \"{}\" row {} is missing; impute first", f, r + 1));
    scores.push_back(anova_f(x, y));
  }
  // scikit-learn: NaN scores count as the lowest; a stable ascending sort, the last k kept (later columns win ties).
  std::vector<size_t> order(features.size());
  std::iota(order.begin(), order.end(), 0);
  auto score = [&](size_t i) { return std::isnan(scores[i]) ? -INFINITY : scores[i]; };
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return score(a) < score(b); });
  std::vector<bool> keep(features.size());
  for (size_t i = order.size() - size_t(k); i < order.size(); ++i) keep[order[i]] = true;
  json kept = json::array(), dropped = json::array(), f_scores = json::array();
  for (size_t i = 0; i < features.size(); ++i) {
    (keep[i] ? kept : dropped).push_back(features[i]);
    f_scores.push_back(std::isnan(scores[i]) ? json() : json(scores[i]));
  }
  return {{"keep", kept}, {"drop", dropped}, {"scores", f_scores}};
}

void apply_select(const json&, const json& state, Table& t) {
  for (auto& f : state["keep"])
    if (!t.find(f.get<std::string>()))
      throw DataError("the table has no column \"" + f.get<std::string>() + "\" (select_best chose it)");
  std::vector<std::string> drop = state["drop"].get<std::vector<std::string>>();
  std::erase_if(t.cols, [&](const Column& c) { return std::find(drop.begin(), drop.end(), c.name) != drop.end(); });
}

const kit::Step select_step{fit_select, apply_select};

Value run_select_best(const OpContext& ctx) { return kit::fit_apply_step(ctx, "select_best", select_step); }

}  // namespace

void register_select() {
  using lang::Type;
  register_op({.name = "select_best",
               .params = {{.name = "data", .types = {Type::Split}, .required = true,
                           .doc = "the split; the features are chosen on one part and kept in all"},
                          {.name = "k", .types = {Type::Int}, .required = true, .doc = "how many features to keep",
                           .lo = 1},
                          {.name = "fit_on", .types = {Type::String}, .doc = "the part to choose on", .dflt = "\"train\""}},
               .result = Type::Split,
               .step = true,
               .doc = "keep the k features with the highest one-way ANOVA F statistic against the label on the fit part "
                      "(scikit-learn's SelectKBest(f_classif); a constant feature scores lowest, ties go to the later "
                      "column); the other numeric features are dropped from every part. As a model's prep step "
                      "(knn(k: 5, prep: [select_best(20)])) the choice is made inside each fold",
               .need = {.light = true}},
              run_select_best);
  kit::register_step("select_best", select_step);
}

}  // namespace genre
