// Running a plan: each node's value comes from memory, the cache, or its op.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "runtime/engine/plan.h"

namespace genre {

class Executor;  // runtime/engine/executor.h

struct RunOptions {
  std::string cache_dir;
  int jobs = 0;                 // ops at once; 0 = the thread budget
  int threads = 0;              // --threads; 0 = thread_budget's default (runtime/core/threads.h)
  std::string device = "auto";  // auto | cpu | cuda
  bool keep_going = false;
  std::vector<std::string> write_roots;  // where ops may write besides the script's folder (OpContext::output_path)
  // Null: every node is computed here. Else nodes it does not keep here are its jobs, and a
  // failed one leaves the rest of the DAG going on, as keep_going.
  Executor* executor = nullptr;
};

// What `genre plan` shows for one node.
struct NodeStatus {
  bool cached = false;
  std::string why;  // "new", "parameter changed", "input changed (songs/csv)", "file changed: x.csv", "not in cache"
};

// The seed an op draws from: its `seed` argument, else one taken from its key,
// so an op without one still draws the same numbers on every run.
uint64_t node_seed(const Node& n);

// Status of every node, compared with the previous run's record.
std::vector<NodeStatus> status(const Plan& plan, const std::string& cache_dir, const std::string& record_name);

// What `genre plan` (and the REPL's :plan) prints: a line per node, then the counts.
std::string plan_listing(const Plan& plan, const std::vector<NodeStatus>& st);

// A file an op set aside (unreadable, damaged) while the rest went on.
struct Quarantined {
  std::string node, file, reason;
};

// The files a table sets aside: its rows whose `error` column is set, named by `file` (else the row number).
std::vector<Quarantined> quarantined(const std::string& node, const Value& v);

// A definition a run reports: its value, and the op that made it (which says
// how to show it: runtime/core/op.h's ReportKind).
struct Target {
  std::string name, op;
  Value value;
};

struct RunResult {
  std::vector<Target> targets;  // in plan order
  size_t ran = 0;  // nodes computed; the rest of the plan was reused from the cache
  std::vector<std::string> problems;  // e.g. corrupt cache entries found and recomputed
  std::vector<std::pair<std::string, double>> timings;  // (label, seconds) of nodes that ran
  std::map<std::string, double> earlier;  // label -> seconds, for reused nodes: the op time of the run that computed them
  std::vector<Quarantined> quarantine;  // this run's and, for reused nodes, the run's that made them
  // With keep_going: each node that failed (its data error, with the script position), and the
  // targets not computed because of them; the other targets are in `targets` as usual.
  std::vector<lang::Diagnostic> failed;  // file "" = no position
  std::vector<std::string> missing_targets;
  size_t lost = 0;  // nodes that failed or were skipped
};

// Runs what is not cached, in parallel, then writes the run record.
// What a run tells whoever shows it (runtime/present/progress.h draws it on a
// terminal); called from any thread.
struct RunEvents {
  virtual ~RunEvents() = default;
  virtual void start(const std::string& node) = 0;
  virtual void step(const std::string& node, size_t done, size_t total, const std::string& what) = 0;
  virtual void finish(const std::string& node, double seconds, bool ok = true) = 0;
  virtual void note(const std::string& line) = 0;  // a warning or message that stays
};

RunResult execute(const Plan& plan, const RunOptions& opt, const std::string& record_name, RunEvents& progress);

// `genre worker`, a cluster executor's job: computes node `i` (its inputs come from the
// cache) and stores its value. Returns the seconds its op ran; 0 when the cache held it.
double run_node(const Plan& plan, size_t i, const RunOptions& opt, RunEvents& progress);

}  // namespace genre
