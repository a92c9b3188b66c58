// keep(where): the rows for which a condition holds. A text value named in the
// condition that no row has is almost always a typo ("rokc"), so it is an
// error that lists the values present rather than a silently smaller table.
#include <algorithm>

#include "runtime/core/op.h"
#include "lang/suggest.h"
#include "runtime/core/op_kit.h"
#include "runtime/core/expr.h"
#include "runtime/core/row_groups.h"

namespace genre {

namespace {

// The text column a name in the condition refers to, if any.
const Column* text_column(const Table& t, const json& e) {
  if (!e.is_object() || !e.contains("name")) return nullptr;
  std::string n = e["name"].get<std::string>();
  const Column* c = (n == "label" && !t.label.empty()) ? t.find(t.label) : t.find(n);
  return c && c->is_text() ? c : nullptr;
}

void check_values(const Table& t, const json& e) {
  if (!e.is_object()) return;
  if (auto it = e.find("args"); it != e.end() && it->is_array()) {
    for (auto& a : *it) check_values(t, a);
    if (it->size() != 2) return;
    std::string op = e.value("op", "");
    const json *lhs = &(*it)[0], *rhs = &(*it)[1];
    std::vector<std::string> wanted;
    if (op == "==" || op == "!=") {
      if (!text_column(t, *lhs)) std::swap(lhs, rhs);
      if (rhs->contains("str")) wanted.push_back((*rhs)["str"].get<std::string>());
    } else if (op == "in" && rhs->contains("list")) {
      for (auto& x : (*rhs)["list"])
        if (x.contains("str")) wanted.push_back(x["str"].get<std::string>());
    }
    const Column* c = text_column(t, *lhs);
    if (!c || wanted.empty()) return;
    std::vector<std::string> present;
    for (auto& [v, n] : kit::value_counts(*c)) present.push_back(v);
    for (auto& w : wanted) {
      if (std::find(present.begin(), present.end(), w) != present.end()) continue;
      std::string what = c->name == t.label ? "label" : c->name;
      std::string hint = lang::closest(w, present);
      throw DataError("keep: no row has " + what + " '" + w + "'" + (hint.empty() ? "" : " (did you mean '" + hint + "'?)") +
                      " (" + what + "s present: " + kit::name_list(present, 40) + ")");
    }
  }
}

// The text columns a condition names, for check_values on a stored table: their rows, not the rest.
void named_text(const Table& t, const json& e, std::vector<std::string>& out) {
  if (const Column* c = text_column(t, e); c && std::find(out.begin(), out.end(), c->name) == out.end())
    out.push_back(c->name);
  if (!e.is_object()) return;
  if (auto it = e.find("args"); it != e.end() && it->is_array())
    for (auto& a : *it) named_text(t, a, out);
}

Value run_keep(const OpContext& ctx) {
  const Table& t = std::get<Table>(ctx.input("data"));
  const json& where = ctx.params.at("where");
  if (!t.stored) {
    check_values(t, where);
  } else {  // the values a condition names, from every group, before any row is kept
    auto slim = rows_in_memory();
    each_group(t, [&](const Table& g, size_t) {
      std::vector<std::string> names;
      named_text(g, where, names);
      Table part;
      part.label = g.label;
      part.source = g.source;
      for (auto& n : names) part.cols.push_back(*g.find(n));
      slim->add(std::move(part));
    });
    check_values(slim->finish(), where);
  }
  size_t kept = 0;
  Value out = kit::map_groups(ctx, t, [&](const Table& g, size_t) {
    auto mask = eval_rows(where, g);
    std::vector<size_t> rows;
    for (size_t r = 0; r < mask.size(); ++r)
      if (mask[r]) rows.push_back(r);
    kept += rows.size();
    return g.take(rows);
  });
  // An empty result is not an error: a study may filter a corpus that lacks
  // one genre and go on; the next op that needs rows says so where it is.
  if (kept == 0 && t.rows() > 0)
    ctx.warn("keep: no row of " + (t.source.empty() ? std::string("the table") : t.source) + " satisfies `" +
             expr_text(where) + "`: the table is empty");
  return out;
}

}  // namespace

void register_keep() {
  using lang::Type;
  lang::Signature s;
  s.name = "keep";
  s.filter = true;
  s.result = Type::Table;
  s.doc = "Keep the rows where a condition holds, e.g. keep(label in six) or keep(Tempo > 60 and Energy >= 0.2); "
          "a missing value compares false.";
  s.params = {
      {"data", {Type::Table}, true, {}, Type::Any, "the table"},
      {"where", {Type::Expr}, true, {}, Type::Any,
       "the condition over column names (label = the label column); naming a text value no row has is an error; a "
       "condition no row satisfies gives an empty table and a warning"},
  };
  s.need = {.light = true, .groups = true};  // a stored table a group at a time
  register_op(s, run_keep);
}

}  // namespace genre
