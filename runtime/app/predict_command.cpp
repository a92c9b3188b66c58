#include "runtime/app/predict_command.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <tuple>
#include <unistd.h>

#include <fmt/format.h>

#include "runtime/core/hash.h"
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

// The inputs the source op set aside (damaged files, as a run's quarantine names them): file -> reason.
// Removes their rows from `v`, a table.
std::map<std::string, std::string> set_aside(Value& v) {
  std::map<std::string, std::string> out;
  for (auto& q : quarantined("", v)) out[q.file] = q.reason;
  if (out.empty()) return out;
  Table& t = std::get<Table>(v);
  const Column& err = t.column("error");
  std::vector<size_t> keep;
  for (size_t r = 0; r < t.rows(); ++r)
    if (!err.present[r] || err.text[r].empty()) keep.push_back(r);
  t = t.take(keep);
  return out;
}

std::string where(const Node& n) { return fmt::format("{}:{}:{}: {}", n.file, n.range.begin.line, n.range.begin.col, n.label); }

Value run_op(const std::string& op, const json& params, uint64_t seed, const std::string& dir, const std::string& device,
             const Value* data, const std::string& at) {
  const OpFn* fn = find_op(op);
  if (!fn) throw DataError(fmt::format("{}: this genre has no op '{}'", at, op));
  OpContext ctx;
  ctx.params = params;
  ctx.script_dir = dir;
  ctx.device = device;
  ctx.seed = seed;
  if (data) ctx.inputs.push_back({"data", "input", data});
  try {
    return (*fn)(ctx);
  } catch (const DataError& e) {
    throw DataError(fmt::format("{}: replaying {}: {}", at, op, e.what()));
  }
}

// New inputs through the recipe: the rows the model reads, and the files the source set aside.
class Replay {
 public:
  Replay(const json& recipe, std::string device) : r_(recipe), device_(std::move(device)) {}
  ~Replay() {
    std::error_code ec;
    if (!tmp_.empty()) fs::remove_all(tmp_, ec);
  }

  std::pair<Table, std::map<std::string, std::string>> rows(const std::string& input) {
    const json& src = r_["source"];
    json params = src["params"];
    std::string given = fs::absolute(input).string();
    std::error_code ec;
    if (src.value("folder", false) && fs::is_regular_file(given, ec)) {
      // A folder reader given one file: a folder holding just that file.
      if (tmp_.empty()) {
        tmp_ = fs::temp_directory_path() / ("genre-predict-" + std::to_string(::getpid()));
        fs::create_directories(tmp_);
      }
      fs::path one = tmp_ / std::to_string(n_++);
      fs::create_directories(one);
      fs::create_symlink(given, one / fs::path(given).filename());
      given = one.string();
    }
    params[src["path_param"].get<std::string>()] = given;
    std::string dir = r_.value("script_dir", "");
    Value v = run_op(src["op"], params, src.value("seed", uint64_t(0)), dir, device_, nullptr, src.value("at", ""));
    if (!std::holds_alternative<Table>(v)) throw DataError(fmt::format("{}: gave no table", src.value("at", "")));
    auto aside = set_aside(v);
    Table rows = std::get<Table>(std::move(v));
    if (rows.rows() == 0) return {std::move(rows), aside};  // every file set aside: nothing to replay
    for (auto& st : r_["steps"]) {
      std::string at = st.value("at", "");
      if (st.contains("state")) {
        const kit::Step* step = kit::find_step(st["op"]);
        if (!step) throw DataError(fmt::format("{}: this genre has no preprocessing step '{}'", at, st["op"].get<std::string>()));
        try {
          step->apply(st["params"], st["state"], rows);
        } catch (const DataError& e) {
          throw DataError(fmt::format("{}: replaying {}: {}", at, st["op"].get<std::string>(), e.what()));
        }
        continue;
      }
      Value in = std::move(rows);
      Value out = run_op(st["op"], st["params"], st.value("seed", uint64_t(0)), dir, device_, &in, at);
      if (!std::holds_alternative<Table>(out)) throw DataError(fmt::format("{}: gave no table", at));
      rows = std::get<Table>(std::move(out));
    }
    return {std::move(rows), aside};
  }

 private:
  const json& r_;
  std::string device_;
  fs::path tmp_;
  size_t n_ = 0;
};

}  // namespace

json recipe_of(const Plan& plan, size_t model_node, const std::string& cache_dir) {
  std::vector<Link> chain = chain_of(plan, model_node);
  Cache cache(cache_dir);
  const Node& src = *chain.front().node;
  const lang::Signature* sig = lang::catalog().find(src.op);
  const lang::Param* path = nullptr;
  for (auto& q : sig->params)
    if (std::find(q.types.begin(), q.types.end(), lang::Type::Path) != q.types.end()) path = &q;
  if (!path) throw DataError(fmt::format("{}: the model's rows come from {}, which reads no files", where(src), src.op));
  OpContext probe;
  probe.script_dir = plan.script_dir;
  std::error_code ec;
  json params = src.params;
  bool folder = fs::is_directory(probe.path(params.value(path->name, std::string())), ec);
  params.erase(path->name);
  params.erase("label");  // new inputs need no label (a CSV without the column, clips in any folder)
  json recipe = {{"format", 1},
                 {"script_dir", plan.script_dir},
                 {"source", {{"op", src.op}, {"params", params}, {"path_param", path->name}, {"folder", folder},
                             {"seed", node_seed(src)}, {"at", where(src)}}},
                 {"steps", json::array()}};
  for (size_t i = 1; i < chain.size(); ++i) {
    const Node& n = *chain[i].node;
    const lang::Signature* s = lang::catalog().find(n.op);
    if (s->filter) continue;  // new inputs are not filtered or divided
    if (s->step) {
      // The state the script fitted: on the part of its input split that the model's part was scaled with
      // (fitted again from the cached split: the same rows give the same state).
      const Node& up = *chain[i - 1].node;
      auto cached = cache.get(up.key);
      if (!cached || !std::holds_alternative<Split>(*cached))
        throw DataError(fmt::format("genre predict: {} is not in the cache; run the script first", up.label));
      const Split& split = std::get<Split>(*cached);
      std::string part = chain[i].part.empty() ? "train" : chain[i].part, fit_on;
      for (auto& g : kit::fit_groups(split, n.params, n.op))
        if (std::find(g.parts.begin(), g.parts.end(), part) != g.parts.end()) fit_on = g.fit_on;
      if (fit_on.empty()) fit_on = kit::str_param(n.params, "fit_on", "train");
      const Table& fit = split.part(fit_on);
      json state = kit::find_step(n.op)->fit(n.params, fit, fit.feature_names());
      recipe["steps"].push_back({{"op", n.op}, {"params", n.params}, {"state", state}, {"at", where(n)}});
      continue;
    }
    const lang::Param* data = s->param("data");
    if (!data || std::find(data->types.begin(), data->types.end(), lang::Type::Table) == data->types.end())
      throw DataError(fmt::format("genre predict cannot replay {} ({}): it learns from a split, and only standardize, "
                                  "minmax, quantile, impute and select_best keep what they learnt",
                                  n.label, n.op));
    recipe["steps"].push_back({{"op", n.op}, {"params", n.params}, {"seed", node_seed(n)}, {"at", where(n)}});
  }
  return recipe;
}

Table predict_with(const json& recipe, const Model& m, const std::vector<std::string>& inputs, const std::string& device) {
  Replay replay(recipe, device);
  // The model's scores through the predict op (ops/eval/predict.cpp): rows x classes.
  Value model = m;
  auto score = [&](const Table& rows) {
    std::vector<std::vector<double>> out(rows.rows(), std::vector<double>(m.classes.size()));
    if (rows.rows() == 0) return out;
    const OpFn* fn = find_op("predict");
    if (!fn) throw InternalError("no run function for op 'predict'");
    Value data = rows;
    OpContext ctx;
    ctx.device = device;
    ctx.inputs = {{"model", "model", &model}, {"data", "input", &data}};
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

Table predict_inputs(const Plan& plan, size_t model_node, const std::vector<std::string>& inputs,
                     const std::string& cache_dir, const std::string& device) {
  Cache cache(cache_dir);
  auto mv = cache.get(plan.nodes[model_node].key);
  if (!mv || !std::holds_alternative<Model>(*mv))
    throw DataError(fmt::format("'{}' is not a trained model", plan.nodes[model_node].def));
  return predict_with(recipe_of(plan, model_node, cache_dir), std::get<Model>(*mv), inputs, device);
}

// The model file: a first line naming the format, one JSON line (what it is, the recipe, the checksum),
// then the model's value as the cache stores it. The checksum (XXH3-128) covers the JSON line's recipe and
// the model bytes, so a damaged or edited file is refused instead of predicting nonsense.
namespace {
constexpr const char* magic = "genre-model";
constexpr int version = 1;
std::string checksum(const json& recipe, const std::string& bytes) { return hash_hex(recipe.dump() + "\n" + bytes); }
}  // namespace

std::string model_file(const json& recipe, const Model& m, const std::string& name) {
  std::string bytes = serialize(Value(m));
  json head = {{"format", version},
               {"genre", GENRE_VERSION},
               {"name", name},
               {"kind", m.kind},
               {"classes", m.classes},
               {"recipe", recipe},
               {"model_bytes", bytes.size()},
               {"xxh3", checksum(recipe, bytes)}};
  return fmt::format("{} {}\n{}\n", magic, version, head.dump()) + bytes;
}

std::pair<json, Model> read_model_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw DataError(path + ": cannot open the model file");
  std::string first, second;
  std::getline(f, first);
  if (first != fmt::format("{} {}", magic, version))
    throw DataError(fmt::format("{}: not a genre model file of format {} (its first line is \"{}\"); export one with "
                                "`genre export SCRIPT MODEL --to FILE`",
                                path, version, first.substr(0, 40)));
  std::getline(f, second);
  json head;
  try {
    head = json::parse(second);
  } catch (const json::exception& e) {
    throw DataError(path + ": line 2 is not the model's description: " + e.what());
  }
  std::string bytes{std::istreambuf_iterator<char>(f), {}};
  if (!head.contains("recipe") || !head.contains("xxh3") || head.value("model_bytes", size_t(0)) != bytes.size() ||
      checksum(head["recipe"], bytes) != head["xxh3"])
    throw DataError(path + ": damaged: its checksum does not match its content (export it again)");
  Value v;
  try {
    v = deserialize(bytes);
  } catch (const std::exception& e) {
    throw DataError(path + ": damaged model: " + e.what());
  }
  if (!std::holds_alternative<Model>(v)) throw DataError(path + ": holds no trained model");
  return {head["recipe"], std::get<Model>(std::move(v))};
}

}  // namespace genre
