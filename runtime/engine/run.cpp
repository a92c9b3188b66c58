#include "runtime/engine/run.h"

#include <algorithm>
#include <chrono>
#include <fmt/format.h>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

#include "lang/diagnostics.h"
#include "runtime/core/op.h"
#include "runtime/core/row_groups.h"
#include "runtime/engine/cache.h"
#include "runtime/engine/executor.h"
#include "runtime/engine/scheduler.h"
#include "runtime/core/threads.h"

namespace genre {

namespace {

// Ops that read a folder return a table whose `error` column names the
// files they set aside (midi_folder, audio_folder): collect them.

// `seconds`: each node's op time when it was computed (this run or an earlier one), where known.
json record_of(const Plan& plan, const std::map<std::string, double>& seconds) {
  json r = json::object();
  for (auto& n : plan.nodes) {
    json inputs = json::array();
    for (auto& in : n.inputs) inputs.push_back(plan.nodes[in.node].label);
    json files = json::object();
    for (auto& [path, hash] : n.files) files[path] = hash;
    r[n.label] = {{"key", n.key},   {"params", n.params_hash}, {"inputs", inputs}, {"files", files},
                  {"op", n.op},     {"version", n.version},    {"args", n.params}};
    if (auto t = seconds.find(n.label); t != seconds.end()) r[n.label]["seconds"] = t->second;
  }
  return r;
}

// Why a node's key differs from the one the last run recorded under its label.
std::string why(const Plan& plan, const Node& n, const json& last, const std::vector<NodeStatus>& done) {
  if (!last.is_object() || !last.contains(n.label)) return "new";
  const json& prev = last[n.label];
  if (prev.value("key", "") == n.key) return "not in cache";
  if (prev.value("params", "") != n.params_hash) return "parameter changed";
  for (auto& [path, hash] : n.files)
    if (!prev.contains("files") || prev["files"].value(path, "") != hash) return "file changed: " + path;
  for (auto& in : n.inputs) {
    size_t i = in.node;
    if (!done[i].cached && done[i].why != "not in cache") return "input changed (" + plan.nodes[i].label + ")";
  }
  return "input changed";
}

}  // namespace

std::vector<Quarantined> quarantined(const std::string& node, const Value& v) {
  std::vector<Quarantined> out;
  const Table* t = std::get_if<Table>(&v);
  if (!t) return out;
  if (t->stored && std::find(t->stored->columns.begin(), t->stored->columns.end(), "error") == t->stored->columns.end())
    return out;
  each_group(*t, [&](const Table& g, size_t first) {
    const Column* err = g.find("error");
    if (!err || !err->is_text()) return;
    const Column* file = g.find("file");
    for (size_t r = 0; r < err->size(); ++r)
      if (err->present[r] && !err->text[r].empty())
        out.push_back({node, file && file->is_text() ? file->text[r] : "row " + std::to_string(first + r + 1), err->text[r]});
  });
  return out;
}

uint64_t node_seed(const Node& n) {
  return n.params.contains("seed") && n.params["seed"].is_number() ? n.params["seed"].get<uint64_t>()
                                                                   : std::stoull(n.key.substr(0, 15), nullptr, 16);
}

std::vector<NodeStatus> status(const Plan& plan, const std::string& cache_dir, const std::string& record_name) {
  Cache cache(cache_dir);
  json last = cache.read_record(record_name);
  std::vector<NodeStatus> out(plan.nodes.size());
  for (size_t i = 0; i < plan.nodes.size(); ++i) {
    out[i].cached = cache.contains(plan.nodes[i].key);
    if (!out[i].cached) out[i].why = why(plan, plan.nodes[i], last, out);
  }
  return out;
}

std::string plan_listing(const Plan& plan, const std::vector<NodeStatus>& st) {
  std::string out;
  size_t runs = 0;
  for (size_t i = 0; i < plan.nodes.size(); ++i) {
    auto& n = plan.nodes[i];
    runs += !st[i].cached;
    out += fmt::format("{}  {:<9} {}{}\n", n.key.substr(0, 10), st[i].cached ? "cached" : "will run", n.label,
                       st[i].cached ? "" : "  (" + st[i].why + ")");
  }
  return out + fmt::format("{} nodes: {} cached, {} to run\n", plan.nodes.size(), plan.nodes.size() - runs, runs);
}

namespace {

// Gives each node's value once: from memory, else the cache, else its op.
class Runner {
 public:
  Runner(const Plan& p, const RunOptions& o, RunEvents& progress)
      : plan_(p), opt_(o), cache_(o.cache_dir), progress_(progress), slots_(p.nodes.size()) {
    // "auto" is resolved by the ops that use LibTorch, so a run without them
    // never loads it; an explicit "cuda" is checked now, before any work.
    device_ = opt_.device == "cuda" ? pick_device("cuda") : opt_.device;
    if (!cache_.read_only().empty())
      progress_.note(fmt::format("note: the cache {} is read-only ({}): reusing what it holds, storing nothing new "
                                 "(--cache DIR names a writable one)", cache_.dir().string(), cache_.read_only()));
  }

  const Value& obtain(size_t i) {
    Slot& s = slots_[i];
    std::lock_guard<std::mutex> g(s.m);
    if (s.value) return *s.value;
    const Node& n = plan_.nodes[i];
    std::string problem;
    if (auto v = cache_.get(n.key, &problem, true)) {
      s.value = std::make_shared<Value>(std::move(*v));
      return *s.value;
    }
    if (!problem.empty()) note(n.label + ": " + problem);
    if (!cache_.read_only().empty()) {  // nothing to wait for: no run can store here
      json aside = json::array();
      s.value = std::make_shared<Value>(compute(n, aside));
      return *s.value;
    }
    // Another run may be computing the same node: wait for it, then look again.
    EntryLock lock = cache_.lock(n.key);
    if (auto v = cache_.get(n.key, &problem, true)) {
      s.value = std::make_shared<Value>(std::move(*v));
      return *s.value;
    }
    json aside = json::array();
    s.value = std::make_shared<Value>(compute(n, aside));
    cache_.put_aside(n.key, aside);  // first: an entry is never seen without its list
    if (auto* t = std::get_if<Table>(s.value.get()); t && t->stored)
      cache_.place(n.key, *t);  // written a group at a time: now moved into place
    else
      cache_.put(n.key, *s.value);
    return *s.value;
  }

  // One part of a split node's value (s.train), as a Value of its own: made
  // once per run, however many ops read it.
  const Value& part(size_t i, const std::string& name) {
    const Split* sp = std::get_if<Split>(&obtain(i));
    if (!sp) throw InternalError(plan_.nodes[i].label + " is not a split, but '." + name + "' is read from it");
    Slot& s = slots_[i];
    std::lock_guard<std::mutex> g(s.m);
    auto& p = s.parts[name];
    if (!p) p = std::make_shared<Value>(sp->part(name));
    return *p;
  }

  bool cached(size_t i) { return cache_.contains(plan_.nodes[i].key); }
  const std::string& read_only() const { return cache_.read_only(); }

  // Node i computed by the executor's job: its timing and set-aside files, as if it ran here.
  void remote(size_t i, Executor& ex) {
    const Node& n = plan_.nodes[i];
    double secs = 0;
    try {
      secs = ex.compute(plan_, i, progress_);
    } catch (const PlanDataError&) {
      throw;
    } catch (const DataError& e) {  // the job itself failed: name the script position that asked for the node
      throw PlanDataError({n.file, n.range, fmt::format("in {}: {}", n.label, e.what()), ""});
    }
    std::lock_guard<std::mutex> g(result_m_);
    result.timings.push_back({n.label, secs});
    for (auto& q : cache_.aside(n.key)) result.quarantine.push_back({n.label, q[0], q[1]});
    ++result.ran;
  }

  RunResult result;

 private:
  struct Slot {
    std::mutex m;
    std::shared_ptr<Value> value;
    std::map<std::string, std::shared_ptr<Value>> parts;  // see part()
  };
  const Plan& plan_;
  const RunOptions& opt_;
  Cache cache_;
  RunEvents& progress_;
  std::vector<Slot> slots_;
  std::mutex result_m_;
  std::string device_;

  void note(const std::string& s) {
    {
      std::lock_guard<std::mutex> g(result_m_);
      result.problems.push_back(s);
    }
    progress_.note("warning: " + s);
  }

  // `aside` gets the files this node set aside that its inputs had not already.
  Value compute(const Node& n, json& aside) {
    OpContext ctx;
    ctx.params = n.params;
    ctx.script_dir = plan_.script_dir;
    ctx.write_roots = opt_.write_roots;
    ctx.device = device_;
    ctx.seed = node_seed(n);
    const lang::Signature* sig = lang::catalog().find(n.op);
    bool groups = sig && sig->need.groups;
    if (groups && cache_.read_only().empty()) ctx.rows_out = [this, key = n.key] { return cache_.rows_out(key); };
    std::vector<std::unique_ptr<Value>> held;  // stored inputs read whole, for an op that reads no groups
    auto in_memory = [&](const Value& v) -> const Value* {
      if (auto* t = std::get_if<Table>(&v); !groups && t && t->stored)
        return held.emplace_back(std::make_unique<Value>(whole(*t))).get();
      return &v;
    };
    for (auto& in : n.inputs) {
      try {
        ctx.inputs.push_back({in.param, in.name, in_memory(in.part.empty() ? obtain(in.node) : part(in.node, in.part))});
      } catch (const PlanDataError&) {
        throw;  // positioned where the input failed
      } catch (const DataError& e) {
        if (in.part.empty()) throw;
        throw PlanDataError({n.file, n.range, fmt::format("in {}: '{}': {}", n.label, in.name, e.what()), ""});
      }
    }
    const OpFn* fn = find_op(n.op);
    if (!fn) throw InternalError("no run function for op '" + n.op + "'");
    std::string label = n.label;
    ctx.progress = [this, label](size_t done, size_t total, const std::string& what) {
      progress_.step(label, done, total, what);
    };
    ctx.warn = [this, label](const std::string& what) { note(label + ": " + what); };
    double waited = 0;  // in take_turn: not the op's time
    ctx.take_turn = [&waited, run = this_run()] { waited += take_turn(run); };
    progress_.start(n.label);
    auto t0 = std::chrono::steady_clock::now();
    Value v;
    auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() - waited; };
    try {
      v = (*fn)(ctx);
    } catch (const PlanDataError&) {
      progress_.finish(n.label, seconds(), false);
      throw;
    } catch (DataError& e) {
      progress_.finish(n.label, seconds(), false);
      // Name the script position that asked for this op.
      throw PlanDataError({n.file, n.range, fmt::format("in {}: {}", n.label, e.what()), ""});
    } catch (...) {
      progress_.finish(n.label, seconds(), false);
      throw;
    }
    double secs = seconds();
    progress_.finish(n.label, secs);
    // A table op that passes its input's set-aside rows on (keep, select) sets nothing aside itself.
    std::vector<Quarantined> q = quarantined(n.label, v);
    std::set<std::string> known;
    if (!q.empty())
      for (auto& in : ctx.inputs)
        for (auto& x : quarantined("", *in.value)) known.insert(x.file);
    std::erase_if(q, [&](const Quarantined& x) { return known.count(x.file) > 0; });
    for (auto& x : q) aside.push_back({x.file, x.reason});
    if (!q.empty())
      progress_.note(fmt::format("{}: {} file{} set aside (quarantine.csv in the output folder): {}: {}{}", n.label,
                                 q.size(), q.size() == 1 ? "" : "s", q[0].file, q[0].reason, q.size() > 1 ? ", ..." : ""));
    std::lock_guard<std::mutex> g(result_m_);
    result.timings.push_back({n.label, secs});
    result.quarantine.insert(result.quarantine.end(), q.begin(), q.end());
    ++result.ran;
    return v;
  }
};

}  // namespace

double run_node(const Plan& plan, size_t i, const RunOptions& opt, RunEvents& progress) {
  Runner r(plan, opt, progress);
  if (!r.cached(i)) r.obtain(i);
  return r.result.timings.empty() ? 0 : r.result.timings.front().second;
}

RunResult execute(const Plan& plan, const RunOptions& opt, const std::string& record_name, RunEvents& progress) {
  Runner r(plan, opt, progress);
  Executor* ex = opt.executor;
  if (ex && !r.read_only().empty())
    throw DataError(fmt::format("the cache {} is read-only ({}); a cluster's jobs store their results there, so it must be "
                                "a writable folder every node sees (--cache DIR)", opt.cache_dir, r.read_only()));
  // One task per node not in the cache; cached nodes are loaded only when a
  // node that runs, or a target, needs them.
  std::vector<Task> tasks;
  std::map<size_t, size_t> task_of;
  for (size_t i = 0; i < plan.nodes.size(); ++i) {
    if (r.cached(i)) continue;
    Task t;
    for (auto& in : plan.nodes[i].inputs)
      if (auto it = task_of.find(in.node); it != task_of.end()) t.deps.push_back(it->second);
    if (ex && !ex->here(plan.nodes[i]))
      t.run = [&r, i, ex] { r.remote(i, *ex); };
    else
      t.run = [&r, i] { r.obtain(i); };
    t.name = plan.nodes[i].label;
    task_of[i] = tasks.size();
    tasks.push_back(std::move(t));
  }
  int threads = thread_budget(opt.threads, opt.jobs);
  int jobs = opt.jobs > 0 ? opt.jobs : threads;
  bool keep_going = opt.keep_going || ex;
  // A job waits in its own thread, beside the threads that compute light nodes here.
  if (ex) jobs += ex->slots(), threads += ex->slots();
  DagFailures failures;
  run_dag(tasks, jobs, keep_going, threads, keep_going ? &failures : nullptr);
  // keep_going: a data error is reported and its branch left out; anything else is a bug, as without it.
  std::set<size_t> lost;  // tasks that failed or were skipped
  for (auto& [task, e] : failures.failed) {
    lost.insert(task);
    try {
      std::rethrow_exception(e);
    } catch (const PlanDataError& d) {
      r.result.failed.push_back(d.diag);
    } catch (const DataError& d) {
      r.result.failed.push_back({"", {}, d.what(), ""});
    }
  }
  lost.insert(failures.skipped.begin(), failures.skipped.end());
  r.result.lost = lost.size();
  for (size_t i = 0; i < plan.targets.size(); ++i) {
    auto [def, node] = plan.targets[i];
    if (auto t = task_of.find(node); t != task_of.end() && lost.count(t->second)) {
      r.result.missing_targets.push_back(def);
      continue;
    }
    auto part = plan.target_parts.find(i);
    r.result.targets.push_back({def, plan.nodes[node].op,
                                whole(part == plan.target_parts.end() ? r.obtain(node) : r.part(node, part->second))});
  }
  // A reused node's set-aside files are stored beside its entry. Listed in plan
  // order, each file once (two ops reading one folder set the same file aside).
  Cache cache(opt.cache_dir);
  std::set<std::string> ran;
  for (auto& [label, secs] : r.result.timings) ran.insert(label);
  std::map<std::string, std::vector<Quarantined>> by_node;
  for (auto& q : r.result.quarantine) by_node[q.node].push_back(q);
  std::vector<Quarantined> all;
  std::set<std::string> seen;
  for (auto& n : plan.nodes) {
    if (!ran.count(n.label))
      for (auto& q : cache.aside(n.key)) by_node[n.label].push_back({n.label, q[0], q[1]});
    for (auto& q : by_node[n.label])
      if (seen.insert(q.file).second) all.push_back(q);
  }
  r.result.quarantine = std::move(all);
  // A reused node's op time is the run's that computed it, as the last record kept it (report.html shows it).
  json last = cache.read_record(record_name);
  std::map<std::string, double> seconds;
  for (auto& n : plan.nodes) {
    const json* prev = last.is_object() && last.contains(n.label) ? &last[n.label] : nullptr;
    if (!ran.count(n.label) && prev && prev->value("key", "") == n.key && prev->contains("seconds") &&
        (*prev)["seconds"].is_number())
      r.result.earlier[n.label] = (*prev)["seconds"].get<double>();
  }
  seconds.insert(r.result.earlier.begin(), r.result.earlier.end());
  seconds.insert(r.result.timings.begin(), r.result.timings.end());
  if (cache.read_only().empty()) {
    cache.write_record(record_name, record_of(plan, seconds));
    if (r.result.ran > 0) cache.gc_temps();  // a killed run's half-written entries; only when work was done, to keep cached runs fast
  }
  return std::move(r.result);
}

}  // namespace genre
