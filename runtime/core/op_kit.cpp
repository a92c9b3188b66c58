#include "runtime/core/op_kit.h"
#include "runtime/core/row_groups.h"

#include <algorithm>
#include <charconv>
#include <map>

namespace genre::kit {

std::string fmt_num(double v) {
  if (std::isnan(v)) return "nan";
  if (v == 0) return "0";  // also -0
  if (std::abs(v) < 1e15 && v == std::floor(v)) return std::to_string(static_cast<long long>(v));
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::optional<std::string> cell_key(const Column& c, size_t row) {
  if (c.numeric) {
    if (std::isnan(c.num[row])) return std::nullopt;
    return fmt_num(c.num[row]);
  }
  if (c.is_sequence()) throw DataError("column \"" + c.name + "\" holds sequences; it cannot be a key or a label");
  if (!c.present[row]) return std::nullopt;
  return c.text[row];
}

std::string name_list(const std::vector<std::string>& names, size_t max) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < max; ++i) out += (i ? ", " : "") + excerpt(names[i]);
  if (names.size() > max) out += " ... (" + std::to_string(names.size() - max) + " more)";
  return out;
}

std::vector<std::pair<std::string, size_t>> value_counts(const Column& c) {
  std::map<std::string, size_t> m;
  for (size_t r = 0; r < c.size(); ++r)
    if (auto k = cell_key(c, r)) ++m[*k];
  std::vector<std::pair<std::string, size_t>> out(m.begin(), m.end());
  std::stable_sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.second > b.second; });
  return out;
}

Value map_groups(const OpContext& ctx, const Table& t, const std::function<Table(const Table& group, size_t first)>& fn) {
  if (!t.stored) return fn(t, 0);
  auto out = ctx.groups_out();
  each_group(t, [&](const Table& g, size_t first) { out->add(fn(g, first)); });
  return out->finish();
}

const Column& label_column(const Table& t, const std::string& op) {
  if (t.label.empty())
    throw DataError(op + ": " + (t.source.empty() ? std::string("the table") : t.source) +
                    " has no label column; choose one with csv(..., label: \"Genre\") or label(\"Genre\")");
  return t.column(t.label);
}

std::vector<std::string> string_list(const json& p, const std::string& op, const std::string& param) {
  std::vector<std::string> out;
  if (p.is_string()) return {p.get<std::string>()};
  if (!p.is_array()) throw DataError(op + ": " + param + " must be a column name or a list of names");
  for (auto& x : p) {
    if (!x.is_string()) throw DataError(op + ": " + param + " must list column names (strings), got " + x.dump());
    out.push_back(x.get<std::string>());
  }
  return out;
}

double num_param(const json& p, const char* name, double dflt) {
  if (!p.contains(name) || p[name].is_null()) return dflt;
  if (!p[name].is_number()) throw DataError(std::string(name) + " must be a number, got " + p[name].dump());
  return p[name].get<double>();
}

std::string str_param(const json& p, const char* name, const std::string& dflt) {
  if (!p.contains(name) || p[name].is_null()) return dflt;
  if (!p[name].is_string()) throw DataError(std::string(name) + " must be a string, got " + p[name].dump());
  return p[name].get<std::string>();
}

std::string symbol_param(const json& p, const char* name, const std::string& dflt) {
  if (p.contains(name) && p[name].is_object() && p[name].contains("spec") && p[name]["spec"].is_string())
    return p[name]["spec"].get<std::string>();
  return str_param(p, name, dflt);
}

std::vector<FitGroup> fit_groups(const Split& s, const json& params, const std::string& op) {
  bool named = params.contains("fit_on") && !params["fit_on"].is_null();
  auto has = [&](const std::string& n) {
    for (auto& [name, t] : s.parts)
      if (name == n) return true;
    return false;
  };
  if (named || has("train") || !has("fold1_train")) {
    FitGroup g{str_param(params, "fit_on", "train"), {}};
    for (auto& [name, t] : s.parts) g.parts.push_back(name);
    return {g};
  }
  std::vector<FitGroup> out;
  for (auto& [name, t] : s.parts) {
    // foldN_train / foldN_val, as kfold names them
    size_t us = name.rfind('_');
    std::string fold = us == std::string::npos ? "" : name.substr(0, us), role = us == std::string::npos ? "" : name.substr(us + 1);
    if (!fold.starts_with("fold") || (role != "train" && role != "val"))
      throw DataError(op + ": part \"" + name + "\" belongs to no fold of this kfold split; name the part to fit on "
                      "with fit_on:");
    auto g = std::find_if(out.begin(), out.end(), [&](auto& x) { return x.fit_on == fold + "_train"; });
    if (g == out.end()) {
      if (!has(fold + "_train")) throw DataError(op + ": part \"" + name + "\" has no \"" + fold + "_train\" part to fit on");
      out.push_back({fold + "_train", {}});
      g = out.end() - 1;
    }
    g->parts.push_back(name);
  }
  return out;
}

namespace {
std::map<std::string, Step>& steps() {
  static std::map<std::string, Step> s;
  return s;
}
}  // namespace

void register_step(const std::string& op, Step s) { steps()[op] = std::move(s); }

const Step* find_step(const std::string& op) {
  auto it = steps().find(op);
  return it == steps().end() ? nullptr : &it->second;
}

Split fit_apply_step(const OpContext& ctx, const std::string& op, const Step& s) {
  return fit_apply(ctx, op, [&](const Table& fit, const std::vector<std::string>& features) -> Transform {
    json state = s.fit(ctx.params, fit, features);
    return [&s, params = ctx.params, state](Table& t) { s.apply(params, state, t); };
  });
}

Split fit_apply(const OpContext& ctx, const std::string& op, const Fit& fit) {
  auto* s = std::get_if<Split>(&ctx.input("data"));
  if (!s) throw InternalError(op + ": data is not a split");
  std::map<std::string, Table> done;
  for (auto& g : fit_groups(*s, ctx.params, op)) {
    const Table& fit_part = s->part(g.fit_on);
    if (fit_part.rows() == 0) throw DataError(op + ": the " + g.fit_on + " part has no rows to fit on");
    auto features = fit_part.feature_names();
    for (auto& name : g.parts)
      for (auto& f : features) {
        auto* c = s->part(name).find(f);
        if (!c || !c->numeric)
          throw DataError(op + ": part \"" + name + "\" has no numeric column \"" + f + "\" (the " + g.fit_on +
                          " part has it); every part must have the same columns");
      }
    Transform apply = fit(fit_part, features);
    for (auto& name : g.parts) {
      Table copy = s->part(name);
      apply(copy);
      done[name] = std::move(copy);
    }
  }
  Split out;
  for (auto& [name, t] : s->parts) out.parts.emplace_back(name, std::move(done.at(name)));
  return out;
}

}  // namespace genre::kit
