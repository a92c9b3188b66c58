#include "runtime/present/report.h"

#include <cmath>
#include <fmt/format.h>

#include "runtime/present/dendrogram.h"
#include "runtime/core/table_text.h"
#include "ops/models/sequence_model.h"
#include "runtime/core/write_atomic.h"

namespace genre {

namespace fs = std::filesystem;

std::string num(double v, int digits) {
  if (std::isnan(v)) return "-";
  return fmt::format("{:.{}f}", v, digits);
}

static size_t display_width(const std::string& s) {
  size_t w = 0;
  for (unsigned char c : s) w += (c & 0xC0) != 0x80;  // count UTF-8 lead bytes
  return w;
}

std::string TextTable::render() const {
  std::vector<size_t> w(header.size(), 0);
  auto widen = [&](const std::vector<std::string>& r) {
    for (size_t i = 0; i < r.size() && i < w.size(); ++i) w[i] = std::max(w[i], display_width(r[i]));
  };
  widen(header);
  for (auto& r : rows) widen(r);
  auto line = [&](const std::vector<std::string>& r) {
    std::string s = " ";
    for (size_t i = 0; i < w.size(); ++i) {
      std::string cell = i < r.size() ? r[i] : "";
      std::string pad(w[i] - display_width(cell), ' ');
      s += i == 0 ? cell + pad : "  " + pad + cell;
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s + "\n";
  };
  std::string out = line(header);
  size_t total = 1;
  for (size_t x : w) total += x + 2;
  out += " " + std::string(total - 3, '-') + "\n";
  for (auto& r : rows) out += line(r);
  return out;
}

std::string TextTable::csv() const {
  auto field = [](const std::string& f) {
    if (f.find_first_of(",\"\n\r") == std::string::npos) return f;
    std::string q = "\"";
    for (char c : f) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  };
  auto line = [&](const std::vector<std::string>& r) {
    std::string s;
    for (size_t i = 0; i < r.size(); ++i) s += (i ? "," : "") + field(r[i]);
    return s + "\n";
  };
  std::string out = line(header);
  for (auto& r : rows) out += line(r);
  return out;
}

namespace {

double get(const json& j, const char* k) {
  return j.contains(k) && j[k].is_number() ? j[k].get<double>() : NAN;
}

std::string cell(const json& v) {
  if (v.is_number_float() && v.get<double>() == std::floor(v.get<double>()) && std::abs(v.get<double>()) < 1e15)
    return fmt::format("{}", static_cast<long long>(v.get<double>()));
  if (v.is_number_float()) return num(v.get<double>());
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
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

bool is_report(const json& j) { return j.is_object() && j.contains("models") && j["models"].is_object(); }

bool is_tag_table(const json& j) { return j.is_object() && j.contains("jaccard") && j.contains("share") && j.contains("order"); }

std::vector<std::pair<std::string, TextTable>> tag_tables(const json& j) {
  std::vector<std::string> order = j["order"];
  TextTable share{{"tag", "items", "share"}, {}};
  for (auto& t : order)
    share.rows.push_back({t, cell(j["count"].value(t, json(0))), num(j["share"].value(t, NAN))});
  TextTable jac{{"jaccard"}, {}};
  for (auto& t : order) jac.header.push_back(t);
  for (auto& a : order) {
    std::vector<std::string> row{a};
    for (auto& b : order) row.push_back(num(j["jaccard"][a].value(b, NAN), 2));
    jac.rows.push_back(row);
  }
  return {{"tags", share}, {"jaccard", jac}};
}

namespace {

std::string describe_table(const Table& t, size_t head) {
  TextTable tt;
  for (auto& c : t.cols) tt.header.push_back(c.name == t.label ? c.name + " (label)" : c.name);
  for (size_t r = 0; r < std::min(head, t.rows()); ++r) {
    std::vector<std::string> row;
    for (auto& c : t.cols) {
      if (c.numeric) row.push_back(std::isnan(c.num[r]) ? "" : fmt::format("{:g}", c.num[r]));
      else if (!c.present[r]) row.push_back("");
      else if (c.is_sequence()) row.push_back(fmt::format("[{} x {}]", c.steps(r), c.seq_dims));
      else row.push_back(c.text[r]);
    }
    tt.rows.push_back(row);
  }
  return fmt::format("{} rows x {} columns\n", t.rows(), t.cols.size()) + tt.render();
}

}  // namespace

std::string describe(const std::string& name, const Value& v, size_t rows) {
  std::string out = "== " + name + " ==\n";
  if (auto* t = std::get_if<Table>(&v)) return out + describe_table(*t, rows);
  if (auto* s = std::get_if<Split>(&v)) {
    for (auto& [p, t] : s->parts) out += fmt::format("{}: {} rows\n", p, t.rows());
    if (rows > 5)
      for (auto& [p, t] : s->parts) out += "\n" + p + ": " + describe_table(t, rows);
    return out;
  }
  if (auto* m = std::get_if<Model>(&v)) {
    out += fmt::format("{} model, {} classes, {} features\n", m->kind, m->classes.size(), m->features.size());
    if (m->info.contains("best")) out += "best: " + m->info["best"].dump() + "\n";
    return out;
  }
  const json& j = std::get<json>(v);
  if (is_dendrogram(j)) return out + describe_dendrogram(j);
  if (is_tag_table(j)) {
    out += fmt::format("{} items\n", j.value("items", 0));
    for (auto& [title, t] : tag_tables(j)) out += "\n" + title + "\n" + t.render();
    return out;
  }
  if (is_next_step_loss(j)) {
    out += fmt::format("{} test windows\n", j.value("rows", 0));
    for (auto& [title, t] : next_step_tables(j)) out += "\n" + title + "\n" + t.render();
    return out;
  }
  if (!is_report(j)) return out + j.dump(2) + "\n";
  out += fmt::format("{} test rows\n", j.value("rows", 0));
  for (auto& [title, t] : report_tables(j, false)) {
    if (title.ends_with("_history")) continue;  // long; it is in the CSV files
    out += "\n" + title + "\n" + t.render();
  }
  return out;
}

json write_outputs(const fs::path& dir, const std::vector<std::pair<std::string, Value>>& targets) {
  fs::create_directories(dir);
  json results = json::object();
  for (auto& [name, v] : targets) {
    const json* j = std::get_if<json>(&v);
    if (j && is_dendrogram(*j)) {  // the merge list as CSV, the tree as SVG
      results[name] = *j;
      write_dendrogram(dir, name, *j);
      continue;
    }
    if (j && is_tag_table(*j)) {
      results[name] = *j;
      for (auto& [title, t] : tag_tables(*j)) write_atomic(dir / (name + "_" + title + ".csv"), t.csv());
      continue;
    }
    if (j && is_next_step_loss(*j)) {
      results[name] = (*j)["models"];
      for (auto& [title, t] : next_step_tables(*j)) write_atomic(dir / (name + "_" + title + ".csv"), t.csv());
      continue;
    }
    if (!j || !is_report(*j)) continue;
    results[name] = (*j)["models"];
    for (auto& [title, t] : report_tables(*j, true)) write_atomic(dir / (name + "_" + title + ".csv"), t.csv());
  }
  write_atomic(dir / "results.json", results.dump(2) + "\n");
  return results;
}

}  // namespace genre
