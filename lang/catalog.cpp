#include "lang/catalog.h"

#include <cstdio>

namespace genre::lang {

Catalog& catalog() {
  static Catalog c;
  return c;
}

const char* type_name(Type t) {
  switch (t) {
    case Type::Any: return "anything";
    case Type::Number: return "number";
    case Type::Int: return "integer";
    case Type::String: return "string";
    case Type::Bool: return "boolean";
    case Type::Path: return "file path";
    case Type::Symbol: return "symbol";
    case Type::List: return "list";
    case Type::Record: return "record";
    case Type::Expr: return "expression";
    case Type::Table: return "table";
    case Type::Split: return "split";
    case Type::Spec: return "model spec";
    case Type::Trained: return "trained model";
    case Type::Report: return "report";
    case Type::Layer: return "layer";
    case Type::Optimizer: return "optimizer";
    case Type::Step: return "preprocessing step";
  }
  return "?";
}

std::string type_names(const Param& p) {
  std::string types;
  for (auto t : p.types) types += (types.empty() ? "" : "|") + std::string(type_name(t));
  return types;
}

std::string signature_text(const std::string& name, const Signature& s) {
  std::string args;
  for (auto& p : s.params) {
    args += (args.empty() ? "" : ", ") + p.name + (p.required ? "" : "?") + ": " + type_names(p);
    if (!p.dflt.empty()) args += " = " + p.dflt;
    if (std::string r = range_text(p); !r.empty()) args += " [" + r + "]";
  }
  return name + "(" + args + ") -> " + type_name(s.result) + "\n    " + s.doc + "\n";
}

namespace {
std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}
}  // namespace

std::string range_text(const Param& p) {
  bool lo = std::isfinite(p.lo), hi = std::isfinite(p.hi);
  if (lo && hi) return num(p.lo) + (p.lo_open ? " < " : " <= ") + p.name + (p.hi_open ? " < " : " <= ") + num(p.hi);
  if (lo) return p.name + (p.lo_open ? " > " : " >= ") + num(p.lo);
  if (hi) return p.name + (p.hi_open ? " < " : " <= ") + num(p.hi);
  return "";
}

std::string range_problem(const Param& p, double v) {
  bool below = p.lo_open ? !(v > p.lo) : !(v >= p.lo);
  bool above = p.hi_open ? !(v < p.hi) : !(v <= p.hi);
  if (!below && !above) return "";
  return "'" + p.name + "' must be " + (std::isfinite(p.lo) && std::isfinite(p.hi) ? "within " + range_text(p) : range_text(p).substr(p.name.size() + 1)) + ", got " + num(v);
}

}  // namespace genre::lang
