// relabel(map): rename values of a column, usually to merge fine genres into
// coarse ones ("hip hop music" -> "hip hop"). The map is an inline record or a
// CSV file with columns `from` and `to`.
#include <map>

#include "ops/io/csv.h"
#include "runtime/core/op.h"
#include "runtime/core/op_kit.h"

namespace genre {

namespace {

std::map<std::string, std::string> read_map(const OpContext& ctx) {
  const json& m = ctx.params.at("map");
  std::map<std::string, std::string> out;
  if (m.is_object()) {
    for (auto& [k, v] : m.items()) {
      if (v.is_string()) out[k] = v.get<std::string>();
      else if (v.is_number()) out[k] = kit::fmt_num(v.get<double>());
      else throw DataError("relabel: the map must give text for \"" + k + "\", got " + v.dump());
    }
    return out;
  }
  if (!m.is_string()) throw DataError("relabel: map must be a record { \"from\": \"to\" } or a CSV file");
  std::string given = m.get<std::string>();
  CsvOptions opt;
  opt.infer_types = false;  // "01" stays "01"
  Table t = read_csv(ctx.path(given), given, opt);
  const Column& from = t.column("from");
  const Column& to = t.column("to");
  for (size_t r = 0; r < t.rows(); ++r) {
    std::string line = given + ":" + std::to_string(r + 2);
    if (!from.present[r]) throw DataError(line + ": the \"from\" field is empty");
    if (!to.present[r]) throw DataError(line + ": the \"to\" field is empty");
    auto [it, fresh] = out.emplace(from.text[r], to.text[r]);
    if (!fresh && it->second != to.text[r])
      throw DataError(line + ": \"" + from.text[r] + "\" is mapped twice, to \"" + it->second + "\" and \"" +
                      to.text[r] + "\"");
  }
  return out;
}

Value run_relabel(const OpContext& ctx) {
  const Table& t = std::get<Table>(ctx.input("data"));
  auto map = read_map(ctx);
  std::string name = kit::str_param(ctx.params, "column", "");
  if (name.empty() || name == "label") name = kit::label_column(t, "relabel").name;
  const Column& c = t.column(name);
  std::string unmapped = kit::symbol_param(ctx.params, "unmapped", "keep");
  if (unmapped != "keep" && unmapped != "drop" && unmapped != "error")
    throw DataError("relabel: unmapped must be keep, drop or error, got " + unmapped);

  Column n;
  n.name = c.name;
  n.numeric = false;
  std::vector<size_t> rows;
  std::map<std::string, size_t> missed;  // unmapped value -> count
  for (size_t r = 0; r < t.rows(); ++r) {
    auto v = kit::cell_key(c, r);
    auto it = v ? map.find(*v) : map.end();
    if (it == map.end()) {
      ++missed[v.value_or("(missing)")];
      if (unmapped == "drop") continue;
      n.text.push_back(v.value_or(""));
      n.present.push_back(v.has_value());
    } else {
      n.text.push_back(it->second);
      n.present.push_back(1);
    }
    rows.push_back(r);
  }
  if (unmapped == "error" && !missed.empty()) {
    std::vector<std::string> names;
    for (auto& [v, k] : missed) names.push_back(v + " (" + std::to_string(k) + " rows)");
    throw DataError("relabel: " + std::to_string(missed.size()) + " value(s) of \"" + c.name +
                    "\" are not in the map: " + kit::name_list(names, 20) +
                    "; add them to the map or use unmapped: keep / drop");
  }
  Table out = t.take(rows);
  *out.find(c.name) = std::move(n);
  return out;
}

}  // namespace

void register_relabel() {
  using lang::Type;
  lang::Signature s;
  s.name = "relabel";
  s.result = Type::Table;
  s.doc = "Rename the values of a column (the label by default) through a map, e.g. to merge 397 Wikidata genres "
          "into 26 groups.";
  s.params = {
      {"data", {Type::Table}, true, {}, Type::Any, "the table"},
      {"map", {Type::Record, Type::Path}, true, {}, Type::Any,
       "{ \"hip hop music\": \"hip hop\", ... } or a CSV file with columns from,to"},
      {"column", {Type::String}, false, {}, Type::Any, "the column to rename values in (default: the label column)"},
      {"unmapped", {Type::Symbol}, false, {"keep", "drop", "error"}, Type::Any,
       "values not in the map: keep them as they are (default), drop their rows, or stop with an error"},
  };
  s.need = {.light = true};
  register_op(s, run_relabel);
}

}  // namespace genre
