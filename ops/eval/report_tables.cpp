#include "ops/eval/report_tables.h"

#include <cmath>

#include <fmt/format.h>

namespace genre {

namespace {

double get(const json& j, const char* k) {
  return j.contains(k) && j[k].is_number() ? j[k].get<double>() : NAN;
}

}  // namespace

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
  TextTable summary{{"model"}, {}};
  for (auto& c : cols) summary.header.push_back(c.second);
  if (curves) summary.header.insert(summary.header.end(), {"epochs", "train acc", "val acc"});
  for (auto& name : order) {
    const json& m = r["models"][name];
    std::vector<std::string> row{name};
    for (auto& c : cols) row.push_back(num(get(m, c.first.c_str())));
    if (curves) {
      const json& h = m.value("history", json::array());
      if (h.empty()) row.insert(row.end(), {"", "", ""});
      else row.insert(row.end(), {std::to_string(h.size()), num(get(h.back(), "acc")), num(get(h.back(), "val_acc"))});
    }
    summary.rows.push_back(row);
  }
  out.push_back({"summary", summary});

  for (auto& name : order) {
    const json& m = r["models"][name];
    if (m.contains("per_class") && !m["per_class"].empty()) {
      // Columns for what the report asked: precision, recall, F1, PR-AUC.
      std::vector<std::pair<std::string, std::string>> cols;
      const json& any = m["per_class"].begin().value();
      for (auto [key, title] : {std::pair{"precision", "precision"}, {"recall", "recall"}, {"f1", "F1"}})
        if (any.contains(key)) cols.push_back({key, title});
      TextTable t{{"class"}, {}};
      for (auto& c : cols) t.header.push_back(c.second);
      t.header.push_back("support");
      bool auc = m.contains("pr_auc");
      if (auc) t.header.push_back("PR-AUC");
      for (auto& c : classes) {
        if (!m["per_class"].contains(c)) continue;
        const json& pc = m["per_class"][c];
        std::vector<std::string> row{c};
        for (auto& col : cols) row.push_back(num(get(pc, col.first.c_str())));
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
        if (k == "score" || k.ends_with("_std")) continue;
        (first.contains(k + "_std") ? metrics : point).push_back(k);
      }
      TextTable t;
      t.header = point;
      t.header.push_back("score");
      for (auto& k : metrics) {
        t.header.push_back(k);
        if (for_files) t.header.push_back(k + "_std");
      }
      for (auto& row : m["trials"]) {
        std::vector<std::string> cells;
        for (auto& k : point) cells.push_back(row.contains(k) ? cell(row[k]) : "");
        cells.push_back(row.contains("score") ? cell(row["score"]) : "");
        for (auto& k : metrics) {
          double mean = get(row, k.c_str()), sd = get(row, (k + "_std").c_str());
          if (for_files) {
            cells.push_back(fmt::format("{}", mean));
            cells.push_back(fmt::format("{}", sd));
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
                return fmt::format("{} test rows\n", j.value("rows", 0)) + titled(tables);
              },
          .files = [](const json& j) { return report_tables(j, true); },
          .results = [](const json& j) { return j["models"]; }};
}

}  // namespace genre
