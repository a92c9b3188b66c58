// k nearest neighbours with scikit-learn's KNeighborsClassifier semantics:
// uniform weights, exact (brute-force) distances, equal distances ordered by
// training row, a vote tie goes to the lowest class index; scores = vote shares.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include "ops/models/model.h"

namespace genre {

namespace {

enum class Metric { euclidean, manhattan, cosine };

Metric parse_metric(const std::string& s) {
  if (s == "euclidean") return Metric::euclidean;
  if (s == "manhattan") return Metric::manhattan;
  if (s == "cosine") return Metric::cosine;
  throw DataError("knn: metric must be euclidean, manhattan or cosine, got " + s);
}

// Rows scaled to unit length for cosine; zero rows stay zero (distance 1), as scikit-learn.
Matrix unit_rows(Matrix m) {
  for (size_t r = 0; r < m.rows; r++) {
    double n = 0;
    for (size_t c = 0; c < m.cols; c++) n += m.at(r, c) * m.at(r, c);
    n = std::sqrt(n);
    if (n > 0)
      for (size_t c = 0; c < m.cols; c++) m.at(r, c) /= n;
  }
  return m;
}

// A monotone stand-in for the distance: squared euclidean ranks the same as euclidean.
double dist(Metric metric, const double* a, const double* b, size_t n) {
  double s = 0;
  switch (metric) {
    case Metric::euclidean:
      for (size_t i = 0; i < n; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
      return s;
    case Metric::manhattan:
      for (size_t i = 0; i < n; i++) s += std::fabs(a[i] - b[i]);
      return s;
    case Metric::cosine:
      for (size_t i = 0; i < n; i++) s += a[i] * b[i];
      return 1 - s;
  }
  return s;
}

}  // namespace

Model fit_knn(const json& spec, const Table& train, const FitContext&) {
  TrainData d = train_data(train);
  long k = spec_int(spec, "k");
  parse_metric(spec_symbol(spec, "metric"));
  if (k < 1) throw DataError(fmt::format("knn: k must be at least 1, got {}", k));
  if (size_t(k) > d.x.rows)
    throw DataError(fmt::format("knn: k = {} but the training data has only {} rows", k, d.x.rows));
  Model m;
  m.kind = "knn";
  m.classes = d.classes;
  m.features = d.features;
  m.spec = spec;
  // The "fitted" state is the training set itself.
  m.state = pack_state(json{{"rows", d.x.rows}, {"cols", d.x.cols}, {"x", d.x.v}, {"y", d.y}});
  return m;
}

// The saved training set's sizes and labels against each other and the model.
void check_knn(const Model& m) try {
  json st = unpack_state(m.state);
  size_t rows = st.at("rows").get<size_t>(), cols = st.at("cols").get<size_t>();
  auto bad = [](const std::string& what) { throw DataError("the saved KNN is damaged: " + what); };
  if (cols != m.features.size()) bad(fmt::format("{} feature columns, but the model names {}", cols, m.features.size()));
  if (st.at("x").size() != rows * cols) bad(fmt::format("{} values for {} x {}", st.at("x").size(), rows, cols));
  auto y = st.at("y").get<std::vector<int>>();
  if (y.size() != rows) bad(fmt::format("{} labels for {} rows", y.size(), rows));
  for (int c : y)
    if (c < 0 || size_t(c) >= m.classes.size()) bad(fmt::format("label index {} of {} classes", c, m.classes.size()));
  int64_t k = spec_int(m.spec, "k");
  if (k < 1 || size_t(k) > rows) bad(fmt::format("k = {} with {} rows", k, rows));
} catch (const json::exception& e) {
  throw DataError(std::string("the saved KNN is damaged: ") + e.what());
}

Matrix predict_knn(const Model& m, const Matrix& x, const FitContext&) {
  check_knn(m);
  json st = unpack_state(m.state);
  Matrix tx(st["rows"].get<size_t>(), st["cols"].get<size_t>());
  tx.v = st["x"].get<std::vector<double>>();
  auto ty = st["y"].get<std::vector<int>>();
  size_t k = size_t(spec_int(m.spec, "k"));
  Metric metric = parse_metric(spec_symbol(m.spec, "metric"));
  Matrix q = x;
  if (metric == Metric::cosine) {
    tx = unit_rows(std::move(tx));
    q = unit_rows(std::move(q));
  }
  size_t nc = m.classes.size();
  Matrix out(q.rows, nc);
  tbb::parallel_for(size_t(0), q.rows, [&](size_t r) {
    std::vector<std::pair<double, size_t>> d(tx.rows);
    for (size_t i = 0; i < tx.rows; i++) d[i] = {dist(metric, &q.v[r * q.cols], &tx.v[i * tx.cols], q.cols), i};
    // (distance, row) pairs: equal distances fall back to the training row order.
    std::partial_sort(d.begin(), d.begin() + k, d.end());
    for (size_t j = 0; j < k; j++) out.at(r, ty[d[j].second]) += 1;
    for (size_t c = 0; c < nc; c++) out.at(r, c) /= double(k);
  });
  return out;
}

void register_knn_model() {
  register_model_family({"knn", [](const json& spec, const Table& train, const Table*, const FitContext& ctx) { return fit_knn(spec, train, ctx); },
                         [](const Model& m, const Table& t, const FitContext& ctx) { return predict_knn(m, feature_matrix(t, m.features), ctx); },
                         check_knn});
}

}  // namespace genre
