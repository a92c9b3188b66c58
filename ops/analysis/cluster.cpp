// cluster(table): agglomerative (hierarchical) clustering of a table's rows,
// as the paper does on per-program pitch histograms to find instrument
// families. The result is the merge list in SciPy's linkage format (row a,
// row b, height, size; clusters made by merge i are numbered n + i), which the
// report draws as a dendrogram. It follows scipy.cluster.hierarchy.linkage step
// by step (the nearest-neighbour chain, the same Lance-Williams updates, then
// merges sorted by height and renumbered), so ties break the same way too.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>

#include "ops/analysis/dendrogram.h"
#include "runtime/core/op.h"
#include "runtime/core/op_kit.h"

namespace genre {

namespace {

using Merge = std::array<double, 4>;  // a, b, height, size

// The distance from cluster i to the union of x and y, from the distances
// before the merge (Lance-Williams; SciPy's formulas, in SciPy's order of operations).
double update(const std::string& method, double d_xi, double d_yi, double d_xy, int nx, int ny, int ni) {
  if (method == "complete") return std::max(d_xi, d_yi);
  if (method == "average") return (nx * d_xi + ny * d_yi) / (nx + ny);
  double t = 1.0 / (nx + ny + ni);  // ward
  return std::sqrt((ni + nx) * t * d_xi * d_xi + (ni + ny) * t * d_yi * d_yi - ni * t * d_xy * d_xy);
}

std::vector<Merge> linkage(const std::vector<std::vector<double>>& x, const std::string& method) {
  const int n = int(x.size());
  std::vector<double> d(size_t(n) * n, 0.0);  // full matrix; 129 rows is small
  for (int i = 0; i < n; ++i)
    for (int j = i + 1; j < n; ++j) {
      double s = 0;
      for (size_t k = 0; k < x[i].size(); ++k) {
        double diff = x[i][k] - x[j][k];
        s += diff * diff;
      }
      d[size_t(i) * n + j] = d[size_t(j) * n + i] = std::sqrt(s);
    }
  auto D = [&](int i, int j) -> double& { return d[size_t(i) * n + j]; };

  // Nearest-neighbour chain: follow nearest neighbours until two are each
  // other's; merge them into the slot of the larger index.
  std::vector<int> size(n, 1), chain;
  std::vector<Merge> z;
  for (int k = 0; k < n - 1; ++k) {
    if (chain.empty())
      for (int i = 0; i < n; ++i)
        if (size[i] > 0) {
          chain.push_back(i);
          break;
        }
    int x0, y = 0;
    double best;
    for (;;) {
      x0 = chain.back();
      // Prefer the previous link of the chain on ties, so the chain cannot cycle.
      best = std::numeric_limits<double>::infinity();
      if (chain.size() > 1) {
        y = chain[chain.size() - 2];
        best = D(x0, y);
      }
      for (int i = 0; i < n; ++i) {
        if (size[i] == 0 || i == x0) continue;
        if (D(x0, i) < best) {
          best = D(x0, i);
          y = i;
        }
      }
      if (chain.size() > 1 && y == chain[chain.size() - 2]) break;
      chain.push_back(y);
    }
    chain.resize(chain.size() - 2);
    int a = std::min(x0, y), b = std::max(x0, y);
    int na = size[a], nb = size[b];
    z.push_back({double(a), double(b), best, double(na + nb)});
    size[a] = 0;
    size[b] = na + nb;
    for (int i = 0; i < n; ++i) {
      if (size[i] == 0 || i == b) continue;
      D(i, b) = D(b, i) = update(method, D(i, a), D(i, b), best, na, nb, size[i]);
    }
  }

  // In order of height (stable: equal heights keep their order), with
  // clusters renamed: merge i makes cluster n + i, and a < b.
  std::stable_sort(z.begin(), z.end(), [](const Merge& p, const Merge& q) { return p[2] < q[2]; });
  std::vector<int> parent(2 * n - 1), count(2 * n - 1, 1);
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&](int v) {
    int root = v;
    while (parent[root] != root) root = parent[root];
    while (v != root) {  // path compression
      int next = parent[v];
      parent[v] = root;
      v = next;
    }
    return root;
  };
  for (int i = 0; i < n - 1; ++i) {
    int ra = find(int(z[i][0])), rb = find(int(z[i][1]));
    z[i][0] = std::min(ra, rb);
    z[i][1] = std::max(ra, rb);
    parent[ra] = parent[rb] = n + i;
    count[n + i] = count[ra] + count[rb];
    z[i][3] = count[n + i];
  }
  return z;
}

Value run_cluster(const OpContext& ctx) {
  const Table& t = std::get<Table>(ctx.input("data"));
  std::string method = kit::symbol_param(ctx.params, "method", "ward");
  std::string metric = kit::symbol_param(ctx.params, "metric", "euclidean");
  const std::string where = t.source.empty() ? "the table" : t.source;

  std::vector<std::string> cols;
  if (ctx.params.contains("columns") && !ctx.params["columns"].is_null())
    cols = kit::string_list(ctx.params["columns"], "cluster", "columns");
  else
    cols = t.feature_names();
  if (cols.empty()) throw DataError("cluster: " + where + " has no numeric columns to cluster on");

  // Row names: the names column, else the label column, else the first text column, else row numbers.
  const Column* nc = nullptr;
  if (ctx.params.contains("names")) nc = &t.column(ctx.params["names"].get<std::string>());
  else if (!t.label.empty()) nc = t.find(t.label);
  else
    for (auto& c : t.cols)
      if (c.is_text()) {
        nc = &c;
        break;
      }
  const size_t n = t.rows();
  if (n < 2) throw DataError(fmt::format("cluster: {} has {} row(s); clustering needs at least 2", where, n));

  std::vector<std::vector<double>> x(n, std::vector<double>(cols.size()));
  for (size_t j = 0; j < cols.size(); ++j) {
    const Column& c = t.column(cols[j]);
    if (!c.numeric) throw DataError(fmt::format("cluster: column {} of {} must hold numbers", cols[j], where));
    for (size_t r = 0; r < n; ++r) {
      if (is_missing(c.num[r]) || !std::isfinite(c.num[r]))
        throw DataError(fmt::format("cluster: {} row {}, column {}: a missing or infinite value (impute or drop it first)",
                                    where, r + 1, cols[j]));
      x[r][j] = c.num[r];
    }
  }
  json names = json::array();
  for (size_t r = 0; r < n; ++r) {
    if (nc && nc->is_text()) names.push_back(nc->present[r] ? nc->text[r] : "");
    else if (nc) names.push_back(kit::fmt_num(nc->num[r]));
    else names.push_back(std::to_string(r + 1));
  }
  json merges = json::array();
  for (auto& m : linkage(x, method)) merges.push_back({int(m[0]), int(m[1]), m[2], int(m[3])});
  return json{{"dendrogram",
               {{"method", method}, {"metric", metric}, {"columns", cols.size()}, {"names", names}, {"merges", merges}}}};
}

}  // namespace

void register_cluster() {
  using lang::Type;
  lang::Signature s;
  s.name = "cluster";
  s.result = Type::Report;
  s.doc = "Agglomerative clustering of a table's rows (e.g. pitch_histograms), as scipy.cluster.hierarchy.linkage "
          "computes it: {\"dendrogram\": {\"method\", \"metric\", \"names\": [row names], \"merges\": [[a, b, height, "
          "size], ...]}}, n - 1 merges by increasing height, a < b, rows numbered 0 to n - 1 and the cluster of merge "
          "i numbered n + i. The report prints the merge list and the dendrogram, and writes <report>_merges.csv and "
          "<report>_dendrogram.svg.";
  s.params = {
      {"data", {Type::Table}, true, {}, Type::Any, "the rows to cluster; missing values are an error"},
      {"method", {Type::Symbol}, false, {"ward", "average", "complete"}, Type::Any,
       "how far apart two clusters are: ward (default; the increase in within-cluster variance), average (mean "
       "distance between their rows) or complete (largest distance)"},
      {"metric", {Type::Symbol}, false, {"euclidean"}, Type::Any, "the distance between rows (euclidean)"},
      {"columns", {Type::List}, false, {}, Type::String, "the columns to compare rows on (default: every numeric column but the label)"},
      {"names", {Type::String}, false, {}, Type::Any,
       "the column naming each row (default: the label column, else the first text column, else row numbers)"},
  };
  register_op(s, run_cluster);
  // the merge list as CSV, the tree as SVG
  register_report_kind("cluster", {.name = "dendrogram",
                                   .terminal = describe_dendrogram,
                                   .results = [](const json& j) { return j; },
                                   .extra_files = write_dendrogram});
}

}  // namespace genre
