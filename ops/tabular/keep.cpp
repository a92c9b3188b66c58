// keep(where): the rows for which a condition holds. A text value named in the
// condition that no row has is almost always a typo ("rokc"), so it is an
// error that lists the values present rather than a silently smaller table.
#include <algorithm>

#include "runtime/core/op.h"
#include "lang/suggest.h"
#include "runtime/core/op_kit.h"
#include "runtime/core/expr.h"

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

Value run_keep(const OpContext& ctx) {
  const Table& t = std::get<Table>(ctx.input("data"));
  const json& where = ctx.params.at("where");
  check_values(t, where);
  auto mask = eval_rows(where, t);
  std::vector<size_t> rows;
  for (size_t r = 0; r < mask.size(); ++r)
    if (mask[r]) rows.push_back(r);
  // An empty result is not an error: a study may filter a corpus that lacks
  // one genre and go on; the next op that needs rows says so where it is.
  if (rows.empty() && t.rows() > 0)
    ctx.warn("keep: no row of " + (t.source.empty() ? std::string("the table") : t.source) + " satisfies `" +
             expr_text(where) + "`: the table is empty");
  return t.take(rows);
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
  s.need = {.light = true};
  register_op(s, run_keep);
}

}  // namespace genre
