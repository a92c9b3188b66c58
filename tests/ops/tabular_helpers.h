// Shared by the tabular and CSV tests: running an op by name, temporary files,
// and reading reference tables.
#pragma once
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "runtime/core/op.h"

namespace tabtest {

using genre::json;
using genre::Split;
using genre::Table;
using genre::Value;

// What the last run() warned (OpContext::warn).
inline std::vector<std::string>& warnings() {
  static std::vector<std::string> w;
  return w;
}

inline Value run(const std::string& op, json params, std::vector<std::pair<std::string, Value>> inputs = {},
                 const std::string& dir = "") {
  genre::register_all();
  auto* fn = genre::find_op(op);
  REQUIRE(fn);
  genre::OpContext ctx;
  ctx.params = std::move(params);
  ctx.script_dir = dir;
  warnings().clear();
  ctx.warn = [](const std::string& w) { warnings().push_back(w); };
  for (auto& [p, v] : inputs) ctx.inputs.push_back({p, p, &v});
  return (*fn)(ctx);
}

inline Table run_table(const std::string& op, json params, std::vector<std::pair<std::string, Value>> inputs = {},
                       const std::string& dir = "") {
  return std::get<Table>(run(op, std::move(params), std::move(inputs), dir));
}

inline Split run_split(const std::string& op, json params, std::vector<std::pair<std::string, Value>> inputs = {}) {
  return std::get<Split>(run(op, std::move(params), std::move(inputs)));
}

inline std::string data_dir() { return std::string(GENRE_TEST_DIR) + "/data/tabular"; }

// Reads a file through the csv op.
inline Table csv(const std::string& path, const std::string& label = "") {
  json p = {{"path", path}};
  if (!label.empty()) p["label"] = label;
  return run_table("csv", p);
}

// A folder of small files written by a test, removed afterwards.
struct TempDir {
  std::filesystem::path dir;
  TempDir() {
    static int n = 0;
    dir = std::filesystem::temp_directory_path() /
          ("genre-tab-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    std::filesystem::create_directories(dir);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  std::string write(const std::string& name, const std::string& bytes) const {
    auto p = dir / name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p.string();
  }
};

// The DataError message of f(), or "" when it does not throw one.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const genre::DataError& e) {
    return e.what();
  }
  return "";
}

inline const std::vector<double>& num(const Table& t, const std::string& c) { return t.column(c).num; }
inline const std::vector<std::string>& text(const Table& t, const std::string& c) { return t.column(c).text; }

}  // namespace tabtest
