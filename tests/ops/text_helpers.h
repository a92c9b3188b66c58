// Shared by the text op tests: small tables of text built in code.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "tabular_helpers.h"

namespace texttest {

using genre::Column;
using genre::Table;

inline Column text_col(const std::string& name, const std::vector<std::string>& v) {
  Column c;
  c.name = name;
  c.numeric = false;
  c.text = v;
  c.present.assign(v.size(), 1);
  return c;
}

inline Column num_col(const std::string& name, const std::vector<double>& v) {
  Column c;
  c.name = name;
  c.num = v;
  return c;
}

// A table with a text column "text" and, when given, a text label column "genre".
inline Table table(const std::vector<std::string>& texts, const std::vector<std::string>& genres = {},
                   const std::string& source = "made.csv") {
  Table t;
  t.source = source;
  t.cols.push_back(text_col("text", texts));
  if (!genres.empty()) {
    t.cols.push_back(text_col("genre", genres));
    t.label = "genre";
  }
  return t;
}

// clean on one string with the given steps (names) and stopwords.
inline std::string cleaned(const std::string& s, const std::vector<std::string>& steps,
                           const std::vector<std::string>& stop = {}) {
  genre::json list = genre::json::array();
  for (auto& st : steps) list.push_back({{"name", st}});
  genre::json p = {{"column", "text"}, {"steps", {{"list", list}}}, {"on_empty", "keep"}};
  if (!stop.empty()) p["stopwords"] = stop;
  Table out = tabtest::run_table("clean", p, {{"data", table({s})}});
  return out.column("text").text.at(0);
}

inline genre::json steps(const std::vector<std::string>& names) {
  genre::json list = genre::json::array();
  for (auto& st : names) list.push_back({{"name", st}});
  return {{"list", list}};
}

}  // namespace texttest

namespace texttest {
// A report op's JSON.
inline genre::json report(const std::string& op, genre::json params,
                          std::vector<std::pair<std::string, genre::Value>> inputs) {
  return std::get<genre::json>(tabtest::run(op, std::move(params), std::move(inputs)));
}
}  // namespace texttest
