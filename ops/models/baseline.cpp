// Reference points every study reports next to its models (scikit-learn's
// DummyClassifier): majority = always the most frequent training class (ties:
// lowest class index); random = a class drawn uniformly per row; stratified = a
// class drawn per row with the training class shares. Scores are one-hot on the
// predicted class, so the arg-max is the prediction. Draws come from the
// model's seed, so predicting the same table twice gives the same answer.
#include <random>

#include <fmt/format.h>

#include "ops/models/model.h"

namespace genre {

// Only the labels are read, so a baseline fits any table: token sequences and
// audio frames as well as numeric columns.
Model fit_baseline(const json& spec, const Table& train, const FitContext& ctx) {
  TrainData d;
  d.classes = class_names(train);
  d.y = label_indices(train, d.classes);
  std::string strategy = spec_symbol(spec, "strategy", "");
  if (strategy != "majority" && strategy != "random" && strategy != "stratified")
    throw DataError("baseline: strategy must be majority, random or stratified, got \"" + strategy + "\"");
  std::vector<double> prior(d.classes.size(), 0);
  for (int y : d.y) prior[size_t(y)] += 1.0 / double(d.y.size());
  Model m;
  m.kind = "baseline";
  m.classes = d.classes;
  m.features = d.features;
  m.spec = spec;
  uint64_t seed = spec.contains("seed") ? uint64_t(spec_int(spec, "seed", 0)) : ctx.seed;
  m.state = json{{"prior", prior}, {"seed", seed}}.dump();
  m.info["prior"] = prior;
  m.info["seed"] = seed;
  return m;
}

// The prior is a distribution over the model's classes.
void check_baseline(const Model& m) try {
  json st = json::parse(m.state);
  auto prior = st.at("prior").get<std::vector<double>>();
  (void)st.at("seed").get<uint64_t>();
  auto bad = [](const std::string& what) { throw DataError("the saved baseline is damaged: " + what); };
  if (prior.size() != m.classes.size()) bad(fmt::format("{} prior shares for {} classes", prior.size(), m.classes.size()));
  double sum = 0;
  for (double p : prior) {
    if (!(p >= 0 && p <= 1)) bad(fmt::format("a prior share of {}", p));
    sum += p;
  }
  if (std::abs(sum - 1) > 1e-6) bad(fmt::format("prior shares that sum to {}", sum));
} catch (const json::exception& e) {
  throw DataError(std::string("the saved baseline is damaged: ") + e.what());
}

Matrix predict_baseline(const Model& m, size_t rows, const FitContext&) {
  check_baseline(m);
  json st = json::parse(m.state);
  auto prior = st["prior"].get<std::vector<double>>();
  std::mt19937_64 rng(st["seed"].get<uint64_t>());
  std::string strategy = spec_symbol(m.spec, "strategy", "");
  size_t k = prior.size();
  size_t major = 0;
  for (size_t c = 1; c < k; c++)
    if (prior[c] > prior[major]) major = c;
  std::uniform_int_distribution<size_t> uniform(0, k - 1);
  std::discrete_distribution<size_t> stratified(prior.begin(), prior.end());
  Matrix out(rows, k);
  for (size_t r = 0; r < rows; r++) {
    size_t c = strategy == "majority" ? major : strategy == "random" ? uniform(rng) : stratified(rng);
    out.at(r, c) = 1;
  }
  return out;
}

void register_baseline_model() {
  // labels only: a baseline reads no feature
  register_model_family({"baseline", [](const json& spec, const Table& train, const Table*, const FitContext& ctx) { return fit_baseline(spec, train, ctx); },
                         [](const Model& m, const Table& t, const FitContext& ctx) { return predict_baseline(m, t.rows(), ctx); },
                         check_baseline});
}

}  // namespace genre
