// distinct(on): one row per key, the first in table order. Source tables often
// repeat an entity (an artist listed twice): joining on them would copy rows.
#include <unordered_set>

#include "runtime/core/op.h"
#include "runtime/core/op_kit.h"

namespace genre {

namespace {

Value run_distinct(const OpContext& ctx) {
  const Table& t = std::get<Table>(ctx.input("data"));
  auto on = kit::string_list(ctx.params.at("on"), "distinct", "on");
  std::vector<const Column*> cols;
  for (auto& k : on) cols.push_back(&t.column(k));
  std::unordered_set<std::string> seen;
  std::vector<size_t> keep;
  for (size_t r = 0; r < t.rows(); ++r) {
    std::string key;
    for (auto* c : cols) {
      auto v = kit::cell_key(*c, r);
      key += v ? std::to_string(v->size()) + ":" + *v : std::string("-");  // length prefix: no separator can clash
    }
    if (seen.insert(key).second) keep.push_back(r);
  }
  return t.take(keep);
}

}  // namespace

void register_distinct() {
  using lang::Type;
  lang::Signature s;
  s.name = "distinct";
  s.filter = true;
  s.result = Type::Table;
  s.doc = "Keep the first row of each key (in table order) and drop the repeats; missing key values count as one key.";
  s.params = {
      {"data", {Type::Table}, true, {}, Type::Any, "the table"},
      {"on", {Type::String, Type::List}, true, {}, Type::String, "the key column, or a list of them"},
  };
  s.need = {.light = true};
  register_op(s, run_distinct);
}

}  // namespace genre
