// Locked studies: `genre lock` writes what a run produced and from what
// (every report value, the input data's content hashes, op versions, seeds,
// the toolkit and platform); `genre verify` re-runs and lists what drifted.
#pragma once
#include <string>
#include <vector>

#include "runtime/plan.h"
#include "runtime/value.h"

namespace genre {

// The lock of a finished run. `results` is results.json's content; `previous`
// (null if none) keeps the tolerances a person edited.
json make_lock(const Plan& plan, const json& results, const std::vector<std::string>& sets, const std::string& device,
               const json& previous);

// One line of verify's diff.
struct Drift {
  std::string what;    // "value compare/knn15/accuracy", "data ../data/x.csv", "op knn15/fit"
  std::string locked;  // as locked ("" = absent then)
  std::string now;     // as now ("" = absent now)
  std::string rule;    // "exact", "±0.02 (accuracy)", ...
};

// What differs between a lock and the lock of the run just made.
std::vector<Drift> compare_locks(const json& locked, const json& now);

}  // namespace genre
