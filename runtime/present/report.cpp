#include "runtime/present/report.h"

#include <cmath>
#include <fmt/format.h>

#include "runtime/core/op.h"
#include "runtime/core/table_text.h"
#include "runtime/core/write_atomic.h"

namespace genre {

namespace fs = std::filesystem;

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

std::string describe(const Target& target, size_t rows) {
  const Value& v = target.value;
  std::string out = "== " + target.name + " ==\n";
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
  if (const ReportKind* k = report_kind(target.op)) return out + k->terminal(j);
  return out + j.dump(2) + "\n";  // a report no kind describes: as it is
}

json write_outputs(const fs::path& dir, const std::vector<Target>& targets) {
  fs::create_directories(dir);
  json results = json::object();
  for (auto& t : targets) {
    const json* j = std::get_if<json>(&t.value);
    const ReportKind* k = j ? report_kind(t.op) : nullptr;
    if (!k) continue;
    if (json r = k->results(*j); !r.is_null()) results[t.name] = r;
    if (k->files)
      for (auto& [title, table] : k->files(*j)) write_atomic(dir / (t.name + "_" + title + ".csv"), table.csv());
    if (k->extra_files) k->extra_files(dir, t.name, *j);
  }
  write_atomic(dir / "results.json", results.dump(2) + "\n");
  return results;
}

}  // namespace genre
