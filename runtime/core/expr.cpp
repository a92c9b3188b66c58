// Expressions are evaluated a column at a time: each node gives a whole column
// (or one scalar that stands for every row), so type errors are found once,
// not row by row, and name the column involved.
#include "runtime/core/expr.h"

#include <charconv>
#include <cmath>
#include <unordered_set>

namespace genre {

namespace {

std::string num_text(double v) {
  if (v == std::floor(v) && std::abs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string in_quotes(const std::string& s) { return "\"" + s + "\""; }

const std::string& op_of(const json& e) {
  static const std::string none;
  auto it = e.find("op");
  return it != e.end() && it->is_string() ? it->get_ref<const std::string&>() : none;
}

const json& args_of(const json& e, size_t n) {
  auto it = e.find("args");
  if (it == e.end() || !it->is_array() || it->size() != n)
    throw InternalError("expression " + e.dump() + ": operator needs " + std::to_string(n) + " arguments");
  return *it;
}

// A value for every row, or one scalar for all.
struct Val {
  enum Kind { Num, Str, Bool, List } kind = Num;
  bool scalar = true;
  std::vector<double> num;       // Num: NaN = missing
  const Column* col = nullptr;   // Str from a column
  std::string str;               // Str scalar
  std::vector<uint8_t> b;        // Bool
  std::vector<Val> items;        // List (scalars)
  std::string what;              // how messages name it: column "Key", "pop", `a + b`

  double n(size_t i) const { return scalar ? num[0] : num[i]; }
  const std::string* s(size_t i) const {
    if (scalar) return &str;
    return col->present[i] ? &col->text[i] : nullptr;
  }
  bool t(size_t i) const { return scalar ? b[0] : b[i]; }
};

const char* kind_word(Val::Kind k) {
  switch (k) {
    case Val::Num: return "number";
    case Val::Str: return "text";
    case Val::Bool: return "true/false";
    case Val::List: return "list";
  }
  return "?";
}

std::string describe(const Val& v) { return v.what + " (" + kind_word(v.kind) + ")"; }

struct RowEval {
  const Table& t;
  size_t rows;

  Val eval(const json& e) {
    if (e.contains("num")) return scalar_num(e["num"].get<double>());
    if (e.contains("str")) {
      Val v;
      v.kind = Val::Str;
      v.str = e["str"].get<std::string>();
      v.what = in_quotes(v.str);
      return v;
    }
    if (e.contains("bool")) {
      Val v;
      v.kind = Val::Bool;
      v.b = {static_cast<uint8_t>(e["bool"].get<bool>())};
      v.what = e["bool"].get<bool>() ? "true" : "false";
      return v;
    }
    if (e.contains("name")) return column(e["name"].get<std::string>());
    if (e.contains("list")) {
      Val v;
      v.kind = Val::List;
      v.what = expr_text(e);
      for (auto& x : e["list"]) {
        Val item = eval(x);
        if (!item.scalar || item.kind == Val::List)
          throw DataError("a list in an expression may hold only numbers or text, not " + describe(item));
        v.items.push_back(std::move(item));
      }
      return v;
    }
    const std::string& op = op_of(e);
    if (op.empty()) throw InternalError("malformed expression JSON: " + e.dump());
    if (op == "not" || op == "neg") {
      Val a = eval(args_of(e, 1)[0]);
      if (op == "not") {
        need(a, Val::Bool, e);
        for (auto& x : a.b) x = !x;
      } else {
        need(a, Val::Num, e);
        for (auto& x : a.num) x = -x;
      }
      a.what = "`" + expr_text(e) + "`";
      return a;
    }
    auto& args = args_of(e, 2);
    Val a = eval(args[0]), b = eval(args[1]);
    Val r;
    r.what = "`" + expr_text(e) + "`";
    r.scalar = a.scalar && b.scalar;
    size_t n = r.scalar ? 1 : rows;
    if (op == "+" || op == "-" || op == "*" || op == "/") {
      need(a, Val::Num, e);
      need(b, Val::Num, e);
      r.kind = Val::Num;
      r.num.resize(n);
      for (size_t i = 0; i < n; ++i) {
        double x = a.n(i), y = b.n(i);
        r.num[i] = op == "+" ? x + y : op == "-" ? x - y : op == "*" ? x * y : x / y;
      }
      return r;
    }
    r.kind = Val::Bool;
    r.b.resize(n);
    if (op == "and" || op == "or") {
      need(a, Val::Bool, e);
      need(b, Val::Bool, e);
      for (size_t i = 0; i < n; ++i) r.b[i] = op == "and" ? (a.t(i) && b.t(i)) : (a.t(i) || b.t(i));
      return r;
    }
    if (op == "in") return in(a, b, e, r);
    if (op == "==" || op == "!=" || op == "<" || op == "<=" || op == ">" || op == ">=") {
      if (a.kind != b.kind || a.kind == Val::List)
        throw DataError("cannot compare " + describe(a) + " with " + describe(b) + " in `" + expr_text(e) + "`");
      auto cmp = [&](auto x, auto y) {
        if (op == "==") return x == y;
        if (op == "!=") return x != y;
        if (op == "<") return x < y;
        if (op == "<=") return x <= y;
        if (op == ">") return x > y;
        return x >= y;
      };
      for (size_t i = 0; i < n; ++i) {
        if (a.kind == Val::Num) {
          double x = a.n(i), y = b.n(i);
          r.b[i] = !std::isnan(x) && !std::isnan(y) && cmp(x, y);
        } else if (a.kind == Val::Str) {
          auto *x = a.s(i), *y = b.s(i);
          r.b[i] = x && y && cmp(*x, *y);
        } else {
          r.b[i] = cmp(a.t(i), b.t(i));
        }
      }
      return r;
    }
    throw InternalError("unknown operator \"" + op + "\" in expression JSON");
  }

  Val& in(const Val& a, const Val& b, const json& e, Val& r) {
    if (b.kind != Val::List)
      throw DataError("`in` needs a list on its right, got " + describe(b) + " in `" + expr_text(e) + "`");
    for (auto& item : b.items)
      if (item.kind != a.kind)
        throw DataError("cannot look for " + describe(a) + " in a list holding " + describe(item) + " in `" +
                        expr_text(e) + "`");
    size_t n = r.b.size();
    if (a.kind == Val::Num) {
      std::unordered_set<double> set;
      for (auto& item : b.items) set.insert(item.num[0]);
      for (size_t i = 0; i < n; ++i) r.b[i] = !std::isnan(a.n(i)) && set.count(a.n(i));
    } else if (a.kind == Val::Str) {
      std::unordered_set<std::string> set;
      for (auto& item : b.items) set.insert(item.str);
      for (size_t i = 0; i < n; ++i) r.b[i] = a.s(i) && set.count(*a.s(i));
    } else {
      throw DataError("`in` needs numbers or text on its left, got " + describe(a));
    }
    return r;
  }

  Val scalar_num(double x) {
    Val v;
    v.num = {x};
    v.what = num_text(x);
    return v;
  }

  Val column(const std::string& name) {
    const Column* c = nullptr;
    std::string what;
    if (name == "label" && !t.label.empty()) {
      c = &t.column(t.label);
      what = "label (column \"" + t.label + "\")";
    } else if ((c = t.find(name))) {
      what = "column " + in_quotes(name);
    } else if (name == "label") {
      throw DataError((t.source.empty() ? std::string("the table") : t.source) +
                      " has no label column; choose one with csv(..., label: \"Genre\") or label(\"Genre\")");
    } else {
      t.column(name);  // throws, listing the columns
    }
    if (c->is_sequence())
      throw DataError((t.source.empty() ? std::string("table") : t.source) + ": column \"" + c->name + "\" holds sequences; a condition can only use number or text columns");
    Val v;
    v.scalar = false;
    v.what = what;
    if (c->numeric) {
      v.kind = Val::Num;
      v.num = c->num;
    } else {
      v.kind = Val::Str;
      v.col = c;
    }
    return v;
  }

  static void need(const Val& v, Val::Kind k, const json& e) {
    if (v.kind != k)
      throw DataError("`" + expr_text(e) + "` needs " + kind_word(k) + ", but " + v.what + " is " +
                      kind_word(v.kind));
  }
};

}  // namespace

std::vector<uint8_t> eval_rows(const json& e, const Table& t) {
  RowEval ev{t, t.rows()};
  Val v = ev.eval(e);
  if (v.kind != Val::Bool)
    throw DataError("a condition must be true or false, but `" + expr_text(e) + "` is a " + kind_word(v.kind));
  if (v.scalar) return std::vector<uint8_t>(t.rows(), v.b[0]);
  return v.b;
}

double eval_scalar(const json& e, const std::function<std::optional<double>(const std::string&)>& lookup,
                   const std::vector<std::string>& known) {
  auto rec = [&](const json& x) { return eval_scalar(x, lookup, known); };
  if (e.contains("num")) return e["num"].get<double>();
  if (e.contains("bool")) return e["bool"].get<bool>() ? 1 : 0;
  if (e.contains("str") || e.contains("list"))
    throw DataError("`" + expr_text(e) + "`: only numbers can be used here");
  if (e.contains("name")) {
    std::string name = e["name"].get<std::string>();
    if (auto v = lookup(name)) return *v;
    std::string list;
    for (auto& k : known) list += (list.empty() ? "" : ", ") + k;
    throw DataError("unknown name \"" + name + "\" in `" + expr_text(e) + "`" +
                    (list.empty() ? std::string() : "; known names: " + list));
  }
  const std::string& op = op_of(e);
  if (op == "neg") return -rec(args_of(e, 1)[0]);
  if (op == "not") return rec(args_of(e, 1)[0]) == 0 ? 1 : 0;
  if (op == "abs") return std::abs(rec(args_of(e, 1)[0]));
  auto& a = args_of(e, 2);
  double x = rec(a[0]), y = rec(a[1]);
  if (op == "+") return x + y;
  if (op == "-") return x - y;
  if (op == "*") return x * y;
  if (op == "/") return x / y;
  if (op == "min") return std::min(x, y);
  if (op == "max") return std::max(x, y);
  if (op == "==") return x == y;
  if (op == "!=") return x != y;
  if (op == "<") return x < y;
  if (op == "<=") return x <= y;
  if (op == ">") return x > y;
  if (op == ">=") return x >= y;
  if (op == "and") return x != 0 && y != 0;
  if (op == "or") return x != 0 || y != 0;
  throw InternalError("unknown operator \"" + op + "\" in expression JSON");
}

std::string expr_text(const json& e) {
  if (e.contains("num")) return num_text(e["num"].get<double>());
  if (e.contains("str")) return in_quotes(e["str"].get<std::string>());
  if (e.contains("bool")) return e["bool"].get<bool>() ? "true" : "false";
  if (e.contains("name")) return e["name"].get<std::string>();
  if (e.contains("list")) {
    std::string s = "[";
    for (size_t i = 0; i < e["list"].size(); ++i) s += (i ? ", " : "") + expr_text(e["list"][i]);
    return s + "]";
  }
  const std::string& op = op_of(e);
  auto it = e.find("args");
  if (it == e.end() || !it->is_array()) return e.dump();
  auto& a = *it;
  auto sub = [&](const json& x) {  // parenthesise nested operators
    std::string s = expr_text(x);
    return x.contains("op") && x["op"] != "neg" ? "(" + s + ")" : s;
  };
  if (op == "neg" && a.size() == 1) return "-" + sub(a[0]);
  if (op == "not" && a.size() == 1) return "not " + sub(a[0]);
  if ((op == "abs" || op == "min" || op == "max")) {
    std::string s = op + "(";
    for (size_t i = 0; i < a.size(); ++i) s += (i ? ", " : "") + expr_text(a[i]);
    return s + ")";
  }
  if (a.size() == 2) return sub(a[0]) + " " + op + " " + sub(a[1]);
  return e.dump();
}

}  // namespace genre
