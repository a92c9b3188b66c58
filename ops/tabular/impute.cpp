// impute: fill missing feature values from the training part. `mean` and
// `median` per column (scikit-learn's SimpleImputer); `knn` as scikit-learn's
// KNNImputer (nan_euclidean distance, uniform weights): a missing value is the
// mean of that column over the k nearest training rows that have it.
// Ties between equally distant neighbours go to the earlier row (scikit-learn's
// argpartition leaves that order unspecified).
#include <algorithm>
#include <cmath>
#include <numeric>

#include "runtime/core/op.h"
#include "runtime/core/op_kit.h"

namespace genre {

namespace {

std::vector<double> present(const Table& t, const std::string& f) {
  std::vector<double> v;
  for (double x : t.column(f).num)
    if (!std::isnan(x)) v.push_back(x);
  if (v.empty()) throw DataError("impute: column \"" + f + "\" has no values in the part it is fitted on");
  return v;
}

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Rows of the features as a row-major matrix (NaN = missing).
std::vector<double> matrix(const Table& t, const std::vector<std::string>& features) {
  size_t n = t.rows(), m = features.size();
  std::vector<double> x(n * m);
  for (size_t j = 0; j < m; ++j) {
    auto& c = t.find(features[j])->num;
    for (size_t r = 0; r < n; ++r) x[r * m + j] = c[r];
  }
  return x;
}

// The params' method (mean, median, knn) and knn's k, checked.
std::pair<std::string, size_t> options(const json& params) {
  std::string method = kit::symbol_param(params, "method", "mean");
  double k = kit::num_param(params, "k", 5);
  if (json m = params.value("method", json()); m.is_object() && m.contains("k"))  // impute(knn(k: 5))
    k = kit::num_param(m, "k", k);
  if (method != "mean" && method != "median" && method != "knn")
    throw DataError("impute: method must be mean, median or knn, got " + method);
  if (k < 1 || k != std::floor(k)) throw DataError("impute: k must be a whole number of at least 1, got " + kit::fmt_num(k));
  return {method, static_cast<size_t>(k)};
}

json fit_impute(const json& params, const Table& fit, const std::vector<std::string>& features) {
  auto [method, k] = options(params);
  json state = {{"features", features}, {"method", method}};
  if (method == "knn") {
    std::vector<double> means;
    for (auto& f : features) means.push_back(mean_of(present(fit, f)));
    state["means"] = means;
    state["k"] = k;
    state["rows"] = fit.rows();
    state["x"] = matrix(fit, features);  // the donors: KNNImputer keeps its training rows too
    return state;
  }
  std::vector<double> fill;
  for (auto& f : features) fill.push_back(method == "mean" ? mean_of(present(fit, f)) : median_of(present(fit, f)));
  state["fill"] = fill;
  return state;
}

void apply_knn(const json& state, Table& t) {
  auto features = state["features"].get<std::vector<std::string>>();
  auto means = state["means"].get<std::vector<double>>();
  size_t k = state["k"], nfit = state["rows"], m = features.size();
  // NaN is stored as JSON null (a missing value among the donors)
  std::vector<double> fx;
  fx.reserve(nfit * m);
  for (auto& v : state["x"]) fx.push_back(v.is_null() ? missing : v.get<double>());
  std::vector<double> x = matrix(t, features);
  std::vector<double> dist(nfit);
  std::vector<size_t> cand;
  for (size_t r = 0; r < t.rows(); ++r) {
    const double* a = &x[r * m];
    if (std::none_of(a, a + m, [](double v) { return std::isnan(v); })) continue;
    // nan_euclidean: sqrt(m / shared * sum over shared coordinates), NaN when none are shared
    for (size_t i = 0; i < nfit; ++i) {
      const double* b = &fx[i * m];
      double sum = 0;
      size_t shared = 0;
      for (size_t j = 0; j < m; ++j)
        if (!std::isnan(a[j]) && !std::isnan(b[j])) sum += (a[j] - b[j]) * (a[j] - b[j]), ++shared;
      dist[i] = shared ? std::sqrt(sum / static_cast<double>(shared) * static_cast<double>(m)) : missing;
    }
    for (size_t j = 0; j < m; ++j) {
      if (!std::isnan(a[j])) continue;
      cand.clear();
      bool any_distance = false;
      for (size_t i = 0; i < nfit; ++i)
        if (!std::isnan(fx[i * m + j])) cand.push_back(i), any_distance |= !std::isnan(dist[i]);
      double v;
      if (!any_distance) {
        v = means[j];  // no donor shares a coordinate: the training mean
      } else {
        size_t kk = std::min(k, cand.size());
        auto closer = [&](size_t p, size_t q) {  // NaN distances last, ties by row
          double dp = std::isnan(dist[p]) ? INFINITY : dist[p], dq = std::isnan(dist[q]) ? INFINITY : dist[q];
          return dp < dq || (dp == dq && p < q);
        };
        std::partial_sort(cand.begin(), cand.begin() + static_cast<long>(kk), cand.end(), closer);
        double s = 0;
        for (size_t c = 0; c < kk; ++c) s += fx[cand[c] * m + j];
        v = s / static_cast<double>(kk);
      }
      t.find(features[j])->num[r] = v;
    }
  }
}

void apply_impute(const json&, const json& state, Table& t) {
  auto features = state["features"].get<std::vector<std::string>>();
  for (auto& f : features) {
    const Column* c = t.find(f);
    if (!c || !c->numeric) throw DataError("the table has no numeric column \"" + f + "\" (impute was fitted on it)");
  }
  if (state["method"] == "knn") return apply_knn(state, t);
  auto fill = state["fill"].get<std::vector<double>>();
  for (size_t j = 0; j < features.size(); ++j)
    for (double& x : t.find(features[j])->num)
      if (std::isnan(x)) x = fill[j];
}

const kit::Step impute_step{fit_impute, apply_impute};

Value run_impute(const OpContext& ctx) {
  options(ctx.params);
  return kit::fit_apply_step(ctx, "impute", impute_step);
}

}  // namespace

void register_impute() {
  using lang::Type;
  lang::Signature s;
  s.name = "impute";
  s.result = Type::Split;
  s.doc = "Fill missing feature values using the training part only (mean, median, or scikit-learn's KNNImputer); "
          "takes a split so that nothing is learnt from the test part.";
  s.params = {
      {"data", {Type::Split}, true, {}, Type::Any, "the split; fitted on one part, applied to all"},
      {"method", {Type::Symbol, Type::Spec}, false, {"mean", "median", "knn"}, Type::Any,
       "mean (default) or median of the column, or knn / knn(k): the mean over the k nearest training rows "
       "(nan_euclidean)"},
      lang::bounded({"k", {Type::Int}, false, {}, Type::Any, "knn: how many neighbours (default 5)"}, lang::at_least(1)),
      {"fit_on", {Type::String}, false, {}, Type::Any, "the part to fit on (default \"train\")"},
  };
  s.step = true;
  s.need = {.light = true};
  register_op(s, run_impute);
  kit::register_step("impute", impute_step);
}

}  // namespace genre
