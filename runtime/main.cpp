// genre: check, plan and run `.genre` studies.
//
// Exit codes: 0 ok, 1 script error, 2 data error, 3 internal error (a bug).
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <iostream>
#include <unistd.h>

#include "lang/checker.h"
#include "lang/diagnostics.h"
#include "lang/parser.h"
#include "ops/op.h"
#include "ops/report/report.h"
#include "runtime/hash.h"
#include "runtime/progress.h"
#include "runtime/run.h"

namespace fs = std::filesystem;
using namespace genre;

namespace {

struct Options {
  std::string file;
  std::vector<std::string> targets;
  std::string cache;
  std::string out;
  std::string device = "auto";
  int jobs = 0;
  bool keep_going = false;
};

std::string read_source(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

struct Checked {
  lang::Script script;
  lang::Bindings bindings;  // where each call's arguments went; the planner follows it
};

// Parse and check; exit 1 on any error, before any data is read.
Checked checked(const std::string& file) {
  lang::Diagnostics d;
  Checked c{lang::load(file, d), {}};
  if (!d.has_errors()) lang::check(c.script, lang::catalog(), d, &c.bindings);
  std::cerr << lang::format(d, c.script);
  if (d.has_errors()) {
    size_t n = 0;
    for (auto& x : d.list) n += !x.warning;
    std::cerr << fmt::format("{}: {} error{}; nothing was run\n", file, n, n == 1 ? "" : "s");
    std::exit(1);
  }
  return c;
}

fs::path script_dir(const std::string& file) { return fs::absolute(file).parent_path(); }

std::string cache_dir(const Options& o) {
  if (!o.cache.empty()) return o.cache;
  if (const char* e = std::getenv("GENRE_CACHE"); e && *e) return e;
  return (script_dir(o.file) / ".genre" / "cache").string();
}

// Run records are per script: its name plus a hash of its absolute path.
std::string record_name(const std::string& file) {
  return fs::path(file).stem().string() + "-" + hash_hex(fs::absolute(file).lexically_normal().string()).substr(0, 8);
}

int cmd_check(const Options& o) {
  Checked c = checked(o.file);
  std::cout << fmt::format("{}: ok ({} definitions)\n", o.file, c.script.defs.size());
  return 0;
}

int cmd_plan(const Options& o) {
  Checked c = checked(o.file);
  Plan p = lower(c.script, c.bindings, o.targets);
  auto st = status(p, cache_dir(o), record_name(o.file));
  size_t runs = 0;
  for (size_t i = 0; i < p.nodes.size(); ++i) {
    auto& n = p.nodes[i];
    runs += !st[i].cached;
    std::cout << fmt::format("{}  {:<9} {}{}\n", n.key.substr(0, 10), st[i].cached ? "cached" : "will run", n.label,
                             st[i].cached ? "" : "  (" + st[i].why + ")");
  }
  std::cout << fmt::format("{} nodes: {} cached, {} to run\n", p.nodes.size(), p.nodes.size() - runs, runs);
  return 0;
}

int cmd_run(const Options& o) {
  Checked c = checked(o.file);
  Plan p = lower(c.script, c.bindings, o.targets);
  RunOptions ro;
  ro.cache_dir = cache_dir(o);
  ro.jobs = o.jobs;
  ro.device = o.device;
  ro.keep_going = o.keep_going;
  RunResult r;
  {
    Progress progress(stderr, ::isatty(STDERR_FILENO));
    r = execute(p, ro, record_name(o.file), progress);
  }
  for (auto& [name, v] : r.targets) std::cout << "\n" << describe(name, v);
  fs::path out = o.out.empty() ? script_dir(o.file) / "out" / fs::path(o.file).stem() : fs::path(o.out);
  write_outputs(out, r.targets);
  std::cerr << fmt::format("\n{} nodes: {} ran, {} reused from cache; results in {}\n", p.nodes.size(), r.ran,
                           p.nodes.size() - r.ran, (out / "results.json").string());
  return 0;
}

int cmd_ops() {
  for (auto& [name, sig] : lang::catalog().all()) {
    if (name == "trial" || name == "grid_select") continue;  // planner-internal
    std::string args;
    for (auto& p : sig.params) {
      std::string types;
      for (auto t : p.types) types += (types.empty() ? "" : "|") + std::string(lang::type_name(t));
      args += (args.empty() ? "" : ", ") + p.name + (p.required ? "" : "?") + ": " + types;
    }
    std::cout << fmt::format("{}({}) -> {}\n    {}\n", name, args, lang::type_name(sig.result), sig.doc);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"genre: declare a music-genre study, check it, run it (cached, in parallel)"};
  app.require_subcommand(1);
  Options o;
  auto add_file = [&](CLI::App* c) {
    c->add_option("file", o.file, "the .genre script")->required()->check(CLI::ExistingFile);
  };
  auto* check = app.add_subcommand("check", "parse and check a script; no data is read");
  add_file(check);
  auto* plan = app.add_subcommand("plan", "show the DAG: each node, its key, cached or why it will run");
  add_file(plan);
  plan->add_option("targets", o.targets, "definitions to plan (default: every report)");
  auto* run = app.add_subcommand("run", "run a script (only what is not cached) and write its results");
  add_file(run);
  run->add_option("targets", o.targets, "definitions to run (default: every report)");
  run->add_option("--out", o.out, "output folder (default: out/<script name> beside the script)");
  run->add_option("-j,--jobs", o.jobs, "ops run at once (default: number of cores)");
  run->add_option("--device", o.device, "auto | cpu | cuda (auto: CUDA when available)")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}));
  run->add_flag("-k,--keep-going", o.keep_going, "after a failure, finish the independent branches");
  for (auto* c : {plan, run})
    c->add_option("--cache", o.cache, "cache folder (default: $GENRE_CACHE, else .genre/cache beside the script)");
  auto* ops = app.add_subcommand("ops", "list every op and its arguments");
  app.add_flag_callback("--version", [] {
    std::cout << "genre " GENRE_VERSION "\n";
    std::exit(0);
  }, "print the version");

  CLI11_PARSE(app, argc, argv);
  try {
    register_all();
    if (check->parsed()) return cmd_check(o);
    if (plan->parsed()) return cmd_plan(o);
    if (run->parsed()) return cmd_run(o);
    if (ops->parsed()) return cmd_ops();
  } catch (const lang::ScriptError& e) {
    std::cerr << lang::format(e.diag, read_source(e.diag.file));
    return 1;
  } catch (const PlanDataError& e) {
    std::cerr << lang::format(e.diag, read_source(e.diag.file));
    return 2;
  } catch (const DataError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "internal error: " << e.what() << "\n(this is a bug in genre: please report it with the script)\n";
    return 3;
  }
  return 0;
}
