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

}  // namespace genre::lang
