// join(other, on: key): SQL-style join. Keys are equal by value, so 5200.0 in
// one file matches 5200 in the other; a missing key matches nothing. Each left
// row gives one row per matching right row, in the left table's order.
#include <unordered_map>

#include "runtime/core/op.h"
#include "runtime/core/op_kit.h"
#include "runtime/core/row_groups.h"

namespace genre {

namespace {

std::string name_of(const Table& t, const char* dflt) { return t.source.empty() ? dflt : t.source; }

// The key of a row over several columns; nullopt when any part is missing.
std::optional<std::string> row_key(const std::vector<const Column*>& cols, size_t r) {
  std::string k;
  for (auto* c : cols) {
    auto v = kit::cell_key(*c, r);
    if (!v) return std::nullopt;
    k += std::to_string(v->size()) + ":" + *v;  // length prefix: no separator can clash
  }
  return k;
}

std::string first_keys(const std::vector<const Column*>& cols, size_t rows) {
  std::vector<std::string> ks;
  for (size_t r = 0; r < rows && ks.size() < 5; ++r) {
    std::string k;
    for (auto* c : cols) k += (k.empty() ? "" : "/") + kit::cell_key(*c, r).value_or("(missing)");
    ks.push_back(k);
  }
  return kit::name_list(ks, 5);
}

Value run_join(const OpContext& ctx) {
  const Table& left = std::get<Table>(ctx.input("data"));
  const Table& right_in = std::get<Table>(ctx.input("other"));
  Table right_whole;
  if (right_in.stored) right_whole = whole(right_in);  // looked up by key: held whole
  const Table& b = right_in.stored ? right_whole : right_in;
  auto on = kit::string_list(ctx.params.at("on"), "join", "on");
  auto other_on = ctx.params.contains("other_on") ? kit::string_list(ctx.params["other_on"], "join", "other_on") : on;
  if (other_on.size() != on.size())
    throw DataError("join: 'on' names " + std::to_string(on.size()) + " key columns but 'other_on' names " +
                    std::to_string(other_on.size()));
  std::string how = kit::symbol_param(ctx.params, "how", "inner");
  if (how != "inner" && how != "left") throw DataError("join: how must be inner or left, got " + how);
  std::string an = name_of(left, "the left table"), bn = name_of(b, "the right table");
  std::string on_text;
  for (auto& k : on) on_text += (on_text.empty() ? "'" : ", '") + k + "'";

  std::vector<const Column*> kb;
  for (auto& k : other_on) kb.push_back(&b.column(k));  // throws DataError listing the columns
  std::unordered_map<std::string, std::vector<size_t>> index;
  for (size_t r = 0; r < b.rows(); ++r)
    if (auto k = row_key(kb, r)) index[*k].push_back(r);

  // The left table a group at a time (a stored one is never read whole): its rows in order,
  // each with its matches, so the groups' joins, one after another, are the whole join.
  size_t matched = 0;
  std::string left_keys;
  Value out = kit::map_groups(ctx, left, [&](const Table& a, size_t first) {
    std::vector<const Column*> ka;
    for (size_t i = 0; i < on.size(); ++i) {
      const std::string& k = on[i];
      const Column& ca = a.column(k);  // throws DataError listing the columns
      if (ca.numeric != kb[i]->numeric)
        throw DataError("join on '" + k + "': the key is " + (ca.numeric ? "numbers" : "text") + " in " + an + " but " +
                        (kb[i]->numeric ? "numbers" : "text") + " in " + bn);
      ka.push_back(&ca);
    }
    if (first == 0) left_keys = first_keys(ka, a.rows());

    std::vector<size_t> lrows, rrows;  // right = none: no match (left join)
    constexpr size_t none = static_cast<size_t>(-1);
    for (size_t r = 0; r < a.rows(); ++r) {
      auto k = row_key(ka, r);
      auto it = k ? index.find(*k) : index.end();
      if (it != index.end()) {
        ++matched;
        for (size_t m : it->second) lrows.push_back(r), rrows.push_back(m);
      } else if (how == "left") {
        lrows.push_back(r), rrows.push_back(none);
      }
    }

    Table part = a.take(lrows);
    part.source = an + " + " + bn;
    std::string b_label;
    for (auto& c : b.cols) {
      bool key = false;
      for (auto& k : other_on) key |= c.name == k;
      if (key) continue;
      Column n;
      n.name = c.name;
      for (int i = 2; part.find(n.name); ++i) n.name = c.name + "_" + std::to_string(i);  // a clash: Genre -> Genre_2
      if (c.name == b.label) b_label = n.name;
      n.numeric = c.numeric;
      n.seq_dims = c.seq_dims;
      for (size_t m : rrows) {
        if (c.numeric) {
          n.num.push_back(m == none ? missing : c.num[m]);
        } else if (c.is_sequence()) {
          n.seq.push_back(m == none ? std::vector<float>() : c.seq[m]);
          n.present.push_back(m == none ? 0 : c.present[m]);
        } else {
          n.text.push_back(m == none ? std::string() : c.text[m]);
          n.present.push_back(m == none ? 0 : c.present[m]);
        }
      }
      part.cols.push_back(std::move(n));
    }
    if (part.label.empty()) part.label = b_label;  // the left's label wins; else the right's
    return part;
  });
  if (matched == 0)
    throw DataError("join on " + on_text + ": no row of " + an + " matches any row of " + bn + "; first keys: " + an +
                    " has " + left_keys + ", " + bn + " has " + first_keys(kb, b.rows()));
  return out;
}

}  // namespace

void register_join() {
  using lang::Type;
  lang::Signature s;
  s.name = "join";
  s.result = Type::Table;
  s.doc = "Join two tables on key columns (SQL semantics: one row per matching pair, in the left table's order); "
          "keys match by value (5200.0 = 5200); the other table's columns are appended, a name already taken "
          "gets the suffix \"_2\"; the left table's label is kept.";
  s.params = {
      {"data", {Type::Table}, true, {}, Type::Any, "the left table"},
      {"other", {Type::Table}, true, {}, Type::Any, "the table whose columns are added"},
      {"on", {Type::String, Type::List}, true, {}, Type::String, "the key column, or a list of them; present in both tables unless other_on is given"},
      {"other_on", {Type::String, Type::List}, false, {}, Type::String,
       "the other table's key columns when their names differ (join(lyrics, on: \"Link\", other_on: \"ALink\"))"},
      {"how", {Type::Symbol}, false, {"inner", "left"}, Type::Any,
       "inner (default): only rows with a match; left: every left row, missing values where nothing matches"},
  };
  s.need = {.light = true, .groups = true};  // the left table a group at a time
  register_op(s, run_join);
}

}  // namespace genre
