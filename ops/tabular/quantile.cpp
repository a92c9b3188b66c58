// quantile(normal): scikit-learn's QuantileTransformer, step for step, so that
// a study ported from a notebook gives the same numbers. Each feature is mapped
// through its empirical CDF on the fit part (n_quantiles points), then, for
// `normal`, through the inverse normal CDF.
// Not done: scikit-learn draws a random subsample of 10,000 rows when the fit
// part is larger; here all rows are used (the same result below 10,000 rows).
#include <algorithm>
#include <cmath>
#include <limits>

#include "runtime/core/op.h"
#include "runtime/core/op_kit.h"
#include "ops/tabular/normal.h"

namespace genre {

namespace {

constexpr double bounds_threshold = 1e-7;  // scikit-learn's BOUNDS_THRESHOLD

// numpy.linspace(0, 1, n)
std::vector<double> linspace01(size_t n) {
  std::vector<double> r(n);
  double step = n > 1 ? 1.0 / static_cast<double>(n - 1) : 0;
  for (size_t i = 0; i < n; ++i) r[i] = static_cast<double>(i) * step;
  if (n > 1) r[n - 1] = 1.0;
  return r;
}

// numpy.nanpercentile(values, refs * 100) with method "linear", values sorted, no NaN.
std::vector<double> percentiles(const std::vector<double>& v, const std::vector<double>& refs) {
  std::vector<double> out(refs.size());
  double m = static_cast<double>(v.size());
  for (size_t i = 0; i < refs.size(); ++i) {
    double q = (refs[i] * 100.0) / 100.0;  // numpy's round trip through percent
    double vi = (m - 1) * q;
    double prev = std::floor(vi);
    size_t lo, hi;
    if (vi >= m - 1) lo = hi = v.size() - 1, prev = -1;
    else if (vi < 0) lo = hi = 0, prev = 0;
    else lo = static_cast<size_t>(prev), hi = lo + 1;
    double t = vi - prev, a = v[lo], b = v[hi];
    double diff = b - a;  // numpy's _lerp, exact to the bit
    out[i] = t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
  }
  for (size_t i = 1; i < out.size(); ++i) out[i] = std::max(out[i], out[i - 1]);  // np.maximum.accumulate
  return out;
}

// numpy.interp(x, xp, fp) for one x; xp non-decreasing.
double interp(double x, const std::vector<double>& xp, const std::vector<double>& fp) {
  size_t n = xp.size();
  if (n == 1) return fp[0];  // below, above and at the point all give fp[0] here (left/right = fp ends)
  if (x > xp[n - 1]) return fp[n - 1];
  if (x < xp[0]) return fp[0];
  size_t j = static_cast<size_t>(std::upper_bound(xp.begin(), xp.end(), x) - xp.begin()) - 1;
  if (j == n - 1 || xp[j] == x) return fp[j];
  double slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
  double r = slope * (x - xp[j]) + fp[j];
  if (std::isnan(r)) {
    r = slope * (x - xp[j + 1]) + fp[j + 1];
    if (std::isnan(r) && fp[j] == fp[j + 1]) r = fp[j];
  }
  return r;
}

// The params' output (normal or uniform) and n_quantiles, checked.
std::pair<bool, double> options(const json& params) {
  std::string output = kit::symbol_param(params, "output", "normal");
  if (output != "normal" && output != "uniform")
    throw DataError("quantile: output must be normal or uniform, got " + output);
  double nq = kit::num_param(params, "n_quantiles", 1000);
  if (nq < 1 || nq != std::floor(nq))
    throw DataError("quantile: n_quantiles must be a whole number of at least 1, got " + kit::fmt_num(nq));
  return {output == "normal", nq};
}

json fit_quantile(const json& params, const Table& fit, const std::vector<std::string>& features) {
  size_t nq = std::min(static_cast<size_t>(options(params).second), fit.rows());
  auto refs = linspace01(nq);
  json qs = json::array();  // per feature
  for (auto& f : features) {
    std::vector<double> v;
    for (double x : fit.column(f).num)
      if (!std::isnan(x)) v.push_back(x);
    if (v.empty()) throw DataError("quantile: column \"" + f + "\" has no values in the part it is fitted on");
    std::sort(v.begin(), v.end());
    qs.push_back(percentiles(v, refs));
  }
  return {{"features", features}, {"quantiles", qs}};
}

void apply_quantile(const json& params, const json& state, Table& t) {
  bool normal = options(params).first;
  auto features = state["features"].get<std::vector<std::string>>();
  double eps = std::numeric_limits<double>::epsilon();  // np.spacing(1)
  double clip_min = norm_ppf(bounds_threshold - eps), clip_max = norm_ppf(1 - (bounds_threshold - eps));
  for (size_t i = 0; i < features.size(); ++i) {
    auto q = state["quantiles"][i].get<std::vector<double>>();
    auto refs = linspace01(q.size());
    std::vector<double> neg_refs(refs.rbegin(), refs.rend());
    for (auto& r : neg_refs) r = -r;
    std::vector<double> neg_q(q.rbegin(), q.rend());
    for (auto& x : neg_q) x = -x;
    Column* c = t.find(features[i]);
    if (!c || !c->numeric) throw DataError("the table has no numeric column \"" + features[i] + "\" (quantile was fitted on it)");
    for (double& x : c->num) {
      if (std::isnan(x)) continue;
      bool lower = normal ? x - bounds_threshold < q.front() : x == q.front();
      bool upper = normal ? x + bounds_threshold > q.back() : x == q.back();
      // Both directions, averaged: repeated quantiles map to the middle of their range.
      double v = 0.5 * (interp(x, q, refs) - interp(-x, neg_q, neg_refs));
      if (upper) v = 1;
      if (lower) v = 0;
      if (normal) v = std::clamp(norm_ppf(v), clip_min, clip_max);
      x = v;
    }
  }
}

const kit::Step quantile_step{fit_quantile, apply_quantile};

Value run_quantile(const OpContext& ctx) {
  options(ctx.params);  // a bad option is an error even with no rows to fit
  return kit::fit_apply_step(ctx, "quantile", quantile_step);
}

}  // namespace

void register_quantile() {
  using lang::Type;
  lang::Signature s;
  s.name = "quantile";
  s.result = Type::Split;
  s.doc = "Map each feature through its quantiles on the training part to a normal or uniform distribution "
          "(scikit-learn's QuantileTransformer); takes a split so that nothing is learnt from the test part.";
  s.params = {
      {"data", {Type::Split}, true, {}, Type::Any, "the split; fitted on one part, applied to all"},
      {"output", {Type::Symbol}, false, {"normal", "uniform"}, Type::Any, "the distribution to map to (default normal)"},
      {"n_quantiles", {Type::Int}, false, {}, Type::Any,
       "how many quantiles to estimate (default 1000; at most the number of rows)"},
      {"fit_on", {Type::String}, false, {}, Type::Any, "the part to fit on (default \"train\")"},
  };
  s.step = true;
  s.need = {.light = true};
  register_op(s, run_quantile);
  kit::register_step("quantile", quantile_step);
}

}  // namespace genre
