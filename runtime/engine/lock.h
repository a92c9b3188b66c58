// Locked studies: `genre lock` writes what a run produced and from what
// (every report value, the input data's content hashes, op versions, seeds,
// the toolkit and platform); `genre verify` re-runs and lists what drifted.
#pragma once
#include <string>
#include <vector>

#include "runtime/engine/plan.h"
#include "runtime/core/value.h"

namespace genre {

// The lock of a finished run. `results` is results.json's content,
// `predictions` each evaluation's rows ("report/model" -> {truth, pred} class
// indices); `previous` (null if none) keeps the tolerances a person edited.
json make_lock(const Plan& plan, const json& results, const json& predictions, const std::vector<std::string>& sets,
               const std::string& device, const json& previous);

// What a line of verify's diff is about, in the order the diff lists them: what the
// run was made from (data, ops, toolkit, --set), then the headline results (accuracy,
// macro-F1, a grid's chosen point, a model's predictions), then the other metrics
// (per class, intervals, pairs), then confusion cells.
enum class DriftKind { input, headline, metric, cell };
const char* drift_kind_name(DriftKind k);  // "inputs", "headline", "other metrics", "confusion cells"

// One line of verify's diff.
struct Drift {
  std::string what;    // "value compare/knn15/accuracy", "data ../data/x.csv", "op knn15/fit",
                       // "value compare/knn15/confusion/Rock/Pop" (cells by class where the lock knows them)
  std::string locked;  // as locked ("" = absent then)
  std::string now;     // as now ("" = absent now)
  std::string rule;    // "exact", "±0.02 (accuracy)", ...
  DriftKind kind = DriftKind::input;
};

// On another platform: one evaluated model's predictions, locked vs now.
struct Verdict {
  std::string model;  // "report/model"
  bool drift = false;
  long changed = 0;   // rows predicted otherwise
  double p = 1;       // McNemar's exact p
  std::string text;   // the figures, for a person
};

struct Comparison {
  std::vector<Drift> drift;       // what differs beyond the rules
  bool same_platform = true;      // floats compared bit for bit
  std::vector<Verdict> verdicts;  // another platform: every model with predictions in both locks
};

// What differs between a lock and the lock of the run just made, ranked by kind
// (stable: each kind in the locks' order). On the same
// platform every value must be identical; on another, a model's values stand
// or fall with its predictions (Verdict), counts that do not depend on a
// model (support, rows) stay exact, and the rest keep to the lock's tolerances.
Comparison compare_locks(const json& locked, const json& now);

// How a CSV file that drifted changed, from the tables its csv node made in the locked
// run and now, while `cache_dir` holds both: "3 of 8,400 rows changed (rows 17, 204, 5,300)",
// "8,400 -> 8,410 rows: 10 added, 0 removed". "" when the locks do not say which node read it.
std::string csv_drift(const json& locked, const json& now, const std::string& path, const std::string& cache_dir);

}  // namespace genre
