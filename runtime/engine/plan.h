// Lowering: a checked script -> a DAG of op nodes, each with its cache key.
// Read top to bottom in plan.cpp: evaluate definitions lazily from the
// targets, turn each op call into a node, expand sweeps and grids, hash.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "lang/ast.h"
#include "lang/catalog.h"
#include "lang/checker.h"
#include "lang/diagnostics.h"
#include "runtime/core/value.h"

namespace genre {

struct NodeInput {
  size_t node;        // producer
  std::string part;   // a Split's part ("train"), or "" for the whole value
  std::string param;  // signature parameter it binds to
  std::string name;   // how the script names it ("s.train", "nn")
};

struct Node {
  std::string op;
  int version = 1;
  json params = json::object();
  std::vector<NodeInput> inputs;
  std::vector<std::pair<std::string, std::string>> files;  // (resolved path, content hash) it reads
  std::string label;   // stable and unique within the plan: "songs/join", "tuned/trial[batch=256 fold=2]"
  std::string def;     // the definition it belongs to
  std::string file;    // script file and range of the call, for errors at run time
  lang::Range range;
  std::string key;          // cache key (hex)
  std::string params_hash;  // hash of op + version + params alone: tells "parameter changed" from "input changed"
};

struct Plan {
  std::vector<Node> nodes;                       // topological: inputs come first
  std::vector<std::pair<std::string, size_t>> targets;  // (definition, node) to produce and report
  std::map<std::string, json> constants;  // targets that need no node (a spec, a number): their value
  std::map<size_t, std::string> target_parts;  // targets[i] is this part of its node's Split (`dataset tr = s.train`)
  std::string script_dir;
  std::string note;  // something the user should know about how the targets were chosen; "" for none
  std::vector<lang::Diagnostic> warnings;  // found while planning (a cv whose folds see fitted scaling)
};

// A data problem found while planning (an input file that is missing or
// unreadable), with the script position that names the file: exit code 2.
struct PlanDataError : DataError {
  lang::Diagnostic diag;
  explicit PlanDataError(lang::Diagnostic d) : DataError(d.message), diag(std::move(d)) {}
};

// Lowers the definitions that `targets` need (all `report` definitions when
// empty), binding arguments as the checker did. Throws lang::ScriptError for a
// script problem found while planning, PlanDataError for a missing input file.
// `hash_files` false (`genre check`): input files must exist, but are not read.
Plan lower(const lang::Script& script, const lang::Bindings& bindings, const std::vector<std::string>& targets,
           bool hash_files = true);

}  // namespace genre
