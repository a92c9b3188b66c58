#include "ops/eval/report_tables.h"

#include <cmath>
#include <optional>

#include <fmt/format.h>

#include "runtime/core/op_kit.h"

namespace genre {

namespace {

double get(const json& j, const char* k) {
  return j.contains(k) && j[k].is_number() ? j[k].get<double>() : NAN;
}

// Terminal: "0.7000 [0.6250, 0.7700]"; files: the value, its lower and upper end as three cells.
void add_value(std::vector<std::string>& row, const json& j, const std::string& key, bool for_files, bool with_ci) {
  if (!for_files) {
    row.push_back(value_with_interval(j, key));
    return;
  }
  auto ci = metric_interval(j, key);
  row.push_back(num(get(j, key.c_str())));
  if (with_ci) row.insert(row.end(), {ci ? num(ci->first) : "", ci ? num(ci->second) : ""});
}

void add_header(std::vector<std::string>& header, const std::string& title, bool for_files, bool with_ci) {
  header.push_back(title);
  if (for_files && with_ci) header.insert(header.end(), {title + " lo", title + " hi"});
}

// The pairwise comparisons (pairs/a/b) as rows: all of them, or on the terminal, where 12 models make
// 66 rows, each model against the most accurate one when there are more than `most` pairs.
TextTable pairs_table(const json& r, const std::vector<std::string>& order, bool for_files, size_t most = 15) {
  TextTable t{{"model", "vs", "accuracy diff"}, {}};
  if (for_files) t.header.insert(t.header.end(), {"diff lo", "diff hi"});
  t.header.insert(t.header.end(), {"only first right", "only second right", "McNemar p", "Holm p"});
  if (!r.contains("pairs")) return t;
  const json& pairs = r["pairs"];
  size_t n = 0;
  for (auto& [a, with] : pairs.items()) n += with.size();
  std::string best;
  if (!for_files && n > most)
    for (auto& name : order)
      if (best.empty() || get(r["models"][name], "accuracy") > get(r["models"][best], "accuracy")) best = name;
  for (auto& a : order) {
    if (!pairs.contains(a)) continue;
    for (auto& b : order) {
      if (!pairs[a].contains(b)) continue;
      if (!best.empty() && a != best && b != best) continue;
      const json& p = pairs[a][b];
      std::vector<std::string> row{a, b};
      add_value(row, p, "accuracy_diff", for_files, true);
      row.insert(row.end(), {cell(p["only_first_right"]), cell(p["only_second_right"]), p_value(get(p, "mcnemar_p")),
                             p_value(get(p, "mcnemar_p_holm"))});
      t.rows.push_back(row);
    }
  }
  return t;
}

}  // namespace

std::optional<std::pair<double, double>> metric_interval(const json& m, const std::string& key) {
  auto it = m.find(key + "_ci");
  if (it == m.end() || !it->is_array() || it->size() != 2 || !(*it)[0].is_number()) return std::nullopt;
  return std::pair{(*it)[0].get<double>(), (*it)[1].get<double>()};
}

std::string value_with_interval(const json& m, const std::string& key) {
  double v = get(m, key.c_str());
  auto ci = metric_interval(m, key);
  return ci ? fmt::format("{} [{}, {}]", num(v), num(ci->first), num(ci->second)) : num(v);
}

std::vector<std::string> model_order(const json& r) {
  std::vector<std::string> order = r.value("order", std::vector<std::string>{});
  if (order.empty())
    for (auto& [name, m] : r["models"].items()) order.push_back(name);
  return order;
}

std::vector<std::pair<std::string, std::string>> summary_metrics(const json& r, const std::vector<std::string>& order) {
  std::vector<std::pair<std::string, std::string>> cols;
  // precision/recall are single numbers only where cv averaged them (evaluate keeps them per class).
  for (auto [key, title] : {std::pair{"accuracy", "accuracy"}, {"macro_f1", "macro-F1"}, {"precision", "precision"},
                            {"recall", "recall"}})
    for (auto& name : order)
      if (r["models"][name].contains(key) && r["models"][name][key].is_number()) {
        cols.push_back({key, title});
        break;
      }
  return cols;
}

std::vector<std::pair<std::string, TextTable>> report_tables(const json& r, bool for_files) {
  std::vector<std::pair<std::string, TextTable>> out;
  std::vector<std::string> classes = r.value("classes", std::vector<std::string>{});
  std::vector<std::string> order = model_order(r);

  // One row per model: the single-number metrics the report asked for, and how training went.
  std::vector<std::pair<std::string, std::string>> cols = summary_metrics(r, order);
  bool curves = false;
  for (auto& name : order) curves |= r["models"][name].contains("history") && !r["models"][name]["history"].empty();
  bool with_ci = false;
  for (auto& name : order)
    for (auto& c : cols) with_ci |= metric_interval(r["models"][name], c.first).has_value();
  TextTable summary{{"model"}, {}};
  for (auto& c : cols) add_header(summary.header, c.second, for_files, with_ci);
  if (curves) summary.header.insert(summary.header.end(), {"epochs", "train acc", "val acc"});
  for (auto& name : order) {
    const json& m = r["models"][name];
    std::vector<std::string> row{name};
    for (auto& c : cols) add_value(row, m, c.first, for_files, with_ci);
    if (curves) {
      const json& h = m.value("history", json::array());
      if (h.empty()) row.insert(row.end(), {"", "", ""});
      else row.insert(row.end(), {std::to_string(h.size()), num(get(h.back(), "acc")), num(get(h.back(), "val_acc"))});
    }
    summary.rows.push_back(row);
  }
  out.push_back({"summary", summary});
  TextTable pairs = pairs_table(r, order, for_files);
  if (!pairs.rows.empty()) out.push_back({"pairs", pairs});
  // Where a grid landed: the point it refitted, its score and fold count.
  TextTable chosen{{"model", "chosen point", "score", "folds"}, {}};
  for (auto& name : order)
    if (const json& m = r["models"][name]; m.contains("chosen")) {
      const json& c = m["chosen"];
      std::string point;
      json values = c.value("point", json::object());  // a copy: items() of a temporary would dangle
      for (auto& [k, v] : values.items())
        point += (point.empty() ? "" : ", ") + k + ": " + (v.is_string() ? v.get<std::string>() : v.is_number() ? kit::fmt_num(v.get<double>()) : v.dump());
      chosen.rows.push_back({name, point, num(get(c, "score")), cell(c.value("folds", json()))});
    }
  if (!chosen.rows.empty()) out.push_back({"chosen", chosen});

  for (auto& name : order) {
    const json& m = r["models"][name];
    if (m.contains("per_class") && !m["per_class"].empty()) {
      // Columns for what the report asked: precision, recall, F1, PR-AUC.
      std::vector<std::pair<std::string, std::string>> cols;
      const json& any = m["per_class"].begin().value();
      for (auto [key, title] : {std::pair{"precision", "precision"}, {"recall", "recall"}, {"f1", "F1"}})
        if (any.contains(key)) cols.push_back({key, title});
      bool class_ci = false;
      for (auto& c : cols) class_ci |= metric_interval(any, c.first).has_value();
      TextTable t{{"class"}, {}};
      for (auto& c : cols) add_header(t.header, c.second, for_files, class_ci);
      t.header.push_back("support");
      bool auc = m.contains("pr_auc");
      if (auc) t.header.push_back("PR-AUC");
      for (auto& c : classes) {
        if (!m["per_class"].contains(c)) continue;
        const json& pc = m["per_class"][c];
        std::vector<std::string> row{c};
        for (auto& col : cols) add_value(row, pc, col.first, for_files, class_ci);
        row.push_back(fmt::format("{}", (long)get(pc, "support")));
        if (auc) row.push_back(num(get(m["pr_auc"], c.c_str())));
        t.rows.push_back(row);
      }
      out.push_back({name + "_per_class", t});
    }
    if (m.contains("confusion")) {
      TextTable t{{"true \\ predicted"}, {}};
      for (auto& c : classes) t.header.push_back(c);
      for (size_t i = 0; i < classes.size() && i < m["confusion"].size(); ++i) {
        std::vector<std::string> row{classes[i]};
        for (auto& x : m["confusion"][i]) row.push_back(cell(x));
        t.rows.push_back(row);
      }
      out.push_back({name + "_confusion", t});
    }
    if (m.contains("trials") && m["trials"].is_array() && !m["trials"].empty()) {
      // The point's values first, then its score, then each metric as mean ± std over folds.
      const json& first = m["trials"][0];
      std::vector<std::string> point, metrics;
      for (auto& [k, v] : first.items()) {
        if (k == "score" || k.ends_with("_std") || k.ends_with("_ci")) continue;
        (first.contains(k + "_std") ? metrics : point).push_back(k);
      }
      TextTable t;
      t.header = point;
      t.header.push_back("score");
      for (auto& k : metrics) {
        t.header.push_back(k);
        if (for_files) t.header.insert(t.header.end(), {k + "_std", k + "_ci_lo", k + "_ci_hi"});
      }
      for (auto& row : m["trials"]) {
        std::vector<std::string> cells;
        for (auto& k : point) cells.push_back(row.contains(k) ? cell(row[k]) : "");
        cells.push_back(row.contains("score") ? cell(row["score"]) : "");
        for (auto& k : metrics) {
          double mean = get(row, k.c_str()), sd = get(row, (k + "_std").c_str());
          if (for_files) {
            auto ci = metric_interval(row, k);
            cells.insert(cells.end(), {fmt::format("{}", mean), fmt::format("{}", sd), ci ? fmt::format("{}", ci->first) : "",
                                       ci ? fmt::format("{}", ci->second) : ""});
          } else {
            cells.push_back(num(mean) + " ± " + num(sd));
          }
        }
        t.rows.push_back(cells);
      }
      out.push_back({name + "_trials", t});
    }
    if (m.contains("history") && m["history"].is_array() && !m["history"].empty()) {
      TextTable t;
      for (auto& [k, v] : m["history"][0].items()) t.header.push_back(k);
      for (auto& row : m["history"]) {
        std::vector<std::string> cells;
        for (auto& k : t.header) cells.push_back(row.contains(k) ? cell(row[k]) : "");
        t.rows.push_back(cells);
      }
      out.push_back({name + "_history", t});
    }
  }
  return out;
}


ReportKind metrics_report() {
  return {.name = "metrics",
          .terminal =
              [](const json& j) {
                auto tables = report_tables(j, false);
                std::erase_if(tables, [](auto& t) { return t.first.ends_with("_history"); });
                size_t pairs = 0;
                // Held by name: items() of the temporary value() returns would dangle in the loop.
                const json all_pairs = j.value("pairs", json::object());
                for (auto& [a, with] : all_pairs.items()) pairs += with.size();
                for (auto& [title, t] : tables)
                  if (title == "pairs" && t.rows.size() < pairs)
                    title = fmt::format("pairs (each model against the most accurate; all {} in the pairs CSV)", pairs);
                return fmt::format("{} test rows\n", j.value("rows", 0)) + titled(tables);
              },
          .files = [](const json& j) { return report_tables(j, true); },
          .results =
              [](const json& j) {
                json out = j["models"];
                if (j.contains("pairs")) out["pairs"] = j["pairs"];  // beside the models: verify judges a pair by both
                return out;
              }};
}

}  // namespace genre
