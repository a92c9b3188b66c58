#include "runtime/present/report.h"

#include <cmath>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "runtime/core/op.h"
#include "runtime/core/table_text.h"
#include "runtime/core/write_atomic.h"

namespace genre {

namespace fs = std::filesystem;

namespace {

// A cell of at most `most` columns: longer text ends in "...".
std::string cut(std::string s, size_t most) {
  if (display_width(s) <= most) return s;
  while (!s.empty() && display_width(s) > most - 3) {
    s.pop_back();
    while (!s.empty() && (static_cast<unsigned char>(s.back()) & 0xC0) == 0x80) s.pop_back();  // a whole code point
    if (!s.empty() && static_cast<unsigned char>(s.back()) >= 0xC0) s.pop_back();
  }
  return s + "...";
}

// `width` > 0: the leading columns that fit in that many terminal columns (cells cut to 30),
// then a line naming the columns left out.
std::string describe_table(const Table& t, size_t head, size_t width) {
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
  std::string omitted;
  if (width > 0) {
    const size_t most = 30;
    size_t used = 1, keep = 0;
    for (size_t i = 0; i < tt.header.size(); ++i) {
      size_t w = display_width(cut(tt.header[i], most));
      for (auto& r : tt.rows) w = std::max(w, display_width(cut(r[i], most)));
      if (keep > 0 && used + w + 2 > width) break;
      used += w + 2;
      keep++;
    }
    if (keep < tt.header.size()) {
      std::vector<std::string> rest(tt.header.begin() + long(keep), tt.header.end());
      omitted = fmt::format("... {} more column{}: {}\n", rest.size(), rest.size() == 1 ? "" : "s",
                            cut(fmt::format("{}", fmt::join(rest, ", ")), width > 24 ? width - 24 : width));
      tt.header.resize(keep);
      for (auto& r : tt.rows) r.resize(keep);
    }
    for (auto& h : tt.header) h = cut(h, most);
    for (auto& r : tt.rows)
      for (auto& c : r) c = cut(c, most);
  }
  return fmt::format("{} rows x {} columns\n", t.rows(), t.cols.size()) + tt.render() + omitted;
}

}  // namespace

std::string describe(const Target& target, size_t rows, size_t width) {
  const Value& v = target.value;
  std::string out = "== " + target.name + " ==\n";
  if (auto* t = std::get_if<Table>(&v)) return out + describe_table(*t, rows, width);
  if (auto* s = std::get_if<Split>(&v)) {
    for (auto& [p, t] : s->parts) out += fmt::format("{}: {} rows\n", p, t.rows());
    if (rows > 5)
      for (auto& [p, t] : s->parts) out += "\n" + p + ": " + describe_table(t, rows, width);
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
      for (auto& [title, table] : k->files(*j)) write_if_changed(dir / (t.name + "_" + title + ".csv"), table.csv());
    if (k->extra_files) k->extra_files(dir, t.name, *j);
  }
  write_if_changed(dir / "results.json", results.dump(2) + "\n");
  return results;
}

}  // namespace genre
