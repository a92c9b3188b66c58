// select, drop_columns and label: choosing columns. The label column always
// stays, because every later step (split, fit, evaluate) needs it.
#include "runtime/core/op.h"
#include "lang/suggest.h"
#include "runtime/core/op_kit.h"
#include "runtime/core/row_groups.h"

namespace genre {

namespace {

void check_known(const Table& t, const std::vector<std::string>& names, const std::string& op) {
  for (auto& n : names)
    if (!t.find(n)) {
      std::string hint = lang::closest(n, t.column_names());
      throw DataError(op + ": " + (t.source.empty() ? std::string("the table") : t.source) + " has no column \"" + n +
                      "\"" + (hint.empty() ? "" : " (did you mean \"" + hint + "\"?)") + "; the columns are " +
                      kit::name_list(t.column_names()));
    }
}

Table select(const Table& t, const std::vector<std::string>& names) {
  check_known(t, names, "select");
  Table out;
  out.label = t.label;
  out.source = t.source;
  bool has_label = t.label.empty();
  for (auto& n : names) {
    bool dup = false;
    for (auto& c : out.cols) dup |= c.name == n;
    if (dup) throw DataError("select: column \"" + n + "\" is listed twice");
    out.cols.push_back(*t.find(n));
    has_label |= n == t.label;
  }
  if (!has_label) out.cols.push_back(*t.find(t.label));
  return out;
}

Table drop(const Table& t, const std::vector<std::string>& names) {
  check_known(t, names, "drop_columns");
  Table out;
  out.label = t.label;
  out.source = t.source;
  for (auto& n : names)
    if (n == t.label)
      throw DataError("drop_columns: \"" + n + "\" is the label column and cannot be dropped; choose another label first with label(...)");
  for (auto& c : t.cols) {
    bool drop = false;
    for (auto& n : names) drop |= c.name == n;
    if (!drop) out.cols.push_back(c);
  }
  return out;
}

Value run_select(const OpContext& ctx) {
  auto names = kit::string_list(ctx.params.at("columns"), "select", "columns");
  return kit::map_groups(ctx, std::get<Table>(ctx.input("data")), [&](const Table& t, size_t) { return select(t, names); });
}

Value run_drop(const OpContext& ctx) {
  auto names = kit::string_list(ctx.params.at("columns"), "drop_columns", "columns");
  return kit::map_groups(ctx, std::get<Table>(ctx.input("data")), [&](const Table& t, size_t) { return drop(t, names); });
}

Value run_label(const OpContext& ctx) {
  std::string name = ctx.params.at("column").get<std::string>();
  return kit::map_groups(ctx, std::get<Table>(ctx.input("data")), [&](const Table& group, size_t) {
    Table t = group;
    check_known(t, {name}, "label");
    t.label = name;
    return t;
  });
}

}  // namespace

void register_columns() {
  using lang::Type;
  lang::Signature s;
  s.name = "select";
  s.result = Type::Table;
  s.doc = "Keep only the named columns, in the order given; the label column is always kept.";
  s.params = {
      {"data", {Type::Table}, true, {}, Type::Any, "the table"},
      {"columns", {Type::List, Type::String}, true, {}, Type::String, "the column names: [\"A\", \"B\"] or one name"},
  };
  s.need = {.light = true, .groups = true};
  register_op(s, run_select);

  s.name = "drop_columns";
  s.doc = "Remove the named columns (ids, free text); the label column cannot be dropped.";
  s.params[1].doc = "the column names to remove: [\"Track\", \"Album\"] or one name";
  s.need = {.light = true, .groups = true};
  register_op(s, run_drop);

  s.name = "label";
  s.doc = "Choose the label column: the one models learn to predict.";
  s.params = {
      {"data", {Type::Table}, true, {}, Type::Any, "the table"},
      {"column", {Type::String}, true, {}, Type::Any, "the name of the label column"},
  };
  s.need = {.light = true, .groups = true};
  register_op(s, run_label);
}

}  // namespace genre
