// Ensembles of trained classifiers: average, max, weighted and vote. The
// result is a Model of kind "ensemble" that holds its members (each one
// serialised whole) and combines their scores when it predicts, so evaluate
// and other ensembles take it like any model.
// - Every member's score row is first divided by its sum, so families whose
//   scores are not probabilities (svm's votes) count as shares like the rest.
// - average: the (weighted) mean of the members' rows; max: the per-class
//   maximum over members, renormalised to sum 1.
// - vote: each member votes for its top class (ties to the first class);
//   score = (votes + mean member probability) / (members + 1). The mean
//   probability is below one vote, so the ranking is: most votes, then the
//   highest summed score, then the first class; rows still sum to 1.
// - weighted with fit_on: weights proportional to each member's accuracy on
//   that table (a plain, inspectable rule; info.dev_accuracy shows them).
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "runtime/core/metrics.h"
#include "ops/models/model.h"
#include "runtime/core/op.h"

namespace genre {

namespace {

std::string quoted(const std::vector<std::string>& v) {
  std::string s;
  for (auto& x : v) s += (s.empty() ? "" : ", ") + ("\"" + x + "\"");
  return "[" + s + "]";
}

struct Member {
  std::string name;
  const Model* model;
};

// Members must know the same classes; a member listing them in another order
// is read through its own column order.
std::vector<std::string> shared_classes(const std::string& op, const std::vector<Member>& ms) {
  const auto& first = ms[0].model->classes;
  std::set<std::string> want(first.begin(), first.end());
  for (auto& m : ms) {
    std::set<std::string> got(m.model->classes.begin(), m.model->classes.end());
    if (got == want) continue;
    std::vector<std::string> only_first, only_this;
    std::set_difference(want.begin(), want.end(), got.begin(), got.end(), std::back_inserter(only_first));
    std::set_difference(got.begin(), got.end(), want.begin(), want.end(), std::back_inserter(only_this));
    std::string why;
    if (!only_first.empty()) why += fmt::format("'{}' lacks {}", m.name, quoted(only_first));
    if (!only_this.empty()) why += fmt::format("{}'{}' has {} that '{}' lacks", why.empty() ? "" : "; ", m.name,
                                               quoted(only_this), ms[0].name);
    throw DataError(fmt::format("{}: members must share their classes, but '{}' knows {} and '{}' knows {} ({})", op,
                                ms[0].name, quoted(first), m.name, quoted(m.model->classes), why));
  }
  return first;
}

// A member's scores as shares (each row divided by its sum), columns in `classes` order.
Matrix member_shares(const std::string& name, const Model& m, const Table& t, const std::vector<std::string>& classes,
                     const FitContext& ctx) {
  Matrix s = predict_scores(m, t, ctx);
  std::vector<size_t> col(classes.size());
  for (size_t c = 0; c < classes.size(); c++)
    col[c] = size_t(std::find(m.classes.begin(), m.classes.end(), classes[c]) - m.classes.begin());
  Matrix out(s.rows, classes.size());
  for (size_t r = 0; r < s.rows; r++) {
    double sum = 0;
    for (size_t c = 0; c < classes.size(); c++) {
      double v = s.at(r, col[c]);
      if (v < 0 || std::isnan(v))
        throw DataError(fmt::format("ensemble: member '{}' gave the score {} on row {}; ensembles combine "
                                    "non-negative scores",
                                    name, v, r + 1));
      sum += v;
    }
    for (size_t c = 0; c < classes.size(); c++) out.at(r, c) = sum > 0 ? s.at(r, col[c]) / sum : 0.0;
  }
  return out;
}

void normalise_rows(Matrix& m) {
  for (size_t r = 0; r < m.rows; r++) {
    double sum = 0;
    for (size_t c = 0; c < m.cols; c++) sum += m.at(r, c);
    if (sum > 0)
      for (size_t c = 0; c < m.cols; c++) m.at(r, c) /= sum;
  }
}

std::vector<Member> members_of(const OpContext& ctx, const std::string& op) {
  std::vector<Member> out;
  for (const Input* in : ctx.inputs_of("models")) {
    auto* m = std::get_if<Model>(in->value);
    if (!m) throw InternalError(op + ": member " + in->name + " is not a trained model");
    out.push_back({in->name, m});
  }
  if (out.empty()) throw DataError(op + ": no models to combine");
  return out;
}

// The combined scores of the members (already shares, same class order).
Matrix combine(const std::string& method, const std::vector<Matrix>& shares, const std::vector<double>& weights) {
  size_t rows = shares[0].rows, k = shares[0].cols, n = shares.size();
  Matrix out(rows, k, 0.0);
  if (method == "average") {
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < out.v.size(); j++) out.v[j] += weights[i] * shares[i].v[j];
  } else if (method == "max") {
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < out.v.size(); j++) out.v[j] = std::max(out.v[j], shares[i].v[j]);
  } else if (method == "vote") {
    for (size_t i = 0; i < n; i++) {
      std::vector<int> top = argmax_rows(shares[i]);
      for (size_t r = 0; r < rows; r++) {
        out.at(r, size_t(top[r])) += 1.0;
        for (size_t c = 0; c < k; c++) out.at(r, c) += shares[i].at(r, c) / double(n);
      }
    }
  } else {
    throw InternalError("ensemble: unknown method " + method);
  }
  normalise_rows(out);
  return out;
}

Value make_ensemble(const OpContext& ctx, const std::string& op) {
  std::vector<Member> ms = members_of(ctx, op);
  Model e;
  e.kind = "ensemble";
  e.classes = shared_classes(op, ms);
  std::set<std::string> feats;
  for (auto& m : ms) {
    for (auto& f : m.model->features)
      if (feats.insert(f).second) e.features.push_back(f);
  }
  std::vector<double> w(ms.size(), 1.0 / double(ms.size()));
  json info = {{"method", op}, {"members", json::array()}};
  for (auto& m : ms) info["members"].push_back(m.name);

  if (op == "weighted") {
    bool given = ctx.params.contains("weights") && !ctx.params["weights"].is_null();
    const Value* dev = ctx.maybe_input("fit_on");
    if (given == (dev != nullptr))
      throw DataError("weighted: give the weights (weights: [0.5, 0.3, 0.2]) or a table to fit them on (fit_on: s.dev), "
                      "not both");
    if (given) {
      json ws = ctx.params["weights"];
      if (!ws.is_array()) ws = json::array({ws});
      if (ws.size() != ms.size())
        throw DataError(fmt::format("weighted: {} weights for {} models; give one weight per model", ws.size(), ms.size()));
      for (size_t i = 0; i < ms.size(); i++) {
        if (!ws[i].is_number() || ws[i].get<double>() < 0)
          throw DataError(fmt::format("weighted: weight {} is {}; weights are numbers >= 0", i + 1, ws[i].dump()));
        w[i] = ws[i].get<double>();
      }
    } else {
      const Table& t = std::get<Table>(*dev);
      FitContext fc{.device = ctx.device, .seed = ctx.seed, .progress = ctx.progress};
      json accs = json::array();
      for (size_t i = 0; i < ms.size(); i++) {
        std::vector<int> truth = label_indices(t, ms[i].model->classes);
        w[i] = metrics::accuracy(truth, argmax_rows(predict_scores(*ms[i].model, t, fc)));
        accs.push_back(w[i]);
      }
      info["dev_accuracy"] = accs;
      info["dev_rows"] = t.rows();
    }
    double sum = 0;
    for (double x : w) sum += x;
    if (!(sum > 0)) throw DataError("weighted: the weights sum to 0" + std::string(given ? "" : " (every model has accuracy 0 on the fit_on table)"));
    for (double& x : w) x /= sum;
  }
  info["weights"] = w;

  json state = {{"method", op == "weighted" ? "average" : op}, {"weights", w}, {"members", json::array()}};
  for (auto& m : ms) {
    std::string bytes = serialize(*m.model);
    state["members"].push_back(json::binary(std::vector<uint8_t>(bytes.begin(), bytes.end())));
  }
  e.spec = {{"spec", "ensemble"}, {"method", op}, {"weights", w}};
  e.state = pack_state(state);
  e.info = info;
  return e;
}

}  // namespace

Matrix predict_ensemble(const Model& m, const Table& t, const FitContext& ctx) {
  json state = unpack_state(m.state);
  std::vector<Matrix> shares;
  const json& members = state.at("members");
  for (size_t i = 0; i < members.size(); i++) {
    const auto& b = members[i].get_binary();
    Value v = deserialize(std::string(b.begin(), b.end()));
    auto* mm = std::get_if<Model>(&v);
    if (!mm) throw InternalError("ensemble: a member's state is not a model");
    std::string name = m.info.contains("members") ? m.info["members"][i].get<std::string>() : std::to_string(i + 1);
    shares.push_back(member_shares(name, *mm, t, m.classes, ctx));
  }
  return combine(state.at("method").get<std::string>(), shares, state.at("weights").get<std::vector<double>>());
}

void register_ensemble() {
  register_model_family({"ensemble", {}, predict_ensemble});  // members read their own features
  using lang::Type;
  auto models = [] {
    return lang::Param{.name = "models",
                       .types = {Type::List, Type::Trained},
                       .required = true,
                       .elem = Type::Trained,
                       .doc = "trained classifiers (a list, or a `for` sweep); they must share their classes"};
  };
  const std::string common =
      " The result is a trained model (kind ensemble) that evaluate takes like any other. Each member's score row is "
      "first divided by its sum (svm's votes become shares).";
  register_op({.name = "average",
               .params = {models()},
               .result = Type::Trained,
               .doc = "ensemble: the mean of the members' class probabilities, renormalised to sum 1." + common,
               .need = {.light = true}},
              [](const OpContext& ctx) { return make_ensemble(ctx, "average"); });
  register_op({.name = "max",
               .params = {models()},
               .result = Type::Trained,
               .doc = "ensemble: per class, the highest probability any member gives, renormalised to sum 1." + common,
               .need = {.light = true}},
              [](const OpContext& ctx) { return make_ensemble(ctx, "max"); });
  register_op({.name = "weighted",
               .params = {models(),
                          {.name = "weights",
                           .types = {Type::List},
                           .elem = Type::Number,
                           .doc = "one weight >= 0 per model, in the models' order (divided by their sum)"},
                          {.name = "fit_on",
                           .types = {Type::Table},
                           .doc = "rows (a dev part) to fit the weights on instead: each model's weight is proportional "
                                  "to its accuracy on them (info.dev_accuracy)"}},
               .result = Type::Trained,
               .doc = "ensemble: the weighted mean of the members' class probabilities; give weights or fit_on (one "
                      "of the two)." + common,
               .need = {.light = true}},
              [](const OpContext& ctx) { return make_ensemble(ctx, "weighted"); });
  register_op({.name = "vote",
               .params = {models()},
               .result = Type::Trained,
               .doc = "ensemble: majority vote of the members' predicted classes; a tie goes to the class with the "
                      "highest summed probability, then to the first class. Scores are (votes + mean member "
                      "probability) / (members + 1): the vote shares, with the tie-break worth less than one vote." +
                      common,
               .need = {.light = true}},
              [](const OpContext& ctx) { return make_ensemble(ctx, "vote"); });
}

}  // namespace genre
