// The checker: binds every name and argument of a script against the catalog
// and the script's own definitions, and gives each definition a type. It keeps
// going after an error (the failed part gets type Any, which fits anywhere) so
// one run reports every mistake.
//
// Binding rules (docs/language.md, "Binding"):
// - a positional argument binds to the next parameter, in signature order, that
//   accepts it; a List parameter whose elements it fits may take several in a row;
// - a name is a definition, else a `for` name, else (in a Symbol parameter) one
//   of its symbols, else an op called without arguments; inside an Expr
//   parameter a name that is none of these is free (a column, `label`, a metric).
#include "lang/checker.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <tuple>

#include "lang/parser.h"
#include "lang/suggest.h"

namespace genre::lang {

namespace {

struct Ty {
  Type t = Type::Any;
  Type elem = Type::Any;           // List: the type of its items
  const Signature* sig = nullptr;  // Spec: the signature that built it (for `with` keys)
};

std::string a_type(Type t) {
  std::string n = type_name(t);
  if (t == Type::Any) return n;
  return (std::string("aeiou").find(n[0]) != std::string::npos ? "an " : "a ") + n;
}

std::string plural(Type t) { return std::string(type_name(t)) + "s"; }

std::string join(const std::vector<std::string>& v, const std::string& sep = ", ") {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

bool has(const Param& p, Type t) {
  return std::find(p.types.begin(), p.types.end(), t) != p.types.end();
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

bool elem_ok(Type want, Type got) {
  return want == Type::Any || got == Type::Any || want == got || (want == Type::Int && got == Type::Number) ||
         (want == Type::Number && got == Type::Int) || (want == Type::Path && got == Type::String);
}

bool integral_literal(const Expr& e) {
  // A whole number a 64-bit integer holds (1e60 is not one: casting it would be undefined).
  return e.kind != Expr::Kind::Number ||
         (e.unit.empty() && std::isfinite(e.number) && e.number == std::trunc(e.number) && std::fabs(e.number) < 9.2e18);
}

// Does parameter p take a value of type t (the value's expression is v)?
bool accepts(const Param& p, const Ty& t, const Expr& v) {
  if (p.types.empty() || t.t == Type::Any) return true;
  for (Type want : p.types) {
    if (want == Type::Any || want == Type::Expr) return true;
    if (want == Type::Int && (t.t == Type::Number || t.t == Type::Int)) {
      if (integral_literal(v)) return true;
      continue;
    }
    if (want == Type::List && t.t == Type::List) {
      if (elem_ok(p.elem, t.elem)) return true;
      continue;
    }
    if (want == Type::List && p.elem != Type::Any && t.t != Type::List && elem_ok(p.elem, t.t) &&
        (p.elem != Type::Int || integral_literal(v)))
      return true;  // one item of the list (select("a", "b"))
    if (elem_ok(want, t.t) && want != Type::Any) return true;
  }
  return false;
}

std::string expects(const Param& p) {
  std::vector<std::string> v;
  for (Type t : p.types) {
    if (t == Type::List && p.elem != Type::Any) v.push_back("a list of " + plural(p.elem));
    else v.push_back(a_type(t));
  }
  return join(v, " or ");
}

struct ArgRef {
  std::string name;  // "" = positional
  Range name_range;
  const Expr* value;
};

class Checker {
 public:
  Checker(const Script& s, const Catalog& c, Diagnostics& d, Bindings* out) : s_(s), c_(c), d_(d), out_(out) {
    for (auto& [n, sig] : c_.all()) ops_.push_back(n);
  }

  std::map<std::string, Type> run() {
    std::map<std::string, const Definition*> first;
    for (auto& def : s_.defs) {
      file_ = file_of(def);
      auto it = defs_.find(def.name);
      if (it == defs_.end()) {
        defs_[def.name] = &def;
        names_.push_back(def.name);
        continue;
      }
      const Definition& f = *it->second;
      std::string where = "first defined at line " + std::to_string(f.name_range.begin.line);
      if (file_of(f) != file_) where += " of " + file_of(f);
      error(def.name_range, "'" + def.name + "' is defined twice", where);
    }
    for (auto& def : s_.defs) {
      if (defs_[def.name] != &def) {  // a duplicate: still look for errors inside
        file_ = file_of(def);
        expr(*def.value);
        continue;
      }
      Ty t = def_type(def.name, def.name_range);
      file_ = file_of(def);
      kind_check(def, t);
    }
    std::map<std::string, Type> out;
    for (auto& [n, t] : types_) out[n] = t.t;
    return out;
  }

 private:
  const Script& s_;
  const Catalog& c_;
  Diagnostics& d_;
  Bindings* out_;
  std::map<std::string, const Definition*> defs_;
  std::vector<std::string> names_, ops_;
  std::map<std::string, Ty> types_;
  std::vector<std::string> active_;  // definitions being checked, outermost first
  std::set<std::set<std::string>> cycles_;
  std::vector<std::pair<std::string, Ty>> scope_;  // `for` names in scope
  // `for m in [majority, random]`: a for name that takes bare names, and the list they are written in, checked
  // against the symbols of each parameter the name is given to.
  std::vector<std::pair<std::string, const Expr*>> symbol_lists_;
  std::map<const Expr*, Ty> memo_;
  std::string file_;

  std::string file_of(const Definition& d) const { return d.file.empty() ? s_.file : d.file; }
  void error(Range r, std::string msg, std::string hint = "") { d_.error(file_, r, std::move(msg), std::move(hint)); }

  const Ty* bound_name(const std::string& n) const {
    for (auto it = scope_.rbegin(); it != scope_.rend(); ++it)
      if (it->first == n) return &it->second;
    return nullptr;
  }
  bool resolvable(const std::string& n) const { return defs_.count(n) || bound_name(n); }
  const Expr* symbol_list(const std::string& n) const {
    for (auto it = scope_.rbegin(); it != scope_.rend(); ++it)
      if (it->first == n) {
        for (auto s = symbol_lists_.rbegin(); s != symbol_lists_.rend(); ++s)
          if (s->first == n) return it->second.t == Type::Symbol ? s->second : nullptr;
        return nullptr;
      }
    return nullptr;
  }

  std::vector<std::string> known_names() const {
    std::vector<std::string> v = names_;
    for (auto& [n, t] : scope_) v.push_back(n);
    v.insert(v.end(), ops_.begin(), ops_.end());
    return v;
  }

  void unknown_name(const Expr& e) { error(e.range, "unknown name '" + e.text + "'", did_you_mean(e.text, known_names())); }

  // ---- definitions
  Ty def_type(const std::string& name, Range at) {
    if (auto it = types_.find(name); it != types_.end()) return it->second;
    auto pos = std::find(active_.begin(), active_.end(), name);
    if (pos != active_.end()) {
      std::vector<std::string> path(pos, active_.end());
      path.push_back(name);
      if (cycles_.insert(std::set<std::string>(path.begin(), path.end())).second)
        error(at, "cycle between definitions: " + join(path, " -> "),
              "a definition cannot use itself, directly or through others");
      return {};
    }
    const Definition& d = *defs_.at(name);
    std::string file = file_;
    auto scope = std::move(scope_);
    scope_.clear();
    file_ = file_of(d);
    active_.push_back(name);
    Ty t = expr(*d.value);
    active_.pop_back();
    file_ = file;
    scope_ = std::move(scope);
    types_[name] = t;
    return t;
  }

  static bool kind_fits(const std::string& kind, const Ty& t) {
    if (t.t == Type::Any) return true;
    if (kind == "dataset") return t.t == Type::Table;
    if (kind == "features") return t.t == Type::Table || t.t == Type::Split;
    if (kind == "split") return t.t == Type::Split;
    if (kind == "model") return t.t == Type::Spec;
    if (kind == "train")
      return t.t == Type::Trained || (t.t == Type::List && (t.elem == Type::Trained || t.elem == Type::Any));
    if (kind == "ensemble") return t.t == Type::Trained;
    if (kind == "report" || kind == "analysis") return t.t == Type::Report;
    if (kind == "genres") return t.t == Type::List || t.t == Type::Record;  // a list, or a merge { ... }
    return true;
  }

  void kind_check(const Definition& d, const Ty& t) {
    if (kind_fits(d.kind, t)) return;
    static const std::map<std::string, std::string> want = {
        {"dataset", "a table"},  {"features", "a table or a split"}, {"split", "a split"},
        {"model", "a model spec"}, {"train", "a trained model or a list of them"},
        {"ensemble", "a trained model"}, {"report", "a report"}, {"analysis", "a report"},
        {"genres", "a list"}};
    std::string hint;
    for (std::string k : {"dataset", "split", "model", "train", "report", "genres"})
      if (kind_fits(k, t)) {
        hint = "did you mean `" + k + " " + d.name + " = ...`?";
        break;
      }
    error(d.name_range, "the value of " + d.kind + " '" + d.name + "' must be " + want.at(d.kind) + ", got " + a_type(t.t),
          hint);
  }

  // ---- expressions in an ordinary position
  Ty expr(const Expr& e) {
    if (auto it = memo_.find(&e); it != memo_.end()) return it->second;
    Ty t = expr_uncached(e);
    memo_[&e] = t;
    return t;
  }

  Ty expr_uncached(const Expr& e) {
    using K = Expr::Kind;
    switch (e.kind) {
      case K::Number: return {Type::Number};
      case K::String: return {Type::String};
      case K::Bool: return {Type::Bool};
      case K::Name: return name(e);
      case K::List: return list(e);
      case K::Record:
        for (auto& f : e.fields) option_value(*f.value);
        return {Type::Record};
      case K::Call: return call_expr(e);
      case K::Member: {
        Ty l = expr(*e.lhs);
        if (l.t == Type::Split) return {Type::Table};
        if (l.t == Type::Any || l.t == Type::Record) return {};  // a record's field: not known here
        error(e.range, "'." + e.text + "' takes a part of a split (like `s.train`), but this is " + a_type(l.t));
        return {};
      }
      case K::Pipe: return pipe(e);
      case K::With: return with(e);
      case K::For: return for_expr(e);
      case K::Binary: return binary(e);
      case K::Unary: {
        Ty t = expr(*e.lhs);
        if (e.text == "not") return {Type::Bool};
        number_operand(*e.lhs, t, e.text);
        return {Type::Number};
      }
      case K::Arrow:  // only a mapping block (block() below) takes these
        error(e.range, "'<-' only goes in the block of an op that maps names, like `merge { house <- [\"deep house\"] }`");
        return {};
    }
    return {};
  }

  Ty name(const Expr& e) {
    if (defs_.count(e.text)) return def_type(e.text, e.range);
    if (auto* b = bound_name(e.text)) return *b;
    if (c_.find(e.text)) return call(e.text, e.range, {}, nullptr, &e);
    unknown_name(e);
    return {};
  }

  Ty list(const Expr& e) {
    Ty out{Type::List};
    bool first = true;
    for (auto& it : e.items) {
      Ty t = expr(*it);
      Type item = t.t == Type::List && t.elem != Type::Any ? t.elem : t.t;  // a list in a list adds its items
      if (first) out.elem = item;
      else if (out.elem != item) out.elem = Type::Any;
      first = false;
    }
    return out;
  }

  void number_operand(const Expr& e, const Ty& t, const std::string& op) {
    if (t.t == Type::Any || t.t == Type::Number || t.t == Type::Int) return;
    error(e.range, "'" + op + "' needs numbers, got " + a_type(t.t));
  }

  Ty binary(const Expr& e) {
    Ty l = expr(*e.lhs), r = expr(*e.rhs);
    const std::string& op = e.text;
    if (op == "+") {  // numbers add; strings (paths) and lists (columns) join
      auto num = [](Type t) { return t == Type::Number || t == Type::Int; };
      if (l.t == Type::Any || r.t == Type::Any) return {l.t == Type::Any ? r.t : l.t};
      if (num(l.t) && num(r.t)) return {Type::Number};
      if (l.t == Type::String && r.t == Type::String) return {Type::String};
      if (l.t == Type::List && r.t == Type::List) return {Type::List, l.elem == r.elem ? l.elem : Type::Any};
      error(e.range, "'+' adds numbers, or joins two strings or two lists; got " + a_type(l.t) + " and " + a_type(r.t));
      return {};
    }
    if (op == "-" || op == "*" || op == "/") {
      number_operand(*e.lhs, l, op);
      number_operand(*e.rhs, r, op);
      return {Type::Number};
    }
    if (op == "in" && r.t != Type::List && r.t != Type::Any)
      error(e.rhs->range, "'in' needs a list on its right, got " + a_type(r.t));
    comparable(e, l.t, r.t);
    return {Type::Bool};
  }

  // `<`, `<=`, `>`, `>=` order two numbers or two strings; `==`/`!=` compare
  // like with like. Any (a column, a free name) is checked when the rows are read.
  void comparable(const Expr& e, Type l, Type r) {
    static const std::set<std::string> ops = {"<", "<=", ">", ">=", "==", "!="};
    if (!ops.count(e.text) || l == Type::Any || r == Type::Any) return;
    auto num = [](Type t) { return t == Type::Number || t == Type::Int; };
    if ((num(l) && num(r)) || l == r) return;
    error(e.range, "'" + e.text + "' compares two numbers or two strings; got " + a_type(l) + " and " + a_type(r));
  }

  static Type literal_type(const Expr& e) {
    switch (e.kind) {
      case Expr::Kind::Number: return Type::Number;
      case Expr::Kind::String: return Type::String;
      case Expr::Kind::Bool: return Type::Bool;
      default: return Type::Any;
    }
  }

  // A value where any name may also be a symbol for the op to read (record
  // fields without a schema, extra training options): a bare unknown name is accepted.
  void option_value(const Expr& v) {
    if (v.kind == Expr::Kind::Name && !resolvable(v.text) && !c_.find(v.text)) return;
    if (v.kind == Expr::Kind::List) {
      for (auto& it : v.items) option_value(*it);
      return;
    }
    expr(v);
  }

  Ty for_expr(const Expr& e) {
    size_t mark = scope_.size(), symbols_mark = symbol_lists_.size();
    for (auto& b : e.bindings) {
      const Expr& vs = *b.values;
      // Bare names that are neither definitions nor ops: symbols (baseline strategies, kernels), checked where used.
      if (vs.kind == Expr::Kind::List && !vs.items.empty() &&
          std::all_of(vs.items.begin(), vs.items.end(), [&](auto& it) {
            return it->kind == Expr::Kind::Name && !resolvable(it->text) && !c_.find(it->text);
          })) {
        if (defs_.count(b.name))
          error(b.name_range, "'" + b.name + "' is already a definition; give the for another name");
        scope_.push_back({b.name, Ty{Type::Symbol}});
        symbol_lists_.push_back({b.name, &vs});
        continue;
      }
      Ty vt = expr(vs);
      if (vt.t != Type::List && vt.t != Type::Any)
        error(b.values->range, "'for' needs a list of values after 'in', got " + a_type(vt.t));
      if (defs_.count(b.name))
        error(b.name_range, "'" + b.name + "' is already a definition; give the for another name");
      scope_.push_back({b.name, Ty{vt.t == Type::List ? vt.elem : Type::Any}});
    }
    Ty body = expr(*e.lhs);
    scope_.resize(mark);
    symbol_lists_.resize(symbols_mark);
    return {Type::List, body.t};
  }

  Ty with(const Expr& e) {
    Ty l = expr(*e.lhs);
    if (l.t != Type::Spec && l.t != Type::Any)
      error(e.lhs->range, "'with' changes the options of a model spec, but this is " + a_type(l.t));
    for (auto& f : e.rhs->fields) {
      const Param* p = l.sig ? l.sig->param(f.name) : nullptr;
      if (p) value(*p, *l.sig, *f.value);
      else if (l.sig && !l.sig->open_options) unknown_argument(*l.sig, f.name, f.name_range);
      else option_value(*f.value);
    }
    return l;
  }

  Ty pipe(const Expr& e) {
    const Expr& r = *e.rhs;
    std::vector<ArgRef> args{{"", {}, e.lhs.get()}};
    if (r.kind == Expr::Kind::Name) {
      if (!c_.find(r.text)) {
        expr(*e.lhs);
        return not_an_op(r.text, r.range);
      }
      return call(r.text, r.range, args, nullptr, &e);
    }
    if (!c_.find(r.text)) {
      expr(*e.lhs);
      return not_an_op(r.text, r.callee_range);
    }
    for (auto& a : r.args) args.push_back({a.name, a.name_range, a.value.get()});
    return call(r.text, r.callee_range, args, &r, &e);
  }

  Ty call_expr(const Expr& e) {
    if (!c_.find(e.text)) return not_an_op(e.text, e.callee_range);
    std::vector<ArgRef> args;
    for (auto& a : e.args) args.push_back({a.name, a.name_range, a.value.get()});
    return call(e.text, e.callee_range, args, &e, &e);
  }

  Ty not_an_op(const std::string& n, Range r) {
    if (defs_.count(n)) {
      const Definition& d = *defs_.at(n);
      error(r, "'" + n + "' is a " + d.kind + " definition, not an op: it cannot be called",
            d.kind == "model" ? "to change its options write `" + n + " with { ... }`" : "");
    } else {
      std::string hint = did_you_mean(n, ops_);
      error(r, "unknown op '" + n + "'", hint.empty() ? "`genre ops` lists the ops" : hint);
    }
    return {};
  }

  void unknown_argument(const Signature& sig, const std::string& n, Range r) {
    std::vector<std::string> ps;
    for (auto& p : sig.params) ps.push_back(p.name);
    std::string hint = did_you_mean(n, ps);
    hint += (hint.empty() ? "" : " ") + ("'" + sig.name + "' takes: " + (ps.empty() ? "no arguments" : join(ps)));
    error(r, "unknown argument '" + n + "' for '" + sig.name + "'", hint);
  }

  // ---- calls
  static bool free_names(const Expr& e, const Checker& c) {
    using K = Expr::Kind;
    switch (e.kind) {
      case K::Name: return !c.resolvable(e.text);
      case K::Binary: return free_names(*e.lhs, c) || free_names(*e.rhs, c);
      case K::Unary: case K::Member: return free_names(*e.lhs, c);
      case K::List:
        for (auto& it : e.items)
          if (free_names(*it, c)) return true;
        return false;
      default: return false;
    }
  }

  // A name listed in a Symbol parameter is that symbol, even where a definition
  // has the same name: `train majority = fit(baseline(majority), ...)`.
  static bool is_symbol(const Param& p, const Expr& v) {
    return v.kind == Expr::Kind::Name && has(p, Type::Symbol) && contains(p.symbols, v.text);
  }

  // May a bare name that is neither a definition nor a `for` name go to p?
  bool name_fits(const Param& p, const std::string& n) const {
    if (has(p, Type::Symbol) && contains(p.symbols, n)) return true;
    if (has(p, Type::Expr) && (p.symbols.empty() || contains(p.symbols, n))) return true;
    if (auto* sig = c_.find(n)) {
      Expr call;  // a stand-in for `n` called without arguments
      call.kind = Expr::Kind::Call;
      return accepts(p, Ty{sig->result}, call);
    }
    return false;
  }

  // Checks v as the value of parameter p of sig. `known`: its type, when already computed.
  // A model's `prep: [standardize, minmax(-1, 1)]`: each item an op marked `step`, its data left out.
  Ty steps(const Param& p, const Signature& sig, const Expr& v) {
    std::vector<const Expr*> items;
    if (v.kind == Expr::Kind::List) for (auto& it : v.items) items.push_back(it.get());
    else items.push_back(&v);
    std::vector<std::string> known;
    for (auto& [name, s] : c_.all())
      if (s.step) known.push_back(name);
    for (const Expr* it : items) {
      bool call = it->kind == Expr::Kind::Call;
      const Signature* s = (call || it->kind == Expr::Kind::Name) ? c_.find(it->text) : nullptr;
      if (!s || !s->step) {
        std::string what = call || it->kind == Expr::Kind::Name ? "'" + it->text + "'" : "this";
        std::string hint = it->kind == Expr::Kind::Name || call ? did_you_mean(it->text, known) : "";
        error(call ? it->callee_range : it->range,
              what + " is not a preprocessing step for argument '" + p.name + "' of '" + sig.name + "'",
              (hint.empty() ? "" : hint + " ") + "steps: " + join(known));
        continue;
      }
      if (call) {
        std::vector<ArgRef> args;
        for (auto& a : it->args) args.push_back({a.name, a.name_range, a.value.get()});
        this->call(it->text, it->callee_range, args, it, it, /*as_step=*/true);
      }
    }
    return {Type::List, Type::Step};
  }

  Ty value(const Param& p, const Signature& sig, const Expr& v, const Ty* known = nullptr) {
    if (is_symbol(p, v)) return {Type::Symbol};
    if (has(p, Type::List) && p.elem == Type::Step) return steps(p, sig, v);
    if (const Expr* list = v.kind == Expr::Kind::Name ? symbol_list(v.text) : nullptr) {
      if (!has(p, Type::Symbol)) {
        error(v.range, "'" + v.text + "' takes bare names (" + list->items[0]->text + ", ...), but argument '" + p.name +
                           "' of '" + sig.name + "' expects " + expects(p));
        return {};
      }
      for (auto& it : list->items)
        if (!contains(p.symbols, it->text)) {
          std::string hint = did_you_mean(it->text, p.symbols);
          hint += (hint.empty() ? "" : " ") + ("one of: " + join(p.symbols));
          error(it->range, "'" + it->text + "' (a value of '" + v.text + "') is not a value of argument '" + p.name +
                               "' of '" + sig.name + "'", hint);
        }
      return {Type::Symbol};
    }
    if (!p.keys_of.empty()) {  // checked with the spec it refers to, in keys_of()
      if (v.kind != Expr::Kind::Record) {
        Ty t = known ? *known : expr(v);
        if (t.t != Type::Record && t.t != Type::Any) mismatch(p, sig, v, t);
      }
      return {Type::Record};
    }
    if (has(p, Type::Expr) && !known) {
      expr_param(v, p, sig);
      return {Type::Expr};
    }
    if (v.kind == Expr::Kind::Name && !resolvable(v.text)) {
      if (has(p, Type::Symbol) && contains(p.symbols, v.text)) return {Type::Symbol};
      if (c_.find(v.text)) {
        Ty t = expr(v);
        if (!accepts(p, t, v)) mismatch(p, sig, v, t);
        return t;
      }
      if (has(p, Type::Symbol)) {
        std::string hint = did_you_mean(v.text, p.symbols);
        hint += (hint.empty() ? "" : " ") + ("one of: " + join(p.symbols));
        error(v.range, "'" + v.text + "' is not a value of argument '" + p.name + "' of '" + sig.name + "'", hint);
      } else {
        unknown_name(v);
      }
      return {};
    }
    // A list of bare names for a parameter that lists its values:
    // audio_features(features: [mfcc, chroma]).
    if (v.kind == Expr::Kind::List && has(p, Type::List) && !p.symbols.empty() && !v.items.empty() &&
        std::all_of(v.items.begin(), v.items.end(),
                    [&](auto& it) { return it->kind == Expr::Kind::Name && !resolvable(it->text); })) {
      for (auto& it : v.items)
        if (!contains(p.symbols, it->text)) {
          std::string hint = did_you_mean(it->text, p.symbols);
          hint += (hint.empty() ? "" : " ") + ("one of: " + join(p.symbols));
          error(it->range, "'" + it->text + "' is not a value of argument '" + p.name + "' of '" + sig.name + "'", hint);
        }
      return {Type::List, Type::Symbol};
    }
    Ty t = known ? *known : expr(v);
    if (!accepts(p, t, v)) {
      mismatch(p, sig, v, t);
      return t;
    }
    // A list literal: check each item against the element type.
    if (v.kind == Expr::Kind::List && has(p, Type::List) && p.elem != Type::Any) {
      for (size_t i = 0; i < v.items.size(); ++i) {
        const Expr& it = *v.items[i];
        Ty ti = expr(it);
        Type item = ti.t == Type::List ? ti.elem : ti.t;
        if (!elem_ok(p.elem, item) || (p.elem == Type::Int && !integral_literal(it)))
          error(it.range, "item " + std::to_string(i + 1) + " of argument '" + p.name + "' of '" + sig.name +
                              "' must be " + a_type(p.elem) + ", got " + a_type(item));
      }
    }
    return t;
  }

  void mismatch(const Param& p, const Signature& sig, const Expr& v, const Ty& t) {
    std::string got = a_type(t.t);
    if (v.kind == Expr::Kind::Number && (has(p, Type::Int) || p.elem == Type::Int)) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%g", v.number);
      got = buf + (v.unit.empty() ? "" : " (" + v.unit + ")");
    }
    std::string hint;
    if (t.t == Type::Split && has(p, Type::Table))  // fit(knn(k: 5), s)
      hint = "a split is its parts: pass one, e.g. " + (v.kind == Expr::Kind::Name ? v.text : std::string("s")) + ".train";
    error(v.range, "argument '" + p.name + "' of '" + sig.name + "' expects " + expects(p) + ", got " + got, hint);
  }

  // An expression over free names (keep(label in six), score: ...).
  void expr_param(const Expr& e, const Param& p, const Signature& sig) {
    using K = Expr::Kind;
    switch (e.kind) {
      case K::Name:
        if (contains(p.symbols, e.text)) {  // a listed name is free even if a definition has it
        } else if (resolvable(e.text)) {
          expr(e);
        } else if (!p.symbols.empty() && !contains(p.symbols, e.text)) {
          std::string hint = did_you_mean(e.text, p.symbols);
          hint += (hint.empty() ? "" : " ") + ("names allowed here: " + join(p.symbols));
          error(e.range, "unknown name '" + e.text + "' in argument '" + p.name + "' of '" + sig.name + "'", hint);
        } else if (p.symbols.empty()) {
          std::string near = closest(e.text, names_);
          if (!near.empty())
            d_.warn(file_, e.range, "'" + e.text + "' is not a definition: it is read as a column name",
                    "did you mean '" + near + "'?");
        }
        return;
      case K::Binary:
        expr_param(*e.lhs, p, sig);
        expr_param(*e.rhs, p, sig);
        comparable(e, literal_type(*e.lhs), literal_type(*e.rhs));
        return;
      case K::Unary: expr_param(*e.lhs, p, sig); return;
      case K::List:
        for (auto& it : e.items) expr_param(*it, p, sig);
        return;
      case K::Member:
        if (free_names(e, *this)) return;
        expr(e);
        return;
      default: expr(e); return;
    }
  }

  // No parameter takes a positional argument: blame the next free one, and
  // count it as given so that the error does not also read as a missing argument.
  void positional_error(const Signature& sig, std::vector<std::vector<const Expr*>>& vals, size_t& next,
                        const Expr& v, bool bare, bool free, const Ty& t) {
    // Arguments in the wrong order: an earlier parameter, still free, would take it.
    if (!bare && !free && next > 0)
      for (size_t i = 0; i < next; ++i)
        if (vals[i].empty() && accepts(sig.params[i], t, v) && !has(sig.params[i], Type::Expr)) {
          vals[i].push_back(&v);
          error(v.range, "this argument would be '" + sig.params[i].name + "' of '" + sig.name + "', which comes before '" +
                             sig.params[next - 1].name + "': write it first, or name it (" + sig.params[i].name + ": ...)");
          return;
        }
    // A model's prep is named only: it counts neither as a free place nor in "it takes N".
    auto positional = [](const Param& q) { return q.elem != Type::Step; };
    const Param* p = nullptr;
    for (size_t i = next; i < sig.params.size() && !p; ++i)
      if (vals[i].empty() && positional(sig.params[i])) {
        p = &sig.params[i];
        vals[i].push_back(&v);
        next = i + 1;
      }
    if (!p) {
      std::vector<std::string> ps;
      for (auto& q : sig.params)
        if (positional(q)) ps.push_back(q.name);
      error(v.range, "too many arguments for '" + sig.name + "': it takes " + std::to_string(ps.size()) +
                         (ps.empty() ? "" : " (" + join(ps) + ")"));
      return;
    }
    if (bare) {
      value(*p, sig, v);
    } else if (free) {
      report_free(v);
    } else {
      mismatch(*p, sig, v, t);
    }
  }

  // A number written in the script outside the parameter's range (knn(k: 0)).
  // Numbers that come from a definition or a sweep are checked when lowering.
  void in_range(const Signature& sig, const Param& p, const Expr& v) {
    if (!std::isfinite(p.lo) && !std::isfinite(p.hi)) return;
    double x;
    if (v.kind == Expr::Kind::Number) x = v.number;
    else if (v.kind == Expr::Kind::Unary && v.text == "-" && v.lhs && v.lhs->kind == Expr::Kind::Number) x = -v.lhs->number;
    else return;
    if (std::string why = range_problem(p, x); !why.empty())
      error(v.range, sig.name + ": " + why, "`genre ops " + sig.name + "` lists its parameters and their ranges");
  }

  // Shares written as numbers must make one whole (split(train: 70%, test: 40%) is 110%).
  void whole(const Signature& sig, const std::vector<std::vector<const Expr*>>& vals, Range at) {
    double sum = 0;
    std::string terms;
    for (auto& name : sig.shares) {
      const Param* p = sig.param(name);
      if (!p) continue;
      auto& v = vals[size_t(p - sig.params.data())];
      if (v.empty()) continue;
      if (v.size() != 1 || v[0]->kind != Expr::Kind::Number) return;  // from a definition: checked when it runs
      sum += v[0]->number;
      terms += fmt::format("{}{} {:.10g}%", terms.empty() ? "" : " + ", name, v[0]->number * 100);
      if (v[0]->range.end.offset > at.end.offset) at.end = v[0]->range.end;  // from the op's name to its last share
    }
    if (terms.empty() || std::abs(sum - 1) <= 1e-9) return;
    error(at, fmt::format("{}: the shares must sum to 100%: {} = {:.10g}%", sig.name, terms, sum * 100),
          sum < 1 ? "give the rest to a part (test: ...), or widen one" : "the parts overlap: shrink one");
  }

  void report_free(const Expr& e) {
    using K = Expr::Kind;
    if (e.kind == K::Name && !resolvable(e.text) && !c_.find(e.text)) unknown_name(e);
    if (e.lhs && e.kind != K::Call) report_free(*e.lhs);
    if (e.rhs && e.kind == K::Binary) report_free(*e.rhs);
    if (e.kind == K::List)
      for (auto& it : e.items) report_free(*it);
  }

  // `as_step`: a preprocessing step in a model's prep list, whose data and fit_on are the model's rows.
  Ty call(const std::string& callee, Range callee_range, const std::vector<ArgRef>& args, const Expr* node,
          const Expr* key, bool as_step = false) {
    const Signature* sig = c_.find(callee);
    if (!sig) return not_an_op(callee, callee_range);
    const size_t n = sig->params.size();
    std::vector<std::vector<const Expr*>> vals(n);
    std::vector<Ty> tys(n);
    std::vector<bool> rest(n);  // a List parameter that took single items and may take more
    std::vector<bool> absent(n);  // not written in this use of the op (a step's data and fit_on)
    for (size_t i = 0; i < n && as_step; ++i) absent[i] = sig->params[i].name == "data" || sig->params[i].name == "fit_on";
    size_t next = 0;
    while (next < n && absent[next]) ++next;
    for (auto& a : args) {
      const Expr& v = *a.value;
      if (!a.name.empty()) {
        const Param* p = sig->param(a.name);
        if (p && absent[size_t(p - sig->params.data())]) {
          error(a.name_range, "a preprocessing step takes no '" + a.name + "': it is fitted on the rows the model is fitted on");
          continue;
        }
        if (!p) {
          if (sig->open_options) option_value(v);
          else unknown_argument(*sig, a.name, a.name_range);
          continue;
        }
        size_t i = size_t(p - sig->params.data());
        if (!vals[i].empty()) {
          error(a.name_range, "argument '" + a.name + "' of '" + sig->name + "' is given twice");
          continue;
        }
        vals[i].push_back(&v);
        tys[i] = value(*p, *sig, v);
        continue;
      }
      bool bare = v.kind == Expr::Kind::Name && !resolvable(v.text);
      bool free = !bare && free_names(v, *this);
      Ty t;
      bool typed = false;
      auto fits = [&](const Param& p) {
        if (p.elem == Type::Step) return false;  // prep: named only, `knn(5, prep: [standardize])`
        if (is_symbol(p, v)) return true;
        if (bare) return name_fits(p, v.text);
        // audio_features("clips", [mfcc, chroma]): bare names, one of them a value the
        // parameter lists (value() then names any that is not, with a hint).
        if (v.kind == Expr::Kind::List && has(p, Type::List) && !p.symbols.empty() && !v.items.empty() &&
            std::all_of(v.items.begin(), v.items.end(),
                        [&](auto& it) { return it->kind == Expr::Kind::Name && !resolvable(it->text); }) &&
            std::any_of(v.items.begin(), v.items.end(), [&](auto& it) { return contains(p.symbols, it->text); }))
          return true;
        if (free) return has(p, Type::Expr);
        if (!typed) { t = expr(v); typed = true; }
        return accepts(p, t, v);
      };
      int found = -1;
      for (size_t i = next; i < n && found < 0; ++i)
        if (!absent[i] && (vals[i].empty() || rest[i]) && fits(sig->params[i])) found = int(i);
      if (found < 0) {
        positional_error(*sig, vals, next, v, bare, free, t);
        continue;
      }
      const Param& p = sig->params[found];
      Ty vt = value(p, *sig, v, typed ? &t : nullptr);
      vals[found].push_back(&v);
      if (vals[found].size() == 1) tys[found] = vt;
      rest[found] = has(p, Type::List) && vt.t != Type::List && p.elem != Type::Any;
      next = rest[found] ? size_t(found) : size_t(found) + 1;
    }

    for (size_t i = 0; i < n; ++i)
      if (sig->params[i].required && vals[i].empty() && !absent[i])
        error(callee_range, "missing required argument '" + sig->params[i].name + "' of '" + sig->name + "'");

    for (size_t i = 0; i < n; ++i)
      if (!sig->params[i].keys_of.empty() && !vals[i].empty()) keys_of(*sig, i, vals, tys);

    for (size_t i = 0; i < n; ++i)
      for (const Expr* v : vals[i]) in_range(*sig, sig->params[i], *v);
    if (!sig->shares.empty()) whole(*sig, vals, callee_range);

    if (node && node->has_block) block(*sig, *node);

    if (out_ && key) {
      auto& b = (*out_)[key];
      b.clear();
      for (size_t i = 0; i < n; ++i)
        if (!vals[i].empty()) b.push_back({&sig->params[i], vals[i]});
    }
    Ty r{sig->result};
    if (sig->result == Type::Spec) r.sig = sig;
    return r;
  }

  // grid's `over: { batch: [256, 512] }`: keys are arguments of the spec in another parameter.
  void keys_of(const Signature& sig, size_t i, const std::vector<std::vector<const Expr*>>& vals,
               const std::vector<Ty>& tys) {
    const Param& p = sig.params[i];
    const Expr& rec = *vals[i][0];
    if (rec.kind != Expr::Kind::Record) return;
    const Signature* spec = nullptr;
    if (const Param* of = sig.param(p.keys_of)) {
      size_t j = size_t(of - sig.params.data());
      if (!vals[j].empty()) spec = tys[j].sig;
    }
    for (auto& f : rec.fields) {
      const Param* kp = spec ? spec->param(f.name) : nullptr;
      const Signature* owner = spec;
      if (spec && !kp) std::tie(kp, owner) = nested_param(*spec, f.name);
      if (spec && !kp && !spec->open_options) {
        unknown_argument(*spec, f.name, f.name_range);
        continue;
      }
      if (f.value->kind != Expr::Kind::List) {
        Ty t = expr(*f.value);
        if (t.t != Type::List && t.t != Type::Any)
          error(f.value->range, "'" + p.name + "' of '" + sig.name + "' takes a list of values for each argument: write `" +
                                    f.name + ": [...]`");
        continue;
      }
      for (auto& it : f.value->items) {
        if (kp) value(*kp, *owner, *it);
        else option_value(*it);
      }
    }
  }

  // `lr` in grid's over reaches into the optimizer: a parameter of a spec that
  // one of the model's parameters takes (classifier's optimizer: adam, nadam...).
  std::pair<const Param*, const Signature*> nested_param(const Signature& spec, const std::string& n) const {
    for (auto& p : spec.params)
      for (Type t : p.types) {
        if (t != Type::Optimizer && t != Type::Spec && t != Type::Layer) continue;
        for (auto& [name, sig] : c_.all())
          if (sig.result == t)
            if (const Param* q = sig.param(n)) return {q, &sig};
      }
    return {nullptr, nullptr};
  }

  // A mapping block (a Signature with block_item Record): `target <- value`
  // items that make a record, each target once. With block_symbols (map), a
  // value is one of those names or `programs 0..7, 24`; without (merge), a
  // list of strings: the tags that become the target.
  void mapping_block(const Signature& sig, const Expr& node) {
    std::map<std::string, int> seen;  // target -> its line
    const bool programs = !sig.block_symbols.empty();
    const std::string example = programs ? "`piano <- programs 0..7`" : "`house <- [\"deep house\", \"hard house\"]`";
    for (auto& item : node.items) {
      const Expr& it = *item;
      if (it.kind != Expr::Kind::Arrow) {
        error(it.range, "the block of '" + sig.name + "' takes `name <- value` items", "like " + example);
        continue;
      }
      if (auto [at, fresh] = seen.emplace(it.text, it.lhs->range.begin.line); !fresh)
        error(it.lhs->range, "'" + it.text + "' is given twice in the block of '" + sig.name + "'",
              "first given at line " + std::to_string(at->second));
      const Expr& v = *it.rhs;
      if (programs) {
        if (v.kind == Expr::Kind::Name && contains(sig.block_symbols, v.text)) continue;
        if (v.kind != Expr::Kind::List || v.items.empty() ||
            !std::all_of(v.items.begin(), v.items.end(), [](auto& r) { return r->kind == Expr::Kind::List; })) {
          error(v.range, "expected " + join(sig.block_symbols, " or ") + " or programs after '<-'", "like " + example);
          continue;
        }
        for (auto& r : v.items) {  // [first, last] from `first..last`
          double a = r->items[0]->number, b = r->items[1]->number;
          bool whole = integral_literal(*r->items[0]) && integral_literal(*r->items[1]);
          if (!whole || a < 0 || b > 127)
            error(r->range, "programs are whole numbers from 0 to 127 (General MIDI)");
          else if (a > b)
            error(r->range, "a range of programs goes from low to high (like `24..31`)");
        }
        continue;
      }
      Ty t = expr(v);
      if (t.t == Type::String || t.t == Type::Any) continue;
      if (t.t != Type::List) {
        error(v.range, "expected a list of genres after '<-', got " + a_type(t.t), "like " + example);
        continue;
      }
      if (v.kind == Expr::Kind::List) {
        for (size_t i = 0; i < v.items.size(); ++i) {
          Type ti = expr(*v.items[i]).t;
          if (ti != Type::String && ti != Type::Any)
            error(v.items[i]->range, "item " + std::to_string(i + 1) + " after '" + it.text + " <-' must be a genre (a string), got " + a_type(ti));
        }
      } else if (t.elem != Type::String && t.elem != Type::Any) {
        error(v.range, "expected a list of genres after '<-', got a list of " + plural(t.elem));
      }
    }
  }

  void block(const Signature& sig, const Expr& node) {
    if (!sig.block) {
      error(node.items.empty() ? node.callee_range : node.items[0]->range, "'" + sig.name + "' takes no { ... } block");
      return;
    }
    if (sig.block_item == Type::Record) {
      mapping_block(sig, node);
      return;
    }
    for (auto& item : node.items) {
      const Expr& it = *item;
      if (!sig.block_symbols.empty()) {
        if (it.kind == Expr::Kind::Name && contains(sig.block_symbols, it.text)) continue;
        std::string hint = it.kind == Expr::Kind::Name ? did_you_mean(it.text, sig.block_symbols) : "";
        hint += (hint.empty() ? "" : " ") + ("allowed: " + join(sig.block_symbols));
        error(it.range,
              it.kind == Expr::Kind::Name ? "'" + it.text + "' is not allowed in the block of '" + sig.name + "'"
                                          : "the block of '" + sig.name + "' takes names",
              hint);
        continue;
      }
      Ty t;
      if (it.kind == Expr::Kind::Name && !resolvable(it.text) && c_.find(it.text))
        t = call(it.text, it.range, {}, nullptr, &it);
      else
        t = expr(it);
      if (sig.block_item != Type::Any && t.t != Type::Any && t.t != sig.block_item)
        error(it.range, "the block of '" + sig.name + "' takes " + plural(sig.block_item) + ", but this is " + a_type(t.t));
    }
  }
};

}  // namespace

std::map<std::string, Type> check(const Script& s, const Catalog& c, Diagnostics& d, Bindings* out) {
  return Checker(s, c, d, out).run();
}

}  // namespace genre::lang
