#include "lang/catalog.h"

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
  for (auto& p : s.params) args += (args.empty() ? "" : ", ") + p.name + (p.required ? "" : "?") + ": " + type_names(p);
  return name + "(" + args + ") -> " + type_name(s.result) + "\n    " + s.doc + "\n";
}

bool planner_internal(const std::string& name) { return name == "trial" || name == "grid_select"; }

}  // namespace genre::lang
