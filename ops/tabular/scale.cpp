// minmax and standardize: scikit-learn's MinMaxScaler and StandardScaler,
// fitted on the training part and applied to every part. Missing values stay
// missing and are left out of the fit.
#include <algorithm>
#include <cmath>
#include <limits>

#include "runtime/core/op.h"
#include "runtime/core/op_kit.h"

namespace genre {

namespace {

constexpr double eps = std::numeric_limits<double>::epsilon();

std::vector<double> present(const Table& t, const std::string& f, const char* op) {
  std::vector<double> v;
  for (double x : t.column(f).num)
    if (!std::isnan(x)) v.push_back(x);
  if (v.empty())
    throw DataError(std::string(op) + ": column \"" + f + "\" has no values in the part it is fitted on");
  return v;
}

std::vector<double> doubles(const json& j) { return j.get<std::vector<double>>(); }

// Every feature x becomes (x - shift) / scale (StandardScaler's order of operations) or x * scale + shift
// (MinMaxScaler's).
void affine(const json& state, Table& t, bool subtract_then_divide) {
  auto features = state["features"].get<std::vector<std::string>>();
  auto scale = doubles(state["scale"]), shift = doubles(state["shift"]);
  for (size_t i = 0; i < features.size(); ++i) {
    Column* c = t.find(features[i]);
    if (!c || !c->numeric) throw DataError("the table has no numeric column \"" + features[i] + "\" (the scaler was fitted on it)");
    for (double& x : c->num) {
      if (subtract_then_divide) x = (x - shift[i]) / scale[i];
      else x = x * scale[i] + shift[i];
    }
  }
}

json fit_minmax(const json& params, const Table& fit, const std::vector<std::string>& features) {
  double lo = kit::num_param(params, "lo", 0), hi = kit::num_param(params, "hi", 1);
  if (!(lo < hi)) throw DataError("minmax: lo must be less than hi, got lo " + kit::fmt_num(lo) + ", hi " + kit::fmt_num(hi));
  std::vector<double> scale, shift;
  for (auto& f : features) {
    auto v = present(fit, f, "minmax");
    auto [mn, mx] = std::minmax_element(v.begin(), v.end());
    double range = *mx - *mn;
    if (range < 10 * eps) range = 1;  // a constant column maps to lo
    double s = (hi - lo) / range;
    scale.push_back(s);
    shift.push_back(lo - *mn * s);
  }
  return {{"features", features}, {"scale", scale}, {"shift", shift}};
}

void apply_minmax(const json&, const json& state, Table& t) { affine(state, t, false); }

json fit_standardize(const json& params, const Table& fit, const std::vector<std::string>& features) {
  std::vector<double> scale, mean;
  for (auto& f : features) {
    auto v = present(fit, f, "standardize");
    double n = static_cast<double>(v.size()), sum = 0;
    for (double x : v) sum += x;
    double m = sum / n, corr = 0, sq = 0;
    for (double x : v) corr += x - m, sq += (x - m) * (x - m);
    double var = (sq - corr * corr / n) / n;  // two-pass with correction, as scikit-learn
    bool constant = var <= n * eps * var + (n * m * eps) * (n * m * eps);
    mean.push_back(m);
    scale.push_back(constant ? 1.0 : std::sqrt(var));
  }
  json state = {{"features", features}, {"scale", scale}, {"shift", mean}, {"sequences", json::array()}};
  if (!params.value("sequences", false)) return state;
  // Sequence columns (audio frames): each dimension over every frame of the fit part.
  for (auto& c : fit.cols) {
    if (!c.is_sequence()) continue;
    size_t d = c.seq_dims;
    std::vector<double> sum(d, 0), sq(d, 0);
    double n = 0;
    for (size_t r = 0; r < c.seq.size(); ++r) {
      if (!c.present.empty() && !c.present[r]) continue;
      for (size_t i = 0; i < c.seq[r].size(); ++i) sum[i % d] += c.seq[r][i];
      n += static_cast<double>(c.steps(r));
    }
    if (n == 0) throw DataError("standardize: sequence column \"" + c.name + "\" has no frames in the part it is fitted on");
    for (auto& x : sum) x /= n;
    for (size_t r = 0; r < c.seq.size(); ++r) {
      if (!c.present.empty() && !c.present[r]) continue;
      for (size_t i = 0; i < c.seq[r].size(); ++i) sq[i % d] += (c.seq[r][i] - sum[i % d]) * (c.seq[r][i] - sum[i % d]);
    }
    for (auto& x : sq) x = x / n > 0 ? std::sqrt(x / n) : 1.0;  // a constant dimension is only centred
    state["sequences"].push_back({{"name", c.name}, {"mean", sum}, {"scale", sq}});
  }
  return state;
}

void apply_standardize(const json&, const json& state, Table& t) {
  affine(state, t, true);
  for (auto& s : state["sequences"]) {
    Column* c = t.find(s["name"].get<std::string>());
    if (!c || !c->is_sequence()) continue;
    auto mean = doubles(s["mean"]), scale = doubles(s["scale"]);
    size_t d = c->seq_dims;
    for (auto& row : c->seq)
      for (size_t i = 0; i < row.size(); ++i) row[i] = static_cast<float>((row[i] - mean[i % d]) / scale[i % d]);
  }
}

const kit::Step minmax_step{fit_minmax, apply_minmax}, standardize_step{fit_standardize, apply_standardize};

Value run_minmax(const OpContext& ctx) { return kit::fit_apply_step(ctx, "minmax", minmax_step); }
Value run_standardize(const OpContext& ctx) { return kit::fit_apply_step(ctx, "standardize", standardize_step); }

}  // namespace

void register_scale() {
  using lang::Type;
  lang::Signature s;
  s.name = "minmax";
  s.result = Type::Split;
  s.doc = "Scale each feature linearly so that its range on the training part becomes [lo, hi] (scikit-learn's "
          "MinMaxScaler); takes a split so that nothing is learnt from the test part.";
  s.params = {
      {"data", {Type::Split}, true, {}, Type::Any, "the split; fitted on one part, applied to all"},
      {"lo", {Type::Number}, false, {}, Type::Any, "the smallest value after scaling (default 0)"},
      {"hi", {Type::Number}, false, {}, Type::Any, "the largest value after scaling (default 1)"},
      {"fit_on", {Type::String}, false, {}, Type::Any, "the part to fit on (default \"train\")"},
  };
  s.step = true;
  s.need = {.light = true};
  register_op(s, run_minmax);
  kit::register_step("minmax", minmax_step);

  s.name = "standardize";
  s.doc = "Subtract each feature's mean and divide by its standard deviation, both from the training part "
          "(scikit-learn's StandardScaler); takes a split so that nothing is learnt from the test part.";
  s.params = {s.params[0], s.params[3],
              {"sequences", {Type::Bool}, false, {}, Type::Any,
               "also standardize every dimension of sequence columns (audio frames) over all frames of the fit part "
               "(default false: a token-id column must not be scaled)"}};
  s.need = {.light = true};
  register_op(s, run_standardize);
  kit::register_step("standardize", standardize_step);
}

}  // namespace genre
