// Shared by the cv and ablate tests: a script checked, lowered and run the way
// `genre run` does it, in a private cache folder.
#pragma once
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "lang/checker.h"
#include "lang/parser.h"
#include "runtime/core/op.h"
#include "runtime/engine/plan.h"
#include "runtime/present/progress.h"
#include "runtime/engine/run.h"

namespace traintest {

using namespace genre;

struct Lowered {
  lang::Script script;
  lang::Bindings bindings;
  Plan plan;
};

// A folder for a test's files and cache, removed afterwards.
struct Folder {
  std::filesystem::path dir;
  Folder() {
    static int n = 0;
    dir = std::filesystem::temp_directory_path() /
          ("genre-train-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    std::filesystem::create_directories(dir);
  }
  ~Folder() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  }
};

// Parses and checks (no errors allowed), then lowers.
inline std::unique_ptr<Lowered> lower_script(const Folder& f, const std::string& text,
                                             std::vector<std::string> targets = {}) {
  register_all();
  auto l = std::make_unique<Lowered>();
  lang::Diagnostics d;
  l->script = lang::parse(f.write("t.genre", text), text, d);
  lang::check(l->script, lang::catalog(), d, &l->bindings);
  std::string msgs;
  for (auto& x : d.list) msgs += lang::format(x, text);
  INFO(msgs);
  REQUIRE(!d.has_errors());
  l->plan = lower(l->script, l->bindings, targets);
  return l;
}

// The planner's error for a script that checks: message, hint and position.
inline lang::Diagnostic plan_error(const Folder& f, const std::string& text) {
  try {
    lower_script(f, text);
  } catch (const lang::ScriptError& e) {
    return e.diag;
  }
  FAIL("the planner accepted the script");
  return {};
}

inline RunResult run_plan(const Folder& f, const Plan& plan) {
  static std::FILE* null = std::fopen("/dev/null", "w");
  Progress quiet(null ? null : stderr, false);
  RunOptions o;
  o.cache_dir = (f.dir / "cache").string();
  o.jobs = 2;
  o.device = "cpu";
  return execute(plan, o, "test", quiet);
}

inline const Value& target(const RunResult& r, const std::string& name) {
  for (auto& t : r.targets)
    if (t.name == name) return t.value;
  FAIL("no target " << name);
  throw;
}

inline const Node& node(const Plan& p, const std::string& label) {
  for (auto& n : p.nodes)
    if (n.label == label) return n;
  std::string all;
  for (auto& n : p.nodes) all += " " + n.label;
  FAIL("no node " << label << "; nodes:" << all);
  throw;
}

}  // namespace traintest
