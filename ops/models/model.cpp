// What every model family shares: features and labels out of a Table, and the
// dispatch from a spec's "spec" name to its family.
#include "ops/models/model.h"

#include "runtime/torch_api.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

namespace genre {

namespace {

std::string where(const Table& t) { return t.source.empty() ? std::string("table") : t.source; }

// A label as text: numeric labels print as integers when they are whole.
std::string label_text(const Column& c, size_t r) {
  if (!c.numeric) return c.text[r];
  double v = c.num[r];
  if (std::floor(v) == v && std::fabs(v) < 1e15) return fmt::format("{}", (long long)v);
  return fmt::format("{}", v);
}

const Column& label_column(const Table& t) {
  if (t.label.empty())
    throw DataError(where(t) + ": no label column is set; mark one with label(\"<column>\") before fitting");
  const Column& c = t.column(t.label);
  if (c.is_sequence()) throw DataError(where(t) + ": the label column \"" + c.name + "\" holds sequences, not classes");
  return c;
}

bool label_missing(const Column& c, size_t r) { return c.numeric ? is_missing(c.num[r]) : !c.present[r]; }

}  // namespace

Matrix feature_matrix(const Table& t, const std::vector<std::string>& names) {
  Matrix m(t.rows(), names.size());
  for (size_t j = 0; j < names.size(); j++) {
    const Column& c = t.column(names[j]);
    if (!c.numeric)
      throw DataError(fmt::format("{}: feature column \"{}\" holds text; models need numbers (drop it or encode it)",
                                  where(t), names[j]));
    for (size_t r = 0; r < c.num.size(); r++) {
      if (is_missing(c.num[r]))
        throw DataError(fmt::format("{}: column \"{}\" row {} is missing; impute first (impute(...))", where(t),
                                    names[j], r + 1));
      m.at(r, j) = c.num[r];
    }
  }
  return m;
}

std::vector<std::string> class_names(const Table& t) {
  const Column& c = label_column(t);
  if (c.numeric) {
    std::set<double> vals;
    for (size_t r = 0; r < c.size(); r++)
      if (!label_missing(c, r)) vals.insert(c.num[r]);
    std::vector<std::string> out;
    for (double v : vals) {
      Column one{.name = c.name, .numeric = true, .num = {v}};
      out.push_back(label_text(one, 0));
    }
    return out;
  }
  std::set<std::string> vals;
  for (size_t r = 0; r < c.size(); r++)
    if (!label_missing(c, r)) vals.insert(c.text[r]);
  return {vals.begin(), vals.end()};
}

std::vector<int> label_indices(const Table& t, const std::vector<std::string>& classes) {
  const Column& c = label_column(t);
  std::vector<int> out(c.size());
  for (size_t r = 0; r < c.size(); r++) {
    if (label_missing(c, r))
      throw DataError(fmt::format("{}: label \"{}\" is missing in row {}; drop unlabelled rows first", where(t),
                                  t.label, r + 1));
    std::string s = label_text(c, r);
    auto it = std::find(classes.begin(), classes.end(), s);
    if (it == classes.end()) {
      std::string known;
      for (auto& k : classes) known += (known.empty() ? "" : ", ") + ("\"" + k + "\"");
      throw DataError(fmt::format("{}: row {} has label \"{}\", which the model was not trained on (it knows {})",
                                  where(t), r + 1, s, known));
    }
    out[r] = int(it - classes.begin());
  }
  return out;
}

std::vector<int> argmax_rows(const Matrix& s) {
  std::vector<int> out(s.rows, 0);
  for (size_t r = 0; r < s.rows; r++)
    for (size_t c = 1; c < s.cols; c++)  // strict: ties go to the lowest class index
      if (s.at(r, c) > s.at(r, out[r])) out[r] = int(c);
  return out;
}

static std::string spec_name(const json& spec) {
  if (!spec.is_object() || !spec.contains("spec") || !spec["spec"].is_string())
    throw InternalError("model spec without a \"spec\" name: " + spec.dump());
  return spec["spec"].get<std::string>();
}

Model fit_model(const json& spec, const Table& train, const Table* validate, const FitContext& ctx) {
  std::string kind = spec_name(spec);
  if (train.rows() == 0) throw DataError(where(train) + ": no rows to fit " + kind + " on");
  if (kind == "knn") return fit_knn(spec, train, ctx);
  if (kind == "svm") return fit_svm(spec, train, ctx);
  if (kind == "baseline") return fit_baseline(spec, train, ctx);
  if (kind == "classifier") return torch_api().fit_classifier(spec, train, validate, ctx);
  if (kind == "next_step") return torch_api().fit_next_step(spec, train, validate, ctx);
  throw InternalError("fit: unknown model spec \"" + kind + "\"");
}

Matrix predict_ensemble(const Model& m, const Table& t, const FitContext& ctx);  // ops/models/ensemble.cpp

Matrix predict_scores(const Model& m, const Table& t, const FitContext& ctx) {
  if (m.kind == "next_step")
    throw DataError("a next_step model predicts piano-roll steps, not labels; score it with next_step_loss(models, data)");
  if (m.kind == "ensemble") return predict_ensemble(m, t, ctx);  // members read their own features
  if (m.kind == "classifier") return torch_api().predict_classifier(m, t, ctx);  // it may read a sequence column
  if (m.kind == "baseline") return predict_baseline(m, t.rows(), ctx);             // labels only
  Matrix x = feature_matrix(t, m.features);
  if (m.kind == "knn") return predict_knn(m, x, ctx);
  if (m.kind == "svm") return predict_svm(m, x, ctx);
  throw InternalError("predict: unknown model kind \"" + m.kind + "\"");
}

}  // namespace genre

namespace genre {

static std::string spec_kind(const json& spec) { return spec.value("spec", std::string("model")); }

double spec_number(const json& spec, const std::string& key, double dflt) {
  if (!spec.contains(key) || spec[key].is_null()) return dflt;
  if (!spec[key].is_number())
    throw DataError(fmt::format("{}: option {} must be a number, got {}", spec_kind(spec), key, spec[key].dump()));
  return spec[key].get<double>();
}

long spec_int(const json& spec, const std::string& key, long dflt) {
  double v = spec_number(spec, key, double(dflt));
  if (std::floor(v) != v)
    throw DataError(fmt::format("{}: option {} must be a whole number, got {}", spec_kind(spec), key, v));
  return long(v);
}

std::string spec_symbol(const json& spec, const std::string& key, const std::string& dflt) {
  if (!spec.contains(key) || spec[key].is_null()) return dflt;
  if (!spec[key].is_string())
    throw DataError(fmt::format("{}: option {} must be a name, got {}", spec_kind(spec), key, spec[key].dump()));
  return spec[key].get<std::string>();
}

void stop_if_diverged(double loss, int epoch) {
  if (std::isfinite(loss)) return;
  throw DataError(fmt::format("training stopped at epoch {}: the loss became {} (is the learning rate too large, or are "
                              "the features unscaled?)",
                              epoch, loss));
}

std::string pack_state(const json& j) {
  auto b = json::to_msgpack(j);
  return {b.begin(), b.end()};
}

json unpack_state(const std::string& bytes) {
  try {
    return json::from_msgpack(bytes);
  } catch (const json::exception& e) {
    throw DataError(std::string("a saved model is unreadable (a damaged cache entry?): ") + e.what());
  }
}

TrainData train_data(const Table& train) {
  TrainData d;
  d.features = train.feature_names();
  if (d.features.empty())
    throw DataError((train.source.empty() ? std::string("table") : train.source) +
                    ": no numeric feature columns to fit on");
  d.classes = class_names(train);
  d.x = feature_matrix(train, d.features);
  d.y = label_indices(train, d.classes);
  return d;
}

}  // namespace genre
