// Helpers for the model tests: small CSV files (no quoting) as Tables, and
// reference JSON from tests/data/models.
#pragma once
#include <fstream>
#include <sstream>
#include <string>

#include "runtime/core/value.h"

namespace genre::testing {

inline std::string models_data(const std::string& name) { return std::string(GENRE_TEST_DIR) + "/data/models/" + name; }

inline json read_json(const std::string& path) {
  std::ifstream f(path);
  return json::parse(f);
}

// Every column numeric except `label`, which is text.
inline Table read_table(const std::string& path, const std::string& label) {
  std::ifstream f(path);
  if (!f) throw std::runtime_error("cannot open " + path);
  Table t;
  t.source = path;
  t.label = label;
  std::string line, cell;
  std::getline(f, line);
  std::stringstream hs(line);
  while (std::getline(hs, cell, ',')) {
    Column c;
    c.name = cell;
    c.numeric = cell != label;
    t.cols.push_back(c);
  }
  while (std::getline(f, line)) {
    if (line.empty()) continue;
    std::stringstream ls(line);
    for (auto& c : t.cols) {
      std::getline(ls, cell, ',');
      if (c.numeric) {
        c.num.push_back(std::stod(cell));
      } else {
        c.text.push_back(cell);
        c.present.push_back(1);
      }
    }
  }
  return t;
}

}  // namespace genre::testing
