#include "runtime/app/predict_command.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <tuple>
#include <unistd.h>

#include <fmt/format.h>

#include "runtime/core/op.h"
#include "runtime/core/op_kit.h"
#include "runtime/engine/cache.h"
#include "runtime/engine/run.h"

namespace fs = std::filesystem;

namespace genre {

namespace {

const NodeInput* input_of(const Node& n, const std::string& param) {
  auto it = std::find_if(n.inputs.begin(), n.inputs.end(), [&](auto& i) { return i.param == param; });
  return it == n.inputs.end() ? nullptr : &*it;
}

// One node of the training rows' chain, and the part of its output the next node took ("" = all of it).
struct Link {
  const Node* node;
  std::string part;
};

// From the model back to the op that read the files: the rows it was trained on (an ensemble's: its first
// member's), then each node's `data` input. Source first.
std::vector<Link> chain_of(const Plan& p, size_t model) {
  const NodeInput* data = nullptr;
  for (size_t at = model; !data;) {
    const Node& n = p.nodes[at];
    data = input_of(n, "data");
    if (data) break;
    const NodeInput* member = input_of(n, "models");
    if (!member) throw DataError(fmt::format("'{}' is not a model trained on rows of the script ({} has no training data)", n.def, n.label));
    at = member->node;
  }
  std::vector<Link> chain{{&p.nodes[data->node], data->part}};
  for (;;) {
    const Node& n = *chain.back().node;
    const NodeInput* up = input_of(n, "data");
    if (!up) break;
    for (auto& in : n.inputs)
      if (in.param != "data")
        throw DataError(fmt::format("genre predict cannot replay {} ({}): it combines the rows with '{}'", n.label, n.op, in.name));
    chain.push_back({&p.nodes[up->node], up->part});
  }
  std::reverse(chain.begin(), chain.end());
  return chain;
}

// The input set aside by the source op (a damaged file): file -> reason. Removes those rows.
std::map<std::string, std::string> set_aside(Table& t) {
  std::map<std::string, std::string> out;
  const Column* err = t.find("error");
  if (!err || !err->is_text()) return out;
  const Column* file = t.find("file");
  std::vector<size_t> keep;
  for (size_t r = 0; r < t.rows(); ++r) {
    if (err->present[r] && !err->text[r].empty())
      out[file && file->is_text() ? file->text[r] : std::to_string(r + 1)] = err->text[r];
    else
      keep.push_back(r);
  }
  if (!out.empty()) t = t.take(keep);
  return out;
}

class Replay {
 public:
  Replay(const Plan& p, std::vector<Link> chain, const std::string& cache_dir, std::string device)
      : plan_(p), chain_(std::move(chain)), cache_(cache_dir), device_(std::move(device)) {}

  // The rows of one input after every step of the chain, and the files the source set aside.
  std::pair<Table, std::map<std::string, std::string>> rows(const std::string& input) {
    const Node& src = *chain_.front().node;
    const lang::Signature* sig = lang::catalog().find(src.op);
    const lang::Param* path = nullptr;
    for (auto& q : sig->params)
      if (std::find(q.types.begin(), q.types.end(), lang::Type::Path) != q.types.end()) path = &q;
    if (!path) throw DataError(fmt::format("genre predict: the model's rows come from {} ({}), which reads no files", src.label, src.op));
    json params = src.params;
    std::string given = fs::absolute(input).string();
    // An op that reads a folder (the script gives one) given one file: a folder holding just that file.
    OpContext probe;
    probe.script_dir = plan_.script_dir;
    fs::path scripted = probe.path(src.params.value(path->name, std::string()));
    std::error_code ec;
    if (fs::is_directory(scripted, ec) && fs::is_regular_file(given, ec)) {
      if (tmp_.empty()) {
        tmp_ = fs::temp_directory_path() / ("genre-predict-" + std::to_string(::getpid()));
        fs::create_directories(tmp_);
      }
      fs::path one = tmp_ / std::to_string(n_++);
      fs::create_directories(one);
      fs::create_symlink(given, one / fs::path(given).filename());
      given = one.string();
    }
    params[path->name] = given;
    params.erase("label");  // new inputs need no label (a CSV without the column, clips in any folder)
    Value v = run(src, params, nullptr);
    Table* t = std::get_if<Table>(&v);
    if (!t) throw DataError(fmt::format("genre predict: {} gave no table", src.label));
    auto aside = set_aside(*t);
    Table rows = std::move(*t);
    if (rows.rows() == 0) return {std::move(rows), aside};  // every file set aside: nothing to replay
    for (size_t i = 1; i < chain_.size(); ++i) rows = step(i, std::move(rows));
    return {std::move(rows), aside};
  }

  ~Replay() {
    std::error_code ec;
    if (!tmp_.empty()) fs::remove_all(tmp_, ec);
  }

 private:
  const Plan& plan_;
  std::vector<Link> chain_;
  Cache cache_;
  std::string device_;
  fs::path tmp_;
  size_t n_ = 0;

  Value run(const Node& n, const json& params, const Value* data) {
    const OpFn* fn = find_op(n.op);
    if (!fn) throw InternalError("no run function for op '" + n.op + "'");
    OpContext ctx;
    ctx.params = params;
    ctx.script_dir = plan_.script_dir;
    ctx.device = device_;
    ctx.seed = node_seed(n);
    if (data) ctx.inputs.push_back({"data", "input", data});  // chain_of allows no other input
    try {
      return (*fn)(ctx);
    } catch (const DataError& e) {
      throw DataError(fmt::format("{}:{}:{}: replaying {}: {}", n.file, n.range.begin.line, n.range.begin.col, n.label, e.what()));
    }
  }

  // The chain's i-th node applied to the new rows.
  Table step(size_t i, Table rows) {
    const Node& n = *chain_[i].node;
    const lang::Signature* sig = lang::catalog().find(n.op);
    if (sig->filter) return rows;  // new inputs are not filtered or divided
    if (sig->step) {
      // The state the script fitted: on the part of its input split that the model's part was scaled with.
      const Node& up = *chain_[i - 1].node;
      auto cached = cache_.get(up.key);
      if (!cached || !std::holds_alternative<Split>(*cached))
        throw DataError(fmt::format("genre predict: {} is not in the cache; run the script first", up.label));
      const Split& s = std::get<Split>(*cached);
      std::string part = chain_[i].part.empty() ? "train" : chain_[i].part;
      std::string fit_on;
      for (auto& g : kit::fit_groups(s, n.params, n.op))
        if (std::find(g.parts.begin(), g.parts.end(), part) != g.parts.end()) fit_on = g.fit_on;
      if (fit_on.empty()) fit_on = kit::str_param(n.params, "fit_on", "train");
      const Table& fit = s.part(fit_on);
      const kit::Step* st = kit::find_step(n.op);
      json state = st->fit(n.params, fit, fit.feature_names());
      try {
        st->apply(n.params, state, rows);
      } catch (const DataError& e) {
        throw DataError(fmt::format("{}:{}:{}: replaying {}: {}", n.file, n.range.begin.line, n.range.begin.col, n.label, e.what()));
      }
      return rows;
    }
    const lang::Param* data = sig->param("data");
    bool takes_table = data && std::find(data->types.begin(), data->types.end(), lang::Type::Table) != data->types.end();
    if (!takes_table)
      throw DataError(fmt::format("genre predict cannot replay {} ({}): it learns from a split, and only standardize, minmax, "
                                  "quantile, impute and select_best keep what they learnt",
                                  n.label, n.op));
    Value in = std::move(rows);
    Value out = run(n, n.params, &in);
    if (!std::holds_alternative<Table>(out)) throw DataError(fmt::format("genre predict: {} gave no table", n.label));
    return std::get<Table>(std::move(out));
  }
};

}  // namespace

Table predict_inputs(const Plan& plan, size_t model_node, const std::vector<std::string>& inputs,
                     const std::string& cache_dir, const std::string& device) {
  Cache cache(cache_dir);
  auto mv = cache.get(plan.nodes[model_node].key);
  if (!mv || !std::holds_alternative<Model>(*mv))
    throw DataError(fmt::format("'{}' is not a trained model", plan.nodes[model_node].def));
  const Model& m = std::get<Model>(*mv);
  Replay replay(plan, chain_of(plan, model_node), cache_dir, device);
  // The model's scores through the predict op (ops/eval/predict.cpp): rows x classes.
  auto score = [&](const Table& rows) {
    std::vector<std::vector<double>> out(rows.rows(), std::vector<double>(m.classes.size()));
    if (rows.rows() == 0) return out;
    const OpFn* fn = find_op("predict");
    if (!fn) throw InternalError("no run function for op 'predict'");
    Value data = rows;
    OpContext ctx;
    ctx.device = device;
    ctx.inputs = {{"model", plan.nodes[model_node].def, &*mv}, {"data", "input", &data}};
    Table answers = std::get<Table>((*fn)(ctx));
    for (size_t c = 0; c < m.classes.size(); ++c) {
      const Column& p = answers.column("p_" + m.classes[c]);
      for (size_t r = 0; r < rows.rows(); ++r) out[r][c] = p.num[r];
    }
    return out;
  };

  Table out;
  Column input{.name = "input", .numeric = false}, predicted{.name = "predicted", .numeric = false},
      error{.name = "error", .numeric = false};
  std::vector<Column> p(m.classes.size());
  for (size_t c = 0; c < p.size(); ++c) p[c].name = "p_" + m.classes[c];
  auto add = [&](const std::string& in, const std::vector<double>& score, const std::string& why) {
    input.text.push_back(in);
    std::string best;
    if (!score.empty()) best = m.classes[size_t(std::max_element(score.begin(), score.end()) - score.begin())];
    predicted.text.push_back(best);
    error.text.push_back(why);
    for (size_t c = 0; c < p.size(); ++c) p[c].num.push_back(score.empty() ? missing : score[c]);
  };

  for (const std::string& given : inputs) {
    std::error_code ec;
    if (!fs::exists(given, ec)) {
      add(given, {}, "not found");
      continue;
    }
    Table rows;
    std::map<std::string, std::string> aside;
    try {
      std::tie(rows, aside) = replay.rows(given);
    } catch (const DataError& e) {  // this input cannot be read or replayed; the others go on
      add(given, {}, e.what());
      continue;
    }
    bool folder = fs::is_directory(given, ec);
    auto name = [&](const std::string& file) { return folder ? (fs::path(given) / file).string() : given; };
    auto scores = score(rows);
    // Rows of one file (a clip's windows) give one answer: the mean of their scores.
    const Column* file = rows.find("file");
    std::vector<std::string> order;
    std::map<std::string, std::pair<std::vector<double>, size_t>> per;
    for (size_t r = 0; r < rows.rows(); ++r) {
      std::string key = file && file->is_text() ? file->text[r] : fmt::format("{}", r + 1);
      auto [it, fresh] = per.try_emplace(key, std::vector<double>(m.classes.size(), 0.0), 0);
      if (fresh) order.push_back(key);
      for (size_t c = 0; c < m.classes.size(); ++c) it->second.first[c] += scores[r][c];
      ++it->second.second;
    }
    bool by_file = file && file->is_text();
    for (auto& key : order) {
      auto& [sum, n] = per[key];
      for (auto& s : sum) s /= double(n);
      add(by_file ? name(key) : given + ":" + key, sum, "");
    }
    for (auto& [f, why] : aside) add(name(f), {}, why);
    if (order.empty() && aside.empty()) add(given, {}, "no rows after the script's steps (too short for a window?)");
  }
  out.cols = {std::move(input), std::move(predicted)};
  for (auto& c : p) out.cols.push_back(std::move(c));
  out.cols.push_back(std::move(error));
  for (auto& c : out.cols)
    if (!c.numeric) c.present.assign(c.text.size(), 1);
  return out;
}

}  // namespace genre
