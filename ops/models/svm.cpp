// C-SVC through libsvm, set up as scikit-learn's SVC calls it: eps 1e-3, a
// 200 MB kernel cache, shrinking on, one-vs-one. Training rows are handed over
// ordered by class so libsvm numbers the classes in sorted order and breaks
// one-vs-one vote ties as scikit-learn does (see SOURCE.md of genre-factor).
//
// Scores for PR curves: libsvm has no probabilities without an extra internal
// cross-validation, so a row's score for class c is
//   (votes_c + 0.5 * [c is libsvm's prediction] + 0.25 * (1 + tanh(d_c)) / 2) / k
// with votes_c the one-vs-one votes won and d_c the mean signed decision value
// of c's k-1 pairs: rows rank by votes, then by the prediction, then by margin,
// and the arg-max of the scores is exactly libsvm's predicted class.
#include <libsvm/svm.h>

#include <cmath>
#include <memory>
#include <numeric>

#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include "ops/models/model.h"

namespace genre {

namespace {

void quiet(const char*) {}  // libsvm prints its optimisation log to stdout otherwise

// A model rebuilt from its saved numbers, owning all the memory libsvm points into.
struct Loaded {
  svm_model model{};
  std::vector<svm_node> nodes;
  std::vector<svm_node*> sv;
  std::vector<std::vector<double>> coef;
  std::vector<double*> coef_ptr;
  std::vector<double> rho;
  std::vector<int> label, nsv;
};

// Every count and size is checked against the others before libsvm, which
// trusts them, indexes with them: a damaged (or edited) cache entry must be an
// error, not a read out of bounds.
std::unique_ptr<Loaded> load(const Model& m) try {
  json st = unpack_state(m.state);
  auto p = std::make_unique<Loaded>();
  size_t cols = st.at("cols").get<size_t>();
  int l = st.at("l").get<int>();
  auto flat = st.at("sv").get<std::vector<double>>();
  int k = st.at("nr_class").get<int>();
  auto bad = [](const std::string& what) { throw DataError("the saved SVM is damaged: " + what); };
  if (cols != m.features.size()) bad(fmt::format("{} feature columns, but the model names {}", cols, m.features.size()));
  if (l < 0 || flat.size() != size_t(l) * cols) bad(fmt::format("{} support-vector values for {} x {}", flat.size(), l, cols));
  if (k < 1 || size_t(k) > m.classes.size()) bad(fmt::format("{} classes, but the model has {}", k, m.classes.size()));
  auto coef = st.at("coef").get<std::vector<std::vector<double>>>();
  if (coef.size() != size_t(k - 1)) bad("coefficient rows do not match the classes");
  for (auto& c : coef)
    if (c.size() != size_t(l)) bad("a coefficient row does not match the support vectors");
  auto rho = st.at("rho").get<std::vector<double>>();
  auto label = st.at("label").get<std::vector<int>>();
  auto nsv = st.at("nsv").get<std::vector<int>>();
  if (rho.size() != size_t(k) * size_t(k - 1) / 2 || label.size() != size_t(k) || nsv.size() != size_t(k))
    bad("per-class tables do not match the classes");
  long total = 0;
  for (size_t c = 0; c < size_t(k); ++c) {
    if (label[c] < 0 || size_t(label[c]) >= m.classes.size() || nsv[c] < 0) bad("a class label or count is out of range");
    total += nsv[c];
  }
  if (total != l) bad(fmt::format("per-class support vectors add up to {}, not {}", total, l));
  int kernel = st.at("kernel").get<int>();
  if (kernel != RBF && kernel != LINEAR) bad("unknown kernel " + std::to_string(kernel));
  p->nodes.resize(size_t(l) * (cols + 1));
  for (int i = 0; i < l; i++) {
    svm_node* row = &p->nodes[size_t(i) * (cols + 1)];
    for (size_t c = 0; c < cols; c++) row[c] = {int(c + 1), flat[size_t(i) * cols + c]};
    row[cols] = {-1, 0};
    p->sv.push_back(row);
  }
  p->coef = std::move(coef);
  for (auto& c : p->coef) p->coef_ptr.push_back(c.data());
  p->rho = std::move(rho);
  p->label = std::move(label);
  p->nsv = std::move(nsv);
  svm_model& mm = p->model;
  mm.param.svm_type = C_SVC;
  mm.param.kernel_type = kernel;
  mm.param.gamma = st.at("gamma").get<double>();
  mm.param.degree = 3;
  mm.param.coef0 = 0;
  mm.nr_class = k;
  mm.l = l;
  mm.SV = p->sv.data();
  mm.sv_coef = p->coef_ptr.data();
  mm.rho = p->rho.data();
  mm.label = p->label.data();
  mm.nSV = p->nsv.data();
  mm.free_sv = 0;
  return p;
} catch (const json::exception& e) {
  throw DataError(std::string("the saved SVM is damaged: ") + e.what());
}

}  // namespace

Model fit_svm(const json& spec, const Table& train, const FitContext&) {
  TrainData d = train_data(train);
  size_t n = d.x.rows, cols = d.x.cols;
  if (d.classes.size() < 2)
    throw DataError(fmt::format("svm: the training data has only one class (\"{}\"); it needs two or more",
                                d.classes[0]));
  std::string kernel = spec_symbol(spec, "kernel", "rbf");
  if (kernel != "rbf" && kernel != "linear") throw DataError("svm: kernel must be rbf or linear, got " + kernel);
  double C = spec_number(spec, "C", 1.0);
  if (!(C > 0)) throw DataError(fmt::format("svm: C must be positive, got {}", C));

  double gamma;
  json g = spec.contains("gamma") ? spec["gamma"] : json("scale");
  if (g.is_number()) {
    gamma = g.get<double>();
  } else if (g == "scale") {  // scikit-learn: 1 / (n_features * X.var()), 1 when X is constant
    double mean = std::accumulate(d.x.v.begin(), d.x.v.end(), 0.0) / double(d.x.v.size());
    double var = 0;
    for (double v : d.x.v) var += (v - mean) * (v - mean);
    var /= double(d.x.v.size());
    gamma = var > 0 ? 1.0 / (double(cols) * var) : 1.0;
  } else if (g == "auto") {
    gamma = 1.0 / double(cols);
  } else {
    throw DataError("svm: gamma must be a number, scale or auto, got " + g.dump());
  }

  // Rows ordered by class index (stable), so libsvm's class order is the sorted one.
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return d.y[a] < d.y[b]; });
  std::vector<svm_node> nodes(n * (cols + 1));
  std::vector<svm_node*> rows(n);
  std::vector<double> ys(n);
  for (size_t i = 0; i < n; i++) {
    svm_node* row = &nodes[i * (cols + 1)];
    for (size_t c = 0; c < cols; c++) row[c] = {int(c + 1), d.x.at(order[i], c)};
    row[cols] = {-1, 0};
    rows[i] = row;
    ys[i] = d.y[order[i]];
  }
  svm_problem prob{int(n), ys.data(), rows.data()};
  svm_parameter param{};
  param.svm_type = C_SVC;
  param.kernel_type = kernel == "rbf" ? RBF : LINEAR;
  param.degree = 3;
  param.gamma = gamma;
  param.coef0 = 0;
  param.cache_size = 200;
  param.eps = 1e-3;
  param.C = C;
  param.shrinking = 1;
  param.probability = 0;
  if (const char* err = svm_check_parameter(&prob, &param)) throw InternalError(std::string("libsvm: ") + err);
  svm_set_print_string_function(&quiet);
  svm_model* sm = svm_train(&prob, &param);

  // Save every number at full precision (svm_save_model rounds support vectors to 8 digits).
  int k = sm->nr_class, l = sm->l;
  std::vector<double> sv(size_t(l) * cols);
  for (int i = 0; i < l; i++)
    for (const svm_node* p = sm->SV[i]; p->index != -1; p++) sv[size_t(i) * cols + size_t(p->index - 1)] = p->value;
  std::vector<std::vector<double>> coef(size_t(k - 1));
  for (int j = 0; j < k - 1; j++) coef[j].assign(sm->sv_coef[j], sm->sv_coef[j] + l);
  json st = {{"cols", cols},
             {"l", l},
             {"nr_class", k},
             {"kernel", param.kernel_type},
             {"gamma", gamma},
             {"sv", sv},
             {"coef", coef},
             {"rho", std::vector<double>(sm->rho, sm->rho + k * (k - 1) / 2)},
             {"label", std::vector<int>(sm->label, sm->label + k)},
             {"nsv", std::vector<int>(sm->nSV, sm->nSV + k)}};
  svm_free_and_destroy_model(&sm);

  Model m;
  m.kind = "svm";
  m.classes = d.classes;
  m.features = d.features;
  m.spec = spec;
  m.state = pack_state(st);
  m.info["gamma"] = gamma;
  m.info["support_vectors"] = l;
  return m;
}

Matrix predict_svm(const Model& m, const Matrix& x, const FitContext&) {
  auto p = load(m);
  const svm_model* sm = &p->model;
  int k = sm->nr_class;
  Matrix out(x.rows, m.classes.size());
  tbb::parallel_for(size_t(0), x.rows, [&](size_t r) {
    std::vector<svm_node> row(x.cols + 1);
    for (size_t c = 0; c < x.cols; c++) row[c] = {int(c + 1), x.at(r, c)};
    row[x.cols] = {-1, 0};
    std::vector<double> dec(size_t(k * (k - 1) / 2));
    int pred = int(svm_predict_values(sm, row.data(), dec.data()));
    std::vector<double> votes(k, 0), margin(k, 0);
    int p = 0;
    for (int i = 0; i < k; i++)
      for (int j = i + 1; j < k; j++, p++) {
        votes[dec[p] > 0 ? i : j] += 1;  // libsvm's rule
        margin[i] += dec[p];
        margin[j] -= dec[p];
      }
    for (int i = 0; i < k; i++) {
      int c = sm->label[i];  // class index (labels were given as 0..k-1)
      double t = (1 + std::tanh(margin[i] / (k - 1))) / 2;
      out.at(r, size_t(c)) = (votes[i] + (c == pred ? 0.5 : 0.0) + 0.25 * t) / k;
    }
  });
  return out;
}

void register_svm_model() {
  register_model_family({"svm", [](const json& spec, const Table& train, const Table*, const FitContext& ctx) { return fit_svm(spec, train, ctx); },
                         [](const Model& m, const Table& t, const FitContext& ctx) { return predict_svm(m, feature_matrix(t, m.features), ctx); },
                         [](const Model& m) { load(m); }});
}

}  // namespace genre
