#include "runtime/engine/plan.h"

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <functional>
#include <optional>
#include <set>
#include <tuple>

#include "lang/checker.h"
#include "lang/diagnostics.h"
#include "lang/suggest.h"
#include "runtime/core/expand.h"
#include "runtime/core/op.h"
#include "runtime/core/hash.h"

namespace genre {

using lang::Expr;
using lang::Signature;
using lang::Type;
using K = lang::Expr::Kind;

namespace {

bool is_data(Type t) {
  return t == Type::Table || t == Type::Split || t == Type::Trained || t == Type::Report;
}

bool param_has(const lang::Param& p, Type t) {
  for (Type a : p.types)
    if (a == t) return true;
  return false;
}

// `majority` in baseline(majority) is the symbol even when a definition or an
// op has the same name: the parameter's symbols come first.
bool is_symbol_of(const lang::Param& p, const lang::Expr& e) {
  if (e.kind != lang::Expr::Kind::Name || !param_has(p, Type::Symbol)) return false;
  for (auto& s : p.symbols)
    if (s == e.text) return true;
  return false;
}

class Lowerer {
 public:
  Lowerer(const lang::Script& s, const lang::Bindings& b, bool hash_files)
      : script_(s), bindings_(b), hash_files_(hash_files), cur_file_(s.file) {
    for (auto& d : s.defs) defs_[d.name] = &d;
    plan_.script_dir = std::filesystem::absolute(s.file).parent_path().string();
  }

  Plan run(std::vector<std::string> targets) {
    if (targets.empty())
      for (auto& d : script_.defs)
        if (d.kind == "report" || d.kind == "analysis") targets.push_back(d.name);
    if (targets.empty()) targets = leaves();
    for (auto& t : targets) {
      auto it = defs_.find(t);
      if (it == defs_.end())
        throw lang::ScriptError({script_.file, {}, "no definition named '" + t + "' to run", ""});
      Planned v = definition(*it->second);
      if (v.kind == Planned::Kind::Const) plan_.constants[t] = v.value;
      collect_targets(t, v);
    }
    return std::move(plan_);
  }

 private:
  const lang::Script& script_;
  const lang::Bindings& bindings_;
  bool hash_files_;
  std::string cur_file_;  // the file of the definition being lowered (a `use`d module's, or the script's)
  std::map<std::string, const lang::Definition*> defs_;
  std::map<std::string, Planned> done_;
  std::set<std::string> active_;
  std::vector<std::map<std::string, Planned>> scopes_;  // for-bindings
  std::map<std::string, size_t> by_key_;             // identical calls share one node
  std::map<std::string, int> label_count_;
  std::string cur_def_;
  Plan plan_;

  [[noreturn]] void fail(const lang::Range& r, std::string msg, std::string hint = "") {
    throw lang::ScriptError({cur_file_, r, std::move(msg), std::move(hint)});
  }

  // A script with no report or analysis (a features study in the making): the definitions of the script itself
  // that no other definition takes, so that `genre run` computes and shows what the script ends in.
  std::vector<std::string> leaves() {
    std::vector<std::pair<std::string, Planned>> own;
    for (auto& d : script_.defs)
      if (d.file.empty() || d.file == script_.file) own.push_back({d.name, definition(d)});
    std::set<size_t> used;
    for (auto& n : plan_.nodes)
      for (auto& in : n.inputs) used.insert(in.node);
    std::vector<std::string> out;
    for (auto& [name, v] : own)
      if (v.kind == Planned::Kind::Node && !used.count(v.node) && v.part.empty()) out.push_back(name);
    if (!out.empty())
      plan_.note = fmt::format("the script has no report or analysis: running what it ends in ({})\n"
                               "  (`genre run {} NAME...` runs the definitions named)",
                               fmt::join(out, ", "), script_.file);
    return out;
  }

  void collect_targets(const std::string& name, const Planned& v) {
    if (v.kind == Planned::Kind::Node) {
      if (!v.part.empty()) plan_.target_parts[plan_.targets.size()] = v.part;
      plan_.targets.push_back({name, v.node});
    }
    for (auto& it : v.items) collect_targets(it.name.empty() ? name : it.name, it);
  }

  Planned definition(const lang::Definition& d) {
    if (auto it = done_.find(d.name); it != done_.end()) return it->second;
    if (active_.count(d.name)) fail(d.name_range, "definition '" + d.name + "' depends on itself");
    active_.insert(d.name);
    std::string saved = cur_def_, saved_file = cur_file_;
    cur_def_ = d.name;
    cur_file_ = d.file.empty() ? script_.file : d.file;
    Planned v = eval(*d.value);
    cur_def_ = saved;
    cur_file_ = saved_file;
    active_.erase(d.name);
    v.name = d.name;
    return done_[d.name] = v;
  }

  // --- expressions ------------------------------------------------------------
  Planned constant(json j, Type t) {
    Planned v;
    v.value = std::move(j);
    v.type = t;
    return v;
  }

  Planned eval(const Expr& e) {
    switch (e.kind) {
      case K::Number: return constant(e.number, Type::Number);
      case K::String: return constant(e.text, Type::String);
      case K::Bool: return constant(e.boolean, Type::Bool);
      case K::Name: return name(e);
      case K::List: {
        Planned l;
        l.kind = Planned::Kind::List;
        l.type = Type::List;
        bool all_const = true;
        for (auto& it : e.items) {
          l.items.push_back(eval(*it));
          all_const &= l.items.back().kind == Planned::Kind::Const;
        }
        if (!all_const) return l;
        json arr = json::array();
        for (auto& it : l.items) arr.push_back(it.value);
        return constant(arr, Type::List);
      }
      case K::Record: {
        json obj = json::object();
        for (auto& f : e.fields) {
          Planned v = eval(*f.value);
          if (v.kind != Planned::Kind::Const) fail(f.value->range, "a record field must be a constant, not data");
          obj[f.name] = v.value;
        }
        return constant(obj, Type::Record);
      }
      case K::Member: {
        Planned base = eval(*e.lhs);
        if (base.kind == Planned::Kind::Node && base.type == Type::Split) {
          Planned v = base;
          v.part = e.text;
          v.type = Type::Table;
          v.name = base.name + "." + e.text;
          return v;
        }
        if (base.kind == Planned::Kind::Const && base.value.is_object() && base.value.contains(e.text))
          return constant(base.value[e.text], Type::Any);
        fail(e.range, "'." + e.text + "' does not name a part of " + (base.name.empty() ? "this value" : "'" + base.name + "'"));
      }
      case K::Pipe: return call(e, e.rhs->kind == K::Call ? e.rhs.get() : nullptr, e.rhs->text, e.rhs->range);
      case K::Call: return call(e, &e, e.text, e.callee_range);
      case K::With: {
        Planned base = eval(*e.lhs);
        if (base.kind != Planned::Kind::Const || !base.value.is_object())
          fail(e.range, "'with' overrides the options of a model, optimizer or layer");
        Planned v = base;
        v.name.clear();
        std::string of;  // the spec, layer or optimizer whose options these are
        for (const char* tag : {"spec", "layer", "optimizer"})
          if (base.value.contains(tag) && base.value[tag].is_string()) of = base.value[tag].get<std::string>();
        // An option that takes preprocessing steps (`with { prep: [standardize] }`) holds steps, not calls of
        // the ops (they would need data); every other option is its value.
        const Signature* sig = lang::catalog().find(of);
        Planned rec;
        if (e.rhs->kind == K::Record) {
          rec.value = json::object();
          for (auto& f : e.rhs->fields) {
            const lang::Param* p = sig ? sig->param(f.name) : nullptr;
            if (p && p->elem == Type::Step) {
              rec.value[f.name] = steps(*f.value);
              continue;
            }
            Planned x = eval(*f.value);
            if (x.kind != Planned::Kind::Const) fail(f.value->range, "an option's value must be a constant, not data");
            rec.value[f.name] = x.value;
          }
        } else {
          rec = eval(*e.rhs);
        }
        for (auto& [k, val] : rec.value.items()) {
          if (e.rhs->kind == K::Record)
            for (auto& f : e.rhs->fields)
              if (f.name == k) check_range(of, k, val, f.value->range);
          v.value[k] = val;
        }
        return v;
      }
      case K::For: return sweep(e);
      case K::Binary:
      case K::Unary: return fold(e);
      case K::Arrow: fail(e.range, "'<-' only goes in the block of merge or map");
    }
    fail(e.range, "internal error: unknown expression kind");
  }

  Planned name(const Expr& e) {
    for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it)
      if (auto f = it->find(e.text); f != it->end()) return f->second;
    if (auto it = defs_.find(e.text); it != defs_.end()) return definition(*it->second);
    // The checker has allowed it: a symbol such as `normal` or `rbf`, or a bare
    // spec/op name used without arguments (`classifier { ... }` is a Call).
    if (lang::catalog().find(e.text)) return call(e, nullptr, e.text, e.range);
    return constant(e.text, Type::Symbol);
  }

  // Constant-folds arithmetic outside expression parameters: numbers, and
  // `+` joining strings (paths) or lists (column names).
  Planned fold(const Expr& e) {
    auto operand = [&](const Expr& x) {
      Planned v = eval(x);
      if (v.kind != Planned::Kind::Const) fail(x.range, "expected a constant here, not data");
      return v.value;
    };
    if (e.kind == K::Unary) {
      json a = operand(*e.lhs);
      if ((e.text == "-" || e.text == "neg") && a.is_number()) return constant(-a.get<double>(), Type::Number);
      fail(e.range, "'" + e.text + "' is only allowed inside a condition or a score");
    }
    if (e.text == "+") {  // [nn] + sweep: lists of trained models join too
      Planned l = eval(*e.lhs), r = eval(*e.rhs);
      if (l.kind == Planned::Kind::List && (r.kind == Planned::Kind::List || r.value.is_array())) {
        if (r.kind == Planned::Kind::List) l.items.insert(l.items.end(), r.items.begin(), r.items.end());
        else for (auto& x : r.value) l.items.push_back(constant(x, Type::Any));
        l.name.clear();
        return l;
      }
      if (r.kind == Planned::Kind::List && l.value.is_array()) {
        Planned out = r;
        out.items.clear();
        for (auto& x : l.value) out.items.push_back(constant(x, Type::Any));
        out.items.insert(out.items.end(), r.items.begin(), r.items.end());
        out.name.clear();
        return out;
      }
    }
    json a = operand(*e.lhs), b = operand(*e.rhs);
    if (e.text == "+" && a.is_string() && b.is_string()) return constant(a.get<std::string>() + b.get<std::string>(), Type::String);
    if (e.text == "+" && a.is_array() && b.is_array()) {
      for (auto& x : b) a.push_back(x);
      return constant(a, Type::List);
    }
    if (!a.is_number() || !b.is_number())
      fail(e.range, "'" + e.text + "' needs two numbers here (or '+' on two strings or two lists)");
    double x = a.get<double>(), y = b.get<double>();
    if (e.text == "+") return constant(x + y, Type::Number);
    if (e.text == "-") return constant(x - y, Type::Number);
    if (e.text == "*") return constant(x * y, Type::Number);
    if (e.text == "/") return constant(x / y, Type::Number);
    fail(e.range, "'" + e.text + "' is only allowed inside a condition or a score");
  }

  // Expression parameters (keep's condition, grid's score) become expression
  // JSON; names that are definitions are replaced by their constant value.
  json expr_json(const Expr& e, const lang::Param* p = nullptr) {
    switch (e.kind) {
      case K::Number: return {{"num", e.number}};
      case K::String: return {{"str", e.text}};
      case K::Bool: return {{"bool", e.boolean}};
      case K::Name: {
        // A name the parameter lists (a metric, a cleaning step) is that name,
        // even where a definition has it too: the checker reads it so.
        if (p && std::find(p->symbols.begin(), p->symbols.end(), e.text) != p->symbols.end()) return {{"name", e.text}};
        bool bound = defs_.count(e.text) != 0;
        for (auto& s : scopes_) bound |= s.count(e.text) != 0;
        if (!bound) return {{"name", e.text}};
        Planned v = name(e);
        if (v.kind != Planned::Kind::Const) fail(e.range, "'" + e.text + "' is data; a condition can only use constants and column names");
        return literal_json(v.value);
      }
      case K::List: {
        json items = json::array();
        for (auto& it : e.items) items.push_back(expr_json(*it, p));
        return {{"list", items}};
      }
      case K::Binary: return {{"op", e.text}, {"args", {expr_json(*e.lhs, p), expr_json(*e.rhs, p)}}};
      case K::Unary: return {{"op", e.text == "-" ? "neg" : e.text}, {"args", {expr_json(*e.lhs, p)}}};
      default: fail(e.range, "not allowed in a condition or a score");
    }
  }

  static json literal_json(const json& v) {
    if (v.is_number()) return {{"num", v}};
    if (v.is_string()) return {{"str", v}};
    if (v.is_boolean()) return {{"bool", v}};
    if (v.is_array()) {
      json items = json::array();
      for (auto& x : v) items.push_back(literal_json(x));
      return {{"list", items}};
    }
    return {{"str", v.dump()}};
  }

  // An expression as the script wrote it, runs of white space made one space.
  std::string source_text(const Expr& e) const {
    auto it = script_.sources.find(cur_file_);
    const std::string& src = it != script_.sources.end() ? it->second : script_.source;
    if (e.range.end.offset <= e.range.begin.offset || e.range.end.offset > src.size()) return "?";
    std::string out;
    for (char c : src.substr(e.range.begin.offset, e.range.end.offset - e.range.begin.offset)) {
      bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
      if (space && (out.empty() || out.back() == ' ')) continue;
      out += space ? ' ' : c;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
  }

  // A model's `prep: [standardize, minmax(-1, 1)]` as [{"op": "standardize"}, {"op": "minmax", "lo": -1, "hi": 1}]:
  // the ops' own parameters, which the model's fit hands to each step (runtime/core/op_kit.h).
  json steps(const Expr& v) {
    json out = json::array();
    std::vector<const Expr*> items;
    if (v.kind == K::List) for (auto& it : v.items) items.push_back(it.get());
    else items.push_back(&v);
    for (const Expr* it : items) {
      json step = {{"op", it->text}};
      if (it->kind == K::Call) {
        auto b = bindings_.find(it);
        if (b == bindings_.end()) throw InternalError("the checker bound no arguments for the step '" + it->text + "'");
        for (auto& bound : b->second) {
          const Expr& arg = *bound.values.front();
          if (is_symbol_of(*bound.param, arg)) {
            step[bound.param->name] = arg.text;
            continue;
          }
          Planned x = eval(arg);
          if (x.kind != Planned::Kind::Const) fail(arg.range, "a preprocessing step's arguments are constants, not data");
          check_range(it->text, bound.param->name, x.value, arg.range);
          step[bound.param->name] = x.value;
        }
      }
      out.push_back(step);
    }
    return out;
  }

  // --- for sweeps ---------------------------------------------------------------
  Planned sweep(const Expr& e) {
    Planned out;
    out.kind = Planned::Kind::List;
    out.type = Type::List;
    struct Axis {
      std::string name;
      std::vector<Planned> items;
      std::vector<json> labels;  // how each value names its row: `m=svm(C: 10)`, not the spec's JSON
    };
    std::vector<Axis> axes;
    for (auto& b : e.bindings) {
      Planned vals = eval(*b.values);
      Axis axis{b.name, {}, {}};
      if (vals.kind == Planned::Kind::List) axis.items = vals.items;
      else if (vals.value.is_array()) for (auto& x : vals.value) axis.items.push_back(constant(x, Type::Any));
      else fail(b.values->range, "'for " + b.name + " in ...' needs a list");
      for (size_t i = 0; i < axis.items.size(); ++i) {
        const Planned& v = axis.items[i];
        json label = v.kind == Planned::Kind::Const ? v.value : json(v.name);
        // A spec or a record written in the list literal: its source text.
        if (v.kind == Planned::Kind::Const && v.value.is_object() && b.values->kind == lang::Expr::Kind::List &&
            i < b.values->items.size())
          label = source_text(*b.values->items[i]);
        axis.labels.push_back(label);
      }
      axes.push_back(std::move(axis));
    }
    std::function<void(size_t, std::map<std::string, Planned>&, json&)> rec = [&](size_t i, auto& scope, json& point) {
      if (i == axes.size()) {
        scopes_.push_back(scope);
        std::string saved = cur_def_;
        cur_def_ = saved + "[" + point_label(point) + "]";
        Planned v = eval(*e.lhs);
        cur_def_ = saved;
        scopes_.pop_back();
        v.name = saved + "[" + point_label(point) + "]";
        out.items.push_back(v);
        return;
      }
      for (size_t v = 0; v < axes[i].items.size(); ++v) {
        scope[axes[i].name] = axes[i].items[v];
        point[axes[i].name] = axes[i].labels[v];
        rec(i + 1, scope, point);
      }
      scope.erase(axes[i].name);
      point.erase(axes[i].name);
    };
    std::map<std::string, Planned> scope;
    json point = json::object();
    rec(0, scope, point);
    return out;
  }

  // --- calls --------------------------------------------------------------------
  // `key` is the node the checker keyed the call's bindings by: the Call, the
  // Pipe (`a |> f(x)`, whose lhs is then the first value), or a bare Name
  // (`optimizer: nadam`). `call` is the Call node when there is one.
  Planned call(const Expr& key, const Expr* call, const std::string& callee, const lang::Range& range) {
    const Signature* sig = lang::catalog().find(callee);
    if (!sig) fail(range, "unknown op '" + callee + "'");
    auto it = bindings_.find(&key);
    // An op's bare name where the checker saw no call of it (`midi_folder >= ("x")`, found by
    // script_fuzz): the script's mistake, at its place, not an internal error.
    if (it == bindings_.end())
      fail(range, "'" + callee + "' is an op: call it with its arguments here, e.g. " + callee + "(...)");
    std::map<std::string, std::vector<const Expr*>> bound;
    for (auto& b : it->second) bound[b.param->name] = b.values;
    std::vector<std::pair<const lang::Param*, std::vector<const Expr*>>> in_order;  // signature order
    for (auto& p : sig->params)
      if (bound.count(p.name)) in_order.push_back({&p, bound[p.name]});

    if (const ExpandFn* expand = find_expansion(sig->name)) {
      CallExpansion x(*this, *sig, call, range, bound);
      return (*expand)(x);
    }

    json params = json::object();
    std::vector<std::pair<const lang::Param*, Planned>> data;
    std::vector<std::string> paths;
    for (auto& [p, args] : in_order) {
      const std::string& pname = p->name;
      std::vector<json> consts;
      for (const Expr* arg : args) {
        if (p->elem == Type::Step) {
          consts.push_back(steps(*arg));
          continue;
        }
        if (param_has(*p, Type::Expr)) {
          consts.push_back(expr_json(*arg, p));
          continue;
        }
        if (is_symbol_of(*p, *arg)) {
          consts.push_back(arg->text);
          continue;
        }
        if (arg->kind == K::List && !p->symbols.empty() && !arg->items.empty() &&
            std::all_of(arg->items.begin(), arg->items.end(), [&, p = p](auto& it) { return is_symbol_of(*p, *it); })) {
          json names = json::array();  // features: [mfcc, chroma]
          for (auto& it : arg->items) names.push_back(it->text);
          consts.push_back(names);
          continue;
        }
        Planned v = eval(*arg);
        bool takes_data = p->elem != Type::Any && is_data(p->elem);
        for (Type t : p->types) takes_data |= is_data(t);
        if (takes_data && v.kind != Planned::Kind::Const) {
          data.push_back({p, v});
          continue;
        }
        if (v.kind != Planned::Kind::Const) fail(arg->range, "argument '" + pname + "' of '" + sig->name + "' cannot be data");
        if (param_has(*p, Type::Path) && v.value.is_string()) paths.push_back(v.value.get<std::string>());
        check_range(sig->name, pname, v.value, arg->range);
        consts.push_back(v.value);
      }
      // select("A", "B"): several values given to one list parameter.
      if (args.size() > 1 && !consts.empty()) params[pname] = consts;
      else if (consts.size() == 1) params[pname] = consts[0];
    }
    // A mapping block (merge, map): its value is the record {target: value}.
    if (sig->block_item == Type::Record) {
      json rec = json::object();
      if (call)
        for (auto& item : call->items) {
          const Expr& r = *item->rhs;  // a listed name (map's percussion) is that name, as the checker reads it
          if (r.kind == K::Name && std::count(sig->block_symbols.begin(), sig->block_symbols.end(), r.text)) {
            rec[item->text] = r.text;
            continue;
          }
          Planned v = eval(r);
          if (v.kind != Planned::Kind::Const) fail(item->rhs->range, "the value after '<-' must be a constant, not data");
          rec[item->text] = v.value;
        }
      return constant(rec, Type::Record);
    }
    if (call && call->has_block) {
      json items = json::array();
      for (auto& item : call->items) {
        if (!sig->block_symbols.empty() && item->kind == K::Name) {
          items.push_back(item->text);
          continue;
        }
        Planned v = eval(*item);
        if (v.kind != Planned::Kind::Const) fail(item->range, "a block item must be a layer or a name");
        items.push_back(v.value);
      }
      if (sig->block_param.empty()) throw InternalError("'" + sig->name + "' takes a block but names no block_param");
      params[sig->block_param] = items;
    }

    if (sig->role == lang::Role::Spec) {
      // A spec's file (embedding's vectors:) is read when fitting: resolve it
      // now and keep its content hash, so a changed file changes the fit's key.
      for (auto& [p, args] : in_order) {
        if (!param_has(*p, Type::Path) || !params.contains(p->name) || !params[p->name].is_string()) continue;
        std::string full = resolve(params[p->name].get<std::string>());
        if (!std::filesystem::is_regular_file(full))
          throw PlanDataError({cur_file_, args.front()->range, "file not found: " + full,
                               missing_hint(params[p->name].get<std::string>(), full)});
        try {
          params[p->name + "_hash"] = hash_files_ ? hash_file(full) : "";
        } catch (const DataError& err) {
          throw PlanDataError({cur_file_, args.front()->range, err.what(), ""});
        }
        params[p->name] = full;
      }
      const char* tag = sig->result == Type::Layer ? "layer" : sig->result == Type::Optimizer ? "optimizer" : "spec";
      params[tag] = sig->name;
      return constant(params, sig->result);
    }

    Node n;
    n.op = sig->name;
    n.version = sig->version;
    n.params = params;
    n.file = cur_file_;
    n.range = range;  // the op's name: for a pipe stage, the stage, not the pipeline's start
    for (auto& path : paths) {
      std::string full = resolve(path);
      bool dir = std::filesystem::is_directory(full);
      if (!dir && !std::filesystem::is_regular_file(full))
        throw PlanDataError({cur_file_, key.range, "file not found: " + full, missing_hint(path, full)});
      try {
        n.files.push_back({full, !hash_files_ ? "" : dir ? hash_tree(full) : hash_file(full)});
      } catch (const DataError& err) {
        throw PlanDataError({cur_file_, key.range, err.what(), ""});
      }
    }
    for (auto& [p, v] : data) add_inputs(n, *p, v);
    return node_value(add(std::move(n)), sig->result);
  }

  void add_inputs(Node& n, const lang::Param& p, const Planned& v) {
    if (v.kind == Planned::Kind::Node) {
      n.inputs.push_back({v.node, v.part, p.name, v.name.empty() ? plan_.nodes[v.node].def : v.name});
      return;
    }
    for (auto& it : v.items) {
      if (it.kind == Planned::Kind::Const)
        fail(n.range, "argument '" + p.name + "' of '" + n.op + "' takes data, but an item is a constant",
             "train a model spec with fit(...) before evaluating it");
      add_inputs(n, p, it);
    }
  }

  // The hint of "file not found": a near name in the same folder, else where paths are taken from.
  std::string missing_hint(const std::string& given, const std::string& full) {
    namespace fs = std::filesystem;
    fs::path dir = fs::path(full).parent_path();
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return "the folder " + dir.string() + " does not exist either";
    std::vector<std::string> names;
    for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
      names.push_back(it->path().filename().string());
    std::string near = lang::closest(fs::path(full).filename().string(), names);
    if (!near.empty()) return "did you mean '" + near + "', in the same folder?";
    if (fs::path(given).is_absolute()) return "no file of that name in " + dir.string();
    return "paths are relative to the script's folder (" + plan_.script_dir + ")";
  }

  std::string resolve(const std::string& p) {
    std::filesystem::path fp(p);
    if (fp.is_absolute()) return p;
    return (std::filesystem::path(plan_.script_dir) / fp).lexically_normal().string();
  }

  // A node that an expansion (grid, cv, ablate) makes for one point of a
  // definition: labelled `label` in plans and progress, named `name` in reports.
  Planned add_sub(Node n, const std::string& label, const std::string& name) {
    std::string saved = cur_def_;
    cur_def_ = label;
    Planned v = node_value(add(std::move(n)), Type::Any);
    v.name = name;
    cur_def_ = saved;
    return v;
  }

  static Planned node_value(size_t node, Type type) {
    Planned v;
    v.kind = Planned::Kind::Node;
    v.node = node;
    v.type = type;
    return v;
  }

  // Hashes and appends a node, or returns the identical node already planned.
  size_t add(Node n) {
    Hasher ph;
    ph.add(n.op);
    ph.add(std::to_string(n.version));
    ph.add(n.params);
    n.params_hash = ph.hex();
    Hasher h;
    h.add(n.params_hash);
    for (auto& in : n.inputs) {
      h.add(plan_.nodes[in.node].key);
      h.add(in.part);
      h.add(in.param);
    }
    for (auto& [path, hash] : n.files) h.add(hash);
    n.key = h.hex();
    if (auto it = by_key_.find(n.key); it != by_key_.end()) return it->second;
    n.def = cur_def_;
    std::string base = cur_def_ + "/" + n.op;
    int c = ++label_count_[base];
    n.label = c == 1 ? base : base + "#" + std::to_string(c);
    plan_.nodes.push_back(std::move(n));
    return by_key_[plan_.nodes.back().key] = plan_.nodes.size() - 1;
  }

  // What an expanding op (grid, cv, ablate) sees of the planner: one call's
  // arguments, and nodes added in the call's definition and file.
  class CallExpansion : public Expansion {
   public:
    CallExpansion(Lowerer& l, const Signature& sig, const Expr* call, const lang::Range& range,
                  std::map<std::string, std::vector<const Expr*>>& bound)
        : l_(l), sig_(sig), call_(call), range_(range), bound_(bound) {}

    const Signature& sig() const override { return sig_; }
    const lang::Range& range() const override { return range_; }
    const std::string& def() const override { return l_.cur_def_; }
    bool has(const std::string& param) const override { return bound_.count(param) && !bound_.at(param).empty(); }
    const Expr& arg(const std::string& param) override {
      if (!has(param)) fail(range_, sig_.name + " needs '" + param + "'");
      return *bound_.at(param)[0];
    }
    Planned eval(const Expr& e) override { return l_.eval(e); }
    Planned value(const std::string& param) override {
      const Expr& e = arg(param);
      Planned v = l_.eval(e);
      if (v.is_const()) l_.check_range(sig_.name, param, v.value, e.range);
      return v;
    }
    json expr(const std::string& param) override { return l_.expr_json(arg(param), sig_.param(param)); }
    json block_names() const override {
      json out = json::array();
      if (call_ && call_->has_block)
        for (auto& item : call_->items) out.push_back(item->text);
      return out;
    }

    Planned node(const std::string& op, json params, const std::vector<PlannedInput>& inputs, const std::string& sub,
                 const std::string& name, const lang::Range* at) override {
      const Signature* s = lang::catalog().find(op);
      if (!s) throw InternalError("'" + sig_.name + "' expands into an unknown op '" + op + "'");
      Node n;
      n.op = op;
      n.version = s->version;
      n.params = std::move(params);
      n.file = l_.cur_file_;
      n.range = at ? *at : range_;
      for (auto& in : inputs) {
        const lang::Param* p = s->param(in.param);
        if (!p) throw InternalError("'" + op + "' has no parameter '" + in.param + "'");
        l_.add_inputs(n, *p, in.value);
      }
      if (sub.empty()) return node_value(l_.add(std::move(n)), s->result);
      std::string label = l_.cur_def_ + sub;
      Planned v = l_.add_sub(std::move(n), label, name.empty() ? label : name);
      v.type = s->result;
      return v;
    }

    const json* upstream(const Planned& v, const std::string& op, const std::string& via) const override {
      if (v.kind != Planned::Kind::Node) return nullptr;
      for (size_t at = v.node;;) {
        const Node& n = l_.plan_.nodes[at];
        if (n.op == op) return &n.params;
        auto in = std::find_if(n.inputs.begin(), n.inputs.end(), [&](auto& i) { return i.param == via && i.part.empty(); });
        if (in == n.inputs.end()) return nullptr;
        at = in->node;
      }
    }

    std::vector<std::string> ops_upstream(const Planned& v, const std::string& via) const override {
      std::vector<std::string> out;
      if (v.kind != Planned::Kind::Node) return out;
      for (size_t at = v.node;;) {
        const Node& n = l_.plan_.nodes[at];
        out.push_back(n.op);
        auto in = std::find_if(n.inputs.begin(), n.inputs.end(), [&](auto& i) { return i.param == via && i.part.empty(); });
        if (in == n.inputs.end()) return out;
        at = in->node;
      }
    }

    void warn(const lang::Range& at, std::string msg, std::string hint = "") override {
      lang::Diagnostic d{l_.cur_file_, at, std::move(msg), std::move(hint)};
      d.warning = true;
      l_.plan_.warnings.push_back(std::move(d));
    }

    void check_range(const std::string& op, const std::string& param, const json& v, const lang::Range& at) override {
      l_.check_range(op, param, v, at);
    }

    [[noreturn]] void fail(const lang::Range& at, std::string msg, std::string hint = "") override {
      l_.fail(at, std::move(msg), std::move(hint));
    }

   private:
    Lowerer& l_;
    const Signature& sig_;
    const Expr* call_;
    lang::Range range_;
    std::map<std::string, std::vector<const Expr*>>& bound_;
  };

  // A positioned script error when a number is outside its parameter's range.
  void check_range(const std::string& op, const std::string& param, const json& v, const lang::Range& at) {
    const Signature* s = lang::catalog().find(op);
    const lang::Param* p = s ? s->param(param) : nullptr;
    if (!p || !v.is_number()) return;
    if (std::string why = lang::range_problem(*p, v.get<double>()); !why.empty())
      fail(at, op + ": " + why, "`genre ops " + op + "` lists its parameters and their ranges");
  }
};

}  // namespace

Plan lower(const lang::Script& script, const lang::Bindings& bindings, const std::vector<std::string>& targets,
           bool hash_files) {
  return Lowerer(script, bindings, hash_files).run(targets);
}

}  // namespace genre
