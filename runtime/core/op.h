// The interface every op implements. An op is a pure function of its parameters
// (JSON, canonical) and its input values; the runtime caches its result by key.
#pragma once
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "lang/catalog.h"
#include "runtime/core/expand.h"
#include "runtime/core/table_text.h"
#include "runtime/core/value.h"

namespace genre {

class RowGroupsOut;

struct Input {
  std::string param;  // the signature parameter it was bound to ("data", "models", ...)
  std::string name;   // the definition it came from ("nn", "s.train"), for reports
  const Value* value;
};

struct OpContext {
  json params;                // every non-data argument by name; symbols as strings, exprs as expr JSON
  std::vector<Input> inputs;  // data arguments in signature order; a list argument gives several
  std::string script_dir;     // relative paths resolve against this
  std::vector<std::string> write_roots;  // besides script_dir, where an op may write (--out, --allow-write)
  std::string device = "cpu"; // "cpu" or "cuda", chosen by the runtime
  uint64_t seed = 0;          // params["seed"] if given, else derived from the node's key
  std::function<void(size_t done, size_t total, const std::string& what)> progress = [](size_t, size_t, const std::string&) {};
  // Something the user should know that does not stop the op (a file read with a
  // repair, a filter that kept no row): shown as a warning naming the node.
  std::function<void(const std::string&)> warn = [](const std::string&) {};
  // Between the steps of long work (a training epoch): lets waiting ops have this op's job slot for
  // a while (runtime/engine/scheduler.h, take_turn), so equal trials finish together.
  std::function<void()> take_turn = [] {};
  // need.groups: opens where the op's table goes a row group at a time (runtime/core/row_groups.h),
  // the node's cache entry; null where there is none (a read-only cache, a test). An op whose
  // result is small (pitch_histograms) returns it in memory instead.
  std::function<std::shared_ptr<RowGroupsOut>()> rows_out;
  std::shared_ptr<RowGroupsOut> groups_out() const;  // rows_out(), else groups kept in memory

  const Value& input(const std::string& param) const;  // the first input bound to param; InternalError if none
  const Value* maybe_input(const std::string& param) const;
  std::vector<const Input*> inputs_of(const std::string& param) const;
  std::string path(const std::string& p) const;        // resolved against script_dir
  // path(p) for an op that writes there (render's `to`): DataError unless it lies
  // under script_dir or a write root once `..` and links are resolved, so a
  // colleague's script cannot write anywhere it likes.
  std::string output_path(const std::string& p, const std::string& what) const;
};

using OpFn = std::function<Value(const OpContext&)>;

// Register an op (Role::Op) with its run function, or a spec (Role::Spec, fn empty).
void register_op(lang::Signature sig, OpFn fn = {});
const OpFn* find_op(const std::string& name);
// Register an op that the planner expands into other ops' nodes (runtime/core/expand.h).
void register_expansion(lang::Signature sig, ExpandFn fn);
const ExpandFn* find_expansion(const std::string& name);

// How an op's JSON report is shown. An op that returns a report registers its
// kind in its own file; runtime/present/ looks up the kind of the op that made
// each target (terminal, output folder, report.html) instead of guessing from
// the JSON's shape.
struct ReportKind {
  std::string name;  // "metrics", "counts", "tags", "dendrogram", "next_step_loss": report.html draws its plots by it
  std::function<std::string(const json&)> terminal;  // what `genre run` and the REPL print under the target's name
  std::function<std::vector<std::pair<std::string, TextTable>>(const json&)> files;  // one DIR/<target>_<title>.csv each; may be empty
  std::function<json(const json&)> results;  // its entry in results.json (and the lock); null: none
  // Other files it writes to the output folder (a dendrogram's SVG); may be empty.
  std::function<void(const std::filesystem::path& dir, const std::string& target, const json&)> extra_files;
};
void register_report_kind(const std::string& op, ReportKind k);
const ReportKind* report_kind(const std::string& op);  // null for an op without one

// Fills the catalog with every op family, once. ops/registry.cpp lists them.
void register_all();

}  // namespace genre
