// Ops that are not one node but a small graph of other ops' nodes, built at
// plan time: grid (kfold, a trial per point and fold, grid_select), cv (kfold,
// cv_fold per fold, cv_summary), ablate (a fit per variant, evaluate). Such an
// op registers an ExpandFn instead of a run function (runtime/core/op.h); the
// planner (runtime/engine/plan.cpp) calls it with an Expansion, which is all
// the op sees of the planner: the call's arguments, and a way to add nodes.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "lang/ast.h"
#include "lang/catalog.h"
#include "runtime/core/value.h"

namespace genre {

// A value while planning: a constant (literal, spec record, expression), a
// node's output (optionally one part of a Split), or a list mixing them.
struct Planned {
  enum class Kind { Const, Node, List } kind = Kind::Const;
  json value;                  // Const
  size_t node = 0;             // Node
  std::string part;            // Node: a Split's part ("fold1_train"), "" for the whole value
  std::vector<Planned> items;  // List
  std::string name;            // how reports and plans name it ("s.train", "tuned[k=3 fold=2]")
  lang::Type type = lang::Type::Any;

  bool is_const() const { return kind == Kind::Const; }
  // Node: the same node's part `p`, named `n` ("" keeps the name).
  Planned part_of(const std::string& p, const std::string& n = "") const {
    Planned v = *this;
    v.part = p;
    if (!n.empty()) v.name = n;
    return v;
  }
  static Planned list(std::vector<Planned> items) {
    Planned v;
    v.kind = Kind::List;
    v.type = lang::Type::List;
    v.items = std::move(items);
    return v;
  }
};

// One input of a node an expansion adds: a planned node (or list of them)
// bound to a parameter of the node's op.
struct PlannedInput {
  std::string param;
  Planned value;
};

class Expansion {
 public:
  virtual ~Expansion() = default;

  // --- the call being expanded
  virtual const lang::Signature& sig() const = 0;
  virtual const lang::Range& range() const = 0;  // the whole call, for errors about it
  virtual const std::string& def() const = 0;    // the definition it is in ("tuned"), labels sub-nodes
  virtual bool has(const std::string& param) const = 0;
  // The argument bound to `param`; a positioned script error "<op> needs '<param>'" when there is none.
  virtual const lang::Expr& arg(const std::string& param) = 0;
  virtual Planned eval(const lang::Expr& e) = 0;
  // eval(arg(param)), a positioned script error when a number is outside the parameter's range.
  virtual Planned value(const std::string& param) = 0;
  // An Expr parameter (a score) as expression JSON, as a node's params keep it.
  virtual json expr(const std::string& param) = 0;
  // The names in the call's `{ ... }` block (evaluate's metrics).
  virtual json block_names() const = 0;

  // --- what it builds
  // Adds a node of `op` (at its catalog version) with these params and inputs, or
  // returns the identical node already planned. `sub` ("[k=3 fold=2]") marks a
  // node of one point of the call: it is labelled def() + sub in plans and
  // progress, and named so in reports unless `name` says otherwise; "" is the
  // call's own node. `at` is where the script writes what the node stands for
  // (a variant), else the call.
  virtual Planned node(const std::string& op, json params, const std::vector<PlannedInput>& inputs,
                       const std::string& sub = "", const std::string& name = "", const lang::Range* at = nullptr) = 0;
  // The params of the nearest node of `op` that `v` comes from, following each
  // node's input bound to `via` back (kfold -> standardize -> ...); null when none.
  virtual const json* upstream(const Planned& v, const std::string& op, const std::string& via) const = 0;
  // The ops `v` comes from, nearest first, following each node's input bound to `via` back
  // (s.train -> minmax, quantile, split, csv).
  virtual std::vector<std::string> ops_upstream(const Planned& v, const std::string& via) const = 0;
  // A positioned warning: `genre check` and `genre run` print it, and the run goes on.
  virtual void warn(const lang::Range& at, std::string msg, std::string hint = "") = 0;
  // A positioned script error when `v` is outside the range `op`'s parameter `param` declares.
  virtual void check_range(const std::string& op, const std::string& param, const json& v, const lang::Range& at) = 0;
  [[noreturn]] virtual void fail(const lang::Range& at, std::string msg, std::string hint = "") = 0;
};

using ExpandFn = std::function<Planned(Expansion&)>;

// A point of a sweep or grid as plans and reports label it: "k=3 lr=0.01".
std::string point_label(const json& point);

}  // namespace genre
