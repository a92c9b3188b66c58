// What the checker knows about every callable name: ops (DAG nodes), specs
// (values built at plan time: models, layers, optimizers) and their arguments.
// ops/ fills it at start-up (ops/registry.cpp); lang/ only reads it.
#pragma once
#include <cmath>
#include <map>
#include <string>
#include <vector>

namespace genre::lang {

enum class Type {
  Any, Number, Int, String, Bool, Path,  // Path: a file name, read as data (content hashed)
  Symbol,  // a bare identifier from Param::symbols (e.g. `normal`, `rbf`)
  List, Record,
  Expr,    // an expression over free names (columns, `label`, metrics): keep(label in six)
  Table, Split, Spec, Trained, Report, Layer, Optimizer,
  Step,    // a preprocessing op written without its data, in a model's `prep: [standardize, minmax(-1, 1)]`
};
const char* type_name(Type t);

struct Param {
  std::string name;
  std::vector<Type> types;           // accepted types (any of)
  bool required = false;
  std::vector<std::string> symbols;  // Symbol: allowed identifiers; Expr: allowed free names (empty = any)
  Type elem = Type::Any;             // List: element type; Record: type of every field's value
  std::string doc;
  // Record only: its keys must be arguments of the spec bound to this other
  // parameter, each with a list of values (grid's `over: { k: [1, 3, 5] }`).
  std::string keys_of;
  // Number/Int only: the valid interval, closed unless *_open (`k: 0` in knn is
  // a script error at check time; `genre ops` prints it).
  double lo = -INFINITY, hi = INFINITY;
  bool lo_open = false, hi_open = false;
  // The default as a script would write it ("32", "rbf"); "" when there is
  // none or it is worked out from the data. Model specs read it back with
  // spec_number/spec_int/spec_symbol (ops/models/model.h).
  std::string dflt;
};

// A number's valid interval, closed unless *_open: at_least(1), above(0),
// within(0, 1, false, true) = [0, 1). bounded(param, interval) puts it on a
// parameter written positionally.
struct Bounds {
  double lo = -INFINITY, hi = INFINITY;
  bool lo_open = false, hi_open = false;
};
inline Bounds at_least(double lo) { return {.lo = lo}; }
inline Bounds above(double lo) { return {.lo = lo, .lo_open = true}; }
inline Bounds within(double lo, double hi, bool lo_open = false, bool hi_open = false) { return {lo, hi, lo_open, hi_open}; }
inline Param bounded(Param p, Bounds b) {
  p.lo = b.lo, p.hi = b.hi, p.lo_open = b.lo_open, p.hi_open = b.hi_open;
  return p;
}

// "k >= 1", "0 < lr <= 10", "" when a parameter has no bounds.
std::string range_text(const Param& p);
// "" when v is valid for p, else what is wrong: "k must be >= 1, got 0".
std::string range_problem(const Param& p, double v);

enum class Role {
  Op,    // becomes a node of the DAG, runs, is cached
  Spec,  // evaluated while planning into a record (knn(k: 12), dense(256), adam(lr: 0.01))
};

// What one node of an op needs where it runs, for an executor that sends nodes to a cluster
// (runtime/engine/executor.h); the command line can override each. A `light` op reshapes a
// table that is already computed (keep, join, split): it runs in the driver, as a queue wait
// would cost more than the work. The others are jobs asking for `cpus` cores and `mem_gb`
// of memory, and a GPU when `gpu` and the run's --device is cuda.
struct Need {
  bool light = false;
  // Reads its tables and writes its own a row group at a time (runtime/core/row_groups.h),
  // so a corpus larger than memory streams through it.
  bool groups = false;
  int cpus = 1;
  int mem_gb = 4;
  bool gpu = false;
};

struct Signature {
  std::string name;
  Role role = Role::Op;
  std::vector<Param> params;  // positional arguments bind in this order
  Type result = Type::Any;
  // A trailing `{ ... }` block: items are calls/names of this type (Layer), or,
  // when block_symbols is set, bare names from it (evaluate(...) { accuracy, confusion }).
  bool block = false;
  Type block_item = Type::Any;
  std::vector<std::string> block_symbols;
  std::string block_param;    // the call's parameter its block's items become (classifier's "layers")
  bool open_options = false;  // Spec only: any extra named option is allowed (training options)
  bool internal = false;      // added by another op's expansion (a grid's trials), never written in a script
  // A preprocessing op a model can carry (`knn(k: 5, prep: [standardize])`): written there without its
  // `data` and `fit_on`, fitted on whatever rows the model is fitted on (runtime/core/op_kit.h's steps).
  bool step = false;
  // Drops or divides rows (keep, balance, distinct, split, kfold): `genre predict` passes new inputs through it.
  bool filter = false;
  // Parameters that are shares of one whole (split's train, val, test, dev): when every one a call
  // gives is a number written in the script, they must sum to 100%, checked before anything runs.
  std::vector<std::string> shares;
  int version = 1;            // bump when an op's results change: invalidates its cache entries
  std::string doc;
  Need need = {};

  const Param* param(const std::string& n) const {
    for (auto& p : params) if (p.name == n) return &p;
    return nullptr;
  }
};

class Catalog {
 public:
  void add(Signature s) { sigs_[s.name] = std::move(s); }
  const Signature* find(const std::string& name) const {
    auto it = sigs_.find(name);
    return it == sigs_.end() ? nullptr : &it->second;
  }
  const std::map<std::string, Signature>& all() const { return sigs_; }

 private:
  std::map<std::string, Signature> sigs_;
};

Catalog& catalog();  // the process-wide catalog

// "a|b": the types a parameter takes, as `genre ops` lists them.
std::string type_names(const Param& p);

// An op as `genre ops` and the REPL's :type show it: "name(arg?: type, ...) -> result\n    doc\n".
std::string signature_text(const std::string& name, const Signature& s);


}  // namespace genre::lang
