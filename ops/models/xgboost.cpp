// Gradient-boosted trees and random forests through XGBoost's C API (Debian's
// libxgboost, 1.7), set up as its Python package does for xgboost.train with
// the same parameters: objective multi:softprob (probabilities for every
// class, two classes included), tree_method hist (256 bins), features as
// float32 as Python hands them over. random_forest is XGBoost's random forest
// mode (XGBRFClassifier): one round of `trees` parallel trees, learning rate 1,
// rows and features sampled per tree and per node.
//
// One thread per fit (nthread 1), as LibTorch runs here: the run's threads go
// to folds, trials and models side by side, and a model's bits never depend on
// the thread count. The fitted state is XGBoost's own model file (UBJSON).
#include <xgboost/c_api.h>

#include <cmath>
#include <memory>

#include <fmt/format.h>

#include "ops/models/model.h"

namespace genre {

namespace {

// An XGBoost call that failed: its message, as a DataError naming the family.
void ok(int rc, const std::string& family, const char* what) {
  if (rc != 0) throw DataError(fmt::format("{}: XGBoost could not {}: {}", family, what, XGBGetLastError()));
}

struct Booster {
  BoosterHandle h = nullptr;
  ~Booster() {
    if (h) XGBoosterFree(h);
  }
};
struct DMatrix {
  DMatrixHandle h = nullptr;
  ~DMatrix() {
    if (h) XGDMatrixFree(h);
  }
};

void quiet() {
  static const bool once = [] { return XGBSetGlobalConfig(R"({"verbosity": 0})") == 0; }();
  (void)once;
}

// float32, row-major, as XGBoost reads every matrix.
void make_matrix(const Matrix& x, DMatrix& d, const std::string& family) {
  std::vector<float> f(x.v.begin(), x.v.end());
  ok(XGDMatrixCreateFromMat(f.data(), x.rows, x.cols, std::nanf(""), &d.h), family, "read the matrix");
}

// XGBoost's parameters for a spec, as strings (XGBoosterSetParam's form).
std::vector<std::pair<std::string, std::string>> params(const json& spec, size_t classes, uint64_t seed) {
  auto num = [](double v) { return fmt::format("{}", v); };
  std::vector<std::pair<std::string, std::string>> p = {
      {"objective", "multi:softprob"}, {"num_class", std::to_string(classes)}, {"tree_method", "hist"},
      {"nthread", "1"}, {"seed", std::to_string(seed)}, {"max_depth", std::to_string(spec_int(spec, "depth"))},
      {"subsample", num(spec_number(spec, "subsample"))}};
  if (spec.at("spec") == "xgboost") {
    p.push_back({"eta", num(spec_number(spec, "eta"))});
    p.push_back({"colsample_bytree", num(spec_number(spec, "colsample"))});
    p.push_back({"min_child_weight", num(spec_number(spec, "min_child_weight"))});
    p.push_back({"lambda", num(spec_number(spec, "lambda"))});
  } else {  // XGBRFClassifier's settings
    p.push_back({"eta", "1"});
    p.push_back({"num_parallel_tree", std::to_string(spec_int(spec, "trees"))});
    p.push_back({"colsample_bynode", num(spec_number(spec, "colsample"))});
    p.push_back({"lambda", "1e-05"});
  }
  return p;
}

// A saved booster, loaded; DataError when XGBoost cannot read it or it does not
// fit the model's classes and features.
std::unique_ptr<Booster> load(const Model& m) {
  quiet();
  const std::string family = m.kind;
  auto b = std::make_unique<Booster>();
  auto bad = [&](const std::string& what) { throw DataError(fmt::format("the saved {} is damaged: {}", family, what)); };
  if (XGBoosterCreate(nullptr, 0, &b->h) != 0) bad(XGBGetLastError());
  if (m.state.empty() || XGBoosterLoadModelFromBuffer(b->h, m.state.data(), m.state.size()) != 0) bad(XGBGetLastError());
  bst_ulong nf = 0;
  if (XGBoosterGetNumFeature(b->h, &nf) != 0) bad(XGBGetLastError());
  if (nf != m.features.size()) bad(fmt::format("{} features, but the model names {}", nf, m.features.size()));
  bst_ulong len = 0;
  const char* cfg = nullptr;
  if (XGBoosterSaveJsonConfig(b->h, &len, &cfg) != 0) bad(XGBGetLastError());
  try {
    json c = json::parse(std::string_view(cfg, len));
    auto& learner = c.at("learner");
    std::string classes = learner.at("learner_model_param").at("num_class").get<std::string>();
    if (classes != std::to_string(m.classes.size())) bad(fmt::format("{} classes, but the model has {}", classes, m.classes.size()));
    if (learner.at("objective").at("name") != "multi:softprob") bad("its objective is not multi:softprob");
  } catch (const json::exception& e) {
    bad(e.what());
  }
  return b;
}

Model fit_trees(const json& spec, const Table& train, const FitContext& ctx) {
  quiet();
  const std::string family = spec.at("spec").get<std::string>();
  TrainData d = train_data(train);
  if (d.classes.size() < 2) throw DataError(family + ": the training rows have one class; it needs at least two");
  uint64_t seed = spec.contains("seed") ? uint64_t(spec_int(spec, "seed", 0)) : ctx.seed;
  seed &= 0x7fffffff;  // XGBoost's seed is a 32-bit int
  DMatrix dm;
  make_matrix(d.x, dm, family);
  std::vector<float> labels(d.y.begin(), d.y.end());
  ok(XGDMatrixSetFloatInfo(dm.h, "label", labels.data(), labels.size()), family, "set the labels");
  Booster b;
  ok(XGBoosterCreate(&dm.h, 1, &b.h), family, "create a booster");
  for (auto& [k, v] : params(spec, d.classes.size(), seed)) ok(XGBoosterSetParam(b.h, k.c_str(), v.c_str()), family, "take a parameter");
  int rounds = family == "xgboost" ? int(spec_int(spec, "rounds")) : 1;
  for (int i = 0; i < rounds; i++) {
    ok(XGBoosterUpdateOneIter(b.h, i, dm.h), family, "train");
    ctx.progress(size_t(i + 1), size_t(rounds), family);
  }
  bst_ulong len = 0;
  const char* buf = nullptr;
  ok(XGBoosterSaveModelToBuffer(b.h, R"({"format": "ubj"})", &len, &buf), family, "save the model");
  Model m;
  m.kind = family;
  m.classes = d.classes;
  m.features = d.features;
  m.spec = spec;
  m.state.assign(buf, len);
  m.info["seed"] = seed;
  m.info["rounds"] = rounds;
  return m;
}

Matrix predict_trees(const Model& m, const Matrix& x) {
  auto b = load(m);
  DMatrix dm;
  make_matrix(x, dm, m.kind);
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* out = nullptr;
  ok(XGBoosterPredictFromDMatrix(b->h, dm.h,
                                 R"({"type": 0, "training": false, "iteration_begin": 0, "iteration_end": 0, "strict_shape": true})",
                                 &shape, &dim, &out),
     m.kind, "predict");
  if (dim != 2 || shape[0] != x.rows || shape[1] != m.classes.size())
    throw DataError(fmt::format("{}: XGBoost predicted a {}-dimensional result for {} rows x {} classes", m.kind, dim, x.rows, m.classes.size()));
  Matrix s(x.rows, m.classes.size());
  for (size_t i = 0; i < s.v.size(); i++) s.v[i] = out[i];
  return s;
}

}  // namespace

void register_xgboost_model() {
  for (std::string family : {"xgboost", "random_forest"})
    register_model_family({family, [](const json& spec, const Table& train, const Table*, const FitContext& ctx) { return fit_trees(spec, train, ctx); },
                           [](const Model& m, const Table& t, const FitContext&) { return predict_trees(m, feature_matrix(t, m.features)); },
                           [](const Model& m) { load(m); }});
}

}  // namespace genre
