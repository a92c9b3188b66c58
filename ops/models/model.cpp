// What every model family shares: features and labels out of a Table, and the
// dispatch from a spec's "spec" name to its family.
#include "ops/models/model.h"
#include "runtime/core/row_groups.h"
#include "runtime/core/model_check.h"

#include "lang/catalog.h"
#include "runtime/core/op.h"
#include "runtime/core/op_kit.h"

#include <algorithm>
#include <optional>
#include <map>
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

namespace {
std::map<std::string, ModelFamily>& families() {
  static std::map<std::string, ModelFamily> f;
  return f;
}
}  // namespace

void register_model_family(ModelFamily f) {
  std::string name = f.name;
  if (f.check) register_model_check(name, f.check);
  families()[name] = std::move(f);
}

namespace {

const kit::Step& step_of(const json& step) {
  std::string op = step.value("op", "");
  const kit::Step* s = kit::find_step(op);
  if (!s) throw InternalError("prep: no preprocessing step \"" + op + "\"");
  return *s;
}

// A table after the model's fitted preprocessing: each step's state applied in order.
Table prepared(const Table& t, const json& fitted) {
  Table out = t;
  for (auto& f : fitted) {
    try {
      step_of(f["step"]).apply(f["step"], f["state"], out);
    } catch (const DataError& e) {
      throw DataError(fmt::format("{}: the model's {} step: {}", where(t), f["step"].value("op", ""), e.what()));
    }
  }
  return out;
}

}  // namespace

Model fit_model(const json& spec, const Table& train, const Table* validate, const FitContext& ctx) {
  register_all();  // the families register with the ops (a test may fit without a script)
  std::string kind = spec_name(spec);
  if (train.rows() == 0) throw DataError(where(train) + ": no rows to fit " + kind + " on");
  auto it = families().find(kind);
  if (it == families().end() || !it->second.fit) throw InternalError("fit: no model family \"" + kind + "\"");
  json prep = spec.value("prep", json::array());
  if ((train.stored || (validate && validate->stored)) && (!it->second.batches || !prep.empty())) {
    Table t = whole(train);  // a family that reads the table whole gets it whole
    std::optional<Table> v;
    if (validate) v = whole(*validate);
    return fit_model(spec, t, v ? &*v : nullptr, ctx);
  }
  if (prep.empty()) return it->second.fit(spec, train, validate, ctx);
  // The model's preprocessing, fitted on exactly the rows the model is fitted on: in cv, grid and ablate that is
  // each fold's training part, so no held-out row shapes the scaling it is scored with.
  Table rows = train;
  json fitted = json::array();
  for (auto& step : prep) {
    json state = step_of(step).fit(step, rows, rows.feature_names());
    step_of(step).apply(step, state, rows);
    fitted.push_back({{"step", step}, {"state", state}});
  }
  json inner = spec;
  inner.erase("prep");
  std::optional<Table> val;
  if (validate) val = prepared(*validate, fitted);
  Model m = it->second.fit(inner, rows, val ? &*val : nullptr, ctx);
  m.spec = spec;
  m.info["prep"] = fitted;
  return m;
}

Matrix predict_scores(const Model& m, const Table& t, const FitContext& ctx) {
  register_all();
  if (t.stored) return predict_scores(m, whole(t), ctx);
  auto it = families().find(m.kind);
  if (it == families().end()) throw InternalError("predict: no model family \"" + m.kind + "\"");
  if (m.info.contains("prep") && !m.info["prep"].empty()) return it->second.predict(m, prepared(t, m.info["prep"]), ctx);
  return it->second.predict(m, t, ctx);
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

static std::string declared_default(const json& spec, const std::string& key) {
  register_all();  // the signatures hold the defaults
  for (const char* tag : {"spec", "layer", "optimizer"})
    if (spec.contains(tag) && spec[tag].is_string())
      if (const lang::Signature* sig = lang::catalog().find(spec[tag].get<std::string>()))
        if (const lang::Param* p = sig->param(key); p && !p->dflt.empty()) return p->dflt;
  throw InternalError("no declared default for option " + key + " of " + spec.dump());
}

double spec_number(const json& spec, const std::string& key) {
  return spec_number(spec, key, std::stod(declared_default(spec, key)));
}

long spec_int(const json& spec, const std::string& key) { return spec_int(spec, key, std::stol(declared_default(spec, key))); }

std::string spec_symbol(const json& spec, const std::string& key) {
  return spec_symbol(spec, key, declared_default(spec, key));
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
