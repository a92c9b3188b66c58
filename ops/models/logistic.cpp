// Logistic regression as scikit-learn's LogisticRegression(solver="lbfgs",
// penalty="l2"): multinomial (softmax) for three or more classes, one logit
// for two (scikit-learn's "auto" picks the binary model there: softmax over
// [0, z] is that sigmoid). It minimises scikit-learn's objective
//   (1/n) * sum_i cross_entropy_i + |W|^2 / (2 C n)      (intercepts unpenalised)
// from zero weights with L-BFGS (liblbfgs, as scipy's L-BFGS-B for
// scikit-learn: 10 corrections), stopping when the gradient's largest
// component is <= tol or after max_iter iterations. Not on a small decrease
// of the objective (scipy's ftol): that ends scikit-learn's fits with
// gradients near 1e-6 even at tol 1e-10. The sums run over
// fixed blocks of rows added in a fixed order, so the weights are the same
// bits whatever the thread count.
#include <lbfgs.h>

#include <cmath>

#include <fmt/format.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_reduce.h>
#include <tbb/partitioner.h>

#include "ops/models/model.h"

namespace genre {

namespace {

// Softmax logits of one row: z[c] = W[c] . x + b[c]; with two classes the
// first is fixed at 0 and the one weight row belongs to the second.
struct Shape {
  size_t classes, rows_w, cols;  // rows_w = classes, or 1 for two classes
  size_t params() const { return rows_w * (cols + 1); }
  void logits(const double* w, const double* x, double* z) const {
    if (classes == 2) z[0] = 0;
    for (size_t r = 0; r < rows_w; r++) {
      const double* wr = w + r * (cols + 1);
      double s = wr[cols];
      for (size_t c = 0; c < cols; c++) s += wr[c] * x[c];
      z[classes == 2 ? 1 : r] = s;
    }
  }
};

// z -> probabilities in place; returns log(sum(exp(z))).
double softmax(double* z, size_t k) {
  double mx = z[0];
  for (size_t c = 1; c < k; c++) mx = std::max(mx, z[c]);
  double s = 0;
  for (size_t c = 0; c < k; c++) s += std::exp(z[c] - mx);
  double lse = mx + std::log(s);
  for (size_t c = 0; c < k; c++) z[c] = std::exp(z[c] - lse);
  return lse;
}

struct Problem {
  const Matrix& x;
  const std::vector<int>& y;
  Shape shape;
  double C;
  double tol;
  double gmax = 0;  // the last gradient's largest component
  int iterations = 0;
};

// A block's cross-entropy sum and gradient sum.
struct Partial {
  double loss = 0;
  std::vector<double> g;
};

constexpr size_t kBlock = 256;  // rows per block: the reduction's fixed shape

lbfgsfloatval_t evaluate(void* inst, const lbfgsfloatval_t* w, lbfgsfloatval_t* g, const int n, const lbfgsfloatval_t) {
  auto& p = *static_cast<Problem*>(inst);
  const Shape& s = p.shape;
  size_t rows = p.x.rows, k = s.classes;
  Partial total = tbb::parallel_deterministic_reduce(
      tbb::blocked_range<size_t>(0, rows, kBlock), Partial{0, std::vector<double>(size_t(n), 0.0)},
      [&](const tbb::blocked_range<size_t>& r, Partial acc) {
        std::vector<double> z(k);
        for (size_t i = r.begin(); i != r.end(); ++i) {
          const double* xi = &p.x.v[i * s.cols];
          s.logits(w, xi, z.data());
          int yi = p.y[i];
          double zy = z[size_t(yi)];
          acc.loss += softmax(z.data(), k) - zy;
          z[size_t(yi)] -= 1;  // z is now p - onehot(y)
          for (size_t wr = 0; wr < s.rows_w; wr++) {
            double e = z[k == 2 ? 1 : wr];
            double* gr = &acc.g[wr * (s.cols + 1)];
            for (size_t c = 0; c < s.cols; c++) gr[c] += e * xi[c];
            gr[s.cols] += e;
          }
        }
        return acc;
      },
      [](Partial a, const Partial& b) {
        a.loss += b.loss;
        for (size_t i = 0; i < a.g.size(); i++) a.g[i] += b.g[i];
        return a;
      },
      tbb::simple_partitioner());
  double inv_n = 1.0 / double(rows), reg = 1.0 / (p.C * double(rows));
  double f = total.loss * inv_n;
  for (size_t wr = 0; wr < s.rows_w; wr++)
    for (size_t c = 0; c <= s.cols; c++) {
      size_t i = wr * (s.cols + 1) + c;
      g[i] = total.g[i] * inv_n;
      if (c < s.cols) {  // the intercept is not penalised
        g[i] += reg * w[i];
        f += 0.5 * reg * w[i] * w[i];
      }
    }
  return f;
}

int progress(void* inst, const lbfgsfloatval_t*, const lbfgsfloatval_t* g, const lbfgsfloatval_t, const lbfgsfloatval_t,
             const lbfgsfloatval_t, const lbfgsfloatval_t, int n, int k, int) {
  auto& p = *static_cast<Problem*>(inst);
  p.iterations = k;
  p.gmax = 0;
  for (int i = 0; i < n; i++) p.gmax = std::max(p.gmax, std::fabs(g[i]));
  return p.gmax <= p.tol ? 1 : 0;  // nonzero stops lbfgs(): converged
}

std::string stop_reason(int code) {
  switch (code) {
    case LBFGSERR_MAXIMUMITERATION: return "max_iter";
    case LBFGSERR_ROUNDING_ERROR: return "rounding";
    case LBFGSERR_MAXIMUMLINESEARCH: return "line search";
    default: return fmt::format("liblbfgs code {}", code);
  }
}

}  // namespace

Model fit_logistic(const json& spec, const Table& train, const FitContext& ctx) {
  TrainData d = train_data(train);
  if (d.classes.size() < 2) throw DataError("logistic: the training rows have one class; it needs at least two");
  double C = spec_number(spec, "C"), tol = spec_number(spec, "tol");
  long max_iter = spec_int(spec, "max_iter");
  if (!(C > 0)) throw DataError(fmt::format("logistic: C must be above 0, got {}", C));
  if (!(tol > 0)) throw DataError(fmt::format("logistic: tol must be above 0, got {}", tol));
  if (max_iter < 1) throw DataError(fmt::format("logistic: max_iter must be at least 1, got {}", max_iter));
  Problem p{d.x, d.y, {d.classes.size(), d.classes.size() == 2 ? 1 : d.classes.size(), d.x.cols}, C, tol};
  int n = int(p.shape.params());
  lbfgs_parameter_t param;
  lbfgs_parameter_init(&param);
  param.m = 10;                 // scipy's maxcor
  param.epsilon = 0;            // convergence is progress()'s gradient test
  param.max_iterations = int(max_iter);
  param.max_linesearch = 50;    // scipy's maxls
  lbfgsfloatval_t* w = lbfgs_malloc(n);
  if (!w) throw DataError("logistic: out of memory for the weights");
  std::fill(w, w + n, 0.0);
  double fx = 0;
  ctx.progress(0, 1, "logistic");
  int code = lbfgs(n, w, &fx, evaluate, progress, &p, &param);
  std::vector<double> weights(w, w + n);
  lbfgs_free(w);
  stop_if_diverged(fx, p.iterations);
  // Stopping at the optimum to machine precision is a success too.
  bool converged = code == LBFGS_STOP || code == LBFGS_SUCCESS || code == LBFGS_ALREADY_MINIMIZED || p.gmax <= tol;
  if (code < 0 && code != LBFGSERR_MAXIMUMITERATION && code != LBFGSERR_ROUNDING_ERROR &&
      code != LBFGSERR_MAXIMUMLINESEARCH && code != LBFGSERR_MINIMUMSTEP && code != LBFGSERR_MAXIMUMSTEP)
    throw DataError(fmt::format("logistic: L-BFGS failed (liblbfgs code {}) at iteration {}", code, p.iterations));
  Model m;
  m.kind = "logistic";
  m.classes = d.classes;
  m.features = d.features;
  m.spec = spec;
  m.state = pack_state(json{{"rows", p.shape.rows_w}, {"cols", d.x.cols}, {"w", weights}});
  m.info["iterations"] = p.iterations;
  m.info["objective"] = fx;
  m.info["gradient_max"] = p.gmax;
  m.info["converged"] = converged;
  if (!converged) m.info["stopped_by"] = stop_reason(code);
  ctx.progress(1, 1, "logistic");
  return m;
}

// The weights' shape against the classes and features; every weight finite.
void check_logistic(const Model& m) try {
  json st = unpack_state(m.state);
  size_t rows = st.at("rows").get<size_t>(), cols = st.at("cols").get<size_t>();
  auto w = st.at("w").get<std::vector<double>>();
  auto bad = [](const std::string& what) { throw DataError("the saved logistic regression is damaged: " + what); };
  size_t k = m.classes.size();
  if (k < 2 || rows != (k == 2 ? 1 : k)) bad(fmt::format("{} weight rows for {} classes", rows, k));
  if (cols != m.features.size()) bad(fmt::format("{} feature columns, but the model names {}", cols, m.features.size()));
  if (w.size() != rows * (cols + 1)) bad(fmt::format("{} weights for {} x {}", w.size(), rows, cols + 1));
  for (double v : w)
    if (!std::isfinite(v)) bad("a weight is not finite");
} catch (const json::exception& e) {
  throw DataError(std::string("the saved logistic regression is damaged: ") + e.what());
}

Matrix predict_logistic(const Model& m, const Matrix& x) {
  check_logistic(m);
  json st = unpack_state(m.state);
  auto w = st["w"].get<std::vector<double>>();
  Shape s{m.classes.size(), st["rows"].get<size_t>(), st["cols"].get<size_t>()};
  Matrix out(x.rows, s.classes);
  for (size_t r = 0; r < x.rows; r++) {
    double* z = &out.v[r * s.classes];
    s.logits(w.data(), &x.v[r * x.cols], z);
    softmax(z, s.classes);
  }
  return out;
}

void register_logistic_model() {
  register_model_family({"logistic", [](const json& spec, const Table& train, const Table*, const FitContext& ctx) { return fit_logistic(spec, train, ctx); },
                         [](const Model& m, const Table& t, const FitContext&) { return predict_logistic(m, feature_matrix(t, m.features)); },
                         check_logistic});
}

}  // namespace genre
