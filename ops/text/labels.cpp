// Choosing and balancing classes: top_labels (the k most frequent), balance
// (up to N rows per class, seeded) and label_counts, the report that makes
// what they did visible (how many rows each class had before and after).
// Sampling is our own Fisher-Yates on std::mt19937_64 with our own bounded
// draw, as split's: the same seed gives the same rows on every platform.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <random>

#include "runtime/core/op.h"
#include "runtime/core/op_kit.h"
#include "runtime/core/row_groups.h"

namespace genre {

namespace {


size_t whole_param(const OpContext& ctx, const char* op, const char* name, double min) {
  double v = kit::num_param(ctx.params, name, NAN);
  if (std::isnan(v) || v < min || v != std::floor(v))
    throw DataError(fmt::format("{}: {} must be a whole number of at least {}, got {}", op, name, min,
                                std::isnan(v) ? "nothing" : kit::fmt_num(v)));
  return static_cast<size_t>(v);
}

// Row numbers per label value, labels in sorted order, rows in table order; missing labels left out.
std::map<std::string, std::vector<size_t>> rows_by_label(const Table& t, const char* op) {
  const Column& lc = kit::label_column(t, op);
  std::map<std::string, std::vector<size_t>> out;
  for (size_t r = 0; r < lc.size(); ++r)
    if (auto k = kit::cell_key(lc, r)) out[*k].push_back(r);
  return out;
}

Value run_top_labels(const OpContext& ctx) {
  const Table& t = std::get<Table>(ctx.input("data"));
  size_t k = whole_param(ctx, "top_labels", "k", 1);
  auto counts = kit::value_counts(kit::label_column(t, "top_labels"));  // most frequent first, ties alphabetical
  std::map<std::string, bool> keep;
  for (size_t i = 0; i < counts.size() && i < k; ++i) keep[counts[i].first] = true;
  const Column& lc = t.column(t.label);
  std::vector<size_t> rows;
  for (size_t r = 0; r < t.rows(); ++r)
    if (auto key = kit::cell_key(lc, r); key && keep.count(*key)) rows.push_back(r);
  return t.take(rows);
}

Value run_balance(const OpContext& ctx) {
  const Table& t = std::get<Table>(ctx.input("data"));
  size_t n = whole_param(ctx, "balance", "per_label", 1);
  uint64_t seed = ctx.seed;
  if (ctx.params.contains("seed") && !ctx.params["seed"].is_null())
    seed = whole_param(ctx, "balance", "seed", 0);
  kit::Rng rng(seed);
  std::vector<size_t> rows;
  for (auto& [label, rs] : rows_by_label(t, "balance")) {
    if (rs.size() > n) {  // a partial Fisher-Yates: the first n of a uniform shuffle
      for (size_t i = 0; i < n; ++i) std::swap(rs[i], rs[i + rng.below(rs.size() - i)]);
      rs.resize(n);
    }
    rows.insert(rows.end(), rs.begin(), rs.end());
  }
  std::sort(rows.begin(), rows.end());  // table order
  return t.take(rows);
}

Value run_label_counts(const OpContext& ctx) {
  json out = {{"order", json::array()}, {"tables", json::object()}};
  for (const Input* in : ctx.inputs_of("data")) {
    const Table* t = std::get_if<Table>(in->value);
    if (!t) throw InternalError("label_counts: input " + in->name + " is not a table");
    std::map<std::string, size_t> sums;  // a group at a time: a stored table is never read whole
    each_group(*t, [&](const Table& g, size_t) {
      for (auto& [v, c] : kit::value_counts(kit::label_column(g, "label_counts"))) sums[v] += c;
    });
    std::vector<std::pair<std::string, size_t>> sorted(sums.begin(), sums.end());
    std::stable_sort(sorted.begin(), sorted.end(), [](auto& a, auto& b) { return a.second > b.second; });  // as value_counts
    json counts = json::object();
    size_t labelled = 0;
    for (auto& [v, c] : sorted) counts[v] = c, labelled += c;
    std::string name = in->name;
    for (int i = 2; out["tables"].contains(name); ++i) name = in->name + "_" + std::to_string(i);
    out["tables"][name] = {{"rows", t->rows()}, {"labels", counts.size()}, {"counts", counts},
                           {"missing_label", t->rows() - labelled}};
    out["order"].push_back(name);
  }
  if (out["order"].empty()) throw DataError("label_counts: no tables given");
  return out;
}

// One table: a row per label (by its rows in the first table, most first; then
// labels only later tables have), a column per counted table, then each
// table's rows in all and those without a label. report.html orders its bars so.
std::vector<std::pair<std::string, TextTable>> count_tables(const json& j) {
  TextTable t{{"label"}, {}};
  std::vector<std::pair<double, std::string>> labels;
  std::set<std::string> seen;
  for (auto& name : j["order"]) {
    t.header.push_back(name.get<std::string>());
    for (auto& [label, c] : j["tables"][name.get<std::string>()]["counts"].items())
      if (seen.insert(label).second) labels.push_back({name == j["order"][0] ? -c.get<double>() : 0.0, label});
  }
  std::stable_sort(labels.begin(), labels.end(), [](auto& a, auto& b) { return a.first < b.first; });
  auto row = [&](const std::string& title, auto&& value) {
    std::vector<std::string> r{title};
    for (auto& name : j["order"]) r.push_back(value(j["tables"][name.get<std::string>()]));
    t.rows.push_back(r);
  };
  for (auto& entry : labels) {  // not a structured binding: clang 14 (the sanitizer tree) cannot capture one
    const std::string& label = entry.second;
    row(label, [&](const json& tj) { return tj["counts"].contains(label) ? cell(tj["counts"][label]) : "0"; });
  }
  row("(rows)", [](const json& tj) { return cell(tj["rows"]); });
  row("(no label)", [](const json& tj) { return cell(tj["missing_label"]); });
  return {{"counts", t}};
}

}  // namespace

void register_labels() {
  using lang::Type;
  lang::Signature top;
  top.name = "top_labels";
  top.result = Type::Table;
  top.doc = "Keep the rows whose label is among the k most frequent labels (ties go in alphabetical order); rows "
            "with a missing label are dropped; fewer than k labels keeps them all.";
  top.params = {
      {"data", {Type::Table}, true, {}, Type::Any, "the table, with a label column"},
      lang::bounded({"k", {Type::Int}, true, {}, Type::Any, "how many labels to keep (S3: 10)"}, lang::at_least(1)),
  };
  top.need = {.light = true};
  register_op(top, run_top_labels);

  lang::Signature bal;
  bal.name = "balance";
  bal.filter = true;
  bal.result = Type::Table;
  bal.doc = "Sample up to per_label rows of each label without replacement, seeded (the same seed gives the same rows "
            "everywhere); a label with fewer rows keeps them all, so report label_counts([before, after]) to show "
            "the counts actually available; rows with a missing label are dropped; rows keep their table order.";
  bal.params = {
      {"data", {Type::Table}, true, {}, Type::Any, "the table, with a label column"},
      lang::bounded({"per_label", {Type::Int}, true, {}, Type::Any, "the most rows to keep per label (S3: 2000)"}, lang::at_least(1)),
      {"seed", {Type::Int}, false, {}, Type::Any, "the seed of the draw (default: derived from the script)"},
  };
  bal.need = {.light = true};
  register_op(bal, run_balance);

  lang::Signature lc;
  lc.name = "label_counts";
  lc.result = Type::Report;
  lc.doc = "Rows per label of each table given, e.g. label_counts([songs, cleaned, sampled]) to show what clean "
           "dropped and what balance could take: {\"order\": [names], \"tables\": {name: {\"rows\", \"labels\", "
           "\"counts\": {label: rows}, \"missing_label\"}}}.";
  lc.params = {
      {"data", {Type::List, Type::Table}, true, {}, Type::Table, "a table or a list of tables, each reported under its name"},
  };
  lc.need = {.light = true};
  lc.need.groups = true;
  register_op(lc, run_label_counts);
  register_report_kind("label_counts", {.name = "counts",
                                        .terminal = [](const json& j) { return count_tables(j)[0].second.render(); },
                                        .files = count_tables,
                                        .results = [](const json& j) { return j; }});
}

}  // namespace genre
