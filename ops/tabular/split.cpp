// split and kfold: dividing rows into named parts.
// - Ratios by part name (train/val/dev/test); part sizes are n * ratio rounded
//   by largest remainder so that they sum to n.
// - stratify: each class is cut by the same ratios (per class sizes are
//   rounded so that the part totals still match).
// - group: all rows with the same value of a column (an artist) go to the same
//   part, so a model is never tested on an artist it was trained on.
// - by_column: the parts are named in a column (a split made elsewhere).
// Shuffling is our own Fisher-Yates on std::mt19937_64 with our own bounded
// draw: the same seed gives the same split on every platform and compiler.
// Rows keep their table order inside each part.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <random>

#include "runtime/core/op.h"
#include "runtime/core/op_kit.h"

namespace genre {

namespace {

uint64_t seed_of(const OpContext& ctx, uint64_t dflt) {
  if (!ctx.params.contains("seed") || ctx.params["seed"].is_null()) return dflt;
  double s = ctx.params["seed"].get<double>();
  if (s < 0 || s != std::floor(s)) throw DataError("seed must be a whole number >= 0, got " + kit::fmt_num(s));
  return static_cast<uint64_t>(s);
}

// n * ratio, rounded by largest remainder so that the counts sum to n.
std::vector<size_t> apportion(size_t n, const std::vector<double>& ratios) {
  std::vector<size_t> out(ratios.size());
  std::vector<std::pair<double, size_t>> frac;
  size_t used = 0;
  for (size_t p = 0; p < ratios.size(); ++p) {
    double x = static_cast<double>(n) * ratios[p];
    out[p] = static_cast<size_t>(std::floor(x + 1e-9));
    used += out[p];
    frac.emplace_back(x - static_cast<double>(out[p]), p);
  }
  std::stable_sort(frac.begin(), frac.end(), [](auto& a, auto& b) { return a.first > b.first; });
  for (size_t i = 0; used < n; ++i, ++used) ++out[frac[i % frac.size()].second];
  return out;
}

// How many rows of each class go to each part: every class cut by the ratios,
// part totals equal to apportion(n, ratios).
std::vector<std::vector<size_t>> allocate(const std::vector<size_t>& class_sizes, const std::vector<double>& ratios) {
  size_t n = 0;
  for (size_t c : class_sizes) n += c;
  auto totals = apportion(n, ratios);
  size_t K = class_sizes.size(), P = ratios.size();
  std::vector<std::vector<size_t>> a(K, std::vector<size_t>(P));
  std::vector<size_t> row_left(K), col_left = totals;
  struct Cell { double frac; size_t k, p; };
  std::vector<Cell> cells;
  for (size_t k = 0; k < K; ++k) {
    row_left[k] = class_sizes[k];
    for (size_t p = 0; p < P; ++p) {
      double x = static_cast<double>(class_sizes[k]) * ratios[p];
      a[k][p] = static_cast<size_t>(std::floor(x + 1e-9));
      row_left[k] -= a[k][p];
      col_left[p] -= a[k][p];
      cells.push_back({x - static_cast<double>(a[k][p]), k, p});
    }
  }
  std::stable_sort(cells.begin(), cells.end(), [](auto& x, auto& y) { return x.frac > y.frac; });
  for (auto& c : cells)
    if (row_left[c.k] && col_left[c.p]) ++a[c.k][c.p], --row_left[c.k], --col_left[c.p];
  for (size_t k = 0; k < K; ++k)  // what the largest remainders could not place
    for (size_t p = 0; p < P && row_left[k]; ++p) {
      size_t m = std::min(row_left[k], col_left[p]);
      a[k][p] += m, row_left[k] -= m, col_left[p] -= m;
    }
  return a;
}

// Row indices per class of the label (one class when not stratified), classes sorted.
std::vector<std::vector<size_t>> classes_of(const Table& t, bool stratify, const std::string& op) {
  if (!stratify) {
    std::vector<size_t> all(t.rows());
    for (size_t r = 0; r < all.size(); ++r) all[r] = r;
    return {all};
  }
  const Column& c = kit::label_column(t, op);
  std::map<std::string, std::vector<size_t>> m;
  for (size_t r = 0; r < t.rows(); ++r) {
    auto k = kit::cell_key(c, r);
    if (!k) throw DataError(op + ": row " + std::to_string(r + 1) + " has no label (\"" + c.name + "\" is empty); remove such rows first, e.g. keep(label != \"\")");
    m[*k].push_back(r);
  }
  std::vector<std::vector<size_t>> out;
  for (auto& [k, rows] : m) out.push_back(std::move(rows));
  return out;
}

// Assigns whole groups to parts: groups in random order, larger first; each to
// the part (and, when stratified, the classes) furthest below its target.
std::vector<int> assign_groups(const Table& t, const std::string& group_col, bool stratify,
                               const std::vector<double>& ratios, kit::Rng& rng, const std::string& op) {
  const Column& g = t.column(group_col);
  std::map<std::string, std::vector<size_t>> by_key;
  std::vector<std::string> order;
  for (size_t r = 0; r < t.rows(); ++r) {
    auto k = kit::cell_key(g, r);
    if (!k) throw DataError(op + ": row " + std::to_string(r + 1) + " has no value in the group column \"" + group_col + "\"");
    auto [it, fresh] = by_key.try_emplace(*k);
    if (fresh) order.push_back(*k);
    it->second.push_back(r);
  }
  rng.shuffle(order);
  std::stable_sort(order.begin(), order.end(), [&](auto& a, auto& b) { return by_key[a].size() > by_key[b].size(); });

  auto classes = classes_of(t, stratify, op);
  std::vector<size_t> class_of(t.rows());
  for (size_t k = 0; k < classes.size(); ++k)
    for (size_t r : classes[k]) class_of[r] = k;
  size_t K = classes.size(), P = ratios.size();
  std::vector<std::vector<double>> want(K, std::vector<double>(P));  // rows still wanted per class and part
  for (size_t k = 0; k < K; ++k)
    for (size_t p = 0; p < P; ++p) want[k][p] = static_cast<double>(classes[k].size()) * ratios[p];

  std::vector<int> part(t.rows(), -1);
  std::vector<size_t> count(K);
  for (auto& key : order) {
    auto& rows = by_key[key];
    std::fill(count.begin(), count.end(), 0);
    for (size_t r : rows) ++count[class_of[r]];
    size_t best = 0;
    double best_score = -INFINITY;
    for (size_t p = 0; p < P; ++p) {
      double score = 0;
      for (size_t k = 0; k < K; ++k) score += static_cast<double>(count[k]) * want[k][p];
      if (score > best_score) best_score = score, best = p;
    }
    for (size_t k = 0; k < K; ++k) want[k][best] -= static_cast<double>(count[k]);
    for (size_t r : rows) part[r] = static_cast<int>(best);
  }
  return part;
}

Split make_split(const Table& t, const std::vector<std::string>& names, const std::vector<int>& part) {
  Split s;
  for (size_t p = 0; p < names.size(); ++p) {
    std::vector<size_t> rows;
    for (size_t r = 0; r < part.size(); ++r)
      if (part[r] == static_cast<int>(p)) rows.push_back(r);
    s.parts.emplace_back(names[p], t.take(rows));
  }
  return s;
}

bool stratify_param(const OpContext& ctx, const char* name, bool dflt) {
  if (!ctx.params.contains(name) || ctx.params[name].is_null()) return dflt;
  auto& v = ctx.params[name];
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_string() && v.get<std::string>() == "label") return true;
  throw DataError(std::string(name) + " must be true, false or label, got " + v.dump());
}

Split split_by_column(const Table& t, const std::string& col) {
  const Column& c = t.column(col);
  std::vector<std::string> names;
  for (const char* n : {"train", "val", "dev", "test"})
    for (size_t r = 0; r < t.rows(); ++r)
      if (kit::cell_key(c, r) == std::optional<std::string>(n)) {
        names.push_back(n);
        break;
      }
  std::vector<int> part(t.rows());
  for (size_t r = 0; r < t.rows(); ++r) {
    auto k = kit::cell_key(c, r);
    if (!k) throw DataError("split: row " + std::to_string(r + 1) + " has no value in \"" + col + "\"; every row must name its part");
    auto it = std::find(names.begin(), names.end(), *k);
    if (it == names.end()) names.push_back(*k), it = names.end() - 1;
    part[r] = static_cast<int>(it - names.begin());
  }
  Table rest = t;
  rest.cols.erase(std::remove_if(rest.cols.begin(), rest.cols.end(), [&](auto& x) { return x.name == col; }),
                  rest.cols.end());
  return make_split(rest, names, part);
}

Value run_split(const OpContext& ctx) {
  const Table& t = std::get<Table>(ctx.input("data"));
  std::vector<std::string> names;
  std::vector<double> ratios;
  for (const char* n : {"train", "val", "dev", "test"})
    if (ctx.params.contains(n) && !ctx.params[n].is_null()) names.push_back(n), ratios.push_back(ctx.params[n].get<double>());
  std::string by = kit::str_param(ctx.params, "by_column", "");
  if (!by.empty()) {
    if (!names.empty()) throw DataError("split: give either ratios or by_column, not both");
    if (!kit::str_param(ctx.params, "group", "").empty() || stratify_param(ctx, "stratify", false))
      throw DataError("split: by_column takes the parts from the column; group and stratify do not apply");
    if (t.label == by) throw DataError("split: by_column \"" + by + "\" is the label column");
    return split_by_column(t, by);
  }
  if (names.empty())
    throw DataError("split: give the ratios by part name, e.g. split(train: 70%, test: 30%), or by_column");
  double sum = 0;
  std::string terms;
  for (size_t p = 0; p < names.size(); ++p) {
    if (!(ratios[p] > 0 && ratios[p] <= 1))  // 100%: one part, to preprocess a whole table as a split
      throw DataError("split: the ratio " + names[p] + " must lie in (0, 1] (or (0%, 100%]), got " + kit::fmt_num(ratios[p]));
    sum += ratios[p];
    terms += (p ? " + " : "") + names[p] + " " + kit::fmt_num(ratios[p]);
  }
  if (std::abs(sum - 1) > 1e-9) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.10g", sum);  // 0.9, not 0.8999999999999999
    throw DataError("split: the ratios must sum to 1 (100%): " + terms + " = " + buf);
  }
  bool stratify = stratify_param(ctx, "stratify", false);
  kit::Rng rng(seed_of(ctx, ctx.seed));

  std::vector<int> part(t.rows(), -1);
  std::string group = kit::str_param(ctx.params, "group", "");
  if (!group.empty()) {
    part = assign_groups(t, group, stratify, ratios, rng, "split");
  } else {
    auto classes = classes_of(t, stratify, "split");
    std::vector<size_t> sizes;
    for (auto& c : classes) sizes.push_back(c.size());
    auto alloc = allocate(sizes, ratios);
    for (size_t k = 0; k < classes.size(); ++k) {
      rng.shuffle(classes[k]);
      size_t i = 0;
      for (size_t p = 0; p < names.size(); ++p)
        for (size_t c = 0; c < alloc[k][p]; ++c) part[classes[k][i++]] = static_cast<int>(p);
    }
  }
  Split s = make_split(t, names, part);
  for (size_t p = 0; p < names.size(); ++p)
    if (s.parts[p].second.rows() == 0)
      throw DataError("split: part \"" + names[p] + "\" gets no rows (" + std::to_string(t.rows()) + " rows, ratio " +
                      kit::fmt_num(ratios[p]) + (group.empty() ? "" : ", whole groups of \"" + group + "\"") + ")");
  return s;
}

Value run_kfold(const OpContext& ctx) {
  const Table& t = std::get<Table>(ctx.input("data"));
  double kd = kit::num_param(ctx.params, "k", 0);
  if (kd < 2 || kd != std::floor(kd) || kd > static_cast<double>(t.rows()))
    throw DataError("kfold: k must be a whole number from 2 to the number of rows (" + std::to_string(t.rows()) +
                    "), got " + kit::fmt_num(kd));
  size_t k = static_cast<size_t>(kd);
  bool stratify = stratify_param(ctx, "stratified", true);
  kit::Rng rng(seed_of(ctx, 0));
  std::vector<int> fold(t.rows(), -1);
  std::string group = kit::str_param(ctx.params, "group", "");
  if (!group.empty()) {
    fold = assign_groups(t, group, stratify, std::vector<double>(k, 1.0 / static_cast<double>(k)), rng, "kfold");
  } else {
    size_t next = 0;  // dealt round-robin: folds differ by at most one row, per class and in total
    for (auto& rows : classes_of(t, stratify, "kfold")) {
      rng.shuffle(rows);
      for (size_t r : rows) fold[r] = static_cast<int>(next++ % k);
    }
  }
  Split s;
  for (size_t f = 0; f < k; ++f) {
    std::vector<size_t> train, val;
    for (size_t r = 0; r < t.rows(); ++r) (fold[r] == static_cast<int>(f) ? val : train).push_back(r);
    if (val.empty())
      throw DataError("kfold: fold " + std::to_string(f + 1) + " gets no rows" +
                      (group.empty() ? "" : " (fewer groups of \"" + group + "\" than folds?)"));
    std::string n = "fold" + std::to_string(f + 1);
    s.parts.emplace_back(n + "_train", t.take(train));
    s.parts.emplace_back(n + "_val", t.take(val));
  }
  return s;
}

}  // namespace

void register_split() {
  using lang::Type;
  lang::Signature s;
  s.name = "split";
  s.filter = true;
  s.shares = {"train", "val", "test", "dev"};
  s.result = Type::Split;
  s.doc = "Divide the rows into parts named by their ratios (train, val, dev, test; they must sum to 100%), "
          "optionally stratified by label and keeping groups (artists) whole; or take the parts from a column.";
  auto ratio = [](const char* n) {
    return lang::bounded({n, {Type::Number}, false, {}, Type::Any, std::string("the share of rows in the ") + n + " part, e.g. 70%"},
                         lang::within(0, 1, true));
  };
  s.params = {
      {"data", {Type::Table}, true, {}, Type::Any, "the table"},
      ratio("train"), ratio("val"), ratio("test"), ratio("dev"),
      {"stratify", {Type::Bool, Type::Symbol}, false, {"label"}, Type::Any,
       "label (or true): cut every class by the same ratios (default false)"},
      {"seed", {Type::Int}, false, {}, Type::Any,
       "the seed of the shuffle (default: derived from the script); the same seed gives the same split everywhere"},
      {"group", {Type::String}, false, {}, Type::Any,
       "a column whose rows stay together in one part, e.g. \"Artist\" (no artist in both train and test)"},
      {"by_column", {Type::String}, false, {}, Type::Any,
       "a column naming each row's part (train/val/test); the column is removed from the parts"},
  };
  s.need = {.light = true};
  register_op(s, run_split);

  s.name = "kfold";
  s.filter = true;
  s.doc = "k-fold cross-validation: parts fold1_train, fold1_val, ..., foldk_train, foldk_val; every row is in "
          "exactly one val part.";
  s.params = {
      {"data", {Type::Table}, true, {}, Type::Any, "the table"},
      lang::bounded({"k", {Type::Int}, true, {}, Type::Any, "the number of folds"}, lang::at_least(2)),
      {"stratified", {Type::Bool}, false, {}, Type::Any, "spread every class evenly over the folds (default true)"},
      {"seed", {Type::Int}, false, {}, Type::Any, "the seed of the shuffle (default 0)"},
      {"group", {Type::String}, false, {}, Type::Any, "a column whose rows stay together in one fold, e.g. \"Artist\""},
  };
  s.need = {.light = true};
  register_op(s, run_kfold);
}

}  // namespace genre
