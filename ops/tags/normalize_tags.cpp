// normalize_tags: the paper's per-artist normalisation of Echo Nest term
// frequencies. Each value is divided by the largest value of its group (its
// artist), so every artist's strongest term gets 1 and `keep(norm >= 0.9)`
// keeps the terms close to it, whatever the artist's overall scale.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "runtime/core/op.h"
#include "runtime/core/op_kit.h"

namespace genre {

namespace {

Value run_normalize_tags(const OpContext& ctx) {
  Table t = std::get<Table>(ctx.input("data"));
  std::string by = kit::str_param(ctx.params, "by", "artist_id");
  std::string value = kit::str_param(ctx.params, "value", "freq");
  const Column& g = t.column(by);
  const Column& v = t.column(value);
  if (!v.numeric)
    throw DataError(fmt::format("normalize_tags: column {} of {} must hold numbers (a term's frequency or weight)", value,
                                t.source.empty() ? "the table" : t.source));
  std::map<std::string, double> top;  // group -> largest value seen
  for (size_t r = 0; r < t.rows(); ++r) {
    auto k = kit::cell_key(g, r);
    if (!k || is_missing(v.num[r])) continue;
    auto [it, fresh] = top.emplace(*k, v.num[r]);
    if (!fresh) it->second = std::max(it->second, v.num[r]);
  }
  Column norm;
  norm.name = "norm";
  norm.num.resize(t.rows(), missing);
  for (size_t r = 0; r < t.rows(); ++r) {
    auto k = kit::cell_key(g, r);
    if (!k || is_missing(v.num[r])) continue;
    double m = top.at(*k);
    if (m > 0) norm.num[r] = v.num[r] / m;  // a group whose largest value is 0 has no scale: left missing
  }
  if (Column* old = t.find("norm")) *old = std::move(norm);
  else t.cols.push_back(std::move(norm));
  return t;
}

}  // namespace

void register_normalize_tags() {
  using lang::Type;
  lang::Signature s;
  s.name = "normalize_tags";
  s.result = Type::Table;
  s.doc = "Per-group max normalisation of tag strengths (the paper's per-artist normalisation): a new column norm = "
          "value / the largest value of the row's group, so each artist's strongest term has norm 1; then e.g. "
          "keep(norm >= 0.9). Rows with a missing group or value, and groups whose largest value is 0 or less, get a "
          "missing norm. An existing column norm is replaced.";
  s.params = {
      {"data", {Type::Table}, true, {}, Type::Any, "a long table of tags, one row per item and tag (artist_terms, csv)"},
      {"by", {Type::String}, false, {}, Type::Any, "the column naming the group (default \"artist_id\")"},
      {"value", {Type::String}, false, {}, Type::Any, "the numeric column to normalise (default \"freq\")"},
  };
  s.need = {.light = true};
  register_op(s, run_normalize_tags);
}

}  // namespace genre
