#include <algorithm>

#include "runtime/core/table_text.h"
#include "runtime/core/value.h"

namespace genre {

const Column* Table::find(const std::string& name) const {
  for (auto& c : cols)
    if (c.name == name) return &c;
  return nullptr;
}

Column* Table::find(const std::string& name) {
  for (auto& c : cols)
    if (c.name == name) return &c;
  return nullptr;
}

const Column& Table::column(const std::string& name) const {
  if (auto* c = find(name)) return *c;
  std::string names;
  for (size_t i = 0; i < cols.size() && i < 20; ++i) names += (i ? ", " : "") + excerpt(cols[i].name);
  if (cols.size() > 20) names += " ... (" + std::to_string(cols.size() - 20) + " more)";
  throw DataError((source.empty() ? std::string("table") : source) + ": no column " + excerpt(name) +
                  "; the columns are " + names);
}

std::vector<std::string> Table::column_names() const {
  std::vector<std::string> out;
  for (auto& c : cols) out.push_back(c.name);
  return out;
}

std::vector<std::string> Table::feature_names() const {
  std::vector<std::string> out;
  for (auto& c : cols)
    if (c.numeric && c.name != label) out.push_back(c.name);
  return out;
}

Table Table::take(const std::vector<size_t>& rows) const {
  Table t;
  t.label = label;
  t.source = source;
  t.cols.reserve(cols.size());
  for (auto& c : cols) {
    Column n;
    n.name = c.name;
    n.numeric = c.numeric;
    n.seq_dims = c.seq_dims;
    if (c.numeric) {
      n.num.reserve(rows.size());
      for (size_t r : rows) n.num.push_back(c.num[r]);
    } else if (c.is_sequence()) {
      n.seq.reserve(rows.size());
      n.present.reserve(rows.size());
      for (size_t r : rows) {
        n.seq.push_back(c.seq[r]);
        n.present.push_back(c.present[r]);
      }
    } else {
      n.text.reserve(rows.size());
      n.present.reserve(rows.size());
      for (size_t r : rows) {
        n.text.push_back(c.text[r]);
        n.present.push_back(c.present[r]);
      }
    }
    t.cols.push_back(std::move(n));
  }
  return t;
}

const Table& Split::part(const std::string& name) const {
  for (auto& [n, t] : parts)
    if (n == name) return t;
  std::string names;
  for (auto& [n, t] : parts) names += (names.empty() ? "" : ", ") + n;
  throw DataError("split has no part \"" + name + "\"; its parts are " + names);
}

}  // namespace genre
