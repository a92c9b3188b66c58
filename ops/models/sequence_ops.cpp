// S0's next-step model: the spec `next_step(...)`, how a piano roll becomes
// classes, and `next_step_loss(models, data)`, the test loss per model split
// by feature (pitch / duration / velocity), the paper's Figures 9-14.
// Training and scoring run in LibTorch (ops/models/sequence_model.cpp);
// `fit(next_step(...), windows)` reaches it through ops/models/model.cpp.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <map>

#include "ops/models/sequence_model.h"
#include "runtime/core/op.h"
#include "runtime/core/table_text.h"
#include "runtime/core/op_kit.h"
#include "ops/torch_ops.h"

namespace genre {

std::string step_column(const json& spec) {
  return spec.contains("column") && spec["column"].is_string() ? spec["column"].get<std::string>() : "roll";
}

namespace {

// What the spec says, before the roll is looked at.
StepCoding spec_coding(const json& spec) {
  StepCoding c;
  if (!spec.contains("families") || !spec["families"].is_array() || spec["families"].empty())
    throw DataError("next_step: families must list the roll's families in piano_roll's order, e.g. "
                    "[\"drums\", \"piano\", \"guitar\", \"bass\"]");
  c.families = kit::string_list(spec["families"], "next_step", "families");
  std::string target = spec_symbol(spec, "target", "");
  if (target.empty())
    throw DataError("next_step: no target family; say which one the model predicts: with { target: \"piano\" }");
  auto it = std::find(c.families.begin(), c.families.end(), target);
  if (it == c.families.end())
    throw DataError(fmt::format("next_step: unknown family \"{}\" as target; the roll has {}", target,
                                kit::name_list(c.families)));
  c.target = size_t(it - c.families.begin());
  c.column = step_column(spec);
  c.duration_step = spec_number(spec, "duration_step", 0.25);
  c.durations = int(spec_int(spec, "durations", 16));
  c.velocity_step = int(spec_int(spec, "velocity_step", 1));
  if (!(c.duration_step > 0))
    throw DataError(fmt::format("next_step: duration_step must be a positive number of seconds, got {}", c.duration_step));
  if (c.durations < 1) throw DataError(fmt::format("next_step: durations must be at least 1, got {}", c.durations));
  if (c.velocity_step < 1 || c.velocity_step > 127)
    throw DataError(fmt::format("next_step: velocity_step must be 1 to 127, got {}", c.velocity_step));

  return c;
}

}  // namespace

StepCoding step_coding(const json& spec, const SequenceRows& roll, const std::string& where) {
  StepCoding c = spec_coding(spec);
  size_t per_family = roll.dims() / c.families.size();
  if (roll.dims() % (c.families.size() * 3) != 0 || per_family == 0)
    throw DataError(fmt::format("next_step: {}: a step of \"{}\" has {} numbers, not families ({}) x notes x 3; "
                                "give the families piano_roll encoded",
                                where, c.column, roll.dims(), c.families.size()));
  c.notes = per_family / 3;
  size_t len = 0;
  for (size_t r = 0; r < roll.size(); ++r) {
    if (!roll.present(r)) throw DataError(fmt::format("next_step: {}: row {} has no {}", where, r + 1, c.column));
    size_t s = roll.steps(r);
    if (s < 2)
      throw DataError(fmt::format("next_step: {}: row {} has {} step(s); predicting the next step needs windows of at "
                                  "least 2 steps (cut them with windows(steps: 60))",
                                  where, r + 1, s));
    if (len && s != len)
      throw DataError(fmt::format("next_step: {}: row {} has {} steps but row 1 has {}; cut equal windows first "
                                  "(windows(steps: 60))",
                                  where, r + 1, s, len));
    len = s;
  }
  return c;
}

StepCoding step_coding(const json& spec, const Table& data) {
  std::string where = data.source.empty() ? std::string("table") : data.source;
  std::string column = step_column(spec);
  const Column* roll = data.stored ? nullptr : data.find(column);
  if (roll && !roll->is_sequence())
    throw DataError(fmt::format("next_step: {}: column \"{}\" is not a sequence column (piano_roll makes one)", where,
                                column));
  return step_coding(spec, SequenceRows(data, column), where);
}

void code_step(const StepCoding& c, const float* step, int64_t* out, const std::string& where) {
  for (size_t k = 0; k < c.columns(); k += 3) {
    double pitch = step[k], dur = step[k + 1], vel = step[k + 2];
    if (vel == 0) {  // an empty slot
      out[k] = out[k + 1] = out[k + 2] = 0;
      continue;
    }
    if (!(pitch >= 0 && pitch <= 127 && vel >= 1 && vel <= 127 && dur >= 0) || pitch != std::floor(pitch) ||
        vel != std::floor(vel))
      throw DataError(fmt::format("next_step: {}, slot {}: pitch {}, duration {}, velocity {} is not a MIDI note "
                                  "(pitch 0-127, velocity 1-127, duration >= 0)",
                                  where, k / 3 + 1, pitch, dur, vel));
    out[k] = 1 + int64_t(pitch);
    out[k + 1] = 1 + std::min<int64_t>(int64_t(std::floor(dur / c.duration_step + 1e-9)), c.durations - 1);
    out[k + 2] = 1 + (int64_t(vel) - 1) / c.velocity_step;
  }
}

namespace {

// "models[genre=pop rock instrument=piano]" -> {genre: pop rock, instrument: piano}:
// the point of a `for` sweep, from the name the planner gives each item.
std::vector<std::pair<std::string, std::string>> sweep_point(const std::string& name) {
  std::vector<std::pair<std::string, std::string>> out;
  auto open = name.find('[');
  if (open == std::string::npos || name.back() != ']') return out;
  std::string s = name.substr(open + 1, name.size() - open - 2);
  // Keys are names followed by '='; a value runs to the next " key=".
  std::vector<std::pair<size_t, size_t>> keys;  // (start, position of '=')
  for (size_t i = 0; i < s.size(); ++i) {
    if (i > 0 && s[i - 1] != ' ') continue;
    size_t j = i;
    while (j < s.size() && (std::isalnum((unsigned char)s[j]) || s[j] == '_')) ++j;
    if (j > i && j < s.size() && s[j] == '=') keys.push_back({i, j});
  }
  for (size_t k = 0; k < keys.size(); ++k) {
    size_t end = k + 1 < keys.size() ? keys[k + 1].first - 1 : s.size();
    out.push_back({s.substr(keys[k].first, keys[k].second - keys[k].first),
                   s.substr(keys[k].second + 1, end - keys[k].second - 1)});
  }
  return out;
}

Value run_next_step_loss(const OpContext& ctx) {
  auto models = ctx.inputs_of("models");
  auto data = ctx.inputs_of("data");
  if (models.empty()) throw DataError("next_step_loss: no models to score");
  if (data.size() != 1 && data.size() != models.size())
    throw DataError(fmt::format("next_step_loss: {} models but {} test tables; give one table for all, or one per "
                                "model in the same order (the same `for` as the models)",
                                models.size(), data.size()));
  FitContext fc{.device = ctx.device, .seed = ctx.seed, .progress = ctx.progress};
  json report = {{"kind", "next_step_loss"}, {"models", json::object()}, {"order", json::array()}};
  size_t rows = 0;
  for (size_t i = 0; i < models.size(); ++i) {
    const Model* m = std::get_if<Model>(models[i]->value);
    if (!m) throw InternalError("next_step_loss: input " + models[i]->name + " is not a trained model");
    if (m->kind != "next_step")
      throw DataError(fmt::format("next_step_loss: {} is a {} model; this op scores next_step models", models[i]->name,
                                  m->kind));
    const Table& t = std::get<Table>(*data[data.size() == 1 ? 0 : i]->value);
    StepLoss l = torch_ops().next_step_loss(*m, t, fc);
    json one = {{"target", m->spec.value("target", "")}, {"loss", l.loss},       {"pitch", l.pitch},
                {"duration", l.duration},               {"velocity", l.velocity}, {"windows", l.windows},
                {"steps", l.steps}};
    for (auto& [k, v] : sweep_point(models[i]->name)) one["point"][k] = v;
    rows += l.windows;
    report["models"][models[i]->name] = one;
    report["order"].push_back(models[i]->name);
  }
  report["rows"] = rows;
  return report;
}

}  // namespace

bool is_next_step_loss(const json& j) { return j.is_object() && j.value("kind", "") == "next_step_loss"; }

std::vector<std::pair<std::string, TextTable>> next_step_tables(const json& r) {
  std::vector<std::string> order = r.value("order", std::vector<std::string>{});
  // The sweep's keys (genre, instrument) become columns when every model has them.
  std::vector<std::string> keys;
  if (!order.empty())
    for (auto& [k, v] : sweep_point(order[0])) keys.push_back(k);
  for (auto& name : order) {
    auto p = sweep_point(name);
    if (p.size() != keys.size()) keys.clear();
  }
  TextTable loss{{}, {}};
  if (keys.empty()) loss.header.push_back("model");
  for (auto& k : keys) loss.header.push_back(k);
  for (const char* h : {"target", "windows", "loss", "pitch", "duration", "velocity"}) loss.header.push_back(h);
  // Mean loss over the models sharing the first key's value (the paper's mean loss per genre).
  std::vector<std::string> groups;
  std::map<std::string, std::array<double, 5>> sums;  // loss, pitch, duration, velocity, models
  for (auto& name : order) {
    const json& m = r["models"][name];
    std::vector<std::string> row;
    if (keys.empty()) row.push_back(name);
    for (auto& [k, v] : sweep_point(name))
      if (!keys.empty()) row.push_back(v);
    row.push_back(m.value("target", ""));
    row.push_back(std::to_string(m.value("windows", 0)));
    std::array<double, 5> v{m.value("loss", NAN), m.value("pitch", NAN), m.value("duration", NAN),
                            m.value("velocity", NAN), 1};
    for (size_t i = 0; i < 4; ++i) row.push_back(num(v[i]));
    loss.rows.push_back(row);
    if (!keys.empty()) {
      std::string g = sweep_point(name)[0].second;
      if (!sums.count(g)) groups.push_back(g), sums[g] = {0, 0, 0, 0, 0};
      for (size_t i = 0; i < 5; ++i) sums[g][i] += v[i];
    }
  }
  std::vector<std::pair<std::string, TextTable>> out{{"loss", loss}};
  if (keys.size() > 1) {
    TextTable mean{{keys[0], "models", "mean loss", "pitch", "duration", "velocity"}, {}};
    for (auto& g : groups) {
      auto& s = sums[g];
      mean.rows.push_back({g, fmt::format("{}", s[4]), num(s[0] / s[4]), num(s[1] / s[4]), num(s[2] / s[4]),
                           num(s[3] / s[4])});
    }
    out.push_back({"mean_by_" + keys[0], mean});
  }
  return out;
}

void register_sequence_ops() {
  using lang::Param;
  using lang::Type;
  register_op({.name = "next_step",
               .role = lang::Role::Spec,
               .params =
                   {{.name = "embedding", .types = {Type::Int}, .doc = "width of the step embedding (default 512, the paper's)", .lo = 1},
                    {.name = "lstm", .types = {Type::Int}, .doc = "LSTM units (default 2048, the paper's)", .lo = 1},
                    {.name = "families",
                     .types = {Type::List},
                     .elem = Type::String,
                     .doc = "the roll's families in piano_roll's order (required when fitting)"},
                    {.name = "target",
                     .types = {Type::String},
                     .doc = "the family whose next step is predicted and scored (required when fitting; usually "
                            "given per model: with { target: instrument })"},
                    {.name = "column", .types = {Type::String}, .doc = "the sequence column (default \"roll\")"},
                    {.name = "duration_step",
                     .types = {Type::Number},
                     .doc = "seconds per duration class: a note lasting d falls in class floor(d / duration_step) "
                            "(default 0.25s)"},
                    {.name = "durations",
                     .types = {Type::Int},
                     .doc = "duration classes besides empty; the last one takes every longer note (default 16)"},
                    {.name = "velocity_step",
                     .types = {Type::Int},
                     .doc = "velocities per velocity class; 1 keeps all 127 apart (default 1)"},
                    {.name = "optimizer", .types = {Type::Optimizer}, .doc = "adam(...) or sgd(...) (default adam())"},
                    {.name = "batch", .types = {Type::Int}, .doc = "windows per mini-batch (default 32, as Keras)", .lo = 1},
                    {.name = "epochs", .types = {Type::Int}, .doc = "passes over the training windows (default 1, as Keras)", .lo = 1},
                    {.name = "seed",
                     .types = {Type::Int},
                     .doc = "seed of the initial weights and the shuffles (default: derived from the node)"}},
               .result = Type::Spec,
               .doc = "S0's next-step model: every step's roll (all families) is embedded (one table per slot column "
                      "and class, summed: a linear map of the one-hot step), run through an LSTM, and a dense layer "
                      "gives, for each of the target family's slots, class scores for pitch (empty + 128), duration "
                      "(empty + durations) and velocity (empty + ceil(127 / velocity_step)). Trained with sparse "
                      "categorical cross-entropy of step t + 1 from steps up to t, averaged over steps, slots and the "
                      "three features; only the target family is scored, the others are input. Initial weights: "
                      "embedding uniform(-0.05, 0.05) (Keras), LSTM uniform(+-1/sqrt(units)) (PyTorch), dense "
                      "Glorot-uniform, biases 0; windows reshuffled every epoch; history keeps each epoch's loss"});

  register_op({.name = "next_step_loss",
               .params = {{.name = "models",
                           .types = {Type::List, Type::Trained},
                           .required = true,
                           .elem = Type::Trained,
                           .doc = "trained next_step models (a `for` sweep)"},
                          {.name = "data",
                           .types = {Type::List, Type::Table},
                           .required = true,
                           .elem = Type::Table,
                           .doc = "the test windows: one table for every model, or one per model in the models' "
                                  "order (the same `for`)"}},
               .result = Type::Report,
               .version = 1,
               .doc = "test loss of next_step models: per model the mean cross-entropy over every predicted step "
                      "and target slot (loss), and the same for pitch, duration and velocity alone; rows are named "
                      "by the sweep point (genre, instrument), with the mean per value of its first key",
               .need = {.groups = true, .cpus = 2, .mem_gb = 8, .gpu = true}},
              run_next_step_loss);
  register_report_kind("next_step_loss", {.name = "next_step_loss",
                                          .terminal =
                                              [](const json& j) {
                                                return fmt::format("{} test windows\n", j.value("rows", 0)) +
                                                       titled(next_step_tables(j));
                                              },
                                          .files = next_step_tables,
                                          .results = [](const json& j) { return j["models"]; }});
}

}  // namespace genre
