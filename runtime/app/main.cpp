// genre: check, plan and run `.genre` studies.
//
// Exit codes: 0 ok, 1 script error, 2 data error, 3 internal error (a bug).
#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <pthread.h>
#include <thread>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <iostream>
#include <map>
#include <unistd.h>

#include "lang/checker.h"
#include "lang/diagnostics.h"
#include "lang/overrides.h"
#include "lang/parser.h"
#include "lang/suggest.h"
#include "runtime/core/op.h"
#include "runtime/present/export.h"
#include "runtime/present/html.h"
#include "runtime/present/report.h"
#include "runtime/core/table_text.h"
#include "runtime/engine/cache.h"
#include "runtime/engine/explain.h"
#include "runtime/app/completion.h"
#include "runtime/app/fmt_command.h"
#include "runtime/app/predict_command.h"
#include "runtime/core/hash.h"
#include "runtime/engine/lock.h"
#include "runtime/present/progress.h"
#include "runtime/app/repl.h"
#include "runtime/engine/run.h"
#include "runtime/engine/slurm.h"
#include "runtime/core/threads.h"
#include "runtime/core/write_atomic.h"

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
  int threads = 0;
  bool keep_going = false;
  std::vector<std::string> sets;  // --set NAME=VALUE
  std::string explain;            // plan --explain NODE
  std::vector<std::string> allow_write;  // --allow-write DIR: ops may write there too
  bool all = false;                      // verify --all: every difference
  std::string executor = "local";        // local | slurm
  SlurmOptions slurm;                    // --slurm-*, --max-jobs
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
Checked checked(const std::string& file, const std::vector<std::string>& sets) {
  lang::Diagnostics d;
  Checked c{lang::load(file, d), {}};
  if (!d.has_errors()) lang::apply_overrides(c.script, sets, d);
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

// Checked and lowered: the plan, and the script's text as it was read (the report page shows it).
struct Lowered {
  Plan plan;
  std::string source;
};

// What planning warns of (a cv whose folds saw fitted scaling), quoted like the checker's warnings.
void print_warnings(const Plan& p) {
  for (auto& w : p.warnings) std::cerr << lang::format(w, read_source(w.file));
}

Lowered lowered(const Options& o) {
  Checked c = checked(o.file, o.sets);
  Lowered l{lower(c.script, c.bindings, o.targets), std::move(c.script.source)};
  print_warnings(l.plan);
  return l;
}

fs::path script_dir(const std::string& file) { return fs::absolute(file).parent_path(); }

std::string cache_dir(const Options& o) { return genre::cache_dir(o.cache, script_dir(o.file)); }

// Run records are per script: its name plus a hash of its absolute path.
std::string record_name(const std::string& file) {
  return fs::path(file).stem().string() + "-" + hash_hex(fs::absolute(file).lexically_normal().string()).substr(0, 8);
}

// Everything that can be found without reading data: the checker's errors,
// then the planner's (a cv with a kfold of another k, an ablate variant naming
// a layer the model lacks, an input file that is not there).
int cmd_check(const Options& o) {
  Checked c = checked(o.file, o.sets);
  Plan p = lower(c.script, c.bindings, o.targets, /*hash_files=*/false);
  print_warnings(p);
  std::cout << fmt::format("{}: ok ({} definitions, {} nodes)\n", o.file, c.script.defs.size(), p.nodes.size());
  return 0;
}

int cmd_plan(const Options& o) {
  Plan p = lowered(o).plan;
  if (!o.explain.empty()) {
    std::cout << explain(p, Cache(cache_dir(o)).read_record(record_name(o.file)), o.explain);
    return 0;
  }
  std::cout << plan_listing(p, status(p, cache_dir(o), record_name(o.file)));
  return 0;
}

// What a run gives a lock: results.json's content, and each evaluation's
// per-row predictions ("report/model" -> {truth, pred}).
struct Outcome {
  json results, predictions = json::object();
  bool complete = true;  // false: -k left out the targets of failed nodes
};

fs::path out_dir(const Options& o) {
  return o.out.empty() ? script_dir(o.file) / "out" / fs::path(o.file).stem() : fs::path(o.out);
}

// --executor slurm: made once per process (a verify runs twice); a Ctrl-C or
// SIGTERM cancels this run's jobs, then exits 130 (catch_interrupts).
std::atomic<Executor*> cluster{nullptr};

Executor* executor(const Options& o) {
  if (o.executor != "slurm") return nullptr;
  if (Executor* made = cluster.load()) return made;
  SlurmOptions so = o.slurm;
  so.cache_dir = fs::absolute(cache_dir(o)).lexically_normal().string();
  so.device = o.device;
  std::error_code ec;
  so.worker = {fs::read_symlink("/proc/self/exe", ec).string(), "worker", o.file};
  so.worker.insert(so.worker.end(), o.targets.begin(), o.targets.end());
  so.worker.insert(so.worker.end(), {"--cache", so.cache_dir, "--device", o.device, "--out", fs::absolute(out_dir(o)).string()});
  for (auto& s : o.sets) so.worker.insert(so.worker.end(), {"--set", s});
  for (auto& w : o.allow_write) so.worker.insert(so.worker.end(), {"--allow-write", fs::absolute(w).string()});
  cluster = slurm_executor(std::move(so)).release();  // left to the process's end: the signal thread may use it
  return cluster;
}

// Blocks SIGINT and SIGTERM in every thread (call it before any starts: they inherit
// the mask) and leaves them to one that cancels the cluster's jobs.
void catch_interrupts() {
  static sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  std::thread([] {
    int sig = 0;
    if (sigwait(&sigs, &sig) != 0) return;
    const char* name = sig == SIGINT ? "SIGINT" : "SIGTERM";
    if (Executor* ex = cluster.load()) {
      ex->cancel(name);  // the run's threads wake, throw Interrupted, and main exits 130
      return;
    }
    std::fprintf(stderr, "interrupted (%s) before any job was submitted\n", name);
    std::_Exit(130);
  }).detach();
}

RunOptions run_options(const Options& o) {
  RunOptions ro;
  ro.write_roots = o.allow_write;
  ro.write_roots.push_back(out_dir(o).string());
  ro.cache_dir = cache_dir(o);
  ro.jobs = o.jobs;
  ro.threads = o.threads;
  ro.device = o.device;
  ro.keep_going = o.keep_going;
  ro.executor = executor(o);
  return ro;
}

// Runs what the plan needs, with progress on stderr. `record`: the run record it leaves (export and predict
// keep their own, so that neither passes for the script's last run, which plan --explain compares with).
RunResult run_with_progress(const Options& o, const Plan& p, const std::string& record) {
  Progress progress(stderr, ::isatty(STDERR_FILENO));
  return execute(p, run_options(o), record, progress);
}

// Keeps `v` until the process exits, which frees it at once. A study's results are trees of JSON
// (S4's: 2 MB as text, tens of thousands of nodes) that take milliseconds to free: a fully cached run
// would spend a sixth of its time on it after the last line is written. Only for commands that end
// right after. Not freed on a detached thread: it could still be freeing while exit runs the
// destructors of static objects. Held from a global, so LeakSanitizer sees it reachable.
template <class T>
void keep_until_exit(T&& v) {
  static auto* kept = new std::vector<std::shared_ptr<void>>;
  kept->push_back(std::make_shared<std::decay_t<T>>(std::forward<T>(v)));
}

// Runs a checked plan, prints its targets and writes the output folder.
Outcome run_plan(const Options& o, const Lowered& l, bool show = true) {
  const Plan& p = l.plan;
  if (!p.note.empty()) std::cerr << "note: " << p.note << "\n";
  RunResult r = run_with_progress(o, p, record_name(o.file));
  if (show)
    for (auto& t : r.targets) std::cout << "\n" << describe(t);
  fs::path out = out_dir(o);
  Outcome outcome{write_outputs(out, r.targets)};
  for (auto& [name, op, v] : r.targets)
    if (const json* j = std::get_if<json>(&v); j && j->contains("predictions"))
      for (auto& [model, p] : (*j)["predictions"].items()) outcome.predictions[name + "/" + model] = p;
  if (!r.quarantine.empty()) {
    TextTable q{{"node", "file", "reason"}, {}};
    for (auto& x : r.quarantine) q.rows.push_back({x.node, x.file, x.reason});
    write_atomic(out / "quarantine.csv", q.csv());
    std::cerr << fmt::format("\n{} file{} set aside, the rest went on:\n", r.quarantine.size(),
                             r.quarantine.size() == 1 ? " was" : "s were");
    TextTable head = q;
    if (head.rows.size() > 10) head.rows.resize(10);
    std::cerr << head.render() << (q.rows.size() > 10 ? fmt::format(" ... and {} more in {}\n", q.rows.size() - 10,
                                                                     (out / "quarantine.csv").string()) : "");
  }
  // The page a person reads: every target's tables and plots, the DAG, the script.
  ReportPage page{o.file, l.source, o.sets, {}, std::move(r.targets), {}};
  std::map<std::string, double> secs(r.timings.begin(), r.timings.end());
  for (auto& n : p.nodes) {
    auto t = secs.find(n.label);
    auto e = r.earlier.find(n.label);
    page.nodes.push_back({n.label, n.op, {}, t != secs.end(), t != secs.end() ? t->second : 0,
                          e != r.earlier.end() ? e->second : -1, false});
    for (auto& in : n.inputs) page.nodes.back().inputs.push_back({in.node, in.part});
  }
  for (auto& [def, node] : p.targets) page.nodes[node].target = true;
  for (auto& q : r.quarantine) page.quarantine.push_back({q.node, q.file, q.reason});
  write_html(out / "report.html", page);
  keep_until_exit(std::move(page));
  std::cerr << fmt::format("\n{} nodes: {} ran, {} reused from cache{}; results in {}, report in {}\n", p.nodes.size(),
                           r.ran, p.nodes.size() - r.ran - r.lost,
                           r.lost ? fmt::format(", {} failed or not run", r.lost) : "", (out / "results.json").string(),
                           (out / "report.html").string());
  if (!r.failed.empty()) {  // -k: the rest was written; now what failed, and what it cost
    outcome.complete = false;
    for (auto& f : r.failed)
      std::cerr << (f.file.empty() ? "error: " + f.message + "\n" : lang::format(f, read_source(f.file)));
    std::string names;
    for (auto& t : r.missing_targets) names += (names.empty() ? "" : ", ") + t;
    std::cerr << fmt::format("{} node{} failed; {} of {} results not computed{}{}\n", r.failed.size(), r.failed.size() == 1 ? "" : "s",
                             r.missing_targets.size(), p.targets.size(), names.empty() ? "" : ": ", names);
  }
  return outcome;
}

// `genre worker SCRIPT [TARGETS] --node KEY --status FILE`: a cluster job
// (runtime/engine/slurm.h). Computes one node of the script's plan, its inputs
// from the shared cache, stores it there, and says how it went in FILE.
int cmd_worker(Options o, const std::string& key, const std::string& status_file, const std::string& platform) {
  auto report = [&](const json& s) {
    if (!status_file.empty()) write_atomic(status_file, s.dump() + "\n");
  };
  if (const char* cpus = std::getenv("SLURM_CPUS_PER_TASK"); o.threads == 0 && cpus && std::atoi(cpus) > 0)
    o.threads = std::atoi(cpus);
  try {
    Lowered l = lowered(o);
    auto n = std::find_if(l.plan.nodes.begin(), l.plan.nodes.end(), [&](const Node& n) { return n.key == key; });
    if (n == l.plan.nodes.end())
      throw DataError(fmt::format("{} or its data changed after the run that submitted this job planned it: no node has "
                                  "the key {} now; run it again", o.file, key));
    RunOptions ro = run_options(o);
    if (std::string mine = Cache(ro.cache_dir).platform(); !platform.empty() && mine != platform)
      throw DataError(fmt::format("this machine's numeric platform ({}: {}) is not the driver's ({}), so its results "
                                  "could differ in the last bits: run the jobs on nodes like the driver's "
                                  "(--slurm-arg=--constraint=...), or set ATEN_CPU_CAPABILITY to the same value for both",
                                  mine, numeric_platform().line(), platform));
    Progress progress(stderr, false);
    report(worker_status(run_node(l.plan, size_t(n - l.plan.nodes.begin()), ro, progress)));
    return 0;
  } catch (const PlanDataError& e) {
    report(worker_status(e.diag));
    throw;
  } catch (const DataError& e) {
    report(worker_status(std::string(e.what())));
    throw;
  }
}

int cmd_run(const Options& o) {
  auto l = lowered(o);
  Outcome r = run_plan(o, l);
  bool complete = r.complete;
  keep_until_exit(std::move(r));  // the results' tree: as large as the page's
  keep_until_exit(std::move(l));
  return complete ? 0 : 2;
}

std::string lock_path(const Options& o) { return o.file + ".lock"; }

json read_lock(const std::string& path) {
  std::ifstream f(path);
  if (!f) return nullptr;
  try {
    return json::parse(f);
  } catch (const json::exception& e) {
    throw DataError(fmt::format("{}: not a lock file: {}", path, e.what()));
  }
}

// The lock of a fresh run of the script (with the cache, like `run`).
json locked_run(const Options& o, const json& previous) {
  Lowered l = lowered(o);
  Outcome r = run_plan(o, l, false);
  return make_lock(l.plan, r.results, r.predictions, o.sets, pick_device(o.device), previous);
}

int cmd_lock(const Options& o) {
  std::string path = lock_path(o);
  json lock = locked_run(o, read_lock(path));
  write_atomic(path, lock.dump(2) + "\n");
  std::cerr << fmt::format("locked {} values, {} data files, {} ops in {}\n", lock["values"].size(), lock["data"].size(),
                           lock["ops"].size(), path);
  return 0;
}

int cmd_verify(Options o) {
  std::string path = lock_path(o);
  json locked = read_lock(path);
  if (locked.is_null()) throw DataError(path + ": no lock file; make one with `genre lock " + o.file + "`");
  // The locked run's --set values, then any given now (a later one wins).
  std::vector<std::string> sets = locked.value("sets", std::vector<std::string>{});
  sets.insert(sets.end(), o.sets.begin(), o.sets.end());
  o.sets = sets;
  json now = locked_run(o, locked);
  Comparison cmp = compare_locks(locked, now);
  auto& drift = cmp.drift;
  for (auto& d : drift)  // a CSV that changed: which rows
    if (d.what.starts_with("data ") && d.what.ends_with(".csv") && !d.locked.empty() && !d.now.empty())
      if (std::string rows = csv_drift(locked, now, d.what.substr(5), cache_dir(o)); !rows.empty()) d.rule += ": " + rows;
  if (!cmp.same_platform) {
    std::cerr << fmt::format("note: locked on {}, verifying on {}: each evaluated model is judged by its predictions "
                             "(McNemar's exact test, paired bootstrap intervals), other floats by the lock's "
                             "tolerances\n",
                             locked["platform"].dump(), now["platform"].dump());
    for (auto& v : cmp.verdicts)
      std::cerr << fmt::format("  {}: {}; {}\n", v.model, v.drift ? "DRIFT" : v.changed ? "within noise" : "identical", v.text);
  }
  if (drift.empty()) {
    std::cerr << fmt::format("verified: {} values, {} data files and {} ops match {}\n", now["values"].size(),
                             now["data"].size(), now["ops"].size(), path);
    return 0;
  }
  // Ranked (lock.h's DriftKind): what the run was made from, then headline results, then the
  // rest; a summary counts each kind, --all lists every line.
  TextTable t{{"what", "locked", "now", "rule"}, {}};
  const size_t shown = o.all ? drift.size() : 40;  // a changed classifier changes its whole confusion matrix
  std::map<DriftKind, size_t> kinds;
  for (auto& d : drift) {
    kinds[d.kind]++;
    if (t.rows.size() < shown) t.rows.push_back({d.what, d.locked.empty() ? "(absent)" : d.locked, d.now.empty() ? "(absent)" : d.now, d.rule});
  }
  std::string summary;
  for (auto& [k, n] : kinds) summary += fmt::format("{}{}: {}", summary.empty() ? "" : ", ", drift_kind_name(k), n);
  std::cerr << fmt::format("\n{}: {} difference{} from {} ({}):\n", o.file, drift.size(), drift.size() == 1 ? "" : "s", path, summary)
            << t.render();
  if (drift.size() > shown) std::cerr << fmt::format(" ... and {} more (--all lists them)\n", drift.size() - shown);
  return 1;
}

std::string megabytes(size_t bytes) { return fmt::format("{:.1f} MB", bytes / 1e6); }

// `genre cache [info|gc|clean] [SCRIPT] [--cache DIR]`: what the cache holds, per script;
// gc removes what no run record reaches; clean removes everything.
int cmd_cache(std::vector<std::string> args, const std::string& flag) {
  std::string action = "info";
  if (!args.empty() && (args[0] == "info" || args[0] == "gc" || args[0] == "clean")) {
    action = args[0];
    args.erase(args.begin());
  }
  std::string script = args.empty() ? "" : args[0];
  if (args.size() > 1 || (!script.empty() && !fs::is_regular_file(script))) {
    std::cerr << "error: genre cache [info|gc|clean] [SCRIPT]: " <<
        (args.size() > 1 ? "one script at most" : script + " is not a script (nor info, gc or clean)") << "\n";
    return 1;
  }
  std::string dir = genre::cache_dir(flag, script.empty() ? fs::current_path() : script_dir(script));
  if (!fs::is_directory(dir)) {
    std::cout << dir << ": no cache here\n";
    return 0;
  }
  Cache cache(dir);
  if (action == "gc") {
    auto [entries, bytes] = cache.gc();
    std::cout << fmt::format("{}: removed {} entr{} no run record reaches ({})\n", dir, entries, entries == 1 ? "y" : "ies",
                             megabytes(bytes));
    return 0;
  }
  if (action == "clean") {
    std::cout << fmt::format("{}: removed everything ({})\n", dir, megabytes(cache.clean()));
    return 0;
  }
  Cache::Usage u = cache.usage();
  TextTable t{{"run record", "entries", "size"}, {}};
  std::string mine = script.empty() ? "" : record_name(script);
  for (auto& r : u.records)
    if (mine.empty() || r.name.starts_with(mine))
      t.rows.push_back({r.name, std::to_string(r.entries), megabytes(r.bytes)});
  std::cout << fmt::format("{}: {} entries, {}", dir, u.entries, megabytes(u.bytes));
  if (u.unreached_entries)
    std::cout << fmt::format("; {} entr{} ({}) no run record reaches: `genre cache gc` removes them", u.unreached_entries,
                             u.unreached_entries == 1 ? "y" : "ies", megabytes(u.unreached_bytes));
  std::cout << "\n";
  if (!t.rows.empty()) std::cout << t.render();
  return 0;
}

// `genre export SCRIPT NAME [--to FILE]`: compute (or take from the cache) one
// table definition or split part (`s.test`) and write it as CSV.
int cmd_export(Options o, const std::string& name, const std::string& to) {
  size_t dot = name.find('.');
  std::string def = name.substr(0, dot), part = dot == std::string::npos ? "" : name.substr(dot + 1);
  o.targets = {def};
  Lowered l = lowered(o);
  RunResult r = run_with_progress(o, l.plan, record_name(o.file) + ".export");
  if (r.targets.empty())
    throw DataError(fmt::format("'{}' is a value written in the script, not a table; nothing to export", def));
  const Target& t = r.targets.front();
  const Table* table = std::get_if<Table>(&t.value);
  if (const Split* s = std::get_if<Split>(&t.value)) {
    if (part.empty()) {
      std::string parts;
      for (auto& [n, _] : s->parts) parts += (parts.empty() ? "" : ", ") + def + "." + n;
      throw DataError(fmt::format("'{}' is a split: export one of its parts ({})", def, parts));
    }
    table = &s->part(part);
  } else if (!part.empty()) {
    throw DataError(fmt::format("'{}' is a {}, which has no parts; export '{}'", def, kind_name(t.value), def));
  }
  if (const Model* m = std::get_if<Model>(&t.value)) {
    // A trained model: one file with what `genre predict --model FILE` needs to answer without the script.
    if (to.empty() || to == "-") throw DataError(fmt::format("'{}' is a trained model: write it to a file with --to FILE", name));
    if (r.targets.size() > 1)
      throw DataError(fmt::format("'{}' is {} trained models (a sweep); export one of them, or an ensemble", name, r.targets.size()));
    write_atomic(to, model_file(recipe_of(l.plan, l.plan.targets.front().second, cache_dir(o)), *m, name));
    std::cerr << fmt::format("wrote the {} model {} ({} classes, its preprocessing and feature settings) to {}\n", m->kind,
                             name, m->classes.size(), to);
    return 0;
  }
  if (!table)
    throw DataError(fmt::format("'{}' is a {}, not a table: a report's tables are written as CSV files to the output "
                                "folder by `genre run`", name, kind_name(t.value)));
  std::string csv = table_csv(*table);
  if (to.empty() || to == "-") {
    std::cout << csv;
  } else {
    write_atomic(to, csv);
    std::cerr << fmt::format("wrote {} rows x {} columns of {} to {}\n", table->rows(), table->cols.size(), name, to);
  }
  return 0;
}

// `genre predict SCRIPT MODEL INPUT... [--out FILE]`: run what the model needs (cached), then replay its
// training rows' steps on the new inputs (runtime/app/predict_command.h).
void write_answers(const Table& t, const std::string& to) {
  size_t failed = 0;
  for (auto& e : t.column("error").text) failed += !e.empty();
  std::string csv = table_csv(t);
  if (to.empty() || to == "-") std::cout << csv;
  else write_atomic(to, csv);
  std::cerr << fmt::format("{} input{} predicted{}{}\n", t.rows() - failed, t.rows() - failed == 1 ? "" : "s",
                           failed ? fmt::format(", {} set aside (see the error column)", failed) : "",
                           to.empty() || to == "-" ? "" : " in " + to);
}

int cmd_predict(Options o, std::vector<std::string> args, const std::string& file, const std::string& to) {
  if (!file.empty()) {  // --model FILE INPUT...: no script
    auto [recipe, m] = read_model_file(file);
    write_answers(predict_with(recipe, m, args, pick_device(o.device)), to);
    return 0;
  }
  if (args.size() < 3 || !fs::is_regular_file(args[0])) {  // a usage mistake: exit 1, as CLI11's own
    std::cerr << (args.size() < 3 ? std::string("error: predict needs SCRIPT MODEL INPUT... (or --model FILE INPUT...)")
                                  : "error: no script file " + args[0])
              << "\n";
    return 1;
  }
  o.file = args[0];
  std::string model = args[1];
  std::vector<std::string> inputs(args.begin() + 2, args.end());
  o.targets = {model};
  Lowered l = lowered(o);
  RunResult r = run_with_progress(o, l.plan, record_name(o.file) + ".predict");
  if (r.targets.empty()) {
    auto c = l.plan.constants.find(model);
    bool spec = c != l.plan.constants.end() && c->second.is_object() && c->second.contains("spec");
    throw DataError(spec ? fmt::format("'{}' is a model spec, not a trained model: predict with a `train` definition "
                                       "that fits it (train m = fit({}, s.train))", model, model)
                         : fmt::format("'{}' is a value written in the script, not a trained model", model));
  }
  if (!std::holds_alternative<Model>(r.targets.front().value))
    throw DataError(fmt::format("'{}' is a {}, not a trained model", model, kind_name(r.targets.front().value)));
  if (r.targets.size() > 1)
    throw DataError(fmt::format("'{}' is {} trained models (a sweep); predict with one of them, or an ensemble of them",
                                model, r.targets.size()));
  write_answers(predict_inputs(l.plan, l.plan.targets.front().second, inputs, cache_dir(o), pick_device(o.device)), to);
  return 0;
}

// The op reference: plain lines, or Markdown for docs/ops.md.
int cmd_ops(bool markdown, const std::vector<std::string>& only) {
  for (auto& n : only)
    if (!lang::catalog().find(n)) {
      std::vector<std::string> all;
      for (auto& [name, sig] : lang::catalog().all()) all.push_back(name);
      std::string hint = lang::did_you_mean(n, all);
      std::cerr << "error: no op named '" << n << "'" << (hint.empty() ? "" : " (" + hint + ")") << "\n";
      return 1;
    }
  if (markdown)
    std::cout << "# Ops\n\nGenerated by `genre ops --markdown` from the signatures the op files register; "
                 "a test keeps it in step.\n";
  for (auto& [name, sig] : lang::catalog().all()) {
    if (sig.internal || (!only.empty() && std::find(only.begin(), only.end(), name) == only.end())) continue;
    if (!markdown) {
      std::cout << lang::signature_text(name, sig);
      continue;
    }
    std::cout << fmt::format("\n## `{}` -> {}\n\n{}\n\n", name, lang::type_name(sig.result), sig.doc);
    for (auto& p : sig.params) {
      std::string symbols;
      for (auto& x : p.symbols) symbols += (symbols.empty() ? "" : ", ") + ("`" + x + "`");
      std::string facts = symbols;
      if (!p.dflt.empty()) facts += (facts.empty() ? "" : "; ") + ("default `" + p.dflt + "`");
      if (std::string r = lang::range_text(p); !r.empty()) facts += (facts.empty() ? "" : "; ") + ("`" + r + "`");
      std::cout << fmt::format("- `{}`{}: {} — {}{}\n", p.name, p.required ? "" : " (optional)", lang::type_names(p), p.doc,
                               facts.empty() ? "" : " (" + facts + ")");
    }
    if (sig.role == lang::Role::Op && find_op(name))  // --executor slurm (docs/cluster.md)
      std::cout << (sig.need.light ? std::string("- on a cluster: runs in the driver (light)\n")
                                   : fmt::format("- on a cluster: a job of {} core{}, {} GB{}\n", sig.need.cpus,
                                                 sig.need.cpus == 1 ? "" : "s", sig.need.mem_gb,
                                                 sig.need.gpu ? ", a GPU with --device cuda" : ""));
    if (sig.need.groups)
      std::cout << "- memory: takes and gives its tables a row group at a time (docs/architecture.md, "
                   "\"Memory\"): a corpus larger than memory streams through it\n";
    if (sig.block)
      std::cout << "- block `{ ... }`: "
                << (sig.block_symbols.empty() ? std::string(lang::type_name(sig.block_item)) + " items" : "names from the list below") << "\n";
    if (!sig.block_symbols.empty()) {
      std::string b;
      for (auto& x : sig.block_symbols) b += (b.empty() ? "" : ", ") + ("`" + x + "`");
      std::cout << "  " << b << "\n";
    }
  }
  return 0;
}

// The command line as completion.h describes it, read out of CLI11.
std::vector<CliCommand> cli_commands(const CLI::App& app) {
  auto describe = [](const CLI::App& a, const std::string& name) {
    CliCommand c{.name = name};
    for (const CLI::Option* opt : a.get_options()) {
      if (opt->get_positional()) {
        std::string p = opt->get_name();
        c.scripts = c.scripts || p == "file" || p == "files";
        c.files = c.files || (name == "predict" && p == "args");
        continue;
      }
      auto& into = opt->get_expected_min() == 0 ? c.flags : c.options;
      for (auto& n : opt->get_snames()) into.push_back("-" + n);
      for (auto& n : opt->get_lnames()) into.push_back("--" + n);
    }
    return c;
  };
  std::vector<CliCommand> out = {describe(app, "")};
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (sub->get_group().empty()) continue;  // hidden: worker
    out[0].words.push_back(sub->get_name());
    CliCommand c = describe(*sub, sub->get_name());
    if (c.name == "cache") {
      c.words = {"info", "gc", "clean"};
      c.scripts = true;  // cache [info|gc|clean] [SCRIPT]
    }
    if (c.name == "completion") c.words = {"bash", "zsh"};
    if (c.name == "ops")
      for (auto& [op, sig] : lang::catalog().all()) c.words.push_back(op);
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  flush_denormals();  // before any thread starts: they inherit it
  keep_freed_memory();
  // Past `ulimit -f` a write fails with EFBIG, which write_atomic reports naming
  // the file (exit 2); the default action of SIGXFSZ would kill us without a word.
  std::signal(SIGXFSZ, SIG_IGN);
  CLI::App app{"genre: declare a music-genre study, check it, run it (cached, in parallel)"};
  app.require_subcommand(1);
  Options o;
  auto add_file = [&](CLI::App* c) {
    c->add_option("file", o.file, "the .genre script")->required()->check(CLI::ExistingFile);
    c->add_option("--set", o.sets,
                  "NAME=VALUE: replace the value of the script's `let NAME` (a number, \"string\", [list], or a "
                  "path: an existing path is taken relative to the current folder)");
  };
  auto* check = app.add_subcommand("check", "parse and check a script; no data is read");
  add_file(check);
  auto* plan = app.add_subcommand("plan", "show the DAG: each node, its key, cached or why it will run");
  add_file(plan);
  plan->add_option("targets", o.targets, "definitions to plan (default: every report and analysis)");
  auto* run = app.add_subcommand("run", "run a script (only what is not cached) and write its results");
  add_file(run);
  run->add_option("targets", o.targets, "definitions to run (default: every report and analysis)");
  run->add_flag("-k,--keep-going", o.keep_going, "after a failure, finish the independent branches and write their results; "
                                                "then list what failed (exit 2)");
  plan->add_option("--explain", o.explain, "NODE: why this node's (or definition's) key differs from the last run's");
  auto* lock = app.add_subcommand("lock", "run a script and write FILE.lock: every report value, data hashes, op versions, seeds");
  add_file(lock);
  auto* verify = app.add_subcommand("verify", "re-run a script (cached) and compare with FILE.lock; exit 1 listing what drifted");
  verify->add_flag("--all", o.all, "list every difference (default: the first 40, inputs and headline results first)");
  add_file(verify);
  for (auto* c : {run, lock, verify}) {
    c->add_option("--out", o.out, "output folder (default: out/<script name> beside the script)");
  }
  auto* exp = app.add_subcommand("export", "write one table definition or split part (s.test) as CSV: computed, or "
                                           "taken from the cache");
  add_file(exp);
  std::string export_name, export_to;
  exp->add_option("name", export_name, "the definition (a table, or a trained model) or split part (NAME.PART) to write")
      ->required();
  exp->add_option("--to", export_to, "the file to write: a table's CSV (default: standard output), or a model file for "
                                     "`genre predict --model`");
  auto* pred = app.add_subcommand("predict", "a trained model's answer for new files (audio, MIDI, a CSV): the script's "
                                             "steps replayed on them, no labels needed");
  std::string predict_file, predict_to;
  std::vector<std::string> predict_args;
  pred->add_option("args", predict_args,
                   "SCRIPT MODEL INPUT...: the script, its train definition (or ensemble) to answer with, and audio or "
                   "MIDI files or folders, or CSV files, of the kind the model's rows were read from; with --model, "
                   "only the inputs")->required();
  pred->add_option("--model", predict_file, "a model file written by `genre export SCRIPT MODEL --to FILE`: no script "
                                            "needed")->check(CLI::ExistingFile);
  pred->add_option("--set", o.sets, "NAME=VALUE: replace the script's `let NAME` (as for run)");
  pred->add_option("--out", predict_to, "the CSV to write: input, predicted, p_<class>..., error (default: standard output)");
  for (auto* c : {run, lock, verify, exp, pred}) {
    c->add_option("-j,--jobs", o.jobs, "ops run at once (default: the thread count)")->check(CLI::PositiveNumber);
    c->add_option("--threads", o.threads,
                  "threads in all (default: $GENRE_THREADS, else $OMP_NUM_THREADS, else --jobs, else the cores); "
                  "results do not depend on it")
        ->check(CLI::PositiveNumber);
    c->add_option("--device", o.device, "auto | cpu | cuda (auto: CUDA when available)")
        ->check(CLI::IsMember({"auto", "cpu", "cuda"}));
    c->add_option("--allow-write", o.allow_write,
                  "DIR: a folder ops may write to (render's `to`) besides the script's folder and --out");
  }
  for (auto* c : {run, lock, verify}) {
    c->add_option("--executor", o.executor, "local | slurm: where nodes are computed (slurm: each node that is not "
                                            "light is a job; the cache must be on a filesystem the nodes share; "
                                            "docs/cluster.md)")
        ->check(CLI::IsMember({"local", "slurm"}));
    c->add_option("--slurm-partition", o.slurm.partition, "the partition jobs go to (default: the cluster's)");
    c->add_option("--slurm-time", o.slurm.time, "each job's time limit, as sbatch's --time (default: the partition's)");
    c->add_option("--slurm-mem", o.slurm.mem, "each job's memory, as sbatch's --mem (default: the op's need, 4G or 8G)");
    c->add_option("--slurm-cpus", o.slurm.cpus, "each job's cores (default: the op's need, 1 or 2)")->check(CLI::PositiveNumber);
    c->add_option("--slurm-gpus", o.slurm.gpus, "GPUs for each job of an op that trains or predicts (default: 1 with "
                                                "--device cuda, else none)")->check(CLI::PositiveNumber);
    c->add_option("--max-jobs", o.slurm.max_jobs, "jobs in flight at once (default 32)")->check(CLI::PositiveNumber);
    c->add_option("--slurm-arg", o.slurm.args, "ARG: one more sbatch option for every job (--slurm-arg=--account=lab); "
                                               "given last, so it wins");
  }
  auto* worker = app.add_subcommand("worker", "compute one node of a script into the cache: the command of a cluster job");
  worker->group("");  // not for people: --executor slurm writes its command line
  add_file(worker);
  worker->add_option("targets", o.targets, "the definitions the run planned");
  std::string worker_node, worker_status_file, worker_platform;
  worker->add_option("--node", worker_node, "the node's key")->required();
  worker->add_option("--status", worker_status_file, "where to say how it went (JSON)");
  worker->add_option("--platform", worker_platform, "the driver's numeric platform: refuse to compute on another");
  worker->add_option("--cache", o.cache, "the shared cache folder");
  worker->add_option("--out", o.out, "the run's output folder");
  worker->add_option("--device", o.device, "auto | cpu | cuda")->check(CLI::IsMember({"auto", "cpu", "cuda"}));
  worker->add_option("--threads", o.threads, "threads (default: $SLURM_CPUS_PER_TASK)")->check(CLI::PositiveNumber);
  worker->add_option("--allow-write", o.allow_write, "DIR: a folder ops may write to");
  for (auto* c : {plan, run, lock, verify, exp, pred})
    c->add_option("--cache", o.cache, "cache folder (default: $GENRE_CACHE, else .genre/cache beside the script)");
  auto* repl = app.add_subcommand("repl", "an interactive session: each definition is checked, run (cached) and shown");
  ReplOptions ro;
  repl->add_option("file", ro.file, "a script to load first")->check(CLI::ExistingFile);
  repl->add_option("--set", ro.sets, "NAME=VALUE: replace the loaded script's `let NAME` (as for run)");
  repl->add_option("--cache", ro.cache, "cache folder (default: $GENRE_CACHE, else .genre/cache beside the script, "
                                        "or in the current folder)");
  repl->add_option("-j,--jobs", ro.jobs, "ops run at once (default: the thread count)")->check(CLI::PositiveNumber);
  repl->add_option("--threads", ro.threads, "threads in all (as for run)")->check(CLI::PositiveNumber);
  repl->add_option("--device", ro.device, "auto | cpu | cuda")->check(CLI::IsMember({"auto", "cpu", "cuda"}));
  auto* fmt_cmd = app.add_subcommand("fmt", "print a script in the canonical layout (-w: rewrite, --check: list the "
                                            "files that are not)");
  FmtOptions fo;
  fmt_cmd->add_option("files", fo.files, "the .genre scripts")->required()->check(CLI::ExistingFile);
  auto* fmt_write = fmt_cmd->add_flag("-w,--write", fo.write, "rewrite each file that is not formatted");
  fmt_cmd->add_flag("--check", fo.check, "list the files that are not formatted; exit 1 if any")->excludes(fmt_write);
  auto* cache_cmd = app.add_subcommand("cache", "what the cache holds per script (info), remove what no run reaches "
                                                "(gc), or everything (clean)");
  std::vector<std::string> cache_args;
  cache_cmd->add_option("args", cache_args, "[info|gc|clean] [SCRIPT]: the action (default info) on the cache beside "
                                            "SCRIPT (default: the current folder's)");
  cache_cmd->add_option("--cache", o.cache, "cache folder (default: $GENRE_CACHE, else .genre/cache beside the script)");
  auto* ops = app.add_subcommand("ops", "list every op and its arguments (or only the named ones)");
  bool markdown = false;
  std::vector<std::string> op_names;
  ops->add_option("names", op_names, "ops to show (default: all)");
  ops->add_flag("--markdown", markdown, "as Markdown (docs/ops.md)");
  auto* completion = app.add_subcommand("completion", "print a bash or zsh completion script: source <(genre completion bash)");
  std::string shell;
  completion->add_option("shell", shell, "bash | zsh")->required()->check(CLI::IsMember({"bash", "zsh"}));
  app.add_flag_callback("--version", [] {
    std::cout << "genre " GENRE_VERSION "\n";
    std::exit(0);
  }, "print the version");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints the message (or the help); a usage mistake is the caller's, like a
    // script's: exit 1, not CLI11's own codes (105, 106, ...), so the codes stay 0-3.
    return app.exit(e) == 0 ? 0 : 1;
  }
  if (o.executor == "slurm") catch_interrupts();
  try {
    register_all();
    if (worker->parsed()) return cmd_worker(o, worker_node, worker_status_file, worker_platform);
    if (check->parsed()) return cmd_check(o);
    if (plan->parsed()) return cmd_plan(o);
    if (run->parsed()) return cmd_run(o);
    if (lock->parsed()) return cmd_lock(o);
    if (verify->parsed()) return cmd_verify(o);
    if (exp->parsed()) return cmd_export(o, export_name, export_to);
    if (pred->parsed()) return cmd_predict(o, predict_args, predict_file, predict_to);
    if (ops->parsed()) return cmd_ops(markdown, op_names);
    if (cache_cmd->parsed()) return cmd_cache(cache_args, o.cache);
    if (fmt_cmd->parsed()) return run_fmt(fo);
    if (repl->parsed()) return run_repl(ro);
    if (completion->parsed()) {
      std::cout << completion_script(cli_commands(app), shell);
      return 0;
    }
  } catch (const Interrupted& e) {
    std::cerr << "\n" << e.what() << "\n";
    return 130;
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
